"""Feature history: "output": {"history": {"keep_runs": N} | {"keep_days": D}} keeps older runs'
features; <table>_history shows every kept run's rows and <table>_as_of(t) the rows of the latest
run that succeeded at or before t, with the current columns (NULL where that run wrote none).
Point in time: each run's rows are compared with the reader view's rows right after that run.
Also: runs beyond the window are pruned and as_of says so; history off drops the view and
function; only roles that may read the table may call as_of; a function of another owner in
its place fails the run with nothing written; bad history settings are spec errors."""
import time

import psycopg2

from twingen import generate
from twintest import Database, Tally, run_job, run_twingraph, table_state, write_job

tally = Tally()
check = tally.check


def spec(features, history=None, table="features.device_features"):
    output = {"table": table}
    if history is not None:
        output["history"] = history
    return {"graph": {"layers": ["hierarchy", "relationships"]}, "features": features, "output": output}


def view_rows(db, table="features.device_features"):
    return sorted(db.query(f"SELECT * FROM {table}"), key=lambda r: r[0])


def as_of(db, t, table="features.device_features"):
    return sorted(db.query(f"SELECT * FROM {table}_as_of(%s)", (t,)), key=lambda r: r[0])


def now(db):
    return db.query("SELECT clock_timestamp()")[0][0]


def denied(conn, sql, what):
    """Checks that sql fails for lack of privilege on conn."""
    with conn.cursor() as cur:
        try:
            cur.execute(sql)
            check(False, what)
        except psycopg2.errors.InsufficientPrivilege:
            check(True, "")
        conn.rollback()


