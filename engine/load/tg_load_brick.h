/* tg_load_brick.h - reads a Brick Schema building model in Turtle into twins and relationships (serd). */
#ifndef TG_LOAD_BRICK_H
#define TG_LOAD_BRICK_H

#include <stdbool.h>
#include <stddef.h>

#include "tg_error.h"
#include "tg_load_set.h"

/* What the reader saw besides twins and relationships, for the summary. */
typedef struct {
    size_t statements;       /* distinct statements (triples) in the file */
    size_t duplicates;       /* statements repeated verbatim; RDF counts them once, so do we */
    size_t ontology_terms;   /* typed IRI subjects that are terms of an ontology, not twins */
    size_t blank_subjects;   /* typed blank-node subjects: no stable id, not twins */
    size_t untyped_subjects; /* IRI subjects without rdf:type: not twins */
} tg_load_brick_counts;

typedef struct {
    bool full_iris;              /* device_id is the full IRI instead of its local name */
    tg_load_brick_counts *counts; /* optional (NULL); filled on success */
} tg_load_brick_options;

/* The parent rules of Brick, in precedence: X isPartOf Y, Y hasPart X, X hasLocation Y. */
extern const tg_load_parent_rule tg_load_brick_parent_rules[];
extern const size_t tg_load_brick_n_parent_rules;

/* Reads the Turtle file at path into set (which the caller initialised; set->file names it);
 * options may be NULL (local names, no counts).
 * Prefixed names expand with the file's @prefix lines; relative IRIs resolve against @base, or
 * against the file's own file: URI when there is none. The local name of an IRI is the text after
 * its last '#' or '/' (tg_load_local_name).
 *
 * Twins. A subject that is an IRI and has an rdf:type whose object is an IRI (a class) is a twin,
 * whatever the namespace of its classes, unless it is a term of an ontology (counts->ontology_terms):
 *   - all of its classes are in the rdf, rdfs, owl or xsd namespaces (owl:Class, owl:NamedIndividual);
 *   - it is itself the class of a subject in the file; or
 *   - its IRI is in a Brick vocabulary namespace: Brick#, BrickFrame#, BrickTag#, BrickShape# or
 *     Brick/ref# under http(s)://brickschema.org/schema/ or http://buildsys.org/ontologies/, with or
 *     without one version segment (".../schema/1.0.2/Brick#"), or in rdf, rdfs, owl or xsd.
 *     Why: converted 1.0.2 models declare the old class names as individuals, e.g. rice_brick.ttl's
 *     59 "brick_v_1_0_2:CO2_Sensor a owl:NamedIndividual, brick:Point"; they describe no
 *     equipment, relate to nothing, and three of them share a local name with a real point.
 * A blank node has no stable id, so a typed blank-node subject is not a twin either
 * (counts->blank_subjects); neither is an untyped IRI (counts->untyped_subjects).
 * - model: the local name of its class; among several, classes in the rdf, rdfs, owl and xsd
 *   namespaces are ignored and the smallest local name in byte order (strcmp) wins:
 *   "a brick:Temperature, brick:Chilled_Return_Water" gives "Chilled_Return_Water";
 * - device_id: its local name, or the full IRI with full_iris;
 * - twins come in the order their subjects first appear in the file; line is the first statement
 *   about the twin.
 *
 * The twin document (JSON object):
 *   {"$iri": IRI, "$types": [local names of its classes], "tags": [local names of the objects of
 *    its hasTag statements], "properties": {PREDICATE: VALUE}}
 * Lists are in file order without repeats; "tags" and "properties" are left out when empty.
 * Properties are the statements whose object is a literal, keyed by the predicate's local name;
 * a key that occurs more than once becomes an array in file order. VALUE: xsd integer types give
 * a JSON integer (when it fits 64 bits), xsd:decimal, xsd:double and xsd:float a JSON number,
 * xsd:boolean true or false, everything else (plain and language-tagged strings, dates,
 * malformed or out-of-range numbers) its lexical form as a string, without the language tag.
 *
 * Relationships: every other statement between two twins, kind the predicate's local name,
 * properties NULL, line that of the statement's object. tg_load_set_resolve then picks parent
 * links among them with tg_load_brick_parent_rules.
 *
 * Skipped statements (set->skipped): those in neither a document nor a relationship - statements
 * about a subject that is not a twin (including its rdf:type), statements whose object is an IRI
 * or blank node that is not a twin (an untyped IRI, a unit, a tag outside hasTag), and rdf:type
 * with a literal or blank object. rdf:type is matched by its IRI, hasTag by its local name.
 *
 * On error: a Turtle syntax error or an undefined prefix names FILE:LINE; an unreadable file names
 * the path and the system's reason; two IRIs with the same local name are an error naming both
 * (unless full_iris). The set then holds part of the file; the caller destroys it.
 * Time: O(S log S) for S statements (a sort drops repeated statements); memory O(S). */
tg_status tg_load_brick_read(const char *path, const tg_load_brick_options *options, tg_load_set *set,
                             tg_error *err);

#endif
