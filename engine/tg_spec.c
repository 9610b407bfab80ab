/* tg_spec.c - strict parsing and validation of job spec JSON with jansson. */
#include "tg_spec.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define DEFAULT_DEVICES "twin.devices"
#define DEFAULT_RELATIONSHIPS "twin.relationships"
#define DEFAULT_OUTPUT "features.device_features"
#define DEFAULT_RUNS "features.runs"
#define PG_MAX_IDENTIFIER 63

static const char *json_type_name(const json_t *v)
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

static tg_status wrong_type(tg_error *err, const char *path, const char *expected, const json_t *v)
{
    return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" must be %s, not %s", path, expected,
                        json_type_name(v));
}

/* Appends name to a ", "-separated list in list (of size bytes), cutting it when full. */
static void append_name(char *list, size_t size, const char *name)
{
    size_t len = strlen(list);
    snprintf(list + len, size - len, "%s%s", len ? ", " : "", name);
}

/* Rejects keys of obj not in allowed (NULL-terminated); path names obj in messages. */
static tg_status check_keys(const json_t *obj, const char *path, const char *const *allowed,
                            tg_error *err)
{
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)obj, key, value) {
        bool known = false;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(key, *a) == 0)
                known = true;
        if (!known) {
            tg_error_set(err, TG_ERR_INPUT, "job spec: unknown key \"%s%s%s\"", path,
                         path[0] ? "." : "", key);
            char list[256] = "";
            for (const char *const *a = allowed; *a; a++)
                append_name(list, sizeof list, *a);
            tg_error_hint(err, "keys allowed here: %s", list);
            return TG_ERR_INPUT;
        }
    }
    return TG_OK;
}

/* Copies an optional string member; *out keeps def when the key is absent. */
static tg_status get_string(const json_t *obj, const char *key, const char *path, const char *def,
                            char **out, tg_error *err)
{
    const json_t *v = json_object_get(obj, key);
    const char *s = def;
    if (v) {
        if (!json_is_string(v))
            return wrong_type(err, path, "a string", v);
        s = json_string_value(v);
        if (s[0] == '\0')
            return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" must not be empty", path);
    }
    if (!s) {
        *out = NULL;
        return TG_OK;
    }
    *out = strdup(s);
    return *out ? TG_OK : tg_error_set(err, TG_ERR_MEMORY, "out of memory");
}

/* A table name is "table" or "schema.table": no empty part and at most one dot. */
static tg_status get_table_name(const json_t *obj, const char *key, const char *path, const char *def,
                                char **out, tg_error *err)
{
    tg_status st = get_string(obj, key, path, def, out, err);
    if (st || !*out)
        return st;
    const char *dot = strchr(*out, '.');
    if (dot && (dot == *out || dot[1] == '\0' || strchr(dot + 1, '.')))
        return tg_error_set(err, TG_ERR_INPUT,
                            "job spec: \"%s\" must be \"table\" or \"schema.table\", not \"%s\"", path, *out);
    /* PostgreSQL would silently cut a longer name and so address another table. */
    size_t table_len = dot ? strlen(dot + 1) : strlen(*out);
    if ((dot && (size_t)(dot - *out) > PG_MAX_IDENTIFIER) || table_len > PG_MAX_IDENTIFIER)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\": a name part is longer than %d bytes", path,
                            PG_MAX_IDENTIFIER);
    if (dot)
        return TG_OK;
    /* One spelling per table ("public.t", never "t"), so locks and run records keyed on the name
     * agree; an unqualified name means schema public, whatever the search_path. */
    char *qualified = malloc(strlen(*out) + sizeof "public.");
    if (!qualified)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    sprintf(qualified, "public.%s", *out);
    free(*out);
    *out = qualified;
    return TG_OK;
}

