"""Atomic replacement of the feature table under concurrent readers.

twingraph replaces the feature table in ONE transaction (advisory lock, the run's own partition
filled with COPY FREEZE and attached, a new generation and view when the columns change, comments,
runs row -> 'succeeded', COMMIT); the table is a view that picks the latest succeeded run in the
reader's own snapshot. This test checks what a reader can observe.

What is asserted, and why:

* READ COMMITTED readers (each read is one statement, so one snapshot): every read sees exactly
  the rows of one succeeded run: count == number of twins, a single run_id, that run is
  'succeeded' and is the newest succeeded run in the same snapshot (or, when the statement was
  planned just before that run attached its partition, the run before it) - the one that committed
  last, by finished_at (feature table and runs row commit together), the column set is exactly that run's columns, no NULL anywhere,
  sum(pagerank) == 1, and the content equals what the writer read back after that run.

* REPEATABLE READ readers take their snapshot first (a read of features.runs), sleep, and only
  then read the feature table, so their snapshot often predates one or more committed runs.
  The view then shows the OLD run's rows (the newer runs are not committed in that snapshot)
  under the CURRENT column list (catalog lookups are not MVCC-snapshot based). Consequences, all
  asserted:
    - row count, single run_id, 'succeeded' and newest-in-snapshot hold exactly as above;
    - the columns both specs write (degree, pagerank, coreness, component_*) are never NULL and
      equal the old run's content;
    - the optional column degree_relationships (written by spec B only) may be present but
      entirely NULL: a column added after the snapshot has no value in the old rows. It is never
      partly NULL, and never non-NULL for a run of spec A;
    - a column of the old run that a later run dropped is simply absent.
  These are the only deviations allowed, and only at REPEATABLE READ.

* Deterministic versions of the above (snapshot before a column-adding run, before a
  column-dropping run), a same-columns run that does not wait for a reader holding a lock on the
  table, and a column-changing run that waits for such a reader instead of changing its view.

* Writers started at the same moment on one table take turns and leave the last committer's
  complete content; concurrent first runs into different tables of a new schema all succeed.

* A demonstration, in plain SQL, that build-then-rename (and TRUNCATE + INSERT) are NOT safe at
  REPEATABLE READ: a snapshot older than the swap sees an EMPTY table. This is why the engine
  picks the run through the reader's own snapshot instead.
"""
import hashlib
import math
import random
import subprocess
import threading
import time


from twintest import Database, Tally, run_job, start_job, wait_job
from twingen import generate

N_TWINS = 3000
TABLE = "features.device_features"
BASE = ["degree", "pagerank", "coreness", "component_id", "component_size"]
OPTIONAL = "degree_relationships"
SPEC_A = {"features": ["degree", "pagerank", "coreness", "component"]}
SPEC_B = {"features": ["degree", "pagerank", "coreness", "component",
                       {"name": "degree", "layer": "relationships"}]}
COLUMNS = {"A": set(BASE), "B": set(BASE) | {OPTIONAL}}

# One statement, so one snapshot even at READ COMMITTED: the rows, plus the status of their run
# and the newest succeeded run (the one that committed last), both as seen by that same snapshot.
# "Newest" is by finished_at, not run_id: run ids are handed out when runs start, and runs started
# together commit in the order they get the output table's lock (see concurrent_writers).
READ_SQL = f"""
SELECT f.*, r.status AS _status, r.latest AS _latest
FROM {TABLE} f
LEFT JOIN (SELECT run_id, status,
                  first_value(run_id) OVER (ORDER BY status = 'succeeded' AND output_table = '{TABLE}' DESC,
                                            finished_at DESC NULLS LAST) AS latest
           FROM features.runs) r USING (run_id)
"""
LATEST_SQL = (f"SELECT run_id FROM features.runs WHERE status = 'succeeded' AND output_table = '{TABLE}'"
              " ORDER BY finished_at DESC LIMIT 1")

tally = Tally()
check = tally.check


