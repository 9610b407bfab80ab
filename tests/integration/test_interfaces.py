"""The interfaces twin-aware features build on, end to end against PostgreSQL:

- column types: every hierarchy and twin-state column has its documented SQL type, NULLs where
  the dictionary says so;
- twin_value: each typed value equals PostgreSQL's own jsonb extraction of the same rows;
- weighted relationship layers: weights from a jsonb property or a column, merged by min, max or
  sum; a missing weight names the relationship; a non-numeric one names the row;
- the seed: recorded in features.runs, and the same spec on the same twins gives the same table
  byte for byte (md5 of the ordered rows);
- pre-flight: a job aimed at the wrong database creates nothing there; a twin-data error on the
  first run into a fresh database is recorded as failed;
- warnings: a layer without edges, coordinates no feature uses, and dropped dangling ids are
  warned about and kept in features.runs.warnings; bad coordinates never fail such a run;
- one snapshot: a writer that adds a twin and a relationship to it in one transaction, while
  runs read, never makes a run see the relationship without its twin.
"""
import json
import threading

import psycopg2

from twintest import Database, Tally, run_job, start_job, wait_job
from twingen import generate

tally = Tally()
check = tally.check


def last_run(db):
    return db.query("SELECT status, seed, warnings, error, layers FROM features.runs ORDER BY run_id DESC LIMIT 1")[0]


def column_types(db, table="device_features"):
    return dict(db.query("SELECT column_name, data_type FROM information_schema.columns"
                         " WHERE table_schema = 'features' AND table_name = %s", (table,)))


def md5_of_features(db, columns):
    cols = ", ".join(columns)
    return db.query(f"SELECT md5(string_agg(f::text, E'\\n' ORDER BY device_id)) FROM"
                    f" (SELECT device_id, {cols} FROM features.device_features) f")[0][0]


