/* tg_interrupt.c - signal handlers that request a clean stop, polled by igraph and between stages. */
#include "tg_interrupt.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <igraph.h>

/* A signal handler can only talk through a file-level flag of this type. */
static volatile sig_atomic_t stop_signal;

static void request_stop(int signal_number)
{
    stop_signal = signal_number;
}

static igraph_error_t igraph_poll(void *data)
{
    (void)data;
    if (!stop_signal)
        return IGRAPH_SUCCESS;
    /* IGRAPH_ALLOW_INTERRUPTION returns at once without calling the error handler, so what the
     * routine registered for cleanup must be freed here (as python-igraph's handler does);
     * without this every interrupted routine leaks its work memory (seen under LeakSanitizer). */
    IGRAPH_FINALLY_FREE();
    return IGRAPH_INTERRUPTED;
}

void tg_interrupt_install(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = request_stop;
    action.sa_flags = SA_RESETHAND; /* a second signal takes the default action: end the process */
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    igraph_set_interruption_handler(igraph_poll);
}

void tg_fault_point(const char *point)
{
    const char *fault = getenv("TWINGRAPH_FAULT");
    if (fault && strcmp(fault, point) == 0) {
        fprintf(stderr, "twingraph: TWINGRAPH_FAULT=%s: killing the process\n", point);
        raise(SIGKILL);
    }
}

/* A stop that arrives as a message (from MPI rank 0) rather than a signal, polled on the one
 * thread that may receive it. */
static bool (*poll_stop)(void);
static pthread_t poll_thread;

void tg_interrupt_poll_with(bool (*poll)(void))
{
    poll_thread = pthread_self();
    poll_stop = poll;
}

bool tg_interrupt_requested(void)
{
    if (stop_signal)
        return true;
    if (poll_stop && pthread_equal(pthread_self(), poll_thread) && poll_stop())
        stop_signal = SIGTERM;
    return stop_signal != 0;
}

tg_status tg_interrupt_check(const char *where, tg_error *err)
{
    if (!stop_signal)
        return TG_OK;
    tg_error_set(err, TG_ERR_INTERRUPTED, "interrupted by %s %s", stop_signal == SIGINT ? "SIGINT" : "SIGTERM",
                 where);
    tg_error_detail(err, "the previous features are unchanged");
    return TG_ERR_INTERRUPTED;
}
