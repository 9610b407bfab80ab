/* tg_load_file.h - reading an import file: whole or line by line, a UTF-8 byte-order mark skipped, UTF-16 refused, JSON parsed with jansson. */
#ifndef TG_LOAD_FILE_H
#define TG_LOAD_FILE_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "tg_error.h"

/* Reads the whole file: *text is a new NUL-terminated buffer (caller frees) without a leading
 * UTF-8 byte-order mark, *len its length. On error: the file cannot be read, or it is UTF-16. */
tg_status tg_load_file_read(const char *path, char **text, size_t *len, tg_error *err);

/* Opens the file for line reading, past a UTF-8 byte-order mark. On error as above. */
tg_status tg_load_file_open(const char *path, FILE **file, tg_error *err);

/* Parses JSON text with duplicate keys refused. An integer beyond 64 bits is valid JSON (jsonb
 * keeps it), so it is retried as a real instead of failing; only ids and names are read from
 * the values. Returns a new reference, or NULL with jerr filled. */
json_t *tg_load_file_parse(const char *text, size_t len, json_error_t *jerr);

#endif