def digest(rows, names, columns):
    """Hash of (device_id, columns...) over all rows, independent of row order."""
    idx = [names.index(c) for c in ["device_id"] + columns]
    data = sorted(tuple(row[i] for i in idx) for row in rows)
    return hashlib.sha1(repr(data).encode()).hexdigest()


def read_table(cur):
    """Runs READ_SQL; returns (feature column names, rows, status, latest) with the helper
    columns split off."""
    cur.execute(READ_SQL)
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    cut = names.index("_status")
    status = {row[cut] for row in rows}
    latest = {row[cut + 1] for row in rows}
    return names[:cut], [row[:cut] for row in rows], status, latest


PLANNED_BEFORE_ATTACH = []


def inspect(label, names, rows, status, latest, level, snapshot_latest=None):
    """Checks one read; returns a record for the cross-check against the writer's content."""
    where = f"{label} ({level})"
    if not check(len(rows) == N_TWINS, f"{where}: {len(rows)} rows, want {N_TWINS}"):
        return None
    run_ids = {row[names.index("run_id")] for row in rows}
    if not check(len(run_ids) == 1, f"{where}: several run_ids in one read: {sorted(run_ids)}"):
        return None
    run_id = run_ids.pop()
    check(status == {"succeeded"}, f"{where}: run {run_id} has status {status} in the same snapshot")
    if level == "READ COMMITTED" and latest and run_id < min(latest):
        # The statement was planned before the newest run attached its partition and executed
        # with a snapshot in which that run had succeeded: the view then shows the previous run,
        # whole (the only deviation allowed at READ COMMITTED; counted and printed below).
        PLANNED_BEFORE_ATTACH.append(run_id)
    else:
        check(latest == {run_id}, f"{where}: rows of run {run_id}, but newest succeeded run in the same snapshot is {latest}")
    if snapshot_latest is not None:
        check(snapshot_latest == run_id, f"{where}: snapshot's newest run {snapshot_latest}, rows of run {run_id}")
    feature_cols = [n for n in names if n not in ("device_id", "run_id")]
    nulls = {c: sum(1 for row in rows if row[names.index(c)] is None) for c in feature_cols}
    for c in BASE:
        if check(c in names, f"{where}: column {c} missing (run {run_id})"):
            check(nulls[c] == 0, f"{where}: {nulls[c]} NULLs in {c} (run {run_id})")
    check(all(row[names.index("device_id")] is not None for row in rows), f"{where}: NULL device_id")
    if "pagerank" in names and nulls.get("pagerank") == 0:
        total = math.fsum(row[names.index("pagerank")] for row in rows)
        check(abs(total - 1.0) < 1e-9, f"{where}: sum(pagerank) = {total!r} (run {run_id})")
    extra = set(feature_cols) - COLUMNS["B"]
    check(not extra, f"{where}: unexpected columns {extra}")
    optional_state = None
    if OPTIONAL in names:
        optional_state = "null" if nulls[OPTIONAL] == len(rows) else "values" if nulls[OPTIONAL] == 0 else "partial"
        check(optional_state != "partial",
              f"{where}: {nulls[OPTIONAL]} of {len(rows)} NULLs in {OPTIONAL} (run {run_id})")
        if level == "READ COMMITTED":
            check(optional_state == "values", f"{where}: {OPTIONAL} all NULL at READ COMMITTED (run {run_id})")
    base_digest = digest(rows, names, BASE) if all(c in names for c in BASE) else None
    full_digest = digest(rows, names, BASE + [OPTIONAL]) if optional_state == "values" else None
    return {"where": where, "run_id": run_id, "columns": set(feature_cols), "optional": optional_state,
            "base": base_digest, "full": full_digest, "level": level}


