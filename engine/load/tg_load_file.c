/* tg_load_file.c - reading an import file: whole or line by line, a UTF-8 byte-order mark skipped, UTF-16 refused, JSON parsed with jansson. */
#include "tg_load_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tg_interrupt.h"

static tg_status not_readable(const char *path, tg_error *err)
{
    return tg_error_set(err, TG_ERR_INPUT, "could not read \"%s\": %s", path, strerror(errno));
}

/* Windows tools write UTF-8 with a byte-order mark, or UTF-16. */
static tg_status check_start(const char *path, const unsigned char *start, size_t len, size_t *skip, tg_error *err)
{
    *skip = 0;
    if (len >= 3 && start[0] == 0xef && start[1] == 0xbb && start[2] == 0xbf)
        *skip = 3;
    else if (len >= 2 && ((start[0] == 0xff && start[1] == 0xfe) || (start[0] == 0xfe && start[1] == 0xff))) {
        tg_error_set(err, TG_ERR_INPUT, "\"%s\" is UTF-16; twingraph reads UTF-8", path);
        tg_error_hint(err, "convert it first: iconv -f UTF-16 -t UTF-8 FILE > FILE.utf8");
        return TG_ERR_INPUT;
    }
    return TG_OK;
}

tg_status tg_load_file_read(const char *path, char **text, size_t *len, tg_error *err)
{
    *text = NULL;
    *len = 0;
    FILE *file = fopen(path, "rb");
    if (!file)
        return tg_error_set(err, TG_ERR_INPUT, "could not open \"%s\": %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    tg_status st = buf ? TG_OK : tg_error_set(err, TG_ERR_MEMORY, "out of memory while reading the import file");
    while (!st) {
        if (n == cap) {
            char *bigger = realloc(buf, 2 * cap + 1);
            if (!bigger) {
                st = tg_error_set(err, TG_ERR_MEMORY, "out of memory while reading the import file");
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        if ((st = tg_interrupt_check("while reading the import file", err)))
            break;
        size_t got = fread(buf + n, 1, cap - n, file);
        n += got;
        if (got == 0) {
            if (ferror(file))
                st = not_readable(path, err);
            break;
        }
    }
    fclose(file);
    size_t skip = 0;
    if (!st)
        st = check_start(path, (const unsigned char *)buf, n, &skip, err);
    if (st) {
        free(buf);
        return st;
    }
    memmove(buf, buf + skip, n - skip);
    buf[n - skip] = '\0';
    *text = buf;
    *len = n - skip;
    return TG_OK;
}

tg_status tg_load_file_line(const char *path, size_t number, char **line, ssize_t *len, tg_error *err)
{
    if ((number & 4095) == 0) {
        tg_status st = tg_interrupt_check("while reading the import file", err);
        if (st)
            return st;
    }
    if (number != 1)
        return TG_OK;
    size_t skip = 0;
    tg_status st = check_start(path, (const unsigned char *)*line, (size_t)*len, &skip, err);
    *line += skip;
    *len -= (ssize_t)skip;
    return st;
}

tg_status tg_load_file_lines_end(FILE *file, const char *path, tg_error *err)
{
    if (ferror(file) || !feof(file)) {
        tg_error_set(err, TG_ERR_INPUT, "could not read all of \"%s\": %s", path,
                     errno ? strerror(errno) : "reading stopped before the end");
        tg_error_detail(err, "A line too long for the memory available stops the reading too.");
        return TG_ERR_INPUT;
    }
    return TG_OK;
}

json_t *tg_load_file_parse(const char *text, size_t len, json_error_t *jerr)
{
    json_t *value = json_loadb(text, len, JSON_REJECT_DUPLICATES, jerr);
    if (!value && strstr(jerr->text, "too big integer"))
        value = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, jerr);
    return value;
}
