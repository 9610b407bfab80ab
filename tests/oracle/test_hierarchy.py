"""Oracle: the hierarchy features (hier_depth, hier_subtree_size, hier_leaves, hier_children,
hier_siblings, hier_leaf, hier_root_id, hier_ancestor, hier_rollup), compared with networkx on
the parent-link forest (an nx.DiGraph of parent -> child edges), plus parent-link cycles
(error, or "on_cycle": "break"), reproducibility and the column types.

Expected values, per twin v of the forest G:
  hier_depth         nx.single_source_shortest_path_length(G, root)[v]
  hier_subtree_size  len(nx.descendants(G, v)) + 1
  hier_leaves        twins u in nx.descendants(G, v) | {v} with G.out_degree(u) == 0
  hier_children      G.out_degree(v)
  hier_siblings      G.out_degree(parent) - 1; NULL for a root
  hier_leaf          G.out_degree(v) == 0
  hier_root_id       the root whose BFS reaches v
  hier_ancestor      levels: the a in nx.ancestors(G, v) | {v} with depth(a) == level, else NULL;
                     models: the deepest a in nx.ancestors(G, v) | {v} whose model is the name
  hier_rollup        agg over the engine's own values of the feature column (NULLs skipped) over
                     nx.descendants(G, a) | {a}, a = the ancestor-or-self at depth `level`; NULL
                     where depth(v) < level. Reading the feature column back from the table checks
                     the roll-up independently of that feature's accuracy; the feature itself
                     (degree, pagerank) is compared with networkx too.
For the 100,000-twin chain and star, nx.descendants of every twin would be O(n^2): subtree sizes
and leaves are accumulated in reverse nx.topological_sort order and ancestors propagated in that
order, and the accumulated values are verified against nx.descendants / nx.ancestors on a sample.
On the small forests the direct networkx values are the expected ones and the accumulated ones
must agree with them (a self-check of this test).

Cases: generated forests (seeded), the Brick models of Soda Hall and Rice Hall
(datasets/external/brick-soda-rice, parsed with rdflib), the ADT basic-home sample, only roots,
a 100,000-deep chain, a star with 100,000 children, parent-link cycles (two-twin, self-parent,
several; error and break), dangling parents dropped, empty tables, invalid specs,
reproducibility (md5 of the feature table over two runs) and information_schema column types.
"""
import io
import json
import math
import os
import random
import re
import sys
import time
import traceback
from collections import defaultdict

import networkx as nx
import psycopg2

from oracle_common import (OracleChecker, byte_key, check_feature, check_rows, last_run,
                           simple_graph)
from twintest import REPO, Database, run_job, table_state

EXTERNAL = os.path.join(REPO, "datasets", "external")
OUTPUT = "features.device_features"
SCALARS = ["hier_depth", "hier_subtree_size", "hier_leaves", "hier_children", "hier_siblings",
           "hier_leaf", "hier_root_id"]
AGGS = ["mean", "sum", "min", "max", "count"]
SQL_TYPES = {"hier_depth": "bigint", "hier_subtree_size": "bigint", "hier_leaves": "bigint",
             "hier_children": "bigint", "hier_siblings": "bigint", "hier_leaf": "boolean",
             "hier_root_id": "text", "degree": "bigint", "in_degree": "bigint", "out_degree": "bigint",
             "pagerank": "double precision"}
REL_TOL = 1e-9


class HierChecker(OracleChecker):
    """OracleChecker that also takes a whole column's outcome at once (the big cases compare
    millions of values; messages are only formatted for failures)."""

    def many(self, passed, failures):
        with self._lock:
            self.passed += passed
            self.failures.extend(failures)


# --- the expected hierarchy ---------------------------------------------------------------------

