/* tg_hierarchy.c - hierarchy features computed from the parent-link forest in one or two passes over its parents-first order. */
#include "tg_hierarchy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_interrupt.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Parameter indexes, in the order of the registry entries below. */
enum { ANCESTOR_LEVELS, ANCESTOR_MODELS };
enum { ROLLUP_FEATURE, ROLLUP_AGG, ROLLUP_LEVEL };

static igraph_integer_t children_of(const tg_tree *tree, igraph_integer_t v)
{
    return tree->child_start[v + 1] - tree->child_start[v];
}

static tg_status compute_depth(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    (void)err;
    for (igraph_integer_t v = 0; v < in->tree->n; v++)
        VECTOR(out[0]->integer)[v] = in->tree->depth[v];
    return TG_OK;
}

/* Adds each twin's value to its parent's, children before parents: subtree sums. */
static void sum_up_the_tree(const tg_feature_input *in, igraph_vector_int_t *values)
{
    for (igraph_integer_t i = in->tree->n; i-- > 0;) {
        igraph_integer_t v = in->tree->order[i], p = in->twins->parent[v];
        if (p >= 0)
            VECTOR(*values)[p] += VECTOR(*values)[v];
    }
}

static tg_status compute_subtree_size(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    (void)err;
    igraph_vector_int_fill(&out[0]->integer, 1);
    sum_up_the_tree(in, &out[0]->integer);
    return TG_OK;
}

static tg_status compute_leaves(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    (void)err;
    for (igraph_integer_t v = 0; v < in->tree->n; v++)
        VECTOR(out[0]->integer)[v] = children_of(in->tree, v) == 0;
    sum_up_the_tree(in, &out[0]->integer);
    return TG_OK;
}

static tg_status compute_children(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    (void)err;
    for (igraph_integer_t v = 0; v < in->tree->n; v++)
        VECTOR(out[0]->integer)[v] = children_of(in->tree, v);
    return TG_OK;
}

static tg_status compute_siblings(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    (void)err;
    for (igraph_integer_t v = 0; v < in->tree->n; v++) {
        igraph_integer_t p = in->twins->parent[v];
        if (p < 0)
            tg_column_set_null(out[0], v);
        else
            VECTOR(out[0]->integer)[v] = children_of(in->tree, p) - 1;
    }
    return TG_OK;
}

static tg_status compute_leaf(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    (void)err;
    for (igraph_integer_t v = 0; v < in->tree->n; v++)
        VECTOR(out[0]->integer)[v] = children_of(in->tree, v) == 0;
    return TG_OK;
}

/* A twin id per twin as a text column. */
static tg_status write_ids(const tg_feature_input *in, const igraph_integer_t *vertex, tg_column *col, tg_error *err)
{
    tg_status st = TG_OK;
    for (igraph_integer_t v = 0; v < in->tree->n && !st; v++)
        st = tg_column_set_text(col, v, vertex[v] >= 0 ? tg_twins_id(in->twins, vertex[v]) : NULL, err);
    return st;
}

static tg_status compute_root_id(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    const tg_tree *tree = in->tree;
    igraph_integer_t *root = malloc((size_t)(tree->n > 0 ? tree->n : 1) * sizeof *root);
    if (!root)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    for (igraph_integer_t i = 0; i < tree->n; i++) {
        igraph_integer_t v = tree->order[i], p = in->twins->parent[v];
        root[v] = p < 0 ? v : root[p];
    }
    tg_status st = write_ids(in, root, out[0], err);
    free(root);
    return st;
}

/* "anc_<name>_id" with name folded to what a column name allows (lowercase letters, digits,
 * underscores), so model ids such as "dtmi:example:Room;1" still name a column. */
static void ancestor_column_name(const char *name, char *buf, size_t size)
{
    size_t len = tg_feature_fold_name(buf, size - 3, (size_t)snprintf(buf, size, "anc_"), name);
    snprintf(buf + len, size - len, "_id");
}

