"""Deployment realities: a least-privilege role, a client encoding other than UTF8, one output
table written under two spellings of its name, and a hostile owner's tables and views refused to a
superuser run."""
from twintest import Database, Tally, run_job, table_state

tally = Tally()
check = tally.check
SPEC = {"features": ["degree", "component"]}


def as_role(db, role):
    """db's conninfo for another role (trust authentication in the test cluster)."""
    return db.conninfo.replace(f"user={db.env['PGUSER']}", f"user={role}")


class RoleDb:
    """Stands in for a Database in run_job, connecting as another role."""

    def __init__(self, db, role):
        self.conninfo = as_role(db, role)


with Database("roles") as db:
    db.load([("site", None), ("site/b1", "site"), ("site/b1/cam", "site/b1"), ("ソA", "site"), ("ソA/x", "ソA")],
            [("site/b1/cam", "ソA/x", "monitors")])

    # 1. A role with no CREATE on the database, but USAGE and CREATE on an existing schema,
    #    can run jobs: twingraph must not issue CREATE SCHEMA for a schema that exists.
    role = f"{db.name}_writer"
    db.execute(f'CREATE ROLE "{role}" LOGIN')
    db.execute("CREATE SCHEMA features")
    db.execute(f'REVOKE CREATE ON DATABASE "{db.name}" FROM PUBLIC')
    db.execute(f'GRANT USAGE, CREATE ON SCHEMA features TO "{role}"')
    db.execute(f'GRANT USAGE ON SCHEMA twin TO "{role}"; GRANT SELECT ON ALL TABLES IN SCHEMA twin TO "{role}"')
    proc = run_job(RoleDb(db, role), SPEC, check=False)
    check(proc.returncode == 0, f"least-privilege role: exit {proc.returncode}\n{proc.stderr}")
    check(db.query("SELECT count(*) FROM features.device_features")[0][0] == 5, "least-privilege role: 5 rows written")

    # 2. A role that may not write the output table gets the server's own reason, and the
    #    table is untouched.
    reader = f"{db.name}_reader"
    db.execute(f'CREATE ROLE "{reader}" LOGIN')
    db.execute(f'GRANT USAGE ON SCHEMA features, twin TO "{reader}"; GRANT SELECT ON ALL TABLES IN SCHEMA twin TO "{reader}"')
    db.execute(f'GRANT SELECT, INSERT, UPDATE ON features.runs TO "{reader}"; GRANT USAGE ON ALL SEQUENCES IN SCHEMA features TO "{reader}"')
    before = table_state(db)
    runs_before = db.query("SELECT count(*) FROM features.runs")[0][0]
    proc = run_job(RoleDb(db, reader), SPEC, check=False)
    check(proc.returncode == 3, f"role without write access: exit {proc.returncode}, want 3\n{proc.stderr}")
    check("belongs to another role" in proc.stderr and "aborted" not in proc.stderr,
          f"role without write access: stderr should say whose table it is:\n{proc.stderr}")
    check(table_state(db) == before, "role without write access: the feature table changed")
    # The pre-flight check refuses the job before anything is recorded.
    runs_after = db.query("SELECT count(*) FROM features.runs")[0][0]
    check(runs_after == runs_before, f"role without write access: {runs_after - runs_before} runs rows recorded, want 0")
    check("features.device_features" in proc.stderr, f"role without write access: the error names the table\n{proc.stderr}")

    # 3. A client encoding whose characters can contain a backslash byte (SJIS: ソ is 0x83 0x5C)
    #    must not corrupt ids: twingraph talks UTF8 whatever PGCLIENTENCODING says.
    #    (As the writer: its tables are not the superuser's to write, see 5.)
    writer = RoleDb(db, role)
    proc = run_job(writer, SPEC, env_extra={"PGCLIENTENCODING": "SJIS"}, check=False)
    check(proc.returncode == 0, f"SJIS client encoding: exit {proc.returncode}\n{proc.stderr}")
    ids = sorted(r[0] for r in db.query("SELECT device_id FROM features.device_features"))
    check(ids == sorted(["site", "site/b1", "site/b1/cam", "ソA", "ソA/x"]), f"SJIS client encoding: ids {ids}")
    comp = dict(db.query("SELECT device_id, component_size FROM features.device_features"))
    check(comp.get("ソA/x") == 5, f"SJIS client encoding: ソA/x should be in the one component of 5, got {comp}")

    # 4. "device_features" and "public.device_features" are one table: same lock, same runs key.
    db.execute(f'GRANT CREATE ON SCHEMA public TO "{role}"')
    for name in ("device_features", "public.device_features"):
        proc = run_job(writer, dict(SPEC, output={"table": name}), check=False)
        check(proc.returncode == 0, f"output spelled {name!r}: exit {proc.returncode}\n{proc.stderr}")
    spellings = db.query("SELECT DISTINCT output_table FROM features.runs WHERE output_table LIKE '%%device_features'"
                         " AND output_table <> 'features.device_features'")
    check(spellings == [("public.device_features",)], f"runs.output_table spellings: {spellings}")

    # 5. A hostile owner: tables and views of a role that is not a superuser are refused to a
    #    superuser run, so their triggers and functions never run with its privileges.
    mallory = f"{db.name}_mallory"
    db.execute(f'CREATE ROLE "{mallory}" LOGIN; CREATE SCHEMA mal AUTHORIZATION "{mallory}";'
               f'GRANT USAGE ON SCHEMA twin, features TO "{mallory}"; GRANT SELECT ON ALL TABLES IN SCHEMA twin, features TO "{mallory}"')
    hostile = db.connect()
    hostile.autocommit = True
    with hostile.cursor() as cur:
        cur.execute(f'SET ROLE "{mallory}"')
        cur.execute("CREATE TABLE mal.pwned (who text)")
        cur.execute("CREATE FUNCTION mal.grab() RETURNS trigger LANGUAGE plpgsql AS $$"
                    " BEGIN INSERT INTO mal.pwned VALUES (current_user); RETURN NEW; END $$")
        cur.execute("CREATE TABLE mal.runs (LIKE features.runs INCLUDING DEFAULTS)")
        cur.execute("CREATE TRIGGER grab BEFORE INSERT OR UPDATE ON mal.runs FOR EACH ROW EXECUTE FUNCTION mal.grab()")
        cur.execute("CREATE FUNCTION mal.id(t text) RETURNS text LANGUAGE plpgsql AS $$"
                    " BEGIN INSERT INTO mal.pwned VALUES (current_user); RETURN t; END $$")
        cur.execute("CREATE VIEW mal.devices AS SELECT mal.id(device_id) AS device_id FROM twin.devices")
    hostile.close()
    for label, spec in (("runs table with a trigger", dict(SPEC, output={"runs": "mal.runs"})),
                        ("view calling a function", dict(SPEC, source={"devices": "mal.devices"},
                                                         graph={"layers": ["hierarchy"]}))):
        proc = run_job(db, spec, check=False)
        check(proc.returncode == 3, f"hostile {label}: exit {proc.returncode}, want 3\n{proc.stderr}")
        pwned = db.query("SELECT count(*) FROM mal.pwned")[0][0]
        check(pwned == 0, f"hostile {label}: mallory's code ran {pwned} times as the superuser")

    db.execute(f'DROP OWNED BY "{role}", "{reader}", "{mallory}" CASCADE')
    db.execute(f'DROP ROLE "{role}"; DROP ROLE "{reader}"; DROP ROLE "{mallory}"')

tally.report("roles_and_encodings")
