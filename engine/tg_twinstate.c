/* tg_twinstate.c - features of the twin document itself: a value at a path, typed, as a column. */
#include "tg_twinstate.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tg_interrupt.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

enum { VALUE_PATH, VALUE_TYPE };
static const char *const value_types[] = {"text", "double", "bigint", "boolean", NULL};
static const tg_column_type value_column_types[] = {TG_COLUMN_TEXT, TG_COLUMN_DOUBLE, TG_COLUMN_BIGINT,
                                                    TG_COLUMN_BOOLEAN};

/* "twin_<last key>" folded to what a column name allows. */
static tg_status plan_value(tg_feature_spec *fs, bool directed, const char *path, tg_error *err)
{
    (void)directed, (void)path;
    const char *doc_path = fs->params[VALUE_PATH].string;
    const char *last = strrchr(doc_path, '.');
    last = last ? last + 1 : doc_path;
    char column[TG_NAME_MAX];
    size_t len = (size_t)snprintf(column, sizeof column, "twin_");
    for (const char *c = last; *c && len + 1 < sizeof column; c++)
        column[len++] = isalnum((unsigned char)*c) ? (char)tolower((unsigned char)*c) : '_';
    column[len] = '\0';
    int type = fs->params[VALUE_TYPE].choice;
    char definition[512];
    snprintf(definition, sizeof definition,
             "the value at %s in the twin document (column twin) as %s; NULL where it is absent, JSON null%s",
             doc_path, value_types[type],
             type == 0 ? "; strings without their quotes, other JSON values as compact JSON text"
                       : ", or of another JSON type (counted in a warning)");
    return tg_feature_plan_column(fs, column, value_column_types[type], definition, err);
}

/* One value: returns false when it is present but of another JSON type than the column's. */
static bool set_value(tg_column *col, igraph_integer_t v, const json_t *value, tg_status *st, tg_error *err)
{
    if (json_is_null(value))
        return true;
    switch (col->type) {
    case TG_COLUMN_TEXT:
        if (json_is_string(value)) {
            *st = tg_column_set_text(col, v, json_string_value(value), err);
        } else {
            char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
            *st = text ? tg_column_set_text(col, v, text, err) : tg_error_set(err, TG_ERR_MEMORY, "out of memory");
            free(text);
        }
        return true;
    case TG_COLUMN_DOUBLE:
        if (!json_is_number(value))
            return false;
        tg_column_set_number(col, v, json_number_value(value));
        return true;
    case TG_COLUMN_BIGINT:
        if (!json_is_integer(value))
            return false;
        VECTOR(col->integer)[v] = json_integer_value(value);
        col->is_null[v] = false;
        return true;
    case TG_COLUMN_BOOLEAN:
        if (!json_is_boolean(value))
            return false;
        tg_column_set_number(col, v, json_is_true(value));
        return true;
    default:
        return false;
    }
}

/* Values arrive as jsonb text, extracted by the database; jansson decodes each one. O(twins). */
static tg_status compute_value(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    tg_column *col = out[0];
    igraph_integer_t mismatched = 0, first_mismatch = -1;
    tg_status st = TG_OK;
    for (igraph_integer_t v = 0; v < in->twins->n_twins && !st; v++) {
        if (col->type != TG_COLUMN_TEXT)
            col->is_null[v] = true;
        const char *text = tg_twins_doc_value(in->twins, (size_t)in->doc_value, v);
        if (!text)
            continue;
        json_error_t jerr;
        json_t *value = json_loads(text, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL * (col->type == TG_COLUMN_DOUBLE),
                                   &jerr);
        if (!value)
            return tg_error_set(err, TG_ERR_INTERNAL, "twin \"%s\": could not decode %s: %s",
                                tg_twins_id(in->twins, v), text, jerr.text);
        if (!set_value(col, v, value, &st, err) && mismatched++ == 0)
            first_mismatch = v;
        json_decref(value);
        if ((v & 0xFFFF) == 0 && !st)
            st = tg_interrupt_check("reading twin values", err);
    }
    if (!st && mismatched)
        tg_warn(in->warnings, "column %s: %" IGRAPH_PRId " twin%s have a value at %s that is not %s (first: \"%s\"); "
                "written as NULL", col->name, mismatched, mismatched == 1 ? "" : "s",
                in->params[VALUE_PATH].string, value_types[in->params[VALUE_TYPE].choice],
                tg_twins_id(in->twins, first_mismatch));
    return st;
}

static const tg_param_def value_params[] = {
    [VALUE_PATH] = {.name = "path", .type = TG_PARAM_STRING,
                    .doc = "keys joined by dots into the twin document, e.g. \"properties.reported.firmware\""},
    [VALUE_TYPE] = {.name = "type", .type = TG_PARAM_CHOICE, .default_json = "\"text\"", .choices = value_types,
                    .doc = "the column's type; values of another JSON type become NULL"},
};
static const tg_column_def value_columns[] = {
    {"twin_<last key of path>", TG_COLUMN_TEXT, false,
     "the value at a path in the twin document, typed by \"type\"; NULL where absent or of another type"},
};

const tg_feature_def tg_twinstate_features[] = {
    {.name = "twin_value", .family = "twin state",
     .summary = "a value of the twin document as a column (parameters \"path\", \"type\"); the database extracts "
                "only that value",
     .reference = "PostgreSQL's jsonb #> operator on the same rows", .complexity = "O(twins)",
     .params = value_params, .n_params = COUNT(value_params), .columns = value_columns,
     .n_columns = COUNT(value_columns), .plan = plan_value, .path_param = "path", .compute = compute_value},
};
const size_t tg_twinstate_feature_count = COUNT(tg_twinstate_features);
