"""A hostile database owner: a role without superuser who owns the database (and so, on
PostgreSQL 15, schema public) defines functions and operators in public that shadow every
catalog function twingraph calls, and points the database's search_path at public. A superuser
then runs twingraph there. None of the shadows may run: each would record itself in
public.pwned and try to make its owner a superuser."""
from twintest import Database, Tally, run_job
from twingen import generate

tally = Tally()
check = tally.check

# Every catalog function the engine's SQL calls, with a signature that matches an unqualified
# call at least as well as pg_catalog's, and what the shadow returns to look harmless.
SHADOWS = [
    ("obj_description(regclass, name)", "text", "'twingraph feature table'"),
    ("obj_description(oid, name)", "text", "'twingraph feature table'"),
    ("to_regclass(text)", "regclass", "pg_catalog.to_regclass($1)"),
    ("format(text, text)", "text", "pg_catalog.format($1, $2)"),
    ("hashtext(text)", "integer", "pg_catalog.hashtext($1)"),
    ("clock_timestamp()", "timestamptz", "pg_catalog.clock_timestamp()"),
    ("current_setting(text)", "text", "pg_catalog.current_setting($1)"),
    ("pg_backend_pid()", "integer", "pg_catalog.pg_backend_pid()"),
    ("set_config(text, text, boolean)", "text", "pg_catalog.set_config($1, $2, $3)"),
    ("has_table_privilege(regclass, text)", "boolean", "true"),
    ("has_schema_privilege(text, text)", "boolean", "true"),
    ("pg_has_role(oid, text)", "boolean", "true"),
    ("format_type(oid, integer)", "text", "pg_catalog.format_type($1, $2)"),
    ("pg_advisory_xact_lock(integer)", "void", "NULL"),
    ("unnest(text[])", "SETOF text", "pg_catalog.unnest($1)"),
    ("current_database()", "name", "pg_catalog.current_database()"),
]


def shadow_sql(owner):
    statements = ["CREATE TABLE public.pwned (who text, what text)",
                  f'GRANT INSERT ON public.pwned TO PUBLIC']
    for signature, returns, body in SHADOWS:
        name = signature.split("(")[0]
        statements.append(
            f"CREATE FUNCTION public.{signature} RETURNS {returns} LANGUAGE plpgsql AS $f$ BEGIN"
            f" INSERT INTO public.pwned VALUES (current_user, '{name}');"
            f" BEGIN EXECUTE 'ALTER ROLE \"{owner}\" SUPERUSER'; EXCEPTION WHEN OTHERS THEN NULL; END;"
            + (f" RETURN QUERY SELECT {body};" if returns.startswith("SETOF")
               else " RETURN;" if returns == "void" else f" RETURN {body};")
            + " END $f$")
    # An operator that matches text = text exactly, as pg_catalog's does.
    statements.append("CREATE FUNCTION public.text_eq(a text, b text) RETURNS boolean LANGUAGE plpgsql AS $f$ BEGIN"
                      " INSERT INTO public.pwned VALUES (current_user, '='); RETURN a OPERATOR(pg_catalog.=) b; END $f$")
    statements.append("CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.text_eq)")
    return statements


with Database("hostile") as db:
    owner = f"{db.name}_owner"
    devices, rels = generate(300, seed=5)
    db.load(devices, rels)
    db.execute(f'CREATE ROLE "{owner}" LOGIN')
    db.execute(f'ALTER DATABASE "{db.name}" OWNER TO "{owner}"')
    hostile = db.connect()
    hostile.autocommit = True
    with hostile.cursor() as cur:
        cur.execute(f'SET ROLE "{owner}"')
        for sql in shadow_sql(owner):
            cur.execute(sql)
        cur.execute(f'ALTER DATABASE "{db.name}" SET search_path = public, pg_catalog')
    hostile.close()

    spec = {"features": ["degree", "pagerank", "hier_depth", {"name": "twin_value", "path": "tags.type"}],
            "output": {"table": "features.device_features"}}
    for label, extra in (("database search_path", ""), ("connection search_path", " options=-csearch_path=public")):
        class Conn:
            conninfo = db.conninfo + extra
        for attempt in range(2):  # the first run creates the tables, the second replaces them
            proc = run_job(Conn, spec, check=False)
            check(proc.returncode == 0, f"{label} run {attempt}: exit {proc.returncode}\n{proc.stderr}")
    fresh = db.connect()
    with fresh.cursor() as cur:
        cur.execute("SELECT who, what FROM public.pwned")
        pwned = cur.fetchall()
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", (owner,))
        superuser = cur.fetchone()[0]
    fresh.close()
    check(pwned == [], f"shadowing functions ran: {pwned[:10]}")
    check(not superuser, "the database owner became a superuser")
    check(db.query("SELECT count(*) FROM features.device_features")[0][0] == 300, "the features were written")
    db.execute(f'ALTER DATABASE "{db.name}" OWNER TO CURRENT_USER')
    db.execute(f'DROP OWNED BY "{owner}" CASCADE; DROP ROLE "{owner}"')

tally.report("hostile_owner")