class Forest:
    """The parent-link forest of {device_id: parent_id or None} (every parent a twin, no cycle)
    and {device_id: model}, with every expected hierarchy value computed from networkx."""

    def __init__(self, parent, model=None, exact=None, sample=2000, seed=0):
        G = nx.DiGraph()
        G.add_nodes_from(parent)
        G.add_edges_from((p, v) for v, p in parent.items() if p is not None)
        if G.number_of_nodes() != len(parent):
            raise RuntimeError("test bug: a parent names no twin")
        self.G = G
        self.model = model or {}
        self.order = list(nx.topological_sort(G))      # raises NetworkXUnfeasible on a cycle
        self.up = {v: next(iter(G.predecessors(v)), None) for v in G}
        self.roots = [v for v in self.order if self.up[v] is None]
        self.depth, self.root = {}, {}
        for r in self.roots:
            for v, d in nx.single_source_shortest_path_length(G, r).items():
                if v in self.depth:
                    raise RuntimeError(f"test bug: {v!r} below two roots")
                self.depth[v], self.root[v] = d, r
        if len(self.depth) != len(G):
            raise RuntimeError("test bug: twins under no root")
        self.children = dict(G.out_degree())
        self.leaf = {v: self.children[v] == 0 for v in G}
        self.siblings = {v: None if self.up[v] is None else self.children[self.up[v]] - 1 for v in G}
        # Children before parents: subtree sizes and leaf counts accumulate upwards.
        self.size = {v: 1 for v in G}
        self.leaves = {v: int(self.leaf[v]) for v in G}
        for v in reversed(self.order):
            p = self.up[v]
            if p is not None:
                self.size[p] += self.size[v]
                self.leaves[p] += self.leaves[v]
        self.max_depth = max(self.depth.values(), default=0)
        if exact is None:
            exact = len(G) <= 20_000 and len(G) * (self.max_depth + 1) <= 2_000_000
        self.exact = exact
        rng = random.Random(seed)
        nodes = list(G)
        by_depth = sorted(nodes, key=lambda v: (self.depth[v], byte_key(v)))
        # Twins whose nx.descendants / nx.ancestors are affordable: all of a small forest; of a
        # big one the deepest / shallowest `sample` twins, plus a few anywhere and the roots.
        few = rng.sample(nodes, min(10, len(nodes))) + self.roots[:10]
        self.down_sample = nodes if exact else set(by_depth[-sample:] + few)
        self.up_sample = nodes if exact else set(by_depth[:sample] + few)
        # The accumulated values must equal the direct networkx definitions.
        for v in self.down_sample:
            below = nx.descendants(G, v) | {v}
            if len(below) != self.size[v] or sum(1 for u in below if self.leaf[u]) != self.leaves[v]:
                raise RuntimeError(f"test bug: accumulated subtree of {v!r} disagrees with nx.descendants")
        self._anc_cache = {}
        self._members = {}
        self._up_sets = None

    def _check_against_ancestors(self, got, rule):
        if self._up_sets is None:
            self._up_sets = {v: nx.ancestors(self.G, v) | {v} for v in self.up_sample}
        for v, anc in self._up_sets.items():
            want = rule(v, anc)
            if got[v] != want:
                raise RuntimeError(f"test bug: propagated ancestor of {v!r} is {got[v]!r}, "
                                   f"nx.ancestors gives {want!r}")

    def ancestor_at(self, level):
        """{v: ancestor-or-self at depth level, or None}."""
        key = ("level", level)
        if key not in self._anc_cache:
            out = {}
            for v in self.order:                          # parents first
                d = self.depth[v]
                out[v] = None if d < level else v if d == level else out[self.up[v]]
            self._check_against_ancestors(
                out, lambda v, anc: next((a for a in anc if self.depth[a] == level), None))
            self._anc_cache[key] = out
        return self._anc_cache[key]

    def nearest_model(self, name):
        """{v: the deepest ancestor-or-self whose model is name, or None}."""
        key = ("model", name)
        if key not in self._anc_cache:
            out = {}
            for v in self.order:
                p = self.up[v]
                out[v] = v if self.model.get(v) == name else out[p] if p is not None else None
            self._check_against_ancestors(
                out, lambda v, anc: max((a for a in anc if self.model.get(a) == name),
                                        key=lambda a: self.depth[a], default=None))
            self._anc_cache[key] = out
        return self._anc_cache[key]

    def members(self, a):
        """nx.descendants(G, a) | {a}, kept: every aggregate of a level reuses them."""
        if a not in self._members:
            self._members[a] = nx.descendants(self.G, a) | {a}
        return self._members[a]

    def rollup(self, values, agg, level):
        """{v: agg of values (None skipped) over the subtree of v's ancestor at depth level}."""
        anc = self.ancestor_at(level)
        per_anc = {}
        for a in set(anc.values()) - {None}:
            per_anc[a] = aggregate([values[u] for u in self.members(a)], agg)
        return {v: None if anc[v] is None else per_anc[anc[v]] for v in self.G}

    def scalar(self, column):
        return {"hier_depth": self.depth, "hier_subtree_size": self.size, "hier_leaves": self.leaves,
                "hier_children": self.children, "hier_siblings": self.siblings, "hier_leaf": self.leaf,
                "hier_root_id": self.root}[column]


class EmptySum:
    """The sum over no (non-NULL) values. The contract does not say whether that is NULL (as
    SQL's sum) or 0, so either is accepted; mean, min and max of nothing must be NULL, count 0."""

    def __repr__(self):
        return "NULL or 0.0 (sum of no values)"


EMPTY_SUM = EmptySum()


def aggregate(values, agg):
    vals = [float(x) for x in values if x is not None]
    if agg == "count":
        return len(vals)  # a bigint column
    if not vals:
        return EMPTY_SUM if agg == "sum" else None
    if agg == "sum":
        return math.fsum(vals)
    if agg == "mean":
        return math.fsum(vals) / len(vals)
    if agg == "min":
        return min(vals)
    if agg == "max":
        return max(vals)
    raise ValueError(agg)


def break_cycles(parent):
    """The contract's "on_cycle": "break": on every parent-link cycle the smallest device_id in
    byte order loses its parent. Returns (new parent map, cycles)."""
    P = nx.DiGraph()
    P.add_nodes_from(parent)
    P.add_edges_from((p, v) for v, p in parent.items() if p is not None)
    cycles = [sorted(c, key=byte_key) for c in nx.simple_cycles(P)]
    fixed = dict(parent)
    for c in cycles:
        fixed[c[0]] = None
    return fixed, sorted(cycles, key=lambda c: byte_key(c[0]))


# --- job specs and their columns ----------------------------------------------------------------

def spec(features, layers=("hierarchy", "relationships"), directed=False, on_cycle=None, seed=None,
         on_dangling=None):
    s = {"source": {"devices": "twin.devices", "relationships": "twin.relationships"},
         "graph": {"directed": directed, "simplify": True, "layers": list(layers)},
         "features": features,
         "output": {"table": OUTPUT}}
    if on_cycle is not None:
        s["graph"]["on_cycle"] = on_cycle
    if on_dangling is not None:
        s["source"]["on_dangling"] = on_dangling
    if seed is not None:
        s["seed"] = seed
    return s