def types_and_values(db):
    devices = [("r", None, "city", None, None, json.dumps({"properties": {"reported": {"fw": "1.2", "n": 3, "ok": True, "x": 1.5}}})),
               ("a", "r", "district", 47.6, -122.3, json.dumps({"properties": {"reported": {"fw": "2.0", "n": "three", "ok": False, "x": 2}}})),
               ("b", "a", "camera", None, None, json.dumps({"properties": {"reported": {"fw": None, "n": 7, "x": {"nested": [1, 2]}}}})),
               ("c", "a", "camera", None, None, None)]
    db.load(devices, [("b", "c", "feeds")])
    spec = {"features": ["hier_depth", "hier_subtree_size", "hier_leaves", "hier_children", "hier_siblings", "hier_leaf",
                         "hier_root_id", "pagerank",
                         {"name": "hier_ancestor", "levels": {"district": 1}},
                         {"name": "hier_rollup", "feature": "pagerank", "agg": "sum", "level": 1},
                         {"name": "twin_value", "path": "properties.reported.fw"},
                         {"name": "twin_value", "path": "properties.reported.n", "type": "bigint"},
                         {"name": "twin_value", "path": "properties.reported.ok", "type": "boolean"},
                         {"name": "twin_value", "path": "properties.reported.x", "type": "double"},
                         {"name": "twin_value", "path": "properties.reported.x", "column": "x_text"}],
            "seed": 9007199254740993}
    proc = run_job(db, spec)
    want = {"hier_depth": "bigint", "hier_subtree_size": "bigint", "hier_leaves": "bigint", "hier_children": "bigint",
            "hier_siblings": "bigint", "hier_leaf": "boolean", "hier_root_id": "text", "anc_district_id": "text",
            "hier_sum_pagerank_d1": "double precision", "twin_fw": "text", "twin_n": "bigint", "twin_ok": "boolean",
            "twin_x": "double precision", "x_text": "text", "pagerank": "double precision"}
    got = column_types(db)
    for column, sql_type in want.items():
        check(got.get(column) == sql_type, f"column {column}: type {got.get(column)}, want {sql_type}")
    rows = db.features()
    check(rows["r"]["hier_siblings"] is None, f"a root's hier_siblings is NULL: {rows['r']['hier_siblings']}")
    check(rows["r"]["anc_district_id"] is None and rows["c"]["anc_district_id"] == "a", "anc_district_id")
    check(rows["r"]["hier_sum_pagerank_d1"] is None, "rollup is NULL above its level")
    # twin_value against PostgreSQL's own extraction of the same rows.
    oracle = dict((d, (fw, n, ok, x, xt)) for d, fw, n, ok, x, xt in db.query(
        "SELECT device_id, twin #>> '{properties,reported,fw}',"
        " CASE WHEN jsonb_typeof(twin #> '{properties,reported,n}') = 'number' THEN (twin #>> '{properties,reported,n}')::bigint END,"
        " CASE WHEN jsonb_typeof(twin #> '{properties,reported,ok}') = 'boolean' THEN (twin #>> '{properties,reported,ok}')::boolean END,"
        " CASE WHEN jsonb_typeof(twin #> '{properties,reported,x}') = 'number' THEN (twin #>> '{properties,reported,x}')::float8 END,"
        " CASE WHEN jsonb_typeof(twin #> '{properties,reported,x}') = 'string' THEN twin #>> '{properties,reported,x}'"
        "      ELSE (twin #> '{properties,reported,x}')::text END"
        " FROM twin.devices"))
    for d, (fw, n, ok, x, xt) in oracle.items():
        r = rows[d]
        check(r["twin_fw"] == fw, f"{d}: twin_fw {r['twin_fw']!r}, want {fw!r}")
        check(r["twin_n"] == n, f"{d}: twin_n {r['twin_n']!r}, want {n!r}")
        check(r["twin_ok"] == ok, f"{d}: twin_ok {r['twin_ok']!r}, want {ok!r}")
        check(r["twin_x"] == x, f"{d}: twin_x {r['twin_x']!r}, want {x!r}")
        same_json = (r["x_text"] is None and xt is None) or (r["x_text"] is not None and xt is not None
                                                            and json.loads(r["x_text"]) == json.loads(xt))
        check(same_json, f"{d}: x_text {r['x_text']!r}, want {xt!r}")
    status, seed, warnings, error, _ = last_run(db)
    check(status == "succeeded" and seed == 9007199254740993, f"run recorded with its exact seed: {status} {seed}")
    check(any("twin_n" in w and "not a JSON integer" in w for w in warnings or []), f"the type mismatch is a warning: {warnings}")
    check("twin_n" in proc.stderr, "the warning is on stderr too")


