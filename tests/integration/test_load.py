"""Integration: `twingraph load` for the Azure Digital Twins and IoT Hub formats.

The real ADT samples in datasets/external are loaded with the CLI and the tables compared with
the files as Python's json module reads them (twin ids, models, documents, parents from the
containment rules, relationships with their properties). Then the promises around it: one
transaction (a failing file changes nothing, --replace swaps in the same transaction), errors
that name the line or item and the id, appending that resolves endpoints against the table,
IoT Hub parents from tags, tables created when missing with the columns of sql/schema.sql.
"""
import json
import os
import sys
import tempfile
from collections import Counter

import subprocess

from twintest import REPO, Database, Tally, run_twingraph, twingraph_binary

EXTERNAL = os.path.join(REPO, "datasets", "external")
ENERGY = os.path.join(EXTERNAL, "adt-energy-grid", "distributionGridBulkImport.ndjson")
HOME = os.path.join(EXTERNAL, "adt-basic-home", "import.json")
TMP = tempfile.TemporaryDirectory(prefix="twingraph-load-")

t = Tally()


def write(name, text):
    path = os.path.join(TMP.name, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def load(db, fmt, path, *args, check=True):
    return run_twingraph(["load", "--format", fmt, path, *args], db=db, check=check)


def tables(db, schema="twin"):
    devices = {r[0]: (r[1], r[2], r[3]) for r in
               db.query(f"SELECT device_id, parent_id, model, twin FROM {schema}.devices")}
    rels = Counter((r[0], r[1], r[2], json.dumps(r[3], sort_keys=True) if r[3] is not None else None)
                   for r in db.query(f"SELECT source_id, target_id, kind, properties FROM {schema}.relationships"))
    return devices, rels


def energy_reference():
    """The bulk-import file read line by line: twins and relationships with their properties."""
    devices, rels, section = {}, Counter(), None
    with open(ENERGY) as f:
        for line in f:
            if not line.strip():
                continue
            item = json.loads(line)
            if set(item) == {"Section"}:
                section = item["Section"]
            elif section == "Twins":
                devices[item["$dtId"]] = (None, item["$metadata"]["$model"], item)
            elif section == "Relationships":
                # properties: the relationship object as the file has it.
                rels[(item["$dtId"], item["$targetId"], item["$relationshipName"], json.dumps(item, sort_keys=True))] += 1
    return devices, rels


def home_reference(keep_links):
    """The Explorer export with rel_has_* relationships as parent links."""
    with open(HOME) as f:
        graph = json.load(f)["digitalTwinsGraph"]
    parent, rels = {}, Counter()
    for r in graph["relationships"]:
        if r["$relationshipName"].startswith("rel_has_"):
            parent[r["$targetId"]] = r["$sourceId"]
            if not keep_links:
                continue
        rels[(r["$sourceId"], r["$targetId"], r["$relationshipName"], json.dumps(r, sort_keys=True))] += 1
    devices = {d["$dtId"]: (parent.get(d["$dtId"]), d["$metadata"]["$model"].split(":")[-1].split(";")[0], d)
               for d in graph["digitalTwins"]}
    return devices, rels


def same(label, got, want):
    t.check(got == want, f"{label}: tables differ from the file"
            + ("" if got == want else f"\n  only in table: {sorted(set(got.items()) - set(want.items()), key=str)[:3]}"
               f"\n  only in file: {sorted(set(want.items()) - set(got.items()), key=str)[:3]}"))


with Database("load") as db:
    # 1. The bulk-import sample, every field.
    out = load(db, "adt", ENERGY).stdout
    t.check("49 twins, 50 relationships" in out, f"energy grid summary: {out!r}")
    got_devices, got_rels = tables(db)
    want_devices, want_rels = energy_reference()
    same("energy grid twins", got_devices, want_devices)
    same("energy grid relationships", got_rels, want_rels)

    # 1b. --location: each twin's {lat, lon} object fills the columns; a bad one names the twin.
    located = write("located.ndjson", '{"Section": "Twins"}\n'
                    '{"$dtId": "p", "$metadata": {"$model": "m"}, "geo": {"pos": {"latitude": 52.5, "lng": 13.4}}}\n'
                    '{"$dtId": "q", "$metadata": {"$model": "m"}, "geo": {"pos": {"lat": -33.9, "lon": 151.2}}}\n'
                    '{"$dtId": "r", "$metadata": {"$model": "m"}}\n')
    load(db, "adt", located, "--into", "geo", "--location", "geo.pos")
    t.check(sorted(db.query("SELECT device_id, lat, lon FROM geo.devices")) ==
            [("p", 52.5, 13.4), ("q", -33.9, 151.2), ("r", None, None)], "--location: lat and lon read")
    bad = write("bad_location.ndjson", '{"Section": "Twins"}\n'
                '{"$dtId": "s", "$metadata": {"$model": "m"}, "geo": {"pos": {"lat": "52", "lon": 13}}}\n')
    proc = load(db, "adt", bad, "--into", "geo", "--location", "geo.pos", check=False)
    t.check(proc.returncode == 1 and 'twin "s" has no valid location' in proc.stderr and "bad_location.ndjson:2" in proc.stderr,
            f"--location, a string latitude: {proc.returncode} {proc.stderr!r}")

    # 2. Appending the same file again: a duplicate twin; nothing changes.
    proc = load(db, "adt", ENERGY, check=False)
    t.check(proc.returncode == 1 and "already exists" in proc.stderr and "--replace" in proc.stderr,
            f"second load without --replace: exit {proc.returncode}, {proc.stderr!r}")
    t.check(tables(db) == (got_devices, got_rels), "a failed append changed the tables")

    # 3. --replace with the Explorer export: the old content goes in the same transaction.
    out = load(db, "adt-graph", HOME, "--replace", "--parent-kinds", "rel_has_*", "--short-models").stdout
    t.check("replacing 49 twins and 50 relationships" in out and "11 parent links" in out, f"replace summary: {out!r}")
    got_devices, got_rels = tables(db)
    want_devices, want_rels = home_reference(keep_links=False)
    same("basic home twins", got_devices, want_devices)
    same("basic home relationships", got_rels, want_rels)
    load(db, "adt-graph", HOME, "--replace", "--parent-kinds", "rel_has_*", "--short-models", "--keep-parent-links")
    got_devices, got_rels = tables(db)
    want_devices, want_rels = home_reference(keep_links=True)
    same("basic home twins (links kept)", got_devices, want_devices)
    same("basic home relationships (links kept)", got_rels, want_rels)
    before = tables(db)

    # 4. Bad files: a clear error naming the place, and nothing written.
    twin = '{"$dtId": "%s", "$metadata": {"$model": "dtmi:x:room;1"}}'
    rel = '{"$dtId": "%s", "$targetId": "%s", "$relationshipName": "%s"}'
    header = '{"Section": "Header"}\n{"fileVersion": "1.0.0"}\n{"Section": "Twins"}\n'
    cases = [
        ("malformed line", "adt", header + twin % "a" + "\n{\"$dtId\": \"b\",\n", [], ["bad.ndjson:5", "not valid JSON"]),
        ("duplicate $dtId", "adt", header + twin % "a" + "\n" + twin % "a" + "\n", [],
         ["bad.ndjson:5", '"a" appears twice', "bad.ndjson:4"]),
        ("missing $model", "adt", header + '{"$dtId": "a"}\n', [], ["bad.ndjson:4", "$metadata.$model"]),
        ("unknown section", "adt", '{"Section": "Things"}\n', [], ["bad.ndjson:1", 'unknown section "Things"']),
        ("line before a section", "adt", twin % "a" + "\n", [], ["bad.ndjson:1", "before the first section"]),
        ("unknown target (replace)", "adt",
         header + twin % "a" + '\n{"Section": "Relationships"}\n' + rel % ("a", "ghost", "feeds") + "\n",
         ["--replace"], ["bad.ndjson:6", '"ghost" is not a twin']),
        ("unknown target (append)", "adt",
         header + twin % "zz1" + '\n{"Section": "Relationships"}\n' + rel % ("zz1", "ghost", "feeds") + "\n",
         [], ["bad.ndjson:6", '"ghost" is not a twin of the file or of twin.devices']),
        ("two parents", "adt",
         header + "\n".join(twin % x for x in ("p1", "p2", "c")) + '\n{"Section": "Relationships"}\n'
         + rel % ("p1", "c", "contains") + "\n" + rel % ("c", "p2", "isPartOf") + "\n", ["--replace"],
         ['twin "c" has two parents', "--several-parents first"]),
        ("cycle", "adt",
         header + "\n".join(twin % x for x in ("p", "q")) + '\n{"Section": "Relationships"}\n'
         + rel % ("p", "q", "contains") + "\n" + rel % ("q", "p", "contains") + "\n", ["--replace"], ["form a cycle"]),
        ("not an export", "adt-graph", '{"digitalTwins": []}', ["--replace"], ['no "digitalTwinsGraph"']),
        ("export twin without $dtId", "adt-graph",
         '{"digitalTwinsGraph": {"digitalTwins": [{"$metadata": {"$model": "m"}}], "relationships": []}}',
         ["--replace"], ["bad.ndjson, item 1", "$dtId"]),
        ("empty file", "adt", "", ["--replace"], ["holds no twins"]),
        ("NDJSON as an export", "adt-graph", header, ["--replace"], ["--format adt"]),
        ("iothub without deviceId", "iothub", '[{"deviceId": "d1"}, {"tags": {}}]', ["--replace"],
         ["bad.ndjson, item 2", "deviceId"]),
        ("iothub bad tag", "iothub", '{"deviceId": "d1", "tags": {"site": {"x": 1}}}\n', ["--replace", "--parent-tag", "site"],
         ["bad.ndjson:1", 'tag "site" of twin "d1"']),
    ]
    for label, fmt, text, args, expect in cases:
        proc = load(db, fmt, write("bad.ndjson", text), *args, check=False)
        t.check(proc.returncode == 1 and all(e in proc.stderr for e in expect),
                f"{label}: exit {proc.returncode}, want {expect} in {proc.stderr!r}")
        t.check(tables(db) == before, f"{label}: the tables changed")
    proc = load(db, "adt", os.path.join(TMP.name, "missing.ndjson"), check=False)
    t.check(proc.returncode == 1 and "could not open" in proc.stderr, f"missing file: {proc.stderr!r}")

    # With --several-parents first the kind named first wins and the other link is a relationship.
    text = (header + "\n".join(twin % x for x in ("p1", "p2", "c")) + '\n{"Section": "Relationships"}\n'
            + rel % ("p1", "c", "contains") + "\n" + rel % ("c", "p2", "isPartOf") + "\n")
    out = load(db, "adt", write("two.ndjson", text), "--replace", "--several-parents", "first").stdout
    devices, rels = tables(db)
    t.check(devices["c"][0] == "p2" and [r[:3] for r in rels] == [("p1", "c", "contains")] and "1 twins with several" in out,
            f"several parents, first: parent {devices['c'][0]}, relationships {dict(rels)}, {out!r}")

    # 5. Appending: endpoints may be twins already in the table, and a containment relationship
    # gives a twin already there its parent.
    text = header + twin % "c2" + '\n{"Section": "Relationships"}\n' + rel % ("p1", "c2", "contains") + "\n"
    load(db, "adt", write("append.ndjson", text))
    devices, _ = tables(db)
    t.check(devices.get("c2", (None,))[0] == "p1", f"appended twin's parent from the table: {devices.get('c2')}")
    text = header.replace('{"Section": "Twins"}\n', "") + '{"Section": "Relationships"}\n' + rel % ("p1", "p2", "contains") + "\n"
    out = load(db, "adt", write("links_only.ndjson", text)).stdout
    devices, rels = tables(db)
    t.check(devices["p2"][0] == "p1" and "1 twins already in the table got their parent" in out
            and not any(r[:3] == ("p1", "p2", "contains") for r in rels),
            f"a relationships-only file sets an existing twin's parent: {devices['p2']}, {out!r}")
    before = tables(db)
    text = header.replace('{"Section": "Twins"}\n', "") + '{"Section": "Relationships"}\n' + rel % ("c2", "p2", "contains") + "\n"
    proc = load(db, "adt", write("links_conflict.ndjson", text), check=False)
    t.check(proc.returncode == 1 and 'twin "p2" already has the parent "p1"' in proc.stderr and tables(db) == before,
            f"an existing twin with another parent: {proc.returncode} {proc.stderr!r}")
    out = load(db, "adt", write("links_conflict.ndjson", text), "--several-parents", "first").stdout
    devices, rels = tables(db)
    t.check(devices["p2"][0] == "p1" and any(r[:3] == ("c2", "p2", "contains") for r in rels) and "kept the one" in out,
            f"--several-parents first keeps the table's parent: {devices['p2']}, {out!r}")

    # 6. IoT Hub twins: parents from tags, level twins created, documents kept whole.
    hub = [
        {"deviceId": "cam-1", "etag": "AAA", "version": 3, "tags": {"location": {"site": "s1", "building": "b1"}},
         "properties": {"desired": {"model": {"version": "2.1"}, "$version": 4},
                        "reported": {"model": {"version": "2.0"}, "$version": 9}}},
        {"deviceId": "cam-2", "modelId": "dtmi:contoso:camera;1", "tags": {"location": {"site": "s1", "building": "b2"}}},
        {"deviceId": "gw-1", "tags": {"location": {"site": "s2"}, "kind": "gateway"}},
        {"deviceId": "loose", "tags": {}},
        {"deviceId": "edge", "moduleId": "infer", "tags": {"location": {"site": "s2", "building": 7}}},
    ]
    out = load(db, "iothub", write("hub.json", json.dumps(hub)), "--replace", "--parent-tag", "location.site",
               "--parent-tag", "tags.location.building", "--model-tag", "kind").stdout
    devices, rels = tables(db)
    want = {
        "cam-1": ("s1/b1", None, hub[0]), "cam-2": ("s1/b2", "dtmi:contoso:camera;1", hub[1]),
        "gw-1": ("s2", "gateway", hub[2]), "loose": (None, None, hub[3]), "edge/infer": ("s2/7", None, hub[4]),
        "s1": (None, "site", None), "s2": (None, "site", None), "s1/b1": ("s1", "building", None),
        "s1/b2": ("s1", "building", None), "s2/7": ("s2", "building", None),
    }
    same("iothub twins", devices, want)
    t.check(not rels and "10 twins" in out, f"iothub: relationships {dict(rels)}, summary {out!r}")
    ndjson = "\n".join(json.dumps(h) for h in hub) + "\n"
    load(db, "iothub", write("hub.ndjson", ndjson), "--replace", "--parent-tag", "location.site",
         "--parent-tag", "location.building", "--model-tag", "kind")
    t.check(tables(db)[0] == devices, "iothub: one twin per line loads as the array does")
    # A floor number repeats in every building: qualified ids keep them apart; as-is they clash.
    clash = [{"deviceId": "d1", "tags": {"site": "s1", "b": "x"}}, {"deviceId": "d2", "tags": {"site": "s2", "b": "x"}}]
    load(db, "iothub", write("clash.json", json.dumps(clash)), "--replace", "--parent-tag", "site", "--parent-tag", "b")
    devices, _ = tables(db)
    t.check(devices["d1"][0] == "s1/x" and devices["d2"][0] == "s2/x", f"qualified level ids: {devices}")
    proc = load(db, "iothub", write("clash.json", json.dumps(clash)), "--replace", "--parent-tag", "site",
                "--parent-tag", "b", "--tag-ids", "as-is", check=False)
    t.check(proc.returncode == 1 and 'twin "x" is tagged under two parents' in proc.stderr,
            f"iothub level under two parents: {proc.stderr!r}")

    # Documents keep their numbers as the file spells them (jsonb keeps 1.10 and big integers).
    exact = '{"deviceId": "n1", "properties": {"reported": {"fw": 1.10, "t": 38.3, "big": 12345678901234567890}}}'
    for fmt, name, text in [("iothub", "exact.json", "[" + exact + "]"), ("iothub", "exact.ndjson", exact + "\n"),
                            ("adt-graph", "exact_graph.json",
                             '{"digitalTwinsGraph": {"digitalTwins": [{"$dtId": "n1", "$metadata": {"$model": "m"}, '
                             '"t": 38.3, "fw": 1.10}], "relationships": [{"$sourceId": "n1", "$targetId": "n1", '
                             '"$relationshipName": "self", "w": 0.1}]}}')]:
        load(db, fmt, write(name, text), "--replace")
        doc = db.query("SELECT twin::text FROM twin.devices WHERE device_id = 'n1'")[0][0]
        t.check("38.3" in doc and "1.10" in doc and "38.29" not in doc and (fmt != "iothub" or "12345678901234567890" in doc),
                f"{name}: numbers changed on load: {doc}")
    props = db.query("SELECT properties::text FROM twin.relationships")[0][0]
    t.check('"w": 0.1' in props and "0.1000" not in props, f"relationship properties keep their numbers: {props}")

    # A UTF-8 byte-order mark is skipped; UTF-16 is refused with a hint.
    bom = "\ufeff" + header + twin % "bom1" + "\n"
    load(db, "adt", write("bom.ndjson", bom), "--replace")
    t.check(db.query("SELECT count(*) FROM twin.devices")[0][0] == 1, "a file with a byte-order mark loads")
    with open(os.path.join(TMP.name, "utf16.json"), "w", encoding="utf-16") as f:
        f.write(json.dumps(hub))
    proc = load(db, "iothub", os.path.join(TMP.name, "utf16.json"), "--replace", check=False)
    t.check(proc.returncode == 1 and "UTF-16" in proc.stderr and "iconv" in proc.stderr, f"UTF-16: {proc.stderr!r}")

    # 7. --into a new schema: the tables are created like sql/schema.sql's.
    out = load(db, "adt", ENERGY, "--into", "Grid Import").stdout
    t.check("created what was missing" in out, f"--into summary: {out!r}")
    columns = ("SELECT c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull"
               " FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
               " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
               " WHERE n.nspname = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1, a.attnum")
    t.check(db.query(columns, ("Grid Import",)) == db.query(columns, ("twin",)),
            "tables created by load differ from sql/schema.sql's")
    t.check(db.query('SELECT count(*) FROM "Grid Import".devices')[0][0] == 49, "--into: 49 twins")

    # The README's example: load the sample into "grid" and run the example job on it.
    load(db, "adt", ENERGY, "--into", "grid")
    run_twingraph(["run", os.path.join(REPO, "datasets", "adt_energy_grid.job.json"), "--top", "0"], db=db)
    power = dict(db.query("SELECT device_id, twin_powerrequirement FROM features.grid_features"))
    want = {k: float(v[2]["PowerRequirement"]) if "PowerRequirement" in v[2] else None
            for k, v in energy_reference()[0].items()}
    t.check(power == want, f"example job on the loaded grid: {sorted(power.items())[:3]} vs {sorted(want.items())[:3]}")

    # Parent links that close a cycle through twins already in the table are refused.
    load(db, "adt", write("cyc_base.ndjson", header + "\n".join(twin % x for x in ("X", "Y")) + '\n{"Section": "Relationships"}\n'
                          + rel % ("Y", "X", "isPartOf") + "\n"), "--into", "cyc")
    before_cyc = tables(db, "cyc")
    proc = load(db, "adt", write("cyc_more.ndjson", header.replace('{"Section": "Twins"}\n', "") + '{"Section": "Relationships"}\n'
                                 + rel % ("X", "Y", "isPartOf") + "\n"), "--into", "cyc", check=False)
    t.check(proc.returncode == 1 and "form a cycle with twins already in cyc.devices" in proc.stderr
            and tables(db, "cyc") == before_cyc, f"a cycle through the table: {proc.returncode} {proc.stderr!r}")

    # A file read from a pipe (process substitution, zcat) loads like the file.
    piped = subprocess.run(["bash", "-c", f'cat "{ENERGY}" | "{twingraph_binary()}" load --format adt /dev/stdin '
                            f'--into piped --db "{db.conninfo}"'], capture_output=True, text=True)
    t.check(piped.returncode == 0 and "49 twins" in piped.stdout, f"adt from a pipe: {piped.stderr!r}")
    hub_lines = "\n".join(json.dumps({"deviceId": f"p{i}"}) for i in range(3))
    piped = subprocess.run(["bash", "-c", f'printf %s \'{hub_lines}\' | "{twingraph_binary()}" load --format iothub '
                            f'/dev/stdin --into piped2 --db "{db.conninfo}"'], capture_output=True, text=True)
    t.check(piped.returncode == 0 and "3 twins" in piped.stdout, f"iothub from a pipe: {piped.stderr!r}")

    # A bad model tag on the 1025th twin (where the level buffer grows) is a clean error.
    many = "\n".join(json.dumps({"deviceId": f"d{i}", "tags": {"m": "sensor", "loc": {"b": "B1"}}}) for i in range(1024))
    many += "\n" + json.dumps({"deviceId": "bad", "tags": {"m": {"x": 1}, "loc": {"b": "B1"}}}) + "\n"
    proc = load(db, "iothub", write("many.ndjson", many), "--model-tag", "m", "--parent-tag", "loc.b", "--dry-run",
                check=False)
    t.check(proc.returncode == 1 and 'tag "m" of twin "bad"' in proc.stderr, f"bad model tag: {proc.returncode} {proc.stderr!r}")

    # 8. --dry-run needs no database and writes nothing.
    proc = run_twingraph(["load", "--format", "adt", ENERGY, "--dry-run", "--db", "host=/nonexistent"], check=False)
    t.check(proc.returncode == 0 and "49 twins" in proc.stdout, f"dry run: {proc.returncode} {proc.stderr!r}")

    # 9. Command-line mistakes are usage errors (exit 2).
    for args, expect in [(["load", ENERGY], "needs --format"), (["load", "--format", "csv", ENERGY], "unknown format"),
                         (["load", "--format", "adt", ENERGY, "--parent-tag", "x"], "apply to --format iothub"),
                         (["load", "--format", "iothub", ENERGY, "--tag-ids", "raw"], "qualified or as-is"),
                         (["load", "--format", "iothub", ENERGY, "--parent-kinds", "contains"], "need relationships"),
                         (["load", "--format", "adt", ENERGY, "--several-parents", "any"], "error or first"),
                         (["load", "--format", "adt"], "needs a file"),
                         (["load", "--format", "adt", ENERGY, "--into", "a.b"], "without dots"),
                         (["load", "--format", "iothub", ENERGY, "--location", "location"], "adt and adt-graph"),
                         (["load", "--format", "adt", ENERGY, "--location", "a..b"], "dotted path")]:
        proc = run_twingraph(args, check=False)
        t.check(proc.returncode == 2 and expect in proc.stderr, f"{args}: exit {proc.returncode}, {proc.stderr!r}")

t.report("load")
