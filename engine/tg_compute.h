/* tg_compute.h - the compute stage: runs every feature entry of the job on its layer's graph and collects the output columns. */
#ifndef TG_COMPUTE_H
#define TG_COMPUTE_H

#include <igraph.h>

#include "tg_error.h"
#include "tg_feature.h"
#include "tg_graph.h"
#include "tg_spec.h"

/* One output column: a value per twin (vertex order), with the text for COMMENT ON COLUMN. */
typedef struct {
    char name[TG_NAME_MAX];
    tg_column_type type;     /* BIGINT values are whole numbers stored exactly in doubles */
    char *comment;           /* owned */
    igraph_vector_t values;
} tg_column;

typedef struct {
    size_t n_columns;
    tg_column *columns;      /* in spec order */
} tg_feature_table;

/* Computes all features of the job. Progress lines go to stderr. table is filled here; release
 * it with tg_feature_table_destroy whatever the result. */
tg_status tg_compute_features(const tg_spec *spec, const tg_graph_set *graphs, tg_feature_table *table,
                              tg_error *err);

/* Index of the column called name, or -1. */
int tg_feature_table_find(const tg_feature_table *table, const char *name);

/* Frees all columns. Accepts a zeroed or partly filled table. */
void tg_feature_table_destroy(tg_feature_table *table);

#endif
