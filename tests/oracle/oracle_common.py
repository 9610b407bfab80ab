"""oracle_common.py - shared helpers of the oracle tests: networkx reference graphs built from
the same rows the engine reads, per-twin per-column comparisons, and run bookkeeping checks.

The expected values follow the engine contract (see `twingraph features`):
  degree       distinct neighbours in the simplified graph (directed: + in_degree/out_degree)
  pagerank     nx.pagerank(G, alpha) on Graph/DiGraph, unweighted, values sum to 1
  betweenness  nx.betweenness_centrality(G, normalized=False)
  harmonic     nx.harmonic_centrality(G)
  coreness     nx.core_number(G)
  clustering   nx.clustering(G.to_undirected())
  component    component_id equal iff same (weakly) connected component, numbered from 0 in byte
               order of each component's smallest device_id; component_size = its size
"""
import csv
import json
import math
import os
import subprocess
import sys
import tempfile

import networkx as nx

from twintest import REPO, Checker, run_job

FEATURES = ["degree", "pagerank", "betweenness", "harmonic", "coreness", "clustering", "component"]
PAGERANK_TOL = 1e-6
OTHER_TOL = 1e-9
# Absolute slack only for values that should be (near) zero: a larger one would hide relative
# errors in PageRank values of about 1/n.
ABS_TOL = 1e-12


def byte_key(s):
    """Sort key of PostgreSQL's COLLATE "C" / strcmp for text ids."""
    return s.encode("utf-8")


# --- reference graphs ------------------------------------------------------------------------

def hierarchy_edges(devices):
    """parent_id -> device_id for every device row with a parent."""
    return [(d[1], d[0]) for d in devices if len(d) > 1 and d[1] is not None]


def relationship_edges(relationships, kinds=None):
    return [(r[0], r[1]) for r in relationships if kinds is None or r[2] in kinds]


def simple_graph(nodes, edges, directed):
    """The simplified graph: every twin a vertex, self-loops dropped, parallel edges merged."""
    G = nx.DiGraph() if directed else nx.Graph()
    G.add_nodes_from(nodes)
    G.add_edges_from((u, v) for u, v in edges if u != v)
    return G


def expected_pagerank(G, damping=0.85):
    if G.number_of_nodes() == 0:
        return {}
    return nx.pagerank(G, alpha=damping, tol=1e-14, max_iter=100000)


def expected_values(G, feature, damping=0.85):
    """{column base name: {node: value}} of one feature (component handled separately)."""
    if feature == "degree":
        out = {"degree": {v: len(set(G.predecessors(v)) | set(G.successors(v))) if G.is_directed()
                          else len(set(G.neighbors(v)) - {v}) for v in G}}
        if G.is_directed():
            out["in_degree"] = dict(G.in_degree())
            out["out_degree"] = dict(G.out_degree())
        return out
    if feature == "pagerank":
        return {"pagerank": expected_pagerank(G, damping)}
    if feature == "betweenness":
        return {"betweenness": nx.betweenness_centrality(G, normalized=False)}
    if feature == "harmonic":
        return {"harmonic": nx.harmonic_centrality(G)}
    if feature == "coreness":
        return {"coreness": nx.core_number(G)}
    if feature == "clustering":
        return {"clustering": nx.clustering(G.to_undirected())}
    raise ValueError(feature)


def components(G):
    comps = nx.weakly_connected_components(G) if G.is_directed() else nx.connected_components(G)
    return sorted((sorted(c, key=byte_key) for c in comps), key=lambda c: byte_key(c[0]))


# --- comparisons -----------------------------------------------------------------------------

class OracleChecker(Checker):
    """Checker with explicit relative tolerances (renamed pagerank columns such as pr50 keep 1e-6)
    and an explicit absolute tolerance (ABS_TOL unless given)."""

    def close_tol(self, what, got, want, tol, abs_tol=ABS_TOL):
        ok = got is not None and want is not None and math.isclose(float(got), float(want), rel_tol=tol,
                                                                    abs_tol=abs_tol)
        self.check(ok, f"{what}: got {got!r}, want {want!r} (rel {tol}, abs {abs_tol})")

    def true(self, what, condition, detail=""):
        self.check(condition, f"{what}{': ' + detail if detail else ''}")


def column_names(feature, directed, layer=None, column=None):
    """Output columns of one feature entry (matches `twingraph validate`)."""
    if feature == "degree":
        base = ["degree"] + (["in_degree", "out_degree"] if directed else [])
    elif feature == "component":
        base = ["component_id", "component_size"]
    else:
        base = [feature]
    if column is not None:
        assert len(base) == 1
        return [column]
    return [b + "_" + layer if layer else b for b in base]