static tg_status get_bool(const json_t *obj, const char *key, const char *path, bool def, bool *out,
                          tg_error *err)
{
    const json_t *v = json_object_get(obj, key);
    *out = def;
    if (!v)
        return TG_OK;
    if (!json_is_boolean(v))
        return wrong_type(err, path, "a boolean", v);
    *out = json_is_true(v);
    return TG_OK;
}

/* A name usable in a column name: lowercase letters, digits and underscores. */
static bool is_plain_name(const char *s)
{
    if (!s[0] || isdigit((unsigned char)s[0]))
        return false;
    for (; *s; s++)
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_'))
            return false;
    return true;
}

static tg_status parse_source(tg_spec *spec, const json_t *source, tg_error *err)
{
    static const char *const keys[] = {"devices", "relationships", "on_dangling", NULL};
    tg_status st;
    /* An absent "source" (NULL) means every default: jansson's getters accept NULL. */
    if (source && !json_is_object(source))
        return wrong_type(err, "source", "an object", source);
    if ((source && (st = check_keys(source, "source", keys, err))) ||
        (st = get_table_name(source, "devices", "source.devices", DEFAULT_DEVICES, &spec->devices_source, err)) ||
        (st = get_table_name(source, "relationships", "source.relationships", DEFAULT_RELATIONSHIPS,
                             &spec->relationships_source, err)))
        return st;

    const json_t *dangling = json_object_get(source, "on_dangling");
    spec->on_dangling = TG_DANGLING_ERROR;
    if (!dangling)
        return TG_OK;
    const char *s = json_string_value(dangling);
    if (s && strcmp(s, "drop") == 0)
        spec->on_dangling = TG_DANGLING_DROP;
    else if (!s || strcmp(s, "error") != 0)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"source.on_dangling\" must be \"error\" or \"drop\"");
    return TG_OK;
}

static tg_status parse_kinds(tg_layer_spec *layer, const json_t *kinds, const char *path,
                             tg_error *err)
{
    if (!json_is_array(kinds))
        return wrong_type(err, path, "an array of strings", kinds);
    if (json_array_size(kinds) == 0)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" must not be empty", path);
    layer->kinds = calloc(json_array_size(kinds), sizeof *layer->kinds);
    if (!layer->kinds)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    size_t i;
    const json_t *kind;
    json_array_foreach(kinds, i, kind) {
        if (!json_is_string(kind)) {
            char p[128];
            snprintf(p, sizeof p, "%s[%zu]", path, i);
            return wrong_type(err, p, "a string", kind);
        }
        if (!(layer->kinds[i] = strdup(json_string_value(kind))))
            return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        layer->n_kinds = i + 1;
    }
    return TG_OK;
}

