"""Oracle: the influence family against networkx and exact enumeration.

reach (downstream, upstream, leaves that go dark, depth) is compared with networkx's
descendants, ancestors and shortest_path_length on the generated city's feeds/monitors edges, on
the ADT energy grid's feeds (loaded with `twingraph load`) and on a graph of strongly connected
groups with self-loops, parallel edges and kinds that must be ignored.

influence_ic: at p = 1 it equals reach_downstream + 1 and at p = 0 it is 1, exactly; on small
random graphs (at most 14 relationships) every estimate is within the stated epsilon·n of the
exact expected spread from enumerating all 2^m live-edge graphs, and agrees with an independent
forward Monte Carlo simulation on networkx; the sample count recorded in features.runs is the
Hoeffding bound's; the same seed gives the same numbers.

influence_top: on small random graphs the exact spread of IMM's k seeds is at least
(1 - 1/e - epsilon) of the best k-set's, found by brute force over all k-sets and live-edge
graphs; its ranking in output.influencers agrees with the influence_rank column."""
import itertools
import json
import math
import os
import random
import sys

import networkx as nx

from oracle_common import OracleChecker, load_smart_city
from twintest import REPO, Database, run_job, run_twingraph, write_job

ck = OracleChecker()
ENERGY = os.path.join(REPO, "datasets", "external", "adt-energy-grid", "distributionGridBulkImport.ndjson")
REACH = ["reach_downstream", "reach_upstream", "blast_radius_leaves", "reach_depth", "dark_if_fails",
         "dark_leaves_if_fails"]


def kind_graph(db, kinds, reverse=()):
    """networkx MultiDiGraph of the relationships of these kinds (reverse: turned around), self-loops
    left out."""
    g = nx.MultiDiGraph()
    g.add_nodes_from(r[0] for r in db.query("SELECT device_id FROM twin.devices"))
    for s, t, k in db.query("SELECT source_id, target_id, kind FROM twin.relationships"):
        if s != t and k in kinds:
            g.add_edge(s, t)
        if s != t and k in reverse:
            g.add_edge(t, s)
    return g


def dominated(g):
    """{twin: (twins it dominates, those without out-edges)} from a virtual root feeding every twin
    without in-edges; None for twins no source reaches."""
    root = ("root",)
    h = nx.DiGraph(g)
    h.add_edges_from((root, v) for v in g if g.in_degree(v) == 0)
    idom = nx.immediate_dominators(h, root)
    out = {v: None for v in g}
    for v in g:
        if v not in idom:
            continue
        out[v] = (0, 0)
    for w in g:
        if w not in idom:
            continue
        u = idom[w]
        while u != root:  # every strict dominator of w
            n, leaves = out[u]
            out[u] = (n + 1, leaves + (g.out_degree(w) == 0))
            u = idom[u]
    return out


def expected_reach(g):
    out = {}
    dom = dominated(g)
    for v in g:
        down = nx.descendants(g, v)
        dist = nx.single_source_shortest_path_length(g, v)
        out[v] = {"reach_downstream": len(down), "reach_upstream": len(nx.ancestors(g, v)),
                  "blast_radius_leaves": sum(1 for d in down if g.out_degree(d) == 0),
                  "reach_depth": max(dist.values()),
                  "dark_if_fails": dom[v][0] if dom[v] else None,
                  "dark_leaves_if_fails": dom[v][1] if dom[v] else None}
    return out


def check_reach(label, db, kinds, reverse=()):
    entry = {"name": "reach", "kinds": kinds} if kinds else {"name": "reach"}
    if reverse:
        entry["reverse_kinds"] = list(reverse)
    run_job(db, {"graph": {"layers": ["hierarchy"]}, "features": [entry]})
    rows = db.features()
    want = expected_reach(kind_graph(db, kinds or (), reverse))
    ck.true(f"{label}: one row per twin", set(rows) == set(want), f"{len(rows)} rows, {len(want)} twins")
    bad = [(v, c, rows[v][c], w[c]) for v, w in want.items() for c in REACH if v in rows and rows[v][c] != w[c]]
    ck.true(f"{label}: reach equals networkx on {len(want)} twins", not bad, repr(bad[:5]))
    return rows, want


