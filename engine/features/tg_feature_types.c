/* tg_feature_types.c - what every feature shares: building an entry's column plan, and reading and checking its edge weights. */
#include "tg_feature_types.h"

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

tg_status tg_feature_plan_path(tg_feature_spec *fs, const char *path, tg_error *err)
{
    if (fs->n_doc_paths == TG_MAX_DOC_PATHS)
        return tg_error_set(err, TG_ERR_INTERNAL, "a feature asked for more than %d twin-document paths", TG_MAX_DOC_PATHS);
    if (!(fs->doc_paths[fs->n_doc_paths] = strdup(path)))
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    fs->doc_values[fs->n_doc_paths++] = -1;
    return TG_OK;
}

tg_status tg_feature_plan_path_equality(tg_feature_spec *fs, const char *a, const char *b, tg_error *err)
{
    size_t size = strlen(a) + strlen(b) + 2;
    char *both = malloc(size);
    if (!both)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    snprintf(both, size, "%s%c%s", a, TG_DOC_PATHS_EQUAL, b);
    tg_status st = tg_feature_plan_path(fs, both, err);
    free(both);
    return st;
}

tg_status tg_feature_plan_listed(tg_feature_spec *fs, bool directed, const char *path, tg_error *err)
{
    (void)path;
    for (size_t c = 0; c < fs->def->n_columns; c++) {
        const tg_column_def *col = &fs->def->columns[c];
        if (col->directed_only && !directed)
            continue;
        tg_status st = tg_feature_plan_column(fs, col->base_name, col->type, col->definition, err);
        if (st)
            return st;
    }
    return TG_OK;
}

tg_status tg_feature_plan_column(tg_feature_spec *fs, const char *base_name, tg_column_type type,
                                 const char *definition, tg_error *err)
{
    tg_column_plan *grown = realloc(fs->columns, (fs->n_columns + 1) * sizeof *grown);
    if (!grown)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    fs->columns = grown;
    tg_column_plan *col = &fs->columns[fs->n_columns];
    memset(col, 0, sizeof *col);
    if (strlen(base_name) >= sizeof col->name)
        return tg_error_set(err, TG_ERR_INPUT, "column name \"%s\" is too long", base_name);
    snprintf(col->name, sizeof col->name, "%s", base_name);
    col->type = type;
    if (!(col->definition = strdup(definition)))
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    fs->n_columns++;
    return TG_OK;
}

const char *tg_feature_reads_text(const tg_feature_def *def)
{
    if (def->reads_coordinates)
        return "the twins' locations";
    switch (def->reads) {
    case TG_READS_PARENT_LINKS: return "the parent links";
    case TG_READS_TWIN_DOCUMENTS: return "the twin documents";
    case TG_READS_RELATIONSHIPS: return "the relationships of the kinds it names";
    case TG_READS_GRAPH: break;
    }
    return "a graph layer";
}

const tg_param_value *tg_feature_kinds(const tg_feature_spec *fs, bool reverse)
{
    const char *name = reverse ? fs->def->reverse_kinds_param : fs->def->kinds_param;
    for (size_t p = 0; name && p < fs->def->n_params; p++)
        if (strcmp(fs->def->params[p].name, name) == 0)
            return fs->params[p].present ? &fs->params[p] : NULL;
    return NULL;
}

bool tg_feature_reads_weights(const tg_feature_spec *fs)
{
    if (fs->def->needs_weights)
        return true;
    for (size_t p = 0; fs->def->weighted_param && p < fs->def->n_params; p++)
        if (strcmp(fs->def->params[p].name, fs->def->weighted_param) == 0)
            return fs->params[p].present && fs->params[p].boolean;
    return false;
}

tg_status tg_feature_check_weights(const tg_feature_input *in, bool positive, const char *feature, tg_error *err)
{
    if (!in->weights)
        return TG_OK;
    for (igraph_integer_t e = 0; e < igraph_vector_size(in->weights); e++) {
        double w = VECTOR(*in->weights)[e];
        /* A subnormal distance makes 1/d infinite in harmonic: positive means at least DBL_MIN. */
        if (isfinite(w) && (positive ? w >= DBL_MIN : w >= 0))
            continue;
        const char *a = tg_twins_id(in->twins, IGRAPH_FROM(in->graph, e));
        const char *b = tg_twins_id(in->twins, IGRAPH_TO(in->graph, e));
        if (in->directed)
            tg_error_set(err, TG_ERR_INPUT, "the edge from twin \"%s\" to twin \"%s\" has weight %g", a, b, w);
        else
            tg_error_set(err, TG_ERR_INPUT, "the edge between twins \"%s\" and \"%s\" has weight %g", a, b, w);
        tg_error_detail(err, "%s reads weights as %s, which must be %s.", feature,
                        positive ? "distances" : "strengths", positive ? "positive" : "zero or more");
        tg_error_hint(err, "Fix the relationship rows, or compute %s without \"weighted\".", feature);
        return TG_ERR_INPUT;
    }
    /* Distances add up along paths: the longest simple path must stay a finite number, or
     * overflowed lengths would all compare equal (infinity ties infinity). */
    double largest = 0;
    for (igraph_integer_t e = 0; e < igraph_vector_size(in->weights); e++)
        largest = VECTOR(*in->weights)[e] > largest ? VECTOR(*in->weights)[e] : largest;
    double n = (double)igraph_vcount(in->graph);
    if (positive && n > 1 && !isfinite(largest * (n - 1))) {
        tg_error_set(err, TG_ERR_INPUT, "%s: the largest weight, %g, times the %.0f edges a path can have overflows "
                     "a double", feature, largest, n - 1);
        tg_error_detail(err, "%s adds weights along paths as distances; lengths beyond %g cannot be compared.",
                        feature, DBL_MAX);
        tg_error_hint(err, "Scale the weights down: betweenness stays the same, harmonic and closeness scale with them.");
        return TG_ERR_INPUT;
    }
    return TG_OK;
}

size_t tg_feature_fold_name(char *buf, size_t size, size_t len, const char *text)
{
    for (const char *c = text; *c && len + 1 < size; c++)
        buf[len++] = isalnum((unsigned char)*c) ? (char)tolower((unsigned char)*c) : '_';
    buf[len] = '\0';
    return len;
}

const char *tg_feature_path_last_key(const char *path)
{
    const char *last = strrchr(path, '.');
    return last ? last + 1 : path;
}
