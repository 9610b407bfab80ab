/* tg_storage.c - generations, per-run partitions filled with COPY FREEZE, the reader view and the pruning of runs no snapshot needs. */
#include "tg_storage.h"

#include <inttypes.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tg_copy.h"
#include "tg_db.h"
#include "tg_interrupt.h"

#define COPY_FLUSH_BYTES (1 << 20)
#define LOCK_TIMEOUT "200ms"

/* A growing SQL text; an allocation failure sets failed. */
typedef struct {
    char *text;
    size_t len, cap;
    bool failed;
} sql_text;

static void sql_append(sql_text *sql, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sql_append(sql_text *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (sql->failed || n < 0)
        return;
    if (sql->len + (size_t)n + 1 > sql->cap) {
        size_t cap = 2 * (sql->len + (size_t)n + 1);
        char *grown = realloc(sql->text, cap);
        if (!grown) {
            sql->failed = true;
            return;
        }
        sql->text = grown;
        sql->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(sql->text + sql->len, sql->cap - sql->len, fmt, ap);
    va_end(ap);
    sql->len += (size_t)n;
}

static tg_status sql_run(PGconn *conn, sql_text *sql, tg_error *err)
{
    tg_status st = sql->failed ? tg_error_set(err, TG_ERR_MEMORY, "out of memory")
                               : tg_db_exec(conn, sql->text, 0, NULL, NULL, err);
    free(sql->text);
    memset(sql, 0, sizeof *sql);
    return st;
}

/* "schema"."<table><suffix>", quoted: an object named after the table, beside it. */
static tg_status beside(PGconn *conn, const char *schema, const char *table, const char *suffix, char **out,
                        tg_error *err)
{
    char name[128], *quoted = NULL;
    snprintf(name, sizeof name, "%s%s", table, suffix);
    tg_status st = tg_db_quote_ident(conn, name, &quoted, err);
    if (!st && (*out = malloc(strlen(schema) + strlen(quoted) + 2)))
        sprintf(*out, "%s.%s", schema, quoted);
    else if (!st)
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    free(quoted);
    return st;
}

tg_status tg_storage_init(PGconn *conn, const tg_spec *spec, tg_storage *storage, tg_error *err)
{
    memset(storage, 0, sizeof *storage);
    /* FNV-1a (64 bits) of the table's one spelling: short, stable names for its parts. Each
     * generation's comment names its table, so a collision is refused, never shared. */
    uint64_t hash = 14695981039346656037u;
    for (const char *c = spec->output_table; *c; c++)
        hash = (hash ^ (unsigned char)*c) * 1099511628211u;
    snprintf(storage->base, sizeof storage->base, "tg_%016" PRIx64, hash);
    char *table = NULL;
    tg_status st = tg_db_split_name(spec->output_table, &storage->schema_name, &table, err);
    if (!st && !(st = tg_db_quote_ident(conn, storage->schema_name, &storage->schema, err)) &&
        !(st = tg_db_quote_name(conn, spec->output_table, "output.table", &storage->view, err)) &&
        !(st = tg_db_quote_name(conn, spec->runs_table, "output.runs", &storage->runs, err)) &&
        !(st = beside(conn, storage->schema, table, "_history", &storage->history, err)) &&
        !(st = beside(conn, storage->schema, table, "_as_of", &storage->as_of, err)))
        snprintf(storage->as_of_name, sizeof storage->as_of_name, "%s_as_of", table);
    free(table);
    return st;
}

void tg_storage_destroy(tg_storage *storage)
{
    if (!storage)
        return;
    free(storage->schema_name);
    free(storage->schema);
    free(storage->view);
    free(storage->runs);
    free(storage->history);
    free(storage->as_of);
    memset(storage, 0, sizeof *storage);
}

/* "device_id text,run_id bigint,<name> <type>,...": a column set as format_type spells it. */
static void job_signature(const tg_feature_table *table, sql_text *out)
{
    sql_append(out, "device_id text,run_id bigint");
    for (size_t c = 0; c < table->n_columns; c++)
        sql_append(out, ",%s %s", table->columns[c].name, tg_column_sql_type(table->columns[c].type));
}

static const char *const GENERATIONS =
    "SELECT (pg_catalog.substring(c.relname, '_g([0-9]+)$'))::int AS g, c.relname,"
    "  (SELECT pg_catalog.string_agg(a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod), ','"
    "     ORDER BY a.attnum) FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0"
    "     AND NOT a.attisdropped),"
    "  EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhparent = c.oid),"
    "  COALESCE(pg_catalog.obj_description(c.oid, 'pg_class'), '')"
    " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = $1 AND c.relkind = 'p' AND c.relname ~ ('^' || $2 || '_g[0-9]+$')"
    " ORDER BY 1 DESC";

static tg_status list_generations(PGconn *conn, const tg_storage *storage, PGresult **res, tg_error *err)
{
    const char *params[] = {storage->schema_name, storage->base};
    return tg_db_exec(conn, GENERATIONS, 2, params, res, err);
}

/* COPY FREEZE into a table created in this transaction: the rows are born frozen, so no later
 * vacuum rewrites them. Frozen rows are visible to older snapshots too, but those read the run
 * their own snapshot chose, through the view, never this partition. */
static tg_status copy_rows(PGconn *conn, const char *partition, const tg_twins *twins, const tg_feature_table *table,
                           int64_t run_id, tg_error *err)
{
    sql_text sql = {0};
    tg_copy_buffer buf = {0};
    tg_status st = TG_OK;
    sql_append(&sql, "COPY %s (device_id, run_id", partition);
    for (size_t c = 0; c < table->n_columns && !st; c++) {
        char *quoted = NULL;
        if (!(st = tg_db_quote_ident(conn, table->columns[c].name, &quoted, err)))
            sql_append(&sql, ", %s", quoted);
        free(quoted);
    }
    sql_append(&sql, ") FROM STDIN (FORMAT binary, FREEZE)");
    if (st || sql.failed) {
        st = st ? st : tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    if ((st = tg_db_copy_in_start(conn, sql.text, err)))
        goto cleanup;
    tg_copy_header(&buf);
    for (igraph_integer_t v = 0; v < twins->n_twins && !st; v++) {
        tg_copy_row(&buf, (int16_t)(2 + table->n_columns));
        tg_copy_text(&buf, tg_twins_id(twins, v));
        tg_copy_int8(&buf, run_id);
        for (size_t c = 0; c < table->n_columns; c++)
            tg_column_encode(&table->columns[c], v, &buf);
        if (buf.len >= COPY_FLUSH_BYTES && !(st = tg_interrupt_check("while writing features", err)))
            st = tg_db_copy_in_send(conn, &buf, err);
    }
    if (!st) {
        tg_copy_trailer(&buf);
        st = tg_db_copy_in_send(conn, &buf, err);
    }
    st = tg_db_copy_in_end(conn, st, sql.text, err);
cleanup:
    free(sql.text);
    tg_copy_buffer_destroy(&buf);
    return st;
}

tg_status tg_storage_write_run(PGconn *conn, const tg_storage *storage, const tg_feature_table *table,
                               const tg_twins *twins, int64_t run_id, bool *new_generation, tg_error *err)
{
    PGresult *res = NULL;
    sql_text signature = {0}, sql = {0};
    char parent[256], partition[256];
    tg_status st = list_generations(conn, storage, &res, err);
    if (st)
        return st;
    char owner[600];
    snprintf(owner, sizeof owner, "twingraph storage of %s", storage->view);
    for (int g = 0; g < PQntuples(res); g++)
        if (strcmp(PQgetvalue(res, g, 4), owner) != 0) {
            st = tg_error_set(err, TG_ERR_INTERNAL, "storage table %s.%s does not belong to %s",
                              storage->schema_name, PQgetvalue(res, g, 1), storage->view);
            tg_error_detail(err, "Its comment says \"%s\".", PQgetvalue(res, g, 4));
            tg_error_hint(err, "two output tables' storage names collide; choose another \"output.table\"");
            PQclear(res);
            return st;
        }
    job_signature(table, &signature);
    int generation = PQntuples(res) > 0 ? atoi(PQgetvalue(res, 0, 0)) : 0;
    *new_generation = !(PQntuples(res) > 0 && signature.text && strcmp(PQgetvalue(res, 0, 2), signature.text) == 0);
    PQclear(res);
    free(signature.text);
    if (*new_generation)
        generation++;
    snprintf(parent, sizeof parent, "%s.\"%s_g%d\"", storage->schema, storage->base, generation);
    snprintf(partition, sizeof partition, "%s.\"%s_r%" PRId64 "\"", storage->schema, storage->base, run_id);

    if (*new_generation) {
        /* A new column set gets a new parent: no column is ever dropped, so none of the 1,600
         * attribute slots is used up. */
        sql_append(&sql, "CREATE TABLE %s (device_id text NOT NULL, run_id bigint NOT NULL", parent);
        for (size_t c = 0; c < table->n_columns && !st; c++) {
            char *quoted = NULL;
            if (!(st = tg_db_quote_ident(conn, table->columns[c].name, &quoted, err)))
                sql_append(&sql, ", %s %s", quoted, tg_column_sql_type(table->columns[c].type));
            free(quoted);
        }
        sql_append(&sql, ") PARTITION BY LIST (run_id)");
        if (st || (st = sql_run(conn, &sql, err)))
            goto cleanup;
        char *literal = NULL;
        if ((st = tg_db_quote_literal(conn, owner, &literal, err)))
            goto cleanup;
        sql_append(&sql, "COMMENT ON TABLE %s IS %s", parent, literal);
        free(literal);
        if ((st = sql_run(conn, &sql, err)))
            goto cleanup;
    }
    sql_append(&sql, "CREATE TABLE %s (LIKE %s, CHECK (run_id = %" PRId64 "))", partition, parent, run_id);
    if ((st = sql_run(conn, &sql, err)) || (st = copy_rows(conn, partition, twins, table, run_id, err)))
        goto cleanup;
    tg_fault_point("rows_copied");
    /* The primary key is built after the load: one sort instead of a million index inserts. The
     * CHECK lets ATTACH skip its scan. */
    sql_append(&sql, "ALTER TABLE %s ADD PRIMARY KEY (device_id)", partition);
    if ((st = sql_run(conn, &sql, err)))
        goto cleanup;
    sql_append(&sql, "ALTER TABLE %s ATTACH PARTITION %s FOR VALUES IN (%" PRId64 ")", parent, partition, run_id);
    st = sql_run(conn, &sql, err);
    tg_fault_point("partition_attached");
cleanup:
    free(sql.text);
    return st;
}

/* The view: the latest succeeded run of this table, chosen in the reader's snapshot among the
 * runs whose partition the reader's plan contains, and for each generation holding runs its rows
 * of that run with the current columns (NULL where that generation lacks one). Checking the
 * partition matters at READ COMMITTED: a statement may be planned before a run attaches its
 * partition and executed with a snapshot in which that run has already succeeded; it must then
 * read the previous run, not nothing. */
static tg_status view_sql(PGconn *conn, const tg_storage *storage, const tg_spec *spec, const tg_feature_table *table,
                          bool every_run, sql_text *sql, tg_error *err)
{
    PGresult *res = NULL;
    char *table_literal = NULL;
    tg_status st = list_generations(conn, storage, &res, err);
    if (st || (st = tg_db_quote_literal(conn, spec->output_table, &table_literal, err)))
        goto cleanup;
    /* A run of no twins has rows in no partition, yet it is the latest run: without its own
     * clause the view would fall back to an older run whose partition a reader's snapshot (or a
     * lock wait) kept from being pruned. */
    if (every_run)
        sql_append(sql, "CREATE VIEW %s AS", storage->history);
    else {
        sql_append(sql, "CREATE VIEW %s AS WITH latest AS (SELECT r.run_id FROM %s r WHERE r.output_table = %s"
                        " AND r.status = 'succeeded' AND (r.twin_count = 0",
                   storage->view, storage->runs, table_literal);
        for (int g = 0; g < PQntuples(res); g++) {
            if (strcmp(PQgetvalue(res, g, 3), "t") != 0)
                continue; /* a generation without runs */
            sql_append(sql, " OR EXISTS (SELECT 1 FROM %s.\"%s\" p WHERE p.run_id = r.run_id)", storage->schema,
                       PQgetvalue(res, g, 1));
        }
        sql_append(sql, ") ORDER BY r.run_id DESC LIMIT 1)");
    }
    bool first = true;
    for (int g = 0; g < PQntuples(res) && !st; g++) {
        if (strcmp(PQgetvalue(res, g, 3), "t") != 0)
            continue;
        const char *columns = PQgetvalue(res, g, 2);
        sql_append(sql, "%s SELECT device_id, run_id", first ? "" : " UNION ALL");
        first = false;
        for (size_t c = 0; c < table->n_columns && !st; c++) {
            char wanted[256], *quoted = NULL;
            const char *type = tg_column_sql_type(table->columns[c].type);
            snprintf(wanted, sizeof wanted, "%s %s", table->columns[c].name, type);
            /* Whole entries of the comma-separated list only. */
            const char *at = strstr(columns, wanted);
            size_t n = strlen(wanted);
            bool present = false;
            for (; at && !present; at = strstr(at + 1, wanted))
                present = (at == columns || at[-1] == ',') && (at[n] == ',' || at[n] == '\0');
            if (!(st = tg_db_quote_ident(conn, table->columns[c].name, &quoted, err))) {
                if (present)
                    sql_append(sql, ", %s", quoted);
                else
                    sql_append(sql, ", NULL::%s AS %s", type, quoted);
            }
            free(quoted);
        }
        sql_append(sql, " FROM %s.\"%s\"%s", storage->schema, PQgetvalue(res, g, 1),
                   every_run ? "" : " WHERE run_id = (SELECT run_id FROM latest)");
    }
    if (first) /* no generation holds a run: a view of the right shape with no rows */
        sql_append(sql, " SELECT NULL::text AS device_id, NULL::bigint AS run_id WHERE false");
    if (!st && sql->failed)
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
cleanup:
    PQclear(res);
    free(table_literal);
    return st;
}

/* Sleeps seconds, waking every 100 ms for a stop request. */
static tg_status nap(double seconds, tg_error *err)
{
    for (double slept = 0; slept < seconds; slept += 0.1) {
        tg_status st = tg_interrupt_check("while waiting for readers", err);
        if (st)
            return st;
        struct timespec step = {0, 100 * 1000 * 1000};
        nanosleep(&step, NULL);
    }
    return TG_OK;
}

/* GRANT statements that give a replaced view the privileges its predecessor had. */
static tg_status saved_grants(PGconn *conn, const tg_storage *storage, PGresult **grants, tg_error *err)
{
    const char *params[] = {storage->view};
    return tg_db_exec(conn,
                      "SELECT pg_catalog.format('GRANT %s ON %s TO %s%s', a.privilege_type, $1::text,"
                      "  CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(r.rolname) END,"
                      "  CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)"
                      " FROM pg_catalog.pg_class c CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a"
                      " LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.grantee"
                      " WHERE c.oid = pg_catalog.to_regclass($1::text) AND a.grantee <> c.relowner",
                      1, params, grants, err);
}

/* "pid 123 (analyst, psql)": the sessions holding the view, for the lock-wait error. */
static void view_holders(PGconn *conn, const tg_storage *storage, char *buf, size_t size)
{
    const char *params[] = {storage->view};
    PGresult *res = NULL;
    tg_error ignored = {0};
    buf[0] = '\0';
    if (tg_db_exec(conn,
                   "SELECT pg_catalog.string_agg(pg_catalog.format('pid %s (%s, %s)', a.pid, a.usename,"
                   "  COALESCE(a.application_name, '')), ', ')"
                   " FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid"
                   " WHERE l.relation = pg_catalog.to_regclass($1) AND l.granted AND a.pid <> pg_catalog.pg_backend_pid()",
                   1, params, &res, &ignored) == TG_OK)
        snprintf(buf, size, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
}

tg_status tg_storage_publish(PGconn *conn, const tg_storage *storage, const tg_spec *spec,
                             const tg_feature_table *table, bool new_generation, double lock_wait_s, tg_error *err)
{
    PGresult *res = NULL, *grants = NULL;
    const char *params[] = {storage->view};
    tg_status st = tg_db_exec(conn,
                              "SELECT COALESCE((SELECT c.relkind::text FROM pg_catalog.pg_class c"
                              " WHERE c.oid = pg_catalog.to_regclass($1)), '')",
                              1, params, &res, err);
    if (st)
        return st;
    char kind = PQgetvalue(res, 0, 0)[0];
    PQclear(res);
    /* A generation whose runs were all pruned leaves the view when it is next rewritten, so the
     * generations do not pile up; otherwise the view already shows this generation. */
    bool has_empty = false;
    if (kind == 'v' && !new_generation) {
        if ((st = list_generations(conn, storage, &res, err)))
            return st;
        for (int g = 0; g < PQntuples(res); g++)
            has_empty |= strcmp(PQgetvalue(res, g, 3), "t") != 0;
        PQclear(res);
        if (!has_empty)
            return TG_OK;
    }
    sql_text create = {0};
    if ((st = view_sql(conn, storage, spec, table, false, &create, err)) ||
        (st = saved_grants(conn, storage, &grants, err)))
        goto cleanup;
    char drop[600] = "";
    if (kind == 'r') /* the plain table of an older twingraph, marked ours by pre-flight */
        snprintf(drop, sizeof drop, "DROP TABLE %s", storage->view);
    /* CREATE OR REPLACE keeps the views users built on ours and their grants, and works when
     * columns are only added at the end; any other change drops and recreates it. */
    bool replace = kind == 'v';
    double waited = 0, backoff = 0.1;
    for (;;) {
        tg_error attempt = {0};
        if ((st = tg_db_exec(conn, "SAVEPOINT tg_publish", 0, NULL, NULL, err)) ||
            (st = tg_db_exec(conn, "SET LOCAL lock_timeout = '" LOCK_TIMEOUT "'", 0, NULL, NULL, err)))
            goto cleanup;
        tg_status tried = TG_OK;
        if (replace) {
            char *replace_sql = malloc(strlen(create.text) + 16);
            if (!replace_sql) {
                st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
                goto cleanup;
            }
            sprintf(replace_sql, "CREATE OR REPLACE %s", create.text + strlen("CREATE "));
            tried = tg_db_exec(conn, replace_sql, 0, NULL, NULL, &attempt);
            free(replace_sql);
        } else {
            if (drop[0])
                tried = tg_db_exec(conn, drop, 0, NULL, NULL, &attempt);
            if (!tried)
                tried = tg_db_exec(conn, create.text, 0, NULL, NULL, &attempt);
            for (int g = 0; g < PQntuples(grants) && !tried; g++)
                tried = tg_db_exec(conn, PQgetvalue(grants, g, 0), 0, NULL, NULL, &attempt);
        }
        if (!tried) {
            if (!(st = tg_db_exec(conn, "RELEASE SAVEPOINT tg_publish", 0, NULL, NULL, err)))
                st = tg_db_exec(conn, "SET LOCAL lock_timeout = 0", 0, NULL, NULL, err);
            goto cleanup;
        }
        if ((st = tg_db_exec(conn, "ROLLBACK TO SAVEPOINT tg_publish", 0, NULL, NULL, err)))
            goto cleanup;
        if (replace && strcmp(attempt.sqlstate, "42P16") == 0) { /* columns dropped or reordered */
            replace = false;
            snprintf(drop, sizeof drop, "DROP VIEW %s", storage->view);
            continue;
        }
        if (strcmp(attempt.sqlstate, "2BP01") == 0) {
            st = tg_error_set(err, TG_ERR_DB, "could not change the columns of %s: other views depend on it",
                              spec->output_table);
            tg_error_detail(err, "%s", attempt.detail);
            tg_error_hint(err, "a job that only adds columns at the end keeps dependent views; otherwise drop them, "
                               "run, and create them again");
            goto cleanup;
        }
        if (has_empty && !new_generation && kind == 'v') {
            /* Only tidying: one try, and a run with unchanged columns never waits for readers. */
            st = tg_db_exec(conn, "SET LOCAL lock_timeout = 0", 0, NULL, NULL, err);
            goto cleanup;
        }
        if (strcmp(attempt.sqlstate, "55P03") != 0) { /* not a lock timeout: the real error */
            *err = attempt;
            st = tried;
            goto cleanup;
        }
        if (waited >= lock_wait_s) {
            char holders[512];
            view_holders(conn, storage, holders, sizeof holders);
            st = tg_error_set(err, TG_ERR_DB, "could not change the columns of %s: readers held it for %.0f s",
                              spec->output_table, waited);
            tg_error_detail(err, "A column change replaces the view readers query, which waits for transactions "
                                 "that have read it. Holding it: %s.", holders[0] ? holders : "(none visible to this role)");
            tg_error_hint(err, "end those transactions and run again, or raise \"output.lock_wait_s\" (now %.0f s)",
                          lock_wait_s);
            goto cleanup;
        }
        if ((st = nap(backoff, err)))
            goto cleanup;
        waited += backoff + 0.2;
        backoff = backoff * 2 < 2 ? backoff * 2 : 2;
    }
cleanup:
    PQclear(grants);
    free(create.text);
    return st;
}

/* --- history: every kept run, and the features as of a time ------------------------------------ */

/* Fails when the history view exists and belongs to another role: replacing or dropping it would
 * fail later with a less helpful message. *exists says whether it is there. */
static tg_status check_history_view_ours(PGconn *conn, const tg_storage *storage, bool *exists, tg_error *err)
{
    PGresult *res = NULL;
    const char *params[] = {storage->history};
    tg_status st = tg_db_exec(conn,
                              "SELECT pg_catalog.pg_get_userbyid(c.relowner), c.relowner = (SELECT r.oid FROM"
                              " pg_catalog.pg_roles r WHERE r.rolname = current_user) FROM pg_catalog.pg_class c"
                              " WHERE c.oid = pg_catalog.to_regclass($1) AND c.relkind = 'v'",
                              1, params, &res, err);
    if (st)
        return st;
    *exists = PQntuples(res) > 0;
    if (*exists && strcmp(PQgetvalue(res, 0, 1), "t") != 0) {
        tg_error_set(err, TG_ERR_DB, "the view %s belongs to role %s, not to the role twingraph runs as",
                     storage->history, PQgetvalue(res, 0, 0));
        tg_error_hint(err, "drop it, or give it to twingraph's role (ALTER ... OWNER TO), then run again");
        st = TG_ERR_DB;
    }
    PQclear(res);
    return st;
}

/* Fails when any function named like the as-of function in the table's schema, whatever its
 * arguments, belongs to another role: an overload taking text would catch the documented call
 * with a string literal and run that role's code as the caller. */
static tg_status check_functions_ours(PGconn *conn, const tg_storage *storage, tg_error *err)
{
    PGresult *res = NULL;
    const char *params[] = {storage->schema_name, storage->as_of_name};
    tg_status st = tg_db_exec(conn,
                              "SELECT p.oid::pg_catalog.regprocedure::text, pg_catalog.pg_get_userbyid(p.proowner)"
                              " FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
                              " WHERE n.nspname = $1 AND p.proname = $2 AND p.proowner <> (SELECT r.oid FROM"
                              " pg_catalog.pg_roles r WHERE r.rolname = current_user)",
                              2, params, &res, err);
    if (!st && PQntuples(res) > 0) {
        tg_error_set(err, TG_ERR_DB, "the function %s belongs to role %s, not to the role twingraph runs as",
                     PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
        tg_error_detail(err, "It has the name of the feature table's as-of function, so it could take its calls.");
        tg_error_hint(err, "drop it, or give it to twingraph's role (ALTER FUNCTION ... OWNER TO), then run again");
        st = TG_ERR_DB;
    }
    PQclear(res);
    return st;
}

/* Grants of object (kind "TABLE" or "FUNCTION", name as GRANT spells it) made equal to the
 * SELECT grants of the feature table: every other grant is revoked first, so a REVOKE on the
 * table reaches its history at the next run (and the function also checks at every call).
 * acl_query selects the object's acl and owner from $1, the object. */
static tg_status mirror_grants(PGconn *conn, const tg_storage *storage, const char *kind, const char *object,
                               const char *acl_query, const char *privilege, tg_error *err)
{
    PGresult *res = NULL;
    const char *params[] = {object, kind};
    char sql[900];
    snprintf(sql, sizeof sql,
             "SELECT DISTINCT pg_catalog.format('REVOKE ALL ON %%s %%s FROM %%s', $2::text, $1::text,"
             "  CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(r.rolname) END)"
             " FROM (%s) o CROSS JOIN LATERAL pg_catalog.aclexplode(o.acl) a"
             " LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.grantee WHERE a.grantee <> o.owner",
             acl_query);
    tg_status st = tg_db_exec(conn, sql, 2, params, &res, err);
    for (int i = 0; !st && i < PQntuples(res); i++)
        st = tg_db_exec(conn, PQgetvalue(res, i, 0), 0, NULL, NULL, err);
    PQclear(res);
    res = NULL;
    if (st)
        return st;
    /* Functions are executable by PUBLIC unless revoked, which the acl above does not show. */
    if (strcmp(kind, "FUNCTION") == 0) {
        char revoke[700];
        snprintf(revoke, sizeof revoke, "REVOKE ALL ON FUNCTION %s FROM PUBLIC", object);
        if ((st = tg_db_exec(conn, revoke, 0, NULL, NULL, err)))
            return st;
    }
    const char *grant_params[] = {storage->view, object, kind, privilege};
    st = tg_db_exec(conn,
                    "SELECT pg_catalog.format('GRANT %s ON %s %s TO %s', $4::text, $3::text, $2::text,"
                    "  CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(r.rolname) END)"
                    " FROM pg_catalog.pg_class c CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a"
                    " LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.grantee"
                    " WHERE c.oid = pg_catalog.to_regclass($1::text) AND a.grantee <> c.relowner"
                    " AND a.privilege_type = 'SELECT'",
                    4, grant_params, &res, err);
    for (int i = 0; !st && i < PQntuples(res); i++)
        st = tg_db_exec(conn, PQgetvalue(res, i, 0), 0, NULL, NULL, err);
    PQclear(res);
    return st;
}

/* The history view: CREATE OR REPLACE while columns are only added, else dropped and created,
 * waiting at most lock_wait_s for its readers. It is replaced before the reader view is, so
 * readers of the feature table never wait behind readers of its history. */
static tg_status replace_history_view(PGconn *conn, const tg_storage *storage, const tg_spec *spec,
                                      const char *create, tg_error *err)
{
    char *replace = malloc(strlen(create) + 16), wait[64], drop[600];
    if (!replace)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    sprintf(replace, "CREATE OR REPLACE %s", create + strlen("CREATE "));
    snprintf(wait, sizeof wait, "SET LOCAL lock_timeout = '%.0f ms'", spec->lock_wait_s * 1000 + 1);
    snprintf(drop, sizeof drop, "DROP VIEW %s", storage->history);
    tg_error attempt = {0};
    tg_status st = tg_db_exec(conn, "SAVEPOINT tg_history", 0, NULL, NULL, err);
    if (!st)
        st = tg_db_exec(conn, wait, 0, NULL, NULL, err);
    if (!st && !tg_db_exec(conn, replace, 0, NULL, NULL, &attempt))
        st = tg_db_exec(conn, "RELEASE SAVEPOINT tg_history", 0, NULL, NULL, err);
    else if (!st && !(st = tg_db_exec(conn, "ROLLBACK TO SAVEPOINT tg_history", 0, NULL, NULL, err))) {
        if (strcmp(attempt.sqlstate, "42P16") != 0) { /* not a column change: the real error */
            *err = attempt;
            st = TG_ERR_DB;
        } else if (!(st = tg_db_exec(conn, drop, 0, NULL, NULL, err)) &&
                   !(st = tg_db_exec(conn, create, 0, NULL, NULL, err)))
            st = tg_db_exec(conn, "RELEASE SAVEPOINT tg_history", 0, NULL, NULL, err);
    }
    free(replace);
    if (st == TG_ERR_DB && strcmp(err->sqlstate, "55P03") == 0)
        tg_error_hint(err, "readers of %s held it for more than \"output.lock_wait_s\" (%.0f s) while its definition "
                           "changed; end their transactions and run again", storage->history, spec->lock_wait_s);
    if (st == TG_ERR_DB && strcmp(err->sqlstate, "2BP01") == 0)
        tg_error_hint(err, "views built on %s block a change of its columns: drop them, run, and create them again",
                      storage->history);
    return st;
}

/* The columns of the feature table as a RETURNS TABLE list: the function then depends on no
 * view, so views may be built on it and it is replaced in place while the columns stay. */
static tg_status returns_table(PGconn *conn, const tg_feature_table *table, sql_text *sql, tg_error *err)
{
    sql_append(sql, "TABLE(device_id text, run_id bigint");
    for (size_t c = 0; c < table->n_columns; c++) {
        char *quoted = NULL;
        tg_status st = tg_db_quote_ident(conn, table->columns[c].name, &quoted, err);
        if (st)
            return st;
        sql_append(sql, ", %s %s", quoted, tg_column_sql_type(table->columns[c].type));
        free(quoted);
    }
    sql_append(sql, ")");
    return TG_OK;
}

/* The as-of function. SECURITY DEFINER, so a reader needs no privilege on the runs table, and so
 * it checks at every call that the session may read the feature table; it runs no dynamic SQL,
 * its search_path is pinned and every name in it is qualified. */
static tg_status create_as_of(PGconn *conn, const tg_storage *storage, const tg_spec *spec,
                              const tg_feature_table *table, tg_error *err)
{
    char *table_literal = NULL, *view_literal = NULL, *comment = NULL;
    sql_text body = {0}, sql = {0}, comment_sql = {0};
    tg_status st = tg_db_quote_literal(conn, spec->output_table, &table_literal, err);
    if (st || (st = tg_db_quote_literal(conn, storage->view, &view_literal, err)))
        goto cleanup;
    sql_append(&body,
               "\n#variable_conflict use_column\n"
               "DECLARE chosen bigint; expected bigint; finished timestamptz;\n"
               "BEGIN\n"
               "  IF NOT pg_catalog.has_table_privilege(session_user, %s, 'SELECT') THEN\n"
               "    RAISE EXCEPTION 'permission denied for %%', %s USING ERRCODE = '42501';\n"
               "  END IF;\n"
               "  SELECT r.run_id, r.twin_count, r.finished_at INTO chosen, expected, finished FROM %s r\n"
               "   WHERE r.output_table = %s AND r.status = 'succeeded' AND r.finished_at <= as_of_time\n"
               "   ORDER BY r.finished_at DESC, r.run_id DESC LIMIT 1;\n"
               "  IF chosen IS NULL THEN RETURN; END IF;\n"
               "  RETURN QUERY SELECT * FROM %s h WHERE h.run_id = chosen;\n"
               "  IF NOT FOUND AND expected > 0 THEN\n"
               "    RAISE EXCEPTION 'the features of run %% (finished %%) are no longer kept', chosen, finished\n"
               "      USING HINT = 'output.history of the job decides how many runs are kept';\n"
               "  END IF;\n"
               "END\n",
               view_literal, view_literal, storage->runs, table_literal, storage->history);
    if (body.failed) {
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    /* A dollar quote that the body (which holds the table's name) does not contain. */
    char quote[32];
    for (int i = 0;; i++) {
        snprintf(quote, sizeof quote, "$tg%d$", i);
        if (!strstr(body.text, quote))
            break;
    }
    sql_append(&sql, "CREATE OR REPLACE FUNCTION %s(as_of_time timestamptz) RETURNS ", storage->as_of);
    if ((st = returns_table(conn, table, &sql, err)))
        goto cleanup;
    sql_append(&sql, " LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS %s%s%s",
               quote, body.text, quote);
    if (sql.failed) {
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    tg_error attempt = {0};
    char function[600], drop[700];
    snprintf(function, sizeof function, "%s(timestamptz)", storage->as_of);
    snprintf(drop, sizeof drop, "DROP FUNCTION %s", function);
    if ((st = tg_db_exec(conn, "SAVEPOINT tg_as_of", 0, NULL, NULL, err)))
        goto cleanup;
    if (!tg_db_exec(conn, sql.text, 0, NULL, NULL, &attempt))
        st = tg_db_exec(conn, "RELEASE SAVEPOINT tg_as_of", 0, NULL, NULL, err);
    else if (!(st = tg_db_exec(conn, "ROLLBACK TO SAVEPOINT tg_as_of", 0, NULL, NULL, err))) {
        /* 42P13: the columns changed, so the result type: drop it and create it again. */
        if (strcmp(attempt.sqlstate, "42P13") != 0) {
            *err = attempt;
            st = TG_ERR_DB;
        } else if ((st = tg_db_exec(conn, drop, 0, NULL, NULL, err))) {
            if (strcmp(err->sqlstate, "2BP01") == 0)
                tg_error_hint(err, "views built on %s block a change of its columns: drop them, run, and create "
                                   "them again", function);
        } else
            st = tg_db_exec(conn, sql.text, 0, NULL, NULL, err);
    }
    if (st)
        goto cleanup;
    char text[600];
    snprintf(text, sizeof text, "The features of %s as of a time: the rows of the latest run that succeeded at or "
             "before it (none before the first; an error when output.history no longer keeps that run).",
             spec->output_table);
    if ((st = tg_db_quote_literal(conn, text, &comment, err)))
        goto cleanup;
    sql_append(&comment_sql, "COMMENT ON FUNCTION %s IS %s", function, comment);
    if (!(st = comment_sql.failed ? tg_error_set(err, TG_ERR_MEMORY, "out of memory")
                                  : tg_db_exec(conn, comment_sql.text, 0, NULL, NULL, err)))
        st = mirror_grants(conn, storage, "FUNCTION", function,
                           "SELECT p.proacl AS acl, p.proowner AS owner FROM pg_catalog.pg_proc p"
                           " WHERE p.oid = pg_catalog.to_regprocedure($1::text)",
                           "EXECUTE", err);
cleanup:
    free(table_literal);
    free(view_literal);
    free(comment);
    free(body.text);
    free(sql.text);
    free(comment_sql.text);
    return st;
}

tg_status tg_storage_publish_history(PGconn *conn, const tg_storage *storage, const tg_spec *spec,
                                     const tg_feature_table *table, tg_error *err)
{
    bool exists = false;
    char function[600];
    snprintf(function, sizeof function, "%s(timestamptz)", storage->as_of);
    tg_status st = check_history_view_ours(conn, storage, &exists, err);
    if (st || (st = check_functions_ours(conn, storage, err)))
        return st;
    if (!spec->history) {
        /* History was turned off: its view would keep emptied generations alive. */
        char drop[700];
        snprintf(drop, sizeof drop, "DROP FUNCTION IF EXISTS %s", function);
        if ((st = tg_db_exec(conn, drop, 0, NULL, NULL, err)) || !exists)
            return st;
        snprintf(drop, sizeof drop, "DROP VIEW %s", storage->history);
        return tg_db_exec(conn, drop, 0, NULL, NULL, err);
    }
    sql_text create = {0};
    char *comment = NULL;
    if ((st = view_sql(conn, storage, spec, table, true, &create, err)))
        goto cleanup;
    /* Replacing the view locks out its readers for a moment: only when its definition changes
     * (new columns, generations coming or going), which its comment's fingerprint tells. */
    uint64_t hash = 14695981039346656037u;
    for (const char *c = create.text; *c; c++)
        hash = (hash ^ (unsigned char)*c) * 1099511628211u;
    char fingerprint[40];
    snprintf(fingerprint, sizeof fingerprint, "[definition %016" PRIx64 "]", hash);
    bool same = false;
    if (exists) {
        PGresult *res = NULL;
        const char *params[] = {storage->history, fingerprint};
        if ((st = tg_db_exec(conn,
                             "SELECT pg_catalog.strpos(COALESCE(pg_catalog.obj_description("
                             "pg_catalog.to_regclass($1), 'pg_class'), ''), $2) > 0",
                             2, params, &res, err)))
            goto cleanup;
        same = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
        PQclear(res);
    }
    if (!same && (st = replace_history_view(conn, storage, spec, create.text, err)))
        goto cleanup;
    char text[600];
    snprintf(text, sizeof text, "The rows of every run of %s that output.history keeps, by run_id, with its "
             "current columns (NULL where a run did not write one); %s_as_of(t) returns one run's. %s",
             spec->output_table, spec->output_table, fingerprint);
    if ((st = tg_db_quote_literal(conn, text, &comment, err)))
        goto cleanup;
    char *sql = malloc(strlen(storage->history) + strlen(comment) + 32);
    if (!sql) {
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    sprintf(sql, "COMMENT ON VIEW %s IS %s", storage->history, comment);
    st = tg_db_exec(conn, sql, 0, NULL, NULL, err);
    free(sql);
    if (!st)
        st = mirror_grants(conn, storage, "TABLE", storage->history,
                           "SELECT c.relacl AS acl, c.relowner AS owner FROM pg_catalog.pg_class c"
                           " WHERE c.oid = pg_catalog.to_regclass($1::text)",
                           "SELECT", err);
    if (!st)
        st = create_as_of(conn, storage, spec, table, err);
cleanup:
    free(create.text);
    free(comment);
    return st;
}

int tg_storage_prune(PGconn *conn, const tg_storage *storage, const tg_spec *spec, int64_t run_id)
{
    tg_error ignored = {0};
    PGresult *res = NULL;
    char run_text[32];
    /* Every drop below waits a moment at most, then is left for a later run. */
    tg_db_exec(conn, "SET lock_timeout = '" LOCK_TIMEOUT "'", 0, NULL, NULL, &ignored);
    snprintf(run_text, sizeof run_text, "%" PRId64, run_id);
    sql_text sql = {0};
    /* A session whose snapshot is older than this run's commit may still read an older run. Its
     * backend_xmin shows that; a role that may not see other sessions' xmin prunes nothing. */
    sql_append(&sql,
               "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
               " WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname ~ ('^' || $2 || '_r[0-9]+$')"
               " AND (pg_catalog.substring(c.relname, '_r([0-9]+)$'))::bigint < $3::bigint"
               " AND (SELECT r.rolsuper OR pg_catalog.pg_has_role(r.oid, 'pg_read_all_stats', 'MEMBER')"
               "      FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)"
               " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a, %s w"
               "   WHERE w.run_id = $3::bigint AND a.datname = pg_catalog.current_database()"
               "   AND a.pid <> pg_catalog.pg_backend_pid() AND a.backend_xmin IS NOT NULL"
               "   AND pg_catalog.age(a.backend_xmin) >= pg_catalog.age(((w.write_xid::bigint %% 4294967296)::text)::xid))"
               /* output.history: the latest keep_runs succeeded runs, and those finished within
                * keep_days, stay (both 0 without history). */
               " AND (pg_catalog.substring(c.relname, '_r([0-9]+)$'))::bigint NOT IN (SELECT k.run_id FROM %s k"
               "   WHERE k.output_table = $4 AND k.status = 'succeeded' AND (k.run_id IN (SELECT l.run_id FROM %s l"
               "     WHERE l.output_table = $4 AND l.status = 'succeeded' ORDER BY l.run_id DESC LIMIT $5::bigint)"
               "   OR ($6::float8 > 0 AND k.finished_at >= pg_catalog.clock_timestamp() - $6::float8 * interval '1 day')))",
               storage->runs, storage->runs, storage->runs);
    char keep_runs[32], keep_days[64];
    snprintf(keep_runs, sizeof keep_runs, "%" PRId64, spec->history ? spec->history_keep_runs : 0);
    snprintf(keep_days, sizeof keep_days, "%.17g", spec->history ? spec->history_keep_days : 0.0);
    const char *params[] = {storage->schema_name, storage->base, run_text, spec->output_table, keep_runs, keep_days};
    if (sql.failed || tg_db_exec(conn, sql.text, 6, params, &res, &ignored)) {
        free(sql.text);
        return 0;
    }
    free(sql.text);
    /* Say so when this role cannot prune at all: the old runs would pile up unseen. */
    PGresult *kept = NULL;
    if (!tg_db_exec(conn,
                    "SELECT pg_catalog.count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n"
                    " ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'"
                    " AND c.relname ~ ('^' || $2 || '_r[0-9]+$')"
                    " AND NOT (SELECT r.rolsuper OR pg_catalog.pg_has_role(r.oid, 'pg_read_all_stats', 'MEMBER')"
                    "          FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)",
                    2, params, &kept, &ignored) &&
        atoi(PQgetvalue(kept, 0, 0)) > 1)
        fprintf(stderr, "twingraph: warning: %s partitions of runs of %s are kept: this role may not see other "
                        "sessions' snapshots (GRANT pg_read_all_stats TO it), so it never drops them\n",
                PQgetvalue(kept, 0, 0), spec->output_table);
    PQclear(kept);
    int dropped = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        char drop[300];
        snprintf(drop, sizeof drop, "DROP TABLE %s.\"%s\"", storage->schema, PQgetvalue(res, i, 0));
        /* Dropping a partition locks its parent: wait a moment at most, else leave it. */
        if (!tg_db_exec(conn, "SET lock_timeout = '" LOCK_TIMEOUT "'", 0, NULL, NULL, &ignored) &&
            !tg_db_exec(conn, drop, 0, NULL, NULL, &ignored))
            dropped++;
    }
    PQclear(res);
    /* Generations without runs that the view no longer names (a failed drop leaves them). */
    const char *gen_params[] = {storage->schema_name, storage->base};
    if (!tg_db_exec(conn,
                    "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname = $1 AND c.relkind = 'p' AND c.relname ~ ('^' || $2 || '_g[0-9]+$')"
                    " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhparent = c.oid)"
                    " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.refobjid = c.oid"
                    "   AND d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass)",
                    2, gen_params, &res, &ignored)) {
        for (int i = 0; i < PQntuples(res); i++) {
            char drop[300];
            snprintf(drop, sizeof drop, "DROP TABLE %s.\"%s\"", storage->schema, PQgetvalue(res, i, 0));
            tg_db_exec(conn, drop, 0, NULL, NULL, &ignored);
        }
        PQclear(res);
    }
    tg_db_exec(conn, "RESET lock_timeout", 0, NULL, NULL, &ignored);
    return dropped;
}
