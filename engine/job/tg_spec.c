/* tg_spec.c - strict parsing and validation of job spec JSON with jansson. */
#include "tg_spec.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tg_copy.h"

#define DEFAULT_DEVICES "twin.devices"
#define DEFAULT_RELATIONSHIPS "twin.relationships"
#define DEFAULT_OUTPUT "features.device_features"
#define DEFAULT_RUNS "features.runs"
#define PG_MAX_IDENTIFIER 63
#define TG_MAX_FEATURE_COLUMNS (1600 - 2)

#define wrong_type tg_param_wrong_type

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

/* A string member that must be one of two words; *second is whether it is the second. */
static tg_status get_either(const json_t *obj, const char *key, const char *path, const char *first,
                            const char *second_word, bool *second, tg_error *err)
{
    const json_t *v = json_object_get(obj, key);
    *second = false;
    if (!v)
        return TG_OK;
    const char *s = json_string_value(v);
    if (s && strcmp(s, second_word) == 0)
        *second = true;
    else if (!s || strcmp(s, first) != 0)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" must be \"%s\" or \"%s\"", path, first, second_word);
    return TG_OK;
}

/* A dotted path into the twin document: non-empty keys. */
static tg_status get_document_path(const json_t *obj, const char *key, const char *path, char **out, tg_error *err)
{
    tg_status st = get_string(obj, key, path, NULL, out, err);
    if (st)
        return st;
    if (!*out)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" is missing", path);
    if ((*out)[0] == '.' || (*out)[strlen(*out) - 1] == '.' || strstr(*out, ".."))
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" must be a dotted path such as \"tags.location.lat\"",
                            path);
    return TG_OK;
}

/* {"lat": path, "lon": path} or {"geometry": column, "transform": bool}. */
static tg_status parse_location(tg_spec *spec, const json_t *location, tg_error *err)
{
    static const char *const keys[] = {"lat", "lon", "geometry", "transform", NULL};
    tg_status st;
    if (!location)
        return TG_OK;
    if (!json_is_object(location))
        return wrong_type(err, "source.location", "an object", location);
    if ((st = check_keys(location, "source.location", keys, err)))
        return st;
    bool by_paths = json_object_get(location, "lat") || json_object_get(location, "lon");
    bool by_geometry = json_object_get(location, "geometry") != NULL;
    if (by_paths == by_geometry) {
        tg_error_set(err, TG_ERR_INPUT, "job spec: \"source.location\" needs either \"lat\" and \"lon\" or \"geometry\"");
        tg_error_hint(err, "write {\"lat\": \"tags.location.lat\", \"lon\": \"tags.location.lon\"} for paths into the "
                           "twin document, or {\"geometry\": \"geom\"} for a geometry column");
        return TG_ERR_INPUT;
    }
    if (by_paths) {
        spec->location = TG_LOCATION_DOCUMENT;
        if (json_object_get(location, "transform"))
            return tg_error_set(err, TG_ERR_INPUT, "job spec: \"source.location.transform\" applies to a geometry column only");
        return (st = get_document_path(location, "lat", "source.location.lat", &spec->location_lat_path, err))
                   ? st
                   : get_document_path(location, "lon", "source.location.lon", &spec->location_lon_path, err);
    }
    spec->location = TG_LOCATION_GEOMETRY;
    if ((st = get_string(location, "geometry", "source.location.geometry", NULL, &spec->location_column, err)))
        return st;
    if (strlen(spec->location_column) > PG_MAX_IDENTIFIER)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"source.location.geometry\" is longer than %d bytes",
                            PG_MAX_IDENTIFIER);
    return get_bool(location, "transform", "source.location.transform", false, &spec->location_transform, err);
}

