/* tg_time.c - clocks (monotonic for stage timings, wall for reference times) and ISO 8601 timestamps. */
/* timegm is a BSD and GNU extension, in glibc since forever. */
#define _DEFAULT_SOURCE
#include "tg_time.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double tg_time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double tg_time_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* n digits as a number, or -1. */
static int digits(const char *p, int n)
{
    int value = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)p[i]))
            return -1;
        value = 10 * value + (p[i] - '0');
    }
    return value;
}

/* By hand: strptime has no fractional seconds or "Z"/offset, and no library the engine links
 * parses RFC 3339. */
bool tg_time_parse(const char *text, double *seconds)
{
    size_t len = strlen(text);
    if (len < 19 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
        text[13] != ':' || text[16] != ':')
        return false;
    int year = digits(text, 4), month = digits(text + 5, 2), day = digits(text + 8, 2);
    int hour = digits(text + 11, 2), minute = digits(text + 14, 2), second = digits(text + 17, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 ||
        minute > 59 || second < 0 || second > 60)
        return false;
    const char *p = text + 19;
    double fraction = 0, scale = 0.1;
    if (*p == '.') {
        if (!isdigit((unsigned char)p[1]))
            return false;
        for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
            fraction += (*p - '0') * scale;
    }
    int offset = 0;
    if (*p == 'Z' || *p == 'z')
        p++;
    else if (*p == '+' || *p == '-') {
        int h = digits(p + 1, 2), m = p[3] == ':' ? digits(p + 4, 2) : digits(p + 3, 2);
        if (h < 0 || m < 0 || h > 23 || m > 59)
            return false;
        offset = (*p == '-' ? -1 : 1) * (h * 3600 + m * 60);
        p += p[3] == ':' ? 6 : 5;
    }
    if (*p)
        return false;
    struct tm tm = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day, .tm_hour = hour, .tm_min = minute,
                    .tm_sec = second};
    time_t t = timegm(&tm);
    /* timegm normalises 31 February into March: refuse what does not come back the same (a leap
     * second :60 rolls over by design). */
    struct tm back, day_only = tm;
    day_only.tm_sec = 0;
    time_t day_start = timegm(&day_only);
    if (!gmtime_r(&day_start, &back) || back.tm_mday != day || back.tm_mon != month - 1 || year < 1)
        return false;
    *seconds = (double)t + fraction - offset;
    return true;
}

void tg_time_format(double seconds, char *buf, size_t size)
{
    time_t whole = (time_t)floor(seconds);
    struct tm tm;
    gmtime_r(&whole, &tm);
    int millis = (int)((seconds - (double)whole) * 1000);
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, millis);
}
