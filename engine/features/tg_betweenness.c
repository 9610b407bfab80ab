/* tg_betweenness.c - shortest-path betweenness: exact through igraph, or estimated within a guaranteed error by path sampling. */
#include "tg_betweenness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tg_igraph.h"
#include "tg_interrupt.h"
#include "tg_random.h"

/* Sources are cut into this many blocks (fewer on small graphs) whatever the threads or ranks:
 * enough to share among them, few enough that adding the blocks' sums (n values each) stays
 * cheap beside the O(n m) work. */
#define SOURCE_BLOCKS 256
/* Samples per block of the estimator. */
#define SAMPLES_PER_BLOCK 4096

tg_status tg_betweenness_exact(const tg_feature_input *in, bool normalized, tg_column *out, tg_error *err)
{
    /* Brandes' accumulation of our own (tg_brandes) over fixed blocks of sources, so that threads
     * and MPI ranks share it and the blocks' sums are added in the same order on any number of
     * them. Not igraph_betweenness_subset: wrong on undirected graphs in igraph 0.10.2 (igraph
     * issue #2359). Undirected results count each pair once. */
    tg_csr csr;
    tg_kernel_args args = {0};
    tg_status st = tg_csr_build(in->graph, in->weights, TG_CSR_AS_IS, &csr, err);
    if (!st)
        st = tg_blocks_run(TG_KERNEL_BRANDES, &csr, &args, csr.n, SOURCE_BLOCKS, VECTOR(out->real), err);
    tg_csr_destroy(&csr);
    if (st)
        return st;
    double n = (double)igraph_vcount(in->graph);
    double pairs = (n - 1) * (n - 2) / (in->directed ? 1.0 : 2.0);
    for (igraph_integer_t v = 0; v < igraph_vector_size(&out->real); v++) {
        if (!in->directed)
            VECTOR(out->real)[v] /= 2;
        if (normalized)
            VECTOR(out->real)[v] = pairs > 0 ? VECTOR(out->real)[v] / pairs : 0.0;
    }
    return TG_OK;
}

int64_t tg_betweenness_sample_count(double epsilon, double delta, int64_t vertex_diameter)
{
    if (vertex_diameter < 3)
        return 0;
    /* The constant c of the bound is taken as 1, as NetworKit's ApproxBetweenness does; Riondato
     * and Kornaropoulos state c ~ 0.5, so this is conservative. */
    double log_term = floor(log2((double)(vertex_diameter - 2))) + 1.0 + log(1.0 / delta);
    return (int64_t)ceil(log_term / (epsilon * epsilon));
}

/* --- a bound on the vertex diameter ----------------------------------------------------------- */

/* BFS from root over start/adj, visiting only twins whose group equals root's (all twins when
 * group is NULL); marks them in seen. Returns the eccentricity of root (in hops) and the number
 * of twins visited. queue and dist are scratch arrays of n entries; dist must be -1 everywhere
 * on entry and is restored. */
static void bfs_extent(const int64_t *start, const int32_t *adj, const igraph_integer_t *group, int32_t root,
                       int32_t *queue, int32_t *dist, uint8_t *seen, int64_t *eccentricity, int64_t *visited)
{
    int64_t head = 0, tail = 0;
    queue[tail++] = root;
    dist[root] = 0;
    if (seen)
        seen[root] = 1;
    while (head < tail) {
        int32_t u = queue[head++];
        for (int64_t i = start[u]; i < start[u + 1]; i++) {
            int32_t w = adj[i];
            if (dist[w] >= 0 || (group && group[w] != group[root]))
                continue;
            dist[w] = dist[u] + 1;
            if (seen)
                seen[w] = 1;
            queue[tail++] = w;
        }
    }
    *eccentricity = dist[queue[tail - 1]];
    *visited = tail;
    for (int64_t i = 0; i < tail; i++)
        dist[queue[i]] = -1;
}