static tg_status parse_source(tg_spec *spec, const json_t *source, tg_error *err)
{
    static const char *const keys[] = {"devices", "relationships", "on_dangling", "on_bad_location", "on_bad_twin",
                                       "location", "zones", "infer_parents", NULL};
    tg_status st;
    /* An absent "source" (NULL) means every default: jansson's getters accept NULL. */
    if (source && !json_is_object(source))
        return wrong_type(err, "source", "an object", source);
    if ((source && (st = check_keys(source, "source", keys, err))) ||
        (st = get_table_name(source, "devices", "source.devices", DEFAULT_DEVICES, &spec->devices_source, err)) ||
        (st = get_table_name(source, "relationships", "source.relationships", DEFAULT_RELATIONSHIPS,
                             &spec->relationships_source, err)))
        return st;
    spec->relationships_given = json_object_get(source, "relationships") != NULL;
    bool drop;
    if ((st = get_either(source, "on_dangling", "source.on_dangling", "error", "drop", &drop, err)) ||
        (st = get_either(source, "on_bad_location", "source.on_bad_location", "error", "skip",
                         &spec->skip_bad_locations, err)) ||
        (st = get_either(source, "on_bad_twin", "source.on_bad_twin", "error", "skip", &spec->skip_bad_twins, err)))
        return st;
    spec->on_dangling = drop ? TG_DANGLING_DROP : TG_DANGLING_ERROR;
    if ((st = parse_location(spec, json_object_get(source, "location"), err)) ||
        (st = get_table_name(source, "zones", "source.zones", NULL, &spec->zones_source, err)) ||
        (st = get_bool(source, "infer_parents", "source.infer_parents", false, &spec->infer_parents, err)))
        return st;
    if (spec->infer_parents && spec->zones_source) {
        tg_error_set(err, TG_ERR_INPUT, "job spec: \"source.infer_parents\" needs the twins' own polygons, not "
                     "\"source.zones\"");
        tg_error_hint(err, "a parent must be a twin: give the containing twins polygon geometries in "
                           "\"source.location.geometry\"");
        return TG_ERR_INPUT;
    }
    if (spec->infer_parents && spec->location != TG_LOCATION_GEOMETRY)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"source.infer_parents\" needs \"source.location\": "
                            "{\"geometry\": ...} (parents come from the polygons that hold twins)");
    spec->uses_zones = spec->infer_parents;
    spec->uses_coordinates |= spec->infer_parents;
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
    layer->weight_value = -1;
    if (!(layer->kind = tg_layer_kind_find(type))) {
        char kinds[160];
        tg_layer_kind_names(kinds, sizeof kinds);
        tg_error_set(err, TG_ERR_INPUT, "job spec: unknown layer type \"%s\" in \"%s\"", type, path);
        tg_error_hint(err, "layer types: %s", kinds);
        return TG_ERR_INPUT;
    }
    snprintf(layer->name, sizeof layer->name, "%s", type);

    if (options) {
        if (!json_is_object(options))
            return wrong_type(err, opath, "an object", options);
        tg_status st = check_keys(options, opath, layer->kind->option_keys, err);
        if (st || (st = layer->kind->parse_options(layer, options, opath, err)))
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
    } else {
        tg_status st = layer->kind->parse_options(layer, NULL, opath, err);
        if (st)
            return st;
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
    static const char *const keys[] = {"directed", "simplify", "layers", "on_cycle", NULL};
    static const char *const default_layers[] = {"hierarchy", "relationships"};
    tg_status st;
    if (graph && !json_is_object(graph))
        return wrong_type(err, "graph", "an object", graph);
    if (graph && (st = check_keys(graph, "graph", keys, err)))
        return st;
    if ((st = get_bool(graph, "directed", "graph.directed", false, &spec->directed, err)) ||
        (st = get_bool(graph, "simplify", "graph.simplify", true, &spec->simplify, err)) ||
        (st = get_either(graph, "on_cycle", "graph.on_cycle", "error", "break", &spec->break_cycles, err)))
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

/* PostgreSQL's system columns: a feature column of that name cannot be created. */
static bool is_system_column(const char *name)
{
    static const char *const system[] = {"tableoid", "xmin", "cmin", "xmax", "cmax", "ctid", NULL};
    for (const char *const *c = system; *c; c++)
        if (strcmp(name, *c) == 0)
            return true;
    return false;
}

/* Plans the entry's columns and names them: "<base>", "<base>_<layer>", or the entry's "column". */
static tg_status name_columns(const tg_spec *spec, tg_feature_spec *fs, const char *column,
                              const char *path, tg_error *err)
{
    tg_status st = fs->def->plan ? fs->def->plan(fs, spec->directed, path, err)
                                 : tg_feature_plan_listed(fs, spec->directed, path, err);
    if (st)
        return st;
    if (column && fs->n_columns != 1)
        return tg_error_set(err, TG_ERR_INPUT,
                            "job spec: \"%s.column\" is only allowed for features with one column; "
                            "\"%s\" writes %zu here",
                            path, fs->def->name, fs->n_columns);
    for (size_t c = 0; c < fs->n_columns; c++) {
        char name[4 * TG_NAME_MAX];
        if (column)
            snprintf(name, sizeof name, "%s", column);
        else if (fs->layer >= 0 && !fs->columns[c].layer_free)
            snprintf(name, sizeof name, "%s_%s", fs->columns[c].name, spec->layers[fs->layer].name);
        else
            snprintf(name, sizeof name, "%s", fs->columns[c].name);
        if (strlen(name) > PG_MAX_IDENTIFIER)
            return tg_error_set(err, TG_ERR_INPUT, "job spec: column name \"%s\" of \"%s\" is longer than %d bytes",
                                name, path, PG_MAX_IDENTIFIER);
        snprintf(fs->columns[c].name, sizeof fs->columns[c].name, "%s", name);
        const char *key = column ? ".column" : "";
        if (strcmp(name, "device_id") == 0 || strcmp(name, "run_id") == 0)
            return tg_error_set(err, TG_ERR_INPUT,
                                "job spec: \"%s%s\" must not write column \"%s\", which every feature table has",
                                path, key, name);
        if (is_system_column(name))
            return tg_error_set(err, TG_ERR_INPUT,
                                "job spec: \"%s%s\" must not write column \"%s\", a PostgreSQL system column name",
                                path, key, name);
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
    fs->input_entry = fs->input_column = fs->doc_value = fs->rel_value = -1;
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
                if (fs->def->reads != TG_READS_GRAPH)
                    return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\": %s reads %s, not a graph layer", kpath,
                                        fs->def->name, tg_feature_reads_text(fs->def));
                fs->layer = tg_spec_layer_index(spec, json_string_value(value));
                if (fs->layer < 0) {
                    tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" names layer \"%s\", which is not in \"graph.layers\"",
                                 kpath, json_string_value(value));
                    if (strcmp(json_string_value(value), "union") == 0)
                        tg_error_hint(err, "leave out \"layer\" to compute on the union of all layers");
                    return TG_ERR_INPUT;
                }
            } else if (strcmp(key, "column") == 0 && tg_feature_param_index(fs->def, "column") < 0) {
                /* A feature with a "column" parameter of its own (nbr_agg: a name stem) reads it below. */
                if (!json_is_string(value))
                    return wrong_type(err, kpath, "a string", value);
                column = json_string_value(value);
                if (!is_plain_name(column))
                    return tg_error_set(err, TG_ERR_INPUT,
                                        "job spec: \"%s\" must be lowercase letters, digits or "
                                        "underscores, not \"%s\"",
                                        kpath, column);
            } else if ((p = tg_feature_param_index(fs->def, key)) >= 0) {
                if ((st = tg_param_parse(&fs->def->params[p], value, kpath, &fs->params[p], err)))
                    return st;
            } else {
                tg_error_set(err, TG_ERR_INPUT, "job spec: unknown key \"%s\"", kpath);
                char list[256];
                snprintf(list, sizeof list, "%s", fs->def->reads == TG_READS_GRAPH ? "name, layer, column" : "name, column");
                for (size_t q = 0; q < fs->def->n_params; q++)
                    append_name(list, sizeof list, fs->def->params[q].name);
                tg_error_hint(err, "keys allowed for feature \"%s\": %s", fs->def->name, list);
                return TG_ERR_INPUT;
            }
        }
    }
    if (fs->def->directed_only && !spec->directed) {
        tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\": %s needs a directed job", path, fs->def->name);
        tg_error_hint(err, "set \"graph\": {\"directed\": true}, or leave %s out", fs->def->name);
        return TG_ERR_INPUT;
    }
    /* Parameters the entry did not give take their defaults. */
    for (size_t p = 0; p < fs->def->n_params; p++) {
        char kpath[160];
        snprintf(kpath, sizeof kpath, "%s.%s", path, fs->def->params[p].name);
        tg_status st;
        if (!fs->params[p].present && fs->def->params[p].required) {
            tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" needs \"%s\"", path, fs->def->params[p].name);
            tg_error_hint(err, "%s: %s", fs->def->params[p].name, fs->def->params[p].doc);
            return TG_ERR_INPUT;
        }
        if (!fs->params[p].present && (st = tg_param_parse(&fs->def->params[p], NULL, kpath, &fs->params[p], err)))
            return st;
    }
    if (tg_feature_reads_weights(fs) && (fs->layer < 0 || !spec->layers[fs->layer].weight)) {
        if (fs->def->needs_weights)
            tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\": %s needs a weighted layer", path, fs->def->name);
        else
            tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s.%s\" is true, but %s has no weighted layer", path,
                         fs->def->weighted_param, fs->def->name);
        tg_error_hint(err, "give a relationships layer a \"weight\" and name it in \"layer\"");
        return TG_ERR_INPUT;
    }
    return name_columns(spec, fs, column, path, err);
}

