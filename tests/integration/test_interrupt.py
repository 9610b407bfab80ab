"""SIGINT and SIGTERM stop a run cleanly: exit code 130, the run marked failed with the reason,
the previous features untouched, and the stop prompt even inside a long igraph routine."""
import io
import signal
import subprocess
import time

from twingen import generate
from twintest import Database, Tally, run_job, start_job, table_state, wait_job

tally = Tally()
check = tally.check
# Exact betweenness and harmonic centrality of 20,000 twins take several seconds: long enough to
# interrupt them in the middle.
SLOW = {"features": ["degree", "betweenness", "harmonic"]}

with Database("interrupt") as db:
    devices, relationships = generate(20000, seed=3)
    with db.conn.cursor() as cur:  # COPY: row-by-row inserts of 20,000 twins take seconds
        cur.copy_expert("COPY twin.devices (device_id, parent_id, model, lat, lon) FROM STDIN",
                        io.StringIO("".join("\t".join("\\N" if x is None else str(x) for x in d) + "\n" for d in devices)))
        cur.copy_expert("COPY twin.relationships (source_id, target_id, kind) FROM STDIN",
                        io.StringIO("".join("\t".join(r) + "\n" for r in relationships)))
    run_job(db, {"features": ["degree"]})
    before = table_state(db)

    for sig in (signal.SIGINT, signal.SIGTERM):
        proc = start_job(db, SLOW, stdout=subprocess.PIPE)
        # Wait until betweenness is being computed, then signal.
        deadline = time.monotonic() + 30
        started = False
        while time.monotonic() < deadline and proc.poll() is None:
            if db.query("SELECT count(*) FROM features.runs WHERE status = 'running'")[0][0]:
                started = True
                break
            time.sleep(0.02)
        time.sleep(1.5)  # reading and building take well under a second at this size
        still_running = proc.poll() is None
        check(started and still_running, f"{sig.name}: the run was not in progress when signalled")
        signalled = time.monotonic()
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
        stop_seconds = time.monotonic() - signalled
        check(proc.returncode == 130, f"{sig.name}: exit {proc.returncode}, want 130\n{err}")
        check(stop_seconds < 3, f"{sig.name}: took {stop_seconds:.1f} s to stop")
        check(f"interrupted by {sig.name}" in err, f"{sig.name}: stderr does not say so:\n{err}")
        check(out == "", f"{sig.name}: printed a summary: {out!r}")
        status, error = db.query("SELECT status, error FROM features.runs ORDER BY run_id DESC LIMIT 1")[0]
        check(status == "failed" and f"interrupted by {sig.name}" in error,
              f"{sig.name}: run row ({status}, {error!r})")
        check(table_state(db) == before, f"{sig.name}: the feature table changed")

    # A signal while a statement waits for a lock (another session holds the devices source):
    # the statement is cancelled and the run stops within moments, not when the lock comes.
    for sig in (signal.SIGINT, signal.SIGTERM):
        blocker = db.connect()
        with blocker.cursor() as cur:
            cur.execute("LOCK TABLE twin.devices IN ACCESS EXCLUSIVE MODE")
        proc = start_job(db, {"features": ["degree"]})
        deadline = time.monotonic() + 20
        waiting = False
        while time.monotonic() < deadline and proc.poll() is None and not waiting:
            waiting = db.query("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                               " WHERE NOT l.granted AND a.application_name = 'twingraph'")[0][0] > 0
            time.sleep(0.05)
        check(waiting, f"{sig.name} in a lock wait: the run never waited for the lock")
        signalled = time.monotonic()
        proc.send_signal(sig)
        err = wait_job(proc, timeout=30)
        stop_seconds = time.monotonic() - signalled
        blocker.rollback()
        blocker.close()
        check(proc.returncode == 130 and stop_seconds < 2,
              f"{sig.name} in a lock wait: exit {proc.returncode} after {stop_seconds:.1f} s\n{err}")
        status, error = db.query("SELECT status, error FROM features.runs ORDER BY run_id DESC LIMIT 1")[0]
        check(status == "failed" and "interrupted" in (error or ""), f"{sig.name} in a lock wait: run row ({status}, {error!r})")

    # The next run is not disturbed by the interrupted ones.
    proc = run_job(db, {"features": ["degree", "pagerank"]}, check=False)
    check(proc.returncode == 0, f"run after the interrupted ones: exit {proc.returncode}\n{proc.stderr}")

    # A server that ends idle sessions after 700 ms: the session stays busy through seconds of
    # compute, and the write succeeds.
    db.execute(f'ALTER DATABASE "{db.name}" SET idle_session_timeout = \'700ms\'')
    proc = run_job(db, SLOW, check=False)
    check(proc.returncode == 0 and "connection was lost" not in proc.stderr,
          f"idle_session_timeout 700ms: the keepalive kept the session: exit {proc.returncode}\n{proc.stderr}")
    seconds = db.query("SELECT (stage_seconds->>'compute')::float FROM features.runs ORDER BY run_id DESC LIMIT 1")[0][0]
    check(seconds is not None and seconds > 1.4, f"the compute took {seconds} s, too short to test the timeout")
    db.execute(f'ALTER DATABASE "{db.name}" RESET idle_session_timeout')

    # Catalogue features with loops of their own stop as promptly: the estimator checks between
    # samples, khop between blocks of twins (igraph_neighborhood_size polls nothing).
    def interrupt_during(label, spec, feature):
        state = table_state(db)
        proc = start_job(db, spec, stdout=subprocess.PIPE)
        lines = []
        for line in proc.stderr:
            lines.append(line)
            if f"computing {feature} " in line:
                break
        time.sleep(0.5)
        still_running = proc.poll() is None
        signalled = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        stop_seconds = time.monotonic() - signalled
        check(still_running, f"{label}: the feature ended before the signal; make it longer")
        check(proc.returncode == 130 and stop_seconds < 3,
              f"{label}: exit {proc.returncode} {stop_seconds:.1f} s after SIGINT\n{''.join(lines)}{err}")
        check(table_state(db) == state, f"{label}: the feature table changed")

    interrupt_during("betweenness_approx", {"features": [{"name": "betweenness_approx", "epsilon": 0.002}]},
                     "betweenness_approx")
    # A hub with 100,000 children: each child's 2-hop ball holds every other child (1e10 steps, about
    # 12 s here; one block of 1,024 twins takes about 0.1 s).
    star = [("hub",)] + [(f"leaf-{i:05d}", "hub") for i in range(100000)]
    with db.conn.cursor() as cur:
        cur.execute("TRUNCATE twin.devices, twin.relationships")
        cur.copy_expert("COPY twin.devices (device_id, parent_id) FROM STDIN",
                        io.StringIO("".join("\t".join(d + ("\\N",) * (2 - len(d))) + "\n" for d in star)))
    run_job(db, {"features": ["degree"]})
    interrupt_during("khop on a 100,000-child hub", {"graph": {"layers": ["hierarchy"]},
                                                     "features": [{"name": "khop", "k": 2}]}, "khop")

tally.report("interrupt")