/* Undirected: a component whose BFS from one twin reaches depth e has no shortest path of more
 * than 2e + 1 twins (nor more twins than it holds). */
static int64_t undirected_diameter_bound(const tg_csr *g, int32_t *queue, int32_t *dist, uint8_t *seen)
{
    int64_t bound = 0;
    for (int32_t r = 0; r < g->n; r++) {
        if (seen[r])
            continue;
        int64_t ecc, size;
        bfs_extent(g->out_start, g->out_adj, NULL, r, queue, dist, seen, &ecc, &size);
        int64_t b = 2 * ecc + 1 < size ? 2 * ecc + 1 : size;
        bound = b > bound ? b : bound;
    }
    return bound;
}

/* Directed: a shortest path crosses the strongly connected components in an order of their
 * condensation (a DAG), spending inside component c at most w(c) = min(|c|, ecc_in(r) +
 * ecc_out(r) + 1) twins for any r in c (it could go through r instead). The heaviest path of the
 * condensation bounds the vertex diameter. */
static tg_status directed_diameter_bound(const igraph_t *graph, const tg_csr *g, int32_t *queue, int32_t *dist,
                                         int64_t *bound, tg_error *err)
{
    igraph_vector_int_t membership = {0}, sizes = {0};
    igraph_integer_t count = 0;
    int64_t *weight = NULL, *best = NULL, *indeg = NULL, *cstart = NULL;
    int32_t *cadj = NULL, *order = NULL, *root = NULL;
    tg_status st = TG_OK;
    igraph_error_t rc;
    if ((rc = igraph_vector_int_init(&membership, 0)) || (rc = igraph_vector_int_init(&sizes, 0)) ||
        (rc = igraph_connected_components(graph, &membership, &sizes, &count, IGRAPH_STRONG))) {
        st = tg_igraph_error(err, rc, "find strongly connected components");
        goto cleanup;
    }
    size_t c_n = (size_t)count + 1;
    weight = calloc(c_n, sizeof *weight);
    best = calloc(c_n, sizeof *best);
    indeg = calloc(c_n, sizeof *indeg);
    cstart = calloc(c_n + 1, sizeof *cstart);
    order = malloc(c_n * sizeof *order);
    root = malloc(c_n * sizeof *root);
    cadj = malloc((size_t)(g->out_start[g->n] + 1) * sizeof *cadj);
    if (!weight || !best || !indeg || !cstart || !order || !root || !cadj) {
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory for the vertex-diameter bound");
        goto cleanup;
    }
    const igraph_integer_t *mem = VECTOR(membership);
    for (igraph_integer_t c = 0; c < count; c++)
        root[c] = -1;
    for (int32_t v = g->n - 1; v >= 0; v--)
        root[mem[v]] = v;
    for (igraph_integer_t c = 0; c < count; c++) {
        int64_t ecc_out, ecc_in, size;
        bfs_extent(g->out_start, g->out_adj, mem, root[c], queue, dist, NULL, &ecc_out, &size);
        bfs_extent(g->in_start, g->in_adj, mem, root[c], queue, dist, NULL, &ecc_in, &size);
        weight[c] = ecc_out + ecc_in + 1 < size ? ecc_out + ecc_in + 1 : size;
    }
    /* Condensation edges (duplicates kept: harmless), then Kahn's order and the heaviest path. */
    for (int32_t u = 0; u < g->n; u++)
        for (int64_t i = g->out_start[u]; i < g->out_start[u + 1]; i++)
            if (mem[g->out_adj[i]] != mem[u])
                cstart[mem[u] + 1]++;
    for (igraph_integer_t c = 0; c < count; c++)
        cstart[c + 1] += cstart[c];
    for (int32_t u = 0; u < g->n; u++)
        for (int64_t i = g->out_start[u]; i < g->out_start[u + 1]; i++)
            if (mem[g->out_adj[i]] != mem[u]) {
                cadj[cstart[mem[u]] + indeg[mem[u]]++] = (int32_t)mem[g->out_adj[i]];
            }
    memset(indeg, 0, c_n * sizeof *indeg);
    for (int64_t i = 0; i < cstart[count]; i++)
        indeg[cadj[i]]++;
    int64_t head = 0, tail = 0;
    for (igraph_integer_t c = 0; c < count; c++) {
        best[c] = weight[c];
        if (indeg[c] == 0)
            order[tail++] = (int32_t)c;
    }
    *bound = 0;
    while (head < tail) {
        int32_t c = order[head++];
        *bound = best[c] > *bound ? best[c] : *bound;
        for (int64_t i = cstart[c]; i < cstart[c + 1]; i++) {
            int32_t d = cadj[i];
            if (best[c] + weight[d] > best[d])
                best[d] = best[c] + weight[d];
            if (--indeg[d] == 0)
                order[tail++] = d;
        }
    }
cleanup:
    if (membership.stor_begin)
        igraph_vector_int_destroy(&membership);
    if (sizes.stor_begin)
        igraph_vector_int_destroy(&sizes);
    free(weight);
    free(best);
    free(indeg);
    free(cstart);
    free(cadj);
    free(order);
    free(root);
    return st;
}