/* Finds the column an entry's input parameter names among the other entries' columns. */
static tg_status resolve_input(tg_spec *spec, size_t index, tg_error *err)
{
    tg_feature_spec *fs = &spec->features[index];
    int p = tg_feature_param_index(fs->def, fs->def->input_param);
    const char *name = fs->params[p].string;
    for (size_t i = 0; i < spec->n_features; i++)
        for (size_t c = 0; c < spec->features[i].n_columns; c++) {
            const tg_feature_spec *other = &spec->features[i];
            if (strcmp(other->columns[c].name, name) != 0)
                continue;
            if (other->def->input_param)
                return tg_error_set(err, TG_ERR_INPUT,
                                    "job spec: \"features[%zu].%s\" names column \"%s\" of features[%zu], which "
                                    "itself reads another column",
                                    index, fs->def->input_param, name, i);
            if (!tg_column_is_numeric(other->columns[c].type))
                return tg_error_set(err, TG_ERR_INPUT,
                                    "job spec: \"features[%zu].%s\" names column \"%s\", which is %s, not a number",
                                    index, fs->def->input_param, name, tg_column_sql_type(other->columns[c].type));
            fs->input_entry = (int)i;
            fs->input_column = (int)c;
            return TG_OK;
        }
    tg_error_set(err, TG_ERR_INPUT, "job spec: \"features[%zu].%s\" names column \"%s\", which this job does not write",
                 index, fs->def->input_param, name);
    tg_error_hint(err, "add the feature that writes it to \"features\" (`twingraph validate` lists the columns)");
    return TG_ERR_INPUT;
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
    for (size_t i = 0; i < n; i++) {
        tg_status st;
        if (spec->features[i].def->input_param && (st = resolve_input(spec, i, err)))
            return st;
        /* Locations are validated only when something reads them. */
        spec->uses_coordinates |= spec->features[i].def->reads_coordinates;
        spec->uses_zones |= spec->features[i].def->reads_zones;
        if (spec->features[i].def->writes_ranking) {
            if (spec->writes_ranking)
                return tg_error_set(err, TG_ERR_INPUT, "job spec: \"features[%zu]\": only one %s entry per job "
                                    "(its ranking fills output.influencers)", i, spec->features[i].def->name);
            spec->writes_ranking = true;
        }
    }
    if (spec->zones_source && !spec->uses_zones)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"source.zones\" is given but no feature reads zones");
    if (spec->uses_zones && !spec->zones_source && spec->location != TG_LOCATION_GEOMETRY) {
        tg_error_set(err, TG_ERR_INPUT, "job spec: zone_id needs zones: \"source.zones\" or the twins' own polygons");
        tg_error_hint(err, "set \"source\": {\"zones\": \"my_schema.zones\"} (columns zone_id, geom), or read "
                           "polygons with \"source\": {\"location\": {\"geometry\": \"geom\"}}");
        return TG_ERR_INPUT;
    }
    /* PostgreSQL allows 1,600 columns per table; device_id and run_id take two. */
    if (tg_spec_column_count(spec) > TG_MAX_FEATURE_COLUMNS)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: the features write %zu columns; a table holds at most %d",
                            tg_spec_column_count(spec), TG_MAX_FEATURE_COLUMNS);
    /* Two entries writing one column would silently overwrite each other. */
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < spec->features[i].n_columns; c++)
            for (size_t j = 0; j <= i; j++)
                for (size_t d = 0; d < (j == i ? c : spec->features[j].n_columns); d++)
                    if (strcmp(spec->features[i].columns[c].name, spec->features[j].columns[d].name) == 0) {
                        if (i == j)
                            tg_error_set(err, TG_ERR_INPUT, "job spec: features[%zu] writes column \"%s\" twice", i,
                                         spec->features[i].columns[c].name);
                        else
                            tg_error_set(err, TG_ERR_INPUT,
                                         "job spec: features[%zu] and features[%zu] both write column \"%s\"",
                                         j, i, spec->features[i].columns[c].name);
                        if (spec->features[i].def->plan == NULL && spec->features[i].n_columns == 1)
                            tg_error_hint(err, "give one of them another \"layer\" or \"column\"");
                        else
                            tg_error_hint(err, "change what names \"%s\" in one of them (its \"column\", level, "
                                          "model, path or aggregate), or give it another \"layer\"",
                                          spec->features[i].columns[c].name);
                        return TG_ERR_INPUT;
                    }
    return TG_OK;
}

