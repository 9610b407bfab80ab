"""Oracle: the feature catalogue against networkx (python-igraph for label propagation's stable
state), per twin and column, undirected and directed, weighted where the feature takes weights.

Graphs: karate club and Les Miserables with their integer edge weights, Florentine families with
assigned weights, a random strongly connected digraph (eigenvector and HITS need a unique
leading eigenvector), and generated twins with twin documents for the neighbour aggregates.
Weights are integers so that equal-length paths tie exactly in both implementations.
"""
import json
import math
import random
import statistics
import sys

import networkx as nx

from oracle_common import OracleChecker, byte_key
from twintest import Database, run_job, run_twingraph, write_job

ck = OracleChecker()
TOL = 1e-9
PR_TOL = 1e-6
EIG_TOL = 1e-6


def load(db, nodes, edges, models=None, twins=None):
    """nodes: ids; edges: (u, v, weight); models/twins: {id: value}."""
    db.execute("TRUNCATE twin.devices, twin.relationships")
    with db.conn.cursor() as cur:
        cur.executemany("INSERT INTO twin.devices (device_id, model, twin) VALUES (%s, %s, %s)",
                        [(v, (models or {}).get(v), (twins or {}).get(v)) for v in nodes])
        cur.executemany("INSERT INTO twin.relationships (source_id, target_id, kind, properties)"
                        " VALUES (%s, %s, %s, %s)",
                        [(u, v, "connectedTo", json.dumps({"w": w})) for u, v, w in edges])


def spec_for(features, directed, weighted_layer=True, seed=7, layers=None):
    layer = {"relationships": {"name": "rel", "weight": "properties.w"}} if weighted_layer else "relationships"
    return {"source": {"devices": "twin.devices", "relationships": "twin.relationships"},
            "graph": {"directed": directed, "layers": layers or [layer]},
            "features": features, "output": {"table": "features.device_features"}, "seed": seed}


def run(db, features, directed, **kw):
    run_job(db, spec_for(features, directed, **kw))
    details = db.query("SELECT feature_details FROM features.runs ORDER BY run_id DESC LIMIT 1")[0][0]
    return db.features(), details


def nx_graph(nodes, edges, directed):
    G = nx.DiGraph() if directed else nx.Graph()
    G.add_nodes_from(nodes)
    for u, v, w in edges:
        if u != v:
            G.add_edge(u, v, weight=w)
    return G


def compare(label, rows, col, want, tol=TOL, exact=False):
    for v, value in want.items():
        got = rows[v][col]
        what = f"{label}: twin {v!r} column {col}"
        if value is None or exact:
            ck.equal(what, got, value)
        else:
            ck.close_tol(what, got, value, tol)


def scaled_to_max(d):
    top = max(d.values())
    return {v: x / top for v, x in d.items()}


def closeness_want(G, weight=None):
    """networkx closeness (wf_improved=False), NULL where no other twin reaches the twin."""
    c = nx.closeness_centrality(G, distance=weight, wf_improved=False)
    reached = G.reverse() if G.is_directed() else G
    return {v: (None if len(nx.descendants(reached, v)) == 0 else c[v]) for v in G}


# --- centrality: weighted and unweighted path features, PageRank, eigenvector, HITS ----------