def rollup_column(entry):
    return entry.get("column") or f"hier_{entry['agg']}_{entry['feature']}_d{entry['level']}"


def columns_of(entry, directed):
    """[(column, SQL type)] of one feature entry."""
    if isinstance(entry, str):
        entry = {"name": entry}
    name = entry["name"]
    if name == "degree":
        cols = ["degree"] + (["in_degree", "out_degree"] if directed else [])
        return [(c, "bigint") for c in cols]
    if name in SQL_TYPES:
        return [(entry.get("column", name), SQL_TYPES[name])]
    if name == "hier_ancestor":
        names = list(entry["levels"]) if "levels" in entry else list(entry["models"])
        return [(f"anc_{n}_id", "text") for n in names]
    if name == "hier_rollup":
        return [(rollup_column(entry), "bigint" if entry.get("agg") == "count" else "double precision")]
    raise ValueError(name)


def spec_columns(s):
    directed = s["graph"].get("directed", False)
    return [c for e in s["features"] for c in columns_of(e, directed)]


def expected_columns(forest, features, rows):
    """[(column, kind, {twin: expected})] of the hierarchy entries; kind is 'exact' or 'float'.
    Roll-ups aggregate the engine's own values of their feature column (rows)."""
    out = []
    for e in features:
        if isinstance(e, str):
            e = {"name": e}
        name = e["name"]
        if name in SCALARS:
            out.append((e.get("column", name), "exact", forest.scalar(name)))
        elif name == "hier_ancestor" and "levels" in e:
            for n, level in e["levels"].items():
                out.append((f"anc_{n}_id", "exact", forest.ancestor_at(level)))
        elif name == "hier_ancestor":
            for n in e["models"]:
                out.append((f"anc_{n}_id", "exact", forest.nearest_model(n)))
        elif name == "hier_rollup":
            col = e["feature"]
            values = {v: rows[v].get(col) if v in rows else None for v in forest.G}
            kind = "float" if e["agg"] in ("sum", "mean") else "exact" if e["agg"] == "count" else "exact_float"
            out.append((rollup_column(e), kind, forest.rollup(values, e["agg"], e["level"])))
    return out


# --- comparisons --------------------------------------------------------------------------------

def compare_column(ck, label, rows, column, kind, want):
    passed, failures = 0, []
    for v, w in want.items():
        got = rows[v].get(column, "<no such column>") if v in rows else "<no row>"
        if w is None:
            ok = got is None
        elif w is EMPTY_SUM:
            ok = got is None or (isinstance(got, float) and got == 0.0)
        elif kind == "exact":
            # type(got) too: True == 1, so a bigint hier_leaf would otherwise pass.
            ok = got == w and type(got) is type(w)
        elif kind == "exact_float":       # min, max: one of the values, no rounding
            ok = isinstance(got, float) and got == w
        else:
            ok = isinstance(got, float) and math.isclose(got, w, rel_tol=REL_TOL, abs_tol=1e-12)
        if ok:
            passed += 1
        else:
            failures.append(f"{label}: twin {v!r} column {column}: got {got!r}, want {w!r}")
    ck.many(passed, failures)


def check_types(ck, label, db, s):
    got = dict(db.query("SELECT column_name, data_type FROM information_schema.columns"
                        " WHERE table_schema = 'features' AND table_name = 'device_features'"))
    for col, typ in spec_columns(s):
        ck.equal(f"{label}: information_schema data_type of {col}", got.get(col), typ)


def run_hier_job(ck, label, db, s, forest, graph=None):
    """Runs s (must succeed) and compares every column with the expectations. graph: the
    networkx graph the job's degree/pagerank are computed on, to check those too.
    Returns (rows, run_id, layers json, stderr)."""
    proc = run_job(db, s)
    run_id, status, layers, error = last_run(db)
    ck.equal(f"{label}: runs.status", status, "succeeded")
    rows = db.features()
    check_rows(ck, label, db, forest.G.nodes, run_id, [c for c, _ in spec_columns(s)])
    check_types(ck, label, db, s)
    for column, kind, want in expected_columns(forest, s["features"], rows):
        compare_column(ck, label, rows, column, kind, want)
    if graph is not None:
        for e in s["features"]:
            name = e if isinstance(e, str) else e["name"]
            if name in ("degree", "pagerank") and (isinstance(e, str) or "layer" not in e):
                check_feature(ck, f"{label} [{name}]", rows, graph, name)
    return rows, run_id, layers, proc.stderr


def copy_field(x):
    if x is None:
        return "\\N"
    return str(x).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def load(db, devices, relationships=()):
    """devices: (device_id, parent_id, model); relationships: (source_id, target_id, kind).
    COPY, so 100,000 twins load in well under a second."""
    db.execute("TRUNCATE twin.devices, twin.relationships")
    with db.conn.cursor() as cur:
        for table, cols, rows in (("twin.devices", "device_id, parent_id, model", devices),
                                  ("twin.relationships", "source_id, target_id, kind", relationships)):
            buf = io.StringIO("".join("\t".join(copy_field(x) for x in r) + "\n" for r in rows))
            cur.copy_expert(f"COPY {table} ({cols}) FROM STDIN", buf)


def forest_of(devices, **kwargs):
    return Forest({d[0]: d[1] for d in devices}, {d[0]: d[2] for d in devices}, **kwargs)