/* pg_catalog, pg_toast, information_schema and every pg_* schema belong to the system. */
static tg_status check_not_system_schema(const char *key, const char *name, tg_error *err)
{
    if (strncmp(name, "pg_", 3) == 0 || strncmp(name, "information_schema.", 19) == 0)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" must not be in a system schema, not \"%s\"", key,
                            name);
    return TG_OK;
}

/* "output.history": {"keep_runs": N} and/or {"keep_days": D}; a run is kept while either holds.
 * The history view and the as-of function are named after the table, so its name must leave
 * room for "_history". */
static tg_status parse_history(tg_spec *spec, const json_t *history, tg_error *err)
{
    static const char *const keys[] = {"keep_runs", "keep_days", NULL};
    static const tg_param_def keep_runs = {.name = "keep_runs", .type = TG_PARAM_INTEGER, .default_json = "1",
                                           .min_integer = 1, .max_integer = 100000};
    static const tg_param_def keep_days = {.name = "keep_days", .type = TG_PARAM_NUMBER, .default_json = "1",
                                           .min_number = 1e-3, .max_number = 36500};
    tg_status st;
    if (!history)
        return TG_OK;
    if (!json_is_object(history))
        return wrong_type(err, "output.history", "an object", history);
    if ((st = check_keys(history, "output.history", keys, err)))
        return st;
    const json_t *runs = json_object_get(history, "keep_runs"), *days = json_object_get(history, "keep_days");
    if (!runs && !days) {
        tg_error_set(err, TG_ERR_INPUT, "job spec: \"output.history\" needs \"keep_runs\" or \"keep_days\"");
        tg_error_hint(err, "{\"keep_runs\": 30} keeps the latest 30 runs' features; {\"keep_days\": 90} those of "
                           "the last 90 days; with both, a run is kept while either holds");
        return TG_ERR_INPUT;
    }
    tg_param_value value;
    if (runs) {
        if ((st = tg_param_parse(&keep_runs, runs, "output.history.keep_runs", &value, err)))
            return st;
        spec->history_keep_runs = value.integer;
    }
    if (days) {
        if ((st = tg_param_parse(&keep_days, days, "output.history.keep_days", &value, err)))
            return st;
        spec->history_keep_days = value.number;
    }
    const char *dot = strrchr(spec->output_table, '.');
    const char *table = dot ? dot + 1 : spec->output_table;
    if (strlen(table) + strlen("_history") > PG_MAX_IDENTIFIER)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"output.history\" names the view %s_history, longer than "
                            "PostgreSQL's %d bytes: shorten \"output.table\"", table, PG_MAX_IDENTIFIER);
    spec->history = true;
    return TG_OK;
}

