/* tg_copy.h - PostgreSQL COPY formats: decoding text-format rows (COPY TO) and encoding binary-format rows (COPY FROM). */
#ifndef TG_COPY_H
#define TG_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TG_COPY_MAX_FIELDS 64

/* Decodes one COPY text-format line in place into at most max_fields fields (NULL for \N).
 * line[len] must be writable (libpq's buffers end with a NUL there). Written by hand because
 * libpq hands COPY rows over undecoded. Returns the number of fields, or -1 when the line has
 * more than max_fields fields. */
int tg_copy_split_text(char *line, size_t len, char **fields, size_t max_fields);

/* Whether text is a decimal number as PostgreSQL prints numbers in jsonb and float8 text (an
 * optional minus, digits, an optional fraction and exponent; no spaces, hex, NaN or Infinity);
 * if so and it is finite as a double, *out receives it. */
bool tg_copy_parse_number(const char *text, double *out);

/* COPY ... FROM STDIN (FORMAT binary) data being built. Binary rather than text because printing
 * and parsing millions of doubles as decimal text costs more than the rest of the write; libpq
 * has no encoder, so this is hand-written. Zero-initialise; an allocation failure sets failed
 * and makes later calls no-ops. */
typedef struct {
    char *data;   /* owned; free with tg_copy_buffer_destroy */
    size_t len;
    size_t cap;
    bool failed;
} tg_copy_buffer;

/* The file header; call once before the first row. */
void tg_copy_header(tg_copy_buffer *buf);

/* Starts a row of n_fields fields; follow with exactly that many field calls. */
void tg_copy_row(tg_copy_buffer *buf, int16_t n_fields);

/* One field: SQL NULL, or a value of type text (UTF8 bytes), bigint, double precision, boolean
 * or double precision[] (one dimension, no NULL elements, n >= 0 values). */
void tg_copy_null(tg_copy_buffer *buf);
void tg_copy_text(tg_copy_buffer *buf, const char *value);
void tg_copy_int8(tg_copy_buffer *buf, int64_t value);
void tg_copy_float8(tg_copy_buffer *buf, double value);
void tg_copy_bool(tg_copy_buffer *buf, bool value);
void tg_copy_float8_array(tg_copy_buffer *buf, const double *values, size_t n);

/* One field of a COPY text-format row (what COPY ... FROM STDIN without options reads): the value
 * with backslash, tab, newline and carriage return escaped, or \N for NULL, then a tab, or a
 * newline after the row's last field. Text rather than binary where the target table is the
 * user's: any column type that accepts the text (jsonb or json, text or varchar) works. */
void tg_copy_text_field(tg_copy_buffer *buf, const char *value, bool last);

/* The file trailer; call once after the last row. */
void tg_copy_trailer(tg_copy_buffer *buf);

/* Forgets the contents but keeps the memory (after sending them). */
void tg_copy_buffer_clear(tg_copy_buffer *buf);

/* Frees the memory. Accepts a zeroed buffer. */
void tg_copy_buffer_destroy(tg_copy_buffer *buf);

#endif
