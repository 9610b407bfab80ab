/* tg_warnings.h - the warnings of one run: printed on stderr as they happen and kept for features.runs. */
#ifndef TG_WARNINGS_H
#define TG_WARNINGS_H

#include <jansson.h>

typedef struct {
    json_t *list; /* owned: a JSON array of strings */
} tg_warnings;

/* Initialises an empty list; returns 0, or -1 when out of memory. */
int tg_warnings_init(tg_warnings *warnings);

/* Frees the list. Accepts a zeroed value. */
void tg_warnings_destroy(tg_warnings *warnings);

/* Prints "twingraph: warning: <message>" to stderr and keeps the message. warnings may be NULL
 * (printed only). */
void tg_warn(tg_warnings *warnings, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
