/* tg_run.h - one job end to end: connect, record the run, read, build, compute, write, summarise. */
#ifndef TG_RUN_H
#define TG_RUN_H

#include <stdbool.h>
#include <stdio.h>

#include "tg_error.h"
#include "tg_spec.h"

typedef struct {
    const char *conninfo;   /* libpq conninfo or URI; NULL or "" for the PG* environment */
    FILE *summary;          /* where the result summary goes (stdout), or NULL for none */
    int top;                /* twins listed per ranking in the summary */
    bool allow_shrink;      /* --allow-shrink: replace the features however many twins are gone */
} tg_run_options;

/* Runs the job. Progress goes to stderr, the summary to options->summary. A run that fails
 * after it was recorded is marked 'failed' with the error message; the previous features stay
 * as they were. */
tg_status tg_run_job(const tg_spec *spec, const tg_run_options *options, tg_error *err);

#endif
