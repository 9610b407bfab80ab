/* tg_load_iothub.c - reads IoT Hub device twins (as the twin query API returns them) into twins, with parents from tags. */
#include "tg_load_iothub.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tg_interrupt.h"
#include "tg_load_file.h"
#include "tg_load_span.h"

static tg_status no_memory(tg_error *err)
{
    return tg_error_set(err, TG_ERR_MEMORY, "out of memory while reading the import file");
}

/* The value at a dotted path under "tags" ("tags." in front is optional); borrowed or NULL. */
static json_t *tag_at(json_t *twin, const char *path)
{
    if (strncmp(path, "tags.", 5) == 0)
        path += 5;
    json_t *node = json_object_get(twin, "tags");
    while (node && *path) {
        const char *dot = strchr(path, '.');
        size_t len = dot ? (size_t)(dot - path) : strlen(path);
        node = json_object_getn(node, path, len);
        path += len + (dot != NULL);
    }
    return node;
}

/* A tag value as a twin id: a non-empty string or an integer. *text is a new string or NULL
 * when the tag is absent (or JSON null). */
static tg_status tag_text(const tg_load_set *set, json_t *twin, const char *path, size_t position, char **text,
                          tg_error *err)
{
    *text = NULL;
    json_t *value = tag_at(twin, path);
    if (!value || json_is_null(value))
        return TG_OK;
    char buf[32];
    const char *s = json_string_value(value);
    if (json_is_integer(value)) {
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
        s = buf;
    }
    if (!s || !s[0]) {
        char where[600];
        tg_load_set_where(set, position, where, sizeof where);
        tg_error_set(err, TG_ERR_INPUT, "%s: tag \"%s\" of twin \"%s\" is not a twin id", where, path,
                     json_string_value(json_object_get(twin, "deviceId")));
        tg_error_detail(err, "A tag that names a parent or a model must be a non-empty string or an integer.");
        return TG_ERR_INPUT;
    }
    return (*text = strdup(s)) ? TG_OK : no_memory(err);
}

typedef struct {
    const tg_load_iothub_options *options;
    tg_load_set *set;
    char **levels; /* per twin read, n_parent_tags tag values (NULL where absent) */
    size_t n_read, cap_read;
    unsigned char *conflicted; /* per twin: tagged under two parents (counted once) */
} reading;

static tg_status add_device(reading *r, json_t *twin, const char *text, size_t position, tg_error *err)
{
    tg_load_set *set = r->set;
    char where[600];
    tg_load_set_where(set, position, where, sizeof where);
    if (!json_is_object(twin))
        return tg_error_set(err, TG_ERR_INPUT, "%s: a device twin must be a JSON object", where);
    const char *device = json_string_value(json_object_get(twin, "deviceId"));
    if (!device || !device[0]) {
        tg_error_set(err, TG_ERR_INPUT, "%s: the device twin has no string \"deviceId\"", where);
        tg_error_hint(err, "--format iothub reads twins as the IoT Hub twin query returns them "
                           "({\"deviceId\": ..., \"tags\": ..., \"properties\": ...}).");
        return TG_ERR_INPUT;
    }
    const char *module = json_string_value(json_object_get(twin, "moduleId"));
    size_t id_len = strlen(device) + (module && module[0] ? strlen(module) + 1 : 0);
    char *id = malloc(id_len + 1);
    if (!id)
        return no_memory(err);
    if (module && module[0])
        snprintf(id, id_len + 1, "%s/%s", device, module);
    else
        strcpy(id, device);

    char *model = NULL;
    const char *model_id = json_string_value(json_object_get(twin, "modelId"));
    tg_status st = TG_OK;
    if (model_id && model_id[0])
        model = strdup(model_id);
    else if (r->options->model_tag)
        st = tag_text(set, twin, r->options->model_tag, position, &model, err);
    size_t k = r->options->n_parent_tags;
    if (!st && r->n_read == r->cap_read) {
        size_t cap = r->cap_read ? r->cap_read * 2 : 1024;
        char **bigger = realloc(r->levels, cap * (k ? k : 1) * sizeof *bigger);
        if (bigger) {
            r->levels = bigger;
            r->cap_read = cap;
        } else {
            st = no_memory(err);
        }
    }
    if (st) {
        free(id);
        free(model);
        return st;
    }
    /* The slots exist now (cap_read > n_read); they are freed with the reading. */
    char **levels = r->levels + r->n_read * k;
    for (size_t l = 0; l < k; l++)
        levels[l] = NULL;
    r->n_read++;
    for (size_t l = 0; !st && l < k; l++)
        st = tag_text(set, twin, r->options->parent_tags[l], position, &levels[l], err);
    char *document = st ? NULL : strdup(text);
    if (!st && !document)
        st = no_memory(err);
    if (st) {
        free(id);
        free(model);
        free(document);
        return st;
    }
    return tg_load_set_add_twin(set, id, model, document, position, err);
}