def union_graph(devices, relationships, layers, directed):
    nodes = [d[0] for d in devices]
    edges = []
    if "hierarchy" in layers:
        edges += [(d[1], d[0]) for d in devices if d[1] is not None]
    if "relationships" in layers:
        edges += [(r[0], r[1]) for r in relationships]
    return simple_graph(nodes, edges, directed)


def all_rollups(features, levels):
    return [{"name": "hier_rollup", "feature": f, "agg": a, "level": l}
            for f in features for a in AGGS for l in levels]


def table_md5(db, columns):
    cols = ", ".join(f'"{c}"' for c in columns)
    return db.query(f"SELECT md5(string_agg(f::text, E'\\n' ORDER BY device_id COLLATE \"C\"))"
                    f" FROM (SELECT device_id, {cols} FROM {OUTPUT}) f")[0][0]


def feature_columns_in_table(db):
    return [r[0] for r in db.query(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'features'"
        " AND table_name = 'device_features' AND column_name NOT IN ('device_id', 'run_id')"
        " ORDER BY ordinal_position")]


def run_row(db, run_id):
    warnings, wtype, broken = db.query(
        "SELECT warnings, jsonb_typeof(warnings), layers->'input'->>'broken_cycles'"
        " FROM features.runs WHERE run_id = %s", (run_id,))[0]
    if isinstance(warnings, str):
        warnings = json.loads(warnings)
    return warnings, wtype, broken


# --- case 1: generated forests --------------------------------------------------------------------

ODD_IDS = ["\u00c4rger", "B-root", "a-root", "tab\there", "new\nline", "back\\slash", "quote'd",
           "\u6771\u4eac", "x" * 200]


