/* tg_load_set.c - twins and relationships read from an import file, and the rules that turn relationships into parent links. */
#include "tg_load_set.h"

#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HASH_NONFATAL_OOM 1
#include <uthash.h>

typedef struct id_entry {
    const char *id; /* borrowed from the twin or the unknown-id list */
    size_t twin;
    UT_hash_handle hh;
} id_entry;

struct tg_load_index {
    id_entry *twins;   /* device_id -> twin */
    id_entry *unknown; /* ids already in unknown_ids */
    int out_of_memory;
};

#undef uthash_nonfatal_oom
#define uthash_nonfatal_oom(obj) (index->out_of_memory = 1)

static tg_status out_of_memory(tg_error *err)
{
    return tg_error_set(err, TG_ERR_MEMORY, "out of memory while reading the import file");
}

static void clear_entries(id_entry **head)
{
    id_entry *entry, *next;
    HASH_ITER(hh, *head, entry, next) {
        HASH_DEL(*head, entry);
        free(entry);
    }
}

void tg_load_set_destroy(tg_load_set *set)
{
    if (!set)
        return;
    tg_load_index *index = set->index;
    if (index) {
        clear_entries(&index->twins);
        clear_entries(&index->unknown);
        free(index);
    }
    for (size_t i = 0; i < set->n_twins; i++) {
        tg_load_twin *t = &set->twins[i];
        free(t->device_id);
        free(t->parent_id);
        free(t->model);
        free(t->twin);
    }
    free(set->twins);
    for (size_t i = 0; i < set->n_relationships; i++) {
        tg_load_relationship *r = &set->relationships[i];
        free(r->source_id);
        free(r->target_id);
        free(r->kind);
        free(r->properties);
    }
    free(set->relationships);
    for (size_t i = 0; i < set->n_unknown_ids; i++)
        free(set->unknown_ids[i]);
    free(set->unknown_ids);
    free(set->external_links);
    memset(set, 0, sizeof *set);
}

static bool grow(void **items, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return true;
    size_t new_cap = *cap ? *cap * 2 : 1024;
    void *bigger = realloc(*items, new_cap * size);
    if (!bigger)
        return false;
    *items = bigger;
    *cap = new_cap;
    return true;
}

static tg_load_index *index_of(tg_load_set *set)
{
    if (!set->index)
        set->index = calloc(1, sizeof *set->index);
    return set->index;
}

void tg_load_set_where(const tg_load_set *set, size_t position, char *where, size_t size)
{
    if (set->positions_are_items)
        snprintf(where, size, "%s, item %zu", set->file, position);
    else
        snprintf(where, size, "%s:%zu", set->file, position);
}

tg_load_twin *tg_load_set_find(const tg_load_set *set, const char *device_id)
{
    if (!set->index)
        return NULL;
    id_entry *found = NULL;
    HASH_FIND(hh, set->index->twins, device_id, strlen(device_id), found);
    return found ? &set->twins[found->twin] : NULL;
}

/* A coordinate member: the first of names present; NAN when none is. */
static double coordinate(const json_t *place, const char *const *names, const char **which)
{
    for (; *names; names++) {
        const json_t *value = json_object_get(place, *names);
        if (value) {
            *which = *names;
            return json_is_number(value) ? json_number_value(value) : INFINITY;
        }
    }
    *which = names[-1];
    return NAN;
}

tg_status tg_load_set_locate(tg_load_set *set, const json_t *document, const char *path, tg_error *err)
{
    static const char *const lat_names[] = {"lat", "latitude", NULL};
    static const char *const lon_names[] = {"lon", "lng", "longitude", NULL};
    tg_load_twin *twin = &set->twins[set->n_twins - 1];
    const json_t *place = document;
    char step[256];
    for (const char *p = path; place && *p;) {
        size_t len = strcspn(p, ".");
        snprintf(step, sizeof step, "%.*s", (int)len, p);
        place = json_object_get(place, step);
        p += len + (p[len] == '.');
    }
    if (!json_is_object(place))
        return TG_OK;
    const char *lat_name, *lon_name;
    double lat = coordinate(place, lat_names, &lat_name), lon = coordinate(place, lon_names, &lon_name);
    if (!(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180)) {
        char where[600];
        tg_load_set_where(set, twin->line, where, sizeof where);
        tg_error_set(err, TG_ERR_INPUT, "%s: twin \"%s\" has no valid location at \"%s\"", where, twin->device_id, path);
        tg_error_detail(err, "%s.%s must be a number within [-90, 90] and %s.%s within [-180, 180].", path, lat_name,
                        path, lon_name);
        tg_error_hint(err, "fix the twin, or leave out --location");
        return TG_ERR_INPUT;
    }
    twin->lat = lat;
    twin->lon = lon;
    return TG_OK;
}

