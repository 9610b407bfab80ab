/* tg_load_file.h - reading an import file: whole or line by line, a UTF-8 byte-order mark skipped, UTF-16 refused, JSON parsed with jansson. */
#ifndef TG_LOAD_FILE_H
#define TG_LOAD_FILE_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>

#include "tg_error.h"

/* Reads the whole file: *text is a new NUL-terminated buffer (caller frees) without a leading
 * UTF-8 byte-order mark, *len its length. On error: the file cannot be read, or it is UTF-16. */
tg_status tg_load_file_read(const char *path, char **text, size_t *len, tg_error *err);

/* Line reading (pipes included): call for every line read with getline, number counting from 1;
 * the first line loses a UTF-8 byte-order mark (*line moves past it, *len shrinks) and UTF-16 is
 * refused. Polls for SIGINT every 4096 lines. */
tg_status tg_load_file_line(const char *path, size_t number, char **line, ssize_t *len, tg_error *err);

/* After the getline loop: an error unless the whole file was read (getline also stops when a
 * line does not fit in memory, which must not pass for the end of the file). */
tg_status tg_load_file_lines_end(FILE *file, const char *path, tg_error *err);

/* Parses JSON text with duplicate keys refused. An integer beyond 64 bits is valid JSON (jsonb
 * keeps it), so it is retried as a real instead of failing; only ids and names are read from
 * the values. Returns a new reference, or NULL with jerr filled. */
json_t *tg_load_file_parse(const char *text, size_t len, json_error_t *jerr);

#endif
