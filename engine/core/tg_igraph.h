/* tg_igraph.h - installing igraph's error and warning handlers and turning igraph errors into tg_error. */
#ifndef TG_IGRAPH_H
#define TG_IGRAPH_H

#include <igraph.h>

#include "tg_error.h"
#include "tg_warnings.h"

/* Replaces igraph's default error handler, which aborts the process, with one that records
 * the reason and returns the error code to the caller; warnings go to stderr. Also limits
 * igraph's OpenMP parts to one thread, so results are reproducible to the bit. Call once at
 * start-up, before any igraph call. */
void tg_igraph_install_handlers(void);

/* Fills err with "could not <what>: <igraph reason>" for the igraph error code rc and
 * returns the matching status (TG_ERR_MEMORY for IGRAPH_ENOMEM, TG_ERR_INTERRUPTED for
 * IGRAPH_INTERRUPTED, else TG_ERR_INTERNAL). */
/* Until called again with NULL, igraph's warnings become run warnings prefixed with context
 * (the column being computed) instead of lines on stderr. warnings is borrowed. */
void tg_igraph_capture_warnings(tg_warnings *warnings, const char *context);

tg_status tg_igraph_error(tg_error *err, igraph_error_t rc, const char *what);

#endif