def centrality_checks(db, name, nodes, edges):
    for directed in (False, True):
        label = f"{name} {'directed' if directed else 'undirected'}"
        G = nx_graph(nodes, edges, directed)
        feats = [{"name": "pagerank", "layer": "rel", "column": "pr"},
                 {"name": "pagerank", "layer": "rel", "weighted": True, "column": "pr_w"},
                 {"name": "betweenness", "layer": "rel", "weighted": True, "column": "bt_w"},
                 {"name": "betweenness", "layer": "rel", "mode": "auto", "column": "bt_auto"},
                 {"name": "harmonic", "layer": "rel", "weighted": True, "column": "hc_w"},
                 {"name": "closeness", "layer": "rel", "column": "cl"},
                 {"name": "closeness", "layer": "rel", "weighted": True, "column": "cl_w"},
                 {"name": "closeness", "layer": "rel", "direction": "out", "column": "cl_out"}]
        # Katz at half the largest admissible alpha, plain and weighted.
        import numpy as np
        # (A directed acyclic graph has only zero eigenvalues: any alpha converges there.)
        alpha = {w: 0.5 / max(2.5, max(abs(np.linalg.eigvals(nx.to_numpy_array(G, nodelist=nodes, weight=w)))))
                 for w in (None, "weight")}
        feats += [{"name": "katz", "layer": "rel", "alpha": alpha[None], "column": "katz"},
                  {"name": "katz", "layer": "rel", "alpha": alpha["weight"], "beta": 2, "weighted": True,
                   "column": "katz_w"}]
        if not directed:
            feats += [{"name": "eigenvector", "layer": "rel", "column": "ev"},
                      {"name": "eigenvector", "layer": "rel", "weighted": True, "column": "ev_w"}]
        rows, details = run(db, feats, directed)
        compare(label, rows, "pr", nx.pagerank(G, tol=1e-14, max_iter=100000, weight=None), PR_TOL)
        compare(label, rows, "pr_w", nx.pagerank(G, tol=1e-14, max_iter=100000, weight="weight"), PR_TOL)
        compare(label, rows, "bt_w", nx.betweenness_centrality(G, normalized=False, weight="weight"))
        compare(label, rows, "bt_auto", nx.betweenness_centrality(G, normalized=True))
        modes = {d["column"]: d.get("mode") for d in details}
        ck.equal(f"{label}: feature_details mode of bt_auto below exact_max_twins", modes.get("bt_auto"), "exact")
        compare(label, rows, "hc_w", nx.harmonic_centrality(G, distance="weight"))
        compare(label, rows, "cl", closeness_want(G))
        compare(label, rows, "cl_w", closeness_want(G, "weight"))
        compare(label, rows, "cl_out", closeness_want(G.reverse() if directed else G))
        compare(label, rows, "katz", nx.katz_centrality(G, alpha=alpha[None], tol=1e-15, max_iter=100000, weight=None))
        compare(label, rows, "katz_w", nx.katz_centrality(G, alpha=alpha["weight"], beta=2, tol=1e-15,
                                                          max_iter=100000, weight="weight"))
        if not directed:
            compare(label, rows, "ev", scaled_to_max(nx.eigenvector_centrality_numpy(G)), EIG_TOL)
            compare(label, rows, "ev_w", scaled_to_max(nx.eigenvector_centrality_numpy(G, weight="weight")), EIG_TOL)


def katz_divergence_check(db, nodes, edges):
    """An alpha past 1 / the largest eigenvalue fails the run with advice; the table stays."""
    from twintest import run_twingraph, write_job
    before = db.features()
    proc = run_twingraph(["run", write_job(spec_for([{"name": "katz", "alpha": 1.0}], False)), "--allow-shrink"],
                         db=db, check=False)
    ck.true("katz alpha 1: the run fails", proc.returncode != 0, proc.stderr[-300:])
    ck.true("katz alpha 1: the error says why and what to do",
            "katz diverged" in proc.stderr or "katz did not converge" in proc.stderr, proc.stderr[-300:])
    ck.true("katz alpha 1: the hint names alpha", 'Lower "alpha"' in proc.stderr, proc.stderr[-300:])
    ck.equal("katz alpha 1: the previous feature table is intact", db.features(), before)


