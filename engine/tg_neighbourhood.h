/* tg_neighbourhood.h - features of a twin's immediate neighbourhood: local clustering (k-hop and neighbour aggregates slot in here). */
#ifndef TG_NEIGHBOURHOOD_H
#define TG_NEIGHBOURHOOD_H

#include "tg_feature.h"

/* Follows tg_feature_compute_fn; the definition is in the registry (tg_feature.c). */
tg_status tg_neighbourhood_clustering(const tg_feature_input *in, igraph_vector_t **out, tg_error *err);

#endif
