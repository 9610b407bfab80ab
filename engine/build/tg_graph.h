/* tg_graph.h - the build stage: one igraph graph per layer of the job, and their union, over the set of all twins. */
#ifndef TG_GRAPH_H
#define TG_GRAPH_H

#include <stdbool.h>

#include <igraph.h>

#include "tg_error.h"
#include "tg_spatial.h"
#include "tg_spec.h"
#include "tg_twins.h"
#include "tg_warnings.h"

/* A graph with vertex v = twin v, and the simple undirected view some features need. */
typedef struct {
    igraph_t graph;
    igraph_t undirected_copy;       /* built only when graph is directed or not simple */
    bool has_undirected_copy;
    bool has_graph;
    igraph_vector_t weights;        /* one per edge of graph when has_weights */
    bool has_weights;
    igraph_integer_t input_edges;   /* edges before simplification */
} tg_layer_graph;

typedef struct {
    size_t n_layers;
    tg_layer_graph *layers;         /* one per spec layer, in spec order */
    tg_layer_graph union_graph;     /* the union of all layers */
    tg_spatial *spatial;            /* the located twins' spatial index and its neighbour lists, shared
                                       by spatial layers and geo features; NULL unless the job reads
                                       coordinates */
} tg_graph_set;

/* Builds every layer (its edges come from the layer's kind) and the union, and, when the job
 * reads coordinates, the spatial index (planned for the largest k any layer or feature asks). Unless
 * spec->simplify is false, self-loops are dropped and parallel edges merged in each graph; a
 * weighted layer merges the weights of parallel edges by its rule (min, max, sum). The union
 * is unweighted. A layer without edges, and a union where every twin is isolated, are warned
 * about. set is filled here; release it with tg_graph_destroy whatever the result.
 * Time: O(|V| + |E| log |E|) per layer (simplification sorts). */
tg_status tg_graph_build(const tg_spec *spec, const tg_twins *twins, tg_graph_set *set, tg_warnings *warnings,
                         tg_error *err);

/* The layer's simple undirected view (borrowed): the graph itself when it is undirected and
 * simplified, else the collapsed copy. */
const igraph_t *tg_graph_undirected(const tg_layer_graph *layer);

/* Frees all graphs. Accepts a zeroed or partly built set. */
void tg_graph_destroy(tg_graph_set *set);

#endif
