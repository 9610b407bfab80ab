/* tg_time.c - a monotonic clock for stage timings. */
#include "tg_time.h"

#include <time.h>

double tg_time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
