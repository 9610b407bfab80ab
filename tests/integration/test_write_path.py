"""The write path: a partition per run, a generation per column set, a reader view.

- Column slots never run out: two jobs of 800 columns each alternate (DROP + ADD COLUMN would
  pass PostgreSQL's 1,600-column limit on the second run and fail for good).
- A new reader never waits more than a moment behind a column change that waits for an old
  reader; after output.lock_wait_s the change fails clearly, is recorded, and changes nothing.
- An old REPEATABLE READ snapshot keeps reading its run, whole, across later runs: the partition
  it needs is not pruned while its snapshot lives, and is pruned once it ends.
"""
import time

import psycopg2

from twintest import Database, Tally, run_job, start_job, table_state, wait_job

tally = Tally()
check = tally.check
N_TWINS = 50


def wide(prefix):
    return {"graph": {"layers": ["hierarchy"]},
            "features": [{"name": "hier_ancestor", "levels": {f"{prefix}{i}": i % 5 for i in range(800)}}]}


def parts(db):
    return db.query("SELECT relname FROM pg_class WHERE relname ~ '^tg_[0-9a-f]{16}_r[0-9]+$' ORDER BY 1")


def rr_reader(db):
    conn = db.connect()
    conn.set_session(isolation_level=psycopg2.extensions.ISOLATION_LEVEL_REPEATABLE_READ)
    return conn


