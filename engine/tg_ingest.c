/* tg_ingest.c - COPY queries against the job's sources and the per-row decoding into tg_twins. */
#include "tg_ingest.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_db.h"

typedef struct {
    tg_twins *twins;
    const char *source;  /* the spec's name of the source, for messages */
} row_context;

/* Which of the optional columns the source has; absent ones are read as NULL. */
static tg_status source_columns(PGconn *conn, const char *quoted, const char *source,
                                const char *const *required, const char *const *optional,
                                bool *has_optional, tg_error *err)
{
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT * FROM %s LIMIT 0", quoted);
    PGresult *res;
    tg_status st = tg_db_exec(conn, sql, 0, NULL, &res, err);
    if (st) {
        tg_error_prefix(err, "could not read source \"%s\"", source);
        return st;
    }
    for (const char *const *c = required; *c; c++)
        if (PQfnumber(res, *c) < 0) {
            PQclear(res);
            tg_error_set(err, TG_ERR_INPUT, "source \"%s\" has no column \"%s\"", source, *c);
            tg_error_hint(err, "point the job spec at a view that renames your columns (see README, \"Your own tables\")");
            return TG_ERR_INPUT;
        }
    for (size_t i = 0; optional[i]; i++)
        has_optional[i] = PQfnumber(res, optional[i]) >= 0;
    PQclear(res);
    return TG_OK;
}

static tg_status parse_coordinate(const char *text, const char *what, const char *device_id,
                                  double *out, tg_error *err)
{
    if (!text) {
        *out = NAN;
        return TG_OK;
    }
    char *end;
    errno = 0;
    *out = strtod(text, &end);
    if (errno || *end || !isfinite(*out))
        return tg_error_set(err, TG_ERR_INPUT, "twin \"%s\" has an invalid %s \"%s\"", device_id, what, text);
    return TG_OK;
}

/* "\"value\"" or NULL, for messages naming a row. */
static const char *quoted_or_null(char *buf, size_t size, const char *value)
{
    if (!value)
        return "NULL";
    snprintf(buf, size, "\"%s\"", value);
    return buf;
}

static tg_status on_device(void *context, char **f, size_t n_fields, tg_error *err)
{
    (void)n_fields;
    row_context *ctx = context;
    if (!f[0]) {
        tg_error_set(err, TG_ERR_INPUT, "source \"%s\" has a row with a NULL device_id", ctx->source);
        char a[160], b[160];
        tg_error_detail(err, "parent_id %s, model %s", quoted_or_null(a, sizeof a, f[1]),
                        quoted_or_null(b, sizeof b, f[2]));
        return TG_ERR_INPUT;
    }
    if (!f[0][0])
        return tg_error_set(err, TG_ERR_INPUT, "source \"%s\" has a row with an empty device_id", ctx->source);
    double lat, lon;
    tg_status st;
    if ((st = parse_coordinate(f[3], "lat", f[0], &lat, err)) ||
        (st = parse_coordinate(f[4], "lon", f[0], &lon, err)))
        return st;
    return tg_twins_add(ctx->twins, f[0], f[1], f[2], lat, lon, err);
}

static tg_status on_relationship(void *context, char **f, size_t n_fields, tg_error *err)
{
    (void)n_fields;
    row_context *ctx = context;
    static const char *const names[] = {"source_id", "target_id", "kind"};
    for (int i = 0; i < 3; i++)
        if (!f[i]) {
            tg_error_set(err, TG_ERR_INPUT, "source \"%s\" has a row with a NULL %s", ctx->source, names[i]);
            char a[160], b[160], c[160];
            tg_error_detail(err, "source_id %s, target_id %s, kind %s", quoted_or_null(a, sizeof a, f[0]),
                            quoted_or_null(b, sizeof b, f[1]), quoted_or_null(c, sizeof c, f[2]));
            return TG_ERR_INPUT;
        }
    return tg_twins_add_relationship(ctx->twins, f[0], f[1], f[2], err);
}

