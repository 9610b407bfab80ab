/* tg_preflight.c - catalog queries that check a job's sources, output table and privileges before the run starts. */
#include "tg_preflight.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_db.h"

#define TABLE_MARK "twingraph feature table"

/* One catalog query answers everything about a table name: whether it exists, the columns it
 * lacks of those required, whether its owner is us, the privileges we hold on it, its comment,
 * and for a missing table whether it can be created. */
static const char *const TABLE_FACTS =
    "WITH t AS (SELECT pg_catalog.to_regclass($1) AS rel),"
    " s AS (SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = $2)"
    " SELECT t.rel IS NOT NULL,"
    "  (SELECT pg_catalog.string_agg(pg_catalog.format('\"%s\"', r.c), ', ') FROM pg_catalog.unnest($3::text[]) AS r(c)"
    "    WHERE t.rel IS NULL OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a"
    "      WHERE a.attrelid = t.rel AND a.attname = r.c AND a.attnum > 0 AND NOT a.attisdropped)),"
    "  t.rel IS NOT NULL AND (SELECT pg_catalog.bool_and(pg_catalog.has_table_privilege(t.rel, p))"
    "    FROM pg_catalog.unnest($4::text[]) AS p),"
    "  COALESCE(pg_catalog.obj_description(t.rel, 'pg_class'), ''),"
    "  t.rel IS NOT NULL AND pg_catalog.pg_has_role((SELECT c.relowner FROM pg_catalog.pg_class c"
    "    WHERE c.oid = t.rel), 'USAGE'),"
    "  CASE WHEN EXISTS (SELECT 1 FROM s) THEN pg_catalog.has_schema_privilege($2, 'CREATE')"
    "   ELSE pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE') END,"
    "  pg_catalog.current_database()"
    " FROM t";

typedef struct {
    bool exists;
    char missing_columns[512];
    bool privileged;
    bool ours;           /* carries twingraph's mark */
    bool owned;          /* we own it (or a role we are in does) */
    bool creatable;
    char database[128];
} table_facts;

static tg_status facts_of(PGconn *conn, const char *name, const char *required, const char *privileges,
                          table_facts *facts, tg_error *err)
{
    char *quoted = NULL, *schema = NULL, *table = NULL;
    PGresult *res = NULL;
    tg_status st = tg_db_quote_name(conn, name, name, &quoted, err);
    if (st || (st = tg_db_split_name(name, &schema, &table, err)))
        goto cleanup;
    const char *params[] = {quoted, schema, required, privileges};
    if ((st = tg_db_exec(conn, TABLE_FACTS, 4, params, &res, err)))
        goto cleanup;
    facts->exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    snprintf(facts->missing_columns, sizeof facts->missing_columns, "%s", PQgetvalue(res, 0, 1));
    facts->privileged = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
    facts->ours = strncmp(PQgetvalue(res, 0, 3), TABLE_MARK, strlen(TABLE_MARK)) == 0;
    facts->owned = strcmp(PQgetvalue(res, 0, 4), "t") == 0;
    facts->creatable = strcmp(PQgetvalue(res, 0, 5), "t") == 0;
    snprintf(facts->database, sizeof facts->database, "%s", PQgetvalue(res, 0, 6));
cleanup:
    PQclear(res);
    free(quoted);
    free(schema);
    free(table);
    return st;
}

static tg_status check_source(PGconn *conn, const char *key, const char *name, const char *required,
                              tg_error *err)
{
    table_facts facts;
    tg_status st = facts_of(conn, name, required, "{SELECT}", &facts, err);
    if (st)
        return st;
    if (!facts.exists) {
        tg_error_set(err, TG_ERR_DB, "%s \"%s\" does not exist in database \"%s\"", key, name, facts.database);
        tg_error_hint(err, "check the database (--db, PGDATABASE) and \"%s\" in the job spec", key);
        return TG_ERR_DB;
    }
    if (facts.missing_columns[0]) {
        tg_error_set(err, TG_ERR_INPUT, "%s \"%s\" has no column %s", key, name, facts.missing_columns);
        tg_error_hint(err, "point the job spec at a view that renames your columns (see README, \"Your own tables\")");
        return TG_ERR_INPUT;
    }
    if (!facts.privileged) {
        tg_error_set(err, TG_ERR_DB, "permission denied to read %s \"%s\"", key, name);
        tg_error_hint(err, "GRANT SELECT ON %s TO the role twingraph connects as", name);
        return TG_ERR_DB;
    }
    return TG_OK;
}

static tg_status check_output(PGconn *conn, const char *key, const char *name, const char *privileges, bool marked,
                              tg_error *err)
{
    table_facts facts;
    tg_status st = facts_of(conn, name, "{}", privileges, &facts, err);
    if (st)
        return st;
    if (!facts.exists) {
        if (facts.creatable)
            return TG_OK;
        tg_error_set(err, TG_ERR_DB, "permission denied to create %s \"%s\" in database \"%s\"", key, name,
                     facts.database);
        tg_error_hint(err, "create the schema and GRANT CREATE on it, or choose another \"%s\"", key);
        return TG_ERR_DB;
    }
    if (marked && !facts.ours) {
        tg_error_set(err, TG_ERR_INPUT, "%s \"%s\" exists and was not created by twingraph", key, name);
        tg_error_hint(err, "choose another \"%s\"; twingraph replaces the contents of its output tables", key);
        return TG_ERR_INPUT;
    }
    if (!facts.privileged || (marked && !facts.owned)) {
        tg_error_set(err, TG_ERR_DB, "permission denied to write %s \"%s\"", key, name);
        tg_error_hint(err, "%s", marked ? "the role twingraph connects as must own the feature table (it changes "
                                          "its columns and comments)"
                                        : "GRANT INSERT, UPDATE ON the runs table (and USAGE on its sequence)");
        return TG_ERR_DB;
    }
    return TG_OK;
}

tg_status tg_preflight_check(PGconn *conn, const tg_spec *spec, tg_error *err)
{
    tg_status st;
    if ((st = check_source(conn, "source.devices", spec->devices_source, "{device_id}", err)))
        return st;
    if (spec->relationships_source &&
        (st = check_source(conn, "source.relationships", spec->relationships_source, "{source_id,target_id,kind}", err)))
        return st;
    if ((st = check_output(conn, "output.table", spec->output_table, "{INSERT,DELETE}", true, err)) ||
        (st = check_output(conn, "output.runs", spec->runs_table, "{INSERT,UPDATE}", false, err)))
        return st;
    return TG_OK;
}
