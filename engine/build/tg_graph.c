/* tg_graph.c - edge lists from twins per layer, igraph graphs, simplification and undirected views. */
#include "tg_graph.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tg_igraph.h"

typedef struct {
    igraph_integer_t from, to;
    double weight;
} weighted_edge;

static int compare_targets(const void *a, const void *b)
{
    const weighted_edge *x = a, *y = b;
    return x->to < y->to ? -1 : x->to > y->to;
}

/* Sorts edges by (from, to) in O(E + V) plus the sorts of each source's few targets: a counting
 * sort by source, which a comparison sort of millions of edges is several times slower than. */
static tg_status sort_edges(weighted_edge *list, igraph_integer_t m, igraph_integer_t n, tg_error *err)
{
    igraph_integer_t *start = calloc((size_t)n + 2, sizeof *start);
    weighted_edge *sorted = malloc((size_t)(m > 0 ? m : 1) * sizeof *sorted);
    if (!start || !sorted) {
        free(start), free(sorted);
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory sorting edges");
    }
    for (igraph_integer_t e = 0; e < m; e++)
        start[list[e].from + 2]++;
    for (igraph_integer_t v = 0; v < n; v++)
        start[v + 2] += start[v + 1];
    for (igraph_integer_t e = 0; e < m; e++)
        sorted[start[list[e].from + 1]++] = list[e];
    memcpy(list, sorted, (size_t)m * sizeof *list);
    free(sorted);
    for (igraph_integer_t v = 0; v < n; v++) {
        igraph_integer_t begin = v > 0 ? start[v] : 0, end = start[v + 1];
        if (end - begin > 1)
            qsort(list + begin, (size_t)(end - begin), sizeof *list, compare_targets);
    }
    free(start);
    return TG_OK;
}

/* Drops self-loops and merges parallel edges of a weighted layer, combining their weights by
 * the layer's rule. By hand because igraph_simplify combines edge attributes only through the
 * attribute handler, which the C library leaves unset. Undirected edges are put as (low, high)
 * first, so both directions merge. Time: O(E log E). */
static tg_status merge_weighted(const tg_layer_spec *layer, bool directed, igraph_integer_t n_twins,
                                igraph_vector_int_t *edges, igraph_vector_t *weights, tg_error *err)
{
    igraph_integer_t m = igraph_vector_size(weights);
    weighted_edge *list = malloc((size_t)(m > 0 ? m : 1) * sizeof *list);
    if (!list)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory merging the edges of layer \"%s\"", layer->name);
    igraph_integer_t kept = 0;
    for (igraph_integer_t e = 0; e < m; e++) {
        igraph_integer_t a = VECTOR(*edges)[2 * e], b = VECTOR(*edges)[2 * e + 1];
        if (a == b)
            continue;
        if (!directed && a > b) {
            igraph_integer_t t = a;
            a = b;
            b = t;
        }
        list[kept++] = (weighted_edge){a, b, VECTOR(*weights)[e]};
    }
    tg_status st = sort_edges(list, kept, n_twins, err);
    if (st) {
        free(list);
        return st;
    }
    igraph_integer_t out = 0;
    for (igraph_integer_t i = 0; i < kept; i++) {
        if (out > 0 && list[out - 1].from == list[i].from && list[out - 1].to == list[i].to) {
            double *w = &list[out - 1].weight, x = list[i].weight;
            *w = layer->merge == TG_MERGE_SUM ? *w + x : layer->merge == TG_MERGE_MIN ? (x < *w ? x : *w)
                                                                                     : (x > *w ? x : *w);
            continue;
        }
        list[out++] = list[i];
    }
    for (igraph_integer_t e = 0; e < out; e++)
        if (!isfinite(list[e].weight)) {
            tg_error_set(err, TG_ERR_INPUT, "layer \"%s\": the weights of the edges between two twins sum beyond the "
                         "range of a double", layer->name);
            free(list);
            return TG_ERR_INPUT;
        }
    igraph_error_t rc;
    if ((rc = igraph_vector_int_resize(edges, 2 * out)) || (rc = igraph_vector_resize(weights, out))) {
        free(list);
        return tg_igraph_error(err, rc, "merge edges");
    }
    for (igraph_integer_t e = 0; e < out; e++) {
        VECTOR(*edges)[2 * e] = list[e].from;
        VECTOR(*edges)[2 * e + 1] = list[e].to;
        VECTOR(*weights)[e] = list[e].weight;
    }
    free(list);
    return TG_OK;
}

/* Creates out's graph from edges (already simplified when weighted, so igraph_simplify, which
 * would reorder edges away from their weights, runs only on unweighted graphs). */
static tg_status make_graph(tg_layer_graph *out, const igraph_vector_int_t *edges, igraph_integer_t input_edges,
                            igraph_integer_t n, const tg_spec *spec, tg_error *err)
{
    igraph_error_t rc = igraph_create(&out->graph, edges, n, spec->directed);
    if (rc != IGRAPH_SUCCESS)
        return tg_igraph_error(err, rc, "create graph");
    out->has_graph = true;
    out->input_edges = input_edges;
    if (spec->simplify && !out->has_weights && (rc = igraph_simplify(&out->graph, true, true, NULL)) != IGRAPH_SUCCESS)
        return tg_igraph_error(err, rc, "simplify graph");
    if (!spec->directed && spec->simplify)
        return TG_OK;
    if ((rc = igraph_copy(&out->undirected_copy, &out->graph)) != IGRAPH_SUCCESS)
        return tg_igraph_error(err, rc, "copy graph");
    out->has_undirected_copy = true;
    if ((rc = igraph_to_undirected(&out->undirected_copy, IGRAPH_TO_UNDIRECTED_COLLAPSE, NULL)) ||
        (rc = igraph_simplify(&out->undirected_copy, true, true, NULL)))
        return tg_igraph_error(err, rc, "make undirected view");
    return TG_OK;
}

