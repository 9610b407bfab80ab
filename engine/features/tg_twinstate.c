/* tg_twinstate.c - features of the twin document itself: a value at a path, typed, as a column, and a rollout of a desired property against what devices report. */
#include "tg_twinstate.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tg_copy.h"
#include "tg_igraph.h"
#include "tg_interrupt.h"
#include "tg_time.h"
#include "tg_tree.h"

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
    igraph_integer_t mismatched = 0, first_mismatch = -1, present = 0;
    tg_status st = TG_OK;
    for (igraph_integer_t v = 0; v < in->twins->n_twins && !st; v++) {
        col->is_null[v] = true;
        const char *text = tg_twins_doc_value(in->twins, (size_t)in->doc_value, v);
        present += text != NULL;
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
    /* A path that names nothing is most often written wrong ("$.tags.x", a missing level). */
    if (!st && present == 0 && in->twins->n_twins > 0)
        tg_warn(in->warnings, "column %s: no twin document has a value at %s, so the column is NULL; paths are keys "
                "joined by dots from the document's top (\"tags.floorArea\", \"properties.reported.firmware\")",
                col->name, in->params[VALUE_PATH].string);
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

/* ---- rollout: desired against reported for one key of the device twin ---- */

enum { ROLLOUT_KEY, ROLLOUT_COLUMN, ROLLOUT_AS_OF, ROLLOUT_LEVELS, ROLLOUT_MODELS };
/* The paths ingest extracts, in the order the plan asks for them. */
enum { DESIRED_VALUE, REPORTED_VALUE, DESIRED_VERSION, REPORTED_VERSION, REPORTED_UPDATED, VALUES_EQUAL };
/* The columns, before one per named ancestor. */
enum { IN_SYNC, PENDING, VERSION_LAG, REPORT_AGE, NBR_SYNC, SUBTREE_SYNC, ANCESTOR_SYNC };

static tg_status plan_rollout(tg_feature_spec *fs, bool directed, const char *path, tg_error *err)
{
    (void)directed;
    const char *key = fs->params[ROLLOUT_KEY].string;
    if (key[0] == '.' || key[strlen(key) - 1] == '.' || strstr(key, ".."))
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s.key\" must be keys joined by dots, not \"%s\"", path, key);
    /* The paths built from it must not be cut short (the longest adds 45 bytes). */
    if (strlen(key) > 512)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s.key\" is longer than 512 bytes", path);
    for (const char *c = key; *c; c++)
        if ((unsigned char)*c < 0x20)
            return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s.key\" holds a control character", path);
    const char *prefix = fs->params[ROLLOUT_COLUMN].present ? fs->params[ROLLOUT_COLUMN].string : "rollout";
    bool starts_with_letter = (prefix[0] >= 'a' && prefix[0] <= 'z') || prefix[0] == '_';
    for (const char *c = prefix; *c; c++)
        if (!starts_with_letter || !((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
            return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s.column\" must be lowercase letters, digits or "
                                "underscores, starting with a letter, not \"%s\"", path, prefix);
    double as_of;
    if (fs->params[ROLLOUT_AS_OF].present && !tg_time_parse(fs->params[ROLLOUT_AS_OF].string, &as_of)) {
        tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s.as_of\" is not a timestamp: \"%s\"", path,
                     fs->params[ROLLOUT_AS_OF].string);
        tg_error_hint(err, "write a date and time, ISO 8601, e.g. \"2026-11-20T10:15:30Z\" (no zone reads as UTC)");
        return TG_ERR_INPUT;
    }
    if (fs->params[ROLLOUT_LEVELS].present && fs->params[ROLLOUT_MODELS].present)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" takes \"levels\" or \"models\", not both", path);
    char text[1024];
    /* In the order of DESIRED_VALUE ... REPORTED_UPDATED: the part before the key, and after it
     * (NULL: no key in the path). */
    static const char *const paths[][2] = {{"properties.desired.", ""},
                                           {"properties.reported.", ""},
                                           {"properties.desired.$version", NULL},
                                           {"properties.reported.$version", NULL},
                                           {"properties.reported.$metadata.", ".$lastUpdated"}};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        snprintf(text, sizeof text, "%s%s%s", paths[i][0], paths[i][1] ? key : "", paths[i][1] ? paths[i][1] : "");
        tg_status st = tg_feature_plan_path(fs, text, err);
        if (st)
            return st;
    }
    char reported[1024];
    snprintf(text, sizeof text, "properties.desired.%s", key);
    snprintf(reported, sizeof reported, "properties.reported.%s", key);
    tg_status planned = tg_feature_plan_path_equality(fs, text, reported, err);
    if (planned)
        return planned;
    /* Each definition names the key between its two parts. */
    static const struct {
        const char *suffix;
        tg_column_type type;
        const char *before, *after;
    } columns[] = {
        {"in_sync", TG_COLUMN_BOOLEAN, "the reported value of ", " equals the desired one (jsonb =: numbers by "
                                       "exact value, objects whatever their key order); NULL where desired does not "
                                       "set it"},
        {"pending", TG_COLUMN_BOOLEAN, "desired sets ", " and reported lacks it or differs; NULL where desired does "
                                       "not set it"},
        {"version_lag", TG_COLUMN_BIGINT, "the $version of the desired properties minus that of the reported ones, "
                                          "where desired sets ", "; NULL where either $version is missing"},
        {"report_age_s", TG_COLUMN_DOUBLE, "seconds from the $metadata $lastUpdated of the reported ",
                                           " to the run's reference time (as_of, recorded in runs.feature_details); "
                                           "NULL where desired does not set it or the time is missing"},
        {"nbr_sync_frac", TG_COLUMN_DOUBLE, "share in sync among the twin's neighbours (either direction) on the "
                                            "entry's layer whose desired sets ", "; NULL where none does"},
        {"subtree_sync_frac", TG_COLUMN_DOUBLE, "share in sync among the twins of the twin's hierarchy subtree "
                                                "(itself included) whose desired sets ", "; NULL where none does"},
    };
    for (size_t i = 0; i < sizeof columns / sizeof *columns; i++) {
        char name[2 * TG_NAME_MAX], definition[512];
        snprintf(name, sizeof name, "%s_%s", prefix, columns[i].suffix);
        snprintf(definition, sizeof definition, "%s%s%s", columns[i].before, key, columns[i].after);
        if (strlen(name) > 63)
            return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\": column name \"%s\" is longer than 63 bytes; "
                                "give a shorter \"column\"", path, name);
        tg_status st = tg_feature_plan_column(fs, name, columns[i].type, definition, err);
        if (st)
            return st;
        /* Only the neighbours' share depends on the layer. */
        fs->columns[fs->n_columns - 1].layer_free = i != NBR_SYNC;
    }
    const tg_param_value *names = fs->params[ROLLOUT_LEVELS].present ? &fs->params[ROLLOUT_LEVELS]
                                                                     : &fs->params[ROLLOUT_MODELS];
    for (size_t i = 0; names->present && i < names->count; i++) {
        char name[4 * TG_NAME_MAX], definition[512];
        size_t len = tg_feature_fold_name(name, sizeof name, (size_t)snprintf(name, sizeof name, "%s_anc_", prefix),
                                          names->names[i]);
        snprintf(name + len, sizeof name - len, "_sync_frac");
        snprintf(definition, sizeof definition,
                 "%s_subtree_sync_frac of the twin's %s \"%s\" (ancestor-or-self%s): the share in sync of %s "
                 "there; NULL where there is no such ancestor or none of its subtree has %s desired", prefix,
                 names == &fs->params[ROLLOUT_LEVELS] ? "level" : "model", names->names[i],
                 names == &fs->params[ROLLOUT_LEVELS] ? " at that depth" : ", nearest", key, key);
        if (strlen(name) > 63) {
            tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\": column name \"%s\" is longer than 63 bytes", path, name);
            tg_error_hint(err, "give a shorter \"column\" prefix, or name the ancestors by depth (\"levels\"); "
                               "`twingraph load --short-models` stores DTDL models as short names (\"room\")");
            return TG_ERR_INPUT;
        }
        tg_status st = tg_feature_plan_column(fs, name, TG_COLUMN_DOUBLE, definition, err);
        if (st)
            return st;
        fs->columns[fs->n_columns - 1].layer_free = true;
    }
    return TG_OK;
}

