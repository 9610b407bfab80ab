/* tg_twins.h - the twins and relationships of one job held in memory, with dense vertex ids and an index from text id to vertex. */
#ifndef TG_TWINS_H
#define TG_TWINS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <igraph.h>

#include "tg_error.h"
#include "tg_warnings.h"

typedef struct tg_twin_index tg_twin_index;

#define TG_DANGLING_EXAMPLES 5

/* Ids that named no twin: how many, and the first few for the error message. */
typedef struct {
    igraph_integer_t count;
    char examples[TG_DANGLING_EXAMPLES][160];
} tg_dangling;

typedef struct tg_kind_index tg_kind_index;

/* Vertex v is the v-th twin read. Device strings live in one arena (text) addressed by offsets,
 * so it can grow while reading; the index is built once all twins are in.
 * Set n_doc_values and n_rel_values before the first tg_twins_add: the number of twin-document
 * values per twin and of numeric values per relationship that the job asked for. */
typedef struct {
    igraph_integer_t n_twins;
    size_t *id_offset;              /* n_twins: offset of device_id in text */
    size_t *parent_offset;          /* n_twins: offset of parent_id, or SIZE_MAX when NULL */
    size_t *model_offset;           /* n_twins: offset of model, or SIZE_MAX when NULL */
    double *lat, *lon;              /* n_twins: NAN when NULL */
    size_t n_doc_values;
    size_t **doc_offset;            /* n_doc_values arrays of n_twins offsets into text (the value
                                       as jsonb text), or SIZE_MAX when absent */
    igraph_integer_t *parent;       /* n_twins: parent vertex or -1, set by tg_twins_finish_devices */
    igraph_integer_t twin_capacity;
    char *text;
    size_t text_len, text_cap;
    tg_twin_index *index;           /* device_id -> vertex */

    igraph_integer_t n_relationships;
    igraph_integer_t *rel_source, *rel_target;
    int32_t *rel_kind;              /* index into kinds */
    size_t n_rel_values;
    double **rel_value;             /* n_rel_values arrays of n_relationships numbers, NAN when absent */
    igraph_integer_t rel_capacity;
    char **kinds;                   /* interned relationship kinds */
    size_t n_kinds;
    tg_kind_index *kind_index;      /* kind -> index into kinds */

    size_t *zone_offset;            /* n_twins: offset of the zone id in text, SIZE_MAX for none; NULL
                                       when the job reads no zones */
    struct {
        igraph_integer_t located;          /* twins with a location, once all are read */
        igraph_integer_t invalid;          /* locations read as invalid (skipped, or only warned about) */
        igraph_integer_t null_island;      /* exactly (0, 0): suspicious, counted */
        igraph_integer_t parents_inferred; /* parents taken from the polygon holding the twin */
    } location_counts;
    igraph_integer_t bad_documents;      /* twin documents that were not objects, read as none */

    tg_dangling dangling_parents;        /* parents naming no twin */
    tg_dangling dangling_relationships;  /* relationships with an endpoint naming no twin */
} tg_twins;

void tg_twins_init(tg_twins *twins);

/* Frees everything. Accepts a zeroed or initialised value. */
void tg_twins_destroy(tg_twins *twins);

/* Appends a twin; parent_id and model may be NULL, lat and lon NAN. doc_values holds
 * n_doc_values strings, each possibly NULL (NULL when n_doc_values is 0). Copies the strings. */
tg_status tg_twins_add(tg_twins *twins, const char *device_id, const char *parent_id,
                       const char *model, double lat, double lon, const char *const *doc_values,
                       tg_error *err);

/* Call once after the last tg_twins_add: builds the id index (a device_id given twice is an
 * error naming the first few duplicates) and resolves parents. A parent naming no twin is an
 * error naming the first few and the total, unless drop_dangling, which makes it a root with a
 * warning. hint is the HINT of the dangling error. */
tg_status tg_twins_finish_devices(tg_twins *twins, bool drop_dangling, const char *hint, tg_warnings *warnings,
                                  tg_error *err);

/* Appends a relationship, resolving its endpoints at once (needs tg_twins_finish_devices).
 * values holds n_rel_values numbers (NAN when absent), or NULL when n_rel_values is 0.
 * An endpoint naming no twin is counted in dangling_relationships and the row skipped. */
tg_status tg_twins_add_relationship(tg_twins *twins, const char *source_id, const char *target_id,
                                    const char *kind, const double *values, tg_error *err);

/* Call once after the last relationship: with dangling relationships, an error naming the first
 * few and the total (with hint as its HINT), unless drop_dangling, which warns instead. */
tg_status tg_twins_finish_relationships(tg_twins *twins, bool drop_dangling, const char *hint,
                                        tg_warnings *warnings, tg_error *err);

/* Vertex of device_id, or -1. Needs tg_twins_finish_devices. */
igraph_integer_t tg_twins_find(const tg_twins *twins, const char *device_id);

/* Borrowed strings of vertex v (NULL when the column was NULL). */
const char *tg_twins_id(const tg_twins *twins, igraph_integer_t v);
const char *tg_twins_model(const tg_twins *twins, igraph_integer_t v);

/* Sets twin v's zone (copies zone_id). */
tg_status tg_twins_set_zone(tg_twins *twins, igraph_integer_t v, const char *zone_id, tg_error *err);

/* Twin v's zone id (borrowed), or NULL. */
const char *tg_twins_zone(const tg_twins *twins, igraph_integer_t v);

/* Makes parent the parent of twin v, which has none; call before tg_twins_finish_devices. */
void tg_twins_set_parent(tg_twins *twins, igraph_integer_t v, igraph_integer_t parent);

/* Whether twin v has a location: both lat and lon read (an invalid one is read as none). */
bool tg_twins_located(const tg_twins *twins, igraph_integer_t v);
const char *tg_twins_doc_value(const tg_twins *twins, size_t value, igraph_integer_t v);

#endif
