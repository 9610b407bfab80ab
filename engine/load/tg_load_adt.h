/* tg_load_adt.h - reads Azure Digital Twins files: the bulk-import NDJSON and the ADT Explorer graph export. */
#ifndef TG_LOAD_ADT_H
#define TG_LOAD_ADT_H

#include <stdbool.h>

#include "tg_error.h"
#include "tg_load_set.h"

typedef struct {
    bool short_models; /* model "room" instead of the DTMI "dtmi:com:example:room;1" */
    const char *location; /* a dotted path to each twin's {lat, lon} object (tg_load_set_locate), or NULL */
} tg_load_adt_options;

/* The bulk-import NDJSON: one JSON object per line; {"Section": "Header" | "Models" | "Twins" |
 * "Relationships"} lines open the sections (Header and Models are read and not stored). A twin
 * is {"$dtId", "$metadata": {"$model"}, properties...}; its document is the line itself. A
 * relationship is {"$dtId" (its source), "$targetId", "$relationshipName", ...}; its properties
 * are the other members. Blank lines are skipped. On error (TG_ERR_INPUT) the message names
 * the line: malformed JSON, a line outside a section, an unknown section, a missing or
 * non-string member. */
tg_status tg_load_adt_read_ndjson(const char *path, const tg_load_adt_options *options, tg_load_set *set,
                                  tg_error *err);

/* The Explorer export: {"digitalTwinsGraph": {"digitalTwins": [...], "relationships": [...]}}
 * (relationships name their source with "$sourceId"); positions in messages are item numbers
 * of those arrays. */
tg_status tg_load_adt_read_graph(const char *path, const tg_load_adt_options *options, tg_load_set *set,
                                 tg_error *err);

/* The model name a DTMI stands for: "dtmi:com:example:room;1" -> "room". A new string, or NULL
 * when out of memory. */
char *tg_load_adt_short_model(const char *dtmi);

#endif