def check_feature(ck, label, rows, G, feature, layer=None, column=None, damping=0.85):
    """Compares one feature entry's columns for every twin of G with networkx on G."""
    directed = G.is_directed()
    cols = column_names(feature, directed, layer, column)
    if feature == "component":
        check_components(ck, label, rows, G, cols[0], cols[1])
        return
    want = expected_values(G, feature, damping)
    for base, col in zip(want, cols):
        values = want[base]
        is_pr = feature == "pagerank"
        tol = PAGERANK_TOL if is_pr else OTHER_TOL
        for v in G:
            got = rows[v][col] if v in rows else None
            what = f"{label}: twin {v!r} column {col}"
            if base in ("degree", "in_degree", "out_degree", "coreness"):
                ck.equal(what, got, values[v])
            else:
                ck.close_tol(what, got, values[v], tol)
        if is_pr and G.number_of_nodes():
            total = sum(float(rows[v][col]) for v in G if v in rows and rows[v][col] is not None)
            ck.close_tol(f"{label}: sum of column {col}", total, 1.0, 0, abs_tol=1e-9 * G.number_of_nodes())


def check_components(ck, label, rows, G, id_col, size_col):
    """The partition matches networkx exactly; ids numbered 0.. by smallest device_id; sizes."""
    comps = components(G)
    seen_ids = {}
    for rank, comp in enumerate(comps):
        rep = comp[0]
        rep_id = rows[rep][id_col] if rep in rows else None
        for v in comp:
            got = rows[v][id_col] if v in rows else None
            ck.equal(f"{label}: twin {v!r} column {id_col} (same component as {rep!r})", got, rep_id)
            ck.equal(f"{label}: twin {v!r} column {size_col}", rows[v][size_col] if v in rows else None,
                     len(comp))
        ck.true(f"{label}: column {id_col}: component of {rep!r} shares id {rep_id} with the component "
                f"of {seen_ids.get(rep_id)!r}", rep_id not in seen_ids)
        seen_ids[rep_id] = rep
        ck.equal(f"{label}: column {id_col}: id of the component whose smallest twin is {rep!r} "
                 f"(component #{rank} in byte order)", rep_id, rank)


def check_rows(ck, label, db, nodes, run_id, columns, table="features.device_features"):
    """Exactly one row per twin, every row of this run, and exactly the job's columns."""
    nodes = list(nodes)
    (count, distinct), = db.query(f"SELECT count(*), count(DISTINCT device_id) FROM {table}")
    ck.equal(f"{label}: rows in {table}", count, len(nodes))
    ck.equal(f"{label}: distinct device_ids in {table}", distinct, len(nodes))
    got_ids = {r[0] for r in db.query(f"SELECT device_id FROM {table}")}
    missing = set(nodes) - got_ids
    extra = got_ids - set(nodes)
    ck.true(f"{label}: twins without a row", not missing, repr(sorted(missing)[:10]))
    ck.true(f"{label}: rows naming no twin", not extra, repr(sorted(extra)[:10]))
    run_ids = {r[0] for r in db.query(f"SELECT DISTINCT run_id FROM {table}")}
    ck.true(f"{label}: run_id of the rows", run_ids <= {run_id}, f"got {sorted(run_ids)}, want {run_id}")
    schema, _, name = table.rpartition(".")
    got_cols = [r[0] for r in db.query(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s"
        " ORDER BY ordinal_position", (schema or "public", name))]
    ck.equal(f"{label}: columns of {table}", sorted(got_cols), sorted(["device_id", "run_id"] + list(columns)))


def last_run(db, runs="features.runs"):
    """(run_id, status, layers dict, error) of the newest run."""
    run_id, status, layers, error = db.query(
        f"SELECT run_id, status, layers, error FROM {runs} ORDER BY run_id DESC LIMIT 1")[0]
    if isinstance(layers, str):
        layers = json.loads(layers)
    return run_id, status, layers, error


def run_and_fetch(ck, label, db, spec):
    """Runs a job that must succeed; returns (rows, run_id, layers)."""
    run_job(db, spec)
    run_id, status, layers, error = last_run(db)
    ck.equal(f"{label}: runs.status", status, "succeeded")
    return db.features(spec.get("output", {}).get("table", "features.device_features")), run_id, layers


def job(layers, features, directed=False, simplify=True, on_dangling=None, on_cycle=None):
    spec = {"source": {"devices": "twin.devices", "relationships": "twin.relationships"},
            "graph": {"directed": directed, "simplify": simplify, "layers": layers},
            "features": features,
            "output": {"table": "features.device_features"}}
    if on_dangling:
        spec["source"]["on_dangling"] = on_dangling
    if on_cycle:
        spec["graph"]["on_cycle"] = on_cycle
    return spec