class Writer:
    """Runs jobs one at a time and records, per run, the spec and the committed content."""

    def __init__(self, db):
        self.db = db
        self.runs = {}  # run_id -> {"spec": "A"/"B", "base": digest, "full": digest or None}

    def run(self, which, **kwargs):
        proc = run_job(self.db, SPEC_A if which == "A" else SPEC_B, **kwargs)
        run_id = self.db.query(LATEST_SQL)[0][0]
        with self.db.conn.cursor() as cur:
            names, rows, status, latest = read_table(cur)
        record = inspect(f"writer after run {run_id}", names, rows, status, latest, "READ COMMITTED")
        if record:
            check(record["run_id"] == run_id, f"writer: table has run {record['run_id']}, want {run_id}")
            check(record["columns"] == COLUMNS[which], f"writer: run {run_id} columns {record['columns']}, want spec {which}")
            self.runs[run_id] = {"spec": which, "base": record["base"], "full": record["full"]}
        return run_id, proc

    def mutate(self, rng, devices, n=40):
        """Replaces n random relationships so every run computes different values (same twins)."""
        ids = [d[0] for d in devices if d[0].startswith("dev-")]
        with self.db.conn.cursor() as cur:
            cur.execute("BEGIN")
            cur.execute("DELETE FROM twin.relationships WHERE ctid IN "
                        "(SELECT ctid FROM twin.relationships ORDER BY random() LIMIT %s)", (n,))
            cur.executemany("INSERT INTO twin.relationships (source_id, target_id, kind) VALUES (%s, %s, 'feeds')",
                            [(rng.choice(ids), rng.choice(ids)) for _ in range(n)])
            cur.execute("COMMIT")


def verify_against_writer(record, writer):
    """A reader's content must be exactly what the writer committed for that run."""
    if record is None:
        return
    run = writer.runs.get(record["run_id"])
    if not check(run is not None, f"{record['where']}: saw run {record['run_id']}, which the writer did not record"):
        return
    check(record["base"] == run["base"], f"{record['where']}: content of run {record['run_id']} differs from what was committed")
    wrote_optional = run["spec"] == "B"
    if record["optional"] == "values":
        check(wrote_optional, f"{record['where']}: {OPTIONAL} has values, but run {record['run_id']} (spec A) did not write it")
        check(record["full"] == run["full"], f"{record['where']}: {OPTIONAL} of run {record['run_id']} differs")
    if record["level"] == "READ COMMITTED":
        check(record["columns"] == COLUMNS[run["spec"]],
              f"{record['where']}: columns {sorted(record['columns'])} for run {record['run_id']} of spec {run['spec']}")


def rr_begin(conn):
    """Starts a REPEATABLE READ transaction and takes its snapshot; returns the newest succeeded run."""
    with conn.cursor() as cur:
        cur.execute(LATEST_SQL)
        return cur.fetchone()[0]


def rr_connect(db):
    conn = db.connect()
    conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
    return conn


# --- deterministic scenarios ------------------------------------------------------------------

def snapshot_before_column_add(db, writer):
    """A snapshot taken under spec A, a spec-B run commits, then the snapshot reads the table."""
    old, _ = writer.run("A")
    conn = rr_connect(db)
    snap = rr_begin(conn)
    check(snap == old, f"add: snapshot's newest run {snap}, want {old}")
    new, _ = writer.run("B")  # must not wait: the reader holds no lock on the feature table yet
    with conn.cursor() as cur:
        record = inspect("add: old snapshot after a column-adding run", *read_table(cur), "REPEATABLE READ", snap)
    conn.rollback()
    if record:
        check(record["run_id"] == old, f"add: old snapshot saw run {record['run_id']}, want {old}")
        check(record["optional"] == "null",
              f"add: old snapshot should see the newly added {OPTIONAL} as NULL, got {record['optional']}")
        verify_against_writer(record, writer)
    with conn.cursor() as cur:
        record = inspect("add: new snapshot", *read_table(cur), "REPEATABLE READ")
    conn.rollback()
    conn.close()
    if record:
        check(record["run_id"] == new and record["optional"] == "values", f"add: new snapshot saw {record}")
        verify_against_writer(record, writer)


