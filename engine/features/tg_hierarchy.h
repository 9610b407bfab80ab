/* tg_hierarchy.h - the hierarchy feature family: depth, subtree, children, siblings, root and ancestors of each twin, and roll-ups of other features over subtrees. */
#ifndef TG_HIERARCHY_H
#define TG_HIERARCHY_H

#include "tg_feature_types.h"

/* The family's registry entries. Each reads the parent-link forest (tg_feature_input.tree), not
 * a graph layer. */
extern const tg_feature_def tg_hierarchy_features[];
extern const size_t tg_hierarchy_feature_count;

#endif
