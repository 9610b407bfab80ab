/* tg_spec.h - the job spec: a strictly parsed JSON file saying what to read, which graph to build, which features to compute and where to write them. */
#ifndef TG_SPEC_H
#define TG_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "tg_error.h"
#include "tg_feature.h"

typedef enum { TG_LAYER_HIERARCHY, TG_LAYER_RELATIONSHIPS } tg_layer_type;

/* One graph layer over the set of all twins. */
typedef struct {
    char name[TG_NAME_MAX];  /* the suffix of per-layer columns; unique in a job */
    tg_layer_type type;
    char **kinds;            /* relationships only: kinds kept, or NULL for every kind */
    size_t n_kinds;
} tg_layer_spec;

/* One feature entry, resolved against the registry. */
typedef struct {
    const tg_feature_def *def;   /* borrowed from the registry */
    int layer;                   /* index into tg_spec.layers, or -1 for the union graph */
    double params[TG_MAX_PARAMS];
    size_t n_columns;
    char columns[TG_MAX_COLUMNS_PER_FEATURE][TG_NAME_MAX]; /* output column names */
} tg_feature_spec;

typedef enum { TG_DANGLING_ERROR, TG_DANGLING_DROP } tg_dangling_policy;

typedef struct {
    char *devices_source;        /* table or view, possibly schema-qualified */
    char *relationships_source;  /* NULL when no layer needs relationships */
    tg_dangling_policy on_dangling;
    bool directed;
    bool simplify;
    tg_layer_spec *layers;
    size_t n_layers;
    tg_feature_spec *features;
    size_t n_features;
    char *output_table;
    char *runs_table;
    char *json;                  /* the spec as written, compact, for the runs table */
} tg_spec;

/* Parses and validates a job spec. An unknown key, a duplicate key, a wrong type or an
 * out-of-range value is an error naming the key path (e.g. features[2].damping).
 * spec is initialised here; release it with tg_spec_destroy whatever the result. */
tg_status tg_spec_load_file(tg_spec *spec, const char *path, tg_error *err);
tg_status tg_spec_load_string(tg_spec *spec, const char *text, tg_error *err);

/* Frees everything the spec owns. Accepts a zeroed or partly filled spec. */
void tg_spec_destroy(tg_spec *spec);

/* Index of the layer called name, or -1. */
int tg_spec_layer_index(const tg_spec *spec, const char *name);

/* Total number of feature columns the job writes. */
size_t tg_spec_column_count(const tg_spec *spec);

#endif