def awkward_documents(db):
    """Values jsonb holds that a JSON library may not: 20-digit integers, 1e400, deep nesting,
    numbers with trailing zeros. Text keeps PostgreSQL's spelling; numbers out of range are NULL."""
    docs = {"big": {"v": 99999999999999999999}, "huge": {"v": "1e400"}, "deep": {"v": None},
            "exact": {"v": 1.10}, "plain": {"v": 7}}
    db.load([(d, None, None, None, None, None) for d in docs], [])
    db.execute("""UPDATE twin.devices SET twin = '{"v": 99999999999999999999}' WHERE device_id = 'big';
                  UPDATE twin.devices SET twin = '{"v": 1e400}' WHERE device_id = 'huge';
                  UPDATE twin.devices SET twin = '{"v": 1.10}' WHERE device_id = 'exact';
                  UPDATE twin.devices SET twin = '{"v": 7}' WHERE device_id = 'plain';
                  UPDATE twin.devices SET twin = jsonb_build_object('v', repeat('[', 3000)::text) WHERE device_id = 'deep'""")
    db.execute("UPDATE twin.devices SET twin = ('{\"v\": ' || repeat('[', 3000) || repeat(']', 3000) || '}')::jsonb"
               " WHERE device_id = 'deep'")
    spec = {"graph": {"layers": ["hierarchy"]},
            "features": [{"name": "twin_value", "path": "v"}, {"name": "twin_value", "path": "v", "type": "bigint", "column": "vi"},
                         {"name": "twin_value", "path": "v", "type": "double", "column": "vd"}]}
    proc = run_job(db, spec, check=False)
    check(proc.returncode == 0, f"awkward documents: exit {proc.returncode}\n{proc.stderr}")
    rows = db.features()
    want_text = dict(db.query("SELECT device_id, CASE WHEN jsonb_typeof(twin->'v') = 'string' THEN twin->>'v'"
                              " ELSE (twin->'v')::text END FROM twin.devices"))
    for d in docs:
        check(rows[d]["twin_v"] == want_text[d], f"{d}: text {rows[d]['twin_v']!r:.60}, want {want_text[d]!r:.60}")
    check(rows["plain"]["vi"] == 7 and rows["big"]["vi"] is None and rows["exact"]["vi"] is None,
          f"bigint: {[(d, rows[d]['vi']) for d in docs]}")
    check(rows["exact"]["vd"] == 1.1 and rows["huge"]["vd"] is None and rows["big"]["vd"] == 1e20,
          f"double: {[(d, rows[d]['vd']) for d in docs]}")


def multibyte_errors(db):
    """Ids with multibyte characters cut at any length keep errors and warnings valid UTF-8, so a
    failed run is recorded as failed with its error."""
    db.load([("root",), ("kid", "ab" + "é" * 200), ("kid2", "zzz")], [])
    proc = run_job(db, {"graph": {"layers": ["hierarchy"]}, "features": ["hier_depth"]}, check=False)
    status, _, _, error, _ = last_run(db)
    check(proc.returncode == 1 and status == "failed" and "2 parents name no known twin" in (error or ""),
          f"multibyte dangling parent: exit {proc.returncode}, run {status}: {error!r:.120}\n{proc.stderr[-400:]}")
    proc = run_job(db, {"source": {"on_dangling": "drop"}, "graph": {"layers": ["hierarchy"]}, "features": ["hier_depth"]},
                   check=False)
    kept = last_run(db)[2] or []
    check(proc.returncode == 0 and any("2 parents name no known twin" in w for w in kept),
          f"the dangling warning is kept: {kept!r:.200}")


def reproducible(db):
    devices, rels = generate(600, seed=11)
    db.load(devices, rels)
    spec = {"features": ["degree", "pagerank", "betweenness", "component", "hier_depth", "hier_root_id",
                         {"name": "hier_rollup", "feature": "pagerank", "agg": "max", "level": 1}], "seed": 7}
    columns = ["degree", "pagerank", "betweenness", "component_id", "component_size", "hier_depth", "hier_root_id",
               "hier_max_pagerank_d1"]
    run_job(db, spec)
    first = md5_of_features(db, columns)
    run_job(db, spec)
    second = md5_of_features(db, columns)
    check(first == second and first is not None, f"same spec, same twins: md5 {first} then {second}")
    runs = db.query("SELECT count(DISTINCT run_id) FROM features.device_features")[0][0]
    check(runs == 1, "the second run replaced the first")


