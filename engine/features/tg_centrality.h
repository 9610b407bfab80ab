/* tg_centrality.h - centrality features: degree, pagerank, betweenness, harmonic, coreness. */
#ifndef TG_CENTRALITY_H
#define TG_CENTRALITY_H

#include "tg_feature_types.h"

/* The family's registry entries. */
extern const tg_feature_def tg_centrality_features[];
extern const size_t tg_centrality_feature_count;

#endif
