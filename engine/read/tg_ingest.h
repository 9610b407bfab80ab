/* tg_ingest.h - the read stage: twins and relationships from PostgreSQL (COPY) into tg_twins. */
#ifndef TG_INGEST_H
#define TG_INGEST_H

#include <libpq-fe.h>

#include "tg_error.h"
#include "tg_spec.h"
#include "tg_twins.h"
#include "tg_warnings.h"

/* Reads the devices source (ordered by device_id in byte order, so vertex ids are stable) and,
 * when a layer needs it, the relationships source, into twins (initialised by the caller), in
 * one REPEATABLE READ READ ONLY transaction, so both come from one snapshot.
 * Column contract: devices need device_id; parent_id, model, lat, lon are read when present.
 * Relationships need source_id, target_id and kind, and properties when a layer weighs by a
 * property. Coordinates outside their range are an error only when the job uses them; else a
 * warning counts them. On error twins may hold a partial read; the caller destroys it.
 * Time: O(rows) plus the database's sort of the devices. */
tg_status tg_ingest_read(PGconn *conn, const tg_spec *spec, tg_twins *twins, tg_warnings *warnings, tg_error *err);

#endif