/* Links child under parent; a child already under another parent is the several-parents case. */
static tg_status link(reading *r, tg_load_twin *child, const char *parent, size_t position, tg_error *err)
{
    if (!child->parent_id) {
        r->set->parent_links++;
        return (child->parent_id = strdup(parent)) ? TG_OK : no_memory(err);
    }
    if (strcmp(child->parent_id, parent) == 0)
        return TG_OK;
    size_t t = (size_t)(child - r->set->twins);
    if (!r->conflicted[t]++)
        r->set->several_parents++;
    if (r->options->several_parents_first)
        return TG_OK;
    char where[600];
    tg_load_set_where(r->set, position, where, sizeof where);
    tg_error_set(err, TG_ERR_INPUT, "%s: twin \"%s\" is tagged under two parents, \"%s\" and \"%s\"", where,
                 child->device_id, child->parent_id, parent);
    if (r->options->raw_tag_ids)
        tg_error_hint(err, "With --tag-ids as-is a tag value is a twin id and must be unique across the fleet; "
                           "without it a level's id is qualified by the levels above (\"berlin/B2/1\").");
    else
        tg_error_hint(err, "A device id equal to a level's qualified id, or tags that disagree with the levels "
                           "above; check the twin's tags.");
    return TG_ERR_INPUT;
}

/* The id of a level twin: the tag value, qualified by the id of the next tagged level out
 * ("berlin/B2/1") unless raw_tag_ids. A new string or NULL. */
static char *level_id(const reading *r, const char *outer, const char *value)
{
    if (!outer || r->options->raw_tag_ids)
        return strdup(value);
    size_t size = strlen(outer) + strlen(value) + 2;
    char *id = malloc(size);
    if (id)
        snprintf(id, size, "%s/%s", outer, value);
    return id;
}

/* Creates the level twins and the parent links, in the order the twins were read. */
static tg_status link_levels(reading *r, tg_error *err)
{
    tg_load_set *set = r->set;
    size_t k = r->options->n_parent_tags;
    r->conflicted = calloc(r->n_read * (k + 1) + 1, 1);
    if (!r->conflicted)
        return no_memory(err);
    tg_status st = TG_OK;
    char *outer = NULL; /* the id of the next tagged level out */
    for (size_t d = 0; !st && d < r->n_read; d++) {
        char **levels = r->levels + d * k;
        size_t position = set->twins[d].line;
        free(outer);
        outer = NULL;
        for (size_t l = 0; !st && l < k; l++) {
            if (!levels[l])
                continue;
            char *id = level_id(r, outer, levels[l]);
            if (!id) {
                st = no_memory(err);
                break;
            }
            tg_load_twin *level = tg_load_set_find(set, id);
            const char *path = r->options->parent_tags[l], *last = strrchr(path, '.');
            const char *level_model = last ? last + 1 : path;
            /* A level twin of another level with this id: "B1/F1" as a building and as floor F1 of B1. */
            if (level && !level->twin && level->model && strcmp(level->model, level_model) != 0) {
                char where[600];
                tg_load_set_where(set, position, where, sizeof where);
                st = tg_error_set(err, TG_ERR_INPUT, "%s: the %s \"%s\" and a %s have the same id \"%s\"", where,
                                  level_model, levels[l], level->model, id);
                tg_error_hint(err, "Tag values that contain \"/\" can collide with qualified ids; use --tag-ids as-is "
                                   "when the values are unique, or other tag values.");
                free(id);
                break;
            }
            if (!level) {
                char *model = strdup(level_model), *copy = strdup(id);
                if (!model || !copy) {
                    free(model);
                    free(copy);
                    free(id);
                    st = no_memory(err);
                    break;
                }
                st = tg_load_set_add_twin(set, copy, model, NULL, position, err);
                level = st ? NULL : tg_load_set_find(set, id);
            }
            if (level && outer)
                st = link(r, level, outer, position, err);
            free(outer);
            outer = id;
        }
        if (!st && outer)
            st = link(r, &set->twins[d], outer, position, err);
    }
    free(outer);
    return st;
}