def snapshot_before_column_drop(db, writer):
    """A snapshot taken under spec B, a spec-A run drops degree_relationships, then the read."""
    old, _ = writer.run("B")
    conn = rr_connect(db)
    snap = rr_begin(conn)
    writer.run("A")
    with conn.cursor() as cur:
        record = inspect("drop: old snapshot after a column-dropping run", *read_table(cur), "REPEATABLE READ", snap)
    conn.rollback()
    conn.close()
    if record:
        check(record["run_id"] == old, f"drop: old snapshot saw run {record['run_id']}, want {old}")
        check(OPTIONAL not in record["columns"], f"drop: {OPTIONAL} still visible after it was dropped")
        verify_against_writer(record, writer)


def same_columns_run_does_not_wait(db, writer):
    """A reader in the middle of a transaction that has read the table (AccessShareLock held) does
    not hold up a run with the same columns (a new partition attached under SHARE UPDATE EXCLUSIVE),
    and keeps its view."""
    old, _ = writer.run("A")
    conn = rr_connect(db)
    with conn.cursor() as cur:
        first = inspect("lock: reader before", *read_table(cur), "REPEATABLE READ")
    t0 = time.monotonic()
    proc = start_job(db, SPEC_A)
    err = wait_job(proc)
    check(proc.returncode == 0, f"lock: same-columns run while a reader holds the table: exit {proc.returncode}\n{err}")
    check(time.monotonic() - t0 < 10, f"lock: same-columns run took {time.monotonic() - t0:.1f} s (waited for the reader?)")
    with conn.cursor() as cur:
        again = inspect("lock: reader after", *read_table(cur), "REPEATABLE READ")
    conn.rollback()
    conn.close()
    if first and again:
        check(first["run_id"] == again["run_id"] == old and first["base"] == again["base"],
              "lock: a REPEATABLE READ reader's view changed inside its transaction")
    # Record the new run's content for later cross-checks.
    new = db.query(LATEST_SQL)[0][0]
    with db.conn.cursor() as cur:
        rec = inspect("lock: after", *read_table(cur), "READ COMMITTED")
    if rec:
        writer.runs[new] = {"spec": "A", "base": rec["base"], "full": None}


def column_change_waits_for_reader(db, writer):
    """A run that adds a column replaces the view (AccessExclusiveLock, tried under a short
    lock_timeout and retried): it waits for a reader that holds the table, and the reader's view
    does not change meanwhile."""
    old, _ = writer.run("A")
    conn = rr_connect(db)
    with conn.cursor() as cur:
        first = inspect("wait: reader before", *read_table(cur), "REPEATABLE READ")
    proc = start_job(db, SPEC_B)
    waiting = False
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and proc.poll() is None:
        rows = db.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'twingraph'"
                        " AND datname = current_database()"
                        " AND wait_event_type = 'Lock'")
        if rows[0][0]:
            waiting = True
            break
        time.sleep(0.05)
    check(waiting, f"wait: the column-adding run did not wait for the reader (exit {proc.poll()})")
    with conn.cursor() as cur:
        again = inspect("wait: reader while the writer waits", *read_table(cur), "REPEATABLE READ")
    conn.rollback()  # releases the lock; the writer proceeds
    conn.close()
    err = wait_job(proc)
    check(proc.returncode == 0, f"wait: column-adding run exit {proc.returncode}\n{err}")
    if first and again:
        check(first["run_id"] == again["run_id"] == old and first["base"] == again["base"]
              and OPTIONAL not in again["columns"], "wait: reader's view changed while the writer waited")
    new = db.query(LATEST_SQL)[0][0]
    with db.conn.cursor() as cur:
        rec = inspect("wait: after", *read_table(cur), "READ COMMITTED")
    if rec:
        check(rec["run_id"] == new and rec["optional"] == "values", f"wait: after the reader left: {rec}")
        writer.runs[new] = {"spec": "B", "base": rec["base"], "full": rec["full"]}