static tg_status plan_ancestor(tg_feature_spec *fs, bool directed, const char *path, tg_error *err)
{
    (void)directed;
    const tg_param_value *levels = &fs->params[ANCESTOR_LEVELS], *models = &fs->params[ANCESTOR_MODELS];
    if (levels->present == models->present)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" needs exactly one of \"levels\" and \"models\"", path);
    const tg_param_value *names = levels->present ? levels : models;
    for (size_t i = 0; i < names->count; i++) {
        char column[2 * TG_NAME_MAX], definition[512];
        ancestor_column_name(names->names[i], column, sizeof column);
        if (levels->present)
            snprintf(definition, sizeof definition,
                     "device_id of the twin's ancestor-or-self at depth %lld of the hierarchy (level \"%s\"); "
                     "NULL where the twin is less deep",
                     (long long)levels->integers[i], names->names[i]);
        else
            snprintf(definition, sizeof definition,
                     "device_id of the twin's nearest ancestor-or-self whose model is \"%s\"; NULL where there is none",
                     names->names[i]);
        tg_status st = tg_feature_plan_column(fs, column, TG_COLUMN_TEXT, definition, err);
        if (st)
            return st;
    }
    return TG_OK;
}

static tg_status compute_ancestor(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    const tg_tree *tree = in->tree;
    const tg_param_value *levels = &in->params[ANCESTOR_LEVELS], *models = &in->params[ANCESTOR_MODELS];
    const tg_param_value *names = levels->present ? levels : models;
    igraph_integer_t *ancestor = malloc((size_t)(tree->n > 0 ? tree->n : 1) * sizeof *ancestor);
    if (!ancestor)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    tg_status st = TG_OK;
    for (size_t c = 0; c < names->count && !st; c++) {
        if (levels->present)
            tg_tree_ancestors_at_depth(tree, in->twins, levels->integers[c], ancestor);
        else
            if (tg_tree_ancestors_of_model(tree, in->twins, names->names[c], ancestor) == 0)
                tg_warn(in->warnings, "column %s: no twin has model \"%s\" (models match exactly, case included), "
                        "so the column is NULL", out[c]->name, names->names[c]);
        st = write_ids(in, ancestor, out[c], err);
    }
    free(ancestor);
    return st;
}

static const char *const rollup_aggs[] = {"mean", "sum", "min", "max", "count", NULL};
enum { AGG_MEAN, AGG_SUM, AGG_MIN, AGG_MAX, AGG_COUNT };

static tg_status plan_rollup(tg_feature_spec *fs, bool directed, const char *path, tg_error *err)
{
    (void)directed;
    const tg_param_value *feature = &fs->params[ROLLUP_FEATURE];
    if (!feature->present)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" needs \"feature\", a column of this job", path);
    const char *agg = rollup_aggs[fs->params[ROLLUP_AGG].choice];
    long long level = (long long)fs->params[ROLLUP_LEVEL].integer;
    char column[4 * TG_NAME_MAX], definition[512];
    snprintf(column, sizeof column, "hier_%s_%s_d%lld", agg, feature->string, level);
    bool count = strcmp(agg, "count") == 0;
    snprintf(definition, sizeof definition,
             "%s of column %s over the subtree of the twin's ancestor-or-self at depth %lld (that ancestor "
             "included, NULL values skipped%s); every twin under one ancestor has the same value; NULL where "
             "the twin is less deep",
             agg, feature->string, level, count ? "; counts the non-NULL values" : "");
    return tg_feature_plan_column(fs, column, count ? TG_COLUMN_BIGINT : TG_COLUMN_DOUBLE, definition, err);
}

