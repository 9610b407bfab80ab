/* tg_layer.h - layer kinds behind one table: what a layer entry of the job spec may say, and which edges (and weights) it draws from the twins. */
#ifndef TG_LAYER_H
#define TG_LAYER_H

#include <stdbool.h>
#include <stddef.h>

#include <igraph.h>
#include <jansson.h>

#include "tg_column.h"
#include "tg_error.h"
#include "tg_spatial.h"
#include "tg_twins.h"
#include "tg_warnings.h"

typedef struct tg_layer_kind tg_layer_kind;

/* How parallel edges of a weighted layer combine. */
typedef enum { TG_MERGE_MIN, TG_MERGE_MAX, TG_MERGE_SUM } tg_weight_merge;

/* One graph layer over the set of all twins, as the job spec describes it. */
typedef struct {
    char name[TG_NAME_MAX];         /* the suffix of per-layer columns; unique in a job */
    const tg_layer_kind *kind;      /* borrowed from the kind table */
    char **kinds;                   /* relationships: kinds kept, or NULL for every kind */
    size_t n_kinds;
    char *weight;                   /* relationships: "properties.<path>" or a column of the source, or NULL */
    int weight_value;               /* index into tg_twins.rel_value of the weight, -1 when unweighted */
    tg_weight_merge merge;
    bool has_default_weight;        /* a missing weight takes default_weight instead of failing */
    double default_weight;
    int knn;                        /* spatial: the k nearest (> 0), or 0 */
    double radius_m;                /* spatial: the radius in metres (> 0), or 0 */
    bool delaunay;                  /* spatial: the Delaunay triangulation */
} tg_layer_spec;

struct tg_layer_kind {
    const char *name;               /* the layer type in the job spec */
    const char *const *option_keys; /* keys its object form allows, NULL-terminated */
    bool reads_relationships;       /* needs the relationships source */
    bool reads_coordinates;         /* reads the twins' locations (which the job then validates) */
    /* Fills the kind-specific fields from the options object (NULL for the bare-name form). */
    tg_status (*parse_options)(tg_layer_spec *layer, const json_t *options, const char *path, tg_error *err);
    /* Appends the layer's edges (pairs of vertices) to edges and, for a weighted layer, one
     * weight per edge to weights (NULL when unweighted). spatial is the job's spatial index
     * (NULL unless the job reads coordinates). */
    tg_status (*collect_edges)(const tg_layer_spec *layer, const tg_twins *twins, tg_spatial *spatial,
                               igraph_vector_int_t *edges, igraph_vector_t *weights, tg_warnings *warnings,
                               tg_error *err);
};

/* Borrowed kind called name, or NULL. */
const tg_layer_kind *tg_layer_kind_find(const char *name);

/* "hierarchy, relationships": the kind names, for hints. */
void tg_layer_kind_names(char *buf, size_t size);

/* Whether the layer keeps relationships of this kind (every kind when it lists none). */
bool tg_layer_keeps_kind(const tg_layer_spec *layer, const char *kind);

/* Frees what the layer owns. Accepts a zeroed layer. */
void tg_layer_spec_destroy(tg_layer_spec *layer);

#endif