def concurrent_writers(db, writer):
    """Runs started at the same moment: on one output table they take turns (advisory lock) and
    the table ends up with the complete content of the run that committed last; first runs into
    different tables of a schema that does not exist yet all succeed."""
    procs = []
    for which in ("A", "B", "A"):
        procs.append((which, start_job(db, SPEC_A if which == "A" else SPEC_B)))
    succeeded = 0
    for which, proc in procs:
        _, err = proc.communicate(timeout=60)
        # A run that finds a later-started run already written refuses to overwrite it (exit 1).
        superseded = proc.returncode == 1 and "superseded" in err
        succeeded += proc.returncode == 0
        check(proc.returncode == 0 or superseded,
              f"concurrent writers: a spec-{which} run exited {proc.returncode}\n{err}")
    check(succeeded >= 1, "concurrent writers: no run succeeded")
    last = db.query("SELECT run_id, spec FROM features.runs WHERE status = 'succeeded' AND output_table = %s"
                    " ORDER BY finished_at DESC LIMIT 1", (TABLE,))
    run_id, spec = last[0]
    which = "B" if spec == SPEC_B else "A"
    with db.conn.cursor() as cur:
        rec = inspect("concurrent writers: result", *read_table(cur), "READ COMMITTED")
    if rec:
        check(rec["run_id"] == run_id, f"concurrent writers: table has run {rec['run_id']}, last committed run is {run_id}")
        check(rec["columns"] == COLUMNS[which], f"concurrent writers: columns {rec['columns']} for a spec-{which} run")
        writer.runs[rec["run_id"]] = {"spec": which, "base": rec["base"], "full": rec["full"]}

    procs = [start_job(db, dict(SPEC_A, output={"table": f"fresh_schema.t{i}"})) for i in range(3)]
    for i, proc in enumerate(procs):
        _, err = proc.communicate(timeout=60)
        check(proc.returncode == 0,
              f"concurrent first runs into a new schema: fresh_schema.t{i} exited {proc.returncode}\n{err.strip().splitlines()[-2:]}")

    # The same race made deterministic: a session holds the first run's runs row (FOR UPDATE), so
    # that run stops at its final UPDATE inside its write transaction. A second first run into the
    # same new schema must still finish, because schemas are created and committed before the
    # write transaction starts.
    def start(table, spec):
        return start_job(db, dict(spec, output={"table": table}))

    def wait_for(sql, proc, params=None):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and proc.poll() is None:
            rows = db.query(sql, params)
            if rows:
                return rows[0][0]
            time.sleep(0.01)
        return None

    lock_waits = ("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'twingraph'"
                  " AND wait_event_type = 'Lock' AND datname = current_database() HAVING count(*) >= %s")
    slow = {"features": ["degree", "betweenness", "harmonic"]}  # about a second of compute: time to grab its row
    holder = db.connect()
    first = start("fresh_schema2.t1", slow)
    run_id = wait_for("SELECT run_id FROM features.runs WHERE output_table = 'fresh_schema2.t1'", first)
    with holder.cursor() as cur:
        cur.execute("SELECT 1 FROM features.runs WHERE run_id = %s FOR UPDATE", (run_id,))
    first_waits = wait_for(lock_waits, first, (1,))
    check(first_waits, "first runs into one new schema: the first run never blocked on its runs row")
    second = start("fresh_schema2.t2", SPEC_A)
    try:
        _, err = second.communicate(timeout=30)
        check(second.returncode == 0, f"first runs into one new schema: the second run exited {second.returncode} "
                                      f"while the first held its transaction\n{err.strip().splitlines()[-2:]}")
    except subprocess.TimeoutExpired:
        second.kill()
        check(False, "first runs into one new schema: the second run waited for the first one's transaction")
    holder.rollback()
    holder.close()
    _, err = first.communicate(timeout=60)
    check(first.returncode == 0, f"first runs into one new schema: the first run exited {first.returncode}\n"
                                 f"{err.strip().splitlines()[-2:]}")


