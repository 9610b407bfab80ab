/* tg_load_span.c - the source text of values inside a JSON document that jansson has already accepted, so documents keep their numbers as written. */
#include "tg_load_span.h"

#include <stdlib.h>
#include <string.h>

/* Written by hand because jansson reports no positions and prints reals back through a double
 * (38.3 becomes 38.299999999999997, 1.10 becomes 1.1000000000000001), while a twin document must
 * reach jsonb as the file spells it. This only skips over text jansson has validated: it tracks
 * strings and nesting, nothing else. */

static const char *skip_space(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* p at the opening quote; returns just after the closing one. */
static const char *skip_string(const char *p, const char *end)
{
    for (p++; p < end && *p != '"'; p++)
        if (*p == '\\')
            p++;
    return p < end ? p + 1 : end;
}

/* p at the start of a value; returns just after it. Containers by counting brackets outside
 * strings. */
static const char *skip_value(const char *p, const char *end)
{
    if (p < end && *p == '"')
        return skip_string(p, end);
    if (p < end && (*p == '{' || *p == '[')) {
        int depth = 0;
        while (p < end) {
            if (*p == '"') {
                p = skip_string(p, end);
                continue;
            }
            if (*p == '{' || *p == '[')
                depth++;
            else if (*p == '}' || *p == ']')
                if (--depth == 0)
                    return p + 1;
            p++;
        }
        return end;
    }
    while (p < end && *p != ',' && *p != ']' && *p != '}' && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
        p++;
    return p;
}

bool tg_load_span_member(tg_load_span object, const char *key, tg_load_span *value)
{
    const char *end = object.start + object.len, *p = skip_space(object.start, end);
    if (p == end || *p != '{')
        return false;
    size_t key_len = strlen(key);
    for (p = skip_space(p + 1, end); p < end && *p == '"';) {
        const char *name = p + 1, *after = skip_string(p, end);
        bool match = (size_t)(after - 1 - name) == key_len && memcmp(name, key, key_len) == 0;
        p = skip_space(after, end);
        if (p < end && *p == ':')
            p = skip_space(p + 1, end);
        const char *value_end = skip_value(p, end);
        if (match) {
            *value = (tg_load_span){p, (size_t)(value_end - p)};
            return true;
        }
        p = skip_space(value_end, end);
        if (p < end && *p == ',')
            p = skip_space(p + 1, end);
        else
            break;
    }
    return false;
}

tg_status tg_load_span_elements(tg_load_span array, tg_load_span **elements, size_t *n, tg_error *err)
{
    *elements = NULL;
    *n = 0;
    const char *end = array.start + array.len, *p = skip_space(array.start, end);
    if (p == end || *p != '[')
        return tg_error_set(err, TG_ERR_INPUT, "not a JSON array");
    size_t cap = 0;
    for (p = skip_space(p + 1, end); p < end && *p != ']';) {
        const char *value_end = skip_value(p, end);
        if (*n == cap) {
            cap = cap ? 2 * cap : 256;
            tg_load_span *bigger = realloc(*elements, cap * sizeof *bigger);
            if (!bigger) {
                free(*elements);
                *elements = NULL;
                return tg_error_set(err, TG_ERR_MEMORY, "out of memory while reading the import file");
            }
            *elements = bigger;
        }
        (*elements)[(*n)++] = (tg_load_span){p, (size_t)(value_end - p)};
        p = skip_space(value_end, end);
        if (p < end && *p == ',')
            p = skip_space(p + 1, end);
    }
    return TG_OK;
}

char *tg_load_span_text(tg_load_span span)
{
    char *text = malloc(span.len + 1);
    if (text) {
        memcpy(text, span.start, span.len);
        text[span.len] = '\0';
    }
    return text;
}
