/* tg_load_write.c - writes loaded twins and relationships into the source tables in one transaction. */
#define _GNU_SOURCE /* asprintf, stpcpy */
#include "tg_load_write.h"

#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tg_copy.h"
#include "tg_db.h"
#include "tg_interrupt.h"

#define COPY_FLUSH_BYTES (4u << 20)

size_t tg_load_first_use(const tg_load_set *set, const char *id)
{
    for (size_t i = 0; i < set->n_relationships; i++) {
        const tg_load_relationship *r = &set->relationships[i];
        if (strcmp(r->source_id, id) == 0 || strcmp(r->target_id, id) == 0)
            return r->line;
    }
    for (size_t t = 0; t < set->n_twins; t++)
        if (set->twins[t].parent_id && strcmp(set->twins[t].parent_id, id) == 0)
            return set->twins[t].line;
    return 0;
}

/* Runs sql with %s replaced by the quoted schema (every occurrence). */
static tg_status exec_in_schema(PGconn *conn, const char *sql, const char *schema, PGresult **res, tg_error *err)
{
    size_t n = 0;
    for (const char *p = strstr(sql, "%s"); p; p = strstr(p + 2, "%s"))
        n++;
    char *text = malloc(strlen(sql) + n * strlen(schema) + 1);
    if (!text)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    char *out = text;
    for (const char *p = sql; *p;) {
        if (p[0] == '%' && p[1] == 's') {
            out = stpcpy(out, schema);
            p += 2;
        } else {
            *out++ = *p++;
        }
    }
    *out = '\0';
    tg_status st = tg_db_exec(conn, text, 0, NULL, res, err);
    free(text);
    return st;
}

/* The columns of sql/schema.sql (tests/integration checks that both create the same tables). */
static const char *const CREATE_TABLES[] = {
    "CREATE TABLE IF NOT EXISTS %s.devices ("
    " device_id text PRIMARY KEY, parent_id text, model text,"
    " lat double precision CHECK (lat BETWEEN -90 AND 90), lon double precision CHECK (lon BETWEEN -180 AND 180),"
    " twin jsonb)",
    "CREATE TABLE IF NOT EXISTS %s.relationships ("
    " source_id text NOT NULL, target_id text NOT NULL, kind text NOT NULL, properties jsonb)",
    "CREATE INDEX IF NOT EXISTS relationships_kind_idx ON %s.relationships (kind)"};

static tg_status ensure_tables(PGconn *conn, const char *schema_name, const char *schema, bool *created,
                               tg_error *err)
{
    PGresult *res = NULL;
    const char *params[] = {schema_name};
    tg_status st = tg_db_exec(conn,
                              "SELECT pg_catalog.to_regnamespace(pg_catalog.quote_ident($1)) IS NOT NULL,"
                              " pg_catalog.to_regclass(pg_catalog.quote_ident($1) || '.devices') IS NOT NULL"
                              " AND pg_catalog.to_regclass(pg_catalog.quote_ident($1) || '.relationships') IS NOT NULL",
                              1, params, &res, err);
    if (st)
        return st;
    bool have_schema = PQgetvalue(res, 0, 0)[0] == 't';
    bool have_tables = PQgetvalue(res, 0, 1)[0] == 't';
    PQclear(res);
    *created = !have_tables;
    if (!have_schema)
        st = exec_in_schema(conn, "CREATE SCHEMA %s", schema, NULL, err);
    for (size_t i = 0; !st && !have_tables && i < sizeof CREATE_TABLES / sizeof *CREATE_TABLES; i++)
        st = exec_in_schema(conn, CREATE_TABLES[i], schema, NULL, err);
    return st;
}

/* An SQL text[] literal ({"a","b\"c"}) of the ids. */
static char *array_literal(char *const *ids, size_t n)
{
    size_t size = 3;
    for (size_t i = 0; i < n; i++)
        size += 2 * strlen(ids[i]) + 3;
    char *text = malloc(size), *out = text;
    if (!text)
        return NULL;
    *out++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *out++ = ',';
        *out++ = '"';
        for (const char *p = ids[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                *out++ = '\\';
            *out++ = *p;
        }
        *out++ = '"';
    }
    *out++ = '}';
    *out = '\0';
    return text;
}