static tg_status parse_output(tg_spec *spec, const json_t *output, tg_error *err)
{
    static const char *const keys[] = {"table", "runs", "influencers", "max_shrink", "lock_wait_s", "history", NULL};
    tg_status st;
    if (output && !json_is_object(output))
        return wrong_type(err, "output", "an object", output);
    if (output && (st = check_keys(output, "output", keys, err)))
        return st;
    if ((st = get_table_name(output, "table", "output.table", DEFAULT_OUTPUT, &spec->output_table, err)) ||
        (st = get_table_name(output, "runs", "output.runs", DEFAULT_RUNS, &spec->runs_table, err)) ||
        (st = check_not_system_schema("output.table", spec->output_table, err)) ||
        (st = check_not_system_schema("output.runs", spec->runs_table, err)))
        return st;
    /* The ranking goes beside the feature table by default, <table>_influencers, so jobs with
     * their own output tables (and runs tables) never share it. */
    char derived[2 * PG_MAX_IDENTIFIER + 32];
    snprintf(derived, sizeof derived, "%s_influencers", spec->output_table);
    if ((st = get_table_name(output, "influencers", "output.influencers", derived, &spec->influencers_table, err)) ||
        (st = check_not_system_schema("output.influencers", spec->influencers_table, err)))
        return st;
    if (strcmp(spec->output_table, spec->runs_table) == 0)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"output.table\" and \"output.runs\" must be different tables");
    if (strcmp(spec->influencers_table, spec->output_table) == 0 || strcmp(spec->influencers_table, spec->runs_table) == 0)
        return tg_error_set(err, TG_ERR_INPUT,
                            "job spec: \"output.influencers\" must differ from \"output.table\" and \"output.runs\"");
    /* Numbers with a range: the same parser as feature parameters, so the same messages. */
    static const tg_param_def lock_wait = {.name = "lock_wait_s", .type = TG_PARAM_NUMBER,
                                           .default_json = TG_DEFAULT_LOCK_WAIT_S, .min_number = 0,
                                           .max_number = 86400};
    static const tg_param_def max_shrink = {.name = "max_shrink", .type = TG_PARAM_NUMBER,
                                            .default_json = TG_DEFAULT_MAX_SHRINK, .min_number = 0, .max_number = 1};
    tg_param_value value;
    st = tg_param_parse(&lock_wait, json_object_get(output, "lock_wait_s"), "output.lock_wait_s", &value, err);
    spec->lock_wait_s = value.number;
    if (st || (st = tg_param_parse(&max_shrink, json_object_get(output, "max_shrink"), "output.max_shrink", &value,
                                   err)))
        return st;
    spec->max_shrink = value.number;
    return parse_history(spec, json_object_get(output, "history"), err);
}

