/* tg_graph.c - edge lists from twins per layer, igraph graphs, simplification and undirected views. */
#include "tg_graph.h"

#include <stdlib.h>
#include <string.h>

#include "tg_igraph.h"

static tg_status push_edge(igraph_vector_int_t *edges, igraph_integer_t from, igraph_integer_t to,
                           tg_error *err)
{
    igraph_error_t rc = igraph_vector_int_push_back(edges, from);
    if (rc == IGRAPH_SUCCESS)
        rc = igraph_vector_int_push_back(edges, to);
    return rc == IGRAPH_SUCCESS ? TG_OK : tg_igraph_error(err, rc, "collect edges");
}

/* Appends the edges of one layer to edges. */
static tg_status layer_edges(const tg_layer_spec *layer, const tg_twins *twins,
                             igraph_vector_int_t *edges, tg_error *err)
{
    tg_status st = TG_OK;
    if (layer->type == TG_LAYER_HIERARCHY) {
        for (igraph_integer_t v = 0; v < twins->n_twins && !st; v++)
            if (twins->parent[v] >= 0)
                st = push_edge(edges, twins->parent[v], v, err);
        return st;
    }
    /* keep[k]: whether interned kind k belongs to this layer. */
    bool *keep = calloc(twins->n_kinds + 1, sizeof *keep);
    if (!keep)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory building layer \"%s\"", layer->name);
    for (size_t k = 0; k < twins->n_kinds; k++) {
        keep[k] = layer->kinds == NULL;
        for (size_t j = 0; j < layer->n_kinds; j++)
            if (strcmp(twins->kinds[k], layer->kinds[j]) == 0)
                keep[k] = true;
    }
    for (igraph_integer_t e = 0; e < twins->n_relationships && !st; e++)
        if (keep[twins->rel_kind[e]])
            st = push_edge(edges, twins->rel_source[e], twins->rel_target[e], err);
    free(keep);
    return st;
}

static tg_status make_graph(tg_layer_graph *out, const igraph_vector_int_t *edges, igraph_integer_t n,
                            const tg_spec *spec, tg_error *err)
{
    igraph_error_t rc = igraph_create(&out->graph, edges, n, spec->directed);
    if (rc != IGRAPH_SUCCESS)
        return tg_igraph_error(err, rc, "create graph");
    out->has_graph = true;
    out->input_edges = igraph_vector_int_size(edges) / 2;
    if (spec->simplify && (rc = igraph_simplify(&out->graph, true, true, NULL)) != IGRAPH_SUCCESS)
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

tg_status tg_graph_build(const tg_spec *spec, const tg_twins *twins, tg_graph_set *set, tg_error *err)
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
        igraph_vector_int_clear(&edges);
        if ((st = layer_edges(&spec->layers[i], twins, &edges, err)) ||
            (st = make_graph(&set->layers[i], &edges, twins->n_twins, spec, err)))
            goto cleanup;
        if ((rc = igraph_vector_int_append(&all_edges, &edges)) != IGRAPH_SUCCESS) {
            st = tg_igraph_error(err, rc, "collect edges");
            goto cleanup;
        }
    }
    st = make_graph(&set->union_graph, &all_edges, twins->n_twins, spec, err);
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
