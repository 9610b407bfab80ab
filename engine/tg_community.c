/* tg_community.c - features of the groups twins fall into: connected components. */
#include "tg_community.h"

#include "tg_igraph.h"

tg_status tg_community_component(const tg_feature_input *in, igraph_vector_t **out, tg_error *err)
{
    igraph_vector_int_t membership = {0}, sizes = {0};
    igraph_integer_t count;
    tg_status st = TG_OK;
    igraph_error_t rc;
    /* Components are numbered in order of their first vertex; vertices come in device_id order,
     * so ids are stable across runs on the same data. */
    if ((rc = igraph_vector_int_init(&membership, 0)) || (rc = igraph_vector_int_init(&sizes, 0)) ||
        (rc = igraph_connected_components(in->graph, &membership, &sizes, &count, IGRAPH_WEAK))) {
        st = tg_igraph_error(err, rc, "compute connected components");
        goto cleanup;
    }
    for (igraph_integer_t v = 0; v < igraph_vector_int_size(&membership); v++) {
        VECTOR(*out[0])[v] = (igraph_real_t)VECTOR(membership)[v];
        VECTOR(*out[1])[v] = (igraph_real_t)VECTOR(sizes)[VECTOR(membership)[v]];
    }
cleanup:
    /* A zeroed vector (init failed or never ran) must not reach igraph_vector_int_destroy. */
    if (membership.stor_begin)
        igraph_vector_int_destroy(&membership);
    if (sizes.stor_begin)
        igraph_vector_int_destroy(&sizes);
    return st;
}