with Database("history") as db:
    before_any = now(db)
    snapshots = []  # (time right after the run, the view's rows then, run_id)
    for i, features in enumerate((["degree"], ["degree"], ["degree", "pagerank"], ["degree", "pagerank"])):
        db.load(*generate(400 + 100 * i, seed=i + 1))
        run_job(db, spec(features, {"keep_runs": 3}))
        rows = view_rows(db)
        snapshots.append((now(db), rows, rows[0][1]))
        time.sleep(0.05)
    runs = [s[2] for s in snapshots]
    # The current columns are degree, pagerank: runs 1 and 2 did not write pagerank.
    for t, rows, run_id in snapshots[1:]:
        got = as_of(db, t)
        want = [r + (None,) if len(r) == 3 else r for r in rows]
        check(got == want, f"as_of(after run {run_id}): {len(got)} rows, want {len(want)} (first {got[:1]} vs {want[:1]})")
    check(all(r[3] is None for r in as_of(db, snapshots[1][0])), "run 2 wrote no pagerank: NULL in as_of")
    check(as_of(db, before_any) == [], "as_of before the first run: no rows")
    kept = [r for (r,) in db.query("SELECT DISTINCT run_id FROM features.device_features_history ORDER BY 1")]
    check(kept == runs[1:], f"history keeps the latest 3 runs: {kept}, want {runs[1:]}")
    try:
        as_of(db, snapshots[0][0])
        check(False, "as_of of a pruned run returned rows")
    except psycopg2.Error as e:
        check("no longer kept" in str(e) and str(runs[0]) in str(e), f"as_of of a pruned run: {e}")
    # Between two runs: the earlier one; exactly at a run's finish: that run.
    finished = db.query("SELECT finished_at FROM features.runs WHERE run_id = %s", (runs[2],))[0][0]
    check({r[1] for r in as_of(db, finished)} == {runs[2]}, "as_of(finished_at) is that run")

    # keep_days keeps every recent run.
    run_job(db, spec(["degree", "pagerank"], {"keep_days": 1}))
    n_kept = db.query("SELECT count(DISTINCT run_id) FROM features.device_features_history")[0][0]
    check(n_kept == 4, f"keep_days 1 keeps the four runs still there: {n_kept}")

    # Privileges: a reader of the table may ask for its past, another role may not.
    db.execute("DROP ROLE IF EXISTS tg_hist_reader; DROP ROLE IF EXISTS tg_hist_other;"
               "CREATE ROLE tg_hist_reader; CREATE ROLE tg_hist_other;"
               "GRANT USAGE ON SCHEMA features TO tg_hist_reader, tg_hist_other;"
               "GRANT SELECT ON features.device_features TO tg_hist_reader")
    run_job(db, spec(["degree", "pagerank"], {"keep_runs": 3}))
    conn = db.connect()
    with conn.cursor() as cur:
        cur.execute("SET ROLE tg_hist_reader")
        cur.execute("SELECT count(*) FROM features.device_features_as_of(clock_timestamp())")
        check(cur.fetchone()[0] == 700, "the reader calls as_of")
        cur.execute("SELECT count(DISTINCT run_id) FROM features.device_features_history")
        check(cur.fetchone()[0] == 3, "the reader reads the history view")
        conn.rollback()
        cur.execute("SET ROLE tg_hist_other")
    denied(conn, "SELECT count(*) FROM features.device_features_as_of(clock_timestamp())",
           "a role without SELECT on the table called as_of")
    conn.close()

    # A revoke reaches the function at once (it checks the session's privilege at every call) and
    # the history view at the next run.
    db.execute("DROP ROLE IF EXISTS tg_hist_login; CREATE ROLE tg_hist_login LOGIN;"
               "GRANT USAGE ON SCHEMA features TO tg_hist_login;"
               "GRANT SELECT ON features.device_features TO tg_hist_login")
    run_job(db, spec(["degree", "pagerank"], {"keep_runs": 3}))
    db.execute("REVOKE SELECT ON features.device_features FROM tg_hist_login")
    login = psycopg2.connect(host=db.env["PGHOST"], port=db.env["PGPORT"], user="tg_hist_login", dbname=db.name)
    denied(login, "SELECT count(*) FROM features.device_features_as_of(clock_timestamp())",
           "a revoked login role still called as_of")
    run_job(db, spec(["degree", "pagerank"], {"keep_runs": 3}))
    denied(login, "SELECT count(*) FROM features.device_features_history",
           "a revoked login role still read the history view after the next run")
    login.close()

    # Views may be built on as_of and on the history view: runs with the same columns go on.
    db.execute("CREATE VIEW public.train_cutoff AS SELECT * FROM features.device_features_as_of('2030-01-01'::timestamptz);"
               "CREATE VIEW public.hist_count AS SELECT run_id, count(*) FROM features.device_features_history GROUP BY 1")
    proc = run_job(db, spec(["degree", "pagerank"], {"keep_runs": 3}), check=False)
    check(proc.returncode == 0, f"views on as_of and history: the next run failed: {proc.stderr[-500:]}")
    proc = run_job(db, spec(["degree"], {"keep_runs": 3}), check=False)
    check(proc.returncode == 3 and "HINT:" in proc.stderr and "drop them, run, and create them again" in proc.stderr,
          f"a column change under views on as_of: {proc.returncode} {proc.stderr[-500:]}")
    db.execute("DROP VIEW public.train_cutoff, public.hist_count")

    # An overload of as_of owned by another role would catch the documented call with a string.
    db.execute("CREATE FUNCTION features.device_features_as_of(t text) RETURNS int LANGUAGE sql AS 'SELECT 1';"
               "ALTER FUNCTION features.device_features_as_of(text) OWNER TO tg_hist_other")
    before = table_state(db)
    proc = run_job(db, spec(["degree", "pagerank"], {"keep_runs": 3}), check=False)
    check(proc.returncode == 3 and "device_features_as_of(text)" in proc.stderr and "tg_hist_other" in proc.stderr,
          f"foreign overload: exit {proc.returncode}: {proc.stderr[-400:]}")
    check(table_state(db) == before, "foreign overload: the table changed")
    db.execute("DROP FUNCTION features.device_features_as_of(text)")

    # A function of another owner where as_of goes: the run fails, nothing changes.
    db.execute("DROP FUNCTION features.device_features_as_of(timestamptz);"
               "CREATE FUNCTION features.device_features_as_of(t timestamptz) RETURNS int LANGUAGE sql AS 'SELECT 1';"
               "ALTER FUNCTION features.device_features_as_of(timestamptz) OWNER TO tg_hist_other")
    before = table_state(db)
    proc = run_job(db, spec(["degree", "pagerank"], {"keep_runs": 3}), check=False)
    check(proc.returncode == 3 and "belongs to role tg_hist_other" in proc.stderr,
          f"foreign as_of: exit {proc.returncode}: {proc.stderr[-400:]}")
    check(table_state(db) == before, "foreign as_of: the table changed")
    db.execute("DROP FUNCTION features.device_features_as_of(timestamptz)")

    # History off: the view and the function go, old runs are pruned.
    run_job(db, spec(["degree", "pagerank"]))
    left = db.query("SELECT to_regclass('features.device_features_history'),"
                    " to_regprocedure('features.device_features_as_of(timestamptz)')")[0]
    check(left == (None, None), f"history off: {left} left")

    # Spec errors name the key.
    for bad, words in (({}, "needs \"keep_runs\" or \"keep_days\""), ({"keep_runs": 0}, "output.history.keep_runs"),
                       ({"keep_days": -1}, "output.history.keep_days"), ({"keep": 3}, "output.history"),
                       (3, "output.history")):
        proc = run_twingraph(["validate", write_job(spec(["degree"], bad))], check=False)
        check(proc.returncode == 1 and words in proc.stderr, f"history {bad}: {proc.returncode} {proc.stderr[-300:]}")
    long_name = "features." + "t" * 60
    proc = run_twingraph(["validate", write_job(spec(["degree"], {"keep_runs": 2}, long_name))], check=False)
    check(proc.returncode == 1 and "63 bytes" in proc.stderr, f"long table name: {proc.stderr[-300:]}")
    db.execute("REVOKE ALL ON SCHEMA features FROM tg_hist_reader, tg_hist_other, tg_hist_login;"
               "REVOKE ALL ON ALL TABLES IN SCHEMA features FROM tg_hist_reader, tg_hist_other, tg_hist_login;"
               "DROP ROLE tg_hist_reader; DROP ROLE tg_hist_other; DROP ROLE tg_hist_login")

tally.report("history")