static tg_status check_unknown_ids(PGconn *conn, const tg_load_set *set, const char *schema,
                                   const char *schema_name, tg_error *err)
{
    if (!set->n_unknown_ids)
        return TG_OK;
    char *ids = array_literal(set->unknown_ids, set->n_unknown_ids);
    char *sql = NULL;
    if (!ids || asprintf(&sql,
                         "SELECT u.id, pg_catalog.count(*) OVER () FROM pg_catalog.unnest($1::pg_catalog.text[])"
                         " WITH ORDINALITY AS u(id, n) WHERE NOT EXISTS (SELECT FROM %s.devices d"
                         " WHERE d.device_id OPERATOR(pg_catalog.=) u.id) ORDER BY u.n LIMIT 1",
                         schema) < 0) {
        free(ids);
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    }
    PGresult *res = NULL;
    const char *params[] = {ids};
    tg_status st = tg_db_exec(conn, sql, 1, params, &res, err);
    if (!st && PQntuples(res) > 0) {
        const char *id = PQgetvalue(res, 0, 0);
        long more = atol(PQgetvalue(res, 0, 1)) - 1;
        char where[600];
        tg_load_set_where(set, tg_load_first_use(set, id), where, sizeof where);
        st = tg_error_set(err, TG_ERR_INPUT, "%s: \"%s\" is not a twin of the file or of %s.devices", where, id,
                          schema_name);
        if (more > 0)
            tg_error_detail(err, "%ld more ids like this.", more);
        tg_error_hint(err, "Load the file that defines the twin first (without --replace the twins already in the "
                           "table count), or remove the relationship.");
    }
    PQclear(res);
    free(sql);
    free(ids);
    return st;
}

