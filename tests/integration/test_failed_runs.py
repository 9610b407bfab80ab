"""Failed and killed runs leave the previous features untouched, and the runs table tells the story.

(a) A first run killed before COMMIT leaves no output table. A run killed just before COMMIT (TWINGRAPH_FAULT=before_commit, the process SIGKILLs itself
    after writing everything) leaves the feature table byte-identical - rows, physical row
    versions, columns, comments - and its runs row 'running'. The next run marks it 'failed'
    with an error starting 'abandoned', and is not blocked by the dead run's lock.
(b) A run that fails on bad data (a relationship naming no twin) exits 1, leaves the features
    identical, and its runs row is 'failed' with the error text that stderr shows.
(c) Lineage of succeeded runs: finished_at >= started_at, stage_seconds has read/build/compute/
    write, layers has per-layer vertices/edges, versions non-empty and right, spec equals the job
    file's JSON, twin_count, output_table, and the feature table's run_id is the newest run.
(d) A run that is alive (waiting for a lock) is not marked abandoned by another run starting.
"""
import json
import subprocess
import time

from twintest import Database, Tally, run_job, run_twingraph, start_job, table_state, twingraph_binary, write_job
from twingen import generate

N_TWINS = 500
TABLE = "features.device_features"
SPEC_A = {"features": ["degree", "pagerank", "component"]}
SPEC_B = {"source": {"devices": "twin.devices", "relationships": "twin.relationships", "on_dangling": "error"},
          "graph": {"directed": False, "simplify": True, "layers": ["hierarchy", "relationships"]},
          "features": ["degree", {"name": "pagerank", "layer": "relationships", "damping": 0.8},
                       "component", {"name": "degree", "layer": "relationships"}],
          "output": {"table": TABLE, "runs": "features.runs"}}

tally = Tally()
check = tally.check


def run_row(db, run_id):
    rows = db.query("SELECT status, error, started_at, finished_at, spec FROM features.runs WHERE run_id = %s",
                    (run_id,))
    return rows[0] if rows else None


def newest_run(db):
    return db.query("SELECT max(run_id) FROM features.runs")[0][0]


