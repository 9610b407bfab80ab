/* tg_blocks.h - loops over sources or samples cut into fixed blocks, run on threads and MPI ranks, and combined in block order. */
#ifndef TG_BLOCKS_H
#define TG_BLOCKS_H

#include <stdbool.h>
#include <stdint.h>

#include "tg_csr.h"
#include "tg_error.h"

/* How the blocks' values make the result: summed (each block gives width values per twin; the
 * blocks are added in block order, so the sum is the same bit for bit on any number of threads
 * or ranks), or placed side by side (each block gives width values per item of its own). */
typedef enum { TG_COMBINE_SUM, TG_COMBINE_CONCAT } tg_combine;

/* A kernel's parameters, the same on every rank. */
typedef struct {
    double real[4];
    int64_t integer[4];
    uint64_t seed;
} tg_kernel_args;

/* The items of a block: runs of TG_BLOCK_CHUNK consecutive items, dealt round-robin to the
 * blocks (block b takes chunks b, b + n_blocks, ...). Runs keep neighbouring twins together (a
 * search from the next twin finds the previous one's memory in cache); dealing them out evens
 * the cost, because a component's twins are read together and cost alike. */
#define TG_BLOCK_CHUNK 64
typedef struct {
    int64_t block, n_blocks, count;
} tg_block_items;

/* The j-th item (0 <= j < items.count) of a block. */
static inline int64_t tg_block_item(tg_block_items items, int64_t j)
{
    return (j / TG_BLOCK_CHUNK) * items.n_blocks * TG_BLOCK_CHUNK + items.block * TG_BLOCK_CHUNK + j % TG_BLOCK_CHUNK;
}

/* Computes the block's items into out: width * n values for TG_COMBINE_SUM (zeroed on entry),
 * width * items.count for TG_COMBINE_CONCAT (item j of the block at out[width * j]). Runs on a
 * worker thread: reads g and args only, never calls igraph. Returns false when out of memory.
 * May return early (with any values) once tg_interrupt_requested(): the run is being stopped. */
typedef bool (*tg_kernel_block_fn)(const tg_csr *g, const tg_kernel_args *args, tg_block_items items, double *out);

typedef struct {
    const char *name; /* what it computes, for messages */
    tg_kernel_block_fn block;
    tg_combine combine;
    int width;
} tg_kernel;

/* Every kernel, by number: a rank learns from rank 0 which to run by this number. */
typedef enum {
    TG_KERNEL_BRANDES,      /* exact betweenness (tg_brandes) */
    TG_KERNEL_PATH_SAMPLES, /* betweenness estimated from sampled shortest paths (tg_betweenness) */
    TG_KERNEL_DISTANCES,    /* harmonic and closeness sums (tg_distance_sums) */
    TG_KERNEL_KHOP,         /* k-hop neighbourhood sizes (tg_distance_sums) */
    TG_KERNEL_REVERSE_REACHABLE, /* independent-cascade spread from reverse-reachable sets (tg_influence) */
    TG_KERNEL_COUNT
} tg_kernel_id;

/* Runs kernel over items 0..n_items-1 dealt into n_blocks fixed blocks (at least 1; which items
 * a block holds depends on n_items and n_blocks only, never on threads or ranks), on this process's threads
 * and, under mpirun, on every rank, which receive g and args from here. Fills out (width * n or
 * width * n_items values). On rank 0 only; an interruption or a block out of memory stops every
 * rank's loop and returns an error. */
tg_status tg_blocks_run(tg_kernel_id kernel, const tg_csr *g, const tg_kernel_args *args, int64_t n_items,
                        int64_t n_blocks, double *out, tg_error *err);

/* The blocks a loop of n_items is cut into when n_blocks are asked for: at most one per chunk,
 * at least 1. */
int64_t tg_blocks_count(int64_t n_items, int64_t n_blocks);

/* The items of block b (0 <= b < tg_blocks_count(...)) of a loop of n_items. */
tg_block_items tg_blocks_items(int64_t n_items, int64_t n_blocks, int64_t b);

/* Threads per rank: TWINGRAPH_THREADS, else the cores this rank may use (under mpirun the
 * ranks of one machine share its cores). */
int tg_blocks_threads_per_rank(void);

/* On ranks other than 0: run the blocks rank 0 hands out until it says the job is over. */
void tg_blocks_serve(void);

/* On rank 0, before it ends: tells the other ranks to end. Harmless on a single process. */
void tg_blocks_release_ranks(void);

#endif
