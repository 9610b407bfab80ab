/* tg_load_adt.c - reads Azure Digital Twins files: the bulk-import NDJSON and the ADT Explorer graph export. */
#include "tg_load_adt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tg_load_file.h"
#include "tg_load_span.h"

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

/* A twin object; its document is text, the object as the file spells it. */
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
    char *document = strdup(text);
    if (!document) {
        free(model_name);
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory while reading the import file");
    }
    tg_status st = tg_load_set_add_twin(set, strdup(id), model_name, document, position, err);
    if (!st && options->location)
        st = tg_load_set_locate(set, twin, options->location, err);
    return st;
}

/* A relationship object: source in "$sourceId" (export) or "$dtId" (import); its properties
 * are the object as the file spells it (text), endpoints and name included. */
static tg_status add_relationship(tg_load_set *set, json_t *relationship, const char *text, size_t position,
                                  tg_error *err)
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
    return tg_load_set_add_relationship(set, strdup(source), strdup(target), strdup(kind), strdup(text), position,
                                        err);
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
    FILE *file = fopen(path, "rb");
    if (!file)
        return tg_error_set(err, TG_ERR_INPUT, "could not open \"%s\": %s", path, strerror(errno));
    tg_status st = TG_OK;
    char *buffer = NULL;
    size_t cap = 0, number = 0;
    ssize_t len;
    section current = SECTION_NONE;
    errno = 0;
    while (!st && (len = getline(&buffer, &cap, file)) >= 0) {
        char *line = buffer;
        number++;
        if ((st = tg_load_file_line(path, number, &line, &len, err)))
            break;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (strspn(line, " \t") == (size_t)len)
            continue;
        json_error_t jerr;
        json_t *item = tg_load_file_parse(line, (size_t)len, &jerr);
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
            st = add_relationship(set, item, line, number, err);
        }
        json_decref(item);
    }
    if (!st)
        st = tg_load_file_lines_end(file, path, err);
    free(buffer);
    fclose(file);
    return st;
}

tg_status tg_load_adt_read_graph(const char *path, const tg_load_adt_options *options, tg_load_set *set,
                                 tg_error *err)
{
    char *text = NULL;
    size_t len = 0;
    tg_status st = tg_load_file_read(path, &text, &len, err);
    if (st)
        return st;
    json_error_t jerr;
    json_t *root = tg_load_file_parse(text, len, &jerr);
    if (!root) {
        tg_error_set(err, TG_ERR_INPUT, "%s:%d: not valid JSON: %s", path, jerr.line, jerr.text);
        if (strstr(jerr.text, "end of file expected"))
            tg_error_hint(err, "an Explorer export is one JSON document; one object per line is a bulk-import file "
                               "(--format adt)");
        free(text);
        return TG_ERR_INPUT;
    }
    set->positions_are_items = true;
    json_t *graph = json_object_get(root, "digitalTwinsGraph");
    json_t *twins = json_object_get(graph, "digitalTwins");
    json_t *relationships = json_object_get(graph, "relationships");
    tg_load_span whole = {text, len}, graph_text, twins_text, relationships_text;
    tg_load_span *twin_items = NULL, *relationship_items = NULL;
    size_t n_twin_items = 0, n_relationship_items = 0;
    if (!json_is_array(twins) || (relationships && !json_is_array(relationships))) {
        st = tg_error_set(err, TG_ERR_INPUT, "%s: no \"digitalTwinsGraph\": {\"digitalTwins\": [...]} array", path);
        tg_error_hint(err, "An ADT Explorer export holds {\"digitalTwinsGraph\": {\"digitalTwins\": [...], "
                           "\"relationships\": [...]}}; a bulk-import NDJSON file is --format adt.");
    } else if (!tg_load_span_member(whole, "digitalTwinsGraph", &graph_text) ||
               !tg_load_span_member(graph_text, "digitalTwins", &twins_text) ||
               (st = tg_load_span_elements(twins_text, &twin_items, &n_twin_items, err)) ||
               (relationships && (!tg_load_span_member(graph_text, "relationships", &relationships_text) ||
                                  (st = tg_load_span_elements(relationships_text, &relationship_items,
                                                              &n_relationship_items, err)))) ||
               n_twin_items != json_array_size(twins) || n_relationship_items != json_array_size(relationships)) {
        /* Keys spelt with escapes: jansson found them, the text scan did not. */
        st = st ? st : tg_error_set(err, TG_ERR_INPUT, "%s: could not find the arrays' text (keys written with escapes?)",
                                    path);
    }
    for (size_t i = 0; !st && i < json_array_size(twins); i++) {
        char *item = tg_load_span_text(twin_items[i]);
        st = item ? add_twin(set, json_array_get(twins, i), item, i + 1, options, err)
                  : tg_error_set(err, TG_ERR_MEMORY, "out of memory while reading the import file");
        free(item);
    }
    for (size_t i = 0; !st && i < json_array_size(relationships); i++) {
        char *item = tg_load_span_text(relationship_items[i]);
        st = item ? add_relationship(set, json_array_get(relationships, i), item, i + 1, err)
                  : tg_error_set(err, TG_ERR_MEMORY, "out of memory while reading the import file");
        free(item);
    }
    free(twin_items);
    free(relationship_items);
    json_decref(root);
    free(text);
    return st;
}
