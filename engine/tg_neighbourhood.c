/* tg_neighbourhood.c - features of a twin's immediate neighbourhood: local clustering. */
#include "tg_neighbourhood.h"

#include "tg_igraph.h"

tg_status tg_neighbourhood_clustering(const tg_feature_input *in, igraph_vector_t **out, tg_error *err)
{
    igraph_error_t rc = igraph_transitivity_local_undirected(in->undirected, out[0], igraph_vss_all(),
                                                             IGRAPH_TRANSITIVITY_ZERO);
    return rc == IGRAPH_SUCCESS ? TG_OK : tg_igraph_error(err, rc, "compute clustering");
}