def wait_backend_gone(db, run_id):
    """The server notices a killed client when it reads from the socket; a run can only be
    recognised as abandoned once its backend has exited, so wait for that (normally at once)."""
    pid = db.query("SELECT backend_pid FROM features.runs WHERE run_id = %s", (run_id,))[0][0]
    deadline = time.monotonic() + 10
    while db.query("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)) and time.monotonic() < deadline:
        time.sleep(0.02)
    check(not db.query("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)),
          f"(a) backend {pid} of killed run {run_id} still alive after 10 s")


def part_a(db):
    # A killed first run leaves no table behind (CREATE TABLE is part of the transaction).
    first = dict(SPEC_A, output={"table": "features.first_table"})
    proc = run_job(db, first, env_extra={"TWINGRAPH_FAULT": "before_commit"}, check=False)
    check(proc.returncode == -9, f"(a) killed first run returned {proc.returncode}, want -9\n{proc.stderr}")
    check(db.query("SELECT to_regclass('features.first_table')") == [(None,)],
          "(a) a killed first run left its output table behind")
    wait_backend_gone(db, newest_run(db))

    run_job(db, SPEC_A)
    before = table_state(db)
    check(len(before["rows"]) == N_TWINS, f"(a) {len(before['rows'])} rows before, want {N_TWINS}")
    killed_runs = []
    for spec, label in [(SPEC_B, "column-adding spec"), (SPEC_A, "same spec")]:
        proc = run_job(db, spec, env_extra={"TWINGRAPH_FAULT": "before_commit"}, check=False)
        check(proc.returncode == -9, f"(a) {label}: killed run returned {proc.returncode}, want -9\n{proc.stderr}")
        check("TWINGRAPH_FAULT=before_commit" in proc.stderr, f"(a) {label}: no fault message on stderr: {proc.stderr}")
        killed = newest_run(db)
        killed_runs.append(killed)
        wait_backend_gone(db, killed)
        after = table_state(db)
        check(after["rows"] == before["rows"], f"(a) {label}: rows changed by a killed run")
        check(after["columns"] == before["columns"],
              f"(a) {label}: columns changed by a killed run: {before['columns']} -> {after['columns']}")
        check(after["comment"] == before["comment"], f"(a) {label}: table comment changed by a killed run")
        row = run_row(db, killed)
        check(row is not None and row[0] == "running" and row[1] is None and row[3] is None,
              f"(a) {label}: killed run {killed} row is {row}, want status 'running', no error, no finished_at")
    # Every run starting marks the dead runs before it: the second killed run marked the first.
    running = [r[0] for r in db.query("SELECT run_id FROM features.runs WHERE status = 'running'")]
    check(running == killed_runs[1:], f"(a) 'running' rows after two killed runs: {running}, want {killed_runs[1:]}")

    # The next run finishes (the dead run's locks are gone) and marks the last killed run abandoned.
    t0 = time.monotonic()
    proc = subprocess.run([twingraph_binary(), "run", write_job(SPEC_A), "--db", db.conninfo],
                          capture_output=True, text=True, timeout=60)
    check(proc.returncode == 0, f"(a) run after the killed ones: exit {proc.returncode}\n{proc.stderr}")
    check(time.monotonic() - t0 < 20, "(a) run after a killed run took too long (waiting on a dead lock?)")
    for killed in killed_runs:
        row = run_row(db, killed)
        check(row[0] == "failed", f"(a) killed run {killed} has status {row[0]!r} after the next run, want 'failed'")
        check((row[1] or "").startswith("abandoned"), f"(a) killed run {killed} error {row[1]!r}, want 'abandoned...'")
        check(row[3] is not None and row[3] >= row[2], f"(a) killed run {killed}: finished_at {row[3]} started_at {row[2]}")
    newest = newest_run(db)
    check(run_row(db, newest)[0] == "succeeded", f"(a) the run after the killed ones: {run_row(db, newest)}")
    ids = db.query(f"SELECT DISTINCT run_id FROM {TABLE}")
    check(ids == [(newest,)], f"(a) feature table has run_ids {ids}, want [{newest}]")


def part_b(db):
    run_job(db, SPEC_A)
    good = newest_run(db)
    before = table_state(db)
    db.execute("INSERT INTO twin.relationships (source_id, target_id, kind) VALUES ('dev-00001', 'ghost-7', 'feeds')")
    try:
        for spec, label in [(SPEC_A, "same spec"), (SPEC_B, "column-adding spec")]:
            proc = run_job(db, spec, check=False)
            check(proc.returncode == 1, f"(b) {label}: dangling relationship: exit {proc.returncode}, want 1\n{proc.stderr}")
            error_line = next((l for l in proc.stderr.splitlines() if l.startswith("twingraph: error: ")), "")
            check("1 relationship names no known twin" in error_line, f"(b) {label}: error line {error_line!r}")
            check('target_id "ghost-7"' in proc.stderr, f"(b) {label}: stderr does not name the missing id:\n{proc.stderr}")
            check(table_state(db) == before, f"(b) {label}: the failed run changed the feature table")
            failed = newest_run(db)
            row = run_row(db, failed)
            check(failed != good and row[0] == "failed", f"(b) {label}: run {failed} row {row}, want 'failed'")
            # runs.error is the primary message, then the DETAIL that names the offending rows,
            # then the HINT, as on stderr.
            message, _, detail = (row[1] or "").partition("\nDETAIL: ")
            hint_shown = next((l[len("HINT:"):].strip() for l in proc.stderr.splitlines() if l.startswith("HINT:")), None)
            check(hint_shown is None or ("\nHINT: " + hint_shown) in row[1],
                  f"(b) {label}: runs.error does not keep the hint {hint_shown!r}: {row[1]!r}")
            check(message and message in error_line, f"(b) {label}: runs.error {row[1]!r} is not the error shown: {error_line!r}")
            check('target_id "ghost-7"' in detail, f"(b) {label}: runs.error does not keep the detail: {row[1]!r}")
            check(row[3] is not None and row[3] >= row[2], f"(b) {label}: finished_at {row[3]} < started_at {row[2]}")
        check(db.query(f"SELECT DISTINCT run_id FROM {TABLE}") == [(good,)], "(b) feature table's run_id changed")
    finally:
        db.execute("DELETE FROM twin.relationships WHERE target_id = 'ghost-7'")


def part_c(db):
    job_text = json.dumps(SPEC_B, indent=2)  # whitespace and key order as a user might write it
    job = write_job(job_text)
    run_twingraph(["run", job], db=db)
    run_id = newest_run(db)
    version = run_twingraph(["--version"]).stdout.split()  # twingraph X (igraph Y, ...
    server_version = db.query("SHOW server_version")[0][0]
    rows = db.query("SELECT run_id, started_at, finished_at, status, output_table, spec, twin_count, layers,"
                    " stage_seconds, twingraph_version, igraph_version, postgres_version, backend_pid, error"
                    " FROM features.runs WHERE status = 'succeeded' ORDER BY run_id")
    check(len(rows) >= 4, f"(c) only {len(rows)} succeeded runs")
    for (rid, started, finished, status, output, spec, twin_count, layers, stages, tg_version, ig_version,
         pg_version, pid, error) in rows:
        where = f"(c) run {rid}"
        check(finished is not None and finished >= started, f"{where}: finished_at {finished} < started_at {started}")
        check(output == TABLE, f"{where}: output_table {output!r}")
        check(twin_count == N_TWINS, f"{where}: twin_count {twin_count}")
        check(error is None, f"{where}: error {error!r} on a succeeded run")
        check(isinstance(pid, int) and pid > 0, f"{where}: backend_pid {pid!r}")
        check(isinstance(stages, dict) and set(stages) == {"read", "build", "compute", "write"},
              f"{where}: stage_seconds {stages}")
        if isinstance(stages, dict):
            check(all(isinstance(v, (int, float)) and v >= 0 for v in stages.values()), f"{where}: stage_seconds {stages}")
            wall = (finished - started).total_seconds()
            check(sum(stages.values()) <= wall + 0.05, f"{where}: stages sum {sum(stages.values())} > wall {wall}")
        check(isinstance(layers, dict), f"{where}: layers {layers!r}")
        for name in ("hierarchy", "relationships", "union"):
            layer = (layers or {}).get(name)
            check(isinstance(layer, dict) and layer.get("vertices") == N_TWINS and isinstance(layer.get("edges"), int)
                  and layer["edges"] >= 0, f"{where}: layers.{name} = {layer}")
        if isinstance(layers, dict) and all(isinstance(layers.get(n), dict) for n in ("hierarchy", "union")):
            check(layers["hierarchy"]["edges"] == N_TWINS - 1, f"{where}: hierarchy edges {layers['hierarchy']}")
            check(layers["union"]["edges"] <= layers["hierarchy"]["edges"] + layers["relationships"]["edges"],
                  f"{where}: union has more edges than its layers: {layers}")
        inp = (layers or {}).get("input", {})
        check(inp.get("twins") == N_TWINS and inp.get("dropped_parents") == 0 and inp.get("dropped_relationships") == 0,
              f"{where}: layers.input = {inp}")
        check(tg_version and tg_version == version[1], f"{where}: twingraph_version {tg_version!r}, --version says {version[1]}")
        check(ig_version and ig_version == version[3].rstrip(","), f"{where}: igraph_version {ig_version!r}, --version says {version[3]}")
        check(pg_version == server_version, f"{where}: postgres_version {pg_version!r}, want {server_version!r}")
    spec = db.query("SELECT spec FROM features.runs WHERE run_id = %s", (run_id,))[0][0]
    check(spec == json.loads(job_text), f"(c) spec jsonb {spec} differs from the job file {job_text}")
    # The same in SQL, where jsonb compares numbers exactly: "damping": 0.8 must be stored as 0.8.
    same, stored = db.query("SELECT spec = %s::jsonb, spec::text FROM features.runs WHERE run_id = %s",
                            (job_text, run_id))[0]
    check(same, f"(c) runs.spec is not the job file's JSON in SQL: stored {stored}")
    spec_a = db.query("SELECT spec FROM features.runs WHERE status = 'succeeded' ORDER BY run_id LIMIT 1")[0][0]
    check(spec_a == SPEC_A, f"(c) first run's spec {spec_a}, want {SPEC_A}")
    check(db.query(f"SELECT DISTINCT run_id FROM {TABLE}") == [(run_id,)], "(c) feature table's run_id is not the newest run")
    comment = db.query("SELECT col_description(%s::regclass, 2)", (TABLE,))[0][0] or ""
    check(f"here {run_id}" in comment, f"(c) run_id column comment does not name run {run_id}: {comment!r}")
    for rid, started, finished, error in db.query("SELECT run_id, started_at, finished_at, error FROM features.runs"
                                                  " WHERE status = 'failed'"):
        check(error and finished is not None and finished >= started, f"(c) failed run {rid}: {error!r} {started} {finished}")


def part_d(db):
    """A live run waiting for a lock is not 'abandoned' by another run that starts meanwhile."""
    run_job(db, SPEC_A)
    reader = db.connect()
    with reader.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {TABLE}")  # holds AccessShareLock until rollback
    proc = start_job(db, SPEC_B)
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and proc.poll() is None and not db.query(
                "SELECT 1 FROM pg_stat_activity WHERE application_name = 'twingraph' AND wait_event_type = 'Lock'"
                " AND datname = current_database()"):
            time.sleep(0.05)
        waiting_run = newest_run(db)
        check(proc.poll() is None and run_row(db, waiting_run)[0] == "running",
              f"(d) the column-adding run should be waiting for the reader: exit {proc.poll()}, row {run_row(db, waiting_run)}")
        other = dict(SPEC_A, output={"table": "features.other_table"})
        run_job(db, other)
        check(run_row(db, waiting_run)[0] == "running",
              f"(d) a live run was marked {run_row(db, waiting_run)[0]!r} by another run: {run_row(db, waiting_run)[1]!r}")
    finally:
        reader.rollback()
        reader.close()
    _, err = proc.communicate(timeout=60)
    check(proc.returncode == 0, f"(d) the waiting run: exit {proc.returncode}\n{err}")
    check(run_row(db, waiting_run)[0] == "succeeded", f"(d) the waiting run: {run_row(db, waiting_run)}")


def main():
    devices, relationships = generate(N_TWINS, seed=5)
    with Database("failed") as db:
        db.load(devices, relationships)
        part_a(db)
        part_b(db)
        part_c(db)
        part_d(db)
    tally.report("failed_runs")


if __name__ == "__main__":
    main()
