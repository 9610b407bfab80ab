/* tg_threads.c - the engine's own worker threads: how many, and running numbered blocks of a loop on them. */
#include "tg_threads.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* TWINGRAPH_THREADS as a count within 1..TG_MAX_THREADS, or 0 when unset or not such a count. */
static long threads_given(void)
{
    const char *env = getenv("TWINGRAPH_THREADS");
    char *end = NULL;
    long n = env && *env ? strtol(env, &end, 10) : 0;
    return env && *env && !*end && n >= 1 && n <= TG_MAX_THREADS ? n : 0;
}

bool tg_thread_count_given(void)
{
    return threads_given() > 0;
}

int tg_thread_count(void)
{
    const char *env = getenv("TWINGRAPH_THREADS");
    long cores = sysconf(_SC_NPROCESSORS_ONLN), n = threads_given();
    if (n == 0 && env && *env) {
        static bool warned = false; /* once a process, not once a feature */
        if (!warned)
            fprintf(stderr, "twingraph: warning: TWINGRAPH_THREADS=%s is not a number within 1..%d; using the "
                            "default\n", env, TG_MAX_THREADS);
        warned = true;
    }
    if (n == 0)
        n = cores;
    return n < 1 ? 1 : n > TG_MAX_THREADS ? TG_MAX_THREADS : (int)n;
}

typedef struct {
    tg_block_fn fn;
    void *context;
    int block;
} block_call;

static void *run_block(void *arg)
{
    block_call *call = arg;
    call->fn(call->context, call->block);
    return NULL;
}

void tg_threads_run(int n_blocks, tg_block_fn fn, void *context)
{
    pthread_t threads[TG_MAX_THREADS];
    block_call calls[TG_MAX_THREADS];
    int started[TG_MAX_THREADS] = {0};
    if (n_blocks > TG_MAX_THREADS)
        n_blocks = TG_MAX_THREADS;
    for (int b = 1; b < n_blocks; b++) {
        calls[b] = (block_call){fn, context, b};
        started[b] = pthread_create(&threads[b], NULL, run_block, &calls[b]) == 0;
    }
    if (n_blocks > 0)
        fn(context, 0);
    for (int b = 1; b < n_blocks; b++) {
        if (started[b])
            pthread_join(threads[b], NULL);
        else
            fn(context, b);
    }
}