def swap_is_unsafe(db):
    """Build-then-rename and TRUNCATE + INSERT, done by hand: a REPEATABLE READ snapshot that
    predates the swap sees an EMPTY table. DELETE + INSERT does not, and neither does twingraph's
    view, which picks the run in the reader's snapshot."""
    db.execute("CREATE SCHEMA demo; CREATE TABLE demo.swap AS SELECT g AS id FROM generate_series(1, 100) g;"
               "CREATE TABLE demo.trunc AS SELECT g AS id FROM generate_series(1, 100) g;"
               "CREATE TABLE demo.del AS SELECT g AS id FROM generate_series(1, 100) g")
    counts = {}
    for name, swap_sql in [
            ("rename", "CREATE TABLE demo.swap_new AS SELECT g AS id FROM generate_series(1, 100) g;"
                       "DROP TABLE demo.swap; ALTER TABLE demo.swap_new RENAME TO swap"),
            ("trunc", "TRUNCATE demo.trunc; INSERT INTO demo.trunc SELECT g FROM generate_series(1, 100) g"),
            ("del", "DELETE FROM demo.del; INSERT INTO demo.del SELECT g FROM generate_series(1, 100) g")]:
        reader = rr_connect(db)
        with reader.cursor() as cur:
            cur.execute("SELECT 1")  # takes the snapshot
            writer = db.connect()
            with writer.cursor() as wcur:
                wcur.execute(swap_sql)  # psycopg2: one transaction
            writer.commit()
            writer.close()
            cur.execute(f"SELECT count(*) FROM demo.{name if name != 'rename' else 'swap'}")
            counts[name] = cur.fetchone()[0]
        reader.rollback()
        reader.close()
    check(counts["rename"] == 0, f"swap demo: build-then-rename seen by an older snapshot: {counts['rename']} rows (expected 0)")
    check(counts["trunc"] == 0, f"swap demo: TRUNCATE seen by an older snapshot: {counts['trunc']} rows (expected 0)")
    check(counts["del"] == 100, f"swap demo: DELETE + INSERT seen by an older snapshot: {counts['del']} rows (expected 100)")
    print(f"swap demo: rows seen by an older REPEATABLE READ snapshot: build-then-rename {counts['rename']}, "
          f"TRUNCATE+INSERT {counts['trunc']}, DELETE+INSERT {counts['del']} (of 100)")


# --- concurrent readers -----------------------------------------------------------------------

class Reader(threading.Thread):
    def __init__(self, db, level, seed, stop):
        super().__init__(daemon=True)
        self.db, self.level, self.stop = db, level, stop
        self.rng = random.Random(seed)
        self.records = []
        self.stale = 0          # RR reads whose snapshot predates a committed run
        self.errors = []

    def run(self):
        try:
            conn = self.db.connect()
            probe = self.db.connect()
            probe.autocommit = True
            if self.level == "READ COMMITTED":
                conn.autocommit = True
            else:
                conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
            n = 0
            while not self.stop.is_set():
                n += 1
                label = f"{self.name} read {n}"
                if self.level == "READ COMMITTED":
                    with conn.cursor() as cur:
                        rec = inspect(label, *read_table(cur), self.level)
                    time.sleep(0.01)
                else:
                    snap = rr_begin(conn)
                    time.sleep(self.rng.uniform(0.05, 0.3))
                    with probe.cursor() as pcur:
                        pcur.execute(LATEST_SQL)
                        now = pcur.fetchone()[0]
                    with conn.cursor() as cur:
                        rec = inspect(label, *read_table(cur), self.level, snap)
                    conn.rollback()
                    if rec and now != snap:
                        self.stale += 1
                if rec:
                    self.records.append(rec)
            conn.close()
            probe.close()
        except Exception as e:  # a reader error is a test failure, not a crash
            self.errors.append(f"{self.name}: {type(e).__name__}: {e}")


