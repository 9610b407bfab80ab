"""Bad twin data, bad sources, bad job specs and hostile names: every error names the offending
row or setting, exits with the documented code, and writes nothing.

Each failing case asserts: the exit code (1 data/spec, 3 database), the key path / row / id in
stderr, the feature table unchanged (rows, physical row versions, columns, comments), and either
no new runs row (spec errors are found before connecting) or a new runs row marked 'failed',
and no stray server WARNING on stderr. Spec errors are also checked with `twingraph validate`;
they include a feature "column" naming the table's own device_id or run_id.
Then: on_dangling "drop" succeeds with warnings and counts; an existing table not created by
twingraph is refused and left untouched; odd identifiers (spaces, quotes) in source, output and
runs names work; names carrying SQL cannot inject it.
"""

from twintest import Tally, table_state, Database, run_job, run_twingraph, write_job
from twingen import generate

N_TWINS = 120
TABLE = "features.device_features"
GOOD = {"features": ["degree", "pagerank", "component"]}

tally = Tally()
check = tally.check


def runs(db):
    return db.query("SELECT run_id, status, error FROM features.runs ORDER BY run_id")


def error_text(proc):
    """The error, DETAIL and HINT lines of stderr."""
    return "\n".join(l for l in proc.stderr.splitlines()
                     if l.startswith(("twingraph: error:", "DETAIL:", "HINT:")))


def expect_failure(db, label, spec, code, needles, baseline, *, run_row=True, validate=False):
    """Runs spec (and, for spec errors, `twingraph validate`); checks the exit code, that every
    needle is in the error text, that nothing was written and how the runs table changed."""
    before_runs = runs(db)
    commands = [("run", lambda: run_job(db, spec, check=False))]
    if validate:
        commands.append(("validate", lambda: run_twingraph(["validate", write_job(spec)], check=False)))
    for name, call in commands:
        proc = call()
        where = f"{label} [{name}]"
        check(proc.returncode == code, f"{where}: exit {proc.returncode}, want {code}\n{proc.stderr}")
        text = error_text(proc)
        for needle in needles:
            check(needle in text, f"{where}: {needle!r} not in the error:\n{proc.stderr}")
        if proc.returncode != 0:
            check(proc.stdout == "", f"{where}: printed to stdout: {proc.stdout!r}")
        check("WARNING:" not in proc.stderr, f"{where}: stray server warning on stderr:\n{proc.stderr}")
    check(table_state(db) == baseline, f"{label}: the feature table changed")
    after_runs = runs(db)
    if run_row:
        new = after_runs[len(before_runs):]
        check(after_runs[:len(before_runs)] == before_runs and len(new) == 1 and new[0][1] == "failed"
              and new[0][2], f"{label}: want one new 'failed' runs row with an error, got {new}")
    else:
        check(after_runs == before_runs, f"{label}: a spec error touched the runs table: {after_runs[len(before_runs):]}")
    return proc


