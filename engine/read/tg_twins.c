/* tg_twins.c - growing twin and relationship arrays, the device_id index (uthash) and dangling-id checks. */
#include "tg_twins.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HASH_NONFATAL_OOM 1
#include <uthash.h>

typedef struct twin_entry {
    igraph_integer_t vertex;
    UT_hash_handle hh;
} twin_entry;

/* One entry per twin in a single array, keyed by pointers into the (by now fixed) arena. */
struct tg_twin_index {
    twin_entry *entries;
    twin_entry *head;
    int out_of_memory;
};

typedef struct kind_entry {
    int32_t kind;
    UT_hash_handle hh;
} kind_entry;

/* Relationship kinds: few distinct values over millions of rows, so a hash, not a scan. */
struct tg_kind_index {
    kind_entry *head;
    int out_of_memory;
};

#undef uthash_nonfatal_oom
#define uthash_nonfatal_oom(obj) (store->out_of_memory = 1)

void tg_twins_init(tg_twins *twins)
{
    memset(twins, 0, sizeof *twins);
}

void tg_twins_destroy(tg_twins *twins)
{
    if (!twins)
        return;
    tg_twin_index *store = twins->index;
    if (store) {
        HASH_CLEAR(hh, store->head);
        free(store->entries);
        free(store);
    }
    free(twins->id_offset);
    free(twins->parent_offset);
    free(twins->model_offset);
    free(twins->lat);
    free(twins->lon);
    free(twins->parent);
    free(twins->zone_offset);
    for (size_t i = 0; twins->doc_offset && i < twins->n_doc_values; i++)
        free(twins->doc_offset[i]);
    free(twins->doc_offset);
    free(twins->text);
    for (size_t i = 0; twins->rel_value && i < twins->n_rel_values; i++)
        free(twins->rel_value[i]);
    free(twins->rel_value);
    if (twins->kind_index) {
        kind_entry *entry, *next;
        HASH_ITER(hh, twins->kind_index->head, entry, next) {
            HASH_DEL(twins->kind_index->head, entry);
            free(entry);
        }
        free(twins->kind_index);
    }
    free(twins->rel_source);
    free(twins->rel_target);
    free(twins->rel_kind);
    for (size_t k = 0; k < twins->n_kinds; k++)
        free(twins->kinds[k]);
    free(twins->kinds);
    memset(twins, 0, sizeof *twins);
}

static int grow(void **array, size_t element, igraph_integer_t capacity)
{
    void *grown = realloc(*array, element * (size_t)capacity);
    if (!grown)
        return -1;
    *array = grown;
    return 0;
}

static size_t arena_add(tg_twins *twins, const char *s)
{
    if (!s)
        return SIZE_MAX;
    size_t len = strlen(s) + 1;
    if (twins->text_len + len > twins->text_cap) {
        size_t cap = twins->text_cap ? twins->text_cap : 1 << 16;
        while (cap < twins->text_len + len)
            cap *= 2;
        char *grown = realloc(twins->text, cap);
        if (!grown)
            return SIZE_MAX - 1;
        twins->text = grown;
        twins->text_cap = cap;
    }
    memcpy(twins->text + twins->text_len, s, len);
    twins->text_len += len;
    return twins->text_len - len;
}