def generated_forest(seed):
    """Smart-city shaped trees (city > district > intersection > devices, uneven fan-out, some
    deeper sub-devices and misplaced models), random deep trees, odd ids, isolated roots, and
    random relationships (with self-loops and repeats)."""
    rng = random.Random(seed)
    devices = []

    def add(v, p, m):
        devices.append((v, p, m))

    for c in range(rng.randint(3, 5)):
        city = f"city-{c:02d}"
        add(city, None, "city")
        for d in range(rng.randint(0, 5)):
            dist = f"{city}/d-{d:02d}"
            add(dist, city, "district")
            for x in range(rng.randint(0, 10)):
                inter = f"{dist}/x-{x:04d}"
                add(inter, dist, "intersection")
                for s in range(rng.randint(0, 6)):
                    dev = f"{inter}/s-{s}"
                    add(dev, inter, rng.choice(["camera", "camera", "lidar", "traffic_sensor", None]))
                    if rng.random() < 0.15:
                        for k in range(rng.randint(1, 3)):
                            add(f"{dev}/part-{k}", dev, rng.choice(["camera", None, "district", "intersection"]))
    for t in range(rng.randint(3, 6)):
        root = f"deep-{t}"
        tree = [root]
        add(root, None, rng.choice([None, "city"]))
        for i in range(rng.randint(20, 250)):
            p = rng.choice(tree[-4:]) if rng.random() < 0.6 else rng.choice(tree)
            v = f"{root}/n{i:03d}"
            tree.append(v)
            add(v, p, rng.choice([None, None, "city", "district", "intersection", "camera"]))
    add(ODD_IDS[0], None, "city")
    for i, v in enumerate(ODD_IDS[1:]):
        add(v, rng.choice([None, ODD_IDS[0], ODD_IDS[max(0, i)]]), rng.choice([None, "camera", "district"]))
    for i in range(rng.randint(5, 15)):
        add(f"lonely-{i:02d}", None, rng.choice([None, "camera"]))
    ids = [d[0] for d in devices]
    rels = [(rng.choice(ids), rng.choice(ids), rng.choice(["feeds", "monitors", "connectedTo"]))
            for _ in range(len(ids) // 2)]
    rels += [(v, v, "feeds") for v in rng.sample(ids, 5)] + rels[:10]
    return devices, rels


def case_generated(ck, db):
    for seed in (11, 12):
        devices, rels = generated_forest(seed)
        forest = forest_of(devices)
        ck.true(f"generated forest {seed}: exact networkx expectations", forest.exact)
        load(db, devices, rels)
        label = f"generated forest {seed} ({len(devices)} twins, depth {forest.max_depth})"

        # A: undirected union graph, every hierarchy feature, ancestors by level, every roll-up.
        features_a = (["degree", "pagerank"] + SCALARS +
                      [{"name": "hier_ancestor", "levels": {"city": 0, "district": 1, "intersection": 2,
                                                             "lvl5": 5}}] +
                      all_rollups(["pagerank", "degree"], [0, 1, 2]) +
                      [{"name": "hier_rollup", "feature": "pagerank", "agg": "max", "level": 3,
                        "column": "top_pr_l3"}])
        s_a = spec(features_a, seed=7)
        G_a = union_graph(devices, rels, ["hierarchy", "relationships"], False)
        rows1, run1, _, _ = run_hier_job(ck, f"{label} A", db, s_a, forest, G_a)
        cols = feature_columns_in_table(db)
        md5_1 = table_md5(db, cols)
        # Reproducibility: the same spec (with its seed) on the same twins gives the same bytes.
        rows2, run2, _, _ = run_hier_job(ck, f"{label} A again", db, s_a, forest, G_a)
        ck.true(f"{label}: second run has a new run_id", run2 != run1, f"{run1} and {run2}")
        ck.equal(f"{label}: md5 of the feature table, run {run1} vs run {run2}", table_md5(db, cols), md5_1)
        ck.equal(f"{label}: feature columns compared by md5", len(cols), len(spec_columns(s_a)))

        # A with "on_cycle": "break" on acyclic twins: same table, nothing broken.
        s_ab = spec(features_a, seed=7, on_cycle="break")
        _, run3, layers, _ = run_hier_job(ck, f"{label} A break", db, s_ab, forest, G_a)
        ck.equal(f"{label} A break: md5 of the feature table equals the default run's", table_md5(db, cols), md5_1)
        ck.equal(f"{label} A break: runs.layers.input.broken_cycles", run_row(db, run3)[2], "0")

        # B: directed, relationships layer only; ancestors by model; hierarchy features still
        # come from the parent links.
        features_b = (list(reversed(SCALARS)) + ["pagerank", "degree"] +
                      [{"name": "hier_ancestor", "models": ["city", "district", "intersection", "camera"]}] +
                      all_rollups(["degree"], [1]))
        s_b = spec(features_b, layers=["relationships"], directed=True)
        G_b = union_graph(devices, rels, ["relationships"], True)
        run_hier_job(ck, f"{label} B", db, s_b, forest, G_b)

        # C, D: the contract's own examples.
        features_c = ["pagerank", {"name": "hier_ancestor", "levels": {"district": 1, "intersection": 2}},
                      {"name": "hier_rollup", "feature": "pagerank", "agg": "mean", "level": 1}]
        run_hier_job(ck, f"{label} C", db, spec(features_c, layers=["relationships"]), forest)
        features_d = ["hier_depth", {"name": "hier_ancestor", "models": ["district", "intersection"]}]
        run_hier_job(ck, f"{label} D", db, spec(features_d, layers=["hierarchy"]), forest)

        # E, F: roll-ups of other columns of the job (in their own jobs, so that a dispute
        # over them hides no other result): hier_siblings, NULL for roots (NULLs are skipped,
        # count counts the rest), and the directed in_degree / out_degree columns.
        features_e = ["hier_siblings"] + all_rollups(["hier_siblings"], [0, 1])
        run_hier_job(ck, f"{label} E", db, spec(features_e), forest)
        features_f = ["degree", {"name": "hier_rollup", "feature": "out_degree", "agg": "sum", "level": 0},
                      {"name": "hier_rollup", "feature": "in_degree", "agg": "max", "level": 1}]
        run_hier_job(ck, f"{label} F", db, spec(features_f, directed=True),
                     forest, union_graph(devices, rels, ["hierarchy", "relationships"], True))


# --- case 2: real hierarchies ---------------------------------------------------------------------

def brick_twins(filename):
    """Twins of a Brick model: every IRI subject, and every IRI at either end of a part or
    relationship triple. The parent of X is Y for every `X brick:isPartOf Y` and every
    `Y brick:hasPart X`. Rooms of both buildings are part of a floor and of an HVAC zone: of
    several parents the smallest IRI in byte order is taken, which is the floor in both files
    (".../floor_1" < ".../hvac_zone_C180", "...#Floor_0" < "...#HVAC_Zone1"). model is the
    lowercased local name of the twin's rdf:type (the smallest if several; owl:NamedIndividual
    ignored), so that it can name a hier_ancestor column. Relationships: brick feeds, hasPoint,
    hasLocation, isLocationOf, kind = the local name."""
    import rdflib
    B = rdflib.Namespace("https://brickschema.org/schema/Brick#")
    g = rdflib.Graph()
    g.parse(os.path.join(EXTERNAL, "brick-soda-rice", filename), format="turtle")
    iri = lambda n: isinstance(n, rdflib.URIRef)
    local = lambda n: re.split(r"[#/]", str(n))[-1]
    twins = {str(s) for s in g.subjects() if iri(s)}
    parents = defaultdict(set)
    for x, y in g.subject_objects(B.isPartOf):
        if iri(x) and iri(y):
            parents[str(x)].add(str(y))
    for y, x in g.subject_objects(B.hasPart):
        if iri(x) and iri(y):
            parents[str(x)].add(str(y))
    rels = []
    for pred in (B.feeds, B.hasPoint, B.hasLocation, B.isLocationOf):
        for s, o in g.subject_objects(pred):
            if iri(s) and iri(o):
                rels.append((str(s), str(o), local(pred)))
    for x, ps in parents.items():
        twins |= {x} | ps
    twins |= {r[0] for r in rels} | {r[1] for r in rels}
    devices = []
    for t in sorted(twins, key=byte_key):
        types = sorted((local(c).lower() for c in g.objects(rdflib.URIRef(t), rdflib.RDF.type)
                        if local(c) != "NamedIndividual"), key=byte_key)
        p = min(parents[t], key=byte_key) if parents.get(t) else None
        devices.append((t, p, types[0] if types else None))
    multi = sum(1 for ps in parents.values() if len(ps) > 1)
    return devices, sorted(set(rels)), multi


def case_brick(ck, db):
    devices, rels = [], []
    for filename, twins, multi_parent in (("soda_brick.ttl", 1698, 243), ("rice_brick.ttl", 754, 79)):
        d, r, multi = brick_twins(filename)
        ck.equal(f"Brick {filename}: twins", len(d), twins)
        ck.equal(f"Brick {filename}: twins with several parents (a room in a floor and HVAC zones)",
                 multi, multi_parent)
        devices += d
        rels += r
    # floor_8 and floor_o of Soda Hall have no rdf:type, hence the name test.
    ck.true("Brick: every room's parent is a floor, never an HVAC zone",
            all(re.split(r"[#/]", p)[-1].lower().startswith("floor")
                for v, p, m in devices if m == "room" and p is not None))
    P = nx.DiGraph((p, v) for v, p, _ in devices if p is not None)
    ck.true("Brick: parent links have no cycle", nx.is_directed_acyclic_graph(P))
    forest = forest_of(devices)
    ck.true("Brick: floors, rooms and a building in the forest",
            {"building", "floor", "room"} <= {forest.model[v] for v in forest.G if forest.depth[v] > 0 or forest.children[v]})
    load(db, devices, rels)
    label = f"Brick Soda+Rice ({len(devices)} twins, {len(rels)} relationships, depth {forest.max_depth})"
    G = union_graph(devices, rels, ["hierarchy", "relationships"], False)
    s = spec(["degree", "pagerank"] + SCALARS +
             [{"name": "hier_ancestor", "models": ["building", "floor", "room", "hvac_zone"]}] +
             all_rollups(["degree", "pagerank"], [0, 1]), seed=0)
    run_hier_job(ck, f"{label} undirected", db, s, forest, G)
    G = union_graph(devices, rels, ["relationships"], True)
    s = spec(["degree", "pagerank"] + SCALARS +
             [{"name": "hier_ancestor", "levels": {"top": 0, "floor": 1, "room": 2}},
              {"name": "hier_rollup", "feature": "degree", "agg": "sum", "level": 1},
              {"name": "hier_rollup", "feature": "pagerank", "agg": "max", "level": 0}],
             layers=["relationships"], directed=True)
    run_hier_job(ck, f"{label} directed relationships-only", db, s, forest, G)


def basic_home():
    """The ADT Explorer export of datasets/external/adt-basic-home, read as in
    test_adt_samples.basic_home() (not imported: that module runs its test on import): the
    rel_has_* relationships give each twin its parent."""
    with open(os.path.join(EXTERNAL, "adt-basic-home", "import.json")) as f:
        graph = json.load(f)["digitalTwinsGraph"]
    relationships = [(r["$sourceId"], r["$targetId"], r["$relationshipName"]) for r in graph["relationships"]]
    parent = {target: source for source, target, kind in relationships if kind.startswith("rel_has_")}
    devices = [(t["$dtId"], parent.get(t["$dtId"]), t["$metadata"]["$model"]) for t in graph["digitalTwins"]]
    return devices, relationships


def case_basic_home(ck, db):
    devices, rels = basic_home()
    forest = forest_of(devices)
    ck.equal("basic home: depth of the home > floor > room > sensor tree", forest.max_depth, 3)
    load(db, devices, rels)
    G = union_graph(devices, rels, ["hierarchy", "relationships"], False)
    s = spec(["degree", "pagerank"] + SCALARS +
             [{"name": "hier_ancestor", "levels": {"home": 0, "floor": 1, "room": 2, "sensor": 3}}] +
             all_rollups(["degree", "pagerank"], [0, 1, 2]))
    run_hier_job(ck, "basic home", db, s, forest, G)


# --- case 3: edge cases ---------------------------------------------------------------------------

def case_roots_only(ck, db):
    devices = [(v, None, "camera" if i % 3 == 0 else None) for i, v in enumerate(ODD_IDS + [f"r{i:03d}" for i in range(60)])]
    rels = [(devices[i][0], devices[i + 1][0], "feeds") for i in range(0, 40, 2)]
    forest = forest_of(devices)
    load(db, devices, rels)
    G = union_graph(devices, rels, ["hierarchy", "relationships"], False)
    s = spec(["degree", "pagerank"] + SCALARS +
             [{"name": "hier_ancestor", "levels": {"self": 0, "one": 1}},
              {"name": "hier_ancestor", "models": ["camera"]}] +
             all_rollups(["degree", "pagerank"], [0, 1]))
    run_hier_job(ck, "only roots", db, s, forest, G)
    # Every hier_siblings is NULL here: count 0, mean/min/max NULL.
    s = spec(["hier_siblings"] + all_rollups(["hier_siblings"], [0]))
    run_hier_job(ck, "only roots, roll-ups of NULLs", db, s, forest)


def case_empty(ck, db):
    load(db, [], [])
    forest = Forest({})
    s = spec(["degree"] + SCALARS + [{"name": "hier_ancestor", "levels": {"district": 1}},
                                     {"name": "hier_rollup", "feature": "degree", "agg": "sum", "level": 0}])
    # A reader's old snapshot keeps the previous run's partition from being pruned (autovacuum
    # does the same at random): the view must still show the empty run, not fall back to it.
    holder = db.connect()
    holder.set_session(isolation_level=psycopg2.extensions.ISOLATION_LEVEL_REPEATABLE_READ)
    with holder.cursor() as cur:
        cur.execute("SELECT 1")
    try:
        rows, _, _, _ = run_hier_job(ck, "empty tables", db, s, forest)
    finally:
        holder.rollback()
        holder.close()
    ck.equal("empty tables: rows", len(rows), 0)


BIG = 100_000


def case_chain(ck, db):
    ids = [f"t{i:06d}" for i in range(BIG)]
    models = {i: "intersection" for i in range(0, BIG, 1000)}
    models.update({i: "district" for i in range(1, BIG, 25000)})
    devices = [(v, ids[i - 1] if i else None, models.get(i)) for i, v in enumerate(ids)]
    rels = [(ids[i], ids[i + 7], "feeds") for i in range(0, BIG - 7, 997)]
    t0 = time.monotonic()
    forest = forest_of(devices)
    ck.true("chain: expectations accumulated, not exact", not forest.exact)
    ck.equal("chain: depth of the last twin (networkx BFS)", forest.depth[ids[-1]], BIG - 1)
    load(db, devices, rels)
    print(f"  chain: expectations and load {time.monotonic() - t0:.1f} s", flush=True)
    G = union_graph(devices, rels, ["hierarchy", "relationships"], False)
    s = spec(["degree"] + SCALARS +
             [{"name": "hier_ancestor", "levels": {"l1": 1, "l2": 2, "mid": BIG // 2, "last": BIG - 1}},
              {"name": "hier_ancestor", "models": ["district", "intersection"]}] +
             all_rollups(["degree"], [0, 1, 2]))
    run_hier_job(ck, f"chain of {BIG}", db, s, forest, G)


def case_star(ck, db):
    devices = [("hub", None, "city")] + [(f"s{i:06d}", "hub", "camera") for i in range(BIG)]
    rels = [(f"s{i:06d}", f"s{i + 1:06d}", "connectedTo") for i in range(0, BIG - 1, 101)]
    forest = forest_of(devices)
    load(db, devices, rels)
    G = union_graph(devices, rels, ["hierarchy", "relationships"], False)
    s = spec(["degree", "pagerank"] + SCALARS +
             [{"name": "hier_ancestor", "levels": {"l0": 0, "l1": 1, "l2": 2}},
              {"name": "hier_ancestor", "models": ["city", "camera"]}] +
             all_rollups(["degree"], [0, 1, 2]) +
             [{"name": "hier_rollup", "feature": "pagerank", "agg": a, "level": 0} for a in ("sum", "max")])
    run_hier_job(ck, f"star of {BIG}", db, s, forest, G)


# Ids in the cycle cases have no digits, so a number in the error text is the cycle count.
GOOD = [("top", None, "city"), ("mid", "top", "district"), ("low", "mid", "intersection"),
        ("leaf", "low", "camera"), ("other", "top", None), ("alone", None, None)]
CYC_FEATURES = (["degree"] + SCALARS + [{"name": "hier_ancestor", "levels": {"one": 1, "two": 2}}] +
                [{"name": "hier_rollup", "feature": "degree", "agg": "sum", "level": 1}])


def several_cycles():
    return GOOD + [
        ("pair-a", "pair-b", None), ("pair-b", "pair-a", None),                   # a -> b -> a
        ("selfish", "selfish", None),                                             # own parent
        ("tri-c", "tri-a", None), ("tri-a", "tri-b", None), ("tri-b", "tri-c", None),
        ("quad-d", "quad-c", None), ("quad-c", "quad-b", None), ("quad-b", "quad-a", None),
        ("quad-a", "quad-d", None),
        # Twins hanging below cycles: their ancestor chains enter the cycle.
        ("hang-one", "quad-c", "district"), ("hang-two", "hang-one", "intersection"),
        ("hang-three", "hang-two", None), ("hang-four", "pair-b", None), ("hang-five", "selfish", None),
        ("hang-six", "tri-a", None), ("hang-seven", "tri-a", None)]


def check_cycle_error(ck, label, db, devices, cycles, before):
    """The run must exit 1, name the twins on the cycle and the number of cycles, and leave
    the feature table as it was."""
    load(db, devices)
    proc = run_job(db, spec(CYC_FEATURES), check=False)
    err = proc.stderr
    ck.equal(f"{label}: exit status", proc.returncode, 1)
    ck.true(f"{label}: the error mentions a cycle", "cycle" in err.lower(), err)
    named = [c for c in cycles if all(v in err for v in c)]
    ck.true(f"{label}: the error names every twin of a cycle {cycles}", named, err)
    n = len(cycles)
    ck.true(f"{label}: the error says there are {n} cycle(s)",
            any("cycle" in line.lower() and re.search(rf"(?<![\w.-]){n}(?![\w.-])", line)
                for line in err.splitlines()), err)
    ck.true(f"{label}: feature table untouched", table_state(db) == before)


def case_cycles(ck, db):
    load(db, GOOD)
    forest = forest_of(GOOD)
    run_hier_job(ck, "before the cycles", db, spec(CYC_FEATURES), forest)
    before = table_state(db)

    check_cycle_error(ck, "two-twin cycle", db, GOOD + [("cyc-x", "cyc-y", None), ("cyc-y", "cyc-x", None)],
                      [["cyc-x", "cyc-y"]], before)
    check_cycle_error(ck, "self-parent", db, GOOD + [("selfish", "selfish", None), ("below", "selfish", None)],
                      [["selfish"]], before)
    devices = several_cycles()
    parent = {d[0]: d[1] for d in devices}
    _, cycles = break_cycles(parent)
    ck.equal("several cycles: networkx finds the four cycles", len(cycles), 4)
    check_cycle_error(ck, "several cycles", db, devices, cycles, before)

    # "on_cycle": "break": the smallest device_id in byte order on each cycle becomes a root.
    # Byte order differs from a locale's: "Ring-c" < "ring-a" and "z-cyc" < "\u00e9-cyc".
    devices += [("ring-a", "Ring-c", None), ("Ring-c", "ring-b", None), ("ring-b", "ring-a", None),
                ("under-ring", "ring-b", "district"),
                ("\u00e9-cyc", "z-cyc", None), ("z-cyc", "\u00e9-cyc", None), ("under-z", "z-cyc", None)]
    ring = [f"loop{i:04d}" for i in range(2000)]
    devices += [(v, ring[(i + 1) % len(ring)], None) for i, v in enumerate(ring)]
    devices += [(f"loop-kid{i}", ring[i * 97], "intersection") for i in range(20)]
    parent = {d[0]: d[1] for d in devices}
    fixed, cycles = break_cycles(parent)
    ck.equal("cycles to break: networkx finds seven cycles", len(cycles), 7)
    broken = [c[0] for c in cycles]
    ck.true("cycles to break: byte order picks Ring-c and z-cyc", {"Ring-c", "z-cyc", "loop0000"} <= set(broken),
            repr(broken))
    forest = Forest(fixed, {d[0]: d[2] for d in devices})
    load(db, devices)
    label = "cycles broken"
    s = spec(CYC_FEATURES + [{"name": "hier_ancestor", "models": ["district", "intersection"]}], on_cycle="break")
    rows, run_id, layers, err = run_hier_job(ck, label, db, s, forest)
    for v in broken:
        ck.equal(f"{label}: broken twin {v!r} is a root (hier_depth)", rows.get(v, {}).get("hier_depth"), 0)
        ck.equal(f"{label}: broken twin {v!r} is its own root", rows.get(v, {}).get("hier_root_id"), v)
    ck.equal(f"{label}: depth of hang-three below the quad cycle", rows.get("hang-three", {}).get("hier_depth"),
             nx.shortest_path_length(forest.G, "quad-a", "hang-three"))
    ck.true(f"{label}: stderr has a warning about the cycles",
            re.search(r"warning", err, re.I) is not None and "cycle" in err.lower(), err)
    warnings, wtype, nbroken = run_row(db, run_id)
    ck.equal(f"{label}: runs.warnings is a jsonb array", wtype, "array")
    ck.true(f"{label}: runs.warnings holds only strings",
            isinstance(warnings, list) and all(isinstance(w, str) for w in warnings), repr(warnings))
    ck.true(f"{label}: runs.warnings mentions the cycles",
            isinstance(warnings, list) and any("cycle" in w.lower() for w in warnings if isinstance(w, str)),
            repr(warnings))
    ck.equal(f"{label}: runs.layers.input.broken_cycles", nbroken, str(len(cycles)))

    # Without "break" the same twins fail again, and the broken run's rows stay.
    after_break = table_state(db)
    proc = run_job(db, spec(s["features"]), check=False)
    ck.equal("cycles again without break: exit status", proc.returncode, 1)
    ck.true("cycles again without break: feature table untouched", table_state(db) == after_break)


def case_dangling(ck, db):
    """A parent that names no twin, dropped with "on_dangling": "drop": the twin becomes a root."""
    devices = GOOD + [("orphan", "nobody", "district"), ("orphan-kid", "orphan", "intersection")]
    load(db, devices)
    forest = forest_of([(v, p if p != "nobody" else None, m) for v, p, m in devices])
    s = spec(CYC_FEATURES, on_dangling="drop")
    rows, _, _, _ = run_hier_job(ck, "dangling parent dropped", db, s, forest)
    ck.equal("dangling parent dropped: orphan is a root", rows.get("orphan", {}).get("hier_root_id"), "orphan")


def case_bad_specs(ck, db):
    """Specs the contract rules out: exit 1, table untouched."""
    load(db, GOOD)
    run_hier_job(ck, "before the bad specs", db, spec(CYC_FEATURES), forest_of(GOOD))
    before = table_state(db)
    bad = {
        "roll-up of a column the job does not compute": spec(
            ["degree", {"name": "hier_rollup", "feature": "pagerank", "agg": "mean", "level": 1}]),
        "roll-up with an unknown agg": spec(
            ["degree", {"name": "hier_rollup", "feature": "degree", "agg": "median", "level": 1}]),
        "roll-up with a negative level": spec(
            ["degree", {"name": "hier_rollup", "feature": "degree", "agg": "sum", "level": -1}]),
        "negative seed": spec(["hier_depth"], seed=-1),
        "fractional seed": spec(["hier_depth"], seed=1.5),
    }
    for what, s in bad.items():
        proc = run_job(db, s, check=False)
        ck.equal(f"{what}: exit status", proc.returncode, 1)
        ck.true(f"{what}: feature table untouched", table_state(db) == before)


CASES = [case_generated, case_brick, case_basic_home, case_roots_only, case_empty, case_cycles,
         case_dangling, case_bad_specs, case_chain, case_star]


def main():
    ck = HierChecker()
    with Database("oracle_hier") as db:
        for case in CASES:
            t0, n0, f0 = time.monotonic(), ck.passed, len(ck.failures)
            try:
                case(ck, db)
            except Exception as e:            # one broken case must not hide the others' results
                ck.check(False, f"{case.__name__}: {type(e).__name__}: {e}")
                traceback.print_exc()
            print(f"{case.__name__}: {ck.passed - n0} passed, {len(ck.failures) - f0} failed "
                  f"({time.monotonic() - t0:.1f} s)", flush=True)
    try:
        ck.finish("hierarchy oracle")
    except AssertionError as e:
        print(e)
        sys.exit(1)


if __name__ == "__main__":
    main()
