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
#include "tg_location.h"
#include "tg_zones.h"

typedef struct {
    tg_twins *twins;
    const tg_spec *spec;
    const char *source;  /* the spec's name of the source, for messages */
    igraph_integer_t bad_locations;
    char first_bad_location[256];
    double *values;      /* relationship values of the current row */
    tg_location_reader *reader; /* geometry locations and zones, else NULL */
    tg_zones *zones;     /* the twins' polygons are the zones, else NULL */
    GEOSGeometry *polygon; /* the current row's polygon, for zones */
    tg_zones *twin_areas; /* where twins' polygon areas are noted when a zones source gives the zones */
    igraph_integer_t bad_documents;
    char first_bad_document[256];
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

/* Reads a twin's location from its two fields: lat and lon (float8 text, or the text of the
 * twin-document values), or geometry text and NULL. Returns false with the problem when it is
 * present but invalid: not a number or a geometry, not finite, outside [-90, 90] / [-180, 180].
 * A NULL (or an absent document value) is no location (NAN), not an error. A polygon read for
 * zones is left in ctx->polygon. */
static bool read_location(row_context *ctx, const char *first, const char *second, double *lat, double *lon,
                          char *problem, size_t size)
{
    *lat = *lon = NAN;
    switch (ctx->spec->location) {
    case TG_LOCATION_GEOMETRY:
        if (!first)
            return true;
        if (!tg_location_read(ctx->reader, first, lat, lon, problem, size))
            return false;
        ctx->polygon = tg_location_take_polygon(ctx->reader);
        break;
    case TG_LOCATION_DOCUMENT:
        if (!first || !second)
            return true;
        if (!tg_copy_parse_number(first, lat) || !tg_copy_parse_number(second, lon)) {
            snprintf(problem, size, "\"%.100s\" at %s and \"%.100s\" at %s are not both numbers", first,
                     ctx->spec->location_lat_path, second, ctx->spec->location_lon_path);
            return false;
        }
        break;
    case TG_LOCATION_LAT_LON:
        if (!first || !second) {
            /* One of the two without the other is no location. */
            if (!first != !second && ((first && !(parse_coordinate(first) >= -90 && parse_coordinate(first) <= 90)) ||
                                      (second && !(parse_coordinate(second) >= -180 && parse_coordinate(second) <= 180)))) {
                snprintf(problem, size, "lat %s, lon %s", first ? first : "NULL", second ? second : "NULL");
                return false;
            }
            return true;
        }
        *lat = parse_coordinate(first);
        *lon = parse_coordinate(second);
        break;
    }
    if (!(*lat >= -90 && *lat <= 90) || !(*lon >= -180 && *lon <= 180)) {
        if (!problem[0])
            snprintf(problem, size, "lat %.17g, lon %.17g", *lat, *lon);
        if (ctx->spec->location == TG_LOCATION_LAT_LON)
            snprintf(problem, size, "lat %s, lon %s", first, second);
        return false;
    }
    return true;
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
    double lat = NAN, lon = NAN;
    char problem[320] = "";
    if (ctx->polygon) {
        GEOSGeom_destroy_r(tg_location_geos(ctx->reader), ctx->polygon);
        ctx->polygon = NULL;
    }
    if (!read_location(ctx, f[3], f[4], &lat, &lon, problem, sizeof problem)) {
        /* Validated only when the job uses coordinates; otherwise counted and warned about once. */
        if (ctx->spec->uses_coordinates && !ctx->spec->skip_bad_locations) {
            tg_error_set(err, TG_ERR_INPUT, "twin \"%s\" has an invalid location: %s", f[0], problem);
            if (strncmp(problem, "in SRID", 7) == 0)
                tg_error_hint(err, "set \"source\": {\"location\": {\"geometry\": \"%s\", \"transform\": true}} to "
                                   "reproject it to WGS84 with PROJ, or skip such rows with \"on_bad_location\": \"skip\"",
                              ctx->spec->location_column);
            else
                tg_error_hint(err, "latitude must be within [-90, 90] and longitude within [-180, 180]; fix the row or "
                                   "set \"source\": {\"on_bad_location\": \"skip\"}");
            return TG_ERR_INPUT;
        }
        if (ctx->bad_locations++ == 0)
            snprintf(ctx->first_bad_location, sizeof ctx->first_bad_location, "\"%s\" (%s)", f[0], problem);
        tg_text_trim_partial_utf8(ctx->first_bad_location);
        lat = lon = NAN;
    }
    if (lat == 0 && lon == 0)
        ctx->twins->location_counts.null_island++;
    if (ctx->polygon && ctx->zones && !isnan(lat)) {
        GEOSGeometry *shape = ctx->polygon;
        ctx->polygon = NULL;
        tg_status st = tg_zones_add(ctx->zones, f[0], shape, ctx->twins->n_twins, err);
        if (st)
            return st;
    } else if (ctx->polygon && ctx->twin_areas && !isnan(lat)) {
        /* Zones come from a zones source; they must still be larger than the twin's polygon. */
        tg_status st = tg_zones_note_twin_polygon(ctx->twin_areas, ctx->twins->n_twins, ctx->polygon, err);
        if (st)
            return st;
    }
    /* A document that is not an object has none of the paths: an error, or skipped and counted.
     * A JSON null reads like SQL NULL: no document. */
    const char *type = f[5 + ctx->spec->n_doc_paths];
    if (type && strcmp(type, "object") != 0 && strcmp(type, "null") != 0) {
        if (!ctx->spec->skip_bad_twins) {
            tg_error_set(err, TG_ERR_INPUT, "twin \"%s\" has a twin document that is a JSON %s, not an object", f[0],
                         type);
            tg_error_hint(err, "fix the row, or set \"source\": {\"on_bad_twin\": \"skip\"} to read it as no document");
            return TG_ERR_INPUT;
        }
        if (ctx->bad_documents++ == 0)
            snprintf(ctx->first_bad_document, sizeof ctx->first_bad_document, "\"%s\" (a %s)", f[0], type);
        tg_text_trim_partial_utf8(ctx->first_bad_document);
        for (size_t k = 0; k < ctx->spec->n_doc_paths; k++)
            f[5 + k] = NULL;
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
 * (a JSON null when absent, so NULL; a string keeps its quotes, unless unquoted, which uses #>>
 * and so reads a string's content). The keys are quoted literals. */
static tg_status json_path_expression(PGconn *conn, const char *column, const char *path, bool unquoted, char **out,
                                     tg_error *err)
{
    size_t size = strlen(column) + 3 * strlen(path) + 64, len;
    char *copy = strdup(path);
    if (!copy || !(*out = malloc(size))) {
        free(copy);
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    }
    len = (size_t)snprintf(*out, size, "(%s %s ARRAY[", column, unquoted ? "#>>" : "#>");
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

/* "a<TG_DOC_PATHS_EQUAL>b": whether the twin's values at a and b are equal jsonb, as text. The
 * twin column may be json, which has no =. */
static tg_status equality_expression(PGconn *conn, const char *paths, char **out, tg_error *err)
{
    const char *split = strchr(paths, TG_DOC_PATHS_EQUAL);
    char *a_path = strndup(paths, (size_t)(split - paths)), *a = NULL, *b = NULL;
    tg_status st = a_path ? TG_OK : tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    if (!st && !(st = json_path_expression(conn, "twin::jsonb", a_path, false, &a, err)))
        st = json_path_expression(conn, "twin::jsonb", split + 1, false, &b, err);
    if (!st) {
        /* Both expressions end in ")::text"; compare the jsonb values before that cast. */
        a[strlen(a) - strlen("::text")] = '\0';
        b[strlen(b) - strlen("::text")] = '\0';
        size_t size = strlen(a) + strlen(b) + 48;
        if ((*out = malloc(size)))
            snprintf(*out, size, "(%s OPERATOR(pg_catalog.=) %s)::text", a, b);
        else
            st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    }
    free(a_path);
    free(a);
    free(b);
    return st;
}

/* The SQL expression of a relationship value: "properties.a.b" is the jsonb at that path of the
 * properties column (a number prints as one; a string keeps its quotes and so is refused),
 * anything else a column of the source. */
static tg_status value_expression(PGconn *conn, const char *value, char **out, tg_error *err)
{
    const char *prefix = "properties.";
    if (strncmp(value, prefix, strlen(prefix)) == 0)
        return json_path_expression(conn, "properties", value + strlen(prefix), false, out, err);
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

/* Appends the two location fields: lat and lon columns, the twin-document values at the spec's
 * paths, or the geometry column as text (hex EWKB for PostGIS types) and NULL. */
static tg_status location_expressions(PGconn *conn, const tg_spec *spec, const bool *has, char **query, size_t *size,
                                      size_t *len, tg_error *err)
{
    char *first = NULL, *second = NULL;
    tg_status st = TG_OK;
    switch (spec->location) {
    case TG_LOCATION_LAT_LON:
        first = strdup(has[2] ? "lat::float8::text" : "NULL::text");
        second = strdup(has[3] ? "lon::float8::text" : "NULL::text");
        break;
    case TG_LOCATION_DOCUMENT:
        if (!has[4]) {
            tg_error_set(err, TG_ERR_INPUT, "source \"%s\" has no column \"twin\" for the location path \"%s\"",
                         spec->devices_source, spec->location_lat_path);
            tg_error_hint(err, "the twin document is a jsonb column named twin (see README, \"Your own tables\")");
            return TG_ERR_INPUT;
        }
        if ((st = json_path_expression(conn, "twin", spec->location_lat_path, true, &first, err)) ||
            (st = json_path_expression(conn, "twin", spec->location_lon_path, true, &second, err)))
            break;
        break;
    case TG_LOCATION_GEOMETRY: {
        char *column = NULL;
        if ((st = tg_db_quote_ident(conn, spec->location_column, &column, err)))
            break;
        size_t n = strlen(column) + 16;
        if ((first = malloc(n)))
            snprintf(first, n, "%s::text", column);
        free(column);
        second = strdup("NULL::text");
        break;
    }
    }
    if (!st && (!first || !second))
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    if (!st) {
        st = append_expression(query, size, len, first, err);
        first = NULL;
        if (!st)
            st = append_expression(query, size, len, second, err);
        second = NULL;
    }
    free(first);
    free(second);
    return st;
}

static tg_status read_devices(PGconn *conn, const tg_spec *spec, tg_twins *twins, row_context *ctx,
                              tg_warnings *warnings, tg_error *err)
{
    static const char *const required[] = {"device_id", NULL};
    static const char *const optional[] = {"parent_id", "model", "lat", "lon", "twin", NULL};
    static const char *const casts[] = {"text", "text", "float8", "float8"};
    bool has[5];
    char *quoted = NULL, *query = NULL;
    tg_status st = tg_db_quote_name(conn, spec->devices_source, "source.devices", &quoted, err);
    if (st || (st = source_columns(conn, quoted, spec->devices_source, required, optional, has, err)))
        goto cleanup;
    if (spec->location == TG_LOCATION_GEOMETRY) {
        const char *geometry[] = {spec->location_column, NULL}, *none[] = {NULL};
        if ((st = source_columns(conn, quoted, spec->devices_source, geometry, none, NULL, err)))
            goto cleanup;
    } else if (spec->location == TG_LOCATION_LAT_LON && spec->uses_coordinates && (!has[2] || !has[3])) {
        st = tg_error_set(err, TG_ERR_INPUT, "source \"%s\" has no column \"%s\", and the job reads locations",
                          spec->devices_source, has[2] ? "lon" : "lat");
        tg_error_hint(err, "name where locations are with \"source\": {\"location\": {\"geometry\": \"<column>\"}} or "
                           "{\"location\": {\"lat\": \"<path>\", \"lon\": \"<path>\"}} (paths into the twin document)");
        goto cleanup;
    }
    size_t size = strlen(quoted) + 512;
    if (!(query = malloc(size))) {
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    size_t len = (size_t)snprintf(query, size, "SELECT device_id::text");
    for (int i = 0; i < 2; i++)
        len += (size_t)snprintf(query + len, size - len, ", %s::%s", has[i] ? optional[i] : "NULL", casts[i]);
    if ((st = location_expressions(conn, spec, has, &query, &size, &len, err)))
        goto cleanup;
    /* Only the values the job's features name leave the database, not whole twin documents. */
    if (spec->n_doc_paths && !has[4]) {
        st = tg_error_set(err, TG_ERR_INPUT, "source \"%s\" has no column \"twin\" for the path \"%s\"",
                          spec->devices_source, spec->doc_paths[0]);
        tg_error_hint(err, "the twin document is a jsonb column named twin (see README, \"Your own tables\")");
        goto cleanup;
    }
    if (spec->n_doc_paths + 6 > TG_COPY_MAX_FIELDS) {
        st = tg_error_set(err, TG_ERR_INPUT, "job spec: features read %zu different twin-document paths; at most %d",
                          spec->n_doc_paths, TG_COPY_MAX_FIELDS - 6);
        goto cleanup;
    }
    for (size_t k = 0; k < spec->n_doc_paths; k++) {
        char *expression = NULL;
        if (strchr(spec->doc_paths[k], TG_DOC_PATHS_EQUAL))
            st = equality_expression(conn, spec->doc_paths[k], &expression, err);
        else
            st = json_path_expression(conn, "twin", spec->doc_paths[k], false, &expression, err);
        if (st || (st = append_expression(&query, &size, &len, expression, err)))
            goto cleanup;
    }
    /* The document's JSON type, to tell a document that is not an object from one without the keys. */
    char *type_expression = strdup(spec->n_doc_paths ? "pg_catalog.jsonb_typeof(twin::jsonb)" : "NULL::text");
    if (!type_expression || (st = append_expression(&query, &size, &len, type_expression, err))) {
        st = st ? st : tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    /* Byte order (COLLATE "C") makes vertex ids, and so component ids, independent of locale. */
    snprintf(query + len, size - len, " FROM %s ORDER BY device_id::text COLLATE \"C\"", quoted);
    twins->n_doc_values = spec->n_doc_paths;
    st = tg_db_copy_out(conn, query, 6 + spec->n_doc_paths, on_device, ctx, err);
    twins->bad_documents = ctx->bad_documents;
    if (!st && ctx->bad_documents > 0)
        tg_warn(warnings, "%" IGRAPH_PRId " twin document%s of %s %s not a JSON object (first: %s); read as no "
                "document", ctx->bad_documents, ctx->bad_documents == 1 ? "" : "s", spec->devices_source,
                ctx->bad_documents == 1 ? "is" : "are", ctx->first_bad_document);
    twins->location_counts.invalid = ctx->bad_locations;
    if (!st && spec->uses_coordinates && twins->location_counts.null_island > 0)
        tg_warn(warnings, "%" IGRAPH_PRId " twin%s of %s lie%s at exactly (0, 0), often a placeholder for an unknown "
                "location; counted in features.runs.locations", twins->location_counts.null_island,
                twins->location_counts.null_island == 1 ? "" : "s", spec->devices_source,
                twins->location_counts.null_island == 1 ? "s" : "");
    if (!st && ctx->bad_locations > 0)
        tg_warn(warnings, "%" IGRAPH_PRId " twin%s of %s %s an invalid location (first: %s); %s", ctx->bad_locations,
                ctx->bad_locations == 1 ? "" : "s", spec->devices_source, ctx->bad_locations == 1 ? "has" : "have",
                ctx->first_bad_location,
                spec->uses_coordinates ? "skipped as having no location" : "no feature of this job uses locations");
cleanup:
    free(quoted);
    free(query);
    return st;
}

/* Appends a quoted kind to the filter being built (grown as needed). */
static tg_status append_kind(PGconn *conn, const char *kind, char **sql, size_t *size, size_t *len, tg_error *err)
{
    char *literal = NULL;
    tg_status st = tg_db_quote_literal(conn, kind, &literal, err);
    if (st)
        return st;
    if (*len + strlen(literal) + 8 > *size) {
        size_t bigger = 2 * (*len + strlen(literal) + 8);
        char *grown = realloc(*sql, bigger);
        if (!grown) {
            free(literal);
            return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        }
        *sql = grown;
        *size = bigger;
    }
    *len += (size_t)snprintf(*sql + *len, *size - *len, "%s%s", (*sql)[*len - 1] == '(' ? "" : ", ", literal);
    free(literal);
    return TG_OK;
}

/* "kind IN ('a', 'b')" when every relationships layer lists its kinds (with the kinds features
 * name), else "true". */
static tg_status kind_filter(PGconn *conn, const tg_spec *spec, char **out, tg_error *err)
{
    for (size_t i = 0; i < spec->n_layers; i++)
        if (spec->layers[i].kind->reads_relationships && !spec->layers[i].kinds)
            return (*out = strdup("true")) ? TG_OK : tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    size_t size = 256, len;
    char *sql = malloc(size);
    if (!sql)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    len = (size_t)snprintf(sql, size, "kind::text IN (");
    tg_status st = TG_OK;
    for (size_t i = 0; i < spec->n_layers && !st; i++)
        for (size_t k = 0; k < spec->layers[i].n_kinds && !st; k++)
            st = append_kind(conn, spec->layers[i].kinds[k], &sql, &size, &len, err);
    for (size_t f = 0; f < spec->n_features && !st; f++)
        for (int reverse = 0; reverse < 2; reverse++) {
            const tg_param_value *kinds = tg_feature_kinds(&spec->features[f], reverse);
            for (size_t k = 0; kinds && k < kinds->count && !st; k++)
                st = append_kind(conn, kinds->names[k], &sql, &size, &len, err);
        }
    if (st) {
        free(sql);
        return st;
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

static tg_status on_zone(void *context, char **f, size_t n_fields, tg_error *err)
{
    (void)n_fields;
    row_context *ctx = context;
    char problem[320];
    double lat, lon;
    if (!f[0] || !f[1])
        return tg_error_set(err, TG_ERR_INPUT, "source \"%s\" has a row with a NULL %s", ctx->source,
                            f[0] ? "geom" : "zone_id");
    if (!tg_location_read(ctx->reader, f[1], &lat, &lon, problem, sizeof problem)) {
        tg_error_set(err, TG_ERR_INPUT, "zone \"%s\" has an invalid geometry: %s", f[0], problem);
        if (strncmp(problem, "in SRID", 7) == 0)
            tg_error_hint(err, "set \"source\": {\"location\": {\"geometry\": ..., \"transform\": true}}: it reprojects "
                               "zones too (with lat/lon locations, store the zones in SRID 4326)");
        return TG_ERR_INPUT;
    }
    GEOSGeometry *polygon = tg_location_take_polygon(ctx->reader);
    if (!polygon)
        return tg_error_set(err, TG_ERR_INPUT, "zone \"%s\" is a point, not a polygon", f[0]);
    /* Rows come in zone_id byte order, so a repeated id follows its first. */
    if (ctx->zones->n > 0 && strcmp(ctx->zones->id[ctx->zones->n - 1], f[0]) == 0) {
        GEOSGeom_destroy_r(tg_location_geos(ctx->reader), polygon);
        tg_error_set(err, TG_ERR_INPUT, "source \"%s\" has zone_id \"%s\" twice", ctx->source, f[0]);
        tg_error_hint(err, "zone ids name zones: merge the polygons (ST_Union) or rename one");
        return TG_ERR_INPUT;
    }
    return tg_zones_add(ctx->zones, f[0], polygon, -1, err);
}

static tg_status read_zones(PGconn *conn, const tg_spec *spec, row_context *ctx, tg_error *err)
{
    static const char *const required[] = {"zone_id", "geom", NULL};
    static const char *const optional[] = {NULL};
    char *quoted = NULL, *query = NULL;
    tg_status st = tg_db_quote_name(conn, spec->zones_source, "source.zones", &quoted, err);
    if (st || (st = source_columns(conn, quoted, spec->zones_source, required, optional, NULL, err)))
        goto cleanup;
    size_t size = strlen(quoted) + 128;
    if (!(query = malloc(size))) {
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    snprintf(query, size, "SELECT zone_id::text, geom::text FROM %s ORDER BY zone_id::text COLLATE \"C\"", quoted);
    ctx->source = spec->zones_source;
    st = tg_db_copy_out(conn, query, 2, on_zone, ctx, err);
cleanup:
    free(quoted);
    free(query);
    return st;
}

/* Each located twin's innermost zone; with infer_parents, a twin without a parent takes the twin
 * whose polygon is that zone. */
static tg_status assign_zones(const tg_spec *spec, const tg_zones *zones, tg_twins *twins, tg_warnings *warnings,
                              tg_error *err)
{
    igraph_integer_t *zone_of = malloc((size_t)(twins->n_twins > 0 ? twins->n_twins : 1) * sizeof *zone_of);
    tg_status st = zone_of ? tg_zones_assign(zones, twins, zone_of, err) : tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    igraph_integer_t in_zone = 0;
    for (igraph_integer_t v = 0; !st && v < twins->n_twins; v++) {
        if (zone_of[v] < 0)
            continue;
        in_zone++;
        if ((st = tg_twins_set_zone(twins, v, zones->id[zone_of[v]], err)))
            break;
        if (spec->infer_parents && twins->parent_offset[v] == SIZE_MAX) {
            tg_twins_set_parent(twins, v, zones->twin[zone_of[v]]);
            twins->location_counts.parents_inferred++;
        }
    }
    if (!st && zones->n == 0)
        tg_warn(warnings, "no zones: %s", spec->zones_source ? "the zones source is empty" : "no twin has a polygon");
    else if (!st && in_zone == 0)
        tg_warn(warnings, "no located twin lies in any of the %zu zones", zones->n);
    free(zone_of);
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
    row_context ctx = {.twins = twins, .spec = spec, .source = spec->devices_source};
    tg_zones zones = {0};
    tg_status st = TG_OK;
    if (spec->location == TG_LOCATION_GEOMETRY || spec->zones_source) {
        if ((st = tg_location_reader_create(spec->location_transform, spec->uses_zones, &ctx.reader, err)))
            return st;
        tg_zones_init(&zones, ctx.reader);
        /* The twins' own polygons are the zones unless a zones source is named. */
        ctx.zones = spec->uses_zones && !spec->zones_source ? &zones : NULL;
        ctx.twin_areas = spec->uses_zones && spec->zones_source ? &zones : NULL;
    }
    st = read_devices(conn, spec, twins, &ctx, warnings, err);
    if (!st && spec->zones_source) {
        ctx.zones = &zones;
        st = read_zones(conn, spec, &ctx, err);
    }
    if (!st && spec->uses_zones)
        st = assign_zones(spec, &zones, twins, warnings, err);
    if (ctx.polygon)
        GEOSGeom_destroy_r(tg_location_geos(ctx.reader), ctx.polygon);
    tg_zones_destroy(&zones);
    tg_location_reader_free(ctx.reader);
    if (st || (st = tg_twins_finish_devices(twins, drop, DANGLING_HINT, warnings, err)))
        return st;
    igraph_integer_t located = 0;
    for (igraph_integer_t v = 0; v < twins->n_twins; v++)
        located += tg_twins_located(twins, v);
    twins->location_counts.located = located;
    if (spec->uses_coordinates && twins->n_twins > 0 && located == 0)
        tg_warn(warnings, "no twin of %s has a location, so every geo value is NULL and spatial layers are empty; "
                "check \"source.location\"", spec->devices_source);
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
