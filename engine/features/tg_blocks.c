/* tg_blocks.c - loops over sources or samples cut into fixed blocks, run on threads and MPI ranks, and combined in block order. */
#include "tg_blocks.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_betweenness.h"
#include "tg_brandes.h"
#include "tg_distance_sums.h"
#include "tg_influence.h"
#include "tg_interrupt.h"
#include "tg_mpi.h"
#include "tg_threads.h"

static const tg_kernel *kernel_at(int id)
{
    static const tg_kernel *const kernels[TG_KERNEL_COUNT] = {
        [TG_KERNEL_BRANDES] = &tg_kernel_brandes,
        [TG_KERNEL_PATH_SAMPLES] = &tg_kernel_path_samples,
        [TG_KERNEL_DISTANCES] = &tg_kernel_distances,
        [TG_KERNEL_KHOP] = &tg_kernel_khop,
        [TG_KERNEL_REVERSE_REACHABLE] = &tg_kernel_reverse_reachable,
    };
    return id >= 0 && id < TG_KERNEL_COUNT ? kernels[id] : NULL;
}

/* What rank 0 broadcasts before each loop; the graph's arrays follow. */
enum { ORDER_END, ORDER_LOOP };
typedef struct {
    int32_t order, kernel, threads, n;
    int32_t directed, out_weighted, in_weighted;
    int64_t out_entries, in_entries;
    int64_t n_items, n_blocks;
    tg_kernel_args args;
} loop_order;

/* One loop on one rank. Blocks are dealt in rounds: round r gives rank k the blocks
 * r*size*slots + k*slots + s, s < slots, which its threads take one after another as they come
 * free (a few slots a thread, so an expensive block does not leave the others idle). Rank 0 then
 * takes every block of the round in block order, its own from memory and the others' from their
 * ranks, so the combination order is the block order whatever size and threads are. */
#define SLOTS_PER_THREAD 4
#define MAX_SLOTS 16
typedef struct {
    const tg_kernel *kernel;
    const tg_csr *g;
    const tg_kernel_args *args;
    int64_t n_items, n_blocks, round;
    int rank, size, threads, slots;
    atomic_int next_slot;
    double **buffers;
    size_t buffer_len;
    bool ok[MAX_SLOTS];
    bool stop_sent;
} loop;

static int64_t block_of(const loop *l, int rank, int thread)
{
    return l->round * l->size * l->slots + (int64_t)rank * l->slots + thread;
}

int64_t tg_blocks_count(int64_t n_items, int64_t n_blocks)
{
    int64_t chunks = (n_items + TG_BLOCK_CHUNK - 1) / TG_BLOCK_CHUNK;
    n_blocks = n_blocks < chunks ? n_blocks : chunks;
    return n_blocks < 1 ? 1 : n_blocks;
}

/* Its chunks below n_items (the last one may be short). */
tg_block_items tg_blocks_items(int64_t n_items, int64_t n_blocks, int64_t b)
{
    int64_t round = n_blocks * TG_BLOCK_CHUNK, rounds = n_items / round;
    int64_t rest = n_items - rounds * round - b * TG_BLOCK_CHUNK;
    rest = rest < 0 ? 0 : rest > TG_BLOCK_CHUNK ? TG_BLOCK_CHUNK : rest;
    return (tg_block_items){b, n_blocks, rounds * TG_BLOCK_CHUNK + rest};
}

static tg_block_items block_items(const loop *l, int64_t b)
{
    return tg_blocks_items(l->n_items, l->n_blocks, b);
}

static size_t block_values(const loop *l, tg_block_items items)
{
    return l->kernel->combine == TG_COMBINE_SUM ? l->buffer_len : (size_t)l->kernel->width * (size_t)items.count;
}

static void run_thread(void *context, int thread)
{
    loop *l = context;
    (void)thread;
    for (int slot; (slot = atomic_fetch_add(&l->next_slot, 1)) < l->slots;) {
        int64_t b = block_of(l, l->rank, slot);
        l->ok[slot] = true;
        if (b >= l->n_blocks)
            continue;
        if (l->kernel->combine == TG_COMBINE_SUM)
            memset(l->buffers[slot], 0, l->buffer_len * sizeof **l->buffers);
        l->ok[slot] = l->kernel->block(l->g, l->args, block_items(l, b), l->buffers[slot]);
    }
}

/* This rank's blocks of the current round, on its threads. */
static void run_slots(loop *l)
{
    atomic_store(&l->next_slot, 0);
    tg_threads_run(l->threads, run_thread, l);
}

/* Blocks a rank computes a round: a few a thread, within MAX_SLOTS (each holds a buffer). */
static int slots_for(int threads)
{
    /* threads <= TG_MAX_THREADS == MAX_SLOTS, so every thread has a slot. */
    return threads * SLOTS_PER_THREAD < MAX_SLOTS ? threads * SLOTS_PER_THREAD : MAX_SLOTS;
}

