/* tg_csr.c - a layer graph as plain adjacency arrays, for the engine's own loops on threads and MPI ranks. */
#include "tg_csr.h"

#include <stdlib.h>
#include <string.h>

static tg_status fill(const igraph_t *graph, const igraph_vector_t *weights, bool reverse, bool both,
                      int64_t **start_out, int32_t **adj_out, double **w_out, tg_error *err)
{
    igraph_integer_t n = igraph_vcount(graph), m = igraph_ecount(graph);
    size_t entries = (size_t)(both ? 2 * m : m) + 1;
    int64_t *start = calloc((size_t)n + 1, sizeof *start);
    int64_t *next = malloc(((size_t)n + 1) * sizeof *next);
    int32_t *adj = malloc(entries * sizeof *adj);
    double *w = weights ? malloc(entries * sizeof *w) : NULL;
    *start_out = start;
    *adj_out = adj;
    *w_out = w;
    if (!start || !next || !adj || (weights && !w)) {
        free(next);
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory for a graph's adjacency arrays (%lld edges)",
                            (long long)m);
    }
    for (igraph_integer_t e = 0; e < m; e++) {
        igraph_integer_t a = IGRAPH_FROM(graph, e), b = IGRAPH_TO(graph, e);
        if (a == b)
            continue;
        start[(reverse ? b : a) + 1]++;
        if (both)
            start[(reverse ? a : b) + 1]++;
    }
    for (igraph_integer_t v = 0; v < n; v++)
        start[v + 1] += start[v];
    memcpy(next, start, ((size_t)n + 1) * sizeof *next);
    for (igraph_integer_t e = 0; e < m; e++) {
        igraph_integer_t a = IGRAPH_FROM(graph, e), b = IGRAPH_TO(graph, e);
        if (a == b)
            continue;
        igraph_integer_t from = reverse ? b : a, to = reverse ? a : b;
        int64_t k = next[from]++;
        adj[k] = (int32_t)to;
        if (w)
            w[k] = VECTOR(*weights)[e];
        if (both) {
            k = next[to]++;
            adj[k] = (int32_t)from;
            if (w)
                w[k] = VECTOR(*weights)[e];
        }
    }
    free(next);
    return TG_OK;
}

tg_status tg_csr_build(const igraph_t *graph, const igraph_vector_t *weights, tg_csr_view view, tg_csr *csr,
                       tg_error *err)
{
    memset(csr, 0, sizeof *csr);
    if (igraph_vcount(graph) >= INT32_MAX)
        return tg_error_set(err, TG_ERR_INPUT, "the engine's own graph loops handle fewer than 2^31 twins");
    csr->n = (int32_t)igraph_vcount(graph);
    csr->directed = igraph_is_directed(graph) && view == TG_CSR_AS_IS;
    tg_status st = fill(graph, weights, false, !csr->directed, &csr->out_start, &csr->out_adj, &csr->out_w, err);
    if (st || !csr->directed) {
        csr->in_start = csr->out_start;
        csr->in_adj = csr->out_adj;
        csr->in_w = csr->out_w;
        return st;
    }
    return fill(graph, weights, true, false, &csr->in_start, &csr->in_adj, &csr->in_w, err);
}

int64_t tg_csr_entries(const tg_csr *csr)
{
    return csr->out_start ? csr->out_start[csr->n] : 0;
}

void tg_csr_destroy(tg_csr *csr)
{
    if (csr->in_start != csr->out_start) {
        free(csr->in_start);
        free(csr->in_adj);
        free(csr->in_w);
    }
    free(csr->out_start);
    free(csr->out_adj);
    free(csr->out_w);
    memset(csr, 0, sizeof *csr);
}
