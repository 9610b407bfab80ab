/* tg_brandes.c - exact betweenness by Brandes' accumulation, one block of sources at a time, on threads and MPI ranks. */
#include "tg_brandes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tg_interrupt.h"
#include "tg_min_heap.h"

int tg_brandes_compare(double a, double b)
{
    if (a == b)
        return 0;
    double sum = fabs(a) + fabs(b);
    if (isfinite(sum) && sum > 0 && fabs(a - b) / sum < 1e-10)
        return 0;
    return a < b ? -1 : 1;
}

typedef struct {
    double *dist;   /* -1 where not reached */
    double *sigma;  /* shortest paths from the source */
    double *delta;  /* dependency of the source on the twin */
    int32_t *order; /* twins in the order their distance became final */
    tg_min_heap heap;
} scratch;

static void scratch_free(scratch *s)
{
    free(s->dist);
    free(s->sigma);
    free(s->delta);
    free(s->order);
    tg_min_heap_destroy(&s->heap);
}

static bool scratch_alloc(scratch *s, const tg_csr *g)
{
    size_t n = (size_t)g->n + 1;
    memset(s, 0, sizeof *s);
    s->dist = malloc(n * sizeof *s->dist);
    s->sigma = malloc(n * sizeof *s->sigma);
    s->delta = calloc(n, sizeof *s->delta);
    s->order = malloc(n * sizeof *s->order);
    if (!s->dist || !s->sigma || !s->delta || !s->order)
        return false;
    for (int32_t v = 0; v < g->n; v++)
        s->dist[v] = -1;
    return !g->out_w || tg_min_heap_init(&s->heap, g->n, s->dist);
}

/* Unweighted: BFS, counting paths per adjacency entry (parallel edges are distinct paths). */
static int32_t forward_bfs(const tg_csr *g, scratch *s, int32_t source)
{
    int32_t count = 0, head = 0;
    s->order[count++] = source;
    s->dist[source] = 0;
    s->sigma[source] = 1;
    while (head < count) {
        int32_t u = s->order[head++];
        for (int64_t k = g->out_start[u]; k < g->out_start[u + 1]; k++) {
            int32_t w = g->out_adj[k];
            if (s->dist[w] < 0) {
                s->dist[w] = s->dist[u] + 1;
                s->sigma[w] = 0;
                s->order[count++] = w;
            }
            if (s->dist[w] == s->dist[u] + 1)
                s->sigma[w] += s->sigma[u];
        }
    }
    return count;
}

/* Weighted: Dijkstra; a path as long as the best within 1e-10 adds its count. */
static int32_t forward_dijkstra(const tg_csr *g, scratch *s, int32_t source)
{
    int32_t count = 0;
    s->dist[source] = 0;
    s->sigma[source] = 1;
    tg_min_heap_push_or_decrease(&s->heap, source);
    while (s->heap.size > 0) {
        int32_t u = tg_min_heap_pop(&s->heap);
        s->order[count++] = u;
        for (int64_t k = g->out_start[u]; k < g->out_start[u + 1]; k++) {
            int32_t w = g->out_adj[k];
            double alt = s->dist[u] + g->out_w[k];
            int cmp = s->dist[w] < 0 ? -1 : tg_brandes_compare(alt, s->dist[w]);
            if (cmp < 0 && (s->dist[w] < 0 || s->heap.pos[w] >= 0)) {
                s->dist[w] = alt;
                s->sigma[w] = s->sigma[u];
                tg_min_heap_push_or_decrease(&s->heap, w);
            } else if (cmp == 0 && s->heap.pos[w] >= 0) {
                s->sigma[w] += s->sigma[u];
            }
        }
    }
    return count;
}

/* Walks the twins back from the farthest: each passes its dependency to its predecessors on
 * shortest paths (in-neighbours one step closer), then adds it to its betweenness. */
static void accumulate(const tg_csr *g, scratch *s, int32_t count, double *out)
{
    for (int32_t i = count - 1; i > 0; i--) {
        int32_t w = s->order[i];
        double share = (1.0 + s->delta[w]) / s->sigma[w];
        for (int64_t k = g->in_start[w]; k < g->in_start[w + 1]; k++) {
            int32_t v = g->in_adj[k];
            if (s->dist[v] < 0)
                continue;
            bool before = g->in_w ? tg_brandes_compare(s->dist[v] + g->in_w[k], s->dist[w]) == 0
                                  : s->dist[v] == s->dist[w] - 1;
            if (before)
                s->delta[v] += s->sigma[v] * share;
        }
        out[w] += s->delta[w];
    }
    for (int32_t i = 0; i < count; i++) {
        s->dist[s->order[i]] = -1;
        s->delta[s->order[i]] = 0;
    }
}

static bool brandes_block(const tg_csr *g, const tg_kernel_args *args, tg_block_items items, double *out)
{
    (void)args;
    scratch s;
    if (!scratch_alloc(&s, g)) {
        scratch_free(&s);
        return false;
    }
    for (int64_t j = 0; j < items.count; j++) {
        if (j % 16 == 0 && tg_interrupt_requested())
            break;
        int64_t source = tg_block_item(items, j);
        int32_t count = g->out_w ? forward_dijkstra(g, &s, (int32_t)source) : forward_bfs(g, &s, (int32_t)source);
        accumulate(g, &s, count, out);
    }
    scratch_free(&s);
    return true;
}

const tg_kernel tg_kernel_brandes = {
    .name = "betweenness (Brandes)", .block = brandes_block, .combine = TG_COMBINE_SUM, .width = 1};