def personalized_checks(db, name, nodes, edges):
    rng = random.Random(5)
    models = {v: rng.choice(["substation", "feeder", "meter"]) for v in nodes}
    seeds = sorted(rng.sample(nodes, 3), key=byte_key)
    for directed in (False, True):
        label = f"{name} personalized {'directed' if directed else 'undirected'}"
        G = nx_graph(nodes, edges, directed)
        load(db, nodes, edges, models=models)
        rows, details = run(db, [{"name": "personalized_pagerank", "layer": "rel", "seeds": {"devices": seeds},
                                  "column": "ppr_dev"},
                                 {"name": "personalized_pagerank", "layer": "rel", "seeds": {"models": ["substation"]},
                                  "weighted": True, "damping": 0.7, "column": "ppr_model"}], directed)
        want = nx.pagerank(G, personalization={v: 1 for v in seeds}, tol=1e-14, max_iter=100000, weight=None)
        compare(label, rows, "ppr_dev", want, PR_TOL)
        subs = {v: 1 for v in nodes if models[v] == "substation"}
        want = nx.pagerank(G, alpha=0.7, personalization=subs, tol=1e-14, max_iter=100000, weight="weight")
        compare(label, rows, "ppr_model", want, PR_TOL)
        seeded = {d["column"]: d.get("seed_twins") for d in details}
        ck.equal(f"{label}: seed twins recorded", seeded, {"ppr_dev": 3, "ppr_model": len(subs)})


def directed_spectral_checks(db):
    """Eigenvector (in-edges) and HITS on a strongly connected random digraph, with and without weights."""
    rng = random.Random(11)
    D = nx.gnp_random_graph(80, 0.06, seed=3, directed=True)
    core = max(nx.strongly_connected_components(D), key=len)
    nodes = [f"n{v:03d}" for v in sorted(core)]
    edges = [(f"n{u:03d}", f"n{v:03d}", rng.randint(1, 5)) for u, v in D.subgraph(core).edges]
    load(db, nodes, edges)
    G = nx_graph(nodes, edges, True)
    rows, _ = run(db, [{"name": "eigenvector", "layer": "rel", "column": "ev"},
                       {"name": "eigenvector", "layer": "rel", "weighted": True, "column": "ev_w"},
                       {"name": "hub", "layer": "rel"}, {"name": "authority", "layer": "rel"},
                       {"name": "hub", "layer": "rel", "weighted": True, "column": "hub_w"},
                       {"name": "authority", "layer": "rel", "weighted": True, "column": "auth_w"},
                       {"name": "scc", "layer": "rel"}], True)
    label = f"random digraph ({len(nodes)} twins)"
    warnings = db.query("SELECT warnings FROM features.runs ORDER BY run_id DESC LIMIT 1")[0][0]
    ck.true(f"{label}: no repeated-eigenvalue warning where the leading eigenvalue is simple",
            not any("repeated" in w for w in warnings), repr(warnings))
    compare(label, rows, "ev", scaled_to_max(nx.eigenvector_centrality_numpy(G)), EIG_TOL)
    compare(label, rows, "ev_w", scaled_to_max(nx.eigenvector_centrality_numpy(G, weight="weight")), EIG_TOL)
    # networkx.hits reads the "weight" attribute: an unweighted copy for the plain scores.
    hubs, auths = nx.hits(nx.DiGraph(G.edges()), max_iter=100000, tol=1e-14)
    compare(label, rows, "hub_rel", scaled_to_max(hubs), EIG_TOL)
    compare(label, rows, "authority_rel", scaled_to_max(auths), EIG_TOL)
    hubs, auths = nx.hits(G, max_iter=100000, tol=1e-14)
    compare(label, rows, "hub_w", scaled_to_max(hubs), EIG_TOL)
    compare(label, rows, "auth_w", scaled_to_max(auths), EIG_TOL)


# --- groups: strong components and communities ------------------------------------------------

def check_numbering(label, rows, col, size_col, nodes):
    """Labels count from 0 in byte order of each group's smallest twin; sizes match."""
    groups = {}
    for v in nodes:
        groups.setdefault(rows[v][col], []).append(v)
    firsts = sorted((min(m, key=byte_key), g) for g, m in groups.items())
    firsts.sort(key=lambda p: byte_key(p[0]))
    ck.equal(f"{label}: {col} labels in order of smallest twin", [g for _, g in firsts], list(range(len(groups))))
    for g, members in groups.items():
        for v in members:
            ck.equal(f"{label}: twin {v!r} {size_col}", rows[v][size_col], len(members))
    return [set(m) for m in groups.values()]


