/* tg_write.h - the write stage: the runs table (lineage) and the atomic, MVCC-safe replacement of the feature table. */
#ifndef TG_WRITE_H
#define TG_WRITE_H

#include <stdint.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "tg_column.h"
#include "tg_error.h"
#include "tg_spec.h"
#include "tg_twins.h"

/* Creates the runs table if needed, marks runs whose process is gone as failed ("abandoned"),
 * and records a new run with status 'running', the spec and the versions. Commits at once, so
 * the run is visible while it works. *run_id receives the new run's id. */
tg_status tg_write_run_start(PGconn *conn, const tg_spec *spec, int64_t *run_id, tg_error *err);

/* Replaces what the output table (a view, see tg_storage.h) shows with table's columns in one
 * transaction: the run's own partition (COPY FREEZE, attached), a new generation and view when
 * the columns changed, COMMENT ON every column, and the run marked 'succeeded' with its layer
 * counts and stage seconds in the same commit. Readers see the complete previous run until the
 * commit and the complete new one after it (never TRUNCATE or a table swap, which REPEATABLE
 * READ readers whose snapshot predates the swap would see as empty). After the commit, older
 * partitions no snapshot needs are pruned. On error the transaction is rolled back and the
 * previous contents are untouched. A replacement that would lose more than max_shrink of the
 * rows is refused (see tg_write_check_shrink).
 * layers: borrowed JSON object of per-layer counts. stage_seconds: borrowed JSON object; the
 * "write" entry is added here. warnings, feature_details: borrowed JSON arrays kept in the run's
 * row. */
tg_status tg_write_features(PGconn *conn, const tg_spec *spec, const tg_twins *twins,
                            const tg_feature_table *table, int64_t run_id, json_t *layers,
                            json_t *stage_seconds, const json_t *warnings, const json_t *feature_details,
                            double max_shrink, tg_error *err);

/* Refuses (TG_ERR_INPUT, naming both counts) to replace the output table's rows with new_rows
 * when that loses more than max_shrink (0..1) of them, or when the relationships read lose more
 * than that share of those the last succeeded run read; an absent or empty table passes. */
tg_status tg_write_check_shrink(PGconn *conn, const tg_spec *spec, igraph_integer_t new_rows,
                                igraph_integer_t new_relationships, double max_shrink, tg_error *err);

/* Marks the run failed with the error's message and the run's warnings (a JSON array, or
 * NULL). Best effort: when that fails too, says so on stderr. */
void tg_write_run_failed(PGconn *conn, const tg_spec *spec, int64_t run_id, const tg_error *failure,
                         const json_t *warnings);

#endif