static tg_status read_array(reading *r, const char *path, char *text, size_t len, tg_error *err)
{
    json_error_t jerr;
    json_t *twins = tg_load_file_parse(text, len, &jerr);
    if (!twins)
        return tg_error_set(err, TG_ERR_INPUT, "%s:%d: not valid JSON: %s", path, jerr.line, jerr.text);
    r->set->positions_are_items = true;
    tg_load_span *items = NULL;
    size_t n_items = 0;
    tg_status st = tg_load_span_elements((tg_load_span){text, len}, &items, &n_items, err);
    if (!st && n_items != json_array_size(twins))
        st = tg_error_set(err, TG_ERR_INTERNAL, "%s: the array's text does not match its elements", path);
    for (size_t i = 0; !st && i < n_items; i++) {
        char *item = tg_load_span_text(items[i]);
        st = item ? add_device(r, json_array_get(twins, i), item, i + 1, err) : no_memory(err);
        free(item);
    }
    free(items);
    json_decref(twins);
    return st;
}

/* One twin per line, from the file already in memory (so pipes work, and the file is read once). */
static tg_status read_lines(reading *r, const char *path, char *text, size_t len, tg_error *err)
{
    tg_status st = TG_OK;
    size_t number = 0;
    for (char *line = text, *end = text + len; !st && line < end;) {
        char *newline = memchr(line, '\n', (size_t)(end - line));
        char *stop = newline ? newline : end;
        number++;
        if ((number & 4095) == 0 && (st = tg_interrupt_check("while reading the import file", err)))
            break;
        while (stop > line && stop[-1] == '\r')
            stop--;
        *stop = '\0'; /* a newline or \r, or the buffer's own terminator */
        size_t line_len = (size_t)(stop - line);
        if (strspn(line, " \t") != line_len) {
            json_error_t jerr;
            json_t *twin = tg_load_file_parse(line, line_len, &jerr);
            if (!twin) {
                st = tg_error_set(err, TG_ERR_INPUT, "%s:%zu: not valid JSON: %s", path, number, jerr.text);
                tg_error_hint(err, "--format iothub reads a JSON array of twins, or one twin per line.");
                break;
            }
            st = add_device(r, twin, line, number, err);
            json_decref(twin);
        }
        line = newline ? newline + 1 : end;
    }
    return st;
}

tg_status tg_load_iothub_read(const char *path, const tg_load_iothub_options *options, tg_load_set *set,
                              tg_error *err)
{
    reading r = {.options = options, .set = set};
    char *text = NULL;
    size_t len = 0;
    /* An array is one document, read whole; anything else is read a line at a time. */
    tg_status st = tg_load_file_read(path, &text, &len, err);
    if (!st) {
        const char *first = text + strspn(text, " \t\r\n");
        if (*first == '[')
            st = read_array(&r, path, text, len, err);
        else
            st = read_lines(&r, path, text, len, err);
    }
    free(text);
    if (!st)
        st = link_levels(&r, err);
    for (size_t i = 0; i < r.n_read * options->n_parent_tags; i++)
        free(r.levels[i]);
    free(r.levels);
    free(r.conflicted);
    return st;
}