def check_certain(label, db, kinds, reach_rows):
    """p = 1: exactly reach_downstream + 1; p = 0: exactly 1."""
    for p in (1, 0):
        run_job(db, {"graph": {"layers": ["hierarchy"]}, "features": [{"name": "influence_ic", "kinds": kinds, "p": p}]})
        rows = db.features()
        bad = [(v, r["influence_ic"]) for v, r in rows.items()
               if r["influence_ic"] != (reach_rows[v]["reach_downstream"] + 1 if p == 1 else 1)]
        ck.true(f"{label}: influence_ic at p = {p} is exact", not bad, repr(bad[:5]))


def exact_spread(nodes, edges, p):
    """Expected cascade size from each node: the average over all 2^m live-edge graphs. p is one
    probability, or one per edge."""
    ps = p if isinstance(p, list) else [p] * len(edges)
    spread = {v: 0.0 for v in nodes}
    for live in itertools.product((False, True), repeat=len(edges)):
        weight = math.prod(q if on else 1 - q for q, on in zip(ps, live))
        g = nx.DiGraph()
        g.add_nodes_from(nodes)
        g.add_edges_from(e for e, on in zip(edges, live) if on)
        for v in nodes:
            spread[v] += weight * (1 + len(nx.descendants(g, v)))
    return spread


def monte_carlo(nodes, edges, p, runs, rng):
    """Forward simulation of the independent cascade, each parallel edge a chance of its own."""
    out = {v: [] for v in nodes}
    succ = {v: [] for v in nodes}
    for a, b in edges:
        succ[a].append(b)
    for v in nodes:
        total = 0
        for _ in range(runs):
            active, frontier = {v}, [v]
            while frontier:
                nxt = []
                for u in frontier:
                    for w in succ[u]:
                        if w not in active and rng.random() < p:
                            active.add(w)
                            nxt.append(w)
                frontier = nxt
            total += len(active)
        out[v] = total / runs
    return out


