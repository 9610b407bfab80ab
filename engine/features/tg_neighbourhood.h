/* tg_neighbourhood.h - features of a twin's immediate neighbourhood: local clustering (k-hop and neighbour aggregates slot in here). */
#ifndef TG_NEIGHBOURHOOD_H
#define TG_NEIGHBOURHOOD_H

#include "tg_feature_types.h"

/* The family's registry entries. */
extern const tg_feature_def tg_neighbourhood_features[];
extern const size_t tg_neighbourhood_feature_count;

#endif
