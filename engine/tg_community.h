/* tg_community.h - features of the groups twins fall into: connected components (Leiden/Louvain communities slot in here). */
#ifndef TG_COMMUNITY_H
#define TG_COMMUNITY_H

#include "tg_feature.h"

/* Follows tg_feature_compute_fn; the definition is in the registry (tg_feature.c). */
tg_status tg_community_component(const tg_feature_input *in, igraph_vector_t **out, tg_error *err);

#endif