with Database("oracle_influence") as db:
    # 1. The generated city: feeds (sensors -> controllers) and monitors.
    load_smart_city(db, 3000, 7)
    rows, _ = check_reach("city feeds", db, ["feeds"])
    run_job(db, {"graph": {"layers": ["hierarchy"]}, "features": [{"name": "reach", "kinds": ["feeds"]}]},
            env_extra={"TWINGRAPH_THREADS": "3"})
    threaded = db.features()
    ck.true("reach is the same on 3 threads", all(threaded[v][c] == rows[v][c] for v in rows for c in REACH), "")
    check_reach("city feeds+monitors", db, ["feeds", "monitors"])
    check_certain("city feeds", db, ["feeds"], rows)

    # 2. A real dependency graph: the energy grid's feeds, loaded with twingraph load.
    run_twingraph(["load", "--format", "adt", ENERGY, "--replace"], db=db)
    rows, want = check_reach("energy grid feeds", db, ["feeds"])
    ck.true("energy grid: some plant reaches several twins", max(w["reach_downstream"] for w in want.values()) > 3,
            repr(sorted(w["reach_downstream"] for w in want.values())[-5:]))
    check_certain("energy grid feeds", db, ["feeds"], rows)

    # 3. Strongly connected groups, a self-loop, parallel edges, a kind to ignore.
    devices = [(f"n{i}", None, "node") for i in range(14)]
    rels = [("n0", "n1", "feeds"), ("n1", "n2", "feeds"), ("n2", "n0", "feeds"),       # a cycle
            ("n2", "n3", "feeds"), ("n3", "n4", "feeds"), ("n4", "n3", "powers"),      # a 2-cycle over two kinds
            ("n4", "n5", "feeds"), ("n4", "n5", "feeds"), ("n5", "n5", "feeds"),       # parallel, self-loop
            ("n6", "n0", "feeds"), ("n7", "n6", "monitors"), ("n8", "n9", "feeds"),
            ("n9", "n10", "powers"), ("n10", "n8", "feeds"), ("n11", "n12", "connectedTo")]
    db.load(devices, rels)
    rows, _ = check_reach("cycles", db, ["feeds", "powers"])
    ck.true("cycles: upstream inside a cycle counts the cycle (n1, n2) and n6", rows["n0"]["reach_upstream"] == 3,
            repr(rows["n0"]))
    check_certain("cycles", db, ["feeds", "powers"], rows)
    check_reach("cycles, powers reversed", db, ["feeds"], ["powers"])
    check_reach("cycles, dependsOn style", db, None, ["feeds", "monitors"])

    # A backup path: a ring fed by two pumps; no single pump darkens a home, a main does.
    devices = [(v, None, "node") for v in ("src", "p1", "p2", "m1", "m2", "h1", "h2", "h3")]
    rels = [("src", "p1", "feeds"), ("src", "p2", "feeds"), ("p1", "m1", "feeds"), ("p2", "m1", "feeds"),
            ("m1", "m2", "feeds"), ("m2", "h1", "feeds"), ("m2", "h2", "feeds"), ("m1", "h3", "feeds")]
    db.load(devices, rels)
    rows, _ = check_reach("backup path", db, ["feeds"])
    ck.true("backup path: a pump darkens nothing, the main what hangs on it",
            (rows["p1"]["dark_if_fails"], rows["m1"]["dark_leaves_if_fails"], rows["p1"]["blast_radius_leaves"]) == (0, 3, 3),
            repr({v: (r["dark_if_fails"], r["dark_leaves_if_fails"]) for v, r in rows.items()}))

    # A kind no relationship has is warned about, naming the kinds there are.
    run_job(db, {"graph": {"layers": ["hierarchy"]}, "features": [{"name": "reach", "kinds": ["Feeds"]}]})
    warnings = db.query("SELECT warnings FROM features.runs ORDER BY run_id DESC LIMIT 1")[0][0]
    ck.true("an absent kind is warned about", any('no relationship has the kind "Feeds"' in w for w in warnings), repr(warnings))

    # 4. Small random graphs: the estimate against exact enumeration and Monte Carlo.
    rng = random.Random(11)
    eps, delta = 0.05, 0.05
    for trial in range(5):
        n = rng.randint(6, 10)
        nodes = [f"v{i}" for i in range(n)]
        m = rng.randint(n, 14)
        edges = [tuple(rng.sample(nodes, 2)) for _ in range(m)]
        p = rng.choice([0.2, 0.5, 0.8])
        db.load([(v, None, "node") for v in nodes], [(a, b, "feeds") for a, b in edges])
        spec = {"graph": {"layers": ["hierarchy"]}, "seed": 1000 + trial,
                "features": [{"name": "influence_ic", "kinds": ["feeds"], "p": p, "epsilon": eps, "delta": delta}]}
        run_job(db, spec)
        got = {v: r["influence_ic"] for v, r in db.features().items()}
        exact = exact_spread(nodes, edges, p)
        worst = max(abs(got[v] - exact[v]) for v in nodes)
        ck.true(f"graph {trial} ({n} twins, {m} edges, p={p}): every estimate within epsilon·n = {eps * n:.2f} "
                f"of the exact spread", worst <= eps * n, f"largest error {worst:.3f}")
        mc = monte_carlo(nodes, edges, p, 4000, rng)
        # Monte Carlo's own error: the spread is at most n, so 4 standard errors are below 4·n/(2·sqrt(runs)).
        mc_tol = eps * n + 4 * n / (2 * math.sqrt(4000))
        worst_mc = max(abs(got[v] - mc[v]) for v in nodes)
        ck.true(f"graph {trial}: agrees with a Monte Carlo simulation", worst_mc <= mc_tol,
                f"largest difference {worst_mc:.3f} > {mc_tol:.3f}")
        details = db.query("SELECT feature_details FROM features.runs ORDER BY run_id DESC LIMIT 1")[0][0][0]
        want_samples = math.ceil(math.log(2 * n / delta) / (2 * eps * eps))
        ck.true(f"graph {trial}: the Hoeffding sample count is recorded", details.get("samples") == want_samples,
                repr(details))
        if trial == 0:
            for threads in ("1", "3"):
                run_job(db, spec, env_extra={"TWINGRAPH_THREADS": threads})
                again = {v: r["influence_ic"] for v, r in db.features().items()}
                ck.true(f"the same seed gives the same estimates on {threads} thread(s)", again == got, "")
            # The database may return rows in any order (UPDATE, VACUUM FULL, restore).
            db.load([(v, None, "node") for v in reversed(nodes)], [(a, b, "feeds") for a, b in reversed(edges)])
            run_job(db, spec)
            again = {v: r["influence_ic"] for v, r in db.features().items()}
            ck.true("the estimates do not depend on the rows' order", again == got, "")

    # Each relationship's own probability (p_path), absent values taking "p".
    n, eps = 8, 0.05
    nodes = [f"v{i}" for i in range(n)]
    edges = [tuple(rng.sample(nodes, 2)) for _ in range(11)]
    probs = [round(rng.random(), 3) for _ in edges]
    probs[0] = None
    with db.conn.cursor() as cur:
        db.load([(v, None, "node") for v in nodes])
        for (a, b), q in zip(edges, probs):
            cur.execute("INSERT INTO twin.relationships VALUES (%s, %s, 'feeds', %s)",
                        (a, b, json.dumps({"failure_prob": q}) if q is not None else None))
    run_job(db, {"graph": {"layers": ["hierarchy"]}, "seed": 5, "features": [
        {"name": "influence_ic", "kinds": ["feeds"], "p": 0.3, "p_path": "properties.failure_prob", "epsilon": eps,
         "delta": 0.05}]})
    got = {v: r["influence_ic"] for v, r in db.features().items()}
    exact = exact_spread(nodes, edges, [0.3 if q is None else q for q in probs])
    worst = max(abs(got[v] - exact[v]) for v in nodes)
    ck.true(f"p_path: every estimate within epsilon·n = {eps * n:.2f} of the exact spread", worst <= eps * n,
            f"largest error {worst:.3f}")
    db.execute("UPDATE twin.relationships SET properties = '{\"failure_prob\": 1.5}' WHERE properties IS NOT NULL AND "
               "ctid = (SELECT min(ctid) FROM twin.relationships WHERE properties IS NOT NULL)")
    proc = run_twingraph(["run", write_job({"graph": {"layers": ["hierarchy"]}, "features": [
        {"name": "influence_ic", "kinds": ["feeds"], "p_path": "properties.failure_prob"}]}), "--allow-shrink"],
        db=db, check=False)
    ck.true("p_path: a probability outside [0, 1] is an error naming the relationship",
            proc.returncode == 1 and "activation probability of 1.5" in proc.stderr, proc.stderr[-300:])

    # 5. influence_top: IMM's seeds against the best k-set found by brute force.
    for trial in range(4):
        n = rng.randint(7, 10)
        nodes = [f"v{i}" for i in range(n)]
        m = rng.randint(n, 13)
        edges = [tuple(rng.sample(nodes, 2)) for _ in range(m)]
        p, k, eps = rng.choice([0.3, 0.6]), rng.choice([1, 2, 3]), 0.1
        db.load([(v, None, "node") for v in nodes], [(a, b, "feeds") for a, b in edges])
        spec = {"graph": {"layers": ["hierarchy"]}, "seed": 77 + trial,
                "features": [{"name": "influence_top", "kinds": ["feeds"], "k": k, "p": p, "epsilon": eps}]}
        run_job(db, spec)
        rows = db.features()
        run_id = db.query("SELECT max(run_id) FROM features.runs")[0][0]
        table = db.query("SELECT rank, device_id, marginal_gain, cumulative_spread FROM features.device_features_influencers"
                         " WHERE run_id = %s ORDER BY rank", (run_id,))
        seeds = [r[1] for r in table]
        ck.true(f"top {trial}: up to k ranked rows, ranks 1.., fewer only once every sample is covered",
                [r[0] for r in table] == list(range(1, len(table) + 1)) and 0 < len(table) <= k
                and (len(table) == k or abs(table[-1][3] - n) < 1e-9), repr(table))
        ranks = {v: r["influence_rank"] for v, r in rows.items() if r["influence_rank"] is not None}
        ck.true(f"top {trial}: influence_rank matches output.influencers", ranks == {v: i + 1 for i, v in enumerate(seeds)},
                f"{ranks} vs {seeds}")
        ck.true(f"top {trial}: cumulative spread is the running sum of the gains",
                all(abs(sum(r[2] for r in table[:i + 1]) - table[i][3]) < 1e-9 for i in range(len(table))), repr(table))
        # Exact spread of every set, from one reach computation per live-edge graph.
        index = {v: i for i, v in enumerate(nodes)}
        set_spread = {}
        subsets = list(itertools.combinations(range(n), k))
        for live in itertools.product((False, True), repeat=m):
            weight = math.prod(p if on else 1 - p for on in live)
            g = nx.DiGraph()
            g.add_nodes_from(range(n))
            g.add_edges_from((index[a], index[b]) for (a, b), on in zip(edges, live) if on)
            reach = [nx.descendants(g, v) | {v} for v in range(n)]
            for sub in subsets:
                set_spread[sub] = set_spread.get(sub, 0.0) + weight * len(set().union(*(reach[v] for v in sub)))
        best = max(set_spread.values())
        # Fewer seeds than k only when they already cover every sample: any completion is as good.
        chosen = max(val for sub, val in set_spread.items() if {index[v] for v in seeds} <= set(sub))
        ck.true(f"top {trial} ({n} twins, {m} edges, p={p}, k={k}): spread {chosen:.3f} >= (1 - 1/e - eps) of the "
                f"optimum {best:.3f}", chosen >= (1 - 1 / math.e - eps) * best, "")
        ck.true(f"top {trial}: the estimated spread of the seeds is close to their exact spread",
                abs(table[-1][3] - chosen) <= 0.15 * max(1.0, chosen), f"{table[-1][3]:.3f} vs {chosen:.3f}")
        if trial == 0:
            for threads in ("1", "3"):
                run_job(db, spec, env_extra={"TWINGRAPH_THREADS": threads})
                again = db.query("SELECT rank, device_id, marginal_gain, cumulative_spread FROM features.device_features_influencers"
                                 " WHERE run_id = (SELECT max(run_id) FROM features.device_features_influencers) ORDER BY rank")
                ck.true(f"IMM chooses the same seeds with the same gains on {threads} thread(s)", again == table,
                        f"{again} vs {table}")

    # With nothing to spread (p = 0) the ranking is exact: every seed adds itself.
    run_job(db, {"graph": {"layers": ["hierarchy"]}, "features": [{"name": "influence_top", "kinds": ["feeds"], "k": 3, "p": 0}]})
    table = db.query("SELECT rank, marginal_gain, cumulative_spread FROM features.device_features_influencers"
                     " WHERE run_id = (SELECT max(run_id) FROM features.device_features_influencers) ORDER BY rank")
    ck.true("influence_top at p = 0 is exact", table == [(1, 1.0, 1.0), (2, 1.0, 2.0), (3, 1.0, 3.0)], repr(table))
    run_job(db, {"graph": {"layers": ["hierarchy"]}, "features": [{"name": "influence_ic", "kinds": ["feeds"], "p": 0.5}]})
    se = [r["influence_ic_se"] for r in db.features().values()]
    ck.true("influence_ic_se is positive where sampled", all(x > 0 for x in se), repr(se[:5]))

    # 6. Bad parameters are spec errors.
    for bad, words in (({"p": 1.5}, "p"), ({"kinds": []}, "kinds"), ({"epsilon": 0}, "epsilon"),
                       ({"kinds": None}, "reverse_kinds")):
        entry = {k: v for k, v in dict({"name": "influence_ic", "kinds": ["feeds"]}, **bad).items() if v is not None}
        proc = run_twingraph(["validate", write_job({"features": [entry]})], check=False)
        ck.true(f"spec error for {bad}", proc.returncode == 1 and words in proc.stderr, proc.stderr[-200:])
    top = {"name": "influence_top", "kinds": ["feeds"]}
    proc = run_twingraph(["validate", write_job({"features": [top, dict(top, k=3)]})], check=False)
    ck.true("one influence_top per job", proc.returncode == 1 and "only one influence_top" in proc.stderr,
            proc.stderr[-200:])
    proc = run_twingraph(["validate", write_job({"features": [top], "output": {"influencers": "features.device_features"}})],
                         check=False)
    ck.true("output.influencers must differ from output.table", proc.returncode == 1 and "must differ" in proc.stderr,
            proc.stderr[-200:])
    proc = run_twingraph(["validate", write_job({"features": [{"name": "reach", "kinds": ["feeds"], "layer": "x"}]})],
                         check=False)
    ck.true("reach takes no layer", proc.returncode == 1 and "not a graph layer" in proc.stderr, proc.stderr[-200:])

try:
    ck.finish("influence")
except AssertionError as e:
    print(e)
    sys.exit(1)
