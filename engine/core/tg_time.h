/* tg_time.h - clocks (monotonic for stage timings, wall for reference times) and ISO 8601 timestamps. */
#ifndef TG_TIME_H
#define TG_TIME_H

#include <stdbool.h>
#include <stddef.h>

/* Seconds from an arbitrary fixed point, monotonic. */
double tg_time_now(void);

/* The wall clock: seconds since 1970-01-01 UTC. */
double tg_time_wall(void);

/* Parses an ISO 8601 / RFC 3339 timestamp as IoT Hub writes them ("2026-11-20T10:15:30.1234567Z",
 * also with an offset "+01:00" or without a zone, read as UTC) into seconds since 1970 UTC.
 * Returns false when text is not one. */
bool tg_time_parse(const char *text, double *seconds);

/* Writes seconds since 1970 as "2026-11-20T10:15:30.123Z" into buf. */
void tg_time_format(double seconds, char *buf, size_t size);

#endif
