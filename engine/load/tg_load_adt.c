/* tg_load_adt.c - reads Azure Digital Twins files: the bulk-import NDJSON and the ADT Explorer graph export. */
#include "tg_load_adt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

char *tg_load_adt_short_model(const char *dtmi)
{
    const char *start = strrchr(dtmi, ':');
    start = start ? start + 1 : dtmi;
    const char *end = strchr(start, ';');
    return strndup(start, end ? (size_t)(end - start) : strlen(start));
}

static tg_status bad_item(const tg_load_set *set, size_t position, tg_error *err, const char *what,
                          const char *member)
{
    char where[600];
    tg_load_set_where(set, position, where, sizeof where);
    tg_error_set(err, TG_ERR_INPUT, "%s: %s has no string \"%s\"", where, what, member);
    tg_error_hint(err, "Azure Digital Twins files name twins with \"$dtId\" and \"$metadata\": {\"$model\": ...}, "
                       "relationships with \"$sourceId\" (or \"$dtId\"), \"$targetId\" and \"$relationshipName\".");
    return TG_ERR_INPUT;
}

static const char *string_member(json_t *object, const char *key)
{
    const char *value = json_string_value(json_object_get(object, key));
    return value && value[0] ? value : NULL;
}

static char *dump(json_t *value)
{
    return json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* A twin object; its document is text (the NDJSON line) or, when NULL, the object dumped. */
static tg_status add_twin(tg_load_set *set, json_t *twin, const char *text, size_t position,
                          const tg_load_adt_options *options, tg_error *err)
{
    if (!json_is_object(twin)) {
        char where[600];
        tg_load_set_where(set, position, where, sizeof where);
        return tg_error_set(err, TG_ERR_INPUT, "%s: a twin must be a JSON object", where);
    }
    const char *id = string_member(twin, "$dtId");
    if (!id)
        return bad_item(set, position, err, "the twin", "$dtId");
    const char *model = string_member(json_object_get(twin, "$metadata"), "$model");
    if (!model)
        return bad_item(set, position, err, "the twin", "$metadata.$model");
    char *model_name = options->short_models ? tg_load_adt_short_model(model) : strdup(model);
    char *document = text ? strdup(text) : dump(twin);
    if (!document) {
        free(model_name);
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory while reading the import file");
    }
    return tg_load_set_add_twin(set, strdup(id), model_name, document, position, err);
}

/* A relationship object: source in "$sourceId" (export) or "$dtId" (import); the members that
 * are not endpoints or the name become its properties (they are deleted from the object). */
static tg_status add_relationship(tg_load_set *set, json_t *relationship, size_t position, tg_error *err)
{
    if (!json_is_object(relationship)) {
        char where[600];
        tg_load_set_where(set, position, where, sizeof where);
        return tg_error_set(err, TG_ERR_INPUT, "%s: a relationship must be a JSON object", where);
    }
    const char *source = string_member(relationship, "$sourceId");
    if (!source)
        source = string_member(relationship, "$dtId");
    if (!source)
        return bad_item(set, position, err, "the relationship", "$sourceId");
    const char *target = string_member(relationship, "$targetId");
    if (!target)
        return bad_item(set, position, err, "the relationship", "$targetId");
    const char *kind = string_member(relationship, "$relationshipName");
    if (!kind)
        return bad_item(set, position, err, "the relationship", "$relationshipName");
    char *source_copy = strdup(source), *target_copy = strdup(target), *kind_copy = strdup(kind);
    /* The rest of the object is the properties; the caller's object is not needed after this. */
    const char *endpoint_keys[] = {"$sourceId", "$dtId", "$targetId", "$relationshipName"};
    for (size_t k = 0; k < sizeof endpoint_keys / sizeof *endpoint_keys; k++)
        json_object_del(relationship, endpoint_keys[k]);
    char *text = json_object_size(relationship) ? dump(relationship) : NULL;
    return tg_load_set_add_relationship(set, source_copy, target_copy, kind_copy, text, position, err);
}

static tg_status open_file(const char *path, FILE **file, tg_error *err)
{
    *file = fopen(path, "rb");
    if (*file)
        return TG_OK;
    tg_error_set(err, TG_ERR_INPUT, "could not open \"%s\": %s", path, strerror(errno));
    return TG_ERR_INPUT;
}

typedef enum { SECTION_NONE, SECTION_HEADER, SECTION_MODELS, SECTION_TWINS, SECTION_RELATIONSHIPS } section;

static bool section_named(json_t *item, section *out)
{
    if (json_object_size(item) != 1)
        return false;
    const char *name = json_string_value(json_object_get(item, "Section"));
    if (!name)
        return false;
    static const char *names[] = {"Header", "Models", "Twins", "Relationships"};
    *out = SECTION_NONE;
    for (size_t s = 0; s < sizeof names / sizeof *names; s++)
        if (strcmp(name, names[s]) == 0)
            *out = (section)(s + 1);
    return true;
}

tg_status tg_load_adt_read_ndjson(const char *path, const tg_load_adt_options *options, tg_load_set *set,
                                  tg_error *err)
{
    FILE *file;
    tg_status st = open_file(path, &file, err);
    if (st)
        return st;
    char *line = NULL;
    size_t cap = 0, number = 0;
    ssize_t len;
    section current = SECTION_NONE;
    while (!st && (len = getline(&line, &cap, file)) >= 0) {
        number++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (strspn(line, " \t") == (size_t)len)
            continue;
        json_error_t jerr;
        json_t *item = json_loadb(line, (size_t)len, JSON_REJECT_DUPLICATES, &jerr);
        if (!item) {
            st = tg_error_set(err, TG_ERR_INPUT, "%s:%zu: not valid JSON: %s", path, number, jerr.text);
            tg_error_detail(err, "At column %d.", jerr.column);
            tg_error_hint(err, "The bulk-import format holds one JSON object per line.");
            break;
        }
        section named;
        if (section_named(item, &named)) {
            if (named == SECTION_NONE) {
                st = tg_error_set(err, TG_ERR_INPUT, "%s:%zu: unknown section \"%s\"", path, number,
                                  json_string_value(json_object_get(item, "Section")));
                tg_error_hint(err, "The sections are Header, Models, Twins and Relationships.");
            }
            current = named;
        } else if (current == SECTION_NONE) {
            st = tg_error_set(err, TG_ERR_INPUT, "%s:%zu: a line before the first section", path, number);
            tg_error_hint(err, "A bulk-import file starts with {\"Section\": \"Header\"}; is this an Explorer export "
                               "(--format adt-graph)?");
        } else if (current == SECTION_TWINS) {
            st = add_twin(set, item, line, number, options, err);
        } else if (current == SECTION_RELATIONSHIPS) {
            st = add_relationship(set, item, number, err);
        }
        json_decref(item);
    }
    if (!st && ferror(file))
        st = tg_error_set(err, TG_ERR_INPUT, "could not read \"%s\": %s", path, strerror(errno));
    free(line);
    fclose(file);
    return st;
}

tg_status tg_load_adt_read_graph(const char *path, const tg_load_adt_options *options, tg_load_set *set,
                                 tg_error *err)
{
    FILE *file;
    tg_status st = open_file(path, &file, err);
    if (st)
        return st;
    json_error_t jerr;
    json_t *root = json_loadf(file, JSON_REJECT_DUPLICATES, &jerr);
    fclose(file);
    if (!root) {
        tg_error_set(err, TG_ERR_INPUT, "%s:%d: not valid JSON: %s", path, jerr.line, jerr.text);
        return TG_ERR_INPUT;
    }
    set->positions_are_items = true;
    json_t *graph = json_object_get(root, "digitalTwinsGraph");
    json_t *twins = json_object_get(graph, "digitalTwins");
    json_t *relationships = json_object_get(graph, "relationships");
    if (!json_is_array(twins) || (relationships && !json_is_array(relationships))) {
        st = tg_error_set(err, TG_ERR_INPUT, "%s: no \"digitalTwinsGraph\": {\"digitalTwins\": [...]} array", path);
        tg_error_hint(err, "An ADT Explorer export holds {\"digitalTwinsGraph\": {\"digitalTwins\": [...], "
                           "\"relationships\": [...]}}; a bulk-import NDJSON file is --format adt.");
    }
    for (size_t i = 0; !st && i < json_array_size(twins); i++)
        st = add_twin(set, json_array_get(twins, i), NULL, i + 1, options, err);
    for (size_t i = 0; !st && i < json_array_size(relationships); i++)
        st = add_relationship(set, json_array_get(relationships, i), i + 1, err);
    json_decref(root);
    return st;
}