def weights(db):
    db.load([("a",), ("b",), ("c",), ("d",)], [])
    db.execute("ALTER TABLE twin.relationships ADD COLUMN IF NOT EXISTS cost double precision")
    rows = [("a", "b", "feeds", {"len": 3}, 30), ("b", "a", "feeds", {"len": 5}, 50), ("a", "b", "feeds", {"len": 4}, 40),
            ("b", "c", "feeds", {"len": 2}, 20), ("c", "d", "feeds", {}, None), ("c", "c", "feeds", {"len": 9}, 9)]
    with db.conn.cursor() as cur:
        cur.executemany("INSERT INTO twin.relationships (source_id, target_id, kind, properties, cost) VALUES (%s, %s, %s, %s, %s)",
                        [(s, t, k, json.dumps(p), c) for s, t, k, p, c in rows])
    # Merged weights, checked through strength: {a,b} merges 3, 5, 4; {b,c} is 2; {c,d} has no
    # weight (default 1); the self-loop c-c is dropped by simplification.
    for merge, ab in (("min", 3), ("max", 5), ("sum", 12)):
        spec = {"graph": {"layers": [{"relationships": {"name": "wired", "weight": "properties.len", "merge": merge,
                                                        "default_weight": 1}}]},
                "features": [{"name": "strength", "layer": "wired"}, {"name": "degree", "layer": "wired"}]}
        proc = run_job(db, spec, check=False)
        check(proc.returncode == 0, f"weighted layer ({merge}): exit {proc.returncode}\n{proc.stderr}")
        rows = db.features()
        want = {"a": ab, "b": ab + 2, "c": 3, "d": 1}
        for d, w in want.items():
            check(rows[d]["strength_wired"] == w, f"{merge}: strength of {d} is {rows[d]['strength_wired']}, want {w}")
        comments = dict(db.query("SELECT attname, col_description('features.device_features'::regclass, attnum)"
                                 " FROM pg_attribute WHERE attrelid = 'features.device_features'::regclass"
                                 " AND attname IN ('strength_wired', 'degree_wired')"))
        check("weights properties.len read as strengths" in comments["strength_wired"] and "weights" not in comments["degree_wired"],
              f"only the column that uses the weights says so: {comments}")
        kept = last_run(db)[2]
        check(any("1 relationship had no weight" in w for w in kept), f"defaulted weights are counted: {kept}")
    proc = run_job(db, {"graph": {"layers": [{"relationships": {"weight": "properties.len", "default_weight": 1}}]},
                        "features": ["degree"]}, check=False)
    check(proc.returncode == 0 and "no feature of this job uses weights" in proc.stderr,
          f"weights nothing reads are warned about: {proc.stderr}")
    # Without a default, the relationship without a weight is named; from a column it works too.
    spec = {"graph": {"layers": [{"relationships": {"weight": "properties.len"}}]}, "features": ["degree"]}
    proc = run_job(db, spec, check=False)
    check(proc.returncode == 1 and '"c" -> "d" (feeds) has no weight "properties.len"' in proc.stderr,
          f"missing weight: exit {proc.returncode}\n{proc.stderr}")
    check(last_run(db)[0] == "failed", "a run failing on its data is recorded as failed")
    spec = {"graph": {"layers": [{"relationships": {"weight": "cost", "default_weight": 0}}]}, "features": ["degree"]}
    proc = run_job(db, spec, check=False)
    check(proc.returncode == 0, f"weight from a column: exit {proc.returncode}\n{proc.stderr}")
    db.execute("""UPDATE twin.relationships SET properties = '{"len": -2}' WHERE source_id = 'b' AND target_id = 'c'""")
    proc = run_job(db, {"graph": {"layers": [{"relationships": {"weight": "properties.len", "default_weight": 1}}]},
                        "features": ["degree"]}, check=False)
    check(proc.returncode == 1 and '"b" -> "c" (feeds) has weight properties.len = -2, below 0' in proc.stderr,
          f"a negative weight names the row: exit {proc.returncode}\n{proc.stderr}")
    proc = run_job(db, {"graph": {"layers": [{"relationships": {"weight": "cots"}}]}, "features": ["degree"]}, check=False)
    check(proc.returncode == 1 and 'no column "cots"' in proc.stderr and last_run(db)[0] != "running",
          f"a weight column that does not exist is found before the run: {proc.stderr}")
    db.execute("""UPDATE twin.relationships SET properties = '{"len": "long"}' WHERE source_id = 'b' AND target_id = 'c'""")
    spec = {"graph": {"layers": [{"relationships": {"weight": "properties.len", "default_weight": 1}}]}, "features": ["degree"]}
    proc = run_job(db, spec, check=False)
    check(proc.returncode == 1 and '"b" -> "c" (feeds)' in proc.stderr and '"long"' in proc.stderr,
          f"non-numeric weight names the row: exit {proc.returncode}\n{proc.stderr}")


