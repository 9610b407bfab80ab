/* tg_storage.h - the physical layout behind a feature table: one partitioned table per column set (a generation), one partition per run, and the reader view that shows the latest succeeded run in the reader's own snapshot. */
#ifndef TG_STORAGE_H
#define TG_STORAGE_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "tg_column.h"
#include "tg_error.h"
#include "tg_spec.h"
#include "tg_twins.h"

/* Where a feature table's parts live: all in the schema of output.table, named after a hash of
 * its name ("tg_0123456789abcdef_g<generation>", "tg_0123456789abcdef_r<run_id>"). */
typedef struct {
    char *schema_name;  /* owned, raw */
    char *schema;       /* owned, quoted */
    char *view;         /* owned, quoted "schema"."table": what readers query */
    char *runs;         /* owned, quoted runs table */
    char *history;      /* owned, quoted "schema"."table_history": every kept run's rows */
    char *as_of;        /* owned, quoted "schema"."table_as_of": the function over it */
    char as_of_name[128]; /* the function's name, raw */
    char base[24];      /* "tg_" and sixteen hex digits */
} tg_storage;

/* Fills storage for the spec's output table. Release it with tg_storage_destroy whatever the
 * result. */
tg_status tg_storage_init(PGconn *conn, const tg_spec *spec, tg_storage *storage, tg_error *err);

/* Frees the names. Accepts a zeroed value. */
void tg_storage_destroy(tg_storage *storage);

/* Inside the write transaction: creates the run's partition with exactly the job's columns,
 * fills it with COPY (FORMAT binary, FREEZE), builds its primary key after the load and attaches
 * it to the generation of that column set, creating a new generation when the columns changed
 * (*new_generation). Readers are not blocked: ATTACH PARTITION takes SHARE UPDATE EXCLUSIVE on
 * the parent. Time: O(twins · columns) plus the index build, O(twins log twins). */
tg_status tg_storage_write_run(PGconn *conn, const tg_storage *storage, const tg_feature_table *table,
                               const tg_twins *twins, int64_t run_id, bool *new_generation, tg_error *err);

/* Inside the write transaction: (re)creates the reader view over the generations that hold runs,
 * when the columns changed, the view is missing, or an older twingraph's plain table stands in
 * its place. Replacing a view needs ACCESS EXCLUSIVE: it is tried under a 200 ms lock_timeout and
 * retried with backoff for up to lock_wait_s seconds, so a new reader waits at most a moment.
 * Then fails naming the wait. */
tg_status tg_storage_publish(PGconn *conn, const tg_storage *storage, const tg_spec *spec,
                             const tg_feature_table *table, bool new_generation, double lock_wait_s, tg_error *err);

/* Inside the write transaction, before tg_storage_publish (so readers of the feature table never
 * wait behind readers of its history). With "output.history": (re)creates the history view
 * (every kept run's rows, with the reader view's columns, NULL where a run's generation lacks
 * one) and the function <table>_as_of(t), which returns the rows of the latest run that succeeded
 * at or before t (none before the first run; an error naming the run when its rows were no
 * longer kept); both get exactly the feature table's SELECT grants, and the function checks the
 * caller's at every call. Without history, drops both when an earlier run made them. A view or
 * a function of those names of another role fails the run. */
tg_status tg_storage_publish_history(PGconn *conn, const tg_storage *storage, const tg_spec *spec,
                                     const tg_feature_table *table, tg_error *err);

/* After the commit: drops the partitions of older runs that no session's snapshot can still
 * need (no backend_xmin at or before the commit of run_id) and that "output.history" does not
 * keep, and generations left empty. Each drop
 * waits at most 200 ms for readers and is otherwise left for the next run. Returns the number
 * of partitions dropped; errors are not fatal. */
int tg_storage_prune(PGconn *conn, const tg_storage *storage, const tg_spec *spec, int64_t run_id);

#endif
