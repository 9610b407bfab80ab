"""MPI scale-out: `mpirun -n N build/twingraph run JOB` gives the single process's results.

On a generated 2,000-twin city with weighted relationships, undirected and directed: exact
betweenness (plain and weighted), harmonic, closeness and k-hop within 1e-12 relative (in fact
bit for bit) and the sampled betweenness_approx and influence_ic identical, on 1 thread, 3 threads, 2 ranks and
3 ranks of 2 threads; the 2-rank result equals networkx. A rank killed mid-loop ends the job
with nothing committed, and the next run recovers; an error on rank 0 ends every rank."""
import math
import os
import shutil
import signal
import subprocess

import sys

import networkx as nx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from twingen import generate
from twintest import Database, Tally, table_state, twingraph_binary, write_job

tally = Tally()
check = tally.check
MPIRUN = shutil.which("mpirun")
# Containers often forbid the cross-memory attach OpenMPI's shared-memory transport tries first.
MPI_ENV = {"OMPI_MCA_btl_vader_single_copy_mechanism": "none"}
EXACT = ["bt", "bt_w", "hc", "hc_w", "cl", "cl_all"]
SAME = ["bt_approx", "khop_3", "khop_in", "influence_ic", "influence_ic_se"]


def spec(directed):
    rel = {"relationships": {"name": "rel", "weight": "properties.w"}}
    return {"source": {"devices": "twin.devices", "relationships": "twin.relationships"},
            "graph": {"directed": directed, "layers": ["hierarchy", rel]},
            "features": [{"name": "betweenness", "column": "bt"},
                         {"name": "betweenness", "layer": "rel", "weighted": True, "column": "bt_w"},
                         {"name": "betweenness_approx", "epsilon": 0.03, "column": "bt_approx"},
                         {"name": "harmonic", "column": "hc"},
                         {"name": "harmonic", "layer": "rel", "weighted": True, "cutoff": 1.5, "column": "hc_w"},
                         {"name": "closeness", "direction": "out", "column": "cl"},
                         {"name": "closeness", "direction": "all", "column": "cl_all"},
                         {"name": "khop", "k": 3},
                         {"name": "khop", "k": 2, "direction": "in", "column": "khop_in"},
                         {"name": "influence_ic", "kinds": ["feeds", "monitors"], "p": 0.4, "epsilon": 0.02}],
            "seed": 11, "output": {"table": "features.device_features"}}


def run(db, job, ranks=0, threads=1, extra_env=None, timeout=300):
    """ranks 0: the plain binary; else mpirun -n ranks."""
    cmd = [twingraph_binary(), "run", job, "--db", db.conninfo, "--allow-shrink"]
    if ranks:
        cmd = [MPIRUN, "-n", str(ranks), "--oversubscribe", "--allow-run-as-root"] + cmd
    env = dict(os.environ, TWINGRAPH_THREADS=str(threads), **MPI_ENV, **(extra_env or {}))
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)


def columns(db):
    names = EXACT + SAME
    rows = db.query(f"SELECT device_id, {', '.join(names)} FROM features.device_features")
    return {r[0]: dict(zip(names, r[1:])) for r in rows}


def same_results(label, got, want):
    check(set(got) == set(want), f"{label}: other twins")
    worst = 0.0
    for twin, values in want.items():
        for c in EXACT:
            a, b = got.get(twin, {}).get(c), values[c]
            if a is None or b is None or math.isnan(b):
                check(a is None and b is None or (a is not None and b is not None and math.isnan(a) and math.isnan(b)),
                      f"{label} {twin}.{c}: {a} vs {b}")
                continue
            rel = abs(a - b) / max(abs(b), 1e-300)
            worst = max(worst, rel)
            check(rel <= 1e-12, f"{label} {twin}.{c}: {a!r} vs {b!r}")
        for c in SAME:
            check(got.get(twin, {}).get(c) == values[c], f"{label} {twin}.{c}: {got.get(twin, {}).get(c)} vs {values[c]}")
    print(f"{label}: largest relative difference of exact features {worst:.3g}")


def load(db):
    devices, relationships = generate(2000, seed=3)
    db.load(devices, relationships)
    # Weights 0.1 .. 0.8 in steps of 0.1: sums such as 0.1 + 0.2 and 0.3 tie only within rounding.
    db.execute("UPDATE twin.relationships SET properties = jsonb_build_object('w', "
               "((abs(hashtext(source_id || target_id)) % 8) + 1) / 10.0)")
    return devices, relationships


