/* tg_load.h - `twingraph load`: reads an import file (Azure Digital Twins, IoT Hub, Brick) and writes its twins and relationships in one transaction. */
#ifndef TG_LOAD_H
#define TG_LOAD_H

#include <stdbool.h>
#include <stdio.h>

#include "tg_error.h"

typedef enum {
    TG_LOAD_ADT,       /* ADT bulk-import NDJSON (Header / Models / Twins / Relationships sections) */
    TG_LOAD_ADT_GRAPH, /* ADT Explorer export ({"digitalTwinsGraph": {digitalTwins, relationships}}) */
    TG_LOAD_IOTHUB,    /* IoT Hub device twins: a JSON array or one twin per line */
    TG_LOAD_BRICK      /* Brick Schema Turtle */
} tg_load_format;

#define TG_LOAD_MAX_KINDS 32
#define TG_LOAD_MAX_PARENT_TAGS 8

typedef struct {
    tg_load_format format;
    const char *file;     /* borrowed */
    const char *conninfo; /* NULL: the PG* environment */
    const char *schema;   /* target schema of devices and relationships (default "twin") */
    bool replace;         /* delete the previous twins and relationships in the same transaction */
    bool dry_run;         /* read and check the file, write nothing, need no database */

    /* Parent links from relationships (Azure formats): kinds whose source is the parent
     * ("contains") and kinds whose target is ("isPartOf"); defaults when n is 0 and not set. */
    const char *parent_kinds[TG_LOAD_MAX_KINDS];
    size_t n_parent_kinds;
    bool parent_kinds_set; /* given on the command line (possibly empty: no parent links) */
    const char *child_kinds[TG_LOAD_MAX_KINDS];
    size_t n_child_kinds;
    bool child_kinds_set;
    bool several_parents_first; /* keep the first parent instead of failing (always for Brick) */
    bool keep_parent_links;     /* write parent-link relationships as relationships too */
    bool short_models;          /* Azure: model "room" instead of "dtmi:com:example:room;1" */
    const char *location;       /* Azure: dotted path to each twin's {lat, lon} object, or NULL */

    /* IoT Hub: tag paths naming the parent levels, outermost first ("location.building"). */
    const char *parent_tags[TG_LOAD_MAX_PARENT_TAGS];
    size_t n_parent_tags;
    const char *model_tag; /* tag path of the model when the twin has no modelId */
    bool raw_tag_ids;      /* level ids are the tag values as they are, not qualified by the levels above */

    bool full_iris; /* Brick: device_id is the full IRI */
} tg_load_options;

/* Parses a format name ("adt", "adt-graph", "iothub", "brick"); false when unknown. */
bool tg_load_format_parse(const char *name, tg_load_format *format);

/* Reads options->file, turns relationships into parent links, checks the result and (unless
 * dry_run) writes it in one transaction: creates SCHEMA.devices and SCHEMA.relationships when
 * missing (the columns of sql/schema.sql), locks both against other writers (readers go on),
 * deletes the previous rows with replace, and COPYs the new ones. Nothing is written when
 * anything fails. A summary goes to summary (stdout). On error: TG_ERR_INPUT names the file and
 * line (or item) at fault; TG_ERR_DB the statement; TG_ERR_INTERRUPTED after SIGINT. */
tg_status tg_load_run(const tg_load_options *options, FILE *summary, tg_error *err);

#endif
