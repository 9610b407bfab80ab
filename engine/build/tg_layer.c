/* tg_layer.c - the layer kind table: hierarchy (parent links), relationships (typed, optionally weighted edges) and spatial (proximity, weighted by metres). */
#include "tg_layer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_igraph.h"
#include "tg_spatial.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static tg_status push_edge(igraph_vector_int_t *edges, igraph_integer_t from, igraph_integer_t to, tg_error *err)
{
    igraph_error_t rc = igraph_vector_int_push_back(edges, from);
    if (rc == IGRAPH_SUCCESS)
        rc = igraph_vector_int_push_back(edges, to);
    return rc == IGRAPH_SUCCESS ? TG_OK : tg_igraph_error(err, rc, "collect edges");
}

static tg_status hierarchy_options(tg_layer_spec *layer, const json_t *options, const char *path, tg_error *err)
{
    (void)layer, (void)options, (void)path, (void)err;
    return TG_OK;
}

/* parent -> twin for every twin with a parent. O(twins). */
static tg_status hierarchy_edges(const tg_layer_spec *layer, const tg_twins *twins, tg_spatial *spatial,
                                 igraph_vector_int_t *edges, igraph_vector_t *weights, tg_warnings *warnings,
                                 tg_error *err)
{
    (void)layer, (void)spatial, (void)weights, (void)warnings;
    tg_status st = TG_OK;
    for (igraph_integer_t v = 0; v < twins->n_twins && !st; v++)
        if (twins->parent[v] >= 0)
            st = push_edge(edges, twins->parent[v], v, err);
    return st;
}

static tg_status relationship_options(tg_layer_spec *layer, const json_t *options, const char *path,
                                      tg_error *err)
{
    char key_path[256];
    const json_t *kinds = json_object_get(options, "kinds");
    if (kinds) {
        snprintf(key_path, sizeof key_path, "%s.kinds", path);
        if (!json_is_array(kinds) || json_array_size(kinds) == 0)
            return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" must be a non-empty array of strings", key_path);
        if (!(layer->kinds = calloc(json_array_size(kinds), sizeof *layer->kinds)))
            return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        size_t i;
        const json_t *kind;
        json_array_foreach(kinds, i, kind) {
            if (!json_is_string(kind))
                return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s[%zu]\" must be a string", key_path, i);
            if (!(layer->kinds[i] = strdup(json_string_value(kind))))
                return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
            layer->n_kinds = i + 1;
        }
    }
    const json_t *weight = json_object_get(options, "weight");
    if (weight) {
        snprintf(key_path, sizeof key_path, "%s.weight", path);
        const char *w = json_string_value(weight);
        if (!w || !w[0] || w[strlen(w) - 1] == '.' || strstr(w, ".."))
            return tg_error_set(err, TG_ERR_INPUT,
                                "job spec: \"%s\" must be \"properties.<key>[.<key>...]\" or a column of the "
                                "relationships source",
                                key_path);
        if (strchr(w, '.') && strncmp(w, "properties.", strlen("properties.")) != 0)
            return tg_error_set(err, TG_ERR_INPUT,
                                "job spec: \"%s\": a path must start with \"properties.\", not \"%s\"", key_path, w);
        if (!(layer->weight = strdup(w)))
            return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    }
    const json_t *merge = json_object_get(options, "merge");
    layer->merge = TG_MERGE_MIN;
    if (merge) {
        static const char *const merges[] = {"min", "max", "sum"};
        snprintf(key_path, sizeof key_path, "%s.merge", path);
        const char *m = json_string_value(merge);
        size_t i = 0;
        while (i < COUNT(merges) && !(m && strcmp(m, merges[i]) == 0))
            i++;
        if (i == COUNT(merges))
            return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" must be \"min\", \"max\" or \"sum\"", key_path);
        if (!weight)
            return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" needs a \"weight\" to merge", key_path);
        layer->merge = (tg_weight_merge)i;
    }
    const json_t *fallback = json_object_get(options, "default_weight");
    if (fallback) {
        snprintf(key_path, sizeof key_path, "%s.default_weight", path);
        if (!json_is_number(fallback) || !(json_number_value(fallback) >= 0) || !isfinite(json_number_value(fallback)))
            return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" must be a finite number >= 0", key_path);
        if (!weight)
            return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" needs a \"weight\"", key_path);
        layer->has_default_weight = true;
        layer->default_weight = json_number_value(fallback);
    }
    return TG_OK;
}

