/* tg_load_set.h - twins and relationships read from an import file, and the rules that turn relationships into parent links. */
#ifndef TG_LOAD_SET_H
#define TG_LOAD_SET_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "tg_error.h"

/* One twin as it will be written to the devices table. Strings are owned by the set. */
typedef struct {
    char *device_id;
    char *parent_id; /* NULL at a root; set by tg_load_set_resolve (or by the reader) */
    char *model;     /* NULL when the file names none */
    char *twin;      /* the twin document as JSON text, or NULL */
    double lat, lon; /* WGS84 degrees, NAN when the file gives none (--location) */
    size_t line;     /* where the twin starts in the file, for messages */
} tg_load_twin;

/* One directed relationship as it will be written to the relationships table. */
typedef struct {
    char *source_id;
    char *target_id;
    char *kind;
    char *properties; /* JSON text or NULL */
    size_t line;
    bool parent_link; /* became a parent link (tg_load_set_resolve); written only when kept */
    size_t source_twin, target_twin; /* indexes of the endpoints among the twins, SIZE_MAX when not
                                        twins of the file (set by tg_load_set_resolve) */
} tg_load_relationship;

typedef struct tg_load_index tg_load_index;

/* A parent link for a twin that is not in the file (already in the table). */
typedef struct {
    size_t relationship;       /* the relationship that makes it */
    const char *child, *parent; /* borrowed from that relationship */
} tg_load_external_link;

/* Everything one file holds, owned by the set. Zero-initialise; free with tg_load_set_destroy. */
typedef struct {
    const char *file;  /* borrowed, for messages */
    bool positions_are_items; /* positions count array items (one JSON document), not lines */
    tg_load_twin *twins;
    size_t n_twins, cap_twins;
    tg_load_relationship *relationships;
    size_t n_relationships, cap_relationships;
    tg_load_index *index; /* device_id -> twin */

    /* Counts for the summary; readers fill skipped, tg_load_set_resolve the others. */
    size_t parent_links;    /* twins that got a parent from a relationship */
    size_t several_parents; /* twins with more than one candidate parent */
    size_t skipped;         /* statements the reader skipped (see the reader for which) */
    const char *skipped_why; /* static text, e.g. "an endpoint is not a twin" */
    char **unknown_ids;     /* endpoints not in the file (unique, file order), owned */
    size_t n_unknown_ids;
    tg_load_external_link *external_links; /* parent links for children not in the file (one per
                                              child, chosen as for the file's twins), owned */
    size_t n_external_links;
} tg_load_set;

/* Where a position is, for messages: "FILE:LINE" or "FILE, item N". */
void tg_load_set_where(const tg_load_set *set, size_t position, char *where, size_t size);

/* Adds a twin; steals device_id, model and twin (all heap strings; model and twin may be NULL),
 * also on error. On error (TG_ERR_INPUT) a twin with the same device_id was added before: the
 * message names the id and both lines. */
tg_status tg_load_set_add_twin(tg_load_set *set, char *device_id, char *model, char *twin, size_t line,
                               tg_error *err);

/* The twin with this id, or NULL (borrowed). */
tg_load_twin *tg_load_set_find(const tg_load_set *set, const char *device_id);

/* Reads the location of the twin added last from the object at path in document (a dotted path
 * such as "location" or "properties.geo"): its members "lat"/"latitude" and "lon"/"lng"/
 * "longitude", JSON numbers within [-90, 90] and [-180, 180]. No object there: no location. An
 * object with a missing, non-numeric or out-of-range coordinate is an error naming the twin. */
tg_status tg_load_set_locate(tg_load_set *set, const json_t *document, const char *path, tg_error *err);

/* Adds a relationship; steals the four strings (properties may be NULL), also on error. */
tg_status tg_load_set_add_relationship(tg_load_set *set, char *source_id, char *target_id, char *kind,
                                       char *properties, size_t line, tg_error *err);

/* A relationship kind that makes a parent link. kind is matched exactly, or as a prefix when it
 * ends with '*' ("rel_has_*"). source_is_parent: "A contains B" makes A B's parent;
 * otherwise "B isPartOf A" does. */
typedef struct {
    const char *kind; /* borrowed */
    bool source_is_parent;
} tg_load_parent_rule;

typedef struct {
    const tg_load_parent_rule *rules; /* in order of precedence */
    size_t n_rules;
    bool several_parents_error; /* a twin with two parents is an error (else: keep the first) */
    bool keep_parent_links;     /* also write parent-link relationships as relationships */
} tg_load_parent_options;

/* Turns relationships into parent links and checks the set:
 * - a relationship whose kind matches a rule proposes a parent; the candidate of the earliest
 *   rule wins, and among candidates of one rule the first in the file. A twin that already has a
 *   parent from the reader keeps it. With several_parents_error, a twin with two different
 *   candidate parents is an error naming it and both; otherwise the losers stay relationships;
 * - a relationship that would make a parent link for a child not in the file is chosen the same
 *   way among those for the same child and listed in external_links (the writer applies it to
 *   the child already in the table);
 * - endpoints that are not twins of the file are collected in unknown_ids (the caller decides:
 *   an error, or a lookup in the target table when appending);
 * - parent links must not form a cycle (an error naming a twin on it).
 * Time: O(twins + relationships) expected. */
tg_status tg_load_set_resolve(tg_load_set *set, const tg_load_parent_options *options, tg_error *err);

/* Frees everything the set owns. Accepts a zeroed set. */
void tg_load_set_destroy(tg_load_set *set);

/* The local name of an IRI or DTMI-free name: the text after the last '#' or '/' (the whole
 * string when it has neither, or when it ends with one). Borrowed, points into iri. */
const char *tg_load_local_name(const char *iri);

#endif