with Database("writepath") as db:
    db.load([(f"t{i:03d}", f"t{(i - 1) // 3:03d}" if i else None) for i in range(N_TWINS)], [])

    # 1. Column slots: X, Y, X, Y with 800 columns each.
    for k, prefix in enumerate("abab"):
        proc = run_job(db, wide(prefix), check=False)
        check(proc.returncode == 0, f"wide job {k} ({prefix}): exit {proc.returncode}\n{proc.stderr[-600:]}")
        cols = db.query("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'features'"
                        " AND table_name = 'device_features'")[0][0]
        check(cols == 802, f"wide job {k}: the view has {cols} columns, want 802")
    check(len(parts(db)) == 1, f"old runs' partitions pruned: {parts(db)}")

    # 2. A column change waits for an old reader without holding up new readers.
    run_job(db, {"graph": {"layers": ["hierarchy"]}, "features": ["hier_depth"]})
    old = rr_reader(db)
    with old.cursor() as cur:
        cur.execute("SELECT count(*) FROM features.device_features")
    before = table_state(db)
    proc = start_job(db, {"graph": {"layers": ["hierarchy"]}, "features": ["hier_depth", "hier_leaf"],
                          "output": {"lock_wait_s": 3}})
    time.sleep(0.8)  # the writer is now retrying its view change
    waits = []
    for _ in range(5):
        new = db.connect()
        with new.cursor() as cur:
            cur.execute("SET statement_timeout = '1s'")
            t0 = time.monotonic()
            cur.execute("SELECT count(*) FROM features.device_features")
            waits.append(time.monotonic() - t0)
            check(cur.fetchone()[0] == N_TWINS, "a new reader saw a whole table")
        new.close()
        time.sleep(0.2)
    check(max(waits) < 0.6, f"new readers waited {max(waits):.2f} s behind the column change")
    err = wait_job(proc, timeout=30)
    check(proc.returncode == 3 and "readers held it" in err, f"lock_wait_s 3: exit {proc.returncode}\n{err}")
    old.rollback()
    old.close()
    check(table_state(db) == before, "the failed column change changed the table")
    status, error = db.query("SELECT status, error FROM features.runs ORDER BY run_id DESC LIMIT 1")[0]
    check(status == "failed" and "readers held it" in (error or ""), f"the failed change is recorded: {status} {error}")

    # 3. An old snapshot keeps its run across later runs, and its partition is pruned after it ends.
    first = run_job(db, {"graph": {"layers": ["hierarchy"]}, "features": ["hier_depth"]})
    snap = rr_reader(db)
    with snap.cursor() as cur:
        cur.execute("SELECT max(run_id) FROM features.runs WHERE status = 'succeeded'")
        old_run = cur.fetchone()[0]
    for _ in range(3):
        db.execute("UPDATE twin.devices SET model = 'x' || random()")
        run_job(db, {"graph": {"layers": ["hierarchy"]}, "features": ["hier_depth", "hier_leaf"]})
    with snap.cursor() as cur:
        cur.execute("SELECT count(*), min(run_id), max(run_id), count(hier_leaf) FROM features.device_features")
        rows, low, high, leaf = cur.fetchone()
    check((rows, low, high) == (N_TWINS, old_run, old_run), f"old snapshot read {rows} rows of runs {low}..{high}, want run {old_run}")
    check(leaf == 0, "a column added after the snapshot is NULL in its rows")
    check(len(parts(db)) >= 2, f"the old snapshot's partition was kept: {parts(db)}")
    snap.rollback()
    snap.close()
    run_job(db, {"graph": {"layers": ["hierarchy"]}, "features": ["hier_depth", "hier_leaf"]})
    check(len(parts(db)) == 1, f"pruned once the snapshot ended: {parts(db)}")

    # 4. Grants and the views users build on the feature table survive a change that only adds
    #    columns; a change that drops one they use fails naming them, and changes nothing.
    analyst = f"{db.name}_analyst"
    db.execute(f'CREATE ROLE "{analyst}"; GRANT USAGE ON SCHEMA features TO "{analyst}";'
               f'GRANT SELECT ON features.device_features TO "{analyst}"')
    db.execute("CREATE VIEW public.deep AS SELECT device_id, hier_depth FROM features.device_features WHERE hier_depth > 1")
    proc = run_job(db, {"graph": {"layers": ["hierarchy"]}, "features": ["hier_depth", "hier_leaf", "hier_children"]},
                   check=False)
    check(proc.returncode == 0, f"adding a column with a dependent view: exit {proc.returncode}\n{proc.stderr}")
    granted = db.query("SELECT has_table_privilege(%s, 'features.device_features', 'SELECT')", (analyst,))[0][0]
    check(granted, "the analyst's SELECT grant survived the column change")
    check(db.query("SELECT count(*) FROM public.deep")[0][0] > 0, "the dependent view still reads")
    before = table_state(db)
    proc = run_job(db, {"graph": {"layers": ["hierarchy"]}, "features": ["hier_leaf"]}, check=False)
    check(proc.returncode == 3 and "other views depend on it" in proc.stderr and "public.deep" in proc.stderr,
          f"dropping a column a user's view reads: exit {proc.returncode}\n{proc.stderr}")
    check(table_state(db) == before, "the refused column change changed the table")
    proc = run_job(db, {"graph": {"layers": ["hierarchy"]}, "features": ["hier_children", "hier_depth"]}, check=False)
    check(proc.returncode == 3, "reordering columns a user's view reads is refused too")
    db.execute("DROP VIEW public.deep")
    proc = run_job(db, {"graph": {"layers": ["hierarchy"]}, "features": ["hier_leaf"]}, check=False)
    granted = db.query("SELECT has_table_privilege(%s, 'features.device_features', 'SELECT')", (analyst,))[0][0]
    check(proc.returncode == 0 and granted, f"dropping and recreating the view keeps the grant: exit {proc.returncode}")
    db.execute(f'DROP OWNED BY "{analyst}"; DROP ROLE "{analyst}"')

    # 5. Generations emptied by pruning leave the view and are dropped: alternate column sets
    #    never pile up tables.
    for spec in ({"graph": {"layers": ["hierarchy"]}, "features": ["hier_depth"]},
                 {"graph": {"layers": ["hierarchy"]}, "features": ["hier_leaf"]}) * 3:
        run_job(db, spec)
    run_job(db, {"graph": {"layers": ["hierarchy"]}, "features": ["hier_leaf"]})
    gens = db.query("SELECT count(*) FROM pg_class WHERE relname ~ '^tg_[0-9a-f]{16}_g[0-9]+$'")[0][0]
    check(gens <= 2 and len(parts(db)) == 1, f"after alternating column sets: {gens} generations, {parts(db)}")

tally.report("write_path")