static bool loop_alloc(loop *l)
{
    int64_t widest = block_items(l, 0).count; /* block 0 holds the most items */
    l->buffer_len = (size_t)l->kernel->width * (size_t)(l->kernel->combine == TG_COMBINE_SUM ? l->g->n : widest);
    /* Rank 0 needs one more buffer to receive the other ranks' blocks into. */
    int count = l->slots + (l->rank == 0 && l->size > 1);
    l->buffers = calloc((size_t)count, sizeof *l->buffers);
    if (!l->buffers)
        return false;
    for (int t = 0; t < count; t++)
        if (!(l->buffers[t] = malloc((l->buffer_len ? l->buffer_len : 1) * sizeof **l->buffers)))
            return false;
    return true;
}

static void loop_free(loop *l)
{
    int count = l->slots + (l->rank == 0 && l->size > 1);
    for (int t = 0; l->buffers && t < count; t++)
        free(l->buffers[t]);
    free(l->buffers);
    l->buffers = NULL;
}

static int64_t round_count(const loop *l)
{
    int64_t per_round = (int64_t)l->size * l->slots;
    return (l->n_blocks + per_round - 1) / per_round;
}

/* Rank 0's side of one round: compute, then combine the round's blocks in block order. */
static bool lead_round(loop *l, double *out)
{
    run_slots(l);
    /* Interrupted: the other ranks stop their blocks at their next check instead of finishing
     * them (a block can be thousands of searches); their values are then not used. */
    if (tg_interrupt_requested() && !l->stop_sent) {
        for (int rank = 1; rank < l->size; rank++)
            tg_mpi_send_stop(rank);
        l->stop_sent = true;
    }
    bool ok = true;
    for (int t = 0; t < l->slots; t++)
        ok = ok && l->ok[t];
    for (int rank = 0; rank < l->size; rank++)
        for (int t = 0; t < l->slots; t++) {
            int64_t b = block_of(l, rank, t);
            if (b >= l->n_blocks)
                break;
            tg_block_items items = block_items(l, b);
            size_t count = block_values(l, items);
            double *values = l->buffers[t];
            if (rank > 0) {
                values = l->buffers[l->slots];
                tg_mpi_receive_doubles(values, count, rank, b);
            }
            if (l->kernel->combine == TG_COMBINE_SUM)
                for (size_t i = 0; i < count; i++)
                    out[i] += values[i];
            else
                for (int64_t j = 0; j < items.count; j++)
                    memcpy(out + (size_t)l->kernel->width * (size_t)tg_block_item(items, j),
                           values + (size_t)l->kernel->width * (size_t)j, (size_t)l->kernel->width * sizeof *values);
        }
    return ok;
}

/* Another rank's side of one round: compute, then send its blocks to rank 0. */
static void follow_round(loop *l)
{
    tg_fault_point("rank_block"); /* a rank lost mid-loop (tests/mpi) */
    run_slots(l);
    for (int t = 0; t < l->slots; t++) {
        int64_t b = block_of(l, l->rank, t);
        if (b >= l->n_blocks)
            break;
        if (!l->ok[t])
            tg_mpi_abort("out of memory in a block");
        tg_mpi_send_doubles(l->buffers[t], block_values(l, block_items(l, b)), b);
    }
}

int tg_blocks_threads_per_rank(void)
{
    int threads = tg_thread_count();
    const char *local = getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    if (tg_mpi_size() > 1 && local && !tg_thread_count_given()) {
        int ranks_here = atoi(local);
        threads = ranks_here > 0 ? threads / ranks_here : 1;
    }
    return threads < 1 ? 1 : threads;
}

/* Rank 0 sends the arrays of g; the other ranks receive into theirs (allocated to the sizes
 * the loop order gave). */
static void send_graph(const tg_csr *g)
{
    tg_csr *w = (tg_csr *)g; /* written only on the receiving ranks */
    tg_mpi_broadcast(w->out_start, ((size_t)g->n + 1) * sizeof *g->out_start);
    int64_t out_entries = g->out_start[g->n];
    tg_mpi_broadcast(w->out_adj, (size_t)out_entries * sizeof *g->out_adj);
    if (g->out_w)
        tg_mpi_broadcast(w->out_w, (size_t)out_entries * sizeof *g->out_w);
    if (!g->directed)
        return;
    tg_mpi_broadcast(w->in_start, ((size_t)g->n + 1) * sizeof *g->in_start);
    int64_t in_entries = g->in_start[g->n];
    tg_mpi_broadcast(w->in_adj, (size_t)in_entries * sizeof *g->in_adj);
    if (g->in_w)
        tg_mpi_broadcast(w->in_w, (size_t)in_entries * sizeof *g->in_w);
}