def scc_checks(db, name, nodes, edges):
    label = f"{name} scc"
    G = nx_graph(nodes, edges, True)
    rows, _ = run(db, [{"name": "scc", "layer": "rel"}], True)
    got = check_numbering(label, rows, "scc_id_rel", "scc_size_rel", nodes)
    want = [set(c) for c in nx.strongly_connected_components(G)]
    ck.equal(f"{label}: partition", sorted(map(sorted, got)), sorted(map(sorted, want)))


def community_checks(db, name, nodes, edges):
    label = f"{name} communities"
    G = nx_graph(nodes, edges, False)
    feats = [{"name": "community_leiden", "layer": "rel"}, {"name": "community_louvain", "layer": "rel"},
             {"name": "label_propagation", "layer": "rel"}]
    rows, details = run(db, feats, False)
    again, _ = run(db, feats, False)
    recorded = {d["feature"]: d for d in details}
    # Communities read no weights: networkx must not either (its default is "weight").
    best_nx = max(nx.community.modularity(G, nx.community.louvain_communities(G, weight=None, seed=s), weight=None)
                  for s in range(3))
    for feat in ("community_leiden", "community_louvain", "label_propagation"):
        col = f"{feat}_rel"
        parts = check_numbering(f"{label} {feat}", rows, col, f"{feat}_size_rel", nodes)
        q = nx.community.modularity(G, parts, weight=None)
        ck.close_tol(f"{label}: {feat} modularity recorded in runs.feature_details", recorded[feat]["modularity"], q,
                     1e-9)
        ck.equal(f"{label}: {feat} community count recorded", recorded[feat]["communities"], len(parts))
        ck.equal(f"{label}: {feat} labels equal on a rerun with the same seed",
                 [again[v][col] for v in nodes], [rows[v][col] for v in nodes])
        if feat == "community_leiden":
            ck.true(f"{label}: Leiden modularity {q:.4f} >= networkx Louvain {best_nx:.4f} - 0.01", q >= best_nx - 0.01)
        if feat == "label_propagation":
            # The stopping rule: every twin holds one of the most frequent labels around it.
            for v in nodes:
                counts = {}
                for u in G[v]:
                    counts[rows[u][col]] = counts.get(rows[u][col], 0) + 1
                if counts:
                    ck.true(f"{label}: twin {v!r} holds a dominant neighbour label",
                            counts.get(rows[v][col], 0) == max(counts.values()))
    # A resolution above 1 splits more.
    rows2, details2 = run(db, [{"name": "community_leiden", "layer": "rel", "resolution": 3.0}], False)
    ck.true(f"{label}: resolution 3 gives at least as many communities as 1",
            details2[0]["communities"] >= recorded["community_leiden"]["communities"])
    parts = check_numbering(f"{label} resolution 3", rows2, "community_leiden_rel", "community_leiden_size_rel", nodes)
    ck.close_tol(f"{label}: resolution 3 records standard modularity", details2[0]["modularity"],
                 nx.community.modularity(G, parts, weight=None), 1e-9)
    ck.close_tol(f"{label}: resolution 3 records modularity at its resolution", details2[0]["modularity_at_resolution"],
                 nx.community.modularity(G, parts, weight=None, resolution=3.0), 1e-9)


# --- neighbourhood ------------------------------------------------------------------------------

