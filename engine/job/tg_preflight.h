/* tg_preflight.h - the checks a run makes before it creates or records anything: sources, columns, output ownership and privileges. */
#ifndef TG_PREFLIGHT_H
#define TG_PREFLIGHT_H

#include <libpq-fe.h>

#include "tg_error.h"
#include "tg_spec.h"

/* Checks that the sources the job reads exist in the connected database with their required
 * columns and can be read, that the output table is twingraph's (or can be created) and can be
 * written, and that the runs table can be written or created. Creates nothing, so a job aimed
 * at the wrong database fails without leaving tables there. Each failure names the setting and
 * the database. */
tg_status tg_preflight_check(PGconn *conn, const tg_spec *spec, tg_error *err);

#endif
