/* tg_copy.c - PostgreSQL COPY formats: text-format row decoding and binary-format row encoding. */
#include "tg_copy.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int tg_copy_split_text(char *line, size_t len, char **fields, size_t max_fields)
{
    if (len > 0 && line[len - 1] == '\n')
        len--;
    line[len] = '\0';
    const char *end = line + len;
    char *read = line;
    size_t n = 0;
    for (;;) {
        if (n == max_fields)
            return -1;
        /* A field is NULL only when its raw text is exactly \N (a data "\N" arrives as \\N). */
        if (read[0] == '\\' && read[1] == 'N' && (read + 2 == end || read[2] == '\t')) {
            fields[n++] = NULL;
            read += 2;
        } else {
            char *write = read;
            fields[n++] = write;
            while (read < end && *read != '\t') {
                if (*read == '\\' && read + 1 < end) {
                    switch (read[1]) {
                    case 'b': *write++ = '\b'; break;
                    case 'f': *write++ = '\f'; break;
                    case 'n': *write++ = '\n'; break;
                    case 'r': *write++ = '\r'; break;
                    case 't': *write++ = '\t'; break;
                    case 'v': *write++ = '\v'; break;
                    default: *write++ = read[1]; break; /* \\ and any other escaped byte */
                    }
                    read += 2;
                } else {
                    *write++ = *read++;
                }
            }
            /* write never passes read: the terminator lands at most on the tab at read. */
            bool more = read < end;
            *write = '\0';
            if (!more)
                return (int)n;
            read++;
            continue;
        }
        if (read == end)
            return (int)n;
        read++; /* the tab after a NULL field */
    }
}

/* Makes room for n more bytes; returns a pointer to them, or NULL (and marks the buffer failed). */
static unsigned char *reserve(tg_copy_buffer *buf, size_t n)
{
    if (buf->failed)
        return NULL;
    if (buf->len + n > buf->cap) {
        size_t cap = buf->cap ? buf->cap : 1 << 16;
        while (cap < buf->len + n)
            cap *= 2;
        char *grown = realloc(buf->data, cap);
        if (!grown) {
            buf->failed = true;
            return NULL;
        }
        buf->data = grown;
        buf->cap = cap;
    }
    unsigned char *at = (unsigned char *)buf->data + buf->len;
    buf->len += n;
    return at;
}

/* Network byte order, whatever the host's. */
static void put_be(tg_copy_buffer *buf, uint64_t value, size_t bytes)
{
    unsigned char *at = reserve(buf, bytes);
    for (size_t i = 0; at && i < bytes; i++)
        at[i] = (unsigned char)(value >> (8 * (bytes - 1 - i)));
}

bool tg_copy_parse_number(const char *text, double *out)
{
    const char *c = text;
    if (*c == '-')
        c++;
    if (!(*c >= '0' && *c <= '9'))
        return false;
    while ((*c >= '0' && *c <= '9') || *c == '.' || *c == 'e' || *c == 'E' || *c == '+' || *c == '-')
        c++;
    if (*c != '\0')
        return false;
    char *end;
    double x = strtod(text, &end);
    if (*end || !isfinite(x))
        return false;
    *out = x;
    return true;
}

void tg_copy_header(tg_copy_buffer *buf)
{
    static const char signature[11] = "PGCOPY\n\377\r\n";
    unsigned char *at = reserve(buf, sizeof signature);
    if (at)
        memcpy(at, signature, sizeof signature); /* the 11th byte is the signature's NUL */
    put_be(buf, 0, 4); /* flags: no OIDs */
    put_be(buf, 0, 4); /* header extension length */
}

void tg_copy_row(tg_copy_buffer *buf, int16_t n_fields)
{
    put_be(buf, (uint16_t)n_fields, 2);
}

void tg_copy_text(tg_copy_buffer *buf, const char *value)
{
    size_t n = strlen(value);
    put_be(buf, (uint32_t)n, 4);
    unsigned char *at = reserve(buf, n);
    if (at)
        memcpy(at, value, n);
}

void tg_copy_int8(tg_copy_buffer *buf, int64_t value)
{
    put_be(buf, 8, 4);
    put_be(buf, (uint64_t)value, 8);
}

void tg_copy_float8(tg_copy_buffer *buf, double value)
{
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits); /* IEEE 754, as PostgreSQL's float8send */
    put_be(buf, 8, 4);
    put_be(buf, bits, 8);
}

void tg_copy_null(tg_copy_buffer *buf)
{
    put_be(buf, 0xFFFFFFFFu, 4); /* a field length of -1 */
}

void tg_copy_bool(tg_copy_buffer *buf, bool value)
{
    put_be(buf, 1, 4);
    put_be(buf, value ? 1 : 0, 1);
}

void tg_copy_float8_array(tg_copy_buffer *buf, const double *values, size_t n)
{
    /* array_send's layout: ndim, has-nulls flag, element type oid, then per dimension its length
     * and lower bound, then each element as a field. An empty array has ndim 0 and nothing else. */
    enum { FLOAT8_OID = 701 };
    put_be(buf, n ? 20 + 12 * (uint64_t)n : 12, 4);
    put_be(buf, n ? 1 : 0, 4);
    put_be(buf, 0, 4);
    put_be(buf, FLOAT8_OID, 4);
    if (n == 0)
        return;
    put_be(buf, (uint32_t)n, 4);
    put_be(buf, 1, 4);
    for (size_t i = 0; i < n; i++)
        tg_copy_float8(buf, values[i]);
}

void tg_copy_trailer(tg_copy_buffer *buf)
{
    put_be(buf, 0xFFFF, 2); /* a field count of -1 */
}

void tg_copy_buffer_clear(tg_copy_buffer *buf)
{
    buf->len = 0;
}

void tg_copy_buffer_destroy(tg_copy_buffer *buf)
{
    if (!buf)
        return;
    free(buf->data);
    memset(buf, 0, sizeof *buf);
}

void tg_copy_text_field(tg_copy_buffer *buf, const char *value, bool last)
{
    if (!value) {
        unsigned char *at = reserve(buf, 3);
        if (at)
            memcpy(at, last ? "\\N\n" : "\\N\t", 3);
        return;
    }
    size_t len = strlen(value), special = 0;
    for (size_t i = 0; i < len; i++)
        special += value[i] == '\\' || value[i] == '\t' || value[i] == '\n' || value[i] == '\r';
    unsigned char *at = reserve(buf, len + special + 1);
    if (!at)
        return;
    for (size_t i = 0; i < len; i++) {
        char c = value[i];
        if (c == '\\' || c == '\t' || c == '\n' || c == '\r') {
            *at++ = '\\';
            *at++ = c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : '\\';
        } else {
            *at++ = (unsigned char)c;
        }
    }
    *at = last ? '\n' : '\t';
}