tg_status tg_load_set_add_twin(tg_load_set *set, char *device_id, char *model, char *twin, size_t line,
                               tg_error *err)
{
    tg_load_index *index = index_of(set);
    id_entry *entry = NULL;
    if (!index || !device_id || !grow((void **)&set->twins, &set->cap_twins, set->n_twins, sizeof *set->twins) ||
        !(entry = malloc(sizeof *entry)))
        goto no_memory;
    const tg_load_twin *earlier = tg_load_set_find(set, device_id);
    if (earlier) {
        char where[600], first[600];
        tg_load_set_where(set, line, where, sizeof where);
        tg_load_set_where(set, earlier->line, first, sizeof first);
        tg_error_set(err, TG_ERR_INPUT, "%s: twin \"%s\" appears twice", where, device_id);
        tg_error_detail(err, "It was first defined at %s.", first);
        tg_error_hint(err, "Twin ids must be unique within a file; remove or rename one of them.");
        free(entry);
        free(device_id);
        free(model);
        free(twin);
        return TG_ERR_INPUT;
    }
    entry->id = device_id;
    entry->twin = set->n_twins;
    HASH_ADD_KEYPTR(hh, index->twins, device_id, strlen(device_id), entry);
    if (index->out_of_memory) {
        free(entry);
        goto no_memory;
    }
    set->twins[set->n_twins++] = (tg_load_twin){device_id, NULL, model, twin, NAN, NAN, line};
    return TG_OK;

no_memory:
    free(device_id);
    free(model);
    free(twin);
    return out_of_memory(err);
}

tg_status tg_load_set_add_relationship(tg_load_set *set, char *source_id, char *target_id, char *kind,
                                       char *properties, size_t line, tg_error *err)
{
    if (!source_id || !target_id || !kind ||
        !grow((void **)&set->relationships, &set->cap_relationships, set->n_relationships, sizeof *set->relationships)) {
        free(source_id);
        free(target_id);
        free(kind);
        free(properties);
        return out_of_memory(err);
    }
    set->relationships[set->n_relationships++] = (tg_load_relationship){source_id, target_id, kind, properties, line, false, SIZE_MAX, SIZE_MAX};
    return TG_OK;
}

const char *tg_load_local_name(const char *iri)
{
    const char *hash = strrchr(iri, '#');
    const char *slash = strrchr(iri, '/');
    const char *cut = hash > slash ? hash : slash;
    return cut && cut[1] ? cut + 1 : iri;
}

static bool kind_matches(const char *pattern, const char *kind)
{
    size_t len = strlen(pattern);
    if (len && pattern[len - 1] == '*')
        return strncmp(pattern, kind, len - 1) == 0;
    return strcmp(pattern, kind) == 0;
}

static size_t rule_of(const tg_load_parent_options *options, const char *kind)
{
    for (size_t r = 0; r < options->n_rules; r++)
        if (kind_matches(options->rules[r].kind, kind))
            return r;
    return SIZE_MAX;
}

static tg_status note_unknown(tg_load_set *set, const char *id, tg_error *err)
{
    tg_load_index *index = set->index;
    id_entry *found = NULL;
    HASH_FIND(hh, index->unknown, id, strlen(id), found);
    if (found)
        return TG_OK;
    char **bigger = realloc(set->unknown_ids, (set->n_unknown_ids + 1) * sizeof *bigger);
    id_entry *entry = malloc(sizeof *entry);
    char *copy = strdup(id);
    if (bigger)
        set->unknown_ids = bigger;
    if (!bigger || !entry || !copy) {
        free(entry);
        free(copy);
        return out_of_memory(err);
    }
    set->unknown_ids[set->n_unknown_ids++] = copy;
    entry->id = copy;
    entry->twin = SIZE_MAX;
    HASH_ADD_KEYPTR(hh, index->unknown, copy, strlen(copy), entry);
    return index->out_of_memory ? out_of_memory(err) : TG_OK;
}

/* What a rule-matching relationship proposes: the child twin (NULL when not in the file) and the
 * parent id. */
static const char *proposed_parent(const tg_load_set *set, const tg_load_parent_options *options,
                                   const tg_load_relationship *r, size_t rule, tg_load_twin **child)
{
    bool source_is_parent = options->rules[rule].source_is_parent;
    size_t twin = source_is_parent ? r->target_twin : r->source_twin;
    *child = twin == SIZE_MAX ? NULL : &set->twins[twin];
    return source_is_parent ? r->source_id : r->target_id;
}

/* For each twin the winning relationship (earliest rule, then earliest in the file) in best[],
 * SIZE_MAX where none. A parent the reader set stays. */
