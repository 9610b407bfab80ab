"""Oracle: betweenness_approx keeps its guarantee. On three graphs of at least 10,000 twins (the
generated smart city, a hierarchy-heavy building, a random small-world graph) the largest
additive error against exact normalised betweenness from python-igraph is at most epsilon, the
run records its sample count and bound, a rerun with the same seed is identical and another
seed differs. betweenness with "mode": "auto" is exact below its threshold and the estimator
above it, as runs.feature_details records. On the same three graphs, Leiden's modularity is at
least networkx Louvain's minus 0.01."""
import math
import os
import sys

import igraph
import networkx as nx

from oracle_common import OracleChecker, byte_key, load_smart_city
from twintest import REPO, Database, run_job

sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
import twingen  # noqa: E402

ck = OracleChecker()
EPSILON = 0.01


def spec(features, directed, seed=7):
    return {"source": {"devices": "twin.devices", "relationships": "twin.relationships"},
            "graph": {"directed": directed, "layers": ["hierarchy", "relationships"]},
            "features": features, "output": {"table": "features.device_features"}, "seed": seed}


def exact_normalised(db, directed):
    """python-igraph's exact betweenness of the union graph, normalised as networkx does."""
    ids = sorted((r[0] for r in db.query("SELECT device_id FROM twin.devices")), key=byte_key)
    index = {v: i for i, v in enumerate(ids)}
    edges = {(index[p], index[c]) for c, p in db.query("SELECT device_id, parent_id FROM twin.devices "
                                                       "WHERE parent_id IS NOT NULL")}
    edges |= {(index[s], index[t]) for s, t in db.query("SELECT source_id, target_id FROM twin.relationships")
              if s != t}
    g = igraph.Graph(n=len(ids), edges=sorted(edges), directed=directed)
    g.simplify()
    n = len(ids)
    pairs = (n - 1) * (n - 2) / (1 if directed else 2)
    return ids, [b / pairs for b in g.betweenness(directed=directed)]


def details_of(db):
    return db.query("SELECT feature_details FROM features.runs ORDER BY run_id DESC LIMIT 1")[0][0]


def check_graph(db, name, directed):
    label = f"{name} {'directed' if directed else 'undirected'}"
    ids, want = exact_normalised(db, directed)
    feats = [{"name": "betweenness_approx", "epsilon": EPSILON},
             {"name": "betweenness", "mode": "auto", "exact_max_twins": 1000, "column": "bt_auto"},
             {"name": "betweenness", "mode": "auto", "column": "bt_exact"}]
    run_job(db, spec(feats, directed))
    rows = db.features()
    details = {d["column"]: d for d in details_of(db)}
    errors = [abs(rows[v]["betweenness_approx"] - want[i]) for i, v in enumerate(ids)]
    worst = max(errors)
    d = details["betweenness_approx"]
    print(f"{label}: {len(ids)} twins, max additive error {worst:.5f} (epsilon {EPSILON}), mean "
          f"{sum(errors) / len(errors):.6f}, {d['samples']} samples, vertex-diameter bound "
          f"{d['vertex_diameter_bound']}, largest betweenness {max(want):.4f}")
    ck.true(f"{label}: at least 10,000 twins", len(ids) >= 10000, str(len(ids)))
    ck.true(f"{label}: max additive error {worst} <= epsilon {EPSILON}", worst <= EPSILON)
    ck.true(f"{label}: the estimate is informative (mean error {sum(errors) / len(errors):.2e} below the "
            f"mean betweenness {sum(want) / len(want):.2e})", sum(errors) < sum(want))
    ck.equal(f"{label}: recorded epsilon", d["epsilon"], EPSILON)
    ck.equal(f"{label}: recorded delta", d["delta"], 0.1)
    # The sample count follows from the recorded bound (epsilon scaled to the n(n-1) normalisation).
    n = len(ids)
    eps = EPSILON * (n - 2) / n
    vd = d["vertex_diameter_bound"]
    ck.equal(f"{label}: samples from the bound", d["samples"],
             math.ceil((math.floor(math.log2(vd - 2)) + 1 + math.log(1 / 0.1)) / eps ** 2))
    # A bound below the true vertex diameter would void the guarantee.
    if not directed:
        ck.true(f"{label}: the bound {vd} is at least a double-sweep lower bound", vd >= double_sweep(db) + 1)
    ck.equal(f"{label}: auto above exact_max_twins used the estimator", details["bt_auto"].get("mode"), "approx")
    ck.equal(f"{label}: auto below exact_max_twins is exact", details["bt_exact"].get("mode"), "exact")
    for i, v in enumerate(ids):
        ck.close_tol(f"{label}: twin {v!r} exact branch of auto", rows[v]["bt_exact"], want[i], 1e-9, abs_tol=1e-15)
    ck.true(f"{label}: auto's estimate within epsilon",
            max(abs(rows[v]["bt_auto"] - want[i]) for i, v in enumerate(ids)) <= EPSILON)
    if name == "smart city":
        run_job(db, spec(feats[:1], directed))
        again = db.features()
        ck.true(f"{label}: same seed, same estimate",
                all(again[v]["betweenness_approx"] == rows[v]["betweenness_approx"] for v in ids))
        run_job(db, spec(feats[:1], directed, seed=8))
        other = db.features()
        ck.true(f"{label}: another seed, another sample",
                any(other[v]["betweenness_approx"] != rows[v]["betweenness_approx"] for v in ids))