/* A layer entry is a type name ("hierarchy") or {"<type>": {options}}. */
static tg_status parse_layer(tg_spec *spec, size_t index, const json_t *entry, tg_error *err)
{
    tg_layer_spec *layer = &spec->layers[index];
    char path[96];
    snprintf(path, sizeof path, "graph.layers[%zu]", index);

    const char *type = NULL;
    const json_t *options = NULL;
    if (json_is_string(entry)) {
        type = json_string_value(entry);
    } else if (json_is_object(entry) && json_object_size(entry) == 1) {
        type = json_object_iter_key(json_object_iter((json_t *)entry));
        options = json_object_get(entry, type);
    } else {
        return tg_error_set(err, TG_ERR_INPUT,
                            "job spec: \"%s\" must be a layer type or an object with one key", path);
    }

    char opath[160];
    snprintf(opath, sizeof opath, "%s.%s", path, type);
    if (strcmp(type, "hierarchy") == 0)
        layer->type = TG_LAYER_HIERARCHY;
    else if (strcmp(type, "relationships") == 0)
        layer->type = TG_LAYER_RELATIONSHIPS;
    else {
        tg_error_set(err, TG_ERR_INPUT, "job spec: unknown layer type \"%s\" in \"%s\"", type, path);
        tg_error_hint(err, "layer types: hierarchy, relationships");
        return TG_ERR_INPUT;
    }
    snprintf(layer->name, sizeof layer->name, "%s", type);

    if (options) {
        static const char *const hierarchy_keys[] = {"name", NULL};
        static const char *const relationship_keys[] = {"name", "kinds", NULL};
        if (!json_is_object(options))
            return wrong_type(err, opath, "an object", options);
        tg_status st = check_keys(options, opath,
                                  layer->type == TG_LAYER_HIERARCHY ? hierarchy_keys
                                                                    : relationship_keys,
                                  err);
        if (st)
            return st;
        const json_t *name = json_object_get(options, "name");
        if (name) {
            char npath[200];
            snprintf(npath, sizeof npath, "%s.name", opath);
            if (!json_is_string(name))
                return wrong_type(err, npath, "a string", name);
            if (!is_plain_name(json_string_value(name)) ||
                strlen(json_string_value(name)) > 32)
                return tg_error_set(err, TG_ERR_INPUT,
                                    "job spec: \"%s\" must be 1 to 32 lowercase letters, digits "
                                    "or underscores, not \"%s\"",
                                    npath, json_string_value(name));
            snprintf(layer->name, sizeof layer->name, "%s", json_string_value(name));
        }
        const json_t *kinds = json_object_get(options, "kinds");
        if (kinds) {
            char kpath[200];
            snprintf(kpath, sizeof kpath, "%s.kinds", opath);
            if ((st = parse_kinds(layer, kinds, kpath, err)))
                return st;
        }
    }
    /* runs.layers has an entry per layer beside "union" and "input". */
    if (strcmp(layer->name, "union") == 0 || strcmp(layer->name, "input") == 0)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\": the layer name \"%s\" is reserved", path,
                            layer->name);
    for (size_t j = 0; j < index; j++)
        if (strcmp(spec->layers[j].name, layer->name) == 0) {
            tg_error_set(err, TG_ERR_INPUT, "job spec: layer name \"%s\" is used twice in \"graph.layers\"",
                         layer->name);
            tg_error_hint(err, "give one of them another \"name\"");
            return TG_ERR_INPUT;
        }
    return TG_OK;
}

static tg_status parse_graph(tg_spec *spec, const json_t *graph, tg_error *err)
{
    static const char *const keys[] = {"directed", "simplify", "layers", NULL};
    static const char *const default_layers[] = {"hierarchy", "relationships"};
    tg_status st;
    if (graph && !json_is_object(graph))
        return wrong_type(err, "graph", "an object", graph);
    if (graph && (st = check_keys(graph, "graph", keys, err)))
        return st;
    if ((st = get_bool(graph, "directed", "graph.directed", false, &spec->directed, err)) ||
        (st = get_bool(graph, "simplify", "graph.simplify", true, &spec->simplify, err)))
        return st;

    const json_t *layers = graph ? json_object_get(graph, "layers") : NULL;
    if (layers && !json_is_array(layers))
        return wrong_type(err, "graph.layers", "an array", layers);
    if (layers && json_array_size(layers) == 0)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"graph.layers\" must not be empty");
    size_t n = layers ? json_array_size(layers) : 2;
    spec->layers = calloc(n, sizeof *spec->layers);
    if (!spec->layers)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *entry = layers ? json_incref(json_array_get(layers, i))
                               : json_string(default_layers[i]);
        spec->n_layers = i + 1;
        st = parse_layer(spec, i, entry, err);
        json_decref(entry);
        if (st)
            return st;
    }
    return TG_OK;
}

