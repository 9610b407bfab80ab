"""twingraph export: CSV, GeoJSON and GraphML of a feature table, read back by independent readers.

A generated city with a spatial layer and an array column (fastrp): the CSV equals the table
(Python's csv module against psycopg2); the GeoJSON is read by GDAL's ogrinfo (feature count,
geometry type, fields) and by Python (coordinates [lon, lat] and properties equal the sources and
the table); the GraphML of each layer is read by networkx (nodes, edges equal to the layer built
independently from the sources, node attributes equal to the table). Errors name what is wrong and
leave no file: an unknown table, a table without runs and no --job, an unknown layer, an
unwritable path."""
import csv
import json
import math
import os
import subprocess
import tempfile

import networkx as nx

from twingen import generate
from twintest import Database, Tally, run_job, run_twingraph, write_job

tally = Tally()
check = tally.check
SPEC = {"graph": {"layers": ["hierarchy", {"relationships": {"name": "rel", "kinds": ["feeds", "monitors"]}},
                             {"spatial": {"knn": 2, "name": "near"}}]},
        "features": ["degree", "pagerank", {"name": "fastrp", "dim": 4}, "component", {"name": "degree", "layer": "near"},
                     {"name": "rollout", "key": "modelVersion"}, {"name": "degree", "column": "model"}],
        "output": {"table": "features.device_features"}}
out_dir = tempfile.mkdtemp(prefix="twingraph-export-")
current_umask = os.umask(0)
os.umask(current_umask)


def export(db, fmt, *args, check_ok=True):
    path = os.path.join(out_dir, f"out.{fmt}")
    proc = run_twingraph(["export", "--format", fmt, "-o", path] + list(args), db=db, check=False)
    if check_ok:
        check(proc.returncode == 0, f"export {fmt} {args}: exit {proc.returncode}: {proc.stderr[-500:]}")
    return path, proc


with Database("export") as db:
    devices, relationships = generate(1500, seed=4)
    db.load(devices, relationships)
    run_job(db, SPEC)
    table = {r[0]: r for r in db.query("SELECT * FROM features.device_features")}
    names = [c for (c,) in db.query("SELECT attname FROM pg_attribute WHERE attrelid = 'features.device_features'"
                                    "::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum")]
    located = {d[0]: (d[3], d[4]) for d in devices if d[3] is not None}

    # CSV: the table, header first, rows in device_id byte order.
    path, _ = export(db, "csv")
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    check(rows[0] == names, f"csv header {rows[0]}")
    check([r[0] for r in rows[1:]] == sorted(table, key=lambda t: t.encode()), "csv rows in device_id order")
    i = names.index("pagerank")
    check(all(math.isclose(float(r[i]), table[r[0]][i], rel_tol=1e-15) for r in rows[1:]), "csv pagerank")

    # GeoJSON: GDAL reads it; Python finds the twins where the sources put them.
    path, proc = export(db, "geojson")
    info = subprocess.run(["ogrinfo", "-ro", "-al", "-so", path], capture_output=True, text=True)
    check(info.returncode == 0, f"ogrinfo: {info.stderr}")
    check(f"Feature Count: {len(located)}" in info.stdout, f"ogrinfo feature count: {info.stdout[:400]}")
    check("Geometry: Point" in info.stdout and "pagerank: Real" in info.stdout and "degree: Integer" in info.stdout,
          f"ogrinfo fields: {info.stdout[:1200]}")
    doc = json.load(open(path))
    check(doc["type"] == "FeatureCollection" and len(doc["features"]) == len(located), "geojson: located twins only")
    ok_coords = ok_props = 0
    for feat in doc["features"]:
        twin = feat["id"]
        lat, lon = located[twin]
        ok_coords += feat["geometry"]["coordinates"] == [lon, lat]
        p = feat["properties"]
        ok_props += (p["degree"] == table[twin][names.index("degree")]
                     and p["pagerank"] == table[twin][names.index("pagerank")]
                     and p["fastrp"] == list(table[twin][names.index("fastrp")])
                     and p["rollout_in_sync"] == table[twin][names.index("rollout_in_sync")])
    check(ok_coords == len(located), f"geojson coordinates [lon, lat]: {ok_coords} of {len(located)}")
    check(ok_props == len(located), f"geojson properties equal the table: {ok_props} of {len(located)}")
    models = {d[0]: d[2] for d in devices}
    clash = sum(f["properties"]["model"] == models[f["id"]]
                and f["properties"]["model_feature"] == table[f["id"]][names.index("model")] for f in doc["features"])
    check(clash == len(located), f"geojson: a column named model is model_feature, the twin's model stays: {clash}")
    mode = os.stat(path).st_mode & 0o777
    check(mode == 0o666 & ~current_umask, f"geojson file mode {oct(mode)}, want {oct(0o666 & ~current_umask)}")

    # GraphML: networkx reads each layer; its edges are the layer's, its attributes the table's.
    parent_edges = {frozenset((d[0], d[1])) for d in devices if d[1]}
    rel_edges = {frozenset((s, t)) for s, t, k in relationships if k in ("feeds", "monitors") and s != t}
    for layer, want in (("hierarchy", parent_edges), ("rel", rel_edges), (None, None)):
        path, _ = export(db, "graphml", *(["--layer", layer] if layer else []))
        G = nx.read_graphml(path)
        ids = nx.get_node_attributes(G, "device_id")
        got = {frozenset((ids[a], ids[b])) for a, b in G.edges()}
        check(len(G) == len(devices), f"graphml {layer}: {len(G)} nodes")
        if want is not None:
            check(got == want, f"graphml {layer}: {len(got)} edges, want {len(want)}")
        else:
            check(parent_edges | rel_edges <= got, "graphml union: holds hierarchy and relationships")
        deg = nx.get_node_attributes(G, "degree")
        check(all(deg[n] == table[ids[n]][names.index("degree")] for n in G), f"graphml {layer}: degree attribute")
        model = nx.get_node_attributes(G, "model")
        check(all(model[n] == (models[ids[n]] or "") for n in G), f"graphml {layer}: the twin's model attribute")

    # Errors: clear, and no file left behind.
    _, proc = export(db, "csv", "--table", "features.nope", check_ok=False)
    check(proc.returncode == 3 and "nope" in proc.stderr, f"unknown table: {proc.returncode} {proc.stderr[-300:]}")
    db.execute("CREATE TABLE features.lonely (device_id text, x int)")
    _, proc = export(db, "geojson", "--table", "features.lonely", check_ok=False)
    check(proc.returncode == 1 and "--job" in proc.stderr, f"no runs: {proc.returncode} {proc.stderr[-300:]}")
    _, proc = export(db, "geojson", "--table", "features.lonely", "--job", write_job(SPEC), check_ok=True)
    _, proc = export(db, "graphml", "--layer", "wires", check_ok=False)
    check(proc.returncode == 2 and "hierarchy, rel, near" in proc.stderr, f"unknown layer: {proc.stderr[-300:]}")
    proc = run_twingraph(["export", "--format", "csv", "-o", "/nonexistent-dir/x.csv"], db=db, check=False)
    check(proc.returncode == 1 and "/nonexistent-dir/x.csv" in proc.stderr, f"unwritable: {proc.stderr[-300:]}")
    proc = run_twingraph(["export", "--format", "shapefile"], check=False)
    check(proc.returncode == 2, "unknown format: exit 2")
    after = {f for f in os.listdir(out_dir) if ".tmp-" in f}
    check(not after, f"temporary files left: {after}")

tally.report("export")