static tg_status compute_rollup(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    const tg_tree *tree = in->tree;
    int agg = in->params[ROLLUP_AGG].choice;
    igraph_integer_t level = in->params[ROLLUP_LEVEL].integer;
    size_t n = (size_t)(tree->n > 0 ? tree->n : 1);
    igraph_integer_t *ancestor = malloc(n * sizeof *ancestor), *count = calloc(n, sizeof *count);
    double *sum = calloc(n, sizeof *sum), *low = malloc(n * sizeof *low), *high = malloc(n * sizeof *high);
    tg_status st = TG_OK;
    if (!ancestor || !count || !sum || !low || !high) {
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    /* One pass parents-first finds each twin's ancestor at the level and accumulates its value
     * there; a second pass hands every twin its ancestor's aggregate. */
    for (igraph_integer_t i = 0; i < tree->n; i++) {
        igraph_integer_t v = tree->order[i], p = in->twins->parent[v];
        ancestor[v] = tree->depth[v] == level ? v : tree->depth[v] > level ? ancestor[p] : -1;
        if (ancestor[v] < 0 || in->input->is_null[v])
            continue;
        double x = tg_column_number(in->input, v);
        if (isnan(x))
            continue;
        igraph_integer_t a = ancestor[v];
        if (count[a] == 0 || x < low[a])
            low[a] = x;
        if (count[a] == 0 || x > high[a])
            high[a] = x;
        sum[a] += x;
        count[a]++;
    }
    for (igraph_integer_t v = 0; v < tree->n; v++) {
        igraph_integer_t a = ancestor[v];
        if (a < 0 || (count[a] == 0 && agg != AGG_COUNT)) {
            tg_column_set_null(out[0], v);
            continue;
        }
        double value = agg == AGG_MEAN ? sum[a] / (double)count[a] : agg == AGG_SUM ? sum[a]
                       : agg == AGG_MIN ? low[a] : agg == AGG_MAX ? high[a] : (double)count[a];
        tg_column_set_number(out[0], v, value);
    }
    st = tg_interrupt_check("computing hier_rollup", err);
cleanup:
    free(ancestor);
    free(count);
    free(sum);
    free(low);
    free(high);
    return st;
}

#define TREE_COST "O(twins) after the parents-first order of the forest, which each run computes once in O(twins)"
#define FROM_PARENTS "computed from parent_id alone, whether or not the job has a hierarchy layer"

static const tg_column_def depth_columns[] = {
    {"hier_depth", TG_COLUMN_BIGINT, false, "edges from the twin's root to the twin; a root has depth 0"},
};
static const tg_column_def subtree_columns[] = {
    {"hier_subtree_size", TG_COLUMN_BIGINT, false, "twins in the twin's subtree, the twin included"},
};
static const tg_column_def leaves_columns[] = {
    {"hier_leaves", TG_COLUMN_BIGINT, false, "leaf twins (without children) in the twin's subtree; 1 for a leaf"},
};
static const tg_column_def children_columns[] = {
    {"hier_children", TG_COLUMN_BIGINT, false, "direct children of the twin"},
};
static const tg_column_def siblings_columns[] = {
    {"hier_siblings", TG_COLUMN_BIGINT, false, "other children of the twin's parent; NULL for a root"},
};
static const tg_column_def leaf_columns[] = {
    {"hier_leaf", TG_COLUMN_BOOLEAN, false, "whether the twin has no children"},
};
static const tg_column_def root_columns[] = {
    {"hier_root_id", TG_COLUMN_TEXT, false, "device_id of the root of the twin's tree (itself for a root)"},
};

static const tg_param_def ancestor_params[] = {
    [ANCESTOR_LEVELS] = {.name = "levels", .type = TG_PARAM_NAME_INTEGERS, .min_integer = 0, .max_integer = INT32_MAX,
                         .doc = "names for depths, {\"district\": 1}: one column anc_<name>_id per entry holding the "
                                "ancestor-or-self at that depth"},
    [ANCESTOR_MODELS] = {.name = "models", .type = TG_PARAM_STRING_LIST,
                         .doc = "model names: one column anc_<model>_id per entry holding the nearest "
                                "ancestor-or-self of that model (other characters than a-z, 0-9 and _ become _)"},
};
static const tg_column_def ancestor_columns[] = {
    {"anc_<level or model>_id", TG_COLUMN_TEXT, false,
     "device_id of the twin's ancestor-or-self at a named depth, or the nearest one of a model; NULL where there "
     "is none"},
};

static const tg_param_def rollup_params[] = {
    [ROLLUP_FEATURE] = {.name = "feature", .type = TG_PARAM_STRING, .required = true,
                        .doc = "a numeric column written by another entry of the same job (\"pagerank\", "
                               "\"degree_relationships\")"},
    [ROLLUP_AGG] = {.name = "agg", .type = TG_PARAM_CHOICE, .default_json = "\"mean\"", .choices = rollup_aggs,
                    .doc = "the aggregate over the subtree"},
    [ROLLUP_LEVEL] = {.name = "level", .type = TG_PARAM_INTEGER, .default_json = "1", .min_integer = 0,
                      .max_integer = INT32_MAX, .doc = "the depth of the ancestor whose subtree is aggregated"},
};
static const tg_column_def rollup_columns[] = {
    {"hier_<agg>_<feature>_d<level>", TG_COLUMN_DOUBLE, false, /* bigint for count */
     "the aggregate of another feature over the subtree of the twin's ancestor-or-self at a depth (NULL values "
     "skipped; bigint for count); the same for every twin under that ancestor; NULL where the twin is less deep"},
};

#define HIERARCHY(name_, summary_, columns_, compute_)                                                        \
    {.name = name_, .family = "hierarchy", .summary = summary_ "; " FROM_PARENTS, .reads = TG_READS_PARENT_LINKS, \
     .reference = "networkx on the parent -> child DiGraph", .complexity = TREE_COST, .columns = columns_,     \
     .n_columns = COUNT(columns_), .compute = compute_}

const tg_feature_def tg_hierarchy_features[] = {
    HIERARCHY("hier_depth", "depth in the hierarchy", depth_columns, compute_depth),
    HIERARCHY("hier_subtree_size", "size of the twin's subtree", subtree_columns, compute_subtree_size),
    HIERARCHY("hier_leaves", "leaves in the twin's subtree", leaves_columns, compute_leaves),
    HIERARCHY("hier_children", "number of children", children_columns, compute_children),
    HIERARCHY("hier_siblings", "number of siblings", siblings_columns, compute_siblings),
    HIERARCHY("hier_leaf", "whether the twin is a leaf", leaf_columns, compute_leaf),
    HIERARCHY("hier_root_id", "the twin's root", root_columns, compute_root_id),
    {.name = "hier_ancestor", .family = "hierarchy", .reads = TG_READS_PARENT_LINKS,
     .summary = "ancestor ids at named depths (\"levels\") or of named models (\"models\"); " FROM_PARENTS,
     .reference = "networkx shortest paths from the root on the parent -> child DiGraph", .complexity =
     "O(twins) per column after the parents-first order",
     .params = ancestor_params, .n_params = COUNT(ancestor_params), .columns = ancestor_columns,
     .n_columns = COUNT(ancestor_columns), .plan = plan_ancestor, .compute = compute_ancestor},
    {.name = "hier_rollup", .family = "hierarchy", .reads = TG_READS_PARENT_LINKS,
     .summary = "another feature aggregated over the subtree of the twin's ancestor at a depth: \"how central is "
                "my district\"",
     .reference = "networkx descendants on the parent -> child DiGraph", .complexity =
     "O(twins) after the parents-first order",
     .params = rollup_params, .n_params = COUNT(rollup_params), .columns = rollup_columns,
     .n_columns = COUNT(rollup_columns), .plan = plan_rollup, .input_param = "feature",
     .compute = compute_rollup},
};
const size_t tg_hierarchy_feature_count = COUNT(tg_hierarchy_features);