static bool needs_relationships(const tg_spec *spec)
{
    for (size_t i = 0; i < spec->n_layers; i++)
        if (spec->layers[i].kind->reads_relationships)
            return true;
    for (size_t f = 0; f < spec->n_features; f++)
        if (tg_feature_kinds(&spec->features[f], false) || tg_feature_kinds(&spec->features[f], true))
            return true;
    return false;
}

/* Index of value in *list (appended when new), or -1 when out of memory. */
static int intern_text(char ***list, size_t *n, const char *value)
{
    for (size_t k = 0; k < *n; k++)
        if (strcmp((*list)[k], value) == 0)
            return (int)k;
    char **grown = realloc(*list, (*n + 1) * sizeof *grown);
    if (!grown)
        return -1;
    *list = grown;
    if (!(grown[*n] = strdup(value)))
        return -1;
    return (int)(*n)++;
}

/* Lists each path into the twin document that a feature reads once, and points the entries at it. */
static tg_status collect_doc_paths(tg_spec *spec, tg_error *err)
{
    for (size_t f = 0; f < spec->n_features; f++) {
        tg_feature_spec *fs = &spec->features[f];
        if (!fs->def->path_param)
            continue;
        const char *path = fs->params[tg_feature_param_index(fs->def, fs->def->path_param)].string;
        if (path[0] == '.' || path[strlen(path) - 1] == '.' || strstr(path, ".."))
            return tg_error_set(err, TG_ERR_INPUT, "job spec: \"features[%zu].%s\" must be keys joined by dots, not \"%s\"",
                                f, fs->def->path_param, path);
        if ((fs->doc_value = intern_text(&spec->doc_paths, &spec->n_doc_paths, path)) < 0)
            return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    }
    for (size_t f = 0; f < spec->n_features; f++) {
        tg_feature_spec *fs = &spec->features[f];
        for (size_t i = 0; i < fs->n_doc_paths; i++)
            if ((fs->doc_values[i] = intern_text(&spec->doc_paths, &spec->n_doc_paths, fs->doc_paths[i])) < 0)
                return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    }
    /* Each path is a field of the devices COPY, beside the five fixed ones and the document's type. */
    if (spec->n_doc_paths + 6 > TG_COPY_MAX_FIELDS)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: features read %zu different twin-document paths; at most %d",
                            spec->n_doc_paths, TG_COPY_MAX_FIELDS - 6);
    return TG_OK;
}