tg_status tg_twins_add(tg_twins *twins, const char *device_id, const char *parent_id,
                       const char *model, double lat, double lon, const char *const *doc_values,
                       tg_error *err)
{
    if (twins->n_doc_values && !twins->doc_offset &&
        !(twins->doc_offset = calloc(twins->n_doc_values, sizeof *twins->doc_offset)))
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory reading twins");
    if (twins->n_twins == twins->twin_capacity) {
        igraph_integer_t cap = twins->twin_capacity ? twins->twin_capacity * 2 : 1024;
        if (grow((void **)&twins->id_offset, sizeof(size_t), cap) ||
            grow((void **)&twins->parent_offset, sizeof(size_t), cap) ||
            grow((void **)&twins->model_offset, sizeof(size_t), cap) ||
            grow((void **)&twins->lat, sizeof(double), cap) ||
            grow((void **)&twins->lon, sizeof(double), cap))
            return tg_error_set(err, TG_ERR_MEMORY, "out of memory reading twins");
        for (size_t i = 0; i < twins->n_doc_values; i++)
            if (grow((void **)&twins->doc_offset[i], sizeof(size_t), cap))
                return tg_error_set(err, TG_ERR_MEMORY, "out of memory reading twins");
        twins->twin_capacity = cap;
    }
    igraph_integer_t v = twins->n_twins;
    twins->id_offset[v] = arena_add(twins, device_id);
    twins->parent_offset[v] = arena_add(twins, parent_id);
    twins->model_offset[v] = arena_add(twins, model);
    if (twins->id_offset[v] == SIZE_MAX - 1 || twins->parent_offset[v] == SIZE_MAX - 1 ||
        twins->model_offset[v] == SIZE_MAX - 1)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory reading twins");
    for (size_t i = 0; i < twins->n_doc_values; i++)
        if ((twins->doc_offset[i][v] = arena_add(twins, doc_values[i])) == SIZE_MAX - 1)
            return tg_error_set(err, TG_ERR_MEMORY, "out of memory reading twins");
    twins->lat[v] = lat;
    twins->lon[v] = lon;
    twins->n_twins++;
    return TG_OK;
}

static void dangling_note(tg_dangling *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void dangling_note(tg_dangling *d, const char *fmt, ...)
{
    if (d->count < TG_DANGLING_EXAMPLES) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->examples[d->count], sizeof d->examples[0], fmt, ap);
        va_end(ap);
        /* Examples are joined into messages: a character cut here would make them invalid UTF-8. */
        tg_text_trim_partial_utf8(d->examples[d->count]);
    }
    d->count++;
}

/* The examples kept in d joined by sep, ending in sep + "..." when there were more. */
#define EXAMPLES_LIST_SIZE (TG_DANGLING_EXAMPLES * 170)
static void examples_list(const tg_dangling *d, const char *sep, char list[EXAMPLES_LIST_SIZE])
{
    list[0] = '\0';
    igraph_integer_t shown = d->count < TG_DANGLING_EXAMPLES ? d->count : TG_DANGLING_EXAMPLES;
    for (igraph_integer_t i = 0; i < shown; i++) {
        strcat(list, i ? sep : "");
        strcat(list, d->examples[i]);
    }
    if (d->count > shown) {
        strcat(list, sep);
        strcat(list, "...");
    }
}

/* Fills err (or warns when dropping) for the ids collected in d; what is the singular noun. */
static tg_status dangling_report(const tg_dangling *d, const char *what, const char *action,
                                 bool drop, const char *hint, tg_warnings *warnings, tg_error *err)
{
    if (d->count == 0)
        return TG_OK;
    char list[EXAMPLES_LIST_SIZE];
    examples_list(d, "; ", list);
    const char *verb = d->count == 1 ? "names" : "name";
    /* "relationship" -> "relationships", "parent" -> "parents" */
    const char *plural = d->count == 1 ? "" : "s";
    if (drop) {
        tg_warn(warnings, "%" IGRAPH_PRId " %s%s %s no known twin; %s: %s", d->count, what, plural, verb, action, list);
        return TG_OK;
    }
    tg_error_set(err, TG_ERR_INPUT, "%" IGRAPH_PRId " %s%s %s no known twin", d->count, what, plural, verb);
    tg_error_detail(err, "%s", list);
    tg_error_hint(err, "%s", hint);
    return TG_ERR_INPUT;
}