/* source -> target for every relationship of a kind the layer keeps, with its weight. O(relationships). */
static tg_status relationship_edges(const tg_layer_spec *layer, const tg_twins *twins, tg_spatial *spatial,
                                    igraph_vector_int_t *edges, igraph_vector_t *weights, tg_warnings *warnings,
                                    tg_error *err)
{
    (void)spatial;
    /* keep[k]: whether interned kind k belongs to this layer. */
    bool *keep = calloc(twins->n_kinds + 1, sizeof *keep);
    if (!keep)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory building layer \"%s\"", layer->name);
    for (size_t k = 0; k < twins->n_kinds; k++)
        keep[k] = tg_layer_keeps_kind(layer, twins->kinds[k]);
    tg_status st = TG_OK;
    const double *values = layer->weight_value >= 0 && twins->rel_value ? twins->rel_value[layer->weight_value] : NULL;
    igraph_integer_t defaulted = 0;
    for (igraph_integer_t e = 0; e < twins->n_relationships && !st; e++) {
        if (!keep[twins->rel_kind[e]])
            continue;
        if ((st = push_edge(edges, twins->rel_source[e], twins->rel_target[e], err)) || !weights)
            continue;
        double w = values[e];
        if (isnan(w)) {
            if (!layer->has_default_weight) {
                st = tg_error_set(err, TG_ERR_INPUT, "relationship \"%s\" -> \"%s\" (%s) has no weight \"%s\"",
                                  tg_twins_id(twins, twins->rel_source[e]), tg_twins_id(twins, twins->rel_target[e]),
                                  twins->kinds[twins->rel_kind[e]], layer->weight);
                tg_error_hint(err, "set the weight on every relationship of layer \"%s\", or give the layer a "
                                   "\"default_weight\"", layer->name);
                break;
            }
            w = layer->default_weight;
            defaulted++;
        } else if (w < 0) {
            st = tg_error_set(err, TG_ERR_INPUT, "relationship \"%s\" -> \"%s\" (%s) has weight %s = %g, below 0",
                              tg_twins_id(twins, twins->rel_source[e]), tg_twins_id(twins, twins->rel_target[e]),
                              twins->kinds[twins->rel_kind[e]], layer->weight, w);
            tg_error_hint(err, "weights are distances or strengths, never negative; fix the row or filter it in a view");
            break;
        }
        igraph_error_t rc = igraph_vector_push_back(weights, w);
        if (rc != IGRAPH_SUCCESS)
            st = tg_igraph_error(err, rc, "collect edge weights");
    }
    free(keep);
    if (!st && defaulted)
        tg_warn(warnings, "layer \"%s\": %" IGRAPH_PRId " relationship%s had no weight \"%s\" and weigh%s the default %g",
                layer->name, defaulted, defaulted == 1 ? "" : "s", layer->weight, defaulted == 1 ? "s" : "",
                layer->default_weight);
    return st;
}

/* {"knn": k}, {"radius_m": r} or {"delaunay": true}: exactly one. Edges weigh their geodesic
 * length in metres. */
static tg_status spatial_options(tg_layer_spec *layer, const json_t *options, const char *path, tg_error *err)
{
    const json_t *knn = json_object_get(options, "knn"), *radius = json_object_get(options, "radius_m"),
                 *delaunay = json_object_get(options, "delaunay");
    if (!!knn + !!radius + !!delaunay != 1) {
        tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\" needs exactly one of \"knn\", \"radius_m\" and \"delaunay\"",
                     path);
        tg_error_hint(err, "write {\"spatial\": {\"knn\": 8}}, {\"spatial\": {\"radius_m\": 150}} or "
                           "{\"spatial\": {\"delaunay\": true}}");
        return TG_ERR_INPUT;
    }
    if (knn && (!json_is_integer(knn) || json_integer_value(knn) < 1 || json_integer_value(knn) > 1000))
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s.knn\" must be an integer within 1..1000", path);
    /* Half the equator: no two points on Earth are farther apart. */
    if (radius && (!json_is_number(radius) || !(json_number_value(radius) > 0) ||
                   !(json_number_value(radius) <= 20037509)))
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s.radius_m\" must be a number within (0, 20037509] metres",
                            path);
    if (delaunay && !json_is_true(delaunay))
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s.delaunay\" must be true (leave the layer out otherwise)",
                            path);
    layer->knn = knn ? (int)json_integer_value(knn) : 0;
    layer->radius_m = radius ? json_number_value(radius) : 0;
    layer->delaunay = delaunay != NULL;
    return (layer->weight = strdup("distance_m")) ? TG_OK : tg_error_set(err, TG_ERR_MEMORY, "out of memory");
}

