/* tg_influence.c - the influence feature family: who depends on whom along directed relationship kinds (exact reach) and how far a cascade spreads (independent cascade, reverse-influence sampling). */
#include "tg_influence.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_igraph.h"
#include "tg_interrupt.h"
#include "tg_random.h"
#include "tg_threads.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The most set memberships IMM keeps (about 8 bytes each with the inverted index): 4 GiB. */
#define MAX_RR_ENTRIES ((size_t)1 << 29)
/* The most sets a sampler draws: about ten minutes on one core at a few hundred ns each. */
#define MAX_SAMPLES ((size_t)1 << 31)
/* Reverse-reachable sets per block of influence_ic's loop (tg_blocks). */
#define SAMPLES_PER_BLOCK 4096

/* Parameter indexes, in the order of the registry entries below. */
enum { REACH_KINDS, REACH_REVERSE };
enum { IC_KINDS, IC_REVERSE, IC_P, IC_EPSILON, IC_DELTA, IC_P_PATH };
enum { TOP_KINDS, TOP_REVERSE, TOP_K, TOP_P, TOP_EPSILON, TOP_ELL, TOP_P_PATH };
/* Columns of reach. */
enum { DOWNSTREAM, UPSTREAM, LEAVES, DEPTH, DARK, DARK_LEAVES };

/* The relationships of the named kinds as a directed graph, both ways, in compressed rows.
 * Self-loops are left out (a twin does not depend on itself); parallel relationships stay (in a
 * cascade each is a chance of its own). */
typedef struct {
    igraph_integer_t n, m;
    igraph_integer_t *out_start, *out_target; /* n + 1, m */
    igraph_integer_t *in_start, *in_source;   /* n + 1, m */
    double *in_p; /* per incoming entry, its relationship's activation probability (p_path), or NULL */
} kind_graph;

static void kind_graph_destroy(kind_graph *g)
{
    free(g->out_start);
    free(g->out_target);
    free(g->in_start);
    free(g->in_source);
    free(g->in_p);
    memset(g, 0, sizeof *g);
}

/* Adds relationship e to the counts (fill == NULL) or the rows, in the direction(s) its kind
 * says: bit 1 source -> target, bit 2 target -> source. */
static void place(kind_graph *g, igraph_integer_t s, igraph_integer_t t, unsigned char how, double p,
                  igraph_integer_t *out_fill, igraph_integer_t *in_fill)
{
    for (int d = 0; d < 2; d++) {
        if (!(how & (1u << d)))
            continue;
        igraph_integer_t from = d == 0 ? s : t, to = d == 0 ? t : s;
        if (!out_fill) {
            g->out_start[from + 1]++;
            g->in_start[to + 1]++;
            g->m++;
        } else {
            g->out_target[out_fill[from]++] = to;
            if (g->in_p)
                g->in_p[in_fill[to]] = p;
            g->in_source[in_fill[to]++] = from;
        }
    }
}

static int by_vertex(const void *a, const void *b)
{
    igraph_integer_t x = *(const igraph_integer_t *)a, y = *(const igraph_integer_t *)b;
    return (x > y) - (x < y);
}

/* The kind graph as plain arrays (tg_csr: in-edges with their probabilities) for the samplers,
 * which run on threads and MPI ranks. */
static tg_status kind_graph_csr(const kind_graph *g, tg_csr *csr, tg_error *err)
{
    memset(csr, 0, sizeof *csr);
    if (g->n >= INT32_MAX)
        return tg_error_set(err, TG_ERR_INPUT, "the influence samplers handle fewer than 2^31 twins");
    size_t starts = (size_t)g->n + 1, entries = (size_t)g->m + 1;
    csr->n = (int32_t)g->n;
    csr->directed = true;
    csr->out_start = malloc(starts * sizeof *csr->out_start);
    csr->in_start = malloc(starts * sizeof *csr->in_start);
    csr->out_adj = malloc(entries * sizeof *csr->out_adj);
    csr->in_adj = malloc(entries * sizeof *csr->in_adj);
    csr->in_w = g->in_p ? malloc(entries * sizeof *csr->in_w) : NULL;
    if (!csr->out_start || !csr->in_start || !csr->out_adj || !csr->in_adj || (g->in_p && !csr->in_w)) {
        tg_csr_destroy(csr);
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    }
    for (igraph_integer_t v = 0; v <= g->n; v++) {
        csr->out_start[v] = g->out_start[v];
        csr->in_start[v] = g->in_start[v];
    }
    for (igraph_integer_t e = 0; e < g->m; e++) {
        csr->out_adj[e] = (int32_t)g->out_target[e];
        csr->in_adj[e] = (int32_t)g->in_source[e];
        if (g->in_p)
            csr->in_w[e] = g->in_p[e];
    }
    return TG_OK;
}