static tg_status set_param(tg_feature_spec *fs, const tg_param_def *p, int index, const json_t *v,
                           const char *path, tg_error *err)
{
    double value;
    switch (p->type) {
    case TG_PARAM_BOOLEAN:
        if (!json_is_boolean(v))
            return wrong_type(err, path, "a boolean", v);
        value = json_is_true(v) ? 1.0 : 0.0;
        break;
    case TG_PARAM_INTEGER:
        if (!json_is_integer(v))
            return wrong_type(err, path, "an integer", v);
        value = (double)json_integer_value(v);
        break;
    case TG_PARAM_CHOICE:
        if (!json_is_string(v))
            return wrong_type(err, path, "a string", v);
        for (value = 0; p->choices[(int)value]; value++)
            if (strcmp(p->choices[(int)value], json_string_value(v)) == 0) {
                fs->params[index] = value;
                return TG_OK;
            }
        tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" must be one of the choices, not \"%s\"", path,
                     json_string_value(v));
        char list[256] = "";
        for (int c = 0; p->choices[c]; c++)
            append_name(list, sizeof list, p->choices[c]);
        tg_error_hint(err, "choices: %s", list);
        return TG_ERR_INPUT;
    default:
        if (!json_is_number(v))
            return wrong_type(err, path, "a number", v);
        value = json_number_value(v);
        break;
    }
    if (!(value >= p->min_value && value <= p->max_value))
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" must be between %g and %g, not %g",
                            path, p->min_value, p->max_value, value);
    fs->params[index] = value;
    return TG_OK;
}

/* Fills the output column names: "<base>" or "<base>_<layer>", or the entry's "column". */
static tg_status name_columns(const tg_spec *spec, tg_feature_spec *fs, const char *column,
                              const char *path, tg_error *err)
{
    fs->n_columns = tg_feature_column_count(fs->def, spec->directed);
    if (column && fs->n_columns != 1)
        return tg_error_set(err, TG_ERR_INPUT,
                            "job spec: \"%s.column\" is only allowed for features with one column; "
                            "\"%s\" writes %zu",
                            path, fs->def->name, fs->n_columns);
    for (size_t c = 0; c < fs->n_columns; c++) {
        const char *base = tg_feature_column_at(fs->def, spec->directed, c)->base_name;
        int len;
        if (column)
            len = snprintf(fs->columns[c], TG_NAME_MAX, "%s", column);
        else if (fs->layer >= 0)
            len = snprintf(fs->columns[c], TG_NAME_MAX, "%s_%s", base,
                           spec->layers[fs->layer].name);
        else
            len = snprintf(fs->columns[c], TG_NAME_MAX, "%s", base);
        if (len > PG_MAX_IDENTIFIER)
            return tg_error_set(err, TG_ERR_INPUT, "job spec: column name for \"%s\" is longer than %d bytes",
                                path, PG_MAX_IDENTIFIER);
        if (strcmp(fs->columns[c], "device_id") == 0 || strcmp(fs->columns[c], "run_id") == 0)
            return tg_error_set(err, TG_ERR_INPUT,
                                "job spec: \"%s.column\" must not be \"%s\", which every feature table has",
                                path, fs->columns[c]);
    }
    return TG_OK;
}

