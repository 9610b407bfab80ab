/* tg_time.h - a monotonic clock for stage timings. */
#ifndef TG_TIME_H
#define TG_TIME_H

/* Seconds from an arbitrary fixed point, monotonic. */
double tg_time_now(void);

#endif