def main():
    t_start = time.monotonic()
    devices, relationships = generate(N_TWINS, seed=20240611)
    assert len(devices) == N_TWINS
    with Database("atomic") as db:
        db.load(devices, relationships)
        writer = Writer(db)
        writer.run("A")

        swap_is_unsafe(db)
        snapshot_before_column_add(db, writer)
        snapshot_before_column_drop(db, writer)
        same_columns_run_does_not_wait(db, writer)
        column_change_waits_for_reader(db, writer)
        concurrent_writers(db, writer)
        print(f"deterministic scenarios: done in {time.monotonic() - t_start:.1f} s")

        stop = threading.Event()
        readers = [Reader(db, "READ COMMITTED", 1, stop), Reader(db, "READ COMMITTED", 2, stop),
                   Reader(db, "REPEATABLE READ", 3, stop), Reader(db, "REPEATABLE READ", 4, stop)]
        for r in readers:
            r.start()
        time.sleep(0.3)
        rng = random.Random(99)
        sequence = ["B", "A", "B", "A", "A", "B", "B", "A"]
        for which in sequence:
            writer.mutate(rng, devices)
            writer.run(which)
            time.sleep(rng.uniform(0.1, 0.3))
        time.sleep(0.4)
        stop.set()
        for r in readers:
            r.join(timeout=30)
            check(not r.is_alive(), f"{r.name} did not stop")
            for e in r.errors:
                check(False, e)

        records = [rec for r in readers for rec in r.records]
        for rec in records:
            verify_against_writer(rec, writer)
        by_level = {lvl: [rec for rec in records if rec["level"] == lvl] for lvl in ("READ COMMITTED", "REPEATABLE READ")}
        seen = {rec["run_id"] for rec in records}
        stale = sum(r.stale for r in readers)
        null_new_column = sum(1 for rec in by_level["REPEATABLE READ"] if rec["optional"] == "null")
        dropped_seen = sum(1 for rec in by_level["REPEATABLE READ"]
                           if writer.runs.get(rec["run_id"], {}).get("spec") == "B" and OPTIONAL not in rec["columns"])
        check(len(records) > 50, f"readers made only {len(records)} complete reads")
        check(len(by_level["READ COMMITTED"]) >= 20, f"only {len(by_level['READ COMMITTED'])} READ COMMITTED reads")
        check(len(by_level["REPEATABLE READ"]) >= 10, f"only {len(by_level['REPEATABLE READ'])} REPEATABLE READ reads")
        check(len(seen) >= 2, f"readers saw only run_ids {sorted(seen)}")
        check(stale >= 1, "no REPEATABLE READ read had a snapshot older than a committed run")
        runs = db.query("SELECT status, count(*) FROM features.runs WHERE output_table = %s GROUP BY status", (TABLE,))
        # Every run succeeded, except concurrent writers refused as superseded (failed). Of the three
        # concurrent writers only the last committer is in writer.runs, so the other two are
        # either succeeded-and-replaced or superseded.
        counts = dict(runs)
        superseded = db.query("SELECT count(*) FROM features.runs WHERE output_table = %s AND status = 'failed'"
                              " AND error LIKE 'superseded:%%'", (TABLE,))[0][0]
        check(set(counts) <= {"succeeded", "failed"} and counts.get("failed", 0) == superseded
              and counts.get("succeeded", 0) + superseded == len(writer.runs) + 2,
              f"runs table: {runs}, want {len(writer.runs) + 2} runs, all succeeded or superseded")
        print(f"concurrent phase: {len(sequence)} runs; {len(records)} reads "
              f"({len(by_level['READ COMMITTED'])} READ COMMITTED, {len(by_level['REPEATABLE READ'])} REPEATABLE READ), "
              f"{len(seen)} distinct run_ids seen; {stale} RR reads with a snapshot older than a committed run, "
              f"RR reads that saw {OPTIONAL} newly added (all NULL): {null_new_column}, already dropped: {dropped_seen}")

        print(f"READ COMMITTED reads planned before the newest run's partition (the previous run, whole): "
              f"{len(PLANNED_BEFORE_ATTACH)}")

    tally.report("atomic_replace")


if __name__ == "__main__":
    main()
