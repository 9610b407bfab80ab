/* tg_preflight.c - catalog queries that check a job's sources, output table and privileges before the run starts. */
#include "tg_preflight.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_db.h"

#define TABLE_MARK "twingraph feature table"

/* One catalog query answers everything about a table (by oid, 0 when missing): whether it
 * exists, the columns it lacks of those required, the privileges we hold on it, its
 * comment, whether we own it ourselves, whether it could be created, what kind of relation it
 * is, whether its owner and we are superusers, and which of the json columns named are not json. */
static const char *const TABLE_FACTS =
    "WITH c AS (SELECT cl.oid AS rel, cl.relkind, cl.relowner FROM (SELECT $1::pg_catalog.oid AS oid) x"
    "   LEFT JOIN pg_catalog.pg_class cl ON cl.oid = x.oid),"
    " me AS (SELECT r.oid, r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)"
    " SELECT c.rel IS NOT NULL,"
    "  (SELECT pg_catalog.string_agg(pg_catalog.format('\"%s\"', r.c), ', ') FROM pg_catalog.unnest($3::text[]) AS r(c)"
    "    WHERE c.rel IS NULL OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a"
    "      WHERE a.attrelid = c.rel AND a.attname = r.c AND a.attnum > 0 AND NOT a.attisdropped)),"
    "  c.rel IS NOT NULL AND (SELECT pg_catalog.bool_and(pg_catalog.has_table_privilege(c.rel, p))"
    "    FROM pg_catalog.unnest($4::text[]) AS p),"
    "  COALESCE(pg_catalog.obj_description(c.rel, 'pg_class'), ''),"
    "  c.rel IS NOT NULL AND c.relowner = me.oid,"
    "  CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n WHERE n.nspname = $2)"
    "   THEN pg_catalog.has_schema_privilege($2, 'CREATE')"
    "   ELSE pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE') END,"
    "  pg_catalog.current_database(),"
    "  true,"
    "  COALESCE(c.relkind::text, ''),"
    "  COALESCE((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.oid = c.relowner), false),"
    "  me.rolsuper,"
    "  COALESCE((SELECT pg_catalog.string_agg(a.attname || ' is ' || pg_catalog.format_type(a.atttypid, a.atttypmod), ', ')"
    "    FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.rel AND a.attname = ANY ($5::text[]) AND a.attnum > 0"
    "    AND NOT a.attisdropped AND pg_catalog.format_type(a.atttypid, a.atttypmod) NOT IN ('json', 'jsonb')), '')"
    " FROM c, me";

/* Whether a schema may be used (or does not exist): without USAGE, to_regclass fails with the
 * server's raw message. Then the table's oid, 0 when it does not exist. */
static const char *const SCHEMA_USABLE =
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n WHERE n.nspname = $1)"
    "   THEN pg_catalog.has_schema_privilege($1, 'USAGE') ELSE true END";
static const char *const TABLE_REGCLASS = "SELECT COALESCE(pg_catalog.to_regclass($1)::pg_catalog.oid, 0)";

typedef struct {
    bool exists;
    char missing_columns[512];
    bool privileged;
    bool ours;           /* carries twingraph's mark */
    bool owned;          /* the role we connect as owns it */
    bool creatable;
    char database[128];
    bool schema_usable;
    char kind;           /* pg_class.relkind: 'r' table, 'v' view, ... */
    bool owner_is_superuser, we_are_superuser;
    char not_json[256];  /* json columns of another type: "twin is text" */
} table_facts;

