/* tg_influence.h - the influence feature family: who depends on whom along directed relationship kinds (exact reach) and how far a cascade spreads (independent cascade, reverse-influence sampling). */
#ifndef TG_INFLUENCE_H
#define TG_INFLUENCE_H

#include "tg_blocks.h"
#include "tg_feature_types.h"

/* The family's registry entries. */
extern const tg_feature_def tg_influence_features[];
extern const size_t tg_influence_feature_count;

/* influence_ic's sampling as a block loop: items are sample numbers (args.seed), each a
 * reverse-reachable set drawn over the in-edges with in_w as each edge's probability, or
 * args.real[0] when in_w is NULL; one value per twin: the sets it is in besides their target. */
extern const tg_kernel tg_kernel_reverse_reachable;

#endif