/* Twins sharing a location are neighbours at 0 m; their edge weighs this much instead, so that
 * features reading weights as distances (which must be positive) accept it. Below the 1 mm to
 * which distances agree with PostGIS. */
#define TG_SPATIAL_MIN_WEIGHT_M 1e-6

static tg_status push_spatial_edge(igraph_vector_int_t *edges, igraph_vector_t *weights, igraph_integer_t from,
                                   igraph_integer_t to, double metres, tg_error *err)
{
    tg_status st = push_edge(edges, from, to, err);
    if (!st && igraph_vector_push_back(weights, fmax(metres, TG_SPATIAL_MIN_WEIGHT_M)))
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory for spatial edges");
    return st;
}

/* k nearest: twin -> each neighbour; radius: both directions (each twin lists the other);
 * Delaunay: both directions of each triangulation edge. */
static tg_status spatial_collect(const tg_layer_spec *layer, const tg_twins *twins, tg_spatial *spatial,
                                 igraph_vector_int_t *edges, igraph_vector_t *weights, tg_warnings *warnings,
                                 tg_error *err)
{
    (void)warnings;
    tg_status st = TG_OK;
    if (layer->delaunay) {
        igraph_vector_int_t pairs;
        igraph_vector_t lengths;
        if (igraph_vector_int_init(&pairs, 0))
            return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        if (igraph_vector_init(&lengths, 0)) {
            igraph_vector_int_destroy(&pairs);
            return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        }
        st = tg_spatial_delaunay(spatial, &pairs, &lengths, err);
        for (igraph_integer_t e = 0; !st && e < igraph_vector_size(&lengths); e++) {
            igraph_integer_t a = VECTOR(pairs)[2 * e], b = VECTOR(pairs)[2 * e + 1];
            if (!(st = push_spatial_edge(edges, weights, a, b, VECTOR(lengths)[e], err)))
                st = push_spatial_edge(edges, weights, b, a, VECTOR(lengths)[e], err);
        }
        igraph_vector_int_destroy(&pairs);
        igraph_vector_destroy(&lengths);
        return st;
    }
    tg_spatial_lists lists;
    if ((st = layer->knn > 0 ? tg_spatial_knn(spatial, layer->knn, &lists, err)
                             : tg_spatial_within(spatial, layer->radius_m, &lists, err)))
        return st;
    for (igraph_integer_t v = 0; v < twins->n_twins && !st; v++)
        for (igraph_integer_t j = 0, size = tg_spatial_list_size(&lists, v); j < size && !st; j++)
            st = push_spatial_edge(edges, weights, v, lists.twin[lists.offset[v] + j],
                                   lists.distance_m[lists.offset[v] + j], err);
    return st;
}

static const char *const hierarchy_keys[] = {"name", NULL};
static const char *const spatial_keys[] = {"name", "knn", "radius_m", "delaunay", NULL};
static const char *const relationship_keys[] = {"name", "kinds", "weight", "merge", "default_weight", NULL};

static const tg_layer_kind layer_kinds[] = {
    {"hierarchy", hierarchy_keys, false, false, hierarchy_options, hierarchy_edges},
    {"relationships", relationship_keys, true, false, relationship_options, relationship_edges},
    {"spatial", spatial_keys, false, true, spatial_options, spatial_collect},
};

const tg_layer_kind *tg_layer_kind_find(const char *name)
{
    for (size_t i = 0; i < COUNT(layer_kinds); i++)
        if (strcmp(layer_kinds[i].name, name) == 0)
            return &layer_kinds[i];
    return NULL;
}

void tg_layer_kind_names(char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < COUNT(layer_kinds) && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", layer_kinds[i].name);
}

bool tg_layer_keeps_kind(const tg_layer_spec *layer, const char *kind)
{
    if (!layer->kinds)
        return true;
    for (size_t j = 0; j < layer->n_kinds; j++)
        if (strcmp(kind, layer->kinds[j]) == 0)
            return true;
    return false;
}

void tg_layer_spec_destroy(tg_layer_spec *layer)
{
    if (!layer)
        return;
    for (size_t k = 0; k < layer->n_kinds; k++)
        free(layer->kinds[k]);
    free(layer->kinds);
    free(layer->weight);
    memset(layer, 0, sizeof *layer);
}