def neighbourhood_checks(db, name, nodes, edges):
    for directed in (False, True):
        label = f"{name} neighbourhood {'directed' if directed else 'undirected'}"
        G = nx_graph(nodes, edges, directed)
        U = G.to_undirected()
        feats = [{"name": "triangles", "layer": "rel"}, {"name": "avg_neighbor_degree", "layer": "rel"},
                 {"name": "ego_density", "layer": "rel"}]
        feats += [{"name": "khop", "k": k, "layer": "rel"} for k in (1, 2, 3, 4)]
        if directed:
            feats += [{"name": "khop", "k": 2, "direction": "out", "column": "k2_out", "layer": "rel"},
                      {"name": "khop", "k": 3, "direction": "in", "column": "k3_in", "layer": "rel"}]
        rows, _ = run(db, feats, directed)
        compare(label, rows, "triangles_rel", nx.triangles(U), exact=True)
        compare(label, rows, "avg_neighbor_degree_rel",
                {v: (x if U.degree(v) else None) for v, x in nx.average_neighbor_degree(U).items()})
        compare(label, rows, "ego_density_rel",
                {v: (nx.density(nx.ego_graph(U, v)) if U.degree(v) else None) for v in U})
        for k in (1, 2, 3, 4):
            compare(label, rows, f"khop_{k}_rel",
                    {v: len(nx.single_source_shortest_path_length(U, v, cutoff=k)) - 1 for v in U}, exact=True)
        if directed:
            compare(label, rows, "k2_out",
                    {v: len(nx.single_source_shortest_path_length(G, v, cutoff=2)) - 1 for v in G}, exact=True)
            R = G.reverse()
            compare(label, rows, "k3_in",
                    {v: len(nx.single_source_shortest_path_length(R, v, cutoff=3)) - 1 for v in R}, exact=True)