/* Lists each distinct relationship value the layers weigh by once, and points the layers at it. */
static tg_status collect_rel_values(tg_spec *spec, tg_error *err)
{
    for (size_t i = 0; i < spec->n_layers; i++) {
        tg_layer_spec *layer = &spec->layers[i];
        spec->uses_coordinates |= layer->kind->reads_coordinates;
        if (!layer->weight || !layer->kind->reads_relationships)
            continue;
        if ((layer->weight_value = intern_text(&spec->rel_values, &spec->n_rel_values, layer->weight)) < 0)
            return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    }
    for (size_t f = 0; f < spec->n_features; f++) {
        tg_feature_spec *fs = &spec->features[f];
        fs->rel_value = -1;
        for (size_t p = 0; fs->def->rel_value_param && p < fs->def->n_params; p++)
            if (strcmp(fs->def->params[p].name, fs->def->rel_value_param) == 0 && fs->params[p].present &&
                (fs->rel_value = intern_text(&spec->rel_values, &spec->n_rel_values, fs->params[p].string)) < 0)
                return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    }
    if (spec->n_rel_values + 3 > TG_COPY_MAX_FIELDS)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: layers weigh by %zu different values; at most %d",
                            spec->n_rel_values, TG_COPY_MAX_FIELDS - 3);
    return TG_OK;
}

static tg_status parse_seed(tg_spec *spec, const json_t *seed, tg_error *err)
{
    spec->seed = TG_DEFAULT_SEED;
    if (!seed)
        return TG_OK;
    if (!json_is_integer(seed))
        return wrong_type(err, "seed", "an integer", seed);
    if (json_integer_value(seed) < 0)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"seed\" must be >= 0, not %" JSON_INTEGER_FORMAT,
                            json_integer_value(seed));
    spec->seed = (uint64_t)json_integer_value(seed);
    return TG_OK;
}

static tg_status parse_document(tg_spec *spec, json_t *doc, tg_error *err)
{
    static const char *const keys[] = {"source", "graph", "features", "output", "seed", NULL};
    tg_status st;
    if (!json_is_object(doc))
        return wrong_type(err, "(top level)", "an object", doc);
    if ((st = check_keys(doc, "", keys, err)) ||
        (st = parse_source(spec, json_object_get(doc, "source"), err)) ||
        (st = parse_graph(spec, json_object_get(doc, "graph"), err)) ||
        (st = parse_features(spec, json_object_get(doc, "features"), err)) ||
        (st = parse_output(spec, json_object_get(doc, "output"), err)) ||
        (st = parse_seed(spec, json_object_get(doc, "seed"), err)) ||
        (st = collect_rel_values(spec, err)) ||
        (st = collect_doc_paths(spec, err)))
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
    for (size_t i = 0; i < spec->n_layers; i++)
        tg_layer_spec_destroy(&spec->layers[i]);
    free(spec->layers);
    for (size_t i = 0; i < spec->n_rel_values; i++)
        free(spec->rel_values[i]);
    free(spec->rel_values);
    for (size_t i = 0; i < spec->n_doc_paths; i++)
        free(spec->doc_paths[i]);
    free(spec->doc_paths);
    for (size_t f = 0; f < spec->n_features; f++) {
        tg_feature_spec *fs = &spec->features[f];
        for (size_t p = 0; p < TG_MAX_PARAMS; p++)
            tg_param_value_destroy(&fs->params[p]);
        for (size_t c = 0; c < fs->n_columns; c++)
            free(fs->columns[c].definition);
        for (size_t i = 0; i < fs->n_doc_paths; i++)
            free(fs->doc_paths[i]);
        free(fs->columns);
    }
    free(spec->features);
    free(spec->devices_source);
    free(spec->relationships_source);
    free(spec->location_lat_path);
    free(spec->location_lon_path);
    free(spec->location_column);
    free(spec->zones_source);
    free(spec->output_table);
    free(spec->runs_table);
    free(spec->influencers_table);
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