/* --- sampling ----------------------------------------------------------------------------------- */

static int32_t next_below(uint64_t *state, int32_t k)
{
    int32_t r = (int32_t)(tg_random_unit(state) * k);
    return r < k ? r : k - 1;
}

/* One side of the bidirectional BFS: its visit order (levels are contiguous runs), distances,
 * path counts, and the adjacency it walks (out-edges from s, in-edges towards t). */
typedef struct {
    const int64_t *start;
    const int32_t *adj;
    int32_t *dist;
    double *sigma;
    int32_t *visit;
    int64_t n_visit, level_begin, level_end;
    int64_t frontier_edges; /* edges leaving the current level: the cost of expanding it */
    int32_t depth;
} bfs_side;

static void side_begin(bfs_side *side, int32_t root)
{
    side->visit[0] = root;
    side->n_visit = 1;
    side->level_begin = 0;
    side->level_end = 1;
    side->dist[root] = 0;
    side->sigma[root] = 1.0;
    side->depth = 0;
    side->frontier_edges = side->start[root + 1] - side->start[root];
}

static void side_reset(bfs_side *side)
{
    for (int64_t i = 0; i < side->n_visit; i++)
        side->dist[side->visit[i]] = -1;
}

/* Expands side's current level completely (so every path count of the next level is whole),
 * noting in meet the twins the other side has already reached. */
static void side_expand(bfs_side *side, const int32_t *other_dist, int32_t *meet, int64_t *n_meet)
{
    int32_t next_depth = side->depth + 1;
    int64_t edges = 0;
    for (int64_t i = side->level_begin; i < side->level_end; i++) {
        int32_t u = side->visit[i];
        for (int64_t k = side->start[u]; k < side->start[u + 1]; k++) {
            int32_t w = side->adj[k];
            if (side->dist[w] < 0) {
                side->dist[w] = next_depth;
                side->sigma[w] = side->sigma[u];
                side->visit[side->n_visit++] = w;
                edges += side->start[w + 1] - side->start[w];
                if (other_dist[w] >= 0)
                    meet[(*n_meet)++] = w;
            } else if (side->dist[w] == next_depth)
                side->sigma[w] += side->sigma[u];
        }
    }
    side->level_begin = side->level_end;
    side->level_end = side->n_visit;
    side->frontier_edges = edges;
    side->depth = next_depth;
}

/* From x, steps back towards side's root one level at a time, choosing each predecessor with
 * probability sigma(pred) / sigma(x): a uniform choice among the shortest paths. pred_start and
 * pred_adj list the twins one step closer to the root. Counts every twin passed, except the root. */
