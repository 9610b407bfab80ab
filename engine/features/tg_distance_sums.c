/* tg_distance_sums.c - per-twin sums over shortest-path distances (harmonic, closeness) and k-hop ball sizes, on threads and MPI ranks. */
#include "tg_distance_sums.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tg_interrupt.h"
#include "tg_min_heap.h"

/* 256 twins a block: small enough that an interruption waits little and ranks share the work
 * evenly; the cut depends on the twin count only. */
#define TWINS_PER_BLOCK 256

typedef struct {
    double *dist;   /* -1 where not reached */
    int32_t *order; /* twins reached, in order */
    tg_min_heap heap;
} scratch;

static void scratch_free(scratch *s)
{
    free(s->dist);
    free(s->order);
    tg_min_heap_destroy(&s->heap);
}

static bool scratch_alloc(scratch *s, const tg_csr *g, bool weighted)
{
    memset(s, 0, sizeof *s);
    s->dist = malloc(((size_t)g->n + 1) * sizeof *s->dist);
    s->order = malloc(((size_t)g->n + 1) * sizeof *s->order);
    if (!s->dist || !s->order)
        return false;
    for (int32_t v = 0; v < g->n; v++)
        s->dist[v] = -1;
    return !weighted || tg_min_heap_init(&s->heap, g->n, s->dist);
}

/* Twins reached from root within limit (negative: any distance), root first, in the order
 * their distance became final; BFS in hops, or Dijkstra over weights. */
static int32_t search(const int64_t *start, const int32_t *adj, const double *w, double limit, int32_t root,
                      scratch *s)
{
    int32_t count = 0;
    s->dist[root] = 0;
    if (!w) {
        int32_t head = 0;
        s->order[count++] = root;
        while (head < count) {
            int32_t u = s->order[head++];
            if (limit >= 0 && s->dist[u] + 1 > limit)
                continue;
            for (int64_t k = start[u]; k < start[u + 1]; k++)
                if (s->dist[adj[k]] < 0) {
                    s->dist[adj[k]] = s->dist[u] + 1;
                    s->order[count++] = adj[k];
                }
        }
        return count;
    }
    tg_min_heap_push_or_decrease(&s->heap, root);
    while (s->heap.size > 0) {
        int32_t u = tg_min_heap_pop(&s->heap);
        if (limit >= 0 && s->dist[u] > limit) {
            s->dist[u] = -1; /* beyond the limit: not reached; nothing farther is either */
            while (s->heap.size > 0)
                s->dist[tg_min_heap_pop(&s->heap)] = -1;
            break;
        }
        s->order[count++] = u;
        for (int64_t k = start[u]; k < start[u + 1]; k++) {
            int32_t v = adj[k];
            double alt = s->dist[u] + w[k];
            if (s->dist[v] < 0 || (s->heap.pos[v] >= 0 && alt < s->dist[v])) {
                s->dist[v] = alt;
                tg_min_heap_push_or_decrease(&s->heap, v);
            }
        }
    }
    return count;
}

static void reset(scratch *s, int32_t count)
{
    for (int32_t i = 0; i < count; i++)
        s->dist[s->order[i]] = -1;
}

static bool distances_block(const tg_csr *g, const tg_kernel_args *args, tg_block_items items, double *out)
{
    bool towards = args->integer[0] != 0;
    const int64_t *start = towards ? g->in_start : g->out_start;
    const int32_t *adj = towards ? g->in_adj : g->out_adj;
    const double *w = towards ? g->in_w : g->out_w;
    scratch s;
    if (!scratch_alloc(&s, g, w != NULL)) {
        scratch_free(&s);
        return false;
    }
    for (int64_t j = 0; j < items.count && !(j % 64 == 0 && tg_interrupt_requested()); j++) {
        int32_t count = search(start, adj, w, args->real[0], (int32_t)tg_block_item(items, j), &s);
        double harmonic = 0, total = 0;
        for (int32_t i = 1; i < count; i++) {
            harmonic += 1.0 / s.dist[s.order[i]];
            total += s.dist[s.order[i]];
        }
        double *values = out + 3 * j;
        values[0] = harmonic;
        values[1] = count - 1;
        values[2] = total;
        reset(&s, count);
    }
    scratch_free(&s);
    return true;
}

