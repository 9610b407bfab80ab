/* tg_community.c - features of the groups twins fall into: connected components, and their registry entries. */
#include "tg_community.h"

#include "tg_igraph.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static tg_status compute_component(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    igraph_vector_int_t sizes = {0};
    igraph_integer_t count;
    tg_status st = TG_OK;
    igraph_error_t rc;
    /* Components are numbered in order of their first vertex; vertices come in device_id order,
     * so ids are stable across runs on the same data. */
    if ((rc = igraph_vector_int_init(&sizes, 0)) ||
        (rc = igraph_connected_components(in->graph, &out[0]->integer, &sizes, &count, IGRAPH_WEAK))) {
        st = tg_igraph_error(err, rc, "compute connected components");
        goto cleanup;
    }
    for (igraph_integer_t v = 0; v < igraph_vector_int_size(&out[0]->integer); v++)
        VECTOR(out[1]->integer)[v] = VECTOR(sizes)[VECTOR(out[0]->integer)[v]];
cleanup:
    /* A zeroed vector (init failed) must not reach igraph_vector_int_destroy. */
    if (sizes.stor_begin)
        igraph_vector_int_destroy(&sizes);
    return st;
}

static const tg_column_def component_columns[] = {
    {"component_id", TG_COLUMN_BIGINT, false,
     "connected component (weakly connected on directed jobs), numbered from 0 in order of each "
     "component's smallest device_id; equal if and only if connected"},
    {"component_size", TG_COLUMN_BIGINT, false, "number of twins in the twin's component"},
};

const tg_feature_def tg_community_features[] = {
    {.name = "component", .family = "community", .summary = "connected component id and size",
     .reference = "networkx.connected_components / weakly_connected_components", .complexity = "O(twins + edges)",
     .columns = component_columns, .n_columns = COUNT(component_columns), .compute = compute_component},
};
const size_t tg_community_feature_count = COUNT(tg_community_features);