static void walk_back(const bfs_side *side, const int64_t *pred_start, const int32_t *pred_adj, int32_t x,
                      uint64_t *random, double *hits)
{
    while (side->dist[x] > 0) {
        double target = tg_random_unit(random) * side->sigma[x], sum = 0.0;
        int32_t chosen = -1;
        for (int64_t k = pred_start[x]; k < pred_start[x + 1]; k++) {
            int32_t y = pred_adj[k];
            if (side->dist[y] != side->dist[x] - 1)
                continue;
            chosen = y;
            sum += side->sigma[y];
            if (target < sum)
                break;
        }
        x = chosen; /* the last candidate when rounding left target past the sum */
        if (side->dist[x] > 0)
            hits[x]++;
    }
}

/* One sample: a uniform pair (s, t), s != t, and a uniformly chosen shortest s-t path whose inner
 * twins get a hit. A pair with no path adds nothing. */
static void sample_path(const tg_csr *g, bfs_side *fw, bfs_side *bw, int32_t *meet, uint64_t *random,
                        double *hits)
{
    int32_t s = next_below(random, g->n), t = next_below(random, g->n - 1);
    if (t >= s)
        t++;
    side_begin(fw, s);
    side_begin(bw, t);
    int64_t n_meet = 0;
    /* Expand the side whose next level costs less; stop after the level where the sides meet.
     * At that point every shortest path crosses exactly one meeting twin. */
    while (n_meet == 0 && fw->level_begin < fw->level_end && bw->level_begin < bw->level_end) {
        if (fw->frontier_edges <= bw->frontier_edges)
            side_expand(fw, bw->dist, meet, &n_meet);
        else
            side_expand(bw, fw->dist, meet, &n_meet);
    }
    if (n_meet > 0) {
        double total = 0.0;
        for (int64_t i = 0; i < n_meet; i++)
            total += fw->sigma[meet[i]] * bw->sigma[meet[i]];
        double target = tg_random_unit(random) * total, sum = 0.0;
        int32_t w = meet[n_meet - 1];
        for (int64_t i = 0; i < n_meet; i++) {
            sum += fw->sigma[meet[i]] * bw->sigma[meet[i]];
            if (target < sum) {
                w = meet[i];
                break;
            }
        }
        if (w != s && w != t)
            hits[w]++;
        /* Towards s the predecessors are in-neighbours; towards t, out-neighbours. */
        walk_back(fw, g->in_start, g->in_adj, w, random, hits);
        walk_back(bw, g->out_start, g->out_adj, w, random, hits);
    }
    side_reset(fw);
    side_reset(bw);
}

/* Scratch of one block of samples. */
typedef struct {
    int32_t *dist_s, *dist_t, *visit_s, *visit_t, *meet;
    double *sigma_s, *sigma_t;
} sample_scratch;

static void sample_scratch_free(sample_scratch *s)
{
    free(s->dist_s);
    free(s->dist_t);
    free(s->visit_s);
    free(s->visit_t);
    free(s->meet);
    free(s->sigma_s);
    free(s->sigma_t);
}

/* The block's samples, each from its own random stream (keyed by the seed and the sample's
 * number), so the hits do not depend on how samples are dealt to threads or ranks. Hits are
 * whole numbers below 2^53: their sums are exact in any order. */