def neighbour_aggregate_checks(db):
    """Twin documents with numbers, strings, nulls, absent keys and NULL twins, on a generated
    hierarchy plus relationships; aggregates over the union graph's undirected neighbours."""
    sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/integration")
    import twingen
    devices, rels = twingen.generate(700, seed=9)
    rng = random.Random(4)
    twins, values = {}, {}
    for d in devices:
        roll = rng.random()
        if roll < 0.55:
            x = round(rng.uniform(-20, 45), 3)
            twins[d[0]] = json.dumps({"properties": {"reported": {"temperature": x}}})
            values[d[0]] = x
        elif roll < 0.65:
            twins[d[0]] = json.dumps({"properties": {"reported": {"temperature": "hot"}}})
        elif roll < 0.72:
            twins[d[0]] = json.dumps({"properties": {"reported": {"temperature": None}}})
        elif roll < 0.85:
            twins[d[0]] = json.dumps({"properties": {"reported": {}}})
        # else the twin column is NULL
    db.execute("TRUNCATE twin.devices, twin.relationships")
    with db.conn.cursor() as cur:
        cur.executemany("INSERT INTO twin.devices VALUES (%s, %s, %s, %s, %s, %s)",
                        [tuple(d) + (twins.get(d[0]),) for d in devices])
        cur.executemany("INSERT INTO twin.relationships (source_id, target_id, kind) VALUES (%s, %s, %s)", rels)
    spec = spec_for([{"name": "nbr_agg", "path": "properties.reported.temperature",
                      "aggs": ["mean", "min", "max", "sum", "std", "count"]},
                     {"name": "nbr_agg", "path": "properties.reported.temperature", "aggs": ["count", "mean"],
                      "layer": "relationships", "column": "temp"}],
                    False, layers=["hierarchy", "relationships"])
    run_job(db, spec)
    rows = db.features()
    U = nx.Graph()
    U.add_nodes_from(d[0] for d in devices)
    U.add_edges_from((d[1], d[0]) for d in devices if d[1])
    R = nx.Graph()
    R.add_nodes_from(d[0] for d in devices)
    for s, t, _ in rels:
        U.add_edge(s, t)
        R.add_edge(s, t)
    U.remove_edges_from(nx.selfloop_edges(U))
    R.remove_edges_from(nx.selfloop_edges(R))
    label = "neighbour aggregates"
    for v in U:
        xs = [values[u] for u in U[v] if u in values]
        ck.equal(f"{label}: twin {v!r} nbr_count_temperature", rows[v]["nbr_count_temperature"], len(xs))
        want = {"mean": statistics.fmean(xs) if xs else None, "min": min(xs) if xs else None,
                "max": max(xs) if xs else None, "sum": math.fsum(xs) if xs else None,
                "std": statistics.pstdev(xs) if xs else None}
        for agg, x in want.items():
            col = f"nbr_{agg}_temperature"
            if x is None:
                ck.equal(f"{label}: twin {v!r} {col}", rows[v][col], None)
            else:
                ck.close_tol(f"{label}: twin {v!r} {col}", rows[v][col], x, 1e-9, abs_tol=1e-9)
        ys = [values[u] for u in R[v] if u in values]
        ck.equal(f"{label}: twin {v!r} nbr_count_temp_relationships", rows[v]["nbr_count_temp_relationships"], len(ys))
        if ys:
            ck.close_tol(f"{label}: twin {v!r} nbr_mean_temp_relationships", rows[v]["nbr_mean_temp_relationships"],
                         statistics.fmean(ys), 1e-9)
        else:
            ck.equal(f"{label}: twin {v!r} nbr_mean_temp_relationships", rows[v]["nbr_mean_temp_relationships"], None)
    ck.true(f"{label}: some twins have no neighbour value", any(rows[v]["nbr_count_temperature"] == 0 for v in U))
    # Directed: "in" aggregates over predecessors (upstream), "out" over successors.
    run_job(db, spec_for([{"name": "nbr_agg", "path": "properties.reported.temperature", "aggs": ["sum", "count"],
                           "direction": "in", "column": "up"},
                          {"name": "nbr_agg", "path": "properties.reported.temperature", "aggs": ["max"],
                           "direction": "out", "column": "down"}], True, layers=["hierarchy", "relationships"]))
    rows = db.features()
    D = nx.DiGraph()
    D.add_nodes_from(U)
    D.add_edges_from((d[1], d[0]) for d in devices if d[1])
    D.add_edges_from((s, t) for s, t, _ in rels if s != t)
    for v in D:
        up = [values[u] for u in D.predecessors(v) if u in values]
        down = [values[u] for u in D.successors(v) if u in values]
        ck.equal(f"{label} directed: twin {v!r} nbr_count_up", rows[v]["nbr_count_up"], len(up))
        if up:
            ck.close_tol(f"{label} directed: twin {v!r} nbr_sum_up", rows[v]["nbr_sum_up"], math.fsum(up), 1e-9, 1e-9)
        else:
            ck.equal(f"{label} directed: twin {v!r} nbr_sum_up", rows[v]["nbr_sum_up"], None)
        ck.equal(f"{label} directed: twin {v!r} nbr_max_down", rows[v]["nbr_max_down"], max(down) if down else None)
    warnings = db.query("SELECT warnings FROM features.runs ORDER BY run_id DESC LIMIT 1")[0][0]
    ck.true(f"{label}: non-numeric values are counted in a warning",
            any("not a finite JSON number" in w for w in warnings), repr(warnings))