tg_status tg_twins_finish_devices(tg_twins *twins, bool drop_dangling, const char *hint, tg_warnings *warnings,
                                  tg_error *err)
{
    tg_twin_index *store = calloc(1, sizeof *store);
    if (!store)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory indexing twins");
    twins->index = store;
    igraph_integer_t n = twins->n_twins;
    store->entries = calloc(n > 0 ? (size_t)n : 1, sizeof *store->entries);
    twins->parent = malloc((n > 0 ? (size_t)n : 1) * sizeof *twins->parent);
    if (!store->entries || !twins->parent)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory indexing twins");

    tg_dangling duplicates = {0};
    for (igraph_integer_t v = 0; v < n; v++) {
        const char *id = twins->text + twins->id_offset[v];
        size_t len = strlen(id);
        twin_entry *found = NULL;
        HASH_FIND(hh, store->head, id, len, found);
        if (found) {
            dangling_note(&duplicates, "\"%s\"", id);
            continue;
        }
        twin_entry *entry = &store->entries[v];
        entry->vertex = v;
        HASH_ADD_KEYPTR(hh, store->head, id, len, entry);
        if (store->out_of_memory)
            return tg_error_set(err, TG_ERR_MEMORY, "out of memory indexing twins");
    }
    if (duplicates.count) {
        char list[EXAMPLES_LIST_SIZE];
        examples_list(&duplicates, ", ", list);
        tg_error_set(err, TG_ERR_INPUT, "device_id is not unique: %" IGRAPH_PRId " duplicate rows",
                     duplicates.count);
        tg_error_detail(err, "duplicated ids: %s", list);
        tg_error_hint(err, "device_id must be unique in the devices source (table or view)");
        return TG_ERR_INPUT;
    }

    for (igraph_integer_t v = 0; v < n; v++) {
        twins->parent[v] = -1;
        if (twins->parent_offset[v] == SIZE_MAX)
            continue;
        const char *parent_id = twins->text + twins->parent_offset[v];
        twins->parent[v] = tg_twins_find(twins, parent_id);
        if (twins->parent[v] < 0)
            dangling_note(&twins->dangling_parents, "twin \"%s\" has parent_id \"%s\"",
                          twins->text + twins->id_offset[v], parent_id);
    }
    return dangling_report(&twins->dangling_parents, "parent", "those twins become roots", drop_dangling, hint,
                           warnings, err);
}

static int32_t intern_kind(tg_twins *twins, const char *kind)
{
    tg_kind_index *store = twins->kind_index;
    if (!store && !(store = twins->kind_index = calloc(1, sizeof *store)))
        return -1;
    kind_entry *found = NULL;
    size_t len = strlen(kind);
    HASH_FIND(hh, store->head, kind, len, found);
    if (found)
        return found->kind;
    char **grown = realloc(twins->kinds, (twins->n_kinds + 1) * sizeof *grown);
    if (!grown)
        return -1;
    twins->kinds = grown;
    kind_entry *entry = malloc(sizeof *entry);
    if (!entry || !(twins->kinds[twins->n_kinds] = strdup(kind))) {
        free(entry);
        return -1;
    }
    entry->kind = (int32_t)twins->n_kinds;
    /* Keyed by the interned copy, which lives as long as the index. */
    HASH_ADD_KEYPTR(hh, store->head, twins->kinds[twins->n_kinds], len, entry);
    if (store->out_of_memory) {
        free(entry);
        free(twins->kinds[twins->n_kinds]);
        return -1;
    }
    return (int32_t)twins->n_kinds++;
}

