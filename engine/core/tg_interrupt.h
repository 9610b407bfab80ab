/* tg_interrupt.h - turning SIGINT and SIGTERM into a clean stop: the run is marked failed and the previous features stay. */
#ifndef TG_INTERRUPT_H
#define TG_INTERRUPT_H

#include <stdbool.h>

#include "tg_error.h"

/* Installs SIGINT and SIGTERM handlers that request a stop, and an igraph interruption handler
 * that makes long igraph routines return IGRAPH_INTERRUPTED. A second signal ends the process
 * at once (the handler resets itself). Call once at start-up. */
void tg_interrupt_install(void);

/* Whether a stop was requested. */
bool tg_interrupt_requested(void);

/* Also asks poll, from the calling thread only (others see what it found), whether a stop
 * arrived some other way: MPI ranks other than 0 learn of rank 0's interruption so. */
void tg_interrupt_poll_with(bool (*poll)(void));

/* TG_OK, or, when a stop was requested, fills err with TG_ERR_INTERRUPTED naming where. */
tg_status tg_interrupt_check(const char *where, tg_error *err);

/* A testing hook: when the environment variable TWINGRAPH_FAULT names this point, the process
 * kills itself (SIGKILL) there, standing for a crash at an exact step (tests/integration). */
void tg_fault_point(const char *point);

#endif