/* Parent links whose child is a twin already in the table: set its parent_id, where it has none. */
static tg_status link_existing_children(PGconn *conn, tg_load_set *set, const char *schema, const char *schema_name,
                                        bool several_parents_first, tg_load_written *written, tg_error *err)
{
    if (!set->n_external_links)
        return TG_OK;
    char **children = malloc(set->n_external_links * sizeof *children);
    char **parents = malloc(set->n_external_links * sizeof *parents);
    char *child_list = NULL, *parent_list = NULL, *conflicts = NULL, *update = NULL;
    PGresult *res = NULL;
    tg_status st = TG_OK;
    if (!children || !parents) {
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < set->n_external_links; i++) {
        children[i] = (char *)set->external_links[i].child;
        parents[i] = (char *)set->external_links[i].parent;
    }
    child_list = array_literal(children, set->n_external_links);
    parent_list = array_literal(parents, set->n_external_links);
    if (!child_list || !parent_list ||
        asprintf(&conflicts,
                 "SELECT u.n, d.parent_id FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]),"
                 " pg_catalog.unnest($2::pg_catalog.text[])) WITH ORDINALITY AS u(child, parent, n) JOIN %s.devices d ON d.device_id OPERATOR(pg_catalog.=) u.child"
                 " WHERE d.parent_id IS NOT NULL AND d.parent_id OPERATOR(pg_catalog.<>) u.parent ORDER BY u.n",
                 schema) < 0 ||
        asprintf(&update,
                 "UPDATE %s.devices d SET parent_id = u.parent"
                 " FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]), pg_catalog.unnest($2::pg_catalog.text[]))"
                 " AS u(child, parent)"
                 " WHERE d.device_id OPERATOR(pg_catalog.=) u.child AND d.parent_id IS NULL",
                 schema) < 0) {
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    const char *params[] = {child_list, parent_list};
    if ((st = tg_db_exec(conn, conflicts, 2, params, &res, err)))
        goto cleanup;
    for (int row = 0; row < PQntuples(res); row++) {
        tg_load_external_link *link = &set->external_links[atol(PQgetvalue(res, row, 0)) - 1];
        if (!several_parents_first) {
            char where[600];
            tg_load_set_where(set, set->relationships[link->relationship].line, where, sizeof where);
            st = tg_error_set(err, TG_ERR_INPUT, "%s: twin \"%s\" already has the parent \"%s\" in %s.devices; the "
                              "file makes \"%s\" its parent", where, link->child, PQgetvalue(res, row, 1), schema_name,
                              link->parent);
            tg_error_hint(err, "Pass --several-parents first to keep the parent in the table and load the link as a "
                               "relationship, or --replace to load the whole model afresh.");
            goto cleanup;
        }
        set->relationships[link->relationship].parent_link = false;
        written->parents_kept++;
    }
    PQclear(res);
    res = NULL;
    if (!(st = tg_db_exec(conn, update, 2, params, &res, err)))
        written->parents_set = (size_t)strtoull(PQcmdTuples(res), NULL, 10);
cleanup:
    PQclear(res);
    free(children);
    free(parents);
    free(child_list);
    free(parent_list);
    free(conflicts);
    free(update);
    return st;
}

/* Parent links that leave the file (to twins in the table, or giving table twins a parent) can
 * close a cycle the file alone does not show: walks up from every such twin, in the table as it
 * now stands. */
static tg_status check_table_cycles(PGconn *conn, const tg_load_set *set, const char *schema, const char *schema_name,
                                    tg_error *err)
{
    size_t n = 0;
    char **starts = malloc((set->n_external_links + set->n_twins + 1) * sizeof *starts);
    if (!starts)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    for (size_t i = 0; i < set->n_external_links; i++)
        starts[n++] = (char *)set->external_links[i].child;
    for (size_t t = 0; t < set->n_twins; t++)
        if (set->twins[t].parent_id && !tg_load_set_find(set, set->twins[t].parent_id))
            starts[n++] = set->twins[t].device_id;
    tg_status st = TG_OK;
    char *list = NULL, *sql = NULL;
    PGresult *res = NULL;
    if (n == 0)
        goto cleanup;
    if (!(list = array_literal(starts, n)) ||
        asprintf(&sql,
                 "WITH RECURSIVE up(start, node) AS ("
                 " SELECT s, s FROM pg_catalog.unnest($1::pg_catalog.text[]) AS s"
                 " UNION ALL SELECT up.start, d.parent_id FROM up JOIN %s.devices d"
                 " ON d.device_id OPERATOR(pg_catalog.=) up.node WHERE d.parent_id IS NOT NULL"
                 ") CYCLE node SET looped USING path"
                 " SELECT start FROM up WHERE looped AND node OPERATOR(pg_catalog.=) start LIMIT 1",
                 schema) < 0) {
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    const char *params[] = {list};
    if (!(st = tg_db_exec(conn, sql, 1, params, &res, err)) && PQntuples(res) > 0) {
        const char *id = PQgetvalue(res, 0, 0);
        char where[600];
        tg_load_set_where(set, tg_load_first_use(set, id), where, sizeof where);
        st = tg_error_set(err, TG_ERR_INPUT, "%s: the parent links of twin \"%s\" form a cycle with twins already in "
                          "%s.devices", where, id, schema_name);
        tg_error_hint(err, "A twin cannot be its own ancestor; check the file's parent links against the table's "
                           "parent_id, or load with --replace.");
    }
cleanup:
    PQclear(res);
    free(list);
    free(sql);
    free(starts);
    return st;
}

static tg_status copy_twins(PGconn *conn, const tg_load_set *set, const char *schema, const char *schema_name,
                            tg_error *err)
{
    char *sql = NULL;
    if (asprintf(&sql, "COPY %s.devices (device_id, parent_id, model, lat, lon, twin) FROM STDIN", schema) < 0)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    tg_status st = tg_db_copy_in_start(conn, sql, err);
    if (st) {
        free(sql);
        return st;
    }
    tg_copy_buffer buf = {0};
    for (size_t t = 0; t < set->n_twins && !st; t++) {
        const tg_load_twin *twin = &set->twins[t];
        tg_copy_text_field(&buf, twin->device_id, false);
        tg_copy_text_field(&buf, twin->parent_id, false);
        tg_copy_text_field(&buf, twin->model, false);
        char lat[32], lon[32];
        snprintf(lat, sizeof lat, "%.17g", twin->lat);
        snprintf(lon, sizeof lon, "%.17g", twin->lon);
        tg_copy_text_field(&buf, isnan(twin->lat) ? NULL : lat, false);
        tg_copy_text_field(&buf, isnan(twin->lon) ? NULL : lon, false);
        tg_copy_text_field(&buf, twin->twin, true);
        if (buf.len >= COPY_FLUSH_BYTES && !(st = tg_interrupt_check("while loading twins", err)))
            st = tg_db_copy_in_send(conn, &buf, err);
    }
    if (!st)
        st = tg_db_copy_in_send(conn, &buf, err);
    st = tg_db_copy_in_end(conn, st, sql, err);
    if (st && strcmp(err->sqlstate, "23505") == 0) {
        err->status = st = TG_ERR_INPUT; /* the file's data, not the database, is at fault */
        tg_error_hint(err, "A twin of the file is already in %s.devices; pass --replace to replace the previous "
                           "twins and relationships.", schema_name);
    }
    tg_copy_buffer_destroy(&buf);
    free(sql);
    return st;
}

static tg_status copy_relationships(PGconn *conn, const tg_load_set *set, const char *schema, bool keep_parent_links,
                                    size_t *written, tg_error *err)
{
    char *sql = NULL;
    if (asprintf(&sql, "COPY %s.relationships (source_id, target_id, kind, properties) FROM STDIN", schema) < 0)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    tg_status st = tg_db_copy_in_start(conn, sql, err);
    if (st) {
        free(sql);
        return st;
    }
    tg_copy_buffer buf = {0};
    for (size_t i = 0; i < set->n_relationships && !st; i++) {
        const tg_load_relationship *r = &set->relationships[i];
        if (r->parent_link && !keep_parent_links)
            continue;
        tg_copy_text_field(&buf, r->source_id, false);
        tg_copy_text_field(&buf, r->target_id, false);
        tg_copy_text_field(&buf, r->kind, false);
        tg_copy_text_field(&buf, r->properties, true);
        ++*written;
        if (buf.len >= COPY_FLUSH_BYTES && !(st = tg_interrupt_check("while loading relationships", err)))
            st = tg_db_copy_in_send(conn, &buf, err);
    }
    if (!st)
        st = tg_db_copy_in_send(conn, &buf, err);
    st = tg_db_copy_in_end(conn, st, sql, err);
    tg_copy_buffer_destroy(&buf);
    free(sql);
    return st;
}

static size_t affected(PGresult *res)
{
    return (size_t)strtoull(PQcmdTuples(res), NULL, 10);
}

tg_status tg_load_write(PGconn *conn, tg_load_set *set, const char *schema_name, bool replace,
                        bool keep_parent_links, bool several_parents_first, tg_load_written *written, tg_error *err)
{
    memset(written, 0, sizeof *written);
    char *schema = NULL;
    tg_status st = tg_db_quote_ident(conn, schema_name, &schema, err);
    if (st)
        return st;
    PGresult *res = NULL;
    /* Loads into one schema take turns from the start: two first loads would otherwise both try
     * to create the schema and its tables. */
    char lock_key[600];
    snprintf(lock_key, sizeof lock_key, "twingraph load %s", schema_name);
    const char *lock_params[] = {lock_key};
    if (!(st = tg_db_exec(conn, "BEGIN", 0, NULL, NULL, err)) &&
        !(st = tg_db_exec(conn, "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext($1))", 1, lock_params,
                          NULL, err)))
        st = ensure_tables(conn, schema_name, schema, &written->created, err);
    if (!st)
        st = exec_in_schema(conn, "LOCK TABLE %s.devices, %s.relationships IN SHARE ROW EXCLUSIVE MODE", schema, NULL,
                            err);
    if (!st && replace && !(st = exec_in_schema(conn, "DELETE FROM %s.devices", schema, &res, err))) {
        written->deleted_twins = affected(res);
        PQclear(res);
        if (!(st = exec_in_schema(conn, "DELETE FROM %s.relationships", schema, &res, err)))
            written->deleted_relationships = affected(res);
        PQclear(res);
    }
    if (!st)
        st = check_unknown_ids(conn, set, schema, schema_name, err);
    if (!st)
        st = link_existing_children(conn, set, schema, schema_name, several_parents_first, written, err);
    if (!st && !(st = copy_twins(conn, set, schema, schema_name, err)))
        written->twins = set->n_twins;
    if (!st)
        st = check_table_cycles(conn, set, schema, schema_name, err);
    if (!st)
        st = copy_relationships(conn, set, schema, keep_parent_links, &written->relationships, err);
    if (!st)
        st = tg_db_exec(conn, "COMMIT", 0, NULL, NULL, err);
    if (st && PQtransactionStatus(conn) != PQTRANS_IDLE)
        PQclear(PQexec(conn, "ROLLBACK"));
    free(schema);
    return st;
}