/* One k-nearest search serves every layer and feature: it runs for the largest k. */
static tg_status plan_spatial(const tg_spec *spec, const tg_twins *twins, tg_spatial **spatial, tg_error *err)
{
    tg_status st = tg_spatial_create(twins, spatial, err);
    for (size_t i = 0; !st && i < spec->n_layers; i++)
        if (spec->layers[i].knn > 0)
            tg_spatial_plan_knn(*spatial, spec->layers[i].knn);
    for (size_t f = 0; !st && f < spec->n_features; f++) {
        const tg_feature_spec *fs = &spec->features[f];
        for (size_t p = 0; p < fs->def->n_params; p++)
            if (fs->def->knn_param && strcmp(fs->def->params[p].name, fs->def->knn_param) == 0)
                tg_spatial_plan_knn(*spatial, (int)fs->params[p].integer);
    }
    return st;
}

tg_status tg_graph_build(const tg_spec *spec, const tg_twins *twins, tg_graph_set *set, tg_warnings *warnings,
                         tg_error *err)
{
    memset(set, 0, sizeof *set);
    igraph_vector_int_t edges = {0}, all_edges = {0};
    tg_status st = TG_OK;
    igraph_error_t rc;
    if ((rc = igraph_vector_int_init(&edges, 0)) || (rc = igraph_vector_int_init(&all_edges, 0))) {
        st = tg_igraph_error(err, rc, "collect edges");
        goto cleanup;
    }
    set->layers = calloc(spec->n_layers, sizeof *set->layers);
    if (!set->layers) {
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory building graphs");
        goto cleanup;
    }
    set->n_layers = spec->n_layers;
    if (spec->uses_coordinates && (st = plan_spatial(spec, twins, &set->spatial, err)))
        goto cleanup;
    for (size_t i = 0; i < spec->n_layers; i++) {
        const tg_layer_spec *layer = &spec->layers[i];
        tg_layer_graph *built = &set->layers[i];
        igraph_vector_int_clear(&edges);
        if (layer->weight) {
            if ((rc = igraph_vector_init(&built->weights, 0)) != IGRAPH_SUCCESS) {
                st = tg_igraph_error(err, rc, "collect edge weights");
                goto cleanup;
            }
            built->has_weights = true;
        }
        igraph_vector_t *weights = built->has_weights ? &built->weights : NULL;
        if ((st = layer->kind->collect_edges(layer, twins, set->spatial, &edges, weights, warnings, err)))
            goto cleanup;
        igraph_integer_t input_edges = igraph_vector_int_size(&edges) / 2;
        if ((rc = igraph_vector_int_append(&all_edges, &edges)) != IGRAPH_SUCCESS) {
            st = tg_igraph_error(err, rc, "collect edges");
            goto cleanup;
        }
        if ((weights && spec->simplify && (st = merge_weighted(layer, spec->directed, twins->n_twins, &edges, weights, err))) ||
            (st = make_graph(built, &edges, input_edges, twins->n_twins, spec, err)))
            goto cleanup;
        if (input_edges == 0)
            tg_warn(warnings, "layer \"%s\" has no edges%s", layer->name,
                    layer->kind->reads_relationships  ? " (no relationship of its kinds)"
                    : layer->kind->reads_coordinates ? " (fewer than two twins have a location)"
                                                     : " (no twin has a parent)");
    }
    st = make_graph(&set->union_graph, &all_edges, igraph_vector_int_size(&all_edges) / 2, twins->n_twins, spec, err);
    if (!st && twins->n_twins > 1 && igraph_ecount(&set->union_graph.graph) == 0)
        tg_warn(warnings, "every twin is isolated: the union graph has no edges, so graph features are trivial");
cleanup:
    /* Zeroed vectors (their init failed or never ran) must not reach igraph. */
    if (edges.stor_begin)
        igraph_vector_int_destroy(&edges);
    if (all_edges.stor_begin)
        igraph_vector_int_destroy(&all_edges);
    return st;
}

const igraph_t *tg_graph_undirected(const tg_layer_graph *layer)
{
    return layer->has_undirected_copy ? &layer->undirected_copy : &layer->graph;
}

static void layer_destroy(tg_layer_graph *layer)
{
    if (layer->has_graph)
        igraph_destroy(&layer->graph);
    if (layer->has_undirected_copy)
        igraph_destroy(&layer->undirected_copy);
    if (layer->has_weights && layer->weights.stor_begin)
        igraph_vector_destroy(&layer->weights);
    memset(layer, 0, sizeof *layer);
}

void tg_graph_destroy(tg_graph_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n_layers; i++)
        layer_destroy(&set->layers[i]);
    free(set->layers);
    layer_destroy(&set->union_graph);
    tg_spatial_free(set->spatial);
    memset(set, 0, sizeof *set);
}