def check_leiden(db, name):
    """Leiden's modularity on the same large graph is at least networkx Louvain's minus 0.01, and
    a rerun with the same seed gives the same labels."""
    G = union_graph(db)
    feats = [{"name": "community_leiden"}]
    run_job(db, spec(feats, False))
    rows = db.features()
    run_job(db, spec(feats, False))
    again = db.features()
    groups = {}
    for v, r in rows.items():
        groups.setdefault(r["community_leiden"], set()).add(v)
    q = nx.community.modularity(G, groups.values())
    q_nx = nx.community.modularity(G, nx.community.louvain_communities(G, seed=1))
    print(f"{name}: Leiden modularity {q:.4f} ({len(groups)} communities), networkx Louvain {q_nx:.4f}")
    ck.true(f"{name}: Leiden modularity {q:.4f} >= networkx Louvain {q_nx:.4f} - 0.01", q >= q_nx - 0.01)
    ck.true(f"{name}: Leiden labels equal on a rerun", all(again[v]["community_leiden"] == r["community_leiden"]
                                                          for v, r in rows.items()))


def union_graph(db):
    """The undirected simple union graph of hierarchy and relationships, every twin a node."""
    G = nx.Graph()
    G.add_nodes_from(r[0] for r in db.query("SELECT device_id FROM twin.devices"))
    G.add_edges_from((p, c) for c, p in db.query("SELECT device_id, parent_id FROM twin.devices "
                                                 "WHERE parent_id IS NOT NULL"))
    G.add_edges_from((s, t) for s, t in db.query("SELECT source_id, target_id FROM twin.relationships") if s != t)
    return G


def double_sweep(db):
    """A lower bound on the union graph's diameter in hops (two BFS sweeps in the largest component)."""
    G = union_graph(db)
    comp = G.subgraph(max(nx.connected_components(G), key=len))
    start = min(comp, key=byte_key)
    far = max(nx.single_source_shortest_path_length(comp, start).items(), key=lambda p: p[1])[0]
    return max(nx.single_source_shortest_path_length(comp, far).values())


def load_small_world(db, n, oriented=False):
    """Watts-Strogatz; oriented: each edge one random way, a third of them both ways, so directed
    shortest paths differ from undirected ones."""
    import random
    rng = random.Random(6)
    G = nx.connected_watts_strogatz_graph(n, 6, 0.05, seed=2)
    ids = [f"sw-{v:05d}" for v in range(n)]
    rels = []
    for u, v in G.edges:
        if oriented and rng.random() < 0.5:
            u, v = v, u
        rels.append((ids[u], ids[v], "connectedTo"))
        if oriented and rng.random() < 1 / 3:
            rels.append((ids[v], ids[u], "connectedTo"))
    db.load([(v,) for v in ids], rels)


with Database("oracle_bt_approx") as db:
    load_smart_city(db, 10000, 5)
    check_graph(db, "smart city", False)
    check_graph(db, "smart city", True)
    check_leiden(db, "smart city")
    devices, rels = twingen.generate(10000, seed=4, relationship_ratio=0.3)
    db.load(devices, rels)
    check_graph(db, "building hierarchy", False)
    check_leiden(db, "building hierarchy")
    load_small_world(db, 10000)
    check_graph(db, "small world", False)
    check_leiden(db, "small world")
    load_small_world(db, 10000, oriented=True)
    check_graph(db, "oriented small world", True)

try:
    ck.finish("betweenness_approx")
except AssertionError as e:
    print(e)
    sys.exit(1)