static tg_status choose_parents(tg_load_set *set, const tg_load_parent_options *options, size_t *best,
                                tg_error *err)
{
    size_t n = set->n_twins ? set->n_twins : 1;
    size_t *best_rule = malloc(n * sizeof *best_rule);
    unsigned char *several = calloc(n, 1);
    if (!best_rule || !several) {
        free(best_rule);
        free(several);
        return out_of_memory(err);
    }
    for (size_t t = 0; t < set->n_twins; t++)
        best[t] = best_rule[t] = SIZE_MAX;
    tg_status st = TG_OK;
    for (size_t i = 0; i < set->n_relationships && !st; i++) {
        const tg_load_relationship *r = &set->relationships[i];
        size_t rule = rule_of(options, r->kind);
        if (rule == SIZE_MAX)
            continue;
        tg_load_twin *child;
        const char *parent = proposed_parent(set, options, r, rule, &child);
        if (!child || child->parent_id)
            continue;
        size_t t = (size_t)(child - set->twins);
        if (best[t] == SIZE_MAX) {
            best[t] = i;
            best_rule[t] = rule;
            continue;
        }
        tg_load_twin *same;
        const tg_load_relationship *held = &set->relationships[best[t]];
        const char *held_parent = proposed_parent(set, options, held, best_rule[t], &same);
        if (strcmp(held_parent, parent) == 0)
            continue; /* the same link said twice (e.g. contains and isPartOf) */
        if (options->several_parents_error) {
            char where[600], first[600];
            tg_load_set_where(set, r->line, where, sizeof where);
            tg_load_set_where(set, held->line, first, sizeof first);
            st = tg_error_set(err, TG_ERR_INPUT, "%s: twin \"%s\" has two parents, \"%s\" and \"%s\"", where,
                              child->device_id, held_parent, parent);
            tg_error_detail(err, "\"%s\" (%s) and \"%s\" (%s) both make parent links.", held->kind, first,
                            r->kind, where);
            tg_error_hint(err, "Pass --several-parents first to keep the first link and load the others as "
                               "relationships, or narrow --parent-kinds / --child-kinds.");
            break;
        }
        several[t] = 1;
        if (rule < best_rule[t]) {
            best[t] = i;
            best_rule[t] = rule;
        }
    }
    for (size_t t = 0; t < set->n_twins; t++)
        set->several_parents += several[t];
    free(best_rule);
    free(several);
    return st;
}

static void parent_link_of(const tg_load_relationship *r, const tg_load_parent_options *options, const char **child,
                         const char **parent)
{
    bool source_is_parent = options->rules[rule_of(options, r->kind)].source_is_parent;
    *child = source_is_parent ? r->target_id : r->source_id;
    *parent = source_is_parent ? r->source_id : r->target_id;
}

/* Parent links for children not in the file: one per child, the earliest rule then the first
 * in the file, as for the file's own twins. */
static tg_status choose_external(tg_load_set *set, const tg_load_parent_options *options, tg_error *err)
{
    tg_load_index *index = set->index;
    id_entry *head = NULL, *entry, *next;
    tg_status st = TG_OK;
    for (size_t i = 0; i < set->n_relationships && !st; i++) {
        tg_load_relationship *r = &set->relationships[i];
        size_t rule = rule_of(options, r->kind);
        if (rule == SIZE_MAX)
            continue;
        const char *child, *parent;
        parent_link_of(r, options, &child, &parent);
        if ((options->rules[rule].source_is_parent ? r->target_twin : r->source_twin) != SIZE_MAX)
            continue; /* a twin of the file: choose_parents decided */
        HASH_FIND(hh, head, child, strlen(child), entry);
        if (!entry) {
            if (!(entry = malloc(sizeof *entry))) {
                st = out_of_memory(err);
                break;
            }
            entry->id = child;
            entry->twin = i;
            HASH_ADD_KEYPTR(hh, head, child, strlen(child), entry);
            if (index->out_of_memory) {
                free(entry);
                st = out_of_memory(err);
            }
            continue;
        }
        const tg_load_relationship *held = &set->relationships[entry->twin];
        const char *held_child, *held_parent;
        parent_link_of(held, options, &held_child, &held_parent);
        if (strcmp(held_parent, parent) == 0)
            continue;
        if (options->several_parents_error) {
            char where[600], first[600];
            tg_load_set_where(set, r->line, where, sizeof where);
            tg_load_set_where(set, held->line, first, sizeof first);
            st = tg_error_set(err, TG_ERR_INPUT, "%s: twin \"%s\" has two parents, \"%s\" and \"%s\"", where, child,
                              held_parent, parent);
            tg_error_detail(err, "\"%s\" (%s) and \"%s\" (%s) both make parent links.", held->kind, first, r->kind,
                            where);
            tg_error_hint(err, "Pass --several-parents first to keep the first link and load the others as "
                               "relationships, or narrow --parent-kinds / --child-kinds.");
            break;
        }
        if (rule < rule_of(options, held->kind))
            entry->twin = i;
    }
    size_t n = HASH_COUNT(head);
    if (!st && n && !(set->external_links = malloc(n * sizeof *set->external_links)))
        st = out_of_memory(err);
    HASH_ITER(hh, head, entry, next) {
        if (!st) {
            tg_load_relationship *r = &set->relationships[entry->twin];
            const char *child, *parent;
            parent_link_of(r, options, &child, &parent);
            set->external_links[set->n_external_links++] = (tg_load_external_link){entry->twin, child, parent};
            r->parent_link = true;
        }
        HASH_DEL(head, entry);
        free(entry);
    }
    return st;
}

