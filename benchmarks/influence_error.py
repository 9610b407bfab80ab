#!/usr/bin/python3
"""influence_error.py - influence_ic's time and its measured error against the exact expected spread.

    benchmarks/influence_error.py [--kinds feeds,monitors] [--p 0.2] [--epsilon 0.01] [--delta 0.1]
                                  [--bin build/twingraph]

Runs `twingraph run` with one influence_ic entry (and reach) on the twins already in
twin.devices / twin.relationships of the database the PG* environment names (load them with
datasets/load_smart_city.sh --twins N), writing features.bench_influence. Then computes every
twin's exact expected spread in Python: the relationships each twin reaches form a small
subgraph in twin topologies, and its 2^m live-edge graphs are enumerated when m <= 16 (twins
with larger reach subgraphs are counted and left out). Prints n, the sample count, the compute
time reported by twingraph, and the largest and mean absolute error next to the bound epsilon*n.
"""
import argparse
import itertools
import json
import math
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict

import psycopg2

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def exact_spread(source, succ, p, limit=16):
    """Expected cascade size from source over the relationships it can reach, or None when they
    are more than limit."""
    seen, order = {source}, [source]
    for u in order:
        for w in succ[u]:
            if w not in seen:
                seen.add(w)
                order.append(w)
    edges = [(u, w) for u in order for w in succ[u]]
    if len(edges) > limit:
        return None
    if not edges:
        return 1.0
    total = 0.0
    for live in itertools.product((False, True), repeat=len(edges)):
        weight = math.prod(p if on else 1 - p for on in live)
        out = defaultdict(list)
        for (u, w), on in zip(edges, live):
            if on:
                out[u].append(w)
        active, stack = {source}, [source]
        while stack:
            for w in out[stack.pop()]:
                if w not in active:
                    active.add(w)
                    stack.append(w)
        total += weight * len(active)
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kinds", default="feeds,monitors")
    ap.add_argument("--p", type=float, default=0.2)
    ap.add_argument("--epsilon", type=float, default=0.01)
    ap.add_argument("--delta", type=float, default=0.1)
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "twingraph"))
    args = ap.parse_args()
    kinds = args.kinds.split(",")
    spec = {"graph": {"layers": ["hierarchy"]}, "seed": 42,
            "features": [{"name": "influence_ic", "kinds": kinds, "p": args.p, "epsilon": args.epsilon,
                          "delta": args.delta}],
            "output": {"table": "features.bench_influence", "max_shrink": 1}}
    with tempfile.NamedTemporaryFile("w", suffix=".json") as job:
        json.dump(spec, job)
        job.flush()
        run = subprocess.run([args.bin, "run", job.name, "--top", "0"], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"twingraph failed:\n{run.stderr}")
    seconds = float(re.search(r"computed influence_ic in ([0-9.]+) s", run.stderr).group(1))
    conn = psycopg2.connect("")
    cur = conn.cursor()
    cur.execute("SELECT feature_details FROM features.runs ORDER BY run_id DESC LIMIT 1")
    details = cur.fetchone()[0][0]
    cur.execute("SELECT device_id, influence_ic FROM features.bench_influence")
    got = dict(cur.fetchall())
    cur.execute("SELECT source_id, target_id FROM twin.relationships WHERE kind = ANY(%s) AND source_id <> target_id",
                (kinds,))
    succ = defaultdict(list)
    for s, t in cur.fetchall():
        succ[s].append(t)
    n = len(got)
    errors, skipped = [], 0
    for v, estimate in got.items():
        exact = exact_spread(v, succ, args.p)
        if exact is None:
            skipped += 1
            continue
        errors.append(abs(estimate - exact))
    print(f"twins {n}, samples {details.get('samples')}, influence_ic {seconds:.2f} s; "
          f"max |error| {max(errors):.3f}, mean {sum(errors) / len(errors):.4f}, bound epsilon*n = "
          f"{args.epsilon * n:.0f}; {len(errors)} twins compared, {skipped} with over 16 reachable relationships "
          f"left out")


if __name__ == "__main__":
    main()
