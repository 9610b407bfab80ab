/* tg_load_iothub.c - reads IoT Hub device twins (as the twin query API returns them) into twins, with parents from tags. */
#include "tg_load_iothub.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

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
    char **levels = r->levels ? r->levels + r->n_read * k : NULL;
    for (size_t l = 0; l < k && levels; l++)
        levels[l] = NULL;
    if (!st)
        r->n_read++;
    for (size_t l = 0; !st && l < k; l++)
        st = tag_text(set, twin, r->options->parent_tags[l], position, &levels[l], err);
    char *document = st ? NULL : text ? strdup(text) : json_dumps(twin, JSON_COMPACT);
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
    r->set->several_parents++;
    if (r->options->several_parents_first)
        return TG_OK;
    char where[600];
    tg_load_set_where(r->set, position, where, sizeof where);
    tg_error_set(err, TG_ERR_INPUT, "%s: twin \"%s\" is tagged under two parents, \"%s\" and \"%s\"", where,
                 child->device_id, child->parent_id, parent);
    tg_error_hint(err, "Tag values are twin ids and must be unique across the fleet; pass --several-parents first "
                       "to keep the first parent.");
    return TG_ERR_INPUT;
}

/* Creates the level twins and the parent links, in the order the twins were read. */
static tg_status link_levels(reading *r, tg_error *err)
{
    tg_load_set *set = r->set;
    size_t k = r->options->n_parent_tags;
    tg_status st = TG_OK;
    for (size_t d = 0; !st && d < r->n_read; d++) {
        char **levels = r->levels + d * k;
        size_t position = set->twins[d].line;
        const char *outer = NULL; /* the next level out that is tagged */
        for (size_t l = 0; !st && l < k; l++) {
            if (!levels[l])
                continue;
            tg_load_twin *level = tg_load_set_find(set, levels[l]);
            if (!level) {
                const char *path = r->options->parent_tags[l];
                const char *last = strrchr(path, '.');
                char *model = strdup(last ? last + 1 : path);
                char *id = strdup(levels[l]);
                if (!model || !id) {
                    free(model);
                    free(id);
                    st = no_memory(err);
                    break;
                }
                st = tg_load_set_add_twin(set, id, model, NULL, position, err);
                level = st ? NULL : tg_load_set_find(set, levels[l]);
            }
            if (level && outer)
                st = link(r, level, outer, position, err);
            outer = levels[l];
        }
        if (!st && outer)
            st = link(r, &set->twins[d], outer, position, err);
    }
    return st;
}

tg_status tg_load_iothub_read(const char *path, const tg_load_iothub_options *options, tg_load_set *set,
                              tg_error *err)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        return tg_error_set(err, TG_ERR_INPUT, "could not open \"%s\": %s", path, strerror(errno));
    reading r = {.options = options, .set = set};
    tg_status st = TG_OK;
    int first = ' ';
    while (first == ' ' || first == '\t' || first == '\n' || first == '\r')
        first = fgetc(file);
    if (first != EOF)
        ungetc(first, file);
    if (first == '[') {
        json_error_t jerr;
        json_t *twins = json_loadf(file, JSON_REJECT_DUPLICATES, &jerr);
        if (!twins) {
            st = tg_error_set(err, TG_ERR_INPUT, "%s:%d: not valid JSON: %s", path, jerr.line, jerr.text);
        } else {
            set->positions_are_items = true;
            for (size_t i = 0; !st && i < json_array_size(twins); i++)
                st = add_device(&r, json_array_get(twins, i), NULL, i + 1, err);
            json_decref(twins);
        }
    } else {
        char *line = NULL;
        size_t cap = 0, number = 0;
        ssize_t len;
        while (!st && (len = getline(&line, &cap, file)) >= 0) {
            number++;
            while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                line[--len] = '\0';
            if (strspn(line, " \t") == (size_t)len)
                continue;
            json_error_t jerr;
            json_t *twin = json_loadb(line, (size_t)len, JSON_REJECT_DUPLICATES, &jerr);
            if (!twin) {
                st = tg_error_set(err, TG_ERR_INPUT, "%s:%zu: not valid JSON: %s", path, number, jerr.text);
                tg_error_hint(err, "--format iothub reads a JSON array of twins, or one twin per line.");
                break;
            }
            st = add_device(&r, twin, line, number, err);
            json_decref(twin);
        }
        free(line);
    }
    if (!st && ferror(file))
        st = tg_error_set(err, TG_ERR_INPUT, "could not read \"%s\": %s", path, strerror(errno));
    fclose(file);
    if (!st)
        st = link_levels(&r, err);
    for (size_t i = 0; i < r.n_read * options->n_parent_tags; i++)
        free(r.levels[i]);
    free(r.levels);
    return st;
}