static tg_status facts_of(PGconn *conn, const char *name, const char *required, const char *privileges,
                          const char *json_columns, table_facts *facts, tg_error *err)
{
    char *quoted = NULL, *schema = NULL, *table = NULL;
    PGresult *res = NULL;
    tg_status st = tg_db_quote_name(conn, name, name, &quoted, err);
    if (st || (st = tg_db_split_name(name, &schema, &table, err)))
        goto cleanup;
    const char *schema_params[] = {quoted, schema};
    if ((st = tg_db_exec(conn, SCHEMA_USABLE, 1, schema_params + 1, &res, err)))
        goto cleanup;
    facts->schema_usable = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    res = NULL;
    if (!facts->schema_usable)
        goto cleanup;
    if ((st = tg_db_exec(conn, TABLE_REGCLASS, 1, schema_params, &res, err)))
        goto cleanup;
    char oid[32];
    snprintf(oid, sizeof oid, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    res = NULL;
    const char *params[] = {oid, schema, required, privileges, json_columns};
    if ((st = tg_db_exec(conn, TABLE_FACTS, 5, params, &res, err)))
        goto cleanup;
    facts->exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    snprintf(facts->missing_columns, sizeof facts->missing_columns, "%s", PQgetvalue(res, 0, 1));
    facts->privileged = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
    facts->ours = strncmp(PQgetvalue(res, 0, 3), TABLE_MARK, strlen(TABLE_MARK)) == 0;
    facts->owned = strcmp(PQgetvalue(res, 0, 4), "t") == 0;
    facts->creatable = strcmp(PQgetvalue(res, 0, 5), "t") == 0;
    snprintf(facts->database, sizeof facts->database, "%s", PQgetvalue(res, 0, 6));
    facts->kind = PQgetvalue(res, 0, 8)[0];
    facts->owner_is_superuser = strcmp(PQgetvalue(res, 0, 9), "t") == 0;
    facts->we_are_superuser = strcmp(PQgetvalue(res, 0, 10), "t") == 0;
    snprintf(facts->not_json, sizeof facts->not_json, "%s", PQgetvalue(res, 0, 11));
cleanup:
    PQclear(res);
    free(quoted);
    free(schema);
    free(table);
    return st;
}

static tg_status schema_not_usable(const char *key, const char *name, tg_error *err)
{
    tg_error_set(err, TG_ERR_DB, "permission denied to use the schema of %s \"%s\"", key, name);
    tg_error_hint(err, "GRANT USAGE ON the schema TO the role twingraph connects as");
    return TG_ERR_DB;
}

static tg_status check_source(PGconn *conn, const char *key, const char *name, const char *required,
                              const char *json_columns, tg_error *err)
{
    table_facts facts = {0};
    tg_status st = facts_of(conn, name, required, "{SELECT}", json_columns, &facts, err);
    if (st)
        return st;
    if (!facts.schema_usable)
        return schema_not_usable(key, name, err);
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
    if (facts.not_json[0]) {
        tg_error_set(err, TG_ERR_INPUT, "%s \"%s\": %s, not jsonb", key, name, facts.not_json);
        tg_error_hint(err, "paths into a document need a json or jsonb column; cast it in a view");
        return TG_ERR_INPUT;
    }
    if (!facts.privileged) {
        tg_error_set(err, TG_ERR_DB, "permission denied to read %s \"%s\"", key, name);
        tg_error_hint(err, "GRANT SELECT ON %s TO the role twingraph connects as", name);
        return TG_ERR_DB;
    }
    /* Reading a view runs the functions in it with our privileges: as a superuser, only trust
     * views that a superuser wrote. */
    if (facts.we_are_superuser && facts.kind == 'v' && !facts.owner_is_superuser) {
        tg_error_set(err, TG_ERR_DB, "refusing to read %s \"%s\" as a superuser: the view belongs to a role that is not",
                     key, name);
        tg_error_detail(err, "Functions a view calls run with the privileges of the role that reads it.");
        tg_error_hint(err, "run twingraph as a role without superuser (see README, \"Privileges\")");
        return TG_ERR_DB;
    }
    return TG_OK;
}

static tg_status check_output(PGconn *conn, const char *key, const char *name, const char *privileges, bool marked,
                              tg_error *err)
{
    table_facts facts = {0};
    tg_status st = facts_of(conn, name, "{}", privileges, "{}", &facts, err);
    if (st)
        return st;
    if (!facts.schema_usable)
        return schema_not_usable(key, name, err);
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
    /* Another role's table may carry triggers, rules or defaults that would run as us. */
    if (!facts.owned) {
        tg_error_set(err, TG_ERR_DB, "%s \"%s\" belongs to another role", key, name);
        tg_error_detail(err, "twingraph writes only tables owned by the role it connects as: triggers, rules and "
                             "defaults of another owner's table would run with its privileges.");
        tg_error_hint(err, "connect as the table's owner, or choose another \"%s\"", key);
        return TG_ERR_DB;
    }
    if (!facts.privileged) {
        tg_error_set(err, TG_ERR_DB, "permission denied to write %s \"%s\"", key, name);
        tg_error_hint(err, "GRANT the privileges back to the owner");
        return TG_ERR_DB;
    }
    return TG_OK;
}

/* Appends name as an element of a text[] literal ("{a,\"b c\"}" form), quoted and escaped. */
static void append_element(char *array, size_t size, const char *name)
{
    size_t len = strlen(array);
    if (len > 0 && array[len - 1] == '}')
        array[--len] = '\0';
    len += (size_t)snprintf(array + len, size - len, "%s\"", len > 1 ? "," : "");
    for (const char *c = name; *c && len + 4 < size; c++) {
        if (*c == '"' || *c == '\\')
            array[len++] = '\\';
        array[len++] = *c;
    }
    snprintf(array + len, size - len, "\"}");
}

tg_status tg_preflight_check(PGconn *conn, const tg_spec *spec, tg_error *err)
{
    tg_status st;
    /* The columns the job reads beyond the required ones: the twin document for twin_value,
     * properties or a weight column for weighted layers. */
    char devices[256] = "{}", devices_json[64] = "{}", relationships[2048] = "{}", relationships_json[64] = "{}";
    append_element(devices, sizeof devices, "device_id");
    if (spec->n_doc_paths) {
        append_element(devices, sizeof devices, "twin");
        append_element(devices_json, sizeof devices_json, "twin");
    }
    append_element(relationships, sizeof relationships, "source_id");
    append_element(relationships, sizeof relationships, "target_id");
    append_element(relationships, sizeof relationships, "kind");
    for (size_t k = 0; k < spec->n_rel_values; k++) {
        bool path = strncmp(spec->rel_values[k], "properties.", 11) == 0;
        append_element(relationships, sizeof relationships, path ? "properties" : spec->rel_values[k]);
        if (path && strcmp(relationships_json, "{}") == 0)
            append_element(relationships_json, sizeof relationships_json, "properties");
    }
    if ((st = check_source(conn, "source.devices", spec->devices_source, devices, devices_json, err)))
        return st;
    if (spec->relationships_source &&
        (st = check_source(conn, "source.relationships", spec->relationships_source, relationships, relationships_json,
                           err)))
        return st;
    if ((st = check_output(conn, "output.table", spec->output_table, "{SELECT}", true, err)) ||
        (st = check_output(conn, "output.runs", spec->runs_table, "{INSERT,UPDATE}", false, err)) ||
        (spec->writes_ranking &&
         (st = check_output(conn, "output.influencers", spec->influencers_table, "{INSERT}", false, err))))
        return st;
    return TG_OK;
}
