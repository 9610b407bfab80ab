/* tg_influence.c - the influence feature family: who depends on whom along directed relationship kinds (exact reach) and how far a cascade spreads (independent cascade, reverse-influence sampling). */
#include "tg_influence.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_interrupt.h"
#include "tg_threads.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Parameter indexes, in the order of the registry entries below. */
enum { REACH_KINDS };
enum { IC_KINDS, IC_P, IC_EPSILON, IC_DELTA };
enum { TOP_KINDS, TOP_K, TOP_P, TOP_EPSILON, TOP_ELL };
/* Columns of reach. */
enum { DOWNSTREAM, UPSTREAM, LEAVES, DEPTH };

/* The relationships of the named kinds as a directed graph, both ways, in compressed rows.
 * Self-loops are left out (a twin does not depend on itself); parallel relationships stay (in a
 * cascade each is a chance of its own). */
typedef struct {
    igraph_integer_t n, m;
    igraph_integer_t *out_start, *out_target; /* n + 1, m */
    igraph_integer_t *in_start, *in_source;   /* n + 1, m */
} kind_graph;

static void kind_graph_destroy(kind_graph *g)
{
    free(g->out_start);
    free(g->out_target);
    free(g->in_start);
    free(g->in_source);
    memset(g, 0, sizeof *g);
}

static tg_status kind_graph_build(const tg_twins *twins, const tg_param_value *kinds, kind_graph *g, tg_error *err)
{
    memset(g, 0, sizeof *g);
    igraph_integer_t n = twins->n_twins;
    bool *keep = calloc(twins->n_kinds + 1, sizeof *keep);
    g->n = n;
    g->out_start = calloc((size_t)n + 1, sizeof *g->out_start);
    g->in_start = calloc((size_t)n + 1, sizeof *g->in_start);
    if (!keep || !g->out_start || !g->in_start)
        goto no_memory;
    for (size_t k = 0; k < twins->n_kinds; k++)
        for (size_t i = 0; i < kinds->count; i++)
            keep[k] |= strcmp(twins->kinds[k], kinds->names[i]) == 0;
    for (igraph_integer_t e = 0; e < twins->n_relationships; e++) {
        igraph_integer_t s = twins->rel_source[e], t = twins->rel_target[e];
        if (!keep[twins->rel_kind[e]] || s == t)
            continue;
        g->out_start[s + 1]++;
        g->in_start[t + 1]++;
        g->m++;
    }
    for (igraph_integer_t v = 0; v < n; v++) {
        g->out_start[v + 1] += g->out_start[v];
        g->in_start[v + 1] += g->in_start[v];
    }
    g->out_target = malloc(((size_t)g->m + 1) * sizeof *g->out_target);
    g->in_source = malloc(((size_t)g->m + 1) * sizeof *g->in_source);
    igraph_integer_t *out_fill = malloc(((size_t)n + 1) * sizeof *out_fill);
    igraph_integer_t *in_fill = malloc(((size_t)n + 1) * sizeof *in_fill);
    if (!g->out_target || !g->in_source || !out_fill || !in_fill) {
        free(out_fill);
        free(in_fill);
        goto no_memory;
    }
    memcpy(out_fill, g->out_start, (size_t)n * sizeof *out_fill);
    memcpy(in_fill, g->in_start, (size_t)n * sizeof *in_fill);
    for (igraph_integer_t e = 0; e < twins->n_relationships; e++) {
        igraph_integer_t s = twins->rel_source[e], t = twins->rel_target[e];
        if (!keep[twins->rel_kind[e]] || s == t)
            continue;
        g->out_target[out_fill[s]++] = t;
        g->in_source[in_fill[t]++] = s;
    }
    free(out_fill);
    free(in_fill);
    free(keep);
    return TG_OK;
no_memory:
    free(keep);
    kind_graph_destroy(g);
    return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
}

/* One breadth-first search from source along start/next, marking with stamp. Returns how many
 * twins it reached besides the source; *leaves counts those without an outgoing relationship
 * (when out_start is given) and *depth the largest distance. By hand rather than with
 * igraph_bfs: one pass gives the three numbers, and the stamp array is reused by every search,
 * so a search costs what it reaches, not the graph's size. */
