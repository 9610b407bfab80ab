/* tg_threads.h - the engine's own worker threads: how many, and running numbered blocks of a loop on them. */
#ifndef TG_THREADS_H
#define TG_THREADS_H

#include <stdbool.h>

#define TG_MAX_THREADS 16

/* TWINGRAPH_THREADS, or the online cores, within 1..TG_MAX_THREADS. A value that is not a
 * number in that range is warned about on stderr and replaced by the default. */
int tg_thread_count(void);

/* Whether TWINGRAPH_THREADS holds a valid count (rather than being unset or refused). */
bool tg_thread_count_given(void);

/* One block of a loop: block in 0..n_blocks-1. Blocks run concurrently and must only read shared
 * state and write their own. */
typedef void (*tg_block_fn)(void *context, int block);

/* Runs fn for every block, each on a thread of its own (block 0 on the calling thread), and
 * returns when all are done. A thread that cannot start runs its block on the calling thread
 * afterwards, so every block always runs. igraph must not be called from fn (Debian's igraph is
 * not thread-safe). */
void tg_threads_run(int n_blocks, tg_block_fn fn, void *context);

#endif
