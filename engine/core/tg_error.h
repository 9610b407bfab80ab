/* tg_error.h - error codes and the caller-owned error report every fallible call fills. */
#ifndef TG_ERROR_H
#define TG_ERROR_H

#include <stddef.h>

/* Error classes. Success is 0; each class maps to one process exit code (see tg_error_exit_code). */
typedef enum {
    TG_OK = 0,
    TG_ERR_INPUT,    /* the job spec or the twin data is invalid */
    TG_ERR_USAGE,    /* the command line is invalid */
    TG_ERR_DB,       /* connecting to or talking with PostgreSQL failed */
    TG_ERR_MEMORY,   /* out of memory */
    TG_ERR_INTERNAL, /* a library (igraph, jansson) failed unexpectedly */
    TG_ERR_INTERRUPTED /* SIGINT or SIGTERM asked the run to stop */
} tg_status;

/* Worded like PostgreSQL's messages: a short lowercase primary line without a trailing period,
 * then optional detail and hint lines. Caller-owned; zero-initialise or call tg_error_clear. */
typedef struct {
    tg_status status;
    char message[512];
    char detail[1024];
    char hint[512];
    char sqlstate[6];  /* the server's SQLSTATE for database errors, else "" */
} tg_error;

void tg_error_clear(tg_error *err);

/* Sets status and the primary message (printf-style); clears detail and hint.
 * Returns status so callers can write `return tg_error_set(err, TG_ERR_INPUT, ...)`.
 * err may be NULL. */
tg_status tg_error_set(tg_error *err, tg_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sets the detail or hint line of an error already set. err may be NULL. */
void tg_error_detail(tg_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tg_error_hint(tg_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefixes the primary message with "context: " (e.g. which stage failed). */
void tg_error_prefix(tg_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Process exit code for a status: 0 ok, 1 invalid job or data or internal error,
 * 2 command-line usage, 3 database, 130 interrupted (as shells report SIGINT). */
int tg_error_exit_code(tg_status status);

/* Drops a UTF-8 sequence cut off at the end of s (after a cut to a fixed buffer), so the text
 * stays valid UTF-8 for PostgreSQL and JSON. */
void tg_text_trim_partial_utf8(char *s);

/* Prints "twingraph: error: message", then "DETAIL: ..." and "HINT: ..." lines, to stderr. */
void tg_error_print(const tg_error *err);

#endif
