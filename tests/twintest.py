"""twintest.py - shared helpers for twingraph's integration and oracle tests.

Each test gets a fresh database in the throwaway cluster that the CTest fixture started
(tests/ctest_pg.sh), loads twins into the source schema (sql/schema.sql), runs the real
build/twingraph binary and reads the feature table back. Run with Debian's /usr/bin/python3.
"""
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import psycopg2

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA_SQL = os.path.join(REPO, "sql", "schema.sql")


def pg_env():
    """PGHOST/PGPORT/PGUSER of the fixture's cluster, from $TWINGRAPH_PG_ENV."""
    path = os.environ.get("TWINGRAPH_PG_ENV")
    if not path or not os.path.exists(path):
        sys.exit("TWINGRAPH_PG_ENV does not name the cluster env file; run through ctest")
    env = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.strip().partition("=")
            if key:
                env[key] = value
    return env


def twingraph_binary():
    path = os.environ.get("TWINGRAPH_BIN", os.path.join(REPO, "build", "twingraph"))
    if not os.access(path, os.X_OK):
        sys.exit(f"twingraph binary not found at {path}")
    return path


class Database:
    """A fresh database with the twin schema; dropped on close."""

    def __init__(self, name_hint="t"):
        self.env = pg_env()
        self.name = f"{name_hint}_{uuid.uuid4().hex[:10]}"
        admin = self._connect("postgres")
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{self.name}" TEMPLATE template0')
        admin.close()
        self.conn = self._connect(self.name)
        self.conn.autocommit = True
        with open(SCHEMA_SQL) as f:
            self.execute(f.read())

    def _connect(self, dbname):
        return psycopg2.connect(host=self.env["PGHOST"], port=self.env["PGPORT"],
                                user=self.env["PGUSER"], dbname=dbname)

    def connect(self):
        """A new connection to this database (caller closes it)."""
        return self._connect(self.name)

    @property
    def conninfo(self):
        return (f"host={self.env['PGHOST']} port={self.env['PGPORT']} "
                f"user={self.env['PGUSER']} dbname={self.name}")

    def execute(self, sql, params=None):
        with self.conn.cursor() as cur:
            cur.execute(sql, params)

    def query(self, sql, params=None):
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def load(self, devices, relationships=()):
        """devices: iterable of (device_id, parent_id, model, lat, lon, twin_json_or_None);
        relationships: iterable of (source_id, target_id, kind)."""
        self.execute("TRUNCATE twin.devices, twin.relationships")
        with self.conn.cursor() as cur:
            cur.executemany("INSERT INTO twin.devices VALUES (%s, %s, %s, %s, %s, %s)",
                            [tuple(d) + (None,) * (6 - len(d)) for d in devices])
            cur.executemany("INSERT INTO twin.relationships (source_id, target_id, kind) VALUES (%s, %s, %s)",
                            list(relationships))

    def features(self, table="features.device_features"):
        """{device_id: {column: value}} of the feature table."""
        with self.conn.cursor() as cur:
            cur.execute(f"SELECT * FROM {table}")
            names = [d[0] for d in cur.description]
            return {row[0]: dict(zip(names, row)) for row in cur.fetchall()}

    def close(self):
        self.conn.close()
        admin = self._connect("postgres")
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        admin.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# Job files of this test process, removed with the directory when the process exits.
_JOB_DIR = tempfile.TemporaryDirectory(prefix="twingraph-jobs-")


def write_job(spec):
    """Writes a job spec (dict or raw text) to a temporary file and returns its path."""
    f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, dir=_JOB_DIR.name)
    f.write(spec if isinstance(spec, str) else json.dumps(spec))
    f.close()
    return f.name