/* A $version: a JSON integer. */
static bool version_of(const char *text, long long *out)
{
    char *end;
    if (!text || !text[0])
        return false;
    errno = 0;
    *out = strtoll(text, &end, 10);
    return !errno && !*end;
}

/* The subtree share of each twin: bottom-up over the parents-first order. */
static tg_status subtree_shares(const tg_feature_input *in, const bool *set, const bool *sync, double **share,
                                tg_error *err)
{
    igraph_integer_t n = in->twins->n_twins;
    igraph_integer_t *has = calloc((size_t)(n > 0 ? n : 1), sizeof *has), *good = calloc((size_t)(n > 0 ? n : 1), sizeof *good);
    *share = malloc((size_t)(n > 0 ? n : 1) * sizeof **share);
    if (!has || !good || !*share) {
        free(has), free(good);
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    }
    for (igraph_integer_t v = 0; v < n; v++)
        has[v] = set[v], good[v] = sync[v];
    for (igraph_integer_t i = in->tree->n - 1; i >= 0; i--) {
        igraph_integer_t v = in->tree->order[i], p = in->twins->parent[v];
        if (p >= 0)
            has[p] += has[v], good[p] += good[v];
    }
    for (igraph_integer_t v = 0; v < n; v++)
        (*share)[v] = has[v] ? (double)good[v] / (double)has[v] : NAN;
    free(has), free(good);
    return TG_OK;
}