static tg_status read_devices(PGconn *conn, const tg_spec *spec, tg_twins *twins, tg_error *err)
{
    static const char *const required[] = {"device_id", NULL};
    static const char *const optional[] = {"parent_id", "model", "lat", "lon", NULL};
    static const char *const casts[] = {"text", "text", "float8", "float8"};
    bool has[4];
    char *quoted = NULL, *query = NULL;
    tg_status st = tg_db_quote_name(conn, spec->devices_source, "source.devices", &quoted, err);
    if (st || (st = source_columns(conn, quoted, spec->devices_source, required, optional, has, err)))
        goto cleanup;
    size_t size = strlen(quoted) + 512;
    if (!(query = malloc(size))) {
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    int len = snprintf(query, size, "SELECT device_id::text");
    for (int i = 0; i < 4; i++)
        len += snprintf(query + len, size - (size_t)len, ", %s::%s", has[i] ? optional[i] : "NULL",
                        casts[i]);
    /* Byte order (COLLATE "C") makes vertex ids, and so component ids, independent of locale. */
    snprintf(query + len, size - (size_t)len, " FROM %s ORDER BY device_id::text COLLATE \"C\"", quoted);
    row_context ctx = {twins, spec->devices_source};
    st = tg_db_copy_out(conn, query, 5, on_device, &ctx, err);
cleanup:
    free(quoted);
    free(query);
    return st;
}

/* "kind IN ('a', 'b')" when every relationships layer lists its kinds, else "true". */
static tg_status kind_filter(PGconn *conn, const tg_spec *spec, char **out, tg_error *err)
{
    size_t size = 64;
    for (size_t i = 0; i < spec->n_layers; i++) {
        const tg_layer_spec *layer = &spec->layers[i];
        if (layer->type != TG_LAYER_RELATIONSHIPS)
            continue;
        if (!layer->kinds)
            return (*out = strdup("true")) ? TG_OK : tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        for (size_t k = 0; k < layer->n_kinds; k++)
            size += 2 * strlen(layer->kinds[k]) + 8;
    }
    char *sql = malloc(size);
    if (!sql)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    size_t len = (size_t)snprintf(sql, size, "kind::text IN (");
    bool first = true;
    for (size_t i = 0; i < spec->n_layers; i++)
        for (size_t k = 0; k < spec->layers[i].n_kinds; k++) {
            char *literal = NULL;
            tg_status st = tg_db_quote_literal(conn, spec->layers[i].kinds[k], &literal, err);
            if (st) {
                free(sql);
                return st;
            }
            len += (size_t)snprintf(sql + len, size - len, "%s%s", first ? "" : ", ", literal);
            free(literal);
            first = false;
        }
    snprintf(sql + len, size - len, ")");
    *out = sql;
    return TG_OK;
}

static tg_status read_relationships(PGconn *conn, const tg_spec *spec, tg_twins *twins, tg_error *err)
{
    static const char *const required[] = {"source_id", "target_id", "kind", NULL};
    static const char *const optional[] = {NULL};
    char *quoted = NULL, *filter = NULL, *query = NULL;
    tg_status st = tg_db_quote_name(conn, spec->relationships_source, "source.relationships", &quoted, err);
    if (st || (st = source_columns(conn, quoted, spec->relationships_source, required, optional, NULL, err)) ||
        (st = kind_filter(conn, spec, &filter, err)))
        goto cleanup;
    size_t size = strlen(quoted) + strlen(filter) + 128;
    if (!(query = malloc(size))) {
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    snprintf(query, size, "SELECT source_id::text, target_id::text, kind::text FROM %s WHERE %s",
             quoted, filter);
    row_context ctx = {twins, spec->relationships_source};
    st = tg_db_copy_out(conn, query, 3, on_relationship, &ctx, err);
cleanup:
    free(quoted);
    free(filter);
    free(query);
    return st;
}

tg_status tg_ingest_read(PGconn *conn, const tg_spec *spec, tg_twins *twins, tg_error *err)
{
    bool drop = spec->on_dangling == TG_DANGLING_DROP;
    tg_status st = read_devices(conn, spec, twins, err);
    if (st || (st = tg_twins_finish_devices(twins, drop, err)))
        return st;
    if (!spec->relationships_source)
        return TG_OK;
    if ((st = read_relationships(conn, spec, twins, err)))
        return st;
    return tg_twins_finish_relationships(twins, drop, err);
}
