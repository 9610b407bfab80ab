/* tg_param.c - strict parsing of typed feature parameters from job-spec JSON, and their spelling in messages and comments. */
#include "tg_param.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "an object", "a string", ... for messages. */
static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

tg_status tg_param_wrong_type(tg_error *err, const char *path, const char *expected, const json_t *v)
{
    return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" must be %s, not %s", path, expected, json_kind(v));
}

#define wrong_type tg_param_wrong_type

/* The value exactly as the spec wrote it (1000000001, not 1e+09). */
static tg_status out_of_range(tg_error *err, const char *path, const tg_param_def *def, const json_t *v)
{
    /* 15 digits unless the value needs 17 to read back: 0.5000000001, not 0.50000000010000001. */
    char range[160], *text = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
    if (text && json_is_real(v) && strtod(text, NULL) != json_real_value(v)) {
        free(text);
        text = json_dumps(v, JSON_ENCODE_ANY);
    }
    tg_param_describe_range(def, range, sizeof range);
    tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" must be within %s, not %s", path, range, text ? text : "?");
    free(text);
    return TG_ERR_INPUT;
}

static tg_status check_integer(const tg_param_def *def, const json_t *v, const char *path, int64_t *out,
                               tg_error *err)
{
    if (!json_is_integer(v))
        return wrong_type(err, path, "an integer", v);
    json_int_t x = json_integer_value(v);
    if (x < def->min_integer || x > def->max_integer)
        return out_of_range(err, path, def, v);
    *out = x;
    return TG_OK;
}

static char *copy_string(const json_t *v)
{
    return strdup(json_string_value(v));
}

static tg_status parse_string_list(const tg_param_def *def, const json_t *v, const char *path,
                                   tg_param_value *out, tg_error *err)
{
    (void)def;
    if (!json_is_array(v))
        return wrong_type(err, path, "an array of strings", v);
    if (json_array_size(v) == 0)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" must not be empty", path);
    if (!(out->names = calloc(json_array_size(v), sizeof *out->names)))
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    size_t i;
    const json_t *item;
    json_array_foreach(v, i, item) {
        if (!json_is_string(item) || json_string_length(item) == 0)
            return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s[%zu]\" must be a non-empty string", path, i);
        for (size_t j = 0; j < i; j++)
            if (strcmp(out->names[j], json_string_value(item)) == 0)
                return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" lists \"%s\" twice", path,
                                    json_string_value(item));
        if (!(out->names[i] = copy_string(item)))
            return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        out->count = i + 1;
    }
    return TG_OK;
}

static tg_status parse_name_integers(const tg_param_def *def, const json_t *v, const char *path,
                                     tg_param_value *out, tg_error *err)
{
    if (!json_is_object(v))
        return wrong_type(err, path, "an object from names to integers", v);
    size_t n = json_object_size(v);
    if (n == 0)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" must not be empty", path);
    if (!(out->names = calloc(n, sizeof *out->names)) || !(out->integers = calloc(n, sizeof *out->integers)))
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    const char *key;
    json_t *item;
    /* In the order written: jansson keeps insertion order when iterating. */
    json_object_foreach((json_t *)v, key, item) {
        char item_path[256];
        snprintf(item_path, sizeof item_path, "%s.%s", path, key);
        tg_status st = check_integer(def, item, item_path, &out->integers[out->count], err);
        if (st)
            return st;
        if (!(out->names[out->count] = strdup(key)))
            return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        out->count++;
    }
    return TG_OK;
}

static const char *const twin_set_keys[] = {"devices", "models", NULL};

/* {"devices": [...]} or {"models": [...]}: exactly one key, a non-empty list of strings. */
static tg_status parse_twin_set(const tg_param_def *def, const json_t *v, const char *path, tg_param_value *out,
                                tg_error *err)
{
    if (!json_is_object(v) || json_object_size(v) != 1) {
        tg_status st = json_is_object(v)
                           ? tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" must have exactly one key, "
                                          "\"devices\" or \"models\"", path)
                           : wrong_type(err, path, "an object", v);
        tg_error_hint(err, "write {\"devices\": [\"id\", ...]} or {\"models\": [\"model\", ...]}");
        return st;
    }
    const char *key = json_object_iter_key(json_object_iter((json_t *)v));
    char item_path[256];
    snprintf(item_path, sizeof item_path, "%s.%s", path, key);
    for (int c = 0; twin_set_keys[c]; c++)
        if (strcmp(key, twin_set_keys[c]) == 0) {
            out->choice = c;
            return parse_string_list(def, json_object_get(v, key), item_path, out, err);
        }
    tg_error_set(err, TG_ERR_INPUT, "job spec: unknown key \"%s\"", item_path);
    tg_error_hint(err, "keys allowed: devices, models");
    return TG_ERR_INPUT;
}