def preflight(db):
    # A job aimed at a database without the sources creates nothing there.
    other = Database("t_empty")
    other.execute("DROP SCHEMA twin CASCADE")
    proc = run_job(other, {"features": ["degree"]}, check=False)
    check(proc.returncode == 3 and "does not exist in database" in proc.stderr and other.name in proc.stderr,
          f"wrong database: exit {proc.returncode}\n{proc.stderr}")
    made = other.query("SELECT count(*) FROM pg_namespace WHERE nspname = 'features'")[0][0]
    check(made == 0, "wrong database: schema features was created")
    other.close()
    # A data error on the first run into a fresh database is recorded as failed.
    fresh = Database("t_fresh")
    fresh.load([("a", "b"), ("b", "a")], [])
    proc = run_job(fresh, {"graph": {"layers": ["hierarchy"]}, "features": ["hier_depth"]}, check=False)
    status, _, _, error, _ = last_run(fresh)
    check(proc.returncode == 1 and status == "failed" and "cycle" in (error or ""),
          f"first run with a cycle: exit {proc.returncode}, run {status} {error}")
    fresh.close()
    # The default relationships source with a user's own devices: the hint names the real choices.
    db.load([("a",)], [])
    db.execute("CREATE TABLE public.my_devices AS SELECT 'x'::text AS device_id")
    db.execute("INSERT INTO twin.relationships (source_id, target_id, kind) VALUES ('x', 'y', 'feeds')")
    proc = run_job(db, {"source": {"devices": "my_devices"}, "features": ["degree"]}, check=False)
    check(proc.returncode == 1 and "default relationships source" in proc.stderr and "graph.layers" in proc.stderr,
          f"dangling against the default relationships: {proc.stderr}")


def warnings(db):
    # The standard schema's CHECKs refuse such coordinates; a user's own table may hold them.
    db.load([], [])
    db.execute("CREATE TABLE public.raw_devices (device_id text, parent_id text, model text, lat float8, lon float8)")
    with db.conn.cursor() as cur:
        cur.executemany("INSERT INTO public.raw_devices VALUES (%s, %s, %s, %s, %s)",
                        [("a", None, "x", 500.0, 10.0), ("b", "a", "x", float("nan"), 0.0), ("c", "ghost", "x", 1.0, 1.0)])
    spec = {"source": {"devices": "raw_devices", "on_dangling": "drop"}, "features": ["degree", "hier_depth"]}
    proc = run_job(db, spec, check=False)
    check(proc.returncode == 0, f"bad coordinates no feature uses never fail the run: exit {proc.returncode}\n{proc.stderr}")
    status, _, kept, _, layers = last_run(db)
    text = " | ".join(kept or [])
    check("2 twins" in text and "invalid location" in text, f"bad coordinates counted in one warning: {text}")
    check('layer "relationships" has no edges' in text, f"a layer without edges is warned about: {text}")
    check("1 parent names no known twin" in text, f"dropped dangling parents are warned about: {text}")
    check(proc.stderr.count("warning:") == len(kept or []), "every warning on stderr is kept")


