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
        !(st = tg_db_quote_name(conn, spec->output_table, "output.table", &storage->view, err)))
        st = tg_db_quote_name(conn, spec->runs_table, "output.runs", &storage->runs, err);
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
                          sql_text *sql, tg_error *err)
{
    PGresult *res = NULL;
    char *table_literal = NULL;
    tg_status st = list_generations(conn, storage, &res, err);
    if (st || (st = tg_db_quote_literal(conn, spec->output_table, &table_literal, err)))
        goto cleanup;
    /* A run of no twins has rows in no partition, yet it is the latest run: without its own
     * clause the view would fall back to an older run whose partition a reader's snapshot (or a
     * lock wait) kept from being pruned. */
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
        sql_append(sql, " FROM %s.\"%s\" WHERE run_id = (SELECT run_id FROM latest)", storage->schema,
                   PQgetvalue(res, g, 1));
    }
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
    if ((st = view_sql(conn, storage, spec, table, &create, err)) || (st = saved_grants(conn, storage, &grants, err)))
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
               "   AND pg_catalog.age(a.backend_xmin) >= pg_catalog.age(((w.write_xid::bigint %% 4294967296)::text)::xid))",
               storage->runs);
    const char *params[] = {storage->schema_name, storage->base, run_text};
    if (sql.failed || tg_db_exec(conn, sql.text, 3, params, &res, &ignored)) {
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
