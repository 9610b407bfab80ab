/* tg_warnings.c - printing and collecting a run's warnings. */
#include "tg_warnings.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tg_error.h"

int tg_warnings_init(tg_warnings *warnings)
{
    warnings->list = json_array();
    return warnings->list ? 0 : -1;
}

void tg_warnings_destroy(tg_warnings *warnings)
{
    if (!warnings)
        return;
    json_decref(warnings->list);
    warnings->list = NULL;
}

void tg_warn(tg_warnings *warnings, const char *fmt, ...)
{
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    tg_text_trim_partial_utf8(message);
    fprintf(stderr, "twingraph: warning: %s\n", message);
    if (warnings && warnings->list)
        json_array_append_new(warnings->list, json_string(message));
}
