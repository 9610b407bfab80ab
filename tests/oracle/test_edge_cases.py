"""Oracle: edge cases compared with networkx on the simplified graph - empty tables, one twin,
only isolated twins (ids needing escapes, byte-order numbering of components), a disconnected
graph, input self-loops and duplicate edges, parent cycles (an error, or broken), hierarchy-only jobs, "simplify": false, dangling
ids with "on_dangling": "drop", and a smaller rerun replacing a bigger table."""
import sys

from oracle_common import (FEATURES, OracleChecker, check_components, check_job,
                           check_layer_counts, check_rows, hierarchy_edges, job, last_run,
                           relationship_edges, run_and_fetch, simple_graph, spec_columns)
from twintest import Database, run_job

ck = OracleChecker()
BOTH = ["hierarchy", "relationships"]


def full_check(label, db, devices, rels, layers=BOTH, features=FEATURES, directed_too=True,
               on_dangling=None, on_cycle=None):
    """Runs the job on the loaded rows undirected (and directed) and compares every feature and
    the runs.layers counts with networkx. Edges naming no twin are left out (on_dangling drop).
    Every case loads fewer or other twins than the one before, so check_rows also verifies that
    a rerun replaces the whole table."""
    nodes = [d[0] for d in devices]
    ok = set(nodes)
    h = [(u, v) for u, v in hierarchy_edges(devices) if u in ok]
    r = [(u, v) for u, v in relationship_edges(rels) if u in ok and v in ok]
    per_layer = {}
    for l in layers:
        if l == "hierarchy":
            per_layer[l] = h
        elif l == "relationships":
            per_layer[l] = r
        else:
            opts = l["relationships"]
            kinds = set(opts["kinds"])
            per_layer[opts["name"]] = [(u, v) for u, v, k in rels if k in kinds and u in ok and v in ok]
    union = [e for l in per_layer.values() for e in l]
    for directed in ((False, True) if directed_too else (False,)):
        lab = f"{label} {'directed' if directed else 'undirected'}"
        graphs = {None: simple_graph(nodes, union, directed)}
        for l, edges in per_layer.items():
            graphs[l] = simple_graph(nodes, edges, directed)
        spec = job(layers, features, directed=directed, on_dangling=on_dangling, on_cycle=on_cycle)
        rows, run_id, lj = check_job(ck, lab, db, spec, graphs)
        check_layer_counts(ck, lab, lj, "union", len(nodes), graphs[None].number_of_edges(), len(union))
        for l, edges in per_layer.items():
            check_layer_counts(ck, lab, lj, l, len(nodes), graphs[l].number_of_edges(), len(edges))
        ck.equal(f"{lab}: runs.layers['input'].twins", ((lj or {}).get("input") or {}).get("twins"), len(nodes))
    return lj


