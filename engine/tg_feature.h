/* tg_feature.h - the feature registry: every feature's name, parameters, columns, definition and compute function. */
#ifndef TG_FEATURE_H
#define TG_FEATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <igraph.h>

#include "tg_error.h"

#define TG_MAX_PARAMS 8
#define TG_MAX_COLUMNS_PER_FEATURE 4
#define TG_NAME_MAX 64

/* A parameter's value is a double: the number, 0 or 1 for a boolean, or for a choice the index
 * of the string in choices. */
typedef enum { TG_PARAM_NUMBER, TG_PARAM_INTEGER, TG_PARAM_BOOLEAN, TG_PARAM_CHOICE } tg_param_type;

/* One parameter a feature accepts in its job-spec object form. */
typedef struct {
    const char *name;
    tg_param_type type;
    double default_value;
    double min_value; /* inclusive bounds, checked when the spec is parsed (not for choices) */
    double max_value;
    const char *const *choices; /* TG_PARAM_CHOICE: the allowed strings, NULL-terminated */
    const char *doc;
} tg_param_def;

typedef enum { TG_COLUMN_DOUBLE, TG_COLUMN_BIGINT } tg_column_type;

/* One output column of a feature; a per-layer entry appends "_<layer>" to base_name. */
typedef struct {
    const char *base_name;
    tg_column_type type;
    bool directed_only; /* written only by directed jobs (in_degree, out_degree) */
    const char *definition;
} tg_column_def;

/* What a compute function sees: the graph of the entry's layer and its parameter values. */
typedef struct {
    const igraph_t *graph;         /* borrowed; simplified unless the job says otherwise */
    const igraph_t *undirected;    /* borrowed; the same graph with directions dropped and
                                      mutual edges merged (== graph for undirected jobs) */
    bool directed;
    const double *params;          /* borrowed; one value per tg_param_def, defaults filled in */
} tg_feature_input;

/* Computes a feature. out[i] is a borrowed, initialised vector of length vcount for the i-th
 * column that the job writes (directed_only columns are skipped on undirected jobs, so out has
 * tg_feature_column_count() entries); fill it in place, or let an igraph routine resize it to
 * vcount. Returns TG_OK or fills err. */
typedef tg_status (*tg_feature_compute_fn)(const tg_feature_input *in, igraph_vector_t **out,
                                           tg_error *err);

typedef struct {
    const char *name;
    const char *family;
    const char *summary;     /* one line for `twingraph features` */
    const char *reference;   /* the independent implementation the tests compare with */
    const tg_param_def *params;
    size_t n_params;
    const tg_column_def *columns;
    size_t n_columns;
    tg_feature_compute_fn compute;
} tg_feature_def;

/* Borrowed pointer to the registry entry called name, or NULL. */
const tg_feature_def *tg_feature_find(const char *name);

/* Number of registered features; tg_feature_at(i) returns the i-th (borrowed). */
size_t tg_feature_count(void);
const tg_feature_def *tg_feature_at(size_t i);

/* Index of the parameter called name in def->params, or -1. */
int tg_feature_param_index(const tg_feature_def *def, const char *name);

/* Number of columns def writes in a job with the given directedness. */
size_t tg_feature_column_count(const tg_feature_def *def, bool directed);

/* The i-th column def writes in such a job (borrowed), i < tg_feature_column_count(). */
const tg_column_def *tg_feature_column_at(const tg_feature_def *def, bool directed, size_t i);

/* Writes the value of parameter p as the job spec would spell it ("0.85", "true", "in"). */
void tg_feature_param_format(const tg_param_def *p, double value, char *buf, size_t size);

/* Prints the feature dictionary (names, columns, parameters, definitions) to out. */
void tg_feature_print_dictionary(FILE *out);

#endif