/* The entry's relationships: "kinds" from source to target, "reverse_kinds" (dependsOn,
 * isFedBy) from target to source. A named kind that no relationship has is warned about, with
 * the kinds there are: an all-zero column is otherwise easy to take for an answer. */
static tg_status kind_graph_build(const tg_feature_input *in, int kinds_param, int reverse_param,
                                  const double *probabilities, double fallback, kind_graph *g, tg_error *err)
{
    const tg_twins *twins = in->twins;
    memset(g, 0, sizeof *g);
    igraph_integer_t n = twins->n_twins;
    unsigned char *how = calloc(twins->n_kinds + 1, sizeof *how);
    g->n = n;
    g->out_start = calloc((size_t)n + 1, sizeof *g->out_start);
    g->in_start = calloc((size_t)n + 1, sizeof *g->in_start);
    if (!how || !g->out_start || !g->in_start)
        goto no_memory;
    for (int d = 0; d < 2; d++) {
        const tg_param_value *names = &in->params[d == 0 ? kinds_param : reverse_param];
        for (size_t i = 0; names->present && i < names->count; i++) {
            bool found = false;
            for (size_t k = 0; k < twins->n_kinds; k++)
                if (strcmp(twins->kinds[k], names->names[i]) == 0) {
                    how[k] |= (unsigned char)(1u << d);
                    found = true;
                }
            /* Only the kinds some entry names are read, so the others cannot be listed here. */
            if (!found)
                tg_warn(in->warnings, "column %s: no relationship has the kind \"%s\" (kinds match exactly, case "
                        "included; SELECT DISTINCT kind FROM the relationships source lists those there are)",
                        in->column, names->names[i]);
        }
    }
    for (igraph_integer_t e = 0; e < twins->n_relationships; e++)
        if (twins->rel_source[e] != twins->rel_target[e])
            place(g, twins->rel_source[e], twins->rel_target[e], how[twins->rel_kind[e]], 0.0, NULL, NULL);
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
    if (probabilities && !(g->in_p = malloc(((size_t)g->m + 1) * sizeof *g->in_p))) {
        free(out_fill);
        free(in_fill);
        goto no_memory;
    }
    for (igraph_integer_t e = 0; e < twins->n_relationships; e++) {
        if (twins->rel_source[e] == twins->rel_target[e] || !how[twins->rel_kind[e]])
            continue;
        double p = probabilities ? probabilities[e] : 0.0;
        if (probabilities && isnan(p))
            p = fallback; /* no value: the entry's "p" */
        if (probabilities && !(p >= 0.0 && p <= 1.0)) {
            free(out_fill);
            free(in_fill);
            free(how);
            kind_graph_destroy(g);
            tg_error_set(err, TG_ERR_INPUT, "relationship \"%s\" -> \"%s\" (%s) has an activation probability of %g, "
                         "not within [0, 1]", tg_twins_id(twins, twins->rel_source[e]),
                         tg_twins_id(twins, twins->rel_target[e]), twins->kinds[twins->rel_kind[e]], p);
            tg_error_hint(err, "fix the value at \"p_path\" in the relationships source, or leave it out to use \"p\"");
            return TG_ERR_INPUT;
        }
        place(g, twins->rel_source[e], twins->rel_target[e], how[twins->rel_kind[e]], p, out_fill, in_fill);
    }
    /* Rows in vertex order, not in the order the database returned the relationships: a sample
     * draws one number per relationship it looks at, so the order is part of the result. */
    for (igraph_integer_t v = 0; v < n; v++) {
        qsort(g->out_target + g->out_start[v], (size_t)(g->out_start[v + 1] - g->out_start[v]), sizeof *g->out_target,
              by_vertex);
        if (!g->in_p) {
            qsort(g->in_source + g->in_start[v], (size_t)(g->in_start[v + 1] - g->in_start[v]), sizeof *g->in_source,
                  by_vertex);
            continue;
        }
        /* With probabilities, sort the pairs: by hand, rows are short. */
        for (igraph_integer_t i = g->in_start[v] + 1; i < g->in_start[v + 1]; i++) {
            igraph_integer_t u = g->in_source[i];
            double q = g->in_p[i];
            igraph_integer_t j = i;
            for (; j > g->in_start[v] && (g->in_source[j - 1] > u || (g->in_source[j - 1] == u && g->in_p[j - 1] > q));
                 j--) {
                g->in_source[j] = g->in_source[j - 1];
                g->in_p[j] = g->in_p[j - 1];
            }
            g->in_source[j] = u;
            g->in_p[j] = q;
        }
    }
    free(out_fill);
    free(in_fill);
    free(how);
    return TG_OK;
no_memory:
    free(how);
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

/* What goes dark when a twin fails: the twins it dominates in the flow from the sources (twins
 * no relationship of the kinds reaches), so every path from a source to them passes through it.
 * A virtual root feeds every source; igraph_dominator_tree (Lengauer-Tarjan) gives each twin's
 * immediate dominator, and a twin's count is the size of its dominator subtree. Twins fed only
 * by a cycle that no source reaches are NULL: nothing supplies them to begin with. */
static tg_status dominated(const kind_graph *g, tg_column *dark, tg_column *dark_leaves, tg_error *err)
{
    igraph_integer_t n = g->n, root = n, sources = 0;
    for (igraph_integer_t v = 0; v < n; v++)
        sources += g->in_start[v] == g->in_start[v + 1];
    igraph_vector_int_t edges, dom, leftout;
    igraph_t graph;
    igraph_integer_t *order = NULL, *size = NULL, *leaves = NULL, *child_start = NULL, *children = NULL;
    bool have_graph = false;
    tg_status st = TG_OK;
    igraph_error_t rc = igraph_vector_int_init(&edges, 2 * (g->m + sources));
    if (rc == IGRAPH_SUCCESS && (rc = igraph_vector_int_init(&dom, 0)) != IGRAPH_SUCCESS)
        igraph_vector_int_destroy(&edges);
    if (rc == IGRAPH_SUCCESS && (rc = igraph_vector_int_init(&leftout, 0)) != IGRAPH_SUCCESS) {
        igraph_vector_int_destroy(&edges);
        igraph_vector_int_destroy(&dom);
    }
    if (rc != IGRAPH_SUCCESS)
        return tg_igraph_error(err, rc, "allocate the dominator computation");
    igraph_integer_t at = 0;
    for (igraph_integer_t v = 0; v < n; v++) {
        if (g->in_start[v] == g->in_start[v + 1]) {
            VECTOR(edges)[at++] = root;
            VECTOR(edges)[at++] = v;
        }
        for (igraph_integer_t i = g->out_start[v]; i < g->out_start[v + 1]; i++) {
            VECTOR(edges)[at++] = v;
            VECTOR(edges)[at++] = g->out_target[i];
        }
    }
    if ((rc = igraph_create(&graph, &edges, n + 1, IGRAPH_DIRECTED)) != IGRAPH_SUCCESS ||
        !(have_graph = true) ||
        (rc = igraph_dominator_tree(&graph, root, &dom, NULL, &leftout, IGRAPH_OUT)) != IGRAPH_SUCCESS) {
        st = tg_igraph_error(err, rc, "compute the dominator tree");
        goto cleanup;
    }
    /* Children lists of the dominator tree, then a breadth-first order from the root; sizes
     * accumulate in reverse order. */
    order = malloc(((size_t)n + 2) * sizeof *order);
    size = calloc((size_t)n + 2, sizeof *size);
    leaves = calloc((size_t)n + 2, sizeof *leaves);
    child_start = calloc((size_t)n + 3, sizeof *child_start);
    children = malloc(((size_t)n + 2) * sizeof *children);
    if (!order || !size || !leaves || !child_start || !children) {
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    for (igraph_integer_t v = 0; v < n; v++)
        if (VECTOR(dom)[v] >= 0)
            child_start[VECTOR(dom)[v] + 1]++;
    for (igraph_integer_t v = 0; v <= n; v++)
        child_start[v + 1] += child_start[v];
    {
        igraph_integer_t *fill = malloc(((size_t)n + 2) * sizeof *fill);
        if (!fill) {
            st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
            goto cleanup;
        }
        for (igraph_integer_t v = 0; v <= n; v++)
            fill[v] = child_start[v];
        for (igraph_integer_t v = 0; v < n; v++)
            if (VECTOR(dom)[v] >= 0)
                children[fill[VECTOR(dom)[v]]++] = v;
        free(fill);
    }
    igraph_integer_t head = 0, tail = 0;
    order[tail++] = root;
    while (head < tail) {
        igraph_integer_t v = order[head++];
        for (igraph_integer_t i = child_start[v]; i < child_start[v + 1]; i++)
            order[tail++] = children[i];
    }
    for (igraph_integer_t i = tail - 1; i > 0; i--) {
        igraph_integer_t v = order[i];
        size[v] += 1;
        leaves[v] += g->out_start[v] == g->out_start[v + 1];
        igraph_integer_t parent = VECTOR(dom)[v];
        size[parent] += size[v];
        leaves[parent] += leaves[v];
    }
    for (igraph_integer_t v = 0; v < n; v++)
        if (VECTOR(dom)[v] < 0) {
            tg_column_set_null(dark, v);
            tg_column_set_null(dark_leaves, v);
        } else {
            bool leaf = g->out_start[v] == g->out_start[v + 1];
            VECTOR(dark->integer)[v] = size[v] - 1;
            VECTOR(dark_leaves->integer)[v] = leaves[v] - leaf;
        }
cleanup:
    if (have_graph)
        igraph_destroy(&graph);
    igraph_vector_int_destroy(&edges);
    igraph_vector_int_destroy(&dom);
    igraph_vector_int_destroy(&leftout);
    free(order);
    free(size);
    free(leaves);
    free(child_start);
    free(children);
    return st;
}

static tg_status compute_reach(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    kind_graph g;
    tg_status st = kind_graph_build(in, REACH_KINDS, REACH_REVERSE, NULL, 0.0, &g, err);
    if (st)
        return st;
    st = reach_all(&g, VECTOR(out[DOWNSTREAM]->integer), VECTOR(out[UPSTREAM]->integer),
                   VECTOR(out[LEAVES]->integer), VECTOR(out[DEPTH]->integer), err);
    if (!st)
        st = dominated(&g, out[DARK], out[DARK_LEAVES], err);
    json_object_set_new(in->details, "relationships", json_integer(g.m));
    kind_graph_destroy(&g);
    return st;
}

/* Uniform in [0, n) without modulo bias (rejection of the last partial block). */
static igraph_integer_t next_below(uint64_t *state, igraph_integer_t n)
{
    uint64_t bound = (uint64_t)n, limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t r;
    do
        r = tg_random_next(state);
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
static igraph_integer_t sample_rr(const tg_csr *g, double p, uint64_t seed, uint64_t i, igraph_integer_t *mark,
                                  igraph_integer_t *queue)
{
    /* Sample i's own stream: the job's seed and i, mixed. */
    uint64_t state = seed * 0xd1342543de82ef95u + i;
    tg_random_next(&state);
    igraph_integer_t target = next_below(&state, g->n), head = 0, tail = 0;
    igraph_integer_t stamp = (igraph_integer_t)i;
    mark[target] = stamp;
    queue[tail++] = target;
    while (head < tail) {
        igraph_integer_t w = queue[head++];
        for (int64_t e = g->in_start[w]; e < g->in_start[w + 1]; e++) {
            igraph_integer_t u = g->in_adj[e];
            if (mark[u] != stamp && tg_random_unit(&state) < (g->in_w ? g->in_w[e] : p)) {
                mark[u] = stamp;
                queue[tail++] = u;
            }
        }
    }
    return tail;
}

/* The block's samples, each from its own stream; the counts are whole numbers, summed in
 * block order after, so the estimates depend neither on the threads nor on the MPI ranks. */
static bool ris_block(const tg_csr *g, const tg_kernel_args *args, tg_block_items items, double *hits)
{
    scratch w = {0};
    bool ok = scratch_init(&w, g->n);
    for (int64_t j = 0; ok && j < items.count; j++) {
        if ((j & 1023) == 0 && tg_interrupt_requested())
            break;
        uint64_t i = (uint64_t)tg_block_item(items, j);
        igraph_integer_t tail = sample_rr(g, args->real[0], args->seed, i, w.mark, w.queue);
        for (igraph_integer_t q = 1; q < tail; q++) /* queue[0] is the target */
            hits[w.queue[q]] += 1;
    }
    scratch_destroy(&w);
    return ok;
}

const tg_kernel tg_kernel_reverse_reachable = {
    .name = "reverse-reachable sets", .block = ris_block, .combine = TG_COMBINE_SUM, .width = 1};

static tg_status compute_influence_ic(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    kind_graph g;
    tg_status st = kind_graph_build(in, IC_KINDS, IC_REVERSE, in->rel_values, in->params[IC_P].number, &g, err);
    if (st)
        return st;
    igraph_integer_t n = g.n;
    double p = in->params[IC_P].number, epsilon = in->params[IC_EPSILON].number, delta = in->params[IC_DELTA].number;
    double *spread = VECTOR(out[0]->real);
    json_object_set_new(in->details, "relationships", json_integer(g.m));
    json_object_set_new(in->details, "model", json_string("independent cascade"));
    json_object_set_new(in->details, "p", json_real(p));
    if (g.in_p)
        json_object_set_new(in->details, "p_path", json_string(in->params[IC_P_PATH].string));
    if ((!g.in_p && (p == 0.0 || p == 1.0)) || g.m == 0) {
        /* Certain edges need no sampling: the spread is the twin plus what it reaches (p = 1). */
        igraph_integer_t *down = calloc((size_t)n + 1, sizeof *down), *leaves = calloc((size_t)n + 1, sizeof *leaves),
                         *depth = calloc((size_t)n + 1, sizeof *depth);
        st = down && leaves && depth ? TG_OK : tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        if (!st && p == 1.0)
            st = reach_all(&g, down, NULL, leaves, depth, err);
        for (igraph_integer_t v = 0; !st && v < n; v++) {
            spread[v] = 1.0 + (double)down[v];
            VECTOR(out[1]->real)[v] = 0.0;
        }
        json_object_set_new(in->details, "exact", json_true());
        free(down);
        free(leaves);
        free(depth);
        kind_graph_destroy(&g);
        return st;
    }
    double theta = sample_count(n, epsilon, delta);
    if (theta > (double)MAX_SAMPLES) {
        kind_graph_destroy(&g);
        tg_error_set(err, TG_ERR_INPUT, "%s: epsilon %g and delta %g need %.3g samples, more than %.3g", in->column,
                     epsilon, delta, theta, (double)MAX_SAMPLES);
        tg_error_hint(err, "raise \"epsilon\" (the count falls with 1/epsilon^2)");
        return TG_ERR_INPUT;
    }
    uint64_t samples = (uint64_t)theta;
    tg_csr csr;
    double *hits = malloc(((size_t)n + 1) * sizeof *hits), visited = (double)samples;
    st = hits ? kind_graph_csr(&g, &csr, err) : tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    if (!st) {
        tg_kernel_args args = {.real = {p}, .seed = in->seed};
        st = tg_blocks_run(TG_KERNEL_REVERSE_REACHABLE, &csr, &args, (int64_t)samples,
                           ((int64_t)samples + SAMPLES_PER_BLOCK - 1) / SAMPLES_PER_BLOCK, hits, err);
        tg_csr_destroy(&csr);
    }
    for (igraph_integer_t v = 0; !st && v < n; v++)
        visited += hits[v];
    /* A twin always activates itself, so only the others are estimated: the target of a sample
     * is not counted in it, and P(v in R, v not the target) = (spread(v) - 1)/n. The bound is
     * the same, but an estimate is never below 1 and a twin nothing depends on is exact. */
    for (igraph_integer_t v = 0; !st && v < n; v++) {
        spread[v] = 1.0 + (double)n * (double)hits[v] / theta;
        /* The binomial standard error of n·X̄, with half a hit added so that a twin seen in no
         * sample is not reported as certain. */
        double q = ((double)hits[v] + 0.5) / (theta + 1.0);
        VECTOR(out[1]->real)[v] = (double)n * sqrt(q * (1.0 - q) / theta);
    }
    json_object_set_new(in->details, "exact", json_false());
    json_object_set_new(in->details, "samples", json_integer((json_int_t)samples));
    json_object_set_new(in->details, "epsilon", json_real(epsilon));
    json_object_set_new(in->details, "delta", json_real(delta));
    json_object_set_new(in->details, "mean_sample_size", json_real(samples ? visited / theta : 0.0));
    free(hits);
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
    const tg_csr *g;
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
static tg_status rr_fill(rr_sets *r, const tg_csr *g, double p, uint64_t seed, uint64_t first, size_t count,
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

typedef struct {
    size_t count;
    igraph_integer_t vertex;
} heap_entry;

/* a before b: the larger count, then the smaller vertex. */
static bool heap_before(heap_entry a, heap_entry b)
{
    return a.count != b.count ? a.count > b.count : a.vertex < b.vertex;
}

static void heap_push(heap_entry *heap, size_t *len, heap_entry item)
{
    size_t i = (*len)++;
    while (i > 0 && heap_before(item, heap[(i - 1) / 2])) {
        heap[i] = heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    heap[i] = item;
}

static heap_entry heap_pop(heap_entry *heap, size_t *len)
{
    heap_entry top = heap[0], last = heap[--*len];
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= *len)
            break;
        if (child + 1 < *len && heap_before(heap[child + 1], heap[child]))
            child++;
        if (!heap_before(heap[child], last))
            break;
        heap[i] = heap[child];
        i = child;
    }
    if (*len > 0)
        heap[i] = last;
    return top;
}

/* Greedy maximum coverage (IMM's NodeSelection): k twins, each covering the most sets the ones
 * before it left uncovered (ties: the smaller vertex). gains[j] is how many sets seeds[j] newly
 * covered. An inverted index from twins to their stored sets keeps the counts current; a twin's
 * single sets are covered by it alone. */
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
    /* Counts only fall, so a max-heap with lazy updates finds each best twin: an entry whose
     * count is stale goes back in with the current one (Leskovec et al.'s CELF idea); O((n + k +
     * updates) log n) instead of a scan of all twins per seed. Ties: the smaller vertex. */
    heap_entry *heap = st ? NULL : malloc(((size_t)n + 1) * sizeof *heap);
    size_t heap_len = 0;
    if (!st && !heap)
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    for (igraph_integer_t v = 0; !st && v < n; v++)
        heap_push(heap, &heap_len, (heap_entry){count[v], v});
    for (igraph_integer_t j = 0; !st && j < k && heap_len > 0;) {
        if ((j & 255) == 0 && (st = tg_interrupt_check("while choosing seeds", err)))
            break;
        heap_entry top = heap_pop(heap, &heap_len);
        if (top.count != count[top.vertex]) {
            top.count = count[top.vertex];
            heap_push(heap, &heap_len, top);
            continue;
        }
        igraph_integer_t best = top.vertex;
        seeds[j] = best;
        gains[j] = count[best];
        chosen[best] = true;
        j++;
        for (size_t i = first[best]; i < first[best + 1]; i++) {
            size_t set = sets_of[i];
            if (covered[set])
                continue;
            covered[set] = true;
            for (size_t e = r->start[set]; e < r->start[set + 1]; e++)
                count[r->nodes[e]]--;
        }
    }
    free(heap);
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
    tg_status st = kind_graph_build(in, TOP_KINDS, TOP_REVERSE, in->rel_values, in->params[TOP_P].number, &g, err);
    if (st)
        return st;
    igraph_integer_t n = g.n, k = in->params[TOP_K].integer < n ? (igraph_integer_t)in->params[TOP_K].integer : n;
    double p = in->params[TOP_P].number, eps = in->params[TOP_EPSILON].number, ell = in->params[TOP_ELL].number;
    double nn = (double)n, kk = (double)k;
    for (igraph_integer_t v = 0; v < n; v++)
        tg_column_set_null(out[0], v);
    rr_sets phase1 = {0}, final = {0};
    tg_csr csr = {0};
    igraph_integer_t *seeds = malloc(((size_t)k + 1) * sizeof *seeds);
    size_t *gains = malloc(((size_t)k + 1) * sizeof *gains);
    tg_ranking_entry *ranking = malloc(((size_t)k + 1) * sizeof *ranking);
    if (!seeds || !gains || !ranking) {
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    double lb = 1.0, theta = 0.0;
    if ((st = kind_graph_csr(&g, &csr, err)))
        goto cleanup;
    if ((!g.in_p && p == 0.0) || g.m == 0 || n == 0) {
        /* Nothing spreads: every twin reaches itself alone, all tie, the first k by id. */
        for (igraph_integer_t j = 0; j < k; j++) {
            ranking[j] = (tg_ranking_entry){j, 1.0, (double)(j + 1)};
            tg_column_set_number(out[0], j, (double)(j + 1));
        }
        *in->ranking = ranking;
        *in->n_ranking = (size_t)k;
        ranking = NULL;
        json_object_set_new(in->details, "exact", json_true());
        goto cleanup;
    }
    if (n >= 2) {
        double log_cnk = lgamma(nn + 1) - lgamma(kk + 1) - lgamma(nn - kk + 1);
        double ell1 = ell * (1.0 + log(2.0) / log(nn)); /* so the two phases together fail with ≤ 1/n^ℓ */
        double eps1 = sqrt(2.0) * eps;
        double lambda1 = (2.0 + 2.0 / 3.0 * eps1) * (log_cnk + ell1 * log(nn) + log(log2(nn))) * nn / (eps1 * eps1);
        for (int i = 1; !st && i < (int)log2(nn); i++) {
            double x = nn / pow(2.0, i);
            if (ceil(lambda1 / x) > (double)MAX_SAMPLES) {
                st = tg_error_set(err, TG_ERR_INPUT, "%s: IMM's search for a lower bound needs %.3g reverse-reachable "
                                  "sets at epsilon %g, more than %.3g", in->column, ceil(lambda1 / x), eps,
                                  (double)MAX_SAMPLES);
                tg_error_detail(err, "The best %" IGRAPH_PRId " seeds reach fewer than %.0f of %" IGRAPH_PRId
                                " twins.", k, 2.0 * x, n);
                tg_error_hint(err, "raise \"epsilon\" (the count falls with 1/epsilon^2)");
                break;
            }
            if ((st = rr_fill(&phase1, &csr, p, in->seed, 0, (size_t)ceil(lambda1 / x), in->column, eps, err)) ||
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
    if (!st && (st = rr_fill(&final, &csr, p, in->seed, (uint64_t)1 << 62, (size_t)theta, in->column, eps, err)) == TG_OK)
        st = select_seeds(&final, n, k, seeds, gains, err);
    if (st)
        goto cleanup;
    /* Once every sample is covered the rest would be filler: the ranking stops there. */
    size_t covered = 0;
    igraph_integer_t ranked = 0;
    for (igraph_integer_t j = 0; j < k && gains[j] > 0; j++, ranked++) {
        covered += gains[j];
        ranking[j] = (tg_ranking_entry){seeds[j], nn * (double)gains[j] / (double)final.n_sets,
                                        nn * (double)covered / (double)final.n_sets};
        tg_column_set_number(out[0], seeds[j], (double)(j + 1));
    }
    *in->ranking = ranking;
    *in->n_ranking = (size_t)ranked;
    ranking = NULL;
    json_object_set_new(in->details, "relationships", json_integer(g.m));
    json_object_set_new(in->details, "k", json_integer(ranked));
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
    tg_csr_destroy(&csr);
    kind_graph_destroy(&g);
    return st;
}

static const tg_param_def reach_params[] = {
    [REACH_KINDS] = {.name = "kinds", .type = TG_PARAM_STRING_LIST,
                     .doc = "relationship kinds followed from source to target, e.g. [\"feeds\", \"powers\"]"},
    [REACH_REVERSE] = {.name = "reverse_kinds", .type = TG_PARAM_STRING_LIST,
                       .doc = "relationship kinds followed from target to source, e.g. [\"dependsOn\", \"isFedBy\"]"},
};
static const tg_column_def reach_columns[] = {
    {"reach_downstream", TG_COLUMN_BIGINT, false,
     "twins reachable from this one along the kinds, itself excluded"},
    {"reach_upstream", TG_COLUMN_BIGINT, false,
     "twins from which this one is reachable along the kinds, itself excluded (also inside a cycle)"},
    {"blast_radius_leaves", TG_COLUMN_BIGINT, false,
     "reachable twins, itself excluded, with no outgoing relationship of the kinds (the end devices downstream: "
     "an upper bound on what goes dark, since a backup path may still supply them); 0 for a twin that reaches none"},
    {"reach_depth", TG_COLUMN_BIGINT, false,
     "the largest shortest-path distance from this twin to a twin it reaches; 0 when it reaches none"},
    {"dark_if_fails", TG_COLUMN_BIGINT, false,
     "twins, itself excluded, that lose every path from a source (a twin no relationship of the kinds reaches) "
     "when this twin fails: those it dominates; NULL for a twin no source reaches"},
    {"dark_leaves_if_fails", TG_COLUMN_BIGINT, false,
     "of those, the ones with no outgoing relationship of the kinds (end devices that go dark)"},
};

static const tg_param_def ic_params[] = {
    [IC_KINDS] = {.name = "kinds", .type = TG_PARAM_STRING_LIST,
                  .doc = "relationship kinds a cascade travels along, from source to target"},
    [IC_REVERSE] = {.name = "reverse_kinds", .type = TG_PARAM_STRING_LIST,
                    .doc = "relationship kinds a cascade travels along from target to source (dependsOn)"},
    [IC_P] = {.name = "p", .type = TG_PARAM_NUMBER, .default_json = "0.1", .min_number = 0, .max_number = 1,
              .doc = "the probability that an activated twin activates the target of each relationship"},
    [IC_EPSILON] = {.name = "epsilon", .type = TG_PARAM_NUMBER, .default_json = "0.01", .min_number = 1e-4,
                    .max_number = 1, .doc = "every estimate is within epsilon·n of the exact expected spread ..."},
    [IC_DELTA] = {.name = "delta", .type = TG_PARAM_NUMBER, .default_json = "0.1", .min_number = 1e-9,
                  .max_number = 0.999, .doc = "... with probability at least 1 − delta, all twins at once"},
    [IC_P_PATH] = {.name = "p_path", .type = TG_PARAM_STRING,
                   .doc = "each relationship's own probability: \"properties.failure_prob\" or a column; values in [0, "
                          "1], \"p\" where absent"},
};
static const tg_column_def ic_columns[] = {
    {"influence_ic", TG_COLUMN_DOUBLE, false,
     "expected number of twins activated when this twin alone is the seed, itself included (independent cascade "
     "with probability p per relationship); estimated within epsilon·n with probability 1 − delta, exact at p = 0 "
     "or 1"},
    {"influence_ic_se", TG_COLUMN_DOUBLE, false,
     "the estimate's standard error (binomial, per twin; 0 where exact): much smaller than epsilon·n for most "
     "twins, and what to compare twins by"},
};

static const tg_param_def top_params[] = {
    [TOP_KINDS] = {.name = "kinds", .type = TG_PARAM_STRING_LIST,
                   .doc = "relationship kinds a cascade travels along, from source to target"},
    [TOP_REVERSE] = {.name = "reverse_kinds", .type = TG_PARAM_STRING_LIST,
                     .doc = "relationship kinds a cascade travels along from target to source (dependsOn)"},
    [TOP_K] = {.name = "k", .type = TG_PARAM_INTEGER, .default_json = "50", .min_integer = 1, .max_integer = 100000,
               .doc = "how many seed twins to choose (all twins when fewer)"},
    [TOP_P] = {.name = "p", .type = TG_PARAM_NUMBER, .default_json = "0.1", .min_number = 0, .max_number = 1,
               .doc = "the probability that an activated twin activates the target of each relationship"},
    [TOP_EPSILON] = {.name = "epsilon", .type = TG_PARAM_NUMBER, .default_json = "0.1", .min_number = 0.01,
                     .max_number = 0.6, .doc = "the seeds' spread is at least (1 - 1/e - epsilon) of the best k twins' ..."},
    [TOP_ELL] = {.name = "ell", .type = TG_PARAM_NUMBER, .default_json = "1", .min_number = 0.1, .max_number = 10,
                 .doc = "... with probability at least 1 - 1/n^ell"},
    [TOP_P_PATH] = {.name = "p_path", .type = TG_PARAM_STRING,
                    .doc = "each relationship's own probability: \"properties.failure_prob\" or a column; values in "
                           "[0, 1], \"p\" where absent"},
};
static const tg_column_def top_columns[] = {
    {"influence_rank", TG_COLUMN_BIGINT, false,
     "the twin's rank among the k seeds IMM chose to maximise the expected cascade (1 first); NULL for the others. "
     "The seeds' gains are in output.influencers"},
};

/* At least one of "kinds" and "reverse_kinds"; then the listed columns. */
static tg_status plan_kinds(tg_feature_spec *fs, bool directed, const char *path, tg_error *err)
{
    if (!tg_feature_kinds(fs, false) && !tg_feature_kinds(fs, true))
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" needs \"kinds\" (followed from source to target) or "
                            "\"reverse_kinds\" (from target to source)", path);
    return tg_feature_plan_listed(fs, directed, path, err);
}

const tg_feature_def tg_influence_features[] = {
    {.name = "reach", .family = "influence", .reads = TG_READS_RELATIONSHIPS, .kinds_param = "kinds", .reverse_kinds_param = "reverse_kinds", .plan = plan_kinds,
     .summary = "dependency reach along directed relationship kinds: downstream and upstream counts, the leaves "
                "downstream, the depth, and what goes dark when the twin fails (dominators); exact",
     .reference = "networkx descendants, ancestors, shortest_path_length and immediate_dominators",
     .complexity = "one breadth-first search each way per twin: O(sum over twins of what it reaches and the "
                   "relationships among them) time on the job's threads; dominators O((twins + relationships) "
                   "alpha); O(twins + relationships) memory",
     .params = reach_params, .n_params = COUNT(reach_params), .columns = reach_columns,
     .n_columns = COUNT(reach_columns), .compute = compute_reach},
    {.name = "influence_ic", .family = "influence", .reads = TG_READS_RELATIONSHIPS, .kinds_param = "kinds", .reverse_kinds_param = "reverse_kinds", .plan = plan_kinds,
     .rel_value_param = "p_path",
     .summary = "expected cascade size from each twin (independent cascade), by reverse-influence sampling with a "
                "stated error bound",
     .reference = "exact live-edge enumeration on small graphs and a Monte Carlo simulation on networkx",
     .complexity = "ln(2n/delta)/(2 epsilon^2) reverse-reachable sets, each costing the twins it holds and their "
                   "incoming relationships; O(twins + relationships) memory",
     .params = ic_params, .n_params = COUNT(ic_params), .columns = ic_columns, .n_columns = COUNT(ic_columns),
     .compute = compute_influence_ic},
    {.name = "influence_top", .family = "influence", .reads = TG_READS_RELATIONSHIPS, .kinds_param = "kinds", .reverse_kinds_param = "reverse_kinds", .plan = plan_kinds,
     .writes_ranking = true, .rel_value_param = "p_path",
     .summary = "the k twins that together start the largest expected cascade (IMM, a (1 - 1/e - epsilon) "
                "approximation with probability 1 - 1/n^ell); ranks as a column, gains in output.influencers",
     .reference = "the best k-set by brute force over exact live-edge enumeration on small graphs",
     .complexity = "O((k + ell) (n + relationships) log n / epsilon^2 / OPT-scaled) sampled set entries (IMM); "
                   "greedy selection O(k n + entries); at most 2^29 entries kept",
     .params = top_params, .n_params = COUNT(top_params), .columns = top_columns, .n_columns = COUNT(top_columns),
     .compute = compute_influence_top},
};
const size_t tg_influence_feature_count = COUNT(tg_influence_features);