static igraph_integer_t search(const igraph_integer_t *start, const igraph_integer_t *next,
                               const igraph_integer_t *out_start, igraph_integer_t source, igraph_integer_t stamp,
                               igraph_integer_t *mark, igraph_integer_t *queue, igraph_integer_t *dist,
                               igraph_integer_t *leaves, igraph_integer_t *depth)
{
    igraph_integer_t head = 0, tail = 0;
    *leaves = 0;
    *depth = 0;
    mark[source] = stamp;
    dist[source] = 0;
    queue[tail++] = source;
    while (head < tail) {
        igraph_integer_t v = queue[head++];
        for (igraph_integer_t i = start[v]; i < start[v + 1]; i++) {
            igraph_integer_t w = next[i];
            if (mark[w] == stamp)
                continue;
            mark[w] = stamp;
            dist[w] = dist[v] + 1;
            if (dist[w] > *depth)
                *depth = dist[w];
            if (out_start && out_start[w] == out_start[w + 1])
                (*leaves)++;
            queue[tail++] = w;
        }
    }
    return tail - 1;
}

/* A worker's scratch: a stamp, queue and distance per twin. */
typedef struct {
    igraph_integer_t *mark, *queue, *dist;
    bool failed;
} scratch;

static void scratch_destroy(scratch *w)
{
    free(w->mark);
    free(w->queue);
    free(w->dist);
}

static bool scratch_init(scratch *w, igraph_integer_t n)
{
    w->mark = malloc(((size_t)n + 1) * sizeof *w->mark);
    w->queue = malloc(((size_t)n + 1) * sizeof *w->queue);
    w->dist = malloc(((size_t)n + 1) * sizeof *w->dist);
    if (!w->mark || !w->queue || !w->dist)
        return false;
    for (igraph_integer_t v = 0; v < n; v++)
        w->mark[v] = -1;
    return true;
}

typedef struct {
    const kind_graph *g;
    igraph_integer_t *down, *up, *leaves, *depth;
    int n_blocks;
    scratch workers[TG_MAX_THREADS];
} reach_job;

/* Twins block, block + n_blocks, ...: interleaved, so long searches spread over the workers.
 * Each twin's values are its own, so the results do not depend on the thread count. */
static void reach_block(void *context, int block)
{
    reach_job *job = context;
    scratch *w = &job->workers[block];
    const kind_graph *g = job->g;
    if (!scratch_init(w, g->n)) {
        w->failed = true;
        return;
    }
    for (igraph_integer_t v = block, i = 0; v < g->n; v += job->n_blocks, i++) {
        if ((i & 255) == 0 && tg_interrupt_requested())
            return;
        igraph_integer_t ignored_leaves, ignored_depth;
        job->down[v] = search(g->out_start, g->out_target, g->out_start, v, 2 * v, w->mark, w->queue, w->dist,
                              &job->leaves[v], &job->depth[v]);
        if (job->up)
            job->up[v] = search(g->in_start, g->in_source, NULL, v, 2 * v + 1, w->mark, w->queue, w->dist,
                                &ignored_leaves, &ignored_depth);
    }
}

/* Every twin's downstream reach, leaves and depth, and upstream reach: one search each way per
 * twin, on the job's threads. */
static tg_status reach_all(const kind_graph *g, igraph_integer_t *down, igraph_integer_t *up,
                           igraph_integer_t *leaves, igraph_integer_t *depth, tg_error *err)
{
    reach_job job = {.g = g, .down = down, .up = up, .leaves = leaves, .depth = depth,
                     .n_blocks = tg_thread_count()};
    tg_threads_run(job.n_blocks, reach_block, &job);
    tg_status st = tg_interrupt_check("while computing reach", err);
    for (int b = 0; b < job.n_blocks; b++) {
        if (!st && job.workers[b].failed)
            st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        scratch_destroy(&job.workers[b]);
    }
    return st;
}

static tg_status compute_reach(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    kind_graph g;
    tg_status st = kind_graph_build(in->twins, &in->params[REACH_KINDS], &g, err);
    if (st)
        return st;
    st = reach_all(&g, VECTOR(out[DOWNSTREAM]->integer), VECTOR(out[UPSTREAM]->integer),
                   VECTOR(out[LEAVES]->integer), VECTOR(out[DEPTH]->integer), err);
    json_object_set_new(in->details, "relationships", json_integer(g.m));
    kind_graph_destroy(&g);
    return st;
}

/* splitmix64 (Steele, Lea, Flood 2014): a tiny generator with a state of its own per sample.
 * By hand because igraph's generator is one global stream; per-sample streams make the
 * estimates the same whatever order or thread draws the samples. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1) with 53 random bits. */
