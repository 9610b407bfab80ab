/* tg_load_iothub.h - reads IoT Hub device twins (as the twin query API returns them) into twins, with parents from tags. */
#ifndef TG_LOAD_IOTHUB_H
#define TG_LOAD_IOTHUB_H

#include <stdbool.h>
#include <stddef.h>

#include "tg_error.h"
#include "tg_load_set.h"

typedef struct {
    const char *const *parent_tags; /* tag paths of the parent levels, outermost first (borrowed) */
    size_t n_parent_tags;
    const char *model_tag;        /* tag path of the model when a twin has no "modelId"; may be NULL */
    bool several_parents_first;   /* a level twin tagged under two parents keeps the first */
    bool raw_tag_ids;             /* a level's id is its tag value, not qualified by the levels above */
} tg_load_iothub_options;

/* Reads a JSON array of device twins, or one twin per line. Each twin is
 * {"deviceId", "moduleId"?, "modelId"?, "tags", "properties": {"desired", "reported"}, ...};
 * device_id is deviceId ("deviceId/moduleId" for a module twin), the document is the whole twin
 * as the file spells it, the model is modelId or else the model tag's value.
 * Parent tags ("location.building", or "tags.location.building") name the levels above a device:
 * each tagged value makes a level twin (the last path segment as its model, no document) whose
 * id is the value qualified by the next tagged level out ("berlin/B2/1"; the value itself with
 * raw_tag_ids), unless a twin of the file has that id; a device's parent is its innermost tagged
 * level, and each level's parent the next tagged level out. A missing tag skips that level.
 * On error (TG_ERR_INPUT): malformed JSON (line), a twin without deviceId, a tag value that is
 * not a string or integer, or (without several_parents_first) a level tagged under two parents,
 * each naming the line or item. */
tg_status tg_load_iothub_read(const char *path, const tg_load_iothub_options *options, tg_load_set *set,
                              tg_error *err);

#endif
