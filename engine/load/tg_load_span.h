/* tg_load_span.h - the source text of values inside a JSON document that jansson has already accepted, so documents keep their numbers as written. */
#ifndef TG_LOAD_SPAN_H
#define TG_LOAD_SPAN_H

#include <stdbool.h>
#include <stddef.h>

#include "tg_error.h"

/* A stretch of a JSON text (borrowed). */
typedef struct {
    const char *start;
    size_t len;
} tg_load_span;

/* The value of member key (compared as written between the quotes, so keys with escapes do not
 * match) of the object in span; false when span is not an object or has no such member. span
 * must be valid JSON (jansson accepted it). */
bool tg_load_span_member(tg_load_span object, const char *key, tg_load_span *value);

/* The elements of the array in span, in order: *elements is a new array the caller frees, *n
 * its length. On error (not an array, out of memory) returns non-zero. */
tg_status tg_load_span_elements(tg_load_span array, tg_load_span **elements, size_t *n, tg_error *err);

/* A copy of the span's text as a NUL-terminated string (caller frees), or NULL. */
char *tg_load_span_text(tg_load_span span);

#endif