/* O(twins + edges) after ingest extracted five values per twin. */
static tg_status compute_rollout(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    const tg_twins *t = in->twins;
    igraph_integer_t n = t->n_twins, n_set = 0, n_sync = 0, bad_times = 0, first_bad_time = -1;
    bool *set = calloc((size_t)(n > 0 ? n : 1), sizeof *set), *sync = calloc((size_t)(n > 0 ? n : 1), sizeof *sync);
    igraph_integer_t *ancestor = malloc((size_t)(n > 0 ? n : 1) * sizeof *ancestor);
    double *share = NULL, as_of = in->as_of;
    igraph_adjlist_t adj = {0};
    tg_status st = set && sync && ancestor ? TG_OK : tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    if (in->params[ROLLOUT_AS_OF].present)
        tg_time_parse(in->params[ROLLOUT_AS_OF].string, &as_of); /* the plan checked it */
    for (igraph_integer_t v = 0; !st && v < n; v++) {
        const char *desired = tg_twins_doc_value(t, (size_t)in->doc_values[DESIRED_VALUE], v);
        const char *reported = tg_twins_doc_value(t, (size_t)in->doc_values[REPORTED_VALUE], v);
        for (size_t c = 0; c < 4; c++)
            tg_column_set_null(out[c], v);
        /* A desired null is how a device twin unsets a property. */
        if (!desired || strcmp(desired, "null") == 0)
            continue;
        set[v] = true;
        n_set++;
        const char *equal = tg_twins_doc_value(t, (size_t)in->doc_values[VALUES_EQUAL], v);
        sync[v] = reported && strcmp(reported, "null") != 0 && equal && strcmp(equal, "true") == 0;
        n_sync += sync[v];
        tg_column_set_number(out[IN_SYNC], v, sync[v]);
        tg_column_set_number(out[PENDING], v, !sync[v]);
        long long dv, rv;
        if (version_of(tg_twins_doc_value(t, (size_t)in->doc_values[DESIRED_VERSION], v), &dv) &&
            version_of(tg_twins_doc_value(t, (size_t)in->doc_values[REPORTED_VERSION], v), &rv)) {
            long long lag;
            /* Versions at the ends of 64 bits: NULL rather than a wrapped difference. */
            if (!__builtin_sub_overflow(dv, rv, &lag)) {
                VECTOR(out[VERSION_LAG]->integer)[v] = lag;
                out[VERSION_LAG]->is_null[v] = false;
            }
        }
        const char *updated = tg_twins_doc_value(t, (size_t)in->doc_values[REPORTED_UPDATED], v);
        double when;
        if (updated) {
            /* jsonb text of a string: the timestamp in quotes. */
            char stamp[256];
            size_t len = strlen(updated);
            bool quoted = len >= 2 && len < sizeof stamp + 2 && updated[0] == '"' && updated[len - 1] == '"';
            if (quoted)
                snprintf(stamp, sizeof stamp, "%.*s", (int)(len - 2), updated + 1);
            if (quoted && tg_time_parse(stamp, &when))
                tg_column_set_number(out[REPORT_AGE], v, as_of - when);
            else if (bad_times++ == 0)
                first_bad_time = v;
        }
        if ((v & 0xFFFF) == 0)
            st = tg_interrupt_check("reading the rollout", err);
    }
    /* Neighbours in the undirected view of the entry's layer. */
    igraph_error_t rc;
    if (!st && (rc = igraph_adjlist_init(in->undirected, &adj, IGRAPH_ALL, IGRAPH_NO_LOOPS, IGRAPH_NO_MULTIPLE)))
        st = tg_igraph_error(err, rc, "list neighbours");
    for (igraph_integer_t v = 0; !st && v < n; v++) {
        igraph_vector_int_t *nbrs = igraph_adjlist_get(&adj, v);
        igraph_integer_t has = 0, good = 0;
        for (igraph_integer_t j = 0; j < igraph_vector_int_size(nbrs); j++) {
            igraph_integer_t u = VECTOR(*nbrs)[j];
            has += set[u];
            good += sync[u];
        }
        VECTOR(out[NBR_SYNC]->real)[v] = has ? (double)good / (double)has : NAN;
    }
    if (!st)
        st = subtree_shares(in, set, sync, &share, err);
    for (igraph_integer_t v = 0; !st && v < n; v++)
        VECTOR(out[SUBTREE_SYNC]->real)[v] = share[v];
    const tg_param_value *levels = &in->params[ROLLOUT_LEVELS], *models = &in->params[ROLLOUT_MODELS];
    const tg_param_value *names = levels->present ? levels : models;
    for (size_t c = 0; !st && names->present && c < names->count; c++) {
        if (levels->present)
            tg_tree_ancestors_at_depth(in->tree, t, levels->integers[c], ancestor);
        else
            if (tg_tree_ancestors_of_model(in->tree, t, names->names[c], ancestor) == 0)
                tg_warn(in->warnings, "column %s: no twin has model \"%s\" (models match exactly, case included), "
                        "so the column is NULL", out[ANCESTOR_SYNC + c]->name, names->names[c]);
        for (igraph_integer_t v = 0; v < n; v++)
            VECTOR(out[ANCESTOR_SYNC + c]->real)[v] = ancestor[v] >= 0 ? share[ancestor[v]] : NAN;
    }
    if (!st && n_set == 0 && n > 0)
        tg_warn(in->warnings, "column %s: no twin's desired properties set \"%s\", so the rollout columns are NULL; "
                "the key is the path under properties.desired and properties.reported (\"model.version\")",
                out[IN_SYNC]->name, in->params[ROLLOUT_KEY].string);
    if (!st && bad_times)
        tg_warn(in->warnings, "column %s: %" IGRAPH_PRId " twin%s %s no readable $lastUpdated for the reported %s "
                "(first: \"%s\"); written as NULL", out[REPORT_AGE]->name, bad_times, bad_times == 1 ? "" : "s",
                bad_times == 1 ? "has" : "have", in->params[ROLLOUT_KEY].string, tg_twins_id(t, first_bad_time));
    if (!st) {
        char stamp[40];
        tg_time_format(as_of, stamp, sizeof stamp);
        json_object_set_new(in->details, "as_of", json_string(stamp));
        json_object_set_new(in->details, "desired", json_integer(n_set));
        json_object_set_new(in->details, "in_sync", json_integer(n_sync));
        json_object_set_new(in->details, "pending", json_integer(n_set - n_sync));
    }
    if (adj.adjs)
        igraph_adjlist_destroy(&adj);
    free(set), free(sync), free(ancestor), free(share);
    return st;
}

