/* tg_neighbourhood.c - features of a twin's immediate neighbourhood: local clustering, and their registry entries. */
#include "tg_neighbourhood.h"

#include "tg_igraph.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static tg_status compute_clustering(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    igraph_error_t rc = igraph_transitivity_local_undirected(in->undirected, &out[0]->real, igraph_vss_all(),
                                                             IGRAPH_TRANSITIVITY_ZERO);
    return rc == IGRAPH_SUCCESS ? TG_OK : tg_igraph_error(err, rc, "compute clustering");
}

static const tg_column_def clustering_columns[] = {
    {"clustering", TG_COLUMN_DOUBLE, false,
     "local clustering coefficient on the undirected view: triangles through the twin divided by "
     "deg*(deg-1)/2; 0 where degree < 2"},
};

const tg_feature_def tg_neighbourhood_features[] = {
    {.name = "clustering", .family = "neighbourhood", .summary = "local clustering coefficient",
     .reference = "networkx.clustering", .complexity = "O(sum over twins of degree^2)",
     .columns = clustering_columns, .n_columns = COUNT(clustering_columns), .compute = compute_clustering},
};
const size_t tg_neighbourhood_feature_count = COUNT(tg_neighbourhood_features);
