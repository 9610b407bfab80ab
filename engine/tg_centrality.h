/* tg_centrality.h - centrality features: degree, pagerank, betweenness, harmonic, coreness. */
#ifndef TG_CENTRALITY_H
#define TG_CENTRALITY_H

#include "tg_feature.h"

/* Each follows tg_feature_compute_fn; definitions are in the registry (tg_feature.c). */
tg_status tg_centrality_degree(const tg_feature_input *in, igraph_vector_t **out, tg_error *err);
tg_status tg_centrality_pagerank(const tg_feature_input *in, igraph_vector_t **out, tg_error *err);
tg_status tg_centrality_betweenness(const tg_feature_input *in, igraph_vector_t **out, tg_error *err);
tg_status tg_centrality_harmonic(const tg_feature_input *in, igraph_vector_t **out, tg_error *err);
tg_status tg_centrality_coreness(const tg_feature_input *in, igraph_vector_t **out, tg_error *err);

#endif
