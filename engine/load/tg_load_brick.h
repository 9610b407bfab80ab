/* tg_load_brick.h - reads a Brick Schema building model in Turtle into twins and relationships (serd). */
#ifndef TG_LOAD_BRICK_H
#define TG_LOAD_BRICK_H

#include <stdbool.h>

#include "tg_error.h"
#include "tg_load_set.h"

typedef struct {
    bool full_iris; /* device_id is the full IRI instead of its local name */
} tg_load_brick_options;

/* The parent rules of Brick, in precedence: X isPartOf Y, Y hasPart X, X hasLocation Y. */
extern const tg_load_parent_rule tg_load_brick_parent_rules[];
extern const size_t tg_load_brick_n_parent_rules;

/* Reads the Turtle file at path into set (which the caller initialised; set->file names it):
 * - every IRI subject with an rdf:type is a twin; model = the local name of its class (the rule
 *   for several classes is in the README); device_id its local name, or the IRI (full_iris);
 * - rdf:type and hasTag triples and literal values go into the twin document;
 * - every other triple between two twins is a relationship whose kind is the predicate's local
 *   name (the parent rules later pick parent links among them);
 * - a triple whose object is an IRI or blank node that is not a twin is skipped and counted.
 * On error: a Turtle syntax error names its line; two IRIs with the same local name are an
 * error naming both (unless full_iris). */
tg_status tg_load_brick_read(const char *path, const tg_load_brick_options *options, tg_load_set *set,
                             tg_error *err);

#endif