def spec_columns(spec):
    """All output columns of a job spec, in order."""
    directed = spec["graph"].get("directed", False)
    cols = []
    for f in spec["features"]:
        if isinstance(f, str):
            cols += column_names(f, directed)
        else:
            cols += column_names(f["name"], directed, f.get("layer"), f.get("column"))
    return cols


def check_job(ck, label, db, spec, graphs):
    """Runs spec and compares every feature entry with networkx.

    graphs: {None: union graph, layer name: layer graph} (networkx graphs over all twins).
    Returns (rows, run_id, layers json)."""
    rows, run_id, layers = run_and_fetch(ck, label, db, spec)
    G = graphs[None]
    check_rows(ck, label, db, G.nodes, run_id, spec_columns(spec))
    for f in spec["features"]:
        if isinstance(f, str):
            f = {"name": f}
        layer = f.get("layer")
        check_feature(ck, f"{label} [{f['name']}{' on ' + layer if layer else ''}]", rows, graphs[layer],
                      f["name"], layer=layer, column=f.get("column"), damping=f.get("damping", 0.85))
    return rows, run_id, layers


def check_layer_counts(ck, label, layers_json, name, vertices, edges, input_edges):
    got = (layers_json or {}).get(name) or {}
    ck.equal(f"{label}: runs.layers[{name!r}].vertices", got.get("vertices"), vertices)
    ck.equal(f"{label}: runs.layers[{name!r}].edges", got.get("edges"), edges)
    ck.equal(f"{label}: runs.layers[{name!r}].input_edges", got.get("input_edges"), input_edges)


def igraph_crosscheck(ck, label, rows, nodes, edges, directed, suffix=""):
    """Cross-checks betweenness, harmonic, pagerank, coreness and clustering with python-igraph."""
    import igraph
    index = {v: i for i, v in enumerate(nodes)}
    g = igraph.Graph(n=len(nodes), edges=[(index[u], index[v]) for u, v in edges], directed=directed)
    g.simplify(multiple=True, loops=True)
    mode_in = "in" if directed else "all"
    want = {
        "betweenness": g.betweenness(directed=directed),
        "harmonic": g.harmonic_centrality(mode=mode_in, normalized=False),
        "pagerank": g.pagerank(directed=directed, damping=0.85),
        "coreness": g.coreness(mode="all"),
        "clustering": g.as_undirected(mode="collapse").transitivity_local_undirected(mode="zero"),
    }
    for col, values in want.items():
        tol = PAGERANK_TOL if col == "pagerank" else OTHER_TOL
        for v, i in index.items():
            what = f"{label} (python-igraph): twin {v!r} column {col + suffix}"
            got = rows[v][col + suffix] if v in rows else None
            if col == "coreness":
                ck.equal(what, got, values[i])
            else:
                ck.close_tol(what, got, values[i], tol)


def load_smart_city(db, twins, seed):
    """Replaces the twin tables with datasets/generate_smart_city.py's output, loaded by COPY."""
    generator = os.path.join(REPO, "datasets", "generate_smart_city.py")
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([sys.executable, generator, "--twins", str(twins), "--seed", str(seed), "--out", out],
                       check=True, capture_output=True)
        db.execute("TRUNCATE twin.devices, twin.relationships")
        with db.conn.cursor() as cur:
            with open(os.path.join(out, "devices.copy"), encoding="utf-8") as f:
                cur.copy_expert("COPY twin.devices (device_id, parent_id, model, lat, lon, twin) FROM STDIN", f)
            with open(os.path.join(out, "relationships.copy"), encoding="utf-8") as f:
                cur.copy_expert("COPY twin.relationships (source_id, target_id, kind, properties) FROM STDIN", f)


SENSORS = os.path.join(REPO, "datasets", "external", "dcrnn-sensor-graph")


def sensors():
    """(id, lat, lon) of the 207 METR-LA and 325 PEMS-BAY sensors."""
    out = []
    with open(os.path.join(SENSORS, "graph_sensor_locations.csv")) as f:
        for row in csv.DictReader(f):
            out.append((f"la-{row['sensor_id']}", float(row["latitude"]), float(row["longitude"])))
    with open(os.path.join(SENSORS, "graph_sensor_locations_bay.csv")) as f:
        for sensor_id, lat, lon in csv.reader(f):
            out.append((f"bay-{sensor_id}", float(lat), float(lon)))
    return out