static bool path_samples_block(const tg_csr *g, const tg_kernel_args *args, tg_block_items items, double *hits)
{
    size_t size = (size_t)g->n + 1;
    sample_scratch s = {
        .dist_s = malloc(size * sizeof *s.dist_s), .dist_t = malloc(size * sizeof *s.dist_t),
        .visit_s = malloc(size * sizeof *s.visit_s), .visit_t = malloc(size * sizeof *s.visit_t),
        .meet = malloc(size * sizeof *s.meet), .sigma_s = malloc(size * sizeof *s.sigma_s),
        .sigma_t = malloc(size * sizeof *s.sigma_t)};
    bool ok = s.dist_s && s.dist_t && s.visit_s && s.visit_t && s.meet && s.sigma_s && s.sigma_t;
    if (ok) {
        for (int32_t v = 0; v < g->n; v++)
            s.dist_s[v] = s.dist_t[v] = -1;
        bfs_side fw = {g->out_start, g->out_adj, s.dist_s, s.sigma_s, s.visit_s, 0, 0, 0, 0, 0};
        bfs_side bw = {g->in_start, g->in_adj, s.dist_t, s.sigma_t, s.visit_t, 0, 0, 0, 0, 0};
        for (int64_t j = 0; j < items.count; j++) {
            /* A sample can be a BFS over a long path; the check reads one flag. */
            if (tg_interrupt_requested())
                break;
            int64_t i = tg_block_item(items, j);
            uint64_t random = args->seed ^ ((uint64_t)i * 0xD1B54A32D192ED03ULL);
            tg_random_next(&random);
            sample_path(g, &fw, &bw, s.meet, &random, hits);
        }
    }
    sample_scratch_free(&s);
    return ok;
}

const tg_kernel tg_kernel_path_samples = {
    .name = "betweenness (path samples)", .block = path_samples_block, .combine = TG_COMBINE_SUM, .width = 1};

tg_status tg_betweenness_estimate(const tg_feature_input *in, double epsilon, double delta, tg_column *out,
                                  tg_error *err)
{
    tg_csr g = {0};
    int32_t *queue = NULL, *dist = NULL;
    uint8_t *seen = NULL;
    igraph_integer_t n = igraph_vcount(in->graph);
    tg_status st = TG_OK;
    for (igraph_integer_t v = 0; v < n; v++)
        VECTOR(out->real)[v] = 0.0;
    json_object_set_new(in->details, "epsilon", json_real(epsilon));
    json_object_set_new(in->details, "delta", json_real(delta));
    if (n <= 2) {
        json_object_set_new(in->details, "samples", json_integer(0));
        return TG_OK;
    }
    if ((st = tg_csr_build(in->graph, NULL, TG_CSR_AS_IS, &g, err)))
        goto cleanup;
    size_t size = (size_t)n;
    queue = malloc(size * sizeof *queue);
    dist = malloc(size * sizeof *dist);
    seen = calloc(size, sizeof *seen);
    if (!queue || !dist || !seen) {
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory for the betweenness estimator");
        goto cleanup;
    }
    for (igraph_integer_t v = 0; v < n; v++)
        dist[v] = -1;

    int64_t diameter = 0;
    if (in->directed) {
        if ((st = directed_diameter_bound(in->graph, &g, queue, dist, &diameter, err)))
            goto cleanup;
    } else
        diameter = undirected_diameter_bound(&g, queue, dist, seen);
    /* The bound holds on the n(n-1) normalisation; networkx's is n/(n-2) times larger, so the
     * estimator runs with epsilon scaled down by that factor. */
    double scale = (double)n / (double)(n - 2);
    int64_t samples = tg_betweenness_sample_count(epsilon / scale, delta, diameter);
    json_object_set_new(in->details, "samples", json_integer((json_int_t)samples));
    json_object_set_new(in->details, "vertex_diameter_bound", json_integer((json_int_t)diameter));
    if (samples >= UINT32_MAX) {
        st = tg_error_set(err, TG_ERR_INPUT, "epsilon %g needs %lld samples, more than the estimator counts", epsilon,
                          (long long)samples);
        goto cleanup;
    }
    tg_kernel_args args = {.seed = in->seed};
    if ((st = tg_blocks_run(TG_KERNEL_PATH_SAMPLES, &g, &args, samples,
                            (samples + SAMPLES_PER_BLOCK - 1) / SAMPLES_PER_BLOCK, VECTOR(out->real), err)))
        goto cleanup;
    for (igraph_integer_t v = 0; v < n; v++)
        VECTOR(out->real)[v] = samples > 0 ? VECTOR(out->real)[v] / (double)samples * scale : 0.0;
cleanup:
    tg_csr_destroy(&g);
    free(queue);
    free(dist);
    free(seen);
    return st;
}