def data_errors(db, baseline):
    parents = dict(db.query("SELECT device_id, parent_id FROM twin.devices"))

    def restore_parents():
        with db.conn.cursor() as cur:
            cur.executemany("UPDATE twin.devices SET parent_id = %s WHERE device_id = %s",
                            [(p, d) for d, p in parents.items()])

    # Distances that overflow along a path: every length would tie at infinity.
    db.execute("UPDATE twin.relationships SET properties = '{\"w\": 1e308}'")
    huge = {"graph": {"layers": [{"relationships": {"name": "rel", "weight": "properties.w"}}]},
            "features": [{"name": "betweenness", "layer": "rel", "weighted": True}]}
    expect_failure(db, "overflowing distances", huge, 1, ["the largest weight, 1e+308", "overflows", "Scale the weights"],
                   baseline)
    db.execute("UPDATE twin.relationships SET properties = NULL")

    # Dangling parents: 3 twins name parents that do not exist.
    db.execute("UPDATE twin.devices SET parent_id = 'no-such-parent-' || device_id"
               " WHERE device_id IN ('dev-00001', 'dev-00002', 'dev-00003')")
    expect_failure(db, "dangling parent", GOOD, 1,
                   ["3 parents name no known twin", 'twin "dev-00001" has parent_id "no-such-parent-dev-00001"',
                    '"on_dangling": "drop"'], baseline)
    restore_parents()

    # Seven relationships with a missing endpoint: the count is 7, at most 5 are shown.
    db.execute("INSERT INTO twin.relationships (source_id, target_id, kind)"
               " SELECT 'dev-00004', 'ghost-' || g, 'feeds' FROM generate_series(1, 7) g")
    proc = expect_failure(db, "dangling relationships", GOOD, 1,
                          ["7 relationships name no known twin", 'target_id "ghost-', '"on_dangling": "drop"'],
                          baseline)
    detail = next((l for l in proc.stderr.splitlines() if l.startswith("DETAIL:")), "")
    shown = detail.count('"ghost-')
    check(shown == 5, f"dangling relationships: DETAIL shows {shown} ids, want 5: {detail!r}")
    check(detail.rstrip().endswith("..."), f"dangling relationships: DETAIL does not say there are more: {detail!r}")

    # on_dangling "drop": both kinds at once; the run succeeds, warns, and counts what it dropped.
    db.execute("UPDATE twin.devices SET parent_id = 'no-such-parent' WHERE device_id = 'dev-00005'")
    drop = dict(GOOD, source={"on_dangling": "drop"}, output={"table": "features.dropped"})
    proc = run_job(db, drop, check=False)
    check(proc.returncode == 0, f"on_dangling drop: exit {proc.returncode}\n{proc.stderr}")
    warnings = [l for l in proc.stderr.splitlines() if "warning:" in l]
    check(any("1 parent names" in l and "dev-00005" in l for l in warnings), f"on_dangling drop: no parent warning: {warnings}")
    rel_warning = next((l for l in warnings if "7 relationships" in l), "")
    check(rel_warning and rel_warning.count('"ghost-') == 5, f"on_dangling drop: relationship warning {warnings}")
    layers = db.query("SELECT layers FROM features.runs WHERE run_id = (SELECT max(run_id) FROM features.runs)")[0][0]
    inp = layers.get("input", {})
    check(inp.get("dropped_parents") == 1 and inp.get("dropped_relationships") == 7,
          f"on_dangling drop: layers.input = {inp}")
    n_rel = db.query("SELECT count(*) FROM twin.relationships")[0][0]
    check(inp.get("relationships") == n_rel - 7 and inp.get("twins") == N_TWINS, f"on_dangling drop: layers.input = {inp}")
    check(layers.get("hierarchy", {}).get("edges") == N_TWINS - 2, f"on_dangling drop: hierarchy {layers.get('hierarchy')}")
    check(db.query("SELECT count(*) FROM features.dropped")[0][0] == N_TWINS, "on_dangling drop: row count")
    check(table_state(db) == baseline, "on_dangling drop: another output table changed")
    db.execute("DELETE FROM twin.relationships WHERE target_id LIKE 'ghost-%'")
    restore_parents()

    # Views as sources: a duplicated id, a NULL id, a NULL kind.
    db.execute("CREATE VIEW twin.dupe_view AS SELECT * FROM twin.devices"
               " UNION ALL SELECT * FROM twin.devices WHERE device_id = 'dev-00007'")
    expect_failure(db, "duplicate device_id", dict(GOOD, source={"devices": "twin.dupe_view"}), 1,
                   ["device_id is not unique", "1 duplicate", '"dev-00007"'], baseline)
    db.execute("CREATE VIEW twin.null_id_view AS SELECT * FROM twin.devices"
               " UNION ALL SELECT NULL, 'city-0', 'orphan-model', NULL, NULL, NULL")
    expect_failure(db, "NULL device_id", dict(GOOD, source={"devices": "twin.null_id_view"}), 1,
                   ['"twin.null_id_view"', "NULL device_id", "orphan-model"], baseline)
    db.execute("CREATE VIEW twin.null_kind_view AS SELECT source_id, target_id, kind FROM twin.relationships"
               " UNION ALL SELECT 'dev-00008', 'dev-00009', NULL")
    expect_failure(db, "NULL kind", dict(GOOD, source={"relationships": "twin.null_kind_view"}), 1,
                   ['"twin.null_kind_view"', "NULL kind", "dev-00008", "dev-00009"], baseline)

    # Sources that do not exist (database error, exit 3) or lack a required column (exit 1): the
    # pre-flight check refuses them before a run is recorded.
    expect_failure(db, "missing devices source", dict(GOOD, source={"devices": "twin.no_such_table"}), 3,
                   ['"twin.no_such_table"', "does not exist"], baseline, run_row=False)
    expect_failure(db, "missing relationships source", dict(GOOD, source={"relationships": "twin.no_rels"}), 3,
                   ['"twin.no_rels"', "does not exist"], baseline, run_row=False)
    db.execute("CREATE VIEW twin.no_id_view AS SELECT device_id AS id, parent_id FROM twin.devices")
    expect_failure(db, "devices source without device_id", dict(GOOD, source={"devices": "twin.no_id_view"}), 1,
                   ['"twin.no_id_view"', 'no column "device_id"'], baseline, run_row=False)
    db.execute("CREATE VIEW twin.no_kind_view AS SELECT source_id, target_id FROM twin.relationships")
    expect_failure(db, "relationships source without kind", dict(GOOD, source={"relationships": "twin.no_kind_view"}), 1,
                   ['"twin.no_kind_view"', 'no column "kind"'], baseline, run_row=False)