static bool khop_block(const tg_csr *g, const tg_kernel_args *args, tg_block_items items, double *out)
{
    bool towards = args->integer[1] != 0;
    scratch s;
    if (!scratch_alloc(&s, g, false)) {
        scratch_free(&s);
        return false;
    }
    for (int64_t j = 0; j < items.count && !(j % 64 == 0 && tg_interrupt_requested()); j++) {
        int32_t count = search(towards ? g->in_start : g->out_start, towards ? g->in_adj : g->out_adj, NULL,
                               (double)args->integer[0], (int32_t)tg_block_item(items, j), &s);
        out[j] = count - 1;
        reset(&s, count);
    }
    scratch_free(&s);
    return true;
}

const tg_kernel tg_kernel_distances = {
    .name = "distance sums", .block = distances_block, .combine = TG_COMBINE_CONCAT, .width = 3};
const tg_kernel tg_kernel_khop = {
    .name = "k-hop neighbourhoods", .block = khop_block, .combine = TG_COMBINE_CONCAT, .width = 1};

/* The arrays for a direction: "both ways" is the undirected view; otherwise the graph as it is,
 * searched along in-edges (towards) or out-edges (away). */
static tg_status build(const igraph_t *graph, const igraph_vector_t *weights, tg_search_direction direction,
                       tg_csr *csr, int64_t *towards, tg_error *err)
{
    *towards = direction == TG_TOWARDS;
    return tg_csr_build(graph, weights, direction == TG_BOTH_WAYS ? TG_CSR_BOTH_WAYS : TG_CSR_AS_IS, csr, err);
}

static int64_t blocks_for(int32_t n)
{
    return ((int64_t)n + TWINS_PER_BLOCK - 1) / TWINS_PER_BLOCK;
}

tg_status tg_distance_sums(const igraph_t *graph, const igraph_vector_t *weights, tg_search_direction direction,
                           double cutoff, igraph_vector_t *harmonic, igraph_vector_t *closeness, tg_error *err)
{
    tg_csr csr;
    tg_kernel_args args = {.real = {cutoff}};
    double *values = NULL;
    tg_status st = build(graph, weights, direction, &csr, &args.integer[0], err);
    if (!st && !(values = malloc(3 * ((size_t)csr.n + 1) * sizeof *values)))
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory for distance sums");
    if (!st)
        st = tg_blocks_run(TG_KERNEL_DISTANCES, &csr, &args, csr.n, blocks_for(csr.n), values, err);
    for (int32_t v = 0; !st && v < csr.n; v++) {
        const double *x = values + 3 * (size_t)v;
        if (harmonic)
            VECTOR(*harmonic)[v] = x[0];
        if (closeness)
            VECTOR(*closeness)[v] = x[2] > 0 ? x[1] / x[2] : NAN;
    }
    free(values);
    tg_csr_destroy(&csr);
    return st;
}

tg_status tg_khop_sizes(const igraph_t *graph, tg_search_direction direction, int k, igraph_vector_int_t *sizes,
                        tg_error *err)
{
    tg_csr csr;
    tg_kernel_args args = {.integer = {k}};
    double *values = NULL;
    tg_status st = build(graph, NULL, direction, &csr, &args.integer[1], err);
    if (!st && !(values = malloc(((size_t)csr.n + 1) * sizeof *values)))
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory for k-hop sizes");
    if (!st)
        st = tg_blocks_run(TG_KERNEL_KHOP, &csr, &args, csr.n, blocks_for(csr.n), values, err);
    for (int32_t v = 0; !st && v < csr.n; v++)
        VECTOR(*sizes)[v] = (igraph_integer_t)values[v];
    free(values);
    tg_csr_destroy(&csr);
    return st;
}
