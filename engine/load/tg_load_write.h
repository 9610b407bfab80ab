/* tg_load_write.h - writes loaded twins and relationships into the source tables in one transaction. */
#ifndef TG_LOAD_WRITE_H
#define TG_LOAD_WRITE_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "tg_error.h"
#include "tg_load_set.h"

typedef struct {
    size_t deleted_twins, deleted_relationships; /* with replace: the rows replaced */
    size_t twins, relationships;                  /* rows written */
    bool created;                                 /* the tables did not exist and were created */
    size_t parents_set;                           /* twins already in the table that got a parent */
    size_t parents_kept;                          /* ... that kept theirs (several_parents_first) */
} tg_load_written;

/* In one transaction on conn: creates SCHEMA.devices and SCHEMA.relationships when either is
 * missing (the columns, keys and checks of sql/schema.sql); locks both in SHARE ROW EXCLUSIVE
 * mode, so a concurrent load waits while readers go on; with replace deletes their rows (DELETE,
 * not TRUNCATE: a reader's snapshot keeps seeing the old rows); checks that every id in
 * set->unknown_ids is a twin already in the table (an error naming the first that is not, and
 * where the file uses it); gives the twins already in the table that the file's parent links
 * name as children (set->external_links) their parent: one with another parent already is an
 * error, or with several_parents_first keeps it and the link is written as a relationship;
 * COPYs the twins, then the relationships (parent links only with
 * keep_parent_links), in text format so user tables with json or varchar columns work; commits.
 * On any error the transaction is rolled back and nothing changes. A device_id already in the
 * table is an error with a hint to --replace. */
tg_status tg_load_write(PGconn *conn, tg_load_set *set, const char *schema, bool replace, bool keep_parent_links,
                        bool several_parents_first, tg_load_written *written, tg_error *err);

/* Where the file first uses id (a relationship endpoint or a parent), for messages. */
size_t tg_load_first_use(const tg_load_set *set, const char *id);

#endif
