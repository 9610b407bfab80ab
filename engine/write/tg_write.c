/* tg_write.c - runs-table lineage and the one-transaction replacement of a feature table (its storage is tg_storage's). */
#define _GNU_SOURCE /* asprintf */
#include "tg_write.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_db.h"
#include "tg_interrupt.h"
#include "tg_storage.h"
#include "tg_time.h"

#ifndef TWINGRAPH_VERSION
#define TWINGRAPH_VERSION "unknown"
#endif

#define TABLE_MARK "twingraph feature table"

/* Formats and runs one statement (identifiers already quoted by the caller). */
static tg_status execf(PGconn *conn, tg_error *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static tg_status execf(PGconn *conn, tg_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *sql = malloc((size_t)len + 1);
    if (!sql)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    va_start(ap, fmt);
    vsnprintf(sql, (size_t)len + 1, fmt, ap);
    va_end(ap);
    tg_status st = tg_db_exec(conn, sql, 0, NULL, NULL, err);
    free(sql);
    return st;
}

/* Creates the schema of table name ("schema.table") unless it exists, in a transaction of its
 * own. The existence check comes first because CREATE SCHEMA IF NOT EXISTS demands the database
 * CREATE privilege even when the schema is there; concurrent creators could also collide on
 * pg_namespace's unique index, so every twingraph process takes one lock for it. */
static tg_status ensure_schema(PGconn *conn, const char *name, tg_error *err)
{
    char *schema = NULL, *table = NULL, *quoted = NULL;
    PGresult *res = NULL;
    bool in_transaction = false;
    tg_status st = tg_db_split_name(name, &schema, &table, err);
    const char *params[] = {schema};
    if (st || (st = tg_db_exec(conn, "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1", 1, params, &res, err)) ||
        PQntuples(res) > 0)
        goto cleanup;
    if ((st = tg_db_quote_ident(conn, schema, &quoted, err)) || (st = tg_db_exec(conn, "BEGIN", 0, NULL, NULL, err)))
        goto cleanup;
    in_transaction = true;
    if ((st = tg_db_exec(conn, "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('twingraph schemas'))", 0, NULL, NULL, err)) ||
        (st = execf(conn, err, "CREATE SCHEMA IF NOT EXISTS %s", quoted)) ||
        (st = tg_db_exec(conn, "COMMIT", 0, NULL, NULL, err)))
        goto cleanup;
    in_transaction = false;
cleanup:
    if (st && in_transaction)
        PQclear(PQexec(conn, "ROLLBACK"));
    PQclear(res);
    free(schema);
    free(table);
    free(quoted);
    return st;
}

/* Whether the table (quoted name) exists. Checked before any CREATE ... IF NOT EXISTS, which
 * demands CREATE on the schema even when the table is there. */
static tg_status table_exists(PGconn *conn, const char *quoted, bool *exists, tg_error *err)
{
    const char *params[] = {quoted};
    PGresult *res = NULL;
    tg_status st = tg_db_exec(conn, "SELECT pg_catalog.to_regclass($1) IS NOT NULL", 1, params, &res, err);
    if (!st)
        *exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return st;
}

static tg_status upgrade_runs_table(PGconn *conn, const char *runs, tg_error *err);

static tg_status ensure_runs_table(PGconn *conn, const char *runs, tg_error *err)
{
    bool exists = false;
    tg_status st = table_exists(conn, runs, &exists, err);
    if (st)
        return st;
    if (exists) {
        const char *params[] = {runs};
        PGresult *res = NULL;
        if ((st = tg_db_exec(conn,
                             "SELECT pg_catalog.count(*) FROM pg_catalog.pg_attribute WHERE attrelid = "
                             "$1::pg_catalog.regclass AND attname IN ('seed', 'warnings', 'write_xid', 'feature_details', 'locations') AND NOT attisdropped",
                             1, params, &res, err)))
            return st;
        bool current = strcmp(PQgetvalue(res, 0, 0), "5") == 0;
        PQclear(res);
        return current ? TG_OK : upgrade_runs_table(conn, runs, err);
    }
    return execf(conn, err,
                 "CREATE TABLE IF NOT EXISTS %s ("
                 " run_id bigserial PRIMARY KEY,"
                 " started_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),"
                 " finished_at timestamptz,"
                 " status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),"
                 " output_table text NOT NULL,"
                 " spec jsonb NOT NULL,"
                 " twin_count bigint,"
                 " layers jsonb,"
                 " stage_seconds jsonb,"
                 " twingraph_version text NOT NULL,"
                 " igraph_version text NOT NULL,"
                 " postgres_version text NOT NULL,"
                 " backend_pid integer,"
                 " error text,"
                 " seed bigint,"
                 " warnings jsonb,"
                 " write_xid text,"
                 " feature_details jsonb,"
                 " locations jsonb)",
                 runs);
}

/* Columns later versions added to the runs table, for tables an older twingraph created. */
static tg_status upgrade_runs_table(PGconn *conn, const char *runs, tg_error *err)
{
    return execf(conn, err,
                 "ALTER TABLE %s ADD COLUMN IF NOT EXISTS seed bigint, ADD COLUMN IF NOT EXISTS warnings jsonb,"
                 " ADD COLUMN IF NOT EXISTS write_xid text, ADD COLUMN IF NOT EXISTS feature_details jsonb,"
                 " ADD COLUMN IF NOT EXISTS locations jsonb",
                 runs);
}

/* A run still 'running' whose backend is gone died without finishing (killed, crashed). */
static tg_status mark_abandoned_runs(PGconn *conn, const char *runs, tg_error *err)
{
    return execf(conn, err,
                 "UPDATE %s SET status = 'failed', finished_at = pg_catalog.clock_timestamp(),"
                 " error = 'abandoned: the process ended without finishing the run'"
                 " WHERE status = 'running' AND NOT EXISTS"
                 " (SELECT 1 FROM pg_catalog.pg_stat_activity a WHERE a.pid = backend_pid)",
                 runs);
}

tg_status tg_write_run_start(PGconn *conn, const tg_spec *spec, int64_t *run_id, tg_error *err)
{
    char *runs = NULL;
    PGresult *res = NULL;
    const char *igraph_version_text = NULL;
    igraph_version(&igraph_version_text, NULL, NULL, NULL);
    char seed[32];
    snprintf(seed, sizeof seed, "%" PRIu64, spec->seed);
    const char *params[] = {spec->output_table, spec->json, TWINGRAPH_VERSION, igraph_version_text, seed};

    bool in_transaction = false;
    tg_status st = tg_db_quote_name(conn, spec->runs_table, "output.runs", &runs, err);
    if (st || (st = ensure_schema(conn, spec->runs_table, err)) || (st = tg_db_exec(conn, "BEGIN", 0, NULL, NULL, err)))
        goto cleanup;
    in_transaction = true;
    /* Serialises concurrent first runs, whose CREATE ... IF NOT EXISTS would otherwise race. */
    if ((st = tg_db_exec(conn, "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('twingraph runs table'))", 0, NULL,
                         NULL, err)) ||
        (st = ensure_runs_table(conn, runs, err)) ||
        (st = mark_abandoned_runs(conn, runs, err)))
        goto cleanup;
    char sql[1024];
    snprintf(sql, sizeof sql,
             "INSERT INTO %s (status, output_table, spec, twingraph_version, igraph_version,"
             " postgres_version, backend_pid, seed)"
             " VALUES ('running', $1, $2::jsonb, $3, $4, pg_catalog.current_setting('server_version'),"
             " pg_catalog.pg_backend_pid(), $5::bigint) RETURNING run_id",
             runs);
    if ((st = tg_db_exec(conn, sql, 5, params, &res, err)) ||
        (st = tg_db_exec(conn, "COMMIT", 0, NULL, NULL, err)))
        goto cleanup;
    *run_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
cleanup:
    if (st && in_transaction)
        PQclear(PQexec(conn, "ROLLBACK"));
    PQclear(res);
    free(runs);
    return st;
}

static tg_status comment_on(PGconn *conn, const char *what, const char *target, const char *text,
                            tg_error *err)
{
    char *literal = NULL;
    tg_status st = tg_db_quote_literal(conn, text, &literal, err);
    if (!st)
        st = execf(conn, err, "COMMENT ON %s %s IS %s", what, target, literal);
    free(literal);
    return st;
}

static tg_status comment_columns(PGconn *conn, const char *out, const tg_spec *spec,
                                 const tg_feature_table *table, int64_t run_id, tg_error *err)
{
    char text[512], target[512];
    snprintf(text, sizeof text,
             TABLE_MARK ": one row per twin of %s, the latest succeeded run of %s as your snapshot sees it; "
             "replaced as a whole by each run (run_id). A view over twingraph's storage: do not change it.",
             spec->devices_source, spec->runs_table);
    tg_status st = comment_on(conn, "VIEW", out, text, err);
    snprintf(target, sizeof target, "%s.device_id", out);
    if (!st)
        st = comment_on(conn, "COLUMN", target, "Twin id (device_id of the devices source)", err);
    snprintf(target, sizeof target, "%s.run_id", out);
    snprintf(text, sizeof text, "Run that wrote this row (%s.run_id); every row has the same run, here %" PRId64,
             spec->runs_table, run_id);
    if (!st)
        st = comment_on(conn, "COLUMN", target, text, err);
    for (size_t c = 0; c < table->n_columns && !st; c++) {
        char *quoted = NULL;
        if (!(st = tg_db_quote_ident(conn, table->columns[c].name, &quoted, err))) {
            snprintf(target, sizeof target, "%s.%s", out, quoted);
            st = comment_on(conn, "COLUMN", target, table->columns[c].comment, err);
        }
        free(quoted);
    }
    return st;
}

/* Runs of one output table may overlap; the one that started later read newer twins, so once
 * it has written, an older run must not overwrite its features. Needs the output lock held. */
static tg_status check_not_superseded(PGconn *conn, const tg_spec *spec, const char *runs, int64_t run_id,
                                      tg_error *err)
{
    char run_text[32], sql[512];
    snprintf(run_text, sizeof run_text, "%" PRId64, run_id);
    snprintf(sql, sizeof sql,
             "SELECT max(run_id) FROM %s WHERE output_table = $1 AND status = 'succeeded' AND run_id > $2", runs);
    const char *params[] = {spec->output_table, run_text};
    PGresult *res = NULL;
    tg_status st = tg_db_exec(conn, sql, 2, params, &res, err);
    if (!st && !PQgetisnull(res, 0, 0)) {
        st = tg_error_set(err, TG_ERR_INPUT, "superseded: run %s, which started later, already wrote %s",
                          PQgetvalue(res, 0, 0), spec->output_table);
        tg_error_detail(err, "this run's features are older and were not written");
    }
    PQclear(res);
    return st;
}

/* The relationships the last succeeded run of this table read, or -1. */
static tg_status previous_relationships(PGconn *conn, const tg_spec *spec, long long *count, tg_error *err)
{
    char *runs = NULL, sql[768];
    PGresult *res = NULL;
    *count = -1;
    tg_status st = tg_db_quote_name(conn, spec->runs_table, "output.runs", &runs, err);
    if (st)
        return st;
    bool exists = false;
    if ((st = table_exists(conn, runs, &exists, err)) || !exists)
        goto cleanup;
    snprintf(sql, sizeof sql,
             "SELECT (layers->'input'->>'relationships')::bigint FROM %s WHERE output_table = $1"
             " AND status = 'succeeded' ORDER BY run_id DESC LIMIT 1", runs);
    const char *params[] = {spec->output_table};
    if (!(st = tg_db_exec(conn, sql, 1, params, &res, err)) && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
        *count = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
cleanup:
    PQclear(res);
    free(runs);
    return st;
}

tg_status tg_write_check_shrink(PGconn *conn, const tg_spec *spec, igraph_integer_t new_rows,
                                igraph_integer_t new_relationships, double max_shrink, tg_error *err)
{
    /* An emptied relationships source would leave every twin isolated just as silently. */
    long long old_relationships = -1;
    tg_status rst = spec->relationships_source ? previous_relationships(conn, spec, &old_relationships, err) : TG_OK;
    if (rst)
        return rst;
    if (old_relationships > 0 &&
        (double)(old_relationships - new_relationships) > max_shrink * (double)old_relationships) {
        tg_error_set(err, TG_ERR_INPUT, "refusing to replace %s: the last run read %lld relationships, this one %" IGRAPH_PRId,
                     spec->output_table, old_relationships, new_relationships);
        tg_error_detail(err, "The replacement would lose %.0f%% of the relationships; \"output.max_shrink\" allows %.0f%%.",
                        100.0 * (double)(old_relationships - new_relationships) / (double)old_relationships,
                        100.0 * max_shrink);
        tg_error_hint(err, "check the relationships source; if the smaller set is right, pass --allow-shrink or set "
                           "\"output\": {\"max_shrink\": 1}");
        return TG_ERR_INPUT;
    }
    char *out = NULL;
    PGresult *res = NULL;
    bool exists = false;
    tg_status st = tg_db_quote_name(conn, spec->output_table, "output.table", &out, err);
    if (st || (st = table_exists(conn, out, &exists, err)) || !exists)
        goto cleanup;
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT pg_catalog.count(*) FROM %s", out);
    if ((st = tg_db_exec(conn, sql, 0, NULL, &res, err)))
        goto cleanup;
    long long old_rows = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    /* An empty source must not silently wipe a populated feature table. */
    if (old_rows > 0 && (double)(old_rows - new_rows) > max_shrink * (double)old_rows) {
        st = tg_error_set(err, TG_ERR_INPUT, "refusing to replace %lld rows of %s with %" IGRAPH_PRId " rows", old_rows,
                          spec->output_table, new_rows);
        tg_error_detail(err, "The replacement would lose %.0f%% of the twins; \"output.max_shrink\" allows %.0f%%.",
                        100.0 * (double)(old_rows - new_rows) / (double)old_rows, 100.0 * max_shrink);
        tg_error_hint(err, "check the devices source; if the smaller set is right, pass --allow-shrink or set "
                           "\"output\": {\"max_shrink\": 1}");
    }
cleanup:
    PQclear(res);
    free(out);
    return st;
}

/* What the run made of the twins' locations: where they came from and how many were located,
 * invalid (skipped, or only warned about when nothing read them), exactly at (0, 0), and how
 * many parents the zones supplied. Returns a new reference. */
static char *locations_text(const tg_spec *spec, const tg_twins *twins)
{
    static const char *const sources[] = {"lat/lon columns", "twin document", "geometry column"};
    igraph_integer_t located = twins->location_counts.located;
    json_t *o = json_pack("{s:s, s:b, s:I, s:I, s:I, s:s, s:I, s:I}", "source", sources[spec->location], "used",
                          spec->uses_coordinates, "located", (json_int_t)located, "without_location",
                          (json_int_t)(twins->n_twins - located), "invalid", (json_int_t)twins->location_counts.invalid,
                          "invalid_action", spec->uses_coordinates ? "skipped" : "ignored", "at_0_0",
                          (json_int_t)twins->location_counts.null_island, "parents_inferred",
                          (json_int_t)twins->location_counts.parents_inferred);
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return text;
}

/* Appends the run's ranking (influence_top's seeds) to output.influencers, created when missing:
 * one row per rank and run, so earlier runs' rankings stay beside the runs table's lineage.
 * Inside the caller's transaction: the ranking and the features commit together. */
static tg_status write_ranking(PGconn *conn, const tg_spec *spec, const tg_twins *twins, const tg_feature_table *table,
                               const char *run_text, tg_error *err)
{
    char *quoted = NULL, *sql = NULL;
    bool exists = false;
    tg_copy_buffer buf = {0};
    tg_status st = tg_db_quote_name(conn, spec->influencers_table, "output.influencers", &quoted, err);
    /* Two first runs must not both create it. */
    char lock_key[600];
    snprintf(lock_key, sizeof lock_key, "twingraph influencers %s", spec->influencers_table);
    const char *lock_params[] = {lock_key};
    if (!st)
        st = tg_db_exec(conn, "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext($1))", 1, lock_params, NULL,
                        err);
    if (!st)
        st = table_exists(conn, quoted, &exists, err);
    if (!st && !exists)
        st = execf(conn, err,
                   "CREATE TABLE %s (run_id bigint NOT NULL, rank integer NOT NULL, device_id text NOT NULL,"
                   " marginal_gain double precision, cumulative_spread double precision, PRIMARY KEY (run_id, rank))",
                   quoted);
    static const char *const comments[][2] = {
        {"", "twingraph influencers: the seed twins an influence_top entry ranked, one set of rows per run (its spec "
             "and parameters are in the runs table)"},
        {"run_id", "the run (run_id of the runs table) that ranked the seed"},
        {"rank", "the seed''s place, 1 first: IMM picks greedily"},
        {"device_id", "the seed twin"},
        {"marginal_gain", "expected twins the seed activates beyond those the seeds ranked before it do (estimated "
                          "on the final samples)"},
        {"cumulative_spread", "expected twins the first rank seeds activate together, themselves included (estimated "
                              "on the samples that chose them: slightly high)"}};
    for (size_t c = 0; !st && !exists && c < sizeof comments / sizeof *comments; c++)
        st = comments[c][0][0] ? execf(conn, err, "COMMENT ON COLUMN %s.%s IS '%s'", quoted, comments[c][0], comments[c][1])
                               : execf(conn, err, "COMMENT ON TABLE %s IS '%s'", quoted, comments[c][1]);
    if (st || asprintf(&sql, "COPY %s (run_id, rank, device_id, marginal_gain, cumulative_spread) FROM STDIN", quoted) < 0) {
        st = st ? st : tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    if ((st = tg_db_copy_in_start(conn, sql, err)))
        goto cleanup;
    for (size_t r = 0; r < table->n_ranking; r++) {
        char rank[32], gain[64], cumulative[64];
        snprintf(rank, sizeof rank, "%zu", r + 1);
        snprintf(gain, sizeof gain, "%.17g", table->ranking[r].marginal_gain);
        snprintf(cumulative, sizeof cumulative, "%.17g", table->ranking[r].cumulative);
        tg_copy_text_field(&buf, run_text, false);
        tg_copy_text_field(&buf, rank, false);
        tg_copy_text_field(&buf, tg_twins_id(twins, table->ranking[r].twin), false);
        tg_copy_text_field(&buf, gain, false);
        tg_copy_text_field(&buf, cumulative, true);
    }
    st = tg_db_copy_in_send(conn, &buf, err);
    st = tg_db_copy_in_end(conn, st, sql, err);
cleanup:
    tg_copy_buffer_destroy(&buf);
    free(sql);
    free(quoted);
    return st;
}

tg_status tg_write_features(PGconn *conn, const tg_spec *spec, const tg_twins *twins,
                            const tg_feature_table *table, int64_t run_id, json_t *layers,
                            json_t *stage_seconds, const json_t *warnings, const json_t *feature_details,
                            double max_shrink, tg_error *err)
{
    double start = tg_time_now();
    bool in_transaction = false;
    char *out = NULL, *runs = NULL, *layers_text = NULL, *stages_text = NULL, *warnings_text = NULL;
    char *details_text = NULL, *locations = NULL;
    tg_storage storage = {0};
    bool new_generation = false;
    char lock_key[600], run_text[32], twin_count[32];
    tg_status st = tg_db_quote_name(conn, spec->output_table, "output.table", &out, err);
    if (st || (st = tg_db_quote_name(conn, spec->runs_table, "output.runs", &runs, err)))
        goto cleanup;
    snprintf(lock_key, sizeof lock_key, "twingraph output %s", out);
    const char *lock_params[] = {lock_key};

    if ((st = ensure_schema(conn, spec->output_table, err)) ||
        (spec->writes_ranking && (st = ensure_schema(conn, spec->influencers_table, err))) ||
        (st = tg_db_exec(conn, "BEGIN", 0, NULL, NULL, err)))
        goto cleanup;
    in_transaction = true;
    snprintf(run_text, sizeof run_text, "%" PRId64, run_id);
    /* One writer per output table at a time; readers are never blocked by this lock. */
    if ((st = tg_db_exec(conn, "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext($1))", 1, lock_params, NULL, err)) ||
        (st = check_not_superseded(conn, spec, runs, run_id, err)) ||
        (st = tg_write_check_shrink(conn, spec, twins->n_twins, twins->n_relationships, max_shrink, err)) ||
        (st = tg_storage_init(conn, spec, &storage, err)) ||
        (st = tg_storage_write_run(conn, &storage, table, twins, run_id, &new_generation, err)) ||
        (st = tg_storage_publish_history(conn, &storage, spec, table, err)) ||
        (st = tg_storage_publish(conn, &storage, spec, table, new_generation, spec->lock_wait_s, err)))
        goto cleanup;
    tg_fault_point("view_published");
    if ((st = comment_columns(conn, out, spec, table, run_id, err)) ||
        (spec->writes_ranking && (st = write_ranking(conn, spec, twins, table, run_text, err))))
        goto cleanup;

    json_object_set_new(stage_seconds, "write", json_real(tg_time_now() - start));
    layers_text = json_dumps(layers, JSON_COMPACT | JSON_PRESERVE_ORDER);
    stages_text = json_dumps(stage_seconds, JSON_COMPACT | JSON_PRESERVE_ORDER);
    warnings_text = json_dumps(warnings, JSON_COMPACT);
    /* 15 digits: 0.1, not 0.10000000000000001. */
    details_text = json_dumps(feature_details, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    locations = locations_text(spec, twins);
    if (!layers_text || !stages_text || !warnings_text || !details_text || !locations) {
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    snprintf(twin_count, sizeof twin_count, "%" IGRAPH_PRId, twins->n_twins);
    const char *params[] = {run_text, twin_count, layers_text, stages_text, warnings_text, details_text, locations};
    char sql[1024];
    snprintf(sql, sizeof sql,
             "UPDATE %s SET status = 'succeeded', finished_at = pg_catalog.clock_timestamp(), twin_count = $2,"
             " layers = $3::jsonb, stage_seconds = $4::jsonb, warnings = $5::jsonb, feature_details = $6::jsonb,"
             " locations = $7::jsonb, write_xid = pg_catalog.pg_current_xact_id()::text WHERE run_id = $1",
             runs);
    if ((st = tg_db_exec(conn, sql, 7, params, NULL, err)))
        goto cleanup;
    tg_fault_point("before_commit");
    if (!(st = tg_interrupt_check("before committing the features", err)))
        st = tg_db_exec(conn, "COMMIT", 0, NULL, NULL, err);
    in_transaction = st != TG_OK;
    if (!st)
        tg_storage_prune(conn, &storage, spec, run_id);
cleanup:
    if (st && in_transaction)
        PQclear(PQexec(conn, "ROLLBACK"));
    tg_storage_destroy(&storage);
    free(out);
    free(runs);
    free(layers_text);
    free(stages_text);
    free(warnings_text);
    free(details_text);
    free(locations);
    return st;
}

void tg_write_run_failed(PGconn *conn, const tg_spec *spec, int64_t run_id, const tg_error *failure,
                         const json_t *warnings)
{
    char *runs = NULL;
    tg_error ignored = {0};
    if (PQstatus(conn) != CONNECTION_OK || tg_db_quote_name(conn, spec->runs_table, "output.runs", &runs, &ignored))
        return;
    char run_text[32], sql[512];
    snprintf(run_text, sizeof run_text, "%" PRId64, run_id);
    snprintf(sql, sizeof sql,
             "UPDATE %s SET status = 'failed', finished_at = pg_catalog.clock_timestamp(), error = $2,"
             " warnings = $3::jsonb WHERE run_id = $1",
             runs);
    char error[sizeof failure->message + sizeof failure->detail + sizeof failure->hint + 32];
    snprintf(error, sizeof error, "%s%s%s%s%s", failure->message, failure->detail[0] ? "\nDETAIL: " : "",
             failure->detail, failure->hint[0] ? "\nHINT: " : "", failure->hint);
    /* A message cut inside a multibyte character would make PostgreSQL refuse the whole UPDATE. */
    tg_text_trim_partial_utf8(error);
    char *warnings_text = warnings ? json_dumps(warnings, JSON_COMPACT) : NULL;
    const char *params[] = {run_text, error, warnings_text};
    if (tg_db_exec_to_end(conn, sql, 3, params, &ignored) != TG_OK)
        fprintf(stderr, "twingraph: warning: could not mark run %" PRId64 " failed in %s: %s\n", run_id,
                spec->runs_table, ignored.message);
    free(warnings_text);
    free(runs);
}