def shrink_guard(db):
    """A source that suddenly holds far fewer twins does not wipe the features."""
    devices, rels = generate(200, seed=3)
    db.load(devices, rels)
    # An emptied relationships source is refused like an emptied devices source.
    run_job(db, {"features": ["degree"], "output": {"table": "features.rel_guard"}}, allow_shrink=False)
    n_rels = db.query("SELECT count(*) FROM twin.relationships")[0][0]
    db.execute("CREATE TABLE public.saved_relationships AS SELECT * FROM twin.relationships; DELETE FROM twin.relationships")
    proc = run_job(db, {"features": ["degree"], "output": {"table": "features.rel_guard"}}, allow_shrink=False, check=False)
    check(proc.returncode == 1 and f"the last run read {n_rels} relationships, this one 0" in proc.stderr,
          f"relationships guard: exit {proc.returncode}\n{proc.stderr}")
    db.execute("INSERT INTO twin.relationships SELECT * FROM public.saved_relationships")
    run_job(db, {"graph": {"layers": ["hierarchy"]}, "features": ["degree"]}, allow_shrink=False)
    before = db.query("SELECT count(*), max(run_id) FROM features.device_features")[0]
    db.execute("DELETE FROM twin.relationships; DELETE FROM twin.devices WHERE device_id NOT IN"
               " (SELECT device_id FROM twin.devices ORDER BY device_id LIMIT 60); UPDATE twin.devices SET parent_id = NULL")
    proc = run_job(db, {"graph": {"layers": ["hierarchy"]}, "features": ["degree"]}, allow_shrink=False, check=False)
    after = db.query("SELECT count(*), max(run_id) FROM features.device_features")[0]
    check(proc.returncode == 1 and f"refusing to replace {before[0]} rows" in proc.stderr and "with 60 rows" in proc.stderr
          and "--allow-shrink" in proc.stderr, f"shrink guard: exit {proc.returncode}\n{proc.stderr}")
    check(after == before, f"shrink guard: the table changed {before} -> {after}")
    check(last_run(db)[0] == "failed", "shrink guard: the run is recorded as failed")
    proc = run_job(db, {"graph": {"layers": ["hierarchy"]}, "features": ["degree"], "output": {"max_shrink": 0.8}}, allow_shrink=False, check=False)
    check(proc.returncode == 0, f"max_shrink 0.8 allows losing 70%: exit {proc.returncode}\n{proc.stderr}")
    db.execute("DELETE FROM twin.devices")
    proc = run_job(db, {"graph": {"layers": ["hierarchy"]}, "features": ["degree"]}, allow_shrink=False, check=False)
    check(proc.returncode == 1 and "with 0 rows" in proc.stderr, f"an empty source: exit {proc.returncode}\n{proc.stderr}")
    proc = run_job(db, {"graph": {"layers": ["hierarchy"]}, "features": ["degree"]}, allow_shrink=True, check=False)
    check(proc.returncode == 0 and db.query("SELECT count(*) FROM features.device_features")[0][0] == 0,
          f"--allow-shrink replaces anyway: exit {proc.returncode}\n{proc.stderr}")


def one_snapshot(db):
    """A writer adds twin n and a relationship to it in one transaction, over and over; runs read
    meanwhile. Both sources come from one snapshot, so no run may see the edge without the twin."""
    db.load([("hub",)], [])
    stop = threading.Event()

    def writer():
        conn = db.connect()
        i = 0
        while not stop.is_set() and i < 20000:
            with conn, conn.cursor() as cur:
                cur.execute("INSERT INTO twin.devices (device_id) VALUES (%s)", (f"n{i:06d}",))
                cur.execute("INSERT INTO twin.relationships (source_id, target_id, kind) VALUES ('hub', %s, 'feeds')",
                            (f"n{i:06d}",))
            i += 1
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for attempt in range(6):
            proc = start_job(db, {"features": ["degree"]})
            err = wait_job(proc, timeout=60)
            check(proc.returncode == 0, f"run {attempt} during concurrent writes: exit {proc.returncode}\n{err}")
    finally:
        stop.set()
        thread.join()


with Database("t_ifaces") as db:
    types_and_values(db)
    awkward_documents(db)
    multibyte_errors(db)
    reproducible(db)
    weights(db)
    preflight(db)
    warnings(db)
    shrink_guard(db)
    one_snapshot(db)
tally.report("interfaces")
