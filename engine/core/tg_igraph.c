/* tg_igraph.c - igraph error and warning handlers that report instead of aborting. */
#include "tg_igraph.h"

#include <stdio.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "tg_interrupt.h"
#include "tg_time.h"

/* igraph's handler interface has no user-data pointer, so the last reason has to live in a
 * file-level buffer; igraph is not thread-safe on Debian 12 anyway (IGRAPH_THREAD_SAFE 0). */
static char last_reason[256];

static void record_error(const char *reason, const char *file, int line, igraph_error_t igraph_errno)
{
    snprintf(last_reason, sizeof last_reason, "%s (%s, igraph %s:%d)", reason ? reason : "",
             igraph_strerror(igraph_errno), file ? file : "?", line);
    /* Every handler that returns must free what igraph registered for cleanup. */
    IGRAPH_FINALLY_FREE();
}

/* Long igraph routines (betweenness, harmonic) report progress; print it at most every few
 * seconds so short runs stay quiet and long ones show they are alive. The time of the last line
 * is file-level state for the same reason as last_reason: the handler gets no state of ours. */
static igraph_error_t print_progress(const char *message, igraph_real_t percent, void *data)
{
    static double last_print;
    (void)data;
    double now = tg_time_now();
    if (last_print == 0.0)
        last_print = now;
    if (now - last_print >= 5.0 && percent < 100.0) {
        fprintf(stderr, "twingraph: %s%.0f%%\n", message ? message : "", percent);
        last_print = now;
    }
    return IGRAPH_SUCCESS;
}

/* Where igraph's warnings go while a feature computes: file-level for the same reason as
 * last_reason (the handler gets no state of ours). */
static tg_warnings *warning_sink;
static char warning_context[128];

static void print_warning(const char *reason, const char *file, int line)
{
    (void)file;
    (void)line;
    if (warning_sink)
        tg_warn(warning_sink, "%s: igraph: %s", warning_context, reason);
    else
        fprintf(stderr, "twingraph: warning: igraph: %s\n", reason);
}

void tg_igraph_capture_warnings(tg_warnings *warnings, const char *context)
{
    warning_sink = warnings;
    snprintf(warning_context, sizeof warning_context, "%s", context ? context : "");
}

void tg_igraph_install_handlers(void)
{
    /* Debian's igraph runs PRPACK (PageRank) with OpenMP, whose reductions add in whatever order
     * the threads finish: the last bits of PageRank then differ from run to run. One thread makes
     * every run of a spec byte-identical. */
#ifdef _OPENMP
    omp_set_num_threads(1);
#endif
    igraph_set_error_handler(record_error);
    igraph_set_warning_handler(print_warning);
    igraph_set_progress_handler(print_progress);
}

tg_status tg_igraph_error(tg_error *err, igraph_error_t rc, const char *what)
{
    if (rc == IGRAPH_INTERRUPTED) {
        last_reason[0] = '\0';
        char where[128];
        snprintf(where, sizeof where, "while trying to %s", what);
        return tg_interrupt_check(where, err);
    }
    tg_status st = rc == IGRAPH_ENOMEM ? TG_ERR_MEMORY : TG_ERR_INTERNAL;
    tg_error_set(err, st, "could not %s: %s", what, last_reason[0] ? last_reason : igraph_strerror(rc));
    last_reason[0] = '\0';
    return st;
}