tg_status tg_blocks_run(tg_kernel_id kernel_id, const tg_csr *g, const tg_kernel_args *args, int64_t n_items,
                        int64_t n_blocks, double *out, tg_error *err)
{
    const tg_kernel *kernel = kernel_at(kernel_id);
    loop l = {.kernel = kernel, .g = g, .args = args, .n_items = n_items, .n_blocks = tg_blocks_count(n_items, n_blocks),
              .rank = 0, .size = tg_mpi_size(), .threads = tg_blocks_threads_per_rank()};
    l.slots = slots_for(l.threads);
    size_t out_len = (size_t)kernel->width * (size_t)(kernel->combine == TG_COMBINE_SUM ? g->n : n_items);
    memset(out, 0, out_len * sizeof *out);
    if (n_items <= 0)
        return TG_OK;
    if (l.size > 1) {
        loop_order order = {.order = ORDER_LOOP, .kernel = kernel_id, .threads = l.threads, .n = g->n,
                            .directed = g->directed, .out_weighted = g->out_w != NULL,
                            .in_weighted = g->in_w != NULL,
                            .out_entries = g->out_start[g->n], .in_entries = g->in_start[g->n],
                            .n_items = n_items, .n_blocks = l.n_blocks, .args = *args};
        tg_mpi_broadcast_idle(&order, sizeof order);
        send_graph(g);
    }
    if (!loop_alloc(&l)) {
        loop_free(&l);
        /* The other ranks are waiting for rounds: a partial loop cannot be abandoned cleanly. */
        if (l.size > 1)
            tg_mpi_abort("out of memory for a loop's block buffers");
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory for the blocks of %s", kernel->name);
    }
    tg_status st = TG_OK;
    char where[128];
    snprintf(where, sizeof where, "while computing %s", kernel->name);
    int64_t rounds = round_count(&l);
    for (l.round = 0; l.round < rounds; l.round++) {
        bool ok = lead_round(&l, out);
        int32_t stop = !ok || tg_interrupt_requested();
        if (l.size > 1)
            tg_mpi_broadcast(&stop, sizeof stop);
        if (!ok) {
            st = tg_error_set(err, TG_ERR_MEMORY, "out of memory while computing %s", kernel->name);
            break;
        }
        if ((st = tg_interrupt_check(where, err)))
            break;
    }
    loop_free(&l);
    return st;
}

static bool receive_graph(const loop_order *order, tg_csr *g)
{
    memset(g, 0, sizeof *g);
    g->n = order->n;
    g->directed = order->directed;
    size_t starts = (size_t)order->n + 1, out = (size_t)order->out_entries + 1, in = (size_t)order->in_entries + 1;
    g->out_start = malloc(starts * sizeof *g->out_start);
    g->out_adj = malloc(out * sizeof *g->out_adj);
    g->out_w = order->out_weighted ? malloc(out * sizeof *g->out_w) : NULL;
    if (g->directed) {
        g->in_start = malloc(starts * sizeof *g->in_start);
        g->in_adj = malloc(in * sizeof *g->in_adj);
        g->in_w = order->in_weighted ? malloc(in * sizeof *g->in_w) : NULL;
    } else {
        g->in_start = g->out_start;
        g->in_adj = g->out_adj;
        g->in_w = g->out_w;
    }
    if (!g->out_start || !g->out_adj || !g->in_start || !g->in_adj || (order->out_weighted && !g->out_w) ||
        (order->in_weighted && !g->in_w))
        return false;
    send_graph(g);
    return true;
}

void tg_blocks_serve(void)
{
    /* The loops' checks for a stop also ask whether rank 0 sent one. */
    tg_interrupt_poll_with(tg_mpi_stop_arrived);
    for (;;) {
        loop_order order;
        tg_mpi_broadcast_idle(&order, sizeof order);
        if (order.order == ORDER_END)
            return;
        const tg_kernel *kernel = kernel_at(order.kernel);
        if (!kernel)
            tg_mpi_abort("rank 0 asked for an unknown loop (ranks running different twingraph builds?)");
        tg_csr g;
        if (!receive_graph(&order, &g))
            tg_mpi_abort("out of memory for the graph's adjacency arrays");
        loop l = {.kernel = kernel, .g = &g, .args = &order.args, .n_items = order.n_items,
                  .n_blocks = order.n_blocks, .rank = tg_mpi_rank(), .size = tg_mpi_size(),
                  .threads = order.threads, .slots = slots_for(order.threads)};
        if (!loop_alloc(&l))
            tg_mpi_abort("out of memory for a loop's block buffers");
        int64_t rounds = round_count(&l);
        for (l.round = 0; l.round < rounds; l.round++) {
            follow_round(&l);
            int32_t stop = 0;
            tg_mpi_broadcast(&stop, sizeof stop);
            if (stop)
                break;
        }
        loop_free(&l);
        tg_csr_destroy(&g);
    }
}

void tg_blocks_release_ranks(void)
{
    if (tg_mpi_size() == 1 || tg_mpi_rank() != 0)
        return;
    loop_order order = {.order = ORDER_END};
    tg_mpi_broadcast_idle(&order, sizeof order);
}
