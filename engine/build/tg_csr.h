/* tg_csr.h - a layer graph as plain adjacency arrays, for the engine's own loops on threads and MPI ranks. */
#ifndef TG_CSR_H
#define TG_CSR_H

#include <stdbool.h>
#include <stdint.h>

#include <igraph.h>

#include "tg_error.h"

/* Compressed adjacency: the out-neighbours of u are out_adj[out_start[u] .. out_start[u + 1]),
 * with weights out_w[...] when the graph is weighted (NULL otherwise); in_* list in-neighbours.
 * On an undirected graph in_* are the same arrays as out_*. Self-loops are dropped (they lie on
 * no path that matters to these loops); parallel edges stay, so shortest-path counts match
 * igraph's. Plain arrays rather than igraph_adjlist because the loops run on threads (igraph is
 * not thread-safe) and on other MPI ranks, which receive the arrays as they are. */
typedef struct {
    int32_t n;
    bool directed;
    int64_t *out_start, *in_start; /* n + 1 offsets */
    int32_t *out_adj, *in_adj;
    double *out_w, *in_w;
} tg_csr;

/* How the arrays are filled from a directed igraph graph: as it is, or with every edge usable
 * both ways (an undirected view, for "direction": "all"). Undirected graphs are always both. */
typedef enum { TG_CSR_AS_IS, TG_CSR_BOTH_WAYS } tg_csr_view;

/* Fills csr from graph and, when weights is not NULL, one weight per edge of graph. Fewer than
 * 2^31 twins. Release with tg_csr_destroy whatever the result. */
tg_status tg_csr_build(const igraph_t *graph, const igraph_vector_t *weights, tg_csr_view view, tg_csr *csr,
                       tg_error *err);

/* Entries of the out-adjacency (each undirected edge counts twice). */
int64_t tg_csr_entries(const tg_csr *csr);

/* Frees the arrays. Accepts a zeroed or partly built csr. */
void tg_csr_destroy(tg_csr *csr);

#endif
