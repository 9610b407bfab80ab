/* tg_compute.h - the compute stage: runs every feature entry of the job on its layer's graph and collects the output columns. */
#ifndef TG_COMPUTE_H
#define TG_COMPUTE_H

#include <jansson.h>

#include "tg_column.h"
#include "tg_error.h"
#include "tg_graph.h"
#include "tg_spec.h"
#include "tg_tree.h"
#include "tg_twins.h"
#include "tg_warnings.h"

/* Computes all features of the job: entries that read another entry's column run after the
 * others. igraph's RNG is seeded with the job's seed before each entry, so an entry's values do
 * not depend on the entries around it. Progress lines go to stderr. table is filled here (its
 * columns in spec order); release it with tg_feature_table_destroy whatever the result.
 * details: borrowed JSON array; one object is appended per entry that reported how it computed
 * ({"entry", "feature", "column", and the entry's own keys}). */
tg_status tg_compute_features(const tg_spec *spec, const tg_twins *twins, const tg_tree *tree,
                              const tg_graph_set *graphs, tg_feature_table *table, tg_warnings *warnings,
                              json_t *details, tg_error *err);

#endif