def run_twingraph(args, db=None, env_extra=None, check=True):
    """Runs build/twingraph with args (a list); with db, --db points at it.
    Returns the CompletedProcess (text mode)."""
    cmd = [twingraph_binary()] + list(args)
    if db is not None:
        cmd += ["--db", db.conninfo]
    env = dict(os.environ)
    env.update(env_extra or {})
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def start_job(db, spec, stdout=subprocess.DEVNULL, allow_shrink=True):
    """Starts `twingraph run` on spec against db in the background; stderr is piped (text)."""
    return subprocess.Popen([twingraph_binary(), "run", write_job(spec), "--db", db.conninfo]
                            + (["--allow-shrink"] if allow_shrink else []),
                            stdout=stdout, stderr=subprocess.PIPE, text=True)


def wait_job(proc, timeout=30):
    """Waits for a started job, killing it after timeout seconds; returns its stderr."""
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return err


def run_job(db, spec, allow_shrink=True, **kwargs):
    """Runs spec against db. Tests load smaller datasets into one table on purpose, so the shrink
    guard is off unless allow_shrink=False (the guard's own test)."""
    return run_twingraph(["run", write_job(spec)] + (["--allow-shrink"] if allow_shrink else []), db=db, **kwargs)


def tolerance(column):
    """Relative tolerance for a feature column: 1e-6 for pagerank, else 1e-9 (absolute slack 1e-12)."""
    return 1e-6 if column.startswith("pagerank") else 1e-9


def assert_close(name, got, want, column):
    tol = tolerance(column)
    if want is None or got is None:
        raise AssertionError(f"{name}.{column}: got {got}, want {want}")
    if not math.isclose(float(got), float(want), rel_tol=tol, abs_tol=1e-12):
        raise AssertionError(f"{name}.{column}: got {got!r}, want {want!r} (tolerance {tol})")


class Tally:
    """check(cond, message) for tests that assert many things: counts passes, keeps failures
    (thread-safe), and report() prints the tally and exits 1 on any failure or when nothing was
    checked."""

    def __init__(self):
        self.passed = 0
        self.failures = []
        self.started = time.monotonic()
        self._lock = threading.Lock()

    def check(self, cond, message):
        with self._lock:
            if cond:
                self.passed += 1
            else:
                self.failures.append(message)
        return cond

    def report(self, label, shown=30):
        print(f"{label}: {self.passed} checks passed, {len(self.failures)} failed "
              f"({time.monotonic() - self.started:.1f} s)")
        for f in self.failures[:shown]:
            print("FAIL:", f)
        if self.failures or self.passed == 0:
            sys.exit(1)


class Checker(Tally):
    """A Tally for comparisons: close() within a column's tolerance, equal() exactly; finish()
    raises AssertionError when anything failed or nothing was compared."""

    @property
    def compared(self):
        return self.passed + len(self.failures)

    def close(self, name, got, want, column):
        try:
            assert_close(name, got, want, column)
            self.check(True, "")
        except AssertionError as e:
            self.check(False, str(e))

    def equal(self, what, got, want):
        self.check(got == want, f"{what}: got {got!r}, want {want!r}")

    def finish(self, label):
        if self.compared == 0:
            raise AssertionError(f"{label}: nothing was compared")
        if self.failures:
            shown = "\n  ".join(self.failures[:20])
            raise AssertionError(f"{label}: {len(self.failures)} of {self.compared} checks failed:\n  {shown}")
        print(f"{label}: {self.compared} checks passed")


def table_state(db, table="features.device_features"):
    """Everything a reader could see of a feature table (a view over twingraph's storage), as
    text: rows with the run that wrote them, columns with types and comments, and the comment.
    Equal states mean the table was not touched (a rewrite would change the run_id)."""
    rows = db.query(f"SELECT f::text FROM {table} f ORDER BY 1")
    columns = db.query("SELECT attname, format_type(atttypid, atttypmod), col_description(attrelid, attnum)"
                       " FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped"
                       " ORDER BY attnum", (table,))
    comment = db.query("SELECT obj_description(%s::regclass, 'pg_class')", (table,))
    return {"rows": rows, "columns": columns, "comment": comment}
