/* tg_twinstate.c - features of the twin document itself: a value at a path, typed, as a column. */
#include "tg_twinstate.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tg_copy.h"
#include "tg_interrupt.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

enum { VALUE_PATH, VALUE_TYPE };
static const char *const value_types[] = {"text", "double", "bigint", "boolean", NULL};
static const tg_column_type value_column_types[] = {TG_COLUMN_TEXT, TG_COLUMN_DOUBLE, TG_COLUMN_BIGINT,
                                                    TG_COLUMN_BOOLEAN};

/* "twin_<last key>" folded to what a column name allows; too long a name fails in the spec. */
static tg_status plan_value(tg_feature_spec *fs, bool directed, const char *path, tg_error *err)
{
    (void)directed;
    const char *doc_path = fs->params[VALUE_PATH].string; /* required: the spec refuses an entry without it */
    char column[4 * TG_NAME_MAX];
    tg_feature_fold_name(column, sizeof column, (size_t)snprintf(column, sizeof column, "twin_"),
                         tg_feature_path_last_key(doc_path));
    int type = fs->params[VALUE_TYPE].choice;
    char definition[512];
    snprintf(definition, sizeof definition,
             "the value at %s in the twin document (column twin) as %s; NULL where it is absent, JSON null%s",
             doc_path, value_types[type],
             type == 0 ? "; strings without their quotes, other JSON values as PostgreSQL prints jsonb"
                       : ", or not a JSON value of that type (counted in a warning)");
    if (strlen(column) > 63)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\": column name \"%s\" is longer than 63 bytes", path,
                            column);
    return tg_feature_plan_column(fs, column, value_column_types[type], definition, err);
}

/* One value from its jsonb text. Written by hand rather than decoded with jansson, which
 * refuses numbers and nesting that jsonb allows (20-digit integers, 1e400, 3,000 levels): only
 * strings are decoded, the rest is read as PostgreSQL printed it. Returns false when the value is
 * not of the column's JSON type. */
static bool set_value(tg_column *col, igraph_integer_t v, const char *text, tg_status *st, tg_error *err)
{
    if (strcmp(text, "null") == 0)
        return true;
    if (col->type == TG_COLUMN_TEXT) {
        if (text[0] != '"') {
            *st = tg_column_set_text(col, v, text, err);
            return true;
        }
        json_t *value = json_loads(text, JSON_DECODE_ANY, NULL);
        *st = value ? tg_column_set_text(col, v, json_string_value(value), err)
                    : tg_error_set(err, TG_ERR_INTERNAL, "could not decode the JSON string %.80s", text);
        json_decref(value);
        return true;
    }
    if (col->type == TG_COLUMN_BOOLEAN) {
        if (strcmp(text, "true") != 0 && strcmp(text, "false") != 0)
            return false;
        tg_column_set_number(col, v, text[0] == 't');
        return true;
    }
    double x;
    if (!tg_copy_parse_number(text, &x))
        return false; /* not a number, or beyond the range of a double */
    if (col->type == TG_COLUMN_BIGINT) {
        char *end;
        errno = 0;
        long long exact = strtoll(text, &end, 10);
        if (errno || *end)
            return false; /* a fraction, an exponent or beyond 64 bits */
        VECTOR(col->integer)[v] = exact;
        col->is_null[v] = false;
        return true;
    }
    tg_column_set_number(col, v, x);
    return true;
}

/* Values arrive as jsonb text, extracted by the database. O(twins). */
static tg_status compute_value(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    tg_column *col = out[0];
    igraph_integer_t mismatched = 0, first_mismatch = -1;
    tg_status st = TG_OK;
    for (igraph_integer_t v = 0; v < in->twins->n_twins && !st; v++) {
        col->is_null[v] = true;
        const char *text = tg_twins_doc_value(in->twins, (size_t)in->doc_value, v);
        if (text && !set_value(col, v, text, &st, err) && mismatched++ == 0)
            first_mismatch = v;
        if ((v & 0xFFFF) == 0 && !st)
            st = tg_interrupt_check("reading twin values", err);
    }
    if (!st && mismatched)
        tg_warn(in->warnings, "column %s: %" IGRAPH_PRId " twin%s %s a value at %s that is not a JSON %s (first: "
                "\"%s\"); written as NULL", col->name, mismatched, mismatched == 1 ? "" : "s",
                mismatched == 1 ? "has" : "have", in->params[VALUE_PATH].string,
                in->params[VALUE_TYPE].choice == 3 ? "boolean" : in->params[VALUE_TYPE].choice == 2 ? "integer" : "number",
                tg_twins_id(in->twins, first_mismatch));
    return st;
}

static const tg_param_def value_params[] = {
    [VALUE_PATH] = {.name = "path", .type = TG_PARAM_STRING, .required = true,
                    .doc = "keys joined by dots into the twin document, e.g. \"properties.reported.firmware\""},
    [VALUE_TYPE] = {.name = "type", .type = TG_PARAM_CHOICE, .default_json = "\"text\"", .choices = value_types,
                    .doc = "the column's type; values of another JSON type become NULL"},
};
static const tg_column_def value_columns[] = {
    {"twin_<last key of path>", TG_COLUMN_TEXT, false,
     "the value at a path in the twin document, typed by \"type\"; NULL where absent or of another type"},
};

const tg_feature_def tg_twinstate_features[] = {
    {.name = "twin_value", .family = "twin state", .reads = TG_READS_TWIN_DOCUMENTS,
     .summary = "a value of the twin document as a column (parameters \"path\", \"type\"); the database extracts "
                "only that value",
     .reference = "PostgreSQL's jsonb #> operator on the same rows", .complexity = "O(twins)",
     .params = value_params, .n_params = COUNT(value_params), .columns = value_columns,
     .n_columns = COUNT(value_columns), .plan = plan_value, .path_param = "path", .compute = compute_value},
};
const size_t tg_twinstate_feature_count = COUNT(tg_twinstate_features);