static tg_status parse_value(const tg_param_def *def, const json_t *v, const char *path, tg_param_value *out,
                             tg_error *err)
{
    switch (def->type) {
    case TG_PARAM_NUMBER:
        if (!json_is_number(v))
            return wrong_type(err, path, "a number", v);
        out->number = json_number_value(v);
        if (!(out->number >= def->min_number && out->number <= def->max_number))
            return out_of_range(err, path, def, v);
        return TG_OK;
    case TG_PARAM_INTEGER:
        return check_integer(def, v, path, &out->integer, err);
    case TG_PARAM_BOOLEAN:
        if (!json_is_boolean(v))
            return wrong_type(err, path, "a boolean", v);
        out->boolean = json_is_true(v);
        return TG_OK;
    case TG_PARAM_CHOICE:
        if (!json_is_string(v))
            return wrong_type(err, path, "a string", v);
        for (int c = 0; def->choices[c]; c++)
            if (strcmp(def->choices[c], json_string_value(v)) == 0) {
                out->choice = c;
                return TG_OK;
            }
        tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" must be one of the choices, not \"%s\"", path,
                     json_string_value(v));
        char choices[160];
        tg_param_describe_range(def, choices, sizeof choices);
        tg_error_hint(err, "choices: %s", choices);
        return TG_ERR_INPUT;
    case TG_PARAM_STRING:
        if (!json_is_string(v))
            return wrong_type(err, path, "a string", v);
        if (json_string_length(v) == 0)
            return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" must not be empty", path);
        return (out->string = copy_string(v)) ? TG_OK : tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    case TG_PARAM_STRING_LIST:
        return parse_string_list(def, v, path, out, err);
    case TG_PARAM_NAME_INTEGERS:
        return parse_name_integers(def, v, path, out, err);
    case TG_PARAM_TWIN_SET:
        return parse_twin_set(def, v, path, out, err);
    }
    return tg_error_set(err, TG_ERR_INTERNAL, "parameter \"%s\" has an unknown type", def->name);
}

tg_status tg_param_parse(const tg_param_def *def, const json_t *v, const char *path, tg_param_value *out,
                         tg_error *err)
{
    memset(out, 0, sizeof *out);
    json_t *fallback = NULL;
    if (!v) {
        if (!def->default_json)
            return TG_OK; /* absent */
        json_error_t jerr;
        if (!(fallback = json_loads(def->default_json, JSON_DECODE_ANY, &jerr)))
            return tg_error_set(err, TG_ERR_INTERNAL, "parameter \"%s\" has an invalid default %s", def->name,
                                def->default_json);
        v = fallback;
    }
    tg_status st = parse_value(def, v, path, out, err);
    out->present = st == TG_OK;
    json_decref(fallback);
    return st;
}

void tg_param_value_destroy(tg_param_value *value)
{
    if (!value)
        return;
    free(value->string);
    for (size_t i = 0; value->names && i < value->count; i++)
        free(value->names[i]);
    free(value->names);
    free(value->integers);
    memset(value, 0, sizeof *value);
}

void tg_param_format(const tg_param_def *def, const tg_param_value *value, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    if (!value->present) {
        snprintf(buf, size, "(none)");
        return;
    }
    switch (def->type) {
    case TG_PARAM_NUMBER:
        snprintf(buf, size, "%.15g%s%s", value->number, def->unit ? " " : "", def->unit ? def->unit : "");
        break; /* 0.85, not 0.84999999999999998 */
    case TG_PARAM_INTEGER:
        snprintf(buf, size, "%" PRId64, value->integer);
        break;
    case TG_PARAM_BOOLEAN:
        snprintf(buf, size, "%s", value->boolean ? "true" : "false");
        break;
    case TG_PARAM_CHOICE:
        snprintf(buf, size, "\"%s\"", def->choices[value->choice]);
        break;
    case TG_PARAM_STRING:
        snprintf(buf, size, "\"%s\"", value->string);
        break;
    case TG_PARAM_STRING_LIST:
    case TG_PARAM_TWIN_SET:
        if (def->type == TG_PARAM_TWIN_SET)
            len = (size_t)snprintf(buf, size, "{\"%s\": ", twin_set_keys[value->choice]);
        len += (size_t)snprintf(buf + len, size - len, "[");
        for (size_t i = 0; i < value->count && len < size; i++)
            len += (size_t)snprintf(buf + len, size - len, "%s\"%s\"", i ? ", " : "", value->names[i]);
        if (len < size)
            len += (size_t)snprintf(buf + len, size - len, "]");
        if (def->type == TG_PARAM_TWIN_SET && len < size)
            snprintf(buf + len, size - len, "}");
        break;
    case TG_PARAM_NAME_INTEGERS:
        len = (size_t)snprintf(buf, size, "{");
        for (size_t i = 0; i < value->count && len < size; i++)
            len += (size_t)snprintf(buf + len, size - len, "%s\"%s\": %" PRId64, i ? ", " : "", value->names[i],
                                    value->integers[i]);
        if (len < size)
            snprintf(buf + len, size - len, "}");
        break;
    }
}

void tg_param_describe_range(const tg_param_def *def, char *buf, size_t size)
{
    buf[0] = '\0';
    switch (def->type) {
    case TG_PARAM_NUMBER:
        snprintf(buf, size, "%.15g..%.15g%s%s", def->min_number, def->max_number, def->unit ? " " : "",
                 def->unit ? def->unit : "");
        break;
    case TG_PARAM_INTEGER:
    case TG_PARAM_NAME_INTEGERS:
        snprintf(buf, size, "%" PRId64 "..%" PRId64, def->min_integer, def->max_integer);
        break;
    case TG_PARAM_CHOICE:
        for (size_t c = 0, len = 0; def->choices[c] && len < size; c++)
            len += (size_t)snprintf(buf + len, size - len, "%s%s", c ? " | " : "", def->choices[c]);
        break;
    default:
        break;
    }
}
