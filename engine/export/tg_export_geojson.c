/* tg_export_geojson.c - located twins and their features as an RFC 7946 GeoJSON FeatureCollection, written with jansson. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tg_export.h"
#include "tg_interrupt.h"

/* A value of the feature table as JSON: numbers as numbers (a non-finite one as null, which
 * JSON has no number for), booleans, text, and arrays ("{1.5,NULL,2}") as arrays. */
static json_t *value_json(const tg_export_rows *rows, int r, int c)
{
    if (PQgetisnull(rows->res, r, c))
        return json_null();
    const char *text = PQgetvalue(rows->res, r, c);
    switch (tg_export_column_kind(rows, c)) {
    case TG_EXPORT_INTEGER:
        return json_integer(strtoll(text, NULL, 10));
    case TG_EXPORT_NUMBER: {
        double x = strtod(text, NULL);
        return isfinite(x) ? json_real(x) : json_null();
    }
    case TG_EXPORT_BOOLEAN:
        return json_boolean(text[0] == 't');
    case TG_EXPORT_NUMBERS: {
        json_t *array = json_array();
        for (const char *p = text + 1; array && *p && *p != '}';) {
            char *end = NULL;
            double x = strtod(p, &end);
            if (end == p) { /* NULL, or a word strtod does not take */
                json_array_append_new(array, json_null());
                end = (char *)p + strcspn(p, ",}");
            } else
                json_array_append_new(array, isfinite(x) ? json_real(x) : json_null());
            p = *end == ',' ? end + 1 : end;
        }
        return array;
    }
    default:
        return json_string(text);
    }
}

tg_status tg_export_geojson(FILE *out, const tg_twins *twins, const tg_export_rows *rows, long *written,
                            tg_error *err)
{
    *written = 0;
    fputs("{\"type\": \"FeatureCollection\", \"features\": [\n", out);
    for (igraph_integer_t v = 0; v < twins->n_twins; v++) {
        if (isnan(twins->lat[v]) || isnan(twins->lon[v]))
            continue;
        if ((v & 4095) == 0) {
            tg_status st = tg_interrupt_check("exporting", err);
            if (st)
                return st;
        }
        const char *parent = twins->parent[v] >= 0 ? tg_twins_id(twins, twins->parent[v]) : NULL;
        const char *model = tg_twins_model(twins, v);
        /* RFC 7946: positions are [longitude, latitude] in WGS84. */
        json_t *feature = json_pack("{s:s, s:s, s:{s:s, s:[f, f]}, s:{s:s, s:s?, s:s?}}", "type", "Feature", "id",
                                    tg_twins_id(twins, v), "geometry", "type", "Point", "coordinates", twins->lon[v],
                                    twins->lat[v], "properties", "device_id", tg_twins_id(twins, v), "model", model,
                                    "parent_id", parent);
        if (!feature)
            return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        json_t *properties = json_object_get(feature, "properties");
        igraph_integer_t r = rows->row_of_twin[v];
        char name[128];
        for (int c = 1; r >= 0 && c < rows->n_columns; c++)
            json_object_set_new(properties, tg_export_column_name(rows, c, name, sizeof name),
                                value_json(rows, (int)r, c));
        if (*written > 0)
            fputs(",\n", out);
        /* 17 significant digits: every double reads back as itself. */
        int rc = json_dumpf(feature, out, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
        json_decref(feature);
        if (rc != 0)
            return tg_error_set(err, TG_ERR_INPUT, "cannot write the GeoJSON");
        (*written)++;
    }
    fputs("\n]}\n", out);
    return TG_OK;
}
