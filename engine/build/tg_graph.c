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

static int compare_edges(const void *a, const void *b)
{
    const weighted_edge *x = a, *y = b;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    return x->to < y->to ? -1 : x->to > y->to;
}

/* Drops self-loops and merges parallel edges of a weighted layer, combining their weights by
 * the layer's rule. By hand because igraph_simplify combines edge attributes only through the
 * attribute handler, which the C library leaves unset. Undirected edges are put as (low, high)
 * first, so both directions merge. Time: O(E log E). */
static tg_status merge_weighted(const tg_layer_spec *layer, bool directed, igraph_vector_int_t *edges,
                                igraph_vector_t *weights, tg_error *err)
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
    qsort(list, (size_t)kept, sizeof *list, compare_edges);
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
        if ((st = layer->kind->collect_edges(layer, twins, &edges, weights, warnings, err)))
            goto cleanup;
        igraph_integer_t input_edges = igraph_vector_int_size(&edges) / 2;
        if ((rc = igraph_vector_int_append(&all_edges, &edges)) != IGRAPH_SUCCESS) {
            st = tg_igraph_error(err, rc, "collect edges");
            goto cleanup;
        }
        if ((weights && spec->simplify && (st = merge_weighted(layer, spec->directed, &edges, weights, err))) ||
            (st = make_graph(built, &edges, input_edges, twins->n_twins, spec, err)))
            goto cleanup;
        if (input_edges == 0)
            tg_warn(warnings, "layer \"%s\" has no edges%s", layer->name,
                    layer->kind->reads_relationships ? " (no relationship of its kinds)" : " (no twin has a parent)");
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
    memset(set, 0, sizeof *set);
}
