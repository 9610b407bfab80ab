"""SIGKILL at 24 points of a run (10 exact steps from start to after the commit, and 14 moments
inside compute), with readers at
READ COMMITTED and REPEATABLE READ reading the feature table the whole time: no reader ever sees
a partial, empty or mixed table, the killed run is marked abandoned by the next one, and the next
run recovers. What held up under adversarial testing keeps holding."""
import io
import signal
import threading
import time

import psycopg2

from twingen import generate
from twintest import Database, Tally, run_job, start_job

tally = Tally()
check = tally.check
N_TWINS = 4000
SPEC = {"features": ["degree", "pagerank", "betweenness", "component", "hier_depth"]}
KILLS = 24


def load(db):
    devices, relationships = generate(N_TWINS, seed=9)
    with db.conn.cursor() as cur:
        cur.copy_expert("COPY twin.devices (device_id, parent_id, model, lat, lon) FROM STDIN",
                        io.StringIO("".join("\t".join("\\N" if x is None else str(x) for x in d) + "\n" for d in devices)))
        cur.copy_expert("COPY twin.relationships (source_id, target_id, kind) FROM STDIN",
                        io.StringIO("".join("\t".join(r) + "\n" for r in relationships)))


class Reader(threading.Thread):
    """Reads the table over and over; each read must be one whole run's rows."""

    def __init__(self, db, level, stop):
        super().__init__(daemon=True)
        self.db, self.level, self.stop, self.reads, self.bad = db, level, stop, 0, []

    def run(self):
        conn = self.db.connect()
        conn.set_session(isolation_level=self.level)
        while not self.stop.is_set():
            try:
                with conn.cursor() as cur:
                    for _ in range(2):  # two reads in one snapshot (REPEATABLE READ) or two snapshots
                        cur.execute("SELECT count(*), count(DISTINCT run_id) FROM features.device_features")
                        rows, runs = cur.fetchone()
                        if (rows, runs) != (N_TWINS, 1):
                            self.bad.append((rows, runs))
                        self.reads += 1
                        time.sleep(0.01)
                conn.commit()
            except psycopg2.Error as e:  # a column change may cancel nothing here: same columns
                self.bad.append(str(e).strip())
                conn.rollback()
        conn.close()


# Exact steps, by the engine's own fault hook (TWINGRAPH_FAULT), then moments inside compute.
FAULT_POINTS = ["run_started", "devices_read", "read", "built", "computed", "partition_attached", "view_published",
                "rows_copied", "before_commit", "committed"]
TIMED = KILLS - len(FAULT_POINTS)

with Database("killpoints") as db:
    load(db)
    proc = run_job(db, SPEC)
    compute = db.query("SELECT (stage_seconds->>'read')::float + (stage_seconds->>'build')::float,"
                       " (stage_seconds->>'compute')::float FROM features.runs ORDER BY run_id DESC LIMIT 1")[0]
    stop = threading.Event()
    readers = [Reader(db, psycopg2.extensions.ISOLATION_LEVEL_READ_COMMITTED, stop),
               Reader(db, psycopg2.extensions.ISOLATION_LEVEL_REPEATABLE_READ, stop)]
    for r in readers:
        r.start()
    killed = 0
    for k in range(KILLS):
        if k < len(FAULT_POINTS):
            label = FAULT_POINTS[k]
            proc = run_job(db, SPEC, env_extra={"TWINGRAPH_FAULT": label}, check=False)
            check(proc.returncode == -signal.SIGKILL, f"fault {label}: exit {proc.returncode}\n{proc.stderr}")
            killed += label != "committed"
        else:
            # Inside compute: past process start, read and build, spread over the betweenness.
            delay = 0.15 + compute[0] + compute[1] * 0.8 * (k - len(FAULT_POINTS) + 0.5) / TIMED
            label = f"{delay:.2f} s"
            before = db.query("SELECT coalesce(max(run_id), 0) FROM features.runs")[0][0]
            proc = start_job(db, SPEC)
            time.sleep(delay)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=60)
            # Killed before its commit = recorded and left 'running'. A slow start (a sanitizer
            # build on a busy machine) can be killed before the run is recorded at all.
            killed += db.query("SELECT count(*) FROM features.runs WHERE run_id > %s AND status = 'running'",
                               (before,))[0][0]
        # The next run marks the killed one abandoned and writes a whole table again.
        proc = run_job(db, SPEC, check=False)
        check(proc.returncode == 0, f"kill {k} ({label}): the next run failed\n{proc.stderr}")
    stop.set()
    for r in readers:
        r.join(timeout=10)
        check(r.reads > 50, f"{r.level}: only {r.reads} reads")
        check(r.bad == [], f"isolation {r.level}: {len(r.bad)} bad reads, e.g. {r.bad[:5]}")
    running = db.query("SELECT count(*) FROM features.runs WHERE status = 'running'")[0][0]
    check(running == 0, f"{running} runs are still 'running'")
    abandoned = db.query("SELECT count(*) FROM features.runs WHERE error LIKE 'abandoned%%'")[0][0]
    check(abandoned == killed, f"{abandoned} runs marked abandoned, {killed} killed before their commit")
    check(killed >= 21, f"only {killed} of {KILLS} kills hit a running job")
    print(f"kill points: {KILLS} kills ({len(FAULT_POINTS)} exact steps, {TIMED} inside a {compute[1]:.2f} s compute), "
          f"{sum(r.reads for r in readers)} reads, {abandoned} runs marked abandoned")

tally.report("kill_points")
