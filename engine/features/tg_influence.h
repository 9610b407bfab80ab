/* tg_influence.h - the influence feature family: who depends on whom along directed relationship kinds (exact reach) and how far a cascade spreads (independent cascade, reverse-influence sampling). */
#ifndef TG_INFLUENCE_H
#define TG_INFLUENCE_H

#include "tg_feature_types.h"

/* The family's registry entries. */
extern const tg_feature_def tg_influence_features[];
extern const size_t tg_influence_feature_count;

#endif