with Database("oracle_edge") as db:
    # --- one twin -------------------------------------------------------------------------------
    db.load([("solo",)])
    full_check("one twin", db, [("solo",)], [])
    rows = db.features()
    for col, want in [("degree", 0), ("pagerank", 1.0), ("betweenness", 0.0), ("harmonic", 0.0),
                      ("coreness", 0), ("clustering", 0.0), ("component_id", 0), ("component_size", 1),
                      ("in_degree", 0), ("out_degree", 0)]:
        ck.close_tol(f"one twin: twin 'solo' column {col}", rows["solo"][col], want, 1e-12)

    # --- empty tables (after a non-empty run: the old rows must go) -----------------------------
    db.load([], [])
    for directed in (False, True):
        label = f"empty {'directed' if directed else 'undirected'}"
        spec = job(BOTH, FEATURES + [{"name": "degree", "layer": "hierarchy"}], directed=directed)
        rows, run_id, lj = run_and_fetch(ck, label, db, spec)
        ck.equal(f"{label}: rows", len(rows), 0)
        check_rows(ck, label, db, [], run_id, spec_columns(spec))
        for name in ("union", "hierarchy", "relationships"):
            check_layer_counts(ck, label, lj, name, 0, 0, 0)
        ck.equal(f"{label}: runs.layers['input']", (lj or {}).get("input"),
                 {"twins": 0, "relationships": 0, "dropped_parents": 0, "dropped_relationships": 0, "broken_cycles": 0})

    # --- only isolated twins; ids that need COPY escapes; byte-order component numbering -------
    odd = ["b", "B", "a10", "a9", "Z", "_x", "\u00e9t\u00e9", "\u00fc", "a", "A-1", "0", " lead", "~",
           "tab\there", "back\\slash", "new\nline", "cr\rret", "quote'd", '"dq"', "semi;colon", "comma,",
           "pipe|", "\\N", "NULL", "x" * 300, "\u6771\u4eac", "emoji-\U0001F600"]
    isolated = [(v,) for v in odd] + [(f"iso-{i:03d}",) for i in range(40)]
    db.load(isolated)
    full_check("isolated twins", db, isolated, [])

    # --- disconnected graph: several components made of hierarchy and relationship edges -------
    devices = [("root-b", None), ("k-1", "root-b"), ("k-2", "root-b"), ("k-3", None), ("k-4", None),
               ("k-5", None),                                   # K5 with root-b
               ("path-0", None), ("path-1", "path-0"), ("path-2", "path-1"), ("path-3", None),
               ("path-4", None),                                # path 0-1-2-3-4
               ("star", None)] + [(f"star-{i}", "star") for i in range(7)] + [
               ("cyc-0", None), ("cyc-1", None), ("cyc-2", None), ("cyc-3", None), ("cyc-4", None),
               ("cyc-5", None),                                 # 6-cycle with a chord
               ("tri-a", None), ("tri-b", "tri-a"), ("tri-c", "tri-a"),  # triangle + pendant
               ("tri-d", None), ("A-lone", None), ("z-lone", None),
               ("tree", None)] + [(f"tree/{i}", "tree") for i in range(3)] + [
               (f"tree/{i}/{j}", f"tree/{i}") for i in range(3) for j in range(3)]
    rels = [("k-1", "k-2", "connectedTo"), ("k-1", "k-3", "connectedTo"), ("k-1", "k-4", "connectedTo"),
            ("k-1", "k-5", "feeds"), ("k-2", "k-3", "feeds"), ("k-2", "k-4", "monitors"),
            ("k-2", "k-5", "connectedTo"), ("k-3", "k-4", "connectedTo"), ("k-3", "k-5", "connectedTo"),
            ("k-4", "k-5", "connectedTo"), ("root-b", "k-3", "connectedTo"), ("k-4", "root-b", "feeds"),
            ("k-5", "root-b", "feeds"),
            ("path-2", "path-3", "feeds"), ("path-4", "path-3", "feeds"),
            ("cyc-0", "cyc-1", "connectedTo"), ("cyc-1", "cyc-2", "connectedTo"), ("cyc-2", "cyc-3", "connectedTo"),
            ("cyc-3", "cyc-4", "connectedTo"), ("cyc-4", "cyc-5", "connectedTo"), ("cyc-5", "cyc-0", "connectedTo"),
            ("cyc-0", "cyc-3", "monitors"),
            ("tri-b", "tri-c", "connectedTo"), ("tri-d", "tri-c", "feeds"),
            ("tree/0/0", "tree/1/0", "connectedTo"), ("star-0", "star-1", "monitors")]
    db.load(devices, rels)
    full_check("disconnected", db, devices, rels)
    full_check("disconnected hierarchy-only", db, devices, rels, layers=["hierarchy"],
               features=FEATURES + [{"name": f, "layer": "hierarchy"} for f in ("degree", "component")])
    full_check("disconnected relationships-only", db, devices, rels, layers=["relationships"])

    # --- input self-loops and duplicate edges -----------------------------------------------------
    devices = [("p", None), ("a", "p"), ("b", "p"), ("c", "b"), ("d", "d"), ("e", None), ("f", "e"),
               ("g", None), ("h", "i"), ("i", "h")]            # d is its own parent; h, i a parent cycle
    rels = [("a", "a", "connectedTo"), ("a", "a", "feeds"), ("a", "b", "connectedTo"), ("a", "b", "connectedTo"),
            ("a", "b", "connectedTo"), ("b", "a", "connectedTo"), ("b", "a", "feeds"), ("a", "b", "monitors"),
            ("p", "a", "connectedTo"), ("a", "p", "feeds"), ("b", "c", "connectedTo"), ("c", "b", "connectedTo"),
            ("c", "d", "feeds"), ("d", "c", "feeds"), ("d", "d", "monitors"), ("e", "f", "feeds"),
            ("f", "e", "feeds"), ("f", "e", "feeds"), ("c", "e", "connectedTo"), ("g", "g", "feeds"),
            ("p", "c", "monitors"), ("c", "p", "monitors"), ("b", "c", "feeds"), ("i", "h", "feeds")]
    db.load(devices, rels)
    # Parent cycles are an error naming them; "on_cycle": "break" makes the smallest id of each
    # cycle a root, and the features then match networkx on the hierarchy without those links.
    proc = run_job(db, job(BOTH, FEATURES), check=False)
    ck.equal("parent cycles: exit code", proc.returncode, 1)
    ck.true("parent cycles: the error counts the cycles and names their twins",
            "2 cycles" in proc.stderr and '"d" -> "d"' in proc.stderr and '"h" -> "i" -> "h"' in proc.stderr,
            proc.stderr)
    broken = [(d, None) if d in ("d", "h") else (d, p) for d, p in devices]
    lj = full_check("self-loops and duplicates", db, broken, rels, on_cycle="break")
    ck.equal("broken cycles: runs.layers['input'].broken_cycles", (lj or {}).get("input", {}).get("broken_cycles"), 2)
    full_check("self-loops and duplicates hierarchy-only", db, broken, rels, layers=["hierarchy"], on_cycle="break")

    # --- only kinds-restricted layers: quoted kind names, a kind no row has, overlapping layers --
    kdev = [(f"v{i}",) for i in range(9)]
    krels = [("v0", "v1", "mon'itors"), ("v1", "v2", "feeds"), ("v2", "v3", "feeds"), ("v3", "v4", "other"),
             ("v4", "v5", "back\\slash \"kind\""), ("v5", "v6", "mon'itors"), ("v6", "v6", "feeds"),
             ("v1", "v2", "mon'itors"), ("v7", "v8", "Feeds"), ("v6", "v7", "feeds ")]
    db.load(kdev, krels)
    klayers = [{"relationships": {"kinds": ["mon'itors", "feeds"], "name": "a"}},
               {"relationships": {"kinds": ["feeds", "no-such-kind", "back\\slash \"kind\""], "name": "b"}}]
    full_check("kinds-only layers", db, kdev, krels, layers=klayers,
               features=FEATURES + [{"name": f, "layer": l} for f in ("degree", "component") for l in "ab"])

    # --- "simplify": false: degree is still distinct neighbours, components still match --------
    db.load(devices, rels)         # the self-loops and duplicates again, parent cycles broken
    nodes = [d[0] for d in devices]
    h, r = hierarchy_edges(broken), relationship_edges(rels)
    for directed in (False, True):
        label = f"simplify false {'directed' if directed else 'undirected'}"
        spec = job(BOTH, ["degree", "component", "pagerank", {"name": "degree", "layer": "relationships"},
                          {"name": "component", "layer": "hierarchy"}], directed=directed, simplify=False,
                   on_cycle="break")
        rows, run_id, lj = run_and_fetch(ck, label, db, spec)
        check_rows(ck, label, db, nodes, run_id, spec_columns(spec))
        G = simple_graph(nodes, h + r, directed)
        Gr = simple_graph(nodes, r, directed)
        Gh = simple_graph(nodes, h, directed)
        for v in nodes:
            want = len(set(G.predecessors(v)) | set(G.successors(v))) if directed else G.degree(v)
            ck.equal(f"{label}: twin {v!r} column degree", rows[v]["degree"], want)
            want = len(set(Gr.predecessors(v)) | set(Gr.successors(v))) if directed else Gr.degree(v)
            ck.equal(f"{label}: twin {v!r} column degree_relationships", rows[v]["degree_relationships"], want)
        check_components(ck, label, rows, G, "component_id", "component_size")
        check_components(ck, label, rows, Gh, "component_id_hierarchy", "component_size_hierarchy")
        ck.close_tol(f"{label}: sum of column pagerank", sum(rows[v]["pagerank"] for v in nodes), 1.0,
                     0, abs_tol=1e-9 * len(nodes))
        # Nothing is simplified: every input edge (self-loops, repeats) stays an edge.
        check_layer_counts(ck, label, lj, "union", len(nodes), len(h) + len(r), len(h) + len(r))
        check_layer_counts(ck, label, lj, "hierarchy", len(nodes), len(h), len(h))
        check_layer_counts(ck, label, lj, "relationships", len(nodes), len(r), len(r))

    # --- dangling ids dropped: the twin stays (as a root), the relationship row is skipped ------
    devices = [("m", None), ("n", "m"), ("o", "ghost"), ("q", "n"), ("s", None)]
    rels = [("n", "o", "feeds"), ("o", "nowhere", "feeds"), ("nobody", "q", "connectedTo"),
            ("q", "s", "connectedTo"), ("s", "m", "monitors")]
    db.load(devices, rels)
    proc = run_job(db, job(BOTH, ["degree"]), check=False)
    ck.equal("dangling with on_dangling error: exit code", proc.returncode, 1)
    ck.equal("dangling with on_dangling error: runs.status", last_run(db)[1], "failed")
    lj = full_check("dangling dropped", db, devices, rels, on_dangling="drop")
    inp = (lj or {}).get("input") or {}
    ck.equal("dangling dropped: runs.layers['input'].dropped_parents", inp.get("dropped_parents"), 1)
    ck.equal("dangling dropped: runs.layers['input'].dropped_relationships", inp.get("dropped_relationships"), 2)

try:
    ck.finish("edge cases")
except AssertionError as e:
    print(e)
    sys.exit(1)