tg_status tg_twins_add_relationship(tg_twins *twins, const char *source_id, const char *target_id,
                                    const char *kind, const double *values, tg_error *err)
{
    igraph_integer_t s = tg_twins_find(twins, source_id);
    igraph_integer_t t = tg_twins_find(twins, target_id);
    if (s < 0 || t < 0) {
        if (s < 0 && t < 0)
            dangling_note(&twins->dangling_relationships, "source_id \"%s\" and target_id \"%s\" (%s)",
                          source_id, target_id, kind);
        else
            dangling_note(&twins->dangling_relationships, "%s \"%s\" (%s)", s < 0 ? "source_id" : "target_id",
                          s < 0 ? source_id : target_id, kind);
        return TG_OK;
    }
    if (twins->n_relationships == twins->rel_capacity) {
        igraph_integer_t cap = twins->rel_capacity ? twins->rel_capacity * 2 : 1024;
        if (grow((void **)&twins->rel_source, sizeof(igraph_integer_t), cap) ||
            grow((void **)&twins->rel_target, sizeof(igraph_integer_t), cap) ||
            grow((void **)&twins->rel_kind, sizeof(int32_t), cap))
            return tg_error_set(err, TG_ERR_MEMORY, "out of memory reading relationships");
        if (twins->n_rel_values && !twins->rel_value &&
            !(twins->rel_value = calloc(twins->n_rel_values, sizeof *twins->rel_value)))
            return tg_error_set(err, TG_ERR_MEMORY, "out of memory reading relationships");
        for (size_t i = 0; i < twins->n_rel_values; i++)
            if (grow((void **)&twins->rel_value[i], sizeof(double), cap))
                return tg_error_set(err, TG_ERR_MEMORY, "out of memory reading relationships");
        twins->rel_capacity = cap;
    }
    int32_t k = intern_kind(twins, kind);
    if (k < 0)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory reading relationships");
    twins->rel_source[twins->n_relationships] = s;
    twins->rel_target[twins->n_relationships] = t;
    twins->rel_kind[twins->n_relationships] = k;
    for (size_t i = 0; i < twins->n_rel_values; i++)
        twins->rel_value[i][twins->n_relationships] = values[i];
    twins->n_relationships++;
    return TG_OK;
}

tg_status tg_twins_finish_relationships(tg_twins *twins, bool drop_dangling, const char *hint,
                                        tg_warnings *warnings, tg_error *err)
{
    return dangling_report(&twins->dangling_relationships, "relationship", "those rows are skipped",
                           drop_dangling, hint, warnings, err);
}

igraph_integer_t tg_twins_find(const tg_twins *twins, const char *device_id)
{
    const tg_twin_index *store = twins->index;
    if (!store)
        return -1;
    twin_entry *found = NULL;
    HASH_FIND(hh, store->head, device_id, strlen(device_id), found);
    return found ? found->vertex : -1;
}

const char *tg_twins_id(const tg_twins *twins, igraph_integer_t v)
{
    return twins->text + twins->id_offset[v];
}

const char *tg_twins_model(const tg_twins *twins, igraph_integer_t v)
{
    return twins->model_offset[v] == SIZE_MAX ? NULL : twins->text + twins->model_offset[v];
}

const char *tg_twins_doc_value(const tg_twins *twins, size_t value, igraph_integer_t v)
{
    size_t at = twins->doc_offset[value][v];
    return at == SIZE_MAX ? NULL : twins->text + at;
}

bool tg_twins_located(const tg_twins *twins, igraph_integer_t v)
{
    return !isnan(twins->lat[v]) && !isnan(twins->lon[v]);
}

tg_status tg_twins_set_zone(tg_twins *twins, igraph_integer_t v, const char *zone_id, tg_error *err)
{
    if (!twins->zone_offset) {
        if (!(twins->zone_offset = malloc((size_t)(twins->n_twins > 0 ? twins->n_twins : 1) * sizeof *twins->zone_offset)))
            return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        for (igraph_integer_t u = 0; u < twins->n_twins; u++)
            twins->zone_offset[u] = SIZE_MAX;
    }
    size_t offset = arena_add(twins, zone_id);
    if (offset == SIZE_MAX - 1)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    twins->zone_offset[v] = offset;
    return TG_OK;
}

const char *tg_twins_zone(const tg_twins *twins, igraph_integer_t v)
{
    return twins->zone_offset && twins->zone_offset[v] != SIZE_MAX ? twins->text + twins->zone_offset[v] : NULL;
}

void tg_twins_set_parent(tg_twins *twins, igraph_integer_t v, igraph_integer_t parent)
{
    twins->parent_offset[v] = twins->id_offset[parent];
}
