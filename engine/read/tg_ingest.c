/* tg_ingest.c - COPY queries against the job's sources and the per-row decoding into tg_twins. */
#include "tg_ingest.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_copy.h"
#include "tg_db.h"
#include "tg_interrupt.h"

typedef struct {
    tg_twins *twins;
    const tg_spec *spec;
    const char *source;  /* the spec's name of the source, for messages */
    igraph_integer_t bad_locations;
    char first_bad_location[256];
    double *values;      /* relationship values of the current row */
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

/* A coordinate as PostgreSQL printed a float8 (NaN and Infinity included); NAN when NULL. */
static double parse_coordinate(const char *text)
{
    return text ? strtod(text, NULL) : NAN;
}

/* Bad: present but not finite, or outside [-90, 90] / [-180, 180]. A NULL is no location. */
static bool bad_location(const char *lat_text, const char *lon_text, double lat, double lon)
{
    return (lat_text && !(lat >= -90 && lat <= 90)) || (lon_text && !(lon >= -180 && lon <= 180));
}

/* "\"value\"" or NULL, for messages naming a row. */
static const char *quoted_or_null(char *buf, size_t size, const char *value)
{
    if (!value)
        return "NULL";
    snprintf(buf, size, "\"%s\"", value);
    tg_text_trim_partial_utf8(buf);
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
    double lat = parse_coordinate(f[3]), lon = parse_coordinate(f[4]);
    if (bad_location(f[3], f[4], lat, lon)) {
        /* Validated only when the job uses coordinates; otherwise counted and warned about once. */
        if (ctx->spec->uses_coordinates && !ctx->spec->skip_bad_locations) {
            tg_error_set(err, TG_ERR_INPUT, "twin \"%s\" has an invalid location: lat %s, lon %s", f[0],
                         f[3] ? f[3] : "NULL", f[4] ? f[4] : "NULL");
            tg_error_hint(err, "latitude must be within [-90, 90] and longitude within [-180, 180]; fix the row or "
                               "set \"source\": {\"on_bad_location\": \"skip\"}");
            return TG_ERR_INPUT;
        }
        if (ctx->bad_locations++ == 0)
            snprintf(ctx->first_bad_location, sizeof ctx->first_bad_location, "\"%s\" (lat %s, lon %s)", f[0],
                     f[3] ? f[3] : "NULL", f[4] ? f[4] : "NULL");
        tg_text_trim_partial_utf8(ctx->first_bad_location);
        lat = lon = NAN;
    }
    return tg_twins_add(ctx->twins, f[0], f[1], f[2], lat, lon, (const char *const *)f + 5, err);
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
    /* Weights and other relationship values: jsonb or column text; NULL or JSON null is absent. */
    for (size_t k = 0; k < ctx->spec->n_rel_values; k++) {
        const char *text = f[3 + k];
        double x = NAN;
        if (text && strcmp(text, "null") != 0) {
            if (!tg_copy_parse_number(text, &x)) {
                tg_error_set(err, TG_ERR_INPUT, "relationship \"%s\" -> \"%s\" (%s) has %s %s, not a finite number",
                             f[0], f[1], f[2], ctx->spec->rel_values[k], text);
                tg_error_hint(err, "a weight must be a JSON number or a numeric column");
                return TG_ERR_INPUT;
            }
        }
        ctx->values[k] = x;
    }
    return tg_twins_add_relationship(ctx->twins, f[0], f[1], f[2], ctx->values, err);
}

/* "(<column> #> ARRAY['a', 'b']::text[])::text" for path "a.b": the jsonb at that path as text
 * (a JSON null when absent, so NULL; a string keeps its quotes). The keys are quoted literals. */
static tg_status json_path_expression(PGconn *conn, const char *column, const char *path, char **out, tg_error *err)
{
    size_t size = strlen(column) + 3 * strlen(path) + 64, len;
    char *copy = strdup(path);
    if (!copy || !(*out = malloc(size))) {
        free(copy);
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    }
    len = (size_t)snprintf(*out, size, "(%s #> ARRAY[", column);
    tg_status st = TG_OK;
    char *save = NULL;
    bool first = true;
    for (char *key = strtok_r(copy, ".", &save); key && !st; key = strtok_r(NULL, ".", &save), first = false) {
        char *literal = NULL;
        if ((st = tg_db_quote_literal(conn, key, &literal, err)))
            break;
        if (len + strlen(literal) + 32 > size) {
            size = 2 * (len + strlen(literal) + 32);
            char *grown = realloc(*out, size);
            if (!grown) {
                free(literal);
                st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
                break;
            }
            *out = grown;
        }
        len += (size_t)snprintf(*out + len, size - len, "%s%s", first ? "" : ", ", literal);
        free(literal);
    }
    free(copy);
    if (!st)
        snprintf(*out + len, size - len, "]::text[])::text");
    return st;
}

/* The SQL expression of a relationship value: "properties.a.b" is the jsonb at that path of the
 * properties column (a number prints as one; a string keeps its quotes and so is refused),
 * anything else a column of the source. */
static tg_status value_expression(PGconn *conn, const char *value, char **out, tg_error *err)
{
    const char *prefix = "properties.";
    if (strncmp(value, prefix, strlen(prefix)) == 0)
        return json_path_expression(conn, "properties", value + strlen(prefix), out, err);
    char *column = NULL;
    tg_status st = tg_db_quote_ident(conn, value, &column, err);
    if (st)
        return st;
    size_t size = strlen(column) + 16;
    if ((*out = malloc(size)))
        snprintf(*out, size, "%s::text", column);
    free(column);
    return *out ? TG_OK : tg_error_set(err, TG_ERR_MEMORY, "out of memory");
}

/* Appends ", expression" to the query being built (grown as needed); frees expression. */
static tg_status append_expression(char **query, size_t *size, size_t *len, char *expression, tg_error *err)
{
    *size += strlen(expression) + 4;
    char *grown = realloc(*query, *size);
    if (!grown) {
        free(expression);
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    }
    *query = grown;
    *len += (size_t)snprintf(*query + *len, *size - *len, ", %s", expression);
    free(expression);
    return TG_OK;
}

static tg_status read_devices(PGconn *conn, const tg_spec *spec, tg_twins *twins, tg_warnings *warnings,
                              tg_error *err)
{
    static const char *const required[] = {"device_id", NULL};
    static const char *const optional[] = {"parent_id", "model", "lat", "lon", "twin", NULL};
    static const char *const casts[] = {"text", "text", "float8", "float8"};
    bool has[5];
    char *quoted = NULL, *query = NULL;
    tg_status st = tg_db_quote_name(conn, spec->devices_source, "source.devices", &quoted, err);
    if (st || (st = source_columns(conn, quoted, spec->devices_source, required, optional, has, err)))
        goto cleanup;
    size_t size = strlen(quoted) + 512;
    if (!(query = malloc(size))) {
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    size_t len = (size_t)snprintf(query, size, "SELECT device_id::text");
    for (int i = 0; i < 4; i++)
        len += (size_t)snprintf(query + len, size - len, ", %s::%s", has[i] ? optional[i] : "NULL",
                        casts[i]);
    /* Only the values the job's features name leave the database, not whole twin documents. */
    if (spec->n_doc_paths && !has[4]) {
        st = tg_error_set(err, TG_ERR_INPUT, "source \"%s\" has no column \"twin\" for the path \"%s\"",
                          spec->devices_source, spec->doc_paths[0]);
        tg_error_hint(err, "the twin document is a jsonb column named twin (see README, \"Your own tables\")");
        goto cleanup;
    }
    if (spec->n_doc_paths + 5 > TG_COPY_MAX_FIELDS) {
        st = tg_error_set(err, TG_ERR_INPUT, "job spec: features read %zu different twin-document paths; at most %d",
                          spec->n_doc_paths, TG_COPY_MAX_FIELDS - 5);
        goto cleanup;
    }
    for (size_t k = 0; k < spec->n_doc_paths; k++) {
        char *expression = NULL;
        if ((st = json_path_expression(conn, "twin", spec->doc_paths[k], &expression, err)) ||
            (st = append_expression(&query, &size, &len, expression, err)))
            goto cleanup;
    }
    /* Byte order (COLLATE "C") makes vertex ids, and so component ids, independent of locale. */
    snprintf(query + len, size - len, " FROM %s ORDER BY device_id::text COLLATE \"C\"", quoted);
    twins->n_doc_values = spec->n_doc_paths;
    row_context ctx = {.twins = twins, .spec = spec, .source = spec->devices_source};
    st = tg_db_copy_out(conn, query, 5 + spec->n_doc_paths, on_device, &ctx, err);
    if (!st && ctx.bad_locations > 0)
        tg_warn(warnings, "%" IGRAPH_PRId " twin%s of %s %s an invalid location (first: %s); %s", ctx.bad_locations,
                ctx.bad_locations == 1 ? "" : "s", spec->devices_source, ctx.bad_locations == 1 ? "has" : "have",
                ctx.first_bad_location,
                spec->uses_coordinates ? "skipped as having no location" : "no feature of this job uses locations");
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
        if (!layer->kind->reads_relationships)
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
    static const char *const optional[] = {"properties", NULL};
    bool has_properties = false;
    char *quoted = NULL, *filter = NULL, *query = NULL;
    double *values = calloc(spec->n_rel_values + 1, sizeof *values);
    tg_status st = values ? TG_OK : tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    if (st || (st = tg_db_quote_name(conn, spec->relationships_source, "source.relationships", &quoted, err)) ||
        (st = source_columns(conn, quoted, spec->relationships_source, required, optional, &has_properties, err)) ||
        (st = kind_filter(conn, spec, &filter, err)))
        goto cleanup;
    if (spec->n_rel_values + 3 > TG_COPY_MAX_FIELDS) {
        st = tg_error_set(err, TG_ERR_INPUT, "job spec: layers weigh by %zu different values; at most %d",
                          spec->n_rel_values, TG_COPY_MAX_FIELDS - 3);
        goto cleanup;
    }
    size_t size = strlen(quoted) + strlen(filter) + 128, len;
    if (!(query = malloc(size))) {
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    len = (size_t)snprintf(query, size, "SELECT source_id::text, target_id::text, kind::text");
    for (size_t k = 0; k < spec->n_rel_values; k++) {
        char *expression = NULL;
        if (!has_properties && strchr(spec->rel_values[k], '.')) {
            st = tg_error_set(err, TG_ERR_INPUT, "source \"%s\" has no column \"properties\" for the weight \"%s\"",
                              spec->relationships_source, spec->rel_values[k]);
            goto cleanup;
        }
        if ((st = value_expression(conn, spec->rel_values[k], &expression, err)) ||
            (st = append_expression(&query, &size, &len, expression, err)))
            goto cleanup;
    }
    snprintf(query + len, size - len, " FROM %s WHERE %s", quoted, filter);
    row_context ctx = {.twins = twins, .spec = spec, .source = spec->relationships_source, .values = values};
    st = tg_db_copy_out(conn, query, 3 + spec->n_rel_values, on_relationship, &ctx, err);
cleanup:
    free(values);
    free(quoted);
    free(filter);
    free(query);
    return st;
}

#define DANGLING_HINT "fix the rows, or set \"source\": {\"on_dangling\": \"drop\"} to skip them"

/* Reads both sources in one transaction and so from one snapshot: a writer that adds a twin
 * and a relationship to it at once is seen whole or not at all. */
static tg_status read_sources(PGconn *conn, const tg_spec *spec, tg_twins *twins, tg_warnings *warnings,
                              tg_error *err)
{
    bool drop = spec->on_dangling == TG_DANGLING_DROP;
    twins->n_rel_values = spec->n_rel_values;
    tg_status st = read_devices(conn, spec, twins, warnings, err);
    if (st || (st = tg_twins_finish_devices(twins, drop, DANGLING_HINT, warnings, err)))
        return st;
    tg_fault_point("devices_read");
    if (!spec->relationships_source)
        return TG_OK;
    if ((st = read_relationships(conn, spec, twins, err)))
        return st;
    char hint[512];
    if (spec->relationships_given)
        snprintf(hint, sizeof hint, "%s", DANGLING_HINT);
    else
        /* The default relationships table may not belong with a devices source of the user's own. */
        snprintf(hint, sizeof hint,
                 "the job reads the default relationships source %s; set \"source\": {\"relationships\": ...} to "
                 "yours, drop the relationships layer from \"graph.layers\", or set \"on_dangling\": \"drop\"",
                 spec->relationships_source);
    return tg_twins_finish_relationships(twins, drop, hint, warnings, err);
}

tg_status tg_ingest_read(PGconn *conn, const tg_spec *spec, tg_twins *twins, tg_warnings *warnings, tg_error *err)
{
    tg_status st = tg_db_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, NULL, err);
    if (st)
        return st;
    st = read_sources(conn, spec, twins, warnings, err);
    if (!st)
        st = tg_db_exec(conn, "COMMIT", 0, NULL, NULL, err);
    else
        PQclear(PQexec(conn, "ROLLBACK"));
    return st;
}