def spec_errors(db, baseline):
    cases = [
        ("unknown top-level key", '{"features": ["degree"], "featurs": ["pagerank"]}', ['unknown key "featurs"']),
        ("unknown key in features[1]", {"features": ["degree", {"name": "pagerank", "dampng": 0.5}]},
         ['"features[1].dampng"', "damping"]),
        ("duplicate key", '{"features": ["degree"], "graph": {"directed": false, "directed": true}}',
         ["duplicate", "directed", "line 1"]),
        ("wrong type", {"graph": {"directed": "no"}, "features": ["degree"]}, ['"graph.directed" must be a boolean']),
        ("unknown feature", {"features": ["degree", "pagernak"]}, ['unknown feature "pagernak"', "features[1]"]),
        ("layer not in graph.layers", {"graph": {"layers": ["hierarchy"]},
                                       "features": [{"name": "degree", "layer": "relationships"}]},
         ['"features[0].layer"', '"relationships"', "graph.layers"]),
        ("two entries, one column", {"features": ["pagerank", {"name": "degree", "column": "pagerank"}]},
         ["features[0] and features[1]", 'column "pagerank"']),
        ("damping out of range", {"features": [{"name": "pagerank", "damping": 1.5}]},
         ['"features[0].damping"', "1.5"]),
        ("negative damping", {"features": [{"name": "pagerank", "damping": -0.1}]}, ['"features[0].damping"']),
        ("bad on_dangling", {"source": {"on_dangling": "ignore"}, "features": ["degree"]}, ['"source.on_dangling"']),
        # device_id and run_id are the table's own columns: a feature cannot write them.
        ("column run_id", {"features": ["degree", {"name": "pagerank", "column": "run_id"}]},
         ['"features[1].column"', "run_id"]),
        ("column device_id", {"features": [{"name": "degree", "column": "device_id"}]},
         ['"features[0].column"', "device_id"]),
        ("not JSON", '{"features": ["degree"],}', ["could not parse job spec"]),
    ]
    for label, spec, needles in cases:
        expect_failure(db, f"spec: {label}", spec, 1, needles, baseline, run_row=False, validate=True)


def foreign_output_table(db, baseline):
    db.execute("CREATE TABLE public.user_table (device_id text PRIMARY KEY, note text, score int);"
               "INSERT INTO public.user_table VALUES ('dev-00001', 'keep me', 7), ('x', 'and me', 8);"
               "COMMENT ON COLUMN public.user_table.note IS 'user comment'")
    for table in ("public.user_table", "twin.devices"):
        state = table_state(db, table)
        expect_failure(db, f"output table {table} not created by twingraph",
                       dict(GOOD, output={"table": table}), 1,
                       [f'"{table}" exists and was not created by twingraph', "output.table"], baseline,
                       run_row=False)  # refused by the pre-flight check, before a run is recorded
        check(table_state(db, table) == state, f"{table} was modified by a refused run")