/* Parent links among the file's twins must end at a root or outside the file. */
static tg_status check_cycles(tg_load_set *set, tg_error *err)
{
    unsigned char *state = calloc(set->n_twins ? set->n_twins : 1, 1); /* 0 new, 1 on the walk, 2 done */
    if (!state)
        return out_of_memory(err);
    tg_status st = TG_OK;
    for (size_t start = 0; start < set->n_twins && !st; start++) {
        size_t t = start;
        while (state[t] == 0) {
            state[t] = 1;
            const char *parent = set->twins[t].parent_id;
            tg_load_twin *next = parent ? tg_load_set_find(set, parent) : NULL;
            if (!next)
                break;
            t = (size_t)(next - set->twins);
            if (state[t] == 1) {
                char where[600];
                tg_load_set_where(set, set->twins[t].line, where, sizeof where);
                st = tg_error_set(err, TG_ERR_INPUT, "%s: the parent links of twin \"%s\" form a cycle", where,
                                  set->twins[t].device_id);
                tg_error_hint(err, "A twin cannot be its own ancestor; check the relationships that make parent "
                                   "links (--parent-kinds, --child-kinds).");
                break;
            }
        }
        for (t = start; state[t] == 1;) {
            state[t] = 2;
            const char *parent = set->twins[t].parent_id;
            tg_load_twin *next = parent ? tg_load_set_find(set, parent) : NULL;
            if (!next)
                break;
            t = (size_t)(next - set->twins);
        }
    }
    free(state);
    return st;
}

tg_status tg_load_set_resolve(tg_load_set *set, const tg_load_parent_options *options, tg_error *err)
{
    if (!index_of(set))
        return out_of_memory(err);
    size_t *best = malloc((set->n_twins ? set->n_twins : 1) * sizeof *best);
    if (!best)
        return out_of_memory(err);
    /* One lookup per endpoint; everything after works with the indexes. */
    for (size_t i = 0; i < set->n_relationships; i++) {
        tg_load_relationship *r = &set->relationships[i];
        tg_load_twin *source = tg_load_set_find(set, r->source_id), *target = tg_load_set_find(set, r->target_id);
        r->source_twin = source ? (size_t)(source - set->twins) : SIZE_MAX;
        r->target_twin = target ? (size_t)(target - set->twins) : SIZE_MAX;
    }
    tg_status st = choose_parents(set, options, best, err);
    for (size_t t = 0; t < set->n_twins && !st; t++) {
        if (best[t] == SIZE_MAX)
            continue;
        tg_load_relationship *r = &set->relationships[best[t]];
        tg_load_twin *child;
        if (!(set->twins[t].parent_id = strdup(proposed_parent(set, options, r, rule_of(options, r->kind), &child))))
            st = out_of_memory(err);
        set->parent_links++;
    }
    /* Every relationship that states a twin's chosen link is that link, not a relationship too. */
    for (size_t i = 0; i < set->n_relationships && !st; i++) {
        tg_load_relationship *r = &set->relationships[i];
        size_t rule = rule_of(options, r->kind);
        tg_load_twin *child;
        const char *parent = rule == SIZE_MAX ? NULL : proposed_parent(set, options, r, rule, &child);
        if (parent && child && best[child - set->twins] != SIZE_MAX && strcmp(child->parent_id, parent) == 0)
            r->parent_link = true;
    }
    free(best);
    if (!st)
        st = choose_external(set, options, err);
    for (size_t i = 0; i < set->n_relationships && !st; i++) {
        const tg_load_relationship *r = &set->relationships[i];
        if (r->source_twin == SIZE_MAX)
            st = note_unknown(set, r->source_id, err);
        if (!st && r->target_twin == SIZE_MAX)
            st = note_unknown(set, r->target_id, err);
    }
    for (size_t t = 0; t < set->n_twins && !st; t++)
        if (set->twins[t].parent_id && !tg_load_set_find(set, set->twins[t].parent_id))
            st = note_unknown(set, set->twins[t].parent_id, err);
    if (!st)
        st = check_cycles(set, err);
    return st;
}