/* A feature entry is a bare name or {"name", "layer", "column", <parameters>}. */
static tg_status parse_feature(tg_spec *spec, size_t index, const json_t *entry, tg_error *err)
{
    tg_feature_spec *fs = &spec->features[index];
    char path[64];
    snprintf(path, sizeof path, "features[%zu]", index);
    const char *name;
    if (json_is_string(entry))
        name = json_string_value(entry);
    else if (json_is_object(entry)) {
        const json_t *n = json_object_get(entry, "name");
        if (!n)
            return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" has no \"name\"", path);
        if (!json_is_string(n)) {
            char npath[96];
            snprintf(npath, sizeof npath, "%s.name", path);
            return wrong_type(err, npath, "a string", n);
        }
        name = json_string_value(n);
    } else
        return wrong_type(err, path, "a feature name or an object", entry);

    fs->def = tg_feature_find(name);
    fs->layer = -1;
    if (!fs->def) {
        tg_error_set(err, TG_ERR_INPUT, "job spec: unknown feature \"%s\" in \"%s\"", name, path);
        tg_error_hint(err, "run `twingraph features` for the list of features");
        return TG_ERR_INPUT;
    }
    for (size_t p = 0; p < fs->def->n_params; p++)
        fs->params[p] = fs->def->params[p].default_value;

    const char *column = NULL;
    if (json_is_object(entry)) {
        const char *key;
        json_t *value;
        json_object_foreach((json_t *)entry, key, value) {
            char kpath[160];
            snprintf(kpath, sizeof kpath, "%s.%s", path, key);
            int p;
            tg_status st;
            if (strcmp(key, "name") == 0)
                continue;
            if (strcmp(key, "layer") == 0) {
                if (!json_is_string(value))
                    return wrong_type(err, kpath, "a string", value);
                fs->layer = tg_spec_layer_index(spec, json_string_value(value));
                if (fs->layer < 0) {
                    tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" names layer \"%s\", which is not in \"graph.layers\"",
                                 kpath, json_string_value(value));
                    return TG_ERR_INPUT;
                }
            } else if (strcmp(key, "column") == 0) {
                if (!json_is_string(value))
                    return wrong_type(err, kpath, "a string", value);
                column = json_string_value(value);
                if (!is_plain_name(column))
                    return tg_error_set(err, TG_ERR_INPUT,
                                        "job spec: \"%s\" must be lowercase letters, digits or "
                                        "underscores, not \"%s\"",
                                        kpath, column);
            } else if ((p = tg_feature_param_index(fs->def, key)) >= 0) {
                if ((st = set_param(fs, &fs->def->params[p], p, value, kpath, err)))
                    return st;
            } else {
                tg_error_set(err, TG_ERR_INPUT, "job spec: unknown key \"%s\"", kpath);
                char list[256] = "name, layer, column";
                for (size_t q = 0; q < fs->def->n_params; q++)
                    append_name(list, sizeof list, fs->def->params[q].name);
                tg_error_hint(err, "keys allowed for feature \"%s\": %s", fs->def->name, list);
                return TG_ERR_INPUT;
            }
        }
    }
    return name_columns(spec, fs, column, path, err);
}

static tg_status parse_features(tg_spec *spec, const json_t *features, tg_error *err)
{
    if (!features)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"features\" is missing");
    if (!json_is_array(features))
        return wrong_type(err, "features", "an array", features);
    size_t n = json_array_size(features);
    if (n == 0)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"features\" must not be empty");
    spec->features = calloc(n, sizeof *spec->features);
    if (!spec->features)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    for (size_t i = 0; i < n; i++) {
        spec->n_features = i + 1;
        tg_status st = parse_feature(spec, i, json_array_get(features, i), err);
        if (st)
            return st;
    }
    /* Two entries writing one column would silently overwrite each other. */
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < spec->features[i].n_columns; c++)
            for (size_t j = 0; j <= i; j++)
                for (size_t d = 0; d < (j == i ? c : spec->features[j].n_columns); d++)
                    if (strcmp(spec->features[i].columns[c], spec->features[j].columns[d]) == 0) {
                        tg_error_set(err, TG_ERR_INPUT,
                                     "job spec: features[%zu] and features[%zu] both write column \"%s\"",
                                     j, i, spec->features[i].columns[c]);
                        tg_error_hint(err, "give one of them another \"layer\" or \"column\"");
                        return TG_ERR_INPUT;
                    }
    return TG_OK;
}

static tg_status parse_output(tg_spec *spec, const json_t *output, tg_error *err)
{
    static const char *const keys[] = {"table", "runs", NULL};
    tg_status st;
    if (output && !json_is_object(output))
        return wrong_type(err, "output", "an object", output);
    if (output && (st = check_keys(output, "output", keys, err)))
        return st;
    if ((st = get_table_name(output, "table", "output.table", DEFAULT_OUTPUT, &spec->output_table, err)) ||
        (st = get_table_name(output, "runs", "output.runs", DEFAULT_RUNS, &spec->runs_table, err)))
        return st;
    return TG_OK;
}