def odd_identifiers(db, baseline_features):
    rel_view = '"My Schema"."Rel\'s ""View"""'           # SQL for: My Schema . Rel's "View"
    out_table = '"My Schema"."Feature\'s ""Table"""'      # SQL for: My Schema . Feature's "Table"
    db.execute('CREATE SCHEMA "My Schema";'
               'CREATE VIEW "My Schema"."Weird View" AS SELECT * FROM twin.devices;'
               f"CREATE VIEW {rel_view} AS SELECT * FROM twin.relationships")
    spec = dict(GOOD, source={"devices": "My Schema.Weird View", "relationships": "My Schema.Rel's \"View\""},
                output={"table": "My Schema.Feature's \"Table\"", "runs": "My Schema.run log"})
    proc = run_job(db, spec, check=False)
    check(proc.returncode == 0, f"odd identifiers: exit {proc.returncode}\n{proc.stderr}")
    if proc.returncode == 0:
        got = db.features(out_table)
        for row in got.values():
            row.pop("run_id")
        check(got == baseline_features, "odd identifiers: features differ from the same data read from twin.devices")
        status = db.query('SELECT status, spec FROM "My Schema"."run log"')
        check(status == [("succeeded", spec)], f"odd identifiers: runs table {status}")
        comment = db.query("SELECT obj_description(%s::regclass)", (out_table,))[0][0]
        check("My Schema.Weird View" in comment, f"odd identifiers: table comment {comment!r}")

    n_devices = db.query("SELECT count(*) FROM twin.devices")[0][0]
    hostile = ["features.x; DROP TABLE twin.devices; --",
               "features.x; DROP SCHEMA twin CASCADE; --",
               'features.x"; DROP SCHEMA twin CASCADE; --',
               "features.x'); DROP SCHEMA twin CASCADE; --",
               'features"; DROP SCHEMA twin CASCADE; --.t']
    for name in hostile:
        proc = run_job(db, dict(GOOD, output={"table": name}), check=False)
        check(proc.returncode in (0, 1), f"hostile output name {name!r}: exit {proc.returncode}\n{proc.stderr}")
        check("WARNING:" not in proc.stderr, f"hostile output name {name!r}: stray server warning:\n{proc.stderr}")
        if proc.returncode == 1:
            check(name in proc.stderr, f"hostile output name {name!r}: error does not name it:\n{proc.stderr}")
        else:
            schema, _, table = name.partition(".")
            rows = db.query("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                            " WHERE n.nspname = %s AND c.relname = %s", (schema, table))
            check(rows == [(1,)], f"hostile output name {name!r}: no table with that literal name")
        check(db.query("SELECT count(*) FROM twin.devices")[0][0] == n_devices,
              f"hostile output name {name!r}: twin.devices damaged")
    for name in ["twin.devices; DROP TABLE twin.relationships", "twin.devices WHERE false --"]:
        proc = run_job(db, dict(GOOD, source={"devices": name}), check=False)
        check(proc.returncode in (1, 3) and name in proc.stderr, f"hostile source name {name!r}: exit {proc.returncode}\n{proc.stderr}")
    check(db.query("SELECT to_regclass('twin.relationships') IS NOT NULL")[0][0], "twin.relationships was dropped")


def main():
    devices, relationships = generate(N_TWINS, seed=11)
    with Database("badinput") as db:
        db.load(devices, relationships)
        run_job(db, GOOD)
        baseline = table_state(db)
        baseline_features = db.features()
        for row in baseline_features.values():
            row.pop("run_id")
        check(len(baseline["rows"]) == N_TWINS, f"baseline has {len(baseline['rows'])} rows")
        data_errors(db, baseline)
        spec_errors(db, baseline)
        foreign_output_table(db, baseline)
        odd_identifiers(db, baseline_features)
        check(table_state(db) == baseline, "the feature table changed during the test")
    tally.report("bad_input")


if __name__ == "__main__":
    main()