def edge_cases(db):
    """Communities on a layer without edges (every twin alone), neighbour aggregates of values
    near the largest double, which a plain sum would overflow, and HITS on identical subtrees."""
    # Two identical subtrees: the hub eigenvalue is repeated and ARPACK may zero one district.
    kids = {"d1": ["x0", "x1", "x2"], "d2": ["y0", "y1", "y2"]}
    tree = ["city", "d1", "d2"] + kids["d1"] + kids["d2"]
    edges = [("city", "d1", 1), ("city", "d2", 1)] + [(d, k, 1) for d in kids for k in kids[d]]
    load(db, tree, edges)
    run_job(db, spec_for(["hub"], True))
    rows = db.features()
    warnings = db.query("SELECT warnings FROM features.runs ORDER BY run_id DESC LIMIT 1")[0][0]
    if min(rows["d1"]["hub"], rows["d2"]["hub"]) < 1e-10:
        ck.true("identical subtrees: a district scoring hub 0 is warned about",
                any("leading eigenvalue is repeated" in w for w in warnings), repr(warnings))
    nodes = ["a", "b", "c", "d"]
    big = {"a": 1e308, "b": 1e308, "c": -1e308}
    twins = {v: json.dumps({"t": x}) for v, x in big.items()}
    load(db, nodes, [("a", "d", 1), ("b", "d", 1), ("c", "a", 1)], twins=twins)
    run_job(db, spec_for([{"name": "community_leiden", "layer": "hierarchy"},
                          {"name": "community_louvain", "layer": "hierarchy"},
                          {"name": "nbr_agg", "path": "t", "aggs": ["mean", "std", "max"], "layer": "rel"}],
                         False, layers=["hierarchy", {"relationships": {"name": "rel"}}]))
    rows = db.features()
    for feat in ("community_leiden", "community_louvain"):
        ck.equal(f"edgeless layer: {feat} puts every twin alone", [rows[v][f"{feat}_hierarchy"] for v in nodes],
                 [0, 1, 2, 3])
    # Python's own mean of such values overflows too: the expected ones are computed on a scale.
    for v, nbrs in (("d", [1e308, 1e308]), ("a", [-1e308])):
        scaled = [x / 1e308 for x in nbrs]
        ck.close_tol(f"huge values: twin {v} mean", rows[v]["nbr_mean_t_rel"], statistics.fmean(scaled) * 1e308, 1e-12)
        ck.close_tol(f"huge values: twin {v} std", rows[v]["nbr_std_t_rel"], statistics.pstdev(scaled) * 1e308, 1e-12,
                     1e-300)
    # A parameter text cut to fit the column comment must not split a character: the cut falls
    # inside "étage" for some list lengths, so try every length around the limit.
    ids = [f"capteur-{i:03d}" for i in range(24)]
    for k in range(12, 24):
        seeds = ids[:k] + ["étage-1"]
        load(db, ids + ["étage-1"], [(ids[0], "étage-1", 1)])
        entry = {"name": "personalized_pagerank", "seeds": {"devices": seeds}}
        proc = run_twingraph(["run", write_job(spec_for([entry], False)), "--allow-shrink"], db=db, check=False)
        ck.equal(f"{k} ascii seeds and one accented: the run succeeds", proc.returncode, 0)
    load(db, nodes, [("a", "d", 1), ("b", "d", 1), ("c", "a", 1)], twins=twins)
    run_job(db, spec_for([{"name": "nbr_agg", "path": "t", "aggs": ["mean", "std", "max"], "layer": "rel"}],
                         False, layers=["hierarchy", {"relationships": {"name": "rel"}}]))
    rows = db.features()
    # a's neighbours: d (no value) and c (-1e308); c's: a (1e308).
    ck.close_tol("huge values: twin c mean", rows["c"]["nbr_mean_t_rel"], 1e308, 1e-12)


GRAPHS = {
    "karate": (nx.karate_club_graph, lambda G, u, v, i: int(G[u][v].get("weight", 1))),
    "lesmis": (nx.les_miserables_graph, lambda G, u, v, i: int(G[u][v].get("weight", 1))),
    "florentine": (nx.florentine_families_graph, lambda G, u, v, i: 1 + (i * 7) % 5),
}

with Database("oracle_catalogue") as db:
    for name, (make, weight) in GRAPHS.items():
        source = make()
        nodes = [str(v) for v in source.nodes]
        edges = [(str(u), str(v), weight(source, u, v, i)) for i, (u, v) in enumerate(source.edges)]
        load(db, nodes, edges)
        centrality_checks(db, name, nodes, edges)
        if name == "karate":
            katz_divergence_check(db, nodes, edges)
        scc_checks(db, name, nodes, edges)
        community_checks(db, name, nodes, edges)
        neighbourhood_checks(db, name, nodes, edges)
        personalized_checks(db, name, nodes, edges)
    directed_spectral_checks(db)
    edge_cases(db)
    neighbour_aggregate_checks(db)

try:
    ck.finish("feature catalogue")
except AssertionError as e:
    print(e)
    sys.exit(1)
