/* tg_error.c - filling and printing tg_error reports. */
#include "tg_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void tg_error_clear(tg_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

tg_status tg_error_set(tg_error *err, tg_status status, const char *fmt, ...)
{
    if (!err)
        return status;
    tg_error_clear(err);
    err->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    tg_text_trim_partial_utf8(err->message);
    return status;
}

void tg_error_detail(tg_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof err->detail, fmt, ap);
    va_end(ap);
    tg_text_trim_partial_utf8(err->detail);
}

void tg_error_hint(tg_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->hint, sizeof err->hint, fmt, ap);
    va_end(ap);
    tg_text_trim_partial_utf8(err->hint);
}

void tg_error_prefix(tg_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    char prefix[256];
    char old[sizeof err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->message, sizeof old);
    snprintf(err->message, sizeof err->message, "%s: %s", prefix, old);
    tg_text_trim_partial_utf8(err->message);
}

int tg_error_exit_code(tg_status status)
{
    switch (status) {
    case TG_OK:
        return 0;
    case TG_ERR_USAGE:
        return 2;
    case TG_ERR_DB:
        return 3;
    case TG_ERR_INTERRUPTED:
        return 130;
    default:
        return 1;
    }
}

void tg_error_print(const tg_error *err)
{
    fprintf(stderr, "twingraph: error: %s\n", err->message[0] ? err->message : "unknown error");
    if (err->detail[0])
        fprintf(stderr, "DETAIL:  %s\n", err->detail);
    if (err->hint[0])
        fprintf(stderr, "HINT:  %s\n", err->hint);
}

void tg_text_trim_partial_utf8(char *s)
{
    size_t n = strlen(s);
    /* Walk back over continuation bytes (10xxxxxx) to the lead byte of the last sequence. */
    size_t lead = n;
    while (lead > 0 && ((unsigned char)s[lead - 1] & 0xC0) == 0x80 && n - lead < 3)
        lead--;
    if (lead == 0)
        return;
    unsigned char c = (unsigned char)s[lead - 1];
    size_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (n - (lead - 1) < want)
        s[lead - 1] = '\0';
}