static bool needs_relationships(const tg_spec *spec)
{
    for (size_t i = 0; i < spec->n_layers; i++)
        if (spec->layers[i].type == TG_LAYER_RELATIONSHIPS)
            return true;
    return false;
}

static tg_status parse_document(tg_spec *spec, json_t *doc, tg_error *err)
{
    static const char *const keys[] = {"source", "graph", "features", "output", NULL};
    tg_status st;
    if (!json_is_object(doc))
        return wrong_type(err, "(top level)", "an object", doc);
    if ((st = check_keys(doc, "", keys, err)) ||
        (st = parse_source(spec, json_object_get(doc, "source"), err)) ||
        (st = parse_graph(spec, json_object_get(doc, "graph"), err)) ||
        (st = parse_features(spec, json_object_get(doc, "features"), err)) ||
        (st = parse_output(spec, json_object_get(doc, "output"), err)))
        return st;
    if (!needs_relationships(spec)) {
        free(spec->relationships_source);
        spec->relationships_source = NULL;
    }
    return TG_OK;
}

tg_status tg_spec_load_string(tg_spec *spec, const char *text, tg_error *err)
{
    memset(spec, 0, sizeof *spec);
    json_error_t jerr;
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        tg_error_set(err, TG_ERR_INPUT, "could not parse job spec: %s", jerr.text);
        tg_error_detail(err, "at line %d, column %d", jerr.line, jerr.column);
        return TG_ERR_INPUT;
    }
    tg_status st = parse_document(spec, doc, err);
    json_decref(doc);
    /* Kept as written: re-serialising would print 0.85 as 0.84999999999999998. */
    if (!st && !(spec->json = strdup(text)))
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    return st;
}

tg_status tg_spec_load_file(tg_spec *spec, const char *path, tg_error *err)
{
    memset(spec, 0, sizeof *spec);
    FILE *f = fopen(path, "rb");
    if (!f) {
        tg_error_set(err, TG_ERR_INPUT, "could not open job spec \"%s\": %s", path, strerror(errno));
        return TG_ERR_INPUT;
    }
    char *text = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[8192];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = 2 * (len + n + 1);
            char *grown = realloc(text, cap);
            if (!grown) {
                free(text);
                fclose(f);
                return tg_error_set(err, TG_ERR_MEMORY, "out of memory reading \"%s\"", path);
            }
            text = grown;
        }
        memcpy(text + len, chunk, n);
        len += n;
    }
    bool failed = ferror(f);
    fclose(f);
    if (failed) {
        free(text);
        return tg_error_set(err, TG_ERR_INPUT, "could not read job spec \"%s\"", path);
    }
    if (text)
        text[len] = '\0';
    if (!text || strlen(text) != len) {
        free(text);
        return tg_error_set(err, TG_ERR_INPUT, "job spec \"%s\" is empty or contains a NUL byte", path);
    }
    tg_status st = tg_spec_load_string(spec, text, err);
    free(text);
    if (st)
        tg_error_prefix(err, "%s", path);
    return st;
}

void tg_spec_destroy(tg_spec *spec)
{
    if (!spec)
        return;
    for (size_t i = 0; i < spec->n_layers; i++) {
        for (size_t k = 0; k < spec->layers[i].n_kinds; k++)
            free(spec->layers[i].kinds[k]);
        free(spec->layers[i].kinds);
    }
    free(spec->layers);
    free(spec->features);
    free(spec->devices_source);
    free(spec->relationships_source);
    free(spec->output_table);
    free(spec->runs_table);
    free(spec->json);
    memset(spec, 0, sizeof *spec);
}

int tg_spec_layer_index(const tg_spec *spec, const char *name)
{
    for (size_t i = 0; i < spec->n_layers; i++)
        if (strcmp(spec->layers[i].name, name) == 0)
            return (int)i;
    return -1;
}

size_t tg_spec_column_count(const tg_spec *spec)
{
    size_t n = 0;
    for (size_t i = 0; i < spec->n_features; i++)
        n += spec->features[i].n_columns;
    return n;
}