def networkx_check(db, devices, relationships):
    """The 2-rank undirected result against networkx: betweenness and harmonic of the union graph."""
    G = nx.Graph()
    G.add_nodes_from(d[0] for d in devices)
    G.add_edges_from((d[0], d[1]) for d in devices if d[1])
    G.add_edges_from((s, t) for s, t, _ in relationships if s != t)
    bt = nx.betweenness_centrality(G, normalized=False)
    hc = nx.harmonic_centrality(G)
    got = columns(db)
    for twin in G:
        check(math.isclose(got[twin]["bt"], bt[twin], rel_tol=1e-9, abs_tol=1e-9),
              f"networkx betweenness {twin}: {got[twin]['bt']} vs {bt[twin]}")
        check(math.isclose(got[twin]["hc"], hc[twin], rel_tol=1e-9, abs_tol=1e-12),
              f"networkx harmonic {twin}: {got[twin]['hc']} vs {hc[twin]}")


if not MPIRUN:
    raise SystemExit("mpirun not found: tests/install-deps.sh installs openmpi-bin")

with Database("mpi") as db:
    devices, relationships = load(db)
    for directed in (False, True):
        job = write_job(spec(directed))
        kind = "directed" if directed else "undirected"
        p = run(db, job)
        check(p.returncode == 0, f"{kind} single process: exit {p.returncode}\n{p.stderr[-2000:]}")
        want = columns(db)
        check(sum(1 for v in want.values() if v["bt"] and v["bt"] > 0) > 100, f"{kind}: betweenness mostly zero")
        check(sum(1 for v in want.values() if v["influence_ic"] > 1.0) > 100, f"{kind}: influence_ic mostly 1")
        for label, ranks, threads in (("3 threads", 0, 3), ("2 ranks", 2, 1), ("3 ranks x 2 threads", 3, 2)):
            p = run(db, job, ranks, threads)
            check(p.returncode == 0, f"{kind} {label}: exit {p.returncode}\n{p.stderr[-2000:]}")
            same_results(f"{kind} {label}", columns(db), want)
            if not directed and ranks == 2:
                networkx_check(db, devices, relationships)

    # A rank lost in the middle of a loop: mpirun ends the job, nothing is committed.
    job = write_job(spec(False))
    before = table_state(db)
    p = run(db, job, 2, 1, {"TWINGRAPH_FAULT": "rank_block"}, timeout=120)
    check(p.returncode != 0, f"killed rank: mpirun exited {p.returncode}")
    check(table_state(db) == before, "killed rank: the feature table changed")
    p = run(db, job)
    check(p.returncode == 0, f"after the killed rank: exit {p.returncode}\n{p.stderr[-2000:]}")
    # Rank 0 is ended by mpirun with SIGTERM: it marks its run failed (or, when SIGKILLed first,
    # the next run marks it abandoned).
    status = [s for (s,) in db.query("SELECT status FROM features.runs ORDER BY run_id")]
    check(status[-2] in ("failed", "abandoned") and status[-1] == "succeeded", f"killed rank: runs {status[-3:]}")

    # Rank 0 killed at the end of compute, and an error on rank 0: every rank ends, no hang.
    before = table_state(db)
    p = run(db, job, 2, 1, {"TWINGRAPH_FAULT": "computed"}, timeout=120)
    check(p.returncode != 0, f"killed rank 0: mpirun exited {p.returncode}")
    check(table_state(db) == before, "killed rank 0: the feature table changed")
    bad = write_job(dict(spec(False), source={"devices": "twin.no_such_table", "relationships": "twin.relationships"}))
    p = run(db, bad, 2, 1, timeout=120)
    check(p.returncode == 3, f"error on rank 0: mpirun exited {p.returncode} (want the engine's 3)\n{p.stderr[-1500:]}")
    check("no_such_table" in p.stderr, f"error on rank 0: message {p.stderr[-500:]}")
    check(table_state(db) == before, "error on rank 0: the feature table changed")

    # Commands other than run: rank 0 alone does the work.
    p = subprocess.run([MPIRUN, "-n", "2", "--oversubscribe", "--allow-run-as-root", twingraph_binary(),
                        "validate", job], capture_output=True, text=True, env=dict(os.environ, **MPI_ENV), timeout=60)
    check(p.returncode == 0 and p.stdout.count("valid;") == 1, f"validate under mpirun: {p.returncode} {p.stdout}")

tally.report("mpi")