static double next_unit(uint64_t *state)
{
    return (double)(next_random(state) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n) without modulo bias (rejection of the last partial block). */
static igraph_integer_t next_below(uint64_t *state, igraph_integer_t n)
{
    uint64_t bound = (uint64_t)n, limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t r;
    do
        r = next_random(state);
    while (r >= limit);
    return (igraph_integer_t)(r % bound);
}

/* The number of reverse-reachable sets for the guarantee: each estimate 1 + n·X̄ of a twin's
 * expected spread σ(v) is within ε·n of it, for all n twins at once, with probability ≥ 1 − δ.
 * Derivation: for a uniformly random target t and a random live-edge graph, the twins that reach
 * t form the reverse-reachable set R, and P(v ∈ R) = σ(v)/n (Borgs et al. 2014); v = t has
 * probability 1/n, so P(v ∈ R, v ≠ t) = (σ(v) − 1)/n. The θ indicators X_i = [v ∈ R_i, v ≠ t_i]
 * are independent in [0, 1], so Hoeffding gives P(|X̄ − (σ(v) − 1)/n| ≥ ε) ≤ 2·exp(−2θε²); a
 * union bound over the n twins makes it ≤ 2n·exp(−2θε²), which is ≤ δ when
 * θ ≥ ln(2n/δ) / (2ε²). */
static double sample_count(igraph_integer_t n, double epsilon, double delta)
{
    return ceil(log(2.0 * (double)(n > 0 ? n : 1) / delta) / (2.0 * epsilon * epsilon));
}

/* Draws reverse-reachable set number i for the job's seed into queue[0..size) (the target first)
 * and returns its size; mark is a stamp array of n entries, all different from i before. Each
 * relationship into a reached twin is live with probability p, drawn when first looked at: a
 * reverse breadth-first search over the live edges of one random live-edge graph. */
static igraph_integer_t sample_rr(const kind_graph *g, double p, uint64_t seed, uint64_t i, igraph_integer_t *mark,
                                  igraph_integer_t *queue)
{
    /* Sample i's own stream: the job's seed and i, mixed. */
    uint64_t state = seed * 0xd1342543de82ef95u + i;
    next_random(&state);
    igraph_integer_t target = next_below(&state, g->n), head = 0, tail = 0;
    igraph_integer_t stamp = (igraph_integer_t)i;
    mark[target] = stamp;
    queue[tail++] = target;
    while (head < tail) {
        igraph_integer_t w = queue[head++];
        for (igraph_integer_t e = g->in_start[w]; e < g->in_start[w + 1]; e++) {
            igraph_integer_t u = g->in_source[e];
            if (mark[u] != stamp && next_unit(&state) < p) {
                mark[u] = stamp;
                queue[tail++] = u;
            }
        }
    }
    return tail;
}

typedef struct {
    const kind_graph *g;
    double p;
    uint64_t seed, samples;
    int n_blocks;
    scratch workers[TG_MAX_THREADS];
    uint64_t *hits[TG_MAX_THREADS]; /* per block: samples each twin was in besides its target */
    uint64_t visited[TG_MAX_THREADS];
} ic_job;

/* Samples [block·S/B, (block + 1)·S/B): each draws from its own stream, and the counts are summed
 * after, so the estimates do not depend on the thread count. */
static void ic_block(void *context, int block)
{
    ic_job *job = context;
    scratch *w = &job->workers[block];
    igraph_integer_t n = job->g->n;
    if (!scratch_init(w, n) || !(job->hits[block] = calloc((size_t)n + 1, sizeof *job->hits[block]))) {
        w->failed = true;
        return;
    }
    uint64_t from = job->samples * (uint64_t)block / (uint64_t)job->n_blocks;
    uint64_t to = job->samples * (uint64_t)(block + 1) / (uint64_t)job->n_blocks;
    for (uint64_t i = from; i < to; i++) {
        if ((i & 1023) == 0 && tg_interrupt_requested())
            return;
        igraph_integer_t tail = sample_rr(job->g, job->p, job->seed, i, w->mark, w->queue);
        for (igraph_integer_t j = 1; j < tail; j++) /* queue[0] is the target */
            job->hits[block][w->queue[j]]++;
        job->visited[block] += (uint64_t)tail;
    }
}

static tg_status compute_influence_ic(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    kind_graph g;
    tg_status st = kind_graph_build(in->twins, &in->params[IC_KINDS], &g, err);
    if (st)
        return st;
    igraph_integer_t n = g.n;
    double p = in->params[IC_P].number, epsilon = in->params[IC_EPSILON].number, delta = in->params[IC_DELTA].number;
    double *spread = VECTOR(out[0]->real);
    json_object_set_new(in->details, "relationships", json_integer(g.m));
    json_object_set_new(in->details, "model", json_string("independent cascade"));
    json_object_set_new(in->details, "p", json_real(p));
    if (p == 0.0 || p == 1.0 || g.m == 0) {
        /* Certain edges need no sampling: the spread is the twin plus what it reaches (p = 1). */
        igraph_integer_t *down = calloc((size_t)n + 1, sizeof *down), *leaves = calloc((size_t)n + 1, sizeof *leaves),
                         *depth = calloc((size_t)n + 1, sizeof *depth);
        st = down && leaves && depth ? TG_OK : tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        if (!st && p == 1.0)
            st = reach_all(&g, down, NULL, leaves, depth, err);
        for (igraph_integer_t v = 0; !st && v < n; v++)
            spread[v] = 1.0 + (double)down[v];
        json_object_set_new(in->details, "exact", json_true());
        free(down);
        free(leaves);
        free(depth);
        kind_graph_destroy(&g);
        return st;
    }
    double theta = sample_count(n, epsilon, delta);
    if (theta > 1e10) {
        kind_graph_destroy(&g);
        return tg_error_set(err, TG_ERR_INPUT, "%s: epsilon %g and delta %g need %.3g samples", in->column, epsilon,
                            delta, theta);
    }
    uint64_t samples = (uint64_t)theta;
    ic_job job = {.g = &g, .p = p, .seed = in->seed, .samples = samples, .n_blocks = tg_thread_count()};
    tg_threads_run(job.n_blocks, ic_block, &job);
    st = tg_interrupt_check("while sampling cascades", err);
    uint64_t *hits = job.hits[0], visited = 0;
    for (int b = 0; b < job.n_blocks; b++) {
        if (!st && (job.workers[b].failed || !job.hits[b]))
            st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        for (igraph_integer_t v = 0; !st && b > 0 && v < n; v++)
            hits[v] += job.hits[b][v];
        visited += job.visited[b];
    }
    /* A twin always activates itself, so only the others are estimated: the target of a sample
     * is not counted in it, and P(v in R, v not the target) = (spread(v) - 1)/n. The bound is
     * the same, but an estimate is never below 1 and a twin nothing depends on is exact. */
    for (igraph_integer_t v = 0; !st && v < n; v++)
        spread[v] = 1.0 + (double)n * (double)hits[v] / theta;
    json_object_set_new(in->details, "exact", json_false());
    json_object_set_new(in->details, "samples", json_integer((json_int_t)samples));
    json_object_set_new(in->details, "epsilon", json_real(epsilon));
    json_object_set_new(in->details, "delta", json_real(delta));
    json_object_set_new(in->details, "mean_sample_size", json_real(samples ? (double)visited / theta : 0.0));
    for (int b = 0; b < job.n_blocks; b++) {
        free(job.hits[b]);
        scratch_destroy(&job.workers[b]);
    }
    kind_graph_destroy(&g);
    return st;
}


/* Reverse-reachable sets kept for IMM. A set that holds only its target (no live relationship
 * into it: most sets on sparse twin graphs) is only counted, per target; the others are kept
 * flat: stored set s holds nodes[start[s] .. start[s + 1]). */
typedef struct {
    uint32_t *nodes;
    size_t n_nodes, cap_nodes;
    size_t *start; /* n_stored + 1 */
    size_t n_stored, cap_stored;
    size_t *singles; /* per twin: sets that hold only it */
    size_t n_sets;   /* every set drawn, singles included */
} rr_sets;

/* The most set memberships IMM keeps (about 8 bytes each with the inverted index): 4 GiB. */
#define MAX_RR_ENTRIES ((size_t)1 << 29)
/* The most sets IMM draws: about ten minutes on one core at a few hundred ns each. */
#define MAX_SAMPLES ((size_t)1 << 31)

static void rr_sets_destroy(rr_sets *r)
{
    free(r->nodes);
    free(r->start);
    free(r->singles);
    memset(r, 0, sizeof *r);
}

/* Appends one drawn set (queue[0..size), its target first). */
static bool rr_append(rr_sets *r, const igraph_integer_t *queue, igraph_integer_t size)
{
    r->n_sets++;
    if (size == 1) {
        r->singles[queue[0]]++;
        return true;
    }
    if (r->n_stored == r->cap_stored) {
        size_t cap = r->cap_stored ? 2 * r->cap_stored : 1024;
        size_t *bigger = realloc(r->start, (cap + 1) * sizeof *bigger);
        if (!bigger)
            return false;
        if (!r->start)
            bigger[0] = 0;
        r->start = bigger;
        r->cap_stored = cap;
    }
    if (r->n_nodes + (size_t)size > r->cap_nodes) {
        size_t cap = r->cap_nodes ? 2 * r->cap_nodes : 1 << 16;
        while (cap < r->n_nodes + (size_t)size)
            cap *= 2;
        uint32_t *bigger = realloc(r->nodes, cap * sizeof *bigger);
        if (!bigger)
            return false;
        r->nodes = bigger;
        r->cap_nodes = cap;
    }
    for (igraph_integer_t j = 0; j < size; j++)
        r->nodes[r->n_nodes++] = (uint32_t)queue[j];
    r->start[++r->n_stored] = r->n_nodes;
    return true;
}

typedef struct {
    const kind_graph *g;
    double p;
    uint64_t seed, first, from, to; /* sample indexes first + [from, to) */
    int n_blocks;
    size_t entry_cap;               /* per block */
    scratch workers[TG_MAX_THREADS];
    rr_sets sets[TG_MAX_THREADS];
    int failure[TG_MAX_THREADS];    /* 1 out of memory, 2 over entry_cap */
} rr_job;

static void rr_block(void *context, int block)
{
    rr_job *job = context;
    scratch *w = &job->workers[block];
    rr_sets *r = &job->sets[block];
    if (!scratch_init(w, job->g->n) || !(r->singles = calloc((size_t)job->g->n + 1, sizeof *r->singles))) {
        job->failure[block] = 1;
        return;
    }
    uint64_t span = job->to - job->from;
    uint64_t from = job->from + span * (uint64_t)block / (uint64_t)job->n_blocks;
    uint64_t to = job->from + span * (uint64_t)(block + 1) / (uint64_t)job->n_blocks;
    for (uint64_t i = from; i < to; i++) {
        if ((i & 1023) == 0 && tg_interrupt_requested())
            return;
        igraph_integer_t size = sample_rr(job->g, job->p, job->seed, job->first + i, w->mark, w->queue);
        if (r->n_nodes + (size_t)size > job->entry_cap) {
            job->failure[block] = 2;
            return;
        }
        if (!rr_append(r, w->queue, size)) {
            job->failure[block] = 1;
            return;
        }
    }
}

/* Draws sets until r holds count of them; sample indexes continue from first + r->n_sets. The
 * blocks draw on the job's threads and are appended in index order, so the sets (and the seeds
 * chosen from them) do not depend on the thread count. */
static tg_status rr_fill(rr_sets *r, const kind_graph *g, double p, uint64_t seed, uint64_t first, size_t count,
                         const char *column, double epsilon, tg_error *err)
{
    if (!r->singles && !(r->singles = calloc((size_t)g->n + 1, sizeof *r->singles)))
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    if (r->n_sets >= count)
        return TG_OK;
    rr_job job = {.g = g, .p = p, .seed = seed, .first = first, .from = r->n_sets, .to = count,
                  .n_blocks = tg_thread_count()};
    job.entry_cap = (MAX_RR_ENTRIES - r->n_nodes) / (size_t)job.n_blocks;
    tg_threads_run(job.n_blocks, rr_block, &job);
    tg_status st = tg_interrupt_check("while sampling cascades", err);
    for (int b = 0; b < job.n_blocks && !st; b++) {
        if (job.failure[b] == 1)
            st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        else if (job.failure[b] == 2) {
            tg_error_set(err, TG_ERR_INPUT, "%s: IMM needs more than %zu reverse-reachable set entries at epsilon %g",
                         column, MAX_RR_ENTRIES, epsilon);
            tg_error_hint(err, "raise \"epsilon\" (the sample count grows with 1/epsilon^2) or lower \"k\"");
            st = TG_ERR_INPUT;
        }
    }
    for (int b = 0; b < job.n_blocks && !st; b++) {
        const rr_sets *part = &job.sets[b];
        if (r->n_nodes + part->n_nodes > r->cap_nodes) {
            uint32_t *bigger = realloc(r->nodes, (r->n_nodes + part->n_nodes) * sizeof *bigger);
            if (!bigger) {
                st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
                break;
            }
            r->nodes = bigger;
            r->cap_nodes = r->n_nodes + part->n_nodes;
        }
        if (r->n_stored + part->n_stored > r->cap_stored || !r->start) {
            size_t *bigger = realloc(r->start, (r->n_stored + part->n_stored + 1) * sizeof *bigger);
            if (!bigger) {
                st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
                break;
            }
            if (!r->start)
                bigger[0] = 0;
            r->start = bigger;
            r->cap_stored = r->n_stored + part->n_stored;
        }
        if (part->n_nodes)
            memcpy(r->nodes + r->n_nodes, part->nodes, part->n_nodes * sizeof *part->nodes);
        for (size_t s = 0; s < part->n_stored; s++)
            r->start[r->n_stored + s + 1] = r->n_nodes + part->start[s + 1];
        r->n_nodes += part->n_nodes;
        r->n_stored += part->n_stored;
        for (igraph_integer_t v = 0; v < g->n; v++)
            r->singles[v] += part->singles[v];
    }
    if (!st)
        r->n_sets = count;
    for (int b = 0; b < job.n_blocks; b++) {
        scratch_destroy(&job.workers[b]);
        rr_sets_destroy(&job.sets[b]);
    }
    return st;
}

/* Greedy maximum coverage (IMM's NodeSelection): k twins, each covering the most sets the ones
 * before it left uncovered (ties: the smaller vertex). gains[j] is how many sets seeds[j] newly
 * covered. O(k·n + entries): an inverted index from twins to their stored sets, counts kept
 * current; a twin's single sets are covered by it alone. */
static tg_status select_seeds(const rr_sets *r, igraph_integer_t n, igraph_integer_t k, igraph_integer_t *seeds,
                              size_t *gains, tg_error *err)
{
    size_t *count = calloc((size_t)n + 1, sizeof *count), *first = calloc((size_t)n + 2, sizeof *first);
    uint32_t *sets_of = malloc((r->n_nodes + 1) * sizeof *sets_of);
    bool *covered = calloc(r->n_stored + 1, sizeof *covered), *chosen = calloc((size_t)n + 1, sizeof *chosen);
    tg_status st = count && first && sets_of && covered && chosen ? TG_OK
                                                                   : tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    for (size_t e = 0; !st && e < r->n_nodes; e++)
        count[r->nodes[e]]++;
    for (igraph_integer_t v = 0; !st && v < n; v++)
        first[v + 1] = first[v] + count[v];
    for (size_t s = 0; !st && s < r->n_stored; s++)
        for (size_t e = r->start[s]; e < r->start[s + 1]; e++)
            sets_of[first[r->nodes[e]]++] = (uint32_t)s;
    for (igraph_integer_t v = n; !st && v > 0; v--) /* back to the starts */
        first[v] = first[v - 1];
    if (!st)
        first[0] = 0;
    for (igraph_integer_t v = 0; !st && v < n; v++)
        count[v] += r->singles ? r->singles[v] : 0;
    for (igraph_integer_t j = 0; !st && j < k; j++) {
        igraph_integer_t best = -1;
        for (igraph_integer_t v = 0; v < n; v++)
            if (!chosen[v] && (best < 0 || count[v] > count[best]))
                best = v;
        seeds[j] = best;
        gains[j] = count[best];
        chosen[best] = true;
        for (size_t i = first[best]; i < first[best + 1]; i++) {
            size_t set = sets_of[i];
            if (covered[set])
                continue;
            covered[set] = true;
            for (size_t e = r->start[set]; e < r->start[set + 1]; e++)
                count[r->nodes[e]]--;
        }
    }
    free(count);
    free(first);
    free(sets_of);
    free(covered);
    free(chosen);
    return st;
}

/* IMM (Tang, Shi, Xiao, SIGMOD 2015): k seeds whose expected spread is at least (1 - 1/e - ε)
 * of the best k twins' with probability at least 1 - 1/n^ℓ. The sampling phase halves a guess x
 * of the optimum until the greedy seeds on λ'/x sets cover enough to make a lower bound LB;
 * then λ* / LB sets decide the seeds. Those final sets are drawn afresh (Chen, "An issue in the
 * martingale analysis of the influence maximization algorithm IMM", 2018: reusing the sampling
 * phase's sets voids the guarantee). */
static tg_status compute_influence_top(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    kind_graph g;
    tg_status st = kind_graph_build(in->twins, &in->params[TOP_KINDS], &g, err);
    if (st)
        return st;
    igraph_integer_t n = g.n, k = in->params[TOP_K].integer < n ? (igraph_integer_t)in->params[TOP_K].integer : n;
    double p = in->params[TOP_P].number, eps = in->params[TOP_EPSILON].number, ell = in->params[TOP_ELL].number;
    double nn = (double)n, kk = (double)k;
    for (igraph_integer_t v = 0; v < n; v++)
        tg_column_set_null(out[0], v);
    rr_sets phase1 = {0}, final = {0};
    igraph_integer_t *seeds = malloc(((size_t)k + 1) * sizeof *seeds);
    size_t *gains = malloc(((size_t)k + 1) * sizeof *gains);
    tg_ranking_entry *ranking = malloc(((size_t)k + 1) * sizeof *ranking);
    if (!seeds || !gains || !ranking) {
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    double lb = 1.0, theta = 0.0;
    if (n >= 2) {
        double log_cnk = lgamma(nn + 1) - lgamma(kk + 1) - lgamma(nn - kk + 1);
        double ell1 = ell * (1.0 + log(2.0) / log(nn)); /* so the two phases together fail with ≤ 1/n^ℓ */
        double eps1 = sqrt(2.0) * eps;
        double lambda1 = (2.0 + 2.0 / 3.0 * eps1) * (log_cnk + ell1 * log(nn) + log(log2(nn))) * nn / (eps1 * eps1);
        for (int i = 1; !st && i < (int)log2(nn); i++) {
            double x = nn / pow(2.0, i);
            if ((st = rr_fill(&phase1, &g, p, in->seed, 0, (size_t)ceil(lambda1 / x), in->column, eps, err)) ||
                (st = select_seeds(&phase1, n, k, seeds, gains, err)))
                break;
            size_t covered = 0;
            for (igraph_integer_t j = 0; j < k; j++)
                covered += gains[j];
            double spread = nn * (double)covered / (double)phase1.n_sets;
            if (spread >= (1.0 + eps1) * x) {
                lb = spread / (1.0 + eps1);
                break;
            }
        }
        double e1 = 1.0 - exp(-1.0);
        double alpha = sqrt(ell1 * log(nn) + log(2.0));
        double beta = sqrt(e1 * (log_cnk + ell1 * log(nn) + log(2.0)));
        theta = ceil(2.0 * nn * (e1 * alpha + beta) * (e1 * alpha + beta) / (eps * eps) / lb);
        rr_sets_destroy(&phase1);
    } else {
        theta = 1.0;
    }
    /* Refuse at once a sample count that would take hours. */
    if (!st && theta > (double)MAX_SAMPLES) {
        tg_error_set(err, TG_ERR_INPUT, "%s: IMM needs %.3g reverse-reachable sets at epsilon %g, more than %.3g",
                     in->column, theta, eps, (double)MAX_SAMPLES);
        tg_error_detail(err, "The count grows with n / OPT: the best %" IGRAPH_PRId " seeds reach about %.0f of %"
                        IGRAPH_PRId " twins.", k, lb, n);
        tg_error_hint(err, "raise \"epsilon\" (the count falls with 1/epsilon^2)");
        st = TG_ERR_INPUT;
    }
    /* The final sets come from a stream of their own, far from the sampling phase's indexes. */
    if (!st && (st = rr_fill(&final, &g, p, in->seed, (uint64_t)1 << 62, (size_t)theta, in->column, eps, err)) == TG_OK)
        st = select_seeds(&final, n, k, seeds, gains, err);
    if (st)
        goto cleanup;
    size_t covered = 0;
    for (igraph_integer_t j = 0; j < k; j++) {
        covered += gains[j];
        ranking[j] = (tg_ranking_entry){seeds[j], nn * (double)gains[j] / (double)final.n_sets,
                                        nn * (double)covered / (double)final.n_sets};
        tg_column_set_number(out[0], seeds[j], (double)(j + 1));
    }
    *in->ranking = ranking;
    *in->n_ranking = (size_t)k;
    ranking = NULL;
    json_object_set_new(in->details, "relationships", json_integer(g.m));
    json_object_set_new(in->details, "k", json_integer(k));
    json_object_set_new(in->details, "samples", json_integer((json_int_t)final.n_sets));
    json_object_set_new(in->details, "lower_bound", json_real(lb));
    json_object_set_new(in->details, "approximation", json_real(1.0 - exp(-1.0) - eps));
    json_object_set_new(in->details, "probability", json_real(n >= 2 ? 1.0 - pow(nn, -ell) : 1.0));
cleanup:
    rr_sets_destroy(&phase1);
    rr_sets_destroy(&final);
    free(seeds);
    free(gains);
    free(ranking);
    kind_graph_destroy(&g);
    return st;
}

static const tg_param_def reach_params[] = {
    [REACH_KINDS] = {.name = "kinds", .type = TG_PARAM_STRING_LIST, .required = true,
                     .doc = "relationship kinds followed from source to target, e.g. [\"feeds\", \"powers\"]"},
};
static const tg_column_def reach_columns[] = {
    {"reach_downstream", TG_COLUMN_BIGINT, false,
     "twins reachable from this one along the kinds, itself excluded"},
    {"reach_upstream", TG_COLUMN_BIGINT, false,
     "twins from which this one is reachable along the kinds, itself excluded (also inside a cycle)"},
    {"blast_radius_leaves", TG_COLUMN_BIGINT, false,
     "reachable twins, itself excluded, with no outgoing relationship of the kinds (the devices that go dark); 0 "
     "for a twin that reaches none"},
    {"reach_depth", TG_COLUMN_BIGINT, false,
     "the largest shortest-path distance from this twin to a twin it reaches; 0 when it reaches none"},
};

static const tg_param_def ic_params[] = {
    [IC_KINDS] = {.name = "kinds", .type = TG_PARAM_STRING_LIST, .required = true,
                  .doc = "relationship kinds a cascade travels along, from source to target"},
    [IC_P] = {.name = "p", .type = TG_PARAM_NUMBER, .default_json = "0.1", .min_number = 0, .max_number = 1,
              .doc = "the probability that an activated twin activates the target of each relationship"},
    [IC_EPSILON] = {.name = "epsilon", .type = TG_PARAM_NUMBER, .default_json = "0.01", .min_number = 1e-4,
                    .max_number = 1, .doc = "every estimate is within epsilon·n of the exact expected spread ..."},
    [IC_DELTA] = {.name = "delta", .type = TG_PARAM_NUMBER, .default_json = "0.1", .min_number = 1e-9,
                  .max_number = 0.999, .doc = "... with probability at least 1 − delta, all twins at once"},
};
static const tg_column_def ic_columns[] = {
    {"influence_ic", TG_COLUMN_DOUBLE, false,
     "expected number of twins activated when this twin alone is the seed, itself included (independent cascade "
     "with probability p per relationship); estimated within epsilon·n with probability 1 − delta, exact at p = 0 "
     "or 1"},
};

static const tg_param_def top_params[] = {
    [TOP_KINDS] = {.name = "kinds", .type = TG_PARAM_STRING_LIST, .required = true,
                   .doc = "relationship kinds a cascade travels along, from source to target"},
    [TOP_K] = {.name = "k", .type = TG_PARAM_INTEGER, .default_json = "50", .min_integer = 1, .max_integer = 100000,
               .doc = "how many seed twins to choose (all twins when fewer)"},
    [TOP_P] = {.name = "p", .type = TG_PARAM_NUMBER, .default_json = "0.1", .min_number = 0, .max_number = 1,
               .doc = "the probability that an activated twin activates the target of each relationship"},
    [TOP_EPSILON] = {.name = "epsilon", .type = TG_PARAM_NUMBER, .default_json = "0.1", .min_number = 0.01,
                     .max_number = 0.6, .doc = "the seeds' spread is at least (1 - 1/e - epsilon) of the best k twins' ..."},
    [TOP_ELL] = {.name = "ell", .type = TG_PARAM_NUMBER, .default_json = "1", .min_number = 0.1, .max_number = 10,
                 .doc = "... with probability at least 1 - 1/n^ell"},
};
static const tg_column_def top_columns[] = {
    {"influence_rank", TG_COLUMN_BIGINT, false,
     "the twin's rank among the k seeds IMM chose to maximise the expected cascade (1 first); NULL for the others. "
     "The seeds' gains are in output.influencers"},
};

const tg_feature_def tg_influence_features[] = {
    {.name = "reach", .family = "influence", .reads = TG_READS_RELATIONSHIPS, .kinds_param = "kinds",
     .summary = "dependency reach along directed relationship kinds: downstream and upstream counts, the leaves "
                "that go dark, the depth (exact)",
     .reference = "networkx descendants, ancestors and shortest_path_length",
     .complexity = "one breadth-first search each way per twin: O(sum over twins of what it reaches and the "
                   "relationships among them) time, O(twins + relationships) memory",
     .params = reach_params, .n_params = COUNT(reach_params), .columns = reach_columns,
     .n_columns = COUNT(reach_columns), .compute = compute_reach},
    {.name = "influence_ic", .family = "influence", .reads = TG_READS_RELATIONSHIPS, .kinds_param = "kinds",
     .summary = "expected cascade size from each twin (independent cascade), by reverse-influence sampling with a "
                "stated error bound",
     .reference = "exact live-edge enumeration on small graphs and a Monte Carlo simulation on networkx",
     .complexity = "ln(2n/delta)/(2 epsilon^2) reverse-reachable sets, each costing the twins it holds and their "
                   "incoming relationships; O(twins + relationships) memory",
     .params = ic_params, .n_params = COUNT(ic_params), .columns = ic_columns, .n_columns = COUNT(ic_columns),
     .compute = compute_influence_ic},
    {.name = "influence_top", .family = "influence", .reads = TG_READS_RELATIONSHIPS, .kinds_param = "kinds",
     .writes_ranking = true,
     .summary = "the k twins that together start the largest expected cascade (IMM, a (1 - 1/e - epsilon) "
                "approximation with probability 1 - 1/n^ell); ranks as a column, gains in output.influencers",
     .reference = "the best k-set by brute force over exact live-edge enumeration on small graphs",
     .complexity = "O((k + ell) (n + relationships) log n / epsilon^2 / OPT-scaled) sampled set entries (IMM); "
                   "greedy selection O(k n + entries); at most 2^29 entries kept",
     .params = top_params, .n_params = COUNT(top_params), .columns = top_columns, .n_columns = COUNT(top_columns),
     .compute = compute_influence_top},
};
const size_t tg_influence_feature_count = COUNT(tg_influence_features);