static const tg_param_def rollout_params[] = {
    [ROLLOUT_KEY] = {.name = "key", .type = TG_PARAM_STRING, .required = true,
                     .doc = "the property, keys joined by dots under properties.desired and properties.reported, "
                            "e.g. \"model.version\""},
    [ROLLOUT_COLUMN] = {.name = "column", .type = TG_PARAM_STRING,
                        .doc = "the column prefix instead of \"rollout\" (two entries for two keys need two)"},
    [ROLLOUT_AS_OF] = {.name = "as_of", .type = TG_PARAM_STRING,
                       .doc = "the reference time for report_age_s, ISO 8601 (default: when the run computes its "
                              "features); recorded in runs.feature_details"},
    [ROLLOUT_LEVELS] = {.name = "levels", .type = TG_PARAM_NAME_INTEGERS, .min_integer = 0, .max_integer = INT32_MAX,
                        .doc = "names for depths, {\"district\": 1}: a column <prefix>_anc_<name>_sync_frac each"},
    [ROLLOUT_MODELS] = {.name = "models", .type = TG_PARAM_STRING_LIST,
                        .doc = "models: a column <prefix>_anc_<model>_sync_frac each, for the nearest ancestor-or-self "
                               "of that model"},
};
static const tg_column_def rollout_columns[] = {
    {"rollout_in_sync", TG_COLUMN_BOOLEAN, false, "reported equals desired for the key; NULL where desired lacks it"},
    {"rollout_pending", TG_COLUMN_BOOLEAN, false, "desired sets the key and reported lacks it or differs"},
    {"rollout_version_lag", TG_COLUMN_BIGINT, false, "desired $version minus reported $version"},
    {"rollout_report_age_s", TG_COLUMN_DOUBLE, false, "seconds since the reported key's $lastUpdated, at as_of"},
    {"rollout_nbr_sync_frac", TG_COLUMN_DOUBLE, false, "share in sync among neighbours with the key desired"},
    {"rollout_subtree_sync_frac", TG_COLUMN_DOUBLE, false, "share in sync in the hierarchy subtree"},
    {"rollout_anc_<name>_sync_frac", TG_COLUMN_DOUBLE, false, "subtree share of each named ancestor"},
};

const tg_feature_def tg_twinstate_features[] = {
    {.name = "twin_value", .family = "twin state", .reads = TG_READS_TWIN_DOCUMENTS,
     .summary = "a value of the twin document as a column (parameters \"path\", \"type\"); the database extracts "
                "only that value",
     .reference = "PostgreSQL's jsonb #> operator on the same rows", .complexity = "O(twins)",
     .params = value_params, .n_params = COUNT(value_params), .columns = value_columns,
     .n_columns = COUNT(value_columns), .plan = plan_value, .path_param = "path", .compute = compute_value},
    {.name = "rollout", .family = "twin state", .reads = TG_READS_GRAPH,
     .summary = "desired against reported for one key of the device twin: in sync, pending, version lag, report "
                "age, and the share in sync among neighbours, in the subtree and under named ancestors",
     .reference = "a Python reference over the same jsonb rows (psycopg2, networkx)",
     .complexity = "O(twins + edges); ingest extracts five values per twin", .params = rollout_params,
     .n_params = COUNT(rollout_params), .columns = rollout_columns, .n_columns = COUNT(rollout_columns),
     .plan = plan_rollout, .compute = compute_rollout},
};
const size_t tg_twinstate_feature_count = COUNT(tg_twinstate_features);
