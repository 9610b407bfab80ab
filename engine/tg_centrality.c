/* tg_centrality.c - centrality features, each a thin wrapper around one igraph routine. */
#include "tg_centrality.h"

#include "tg_igraph.h"

static void int_to_real(const igraph_vector_int_t *from, igraph_vector_t *to)
{
    for (igraph_integer_t i = 0; i < igraph_vector_int_size(from); i++)
        VECTOR(*to)[i] = (igraph_real_t)VECTOR(*from)[i];
}

/* Runs an igraph routine that fills an integer vector and copies it into out. */
#define WITH_INT_RESULT(result, call, what)                                                        \
    do {                                                                                           \
        igraph_vector_int_t result;                                                                \
        igraph_error_t rc_ = igraph_vector_int_init(&result, 0);                                   \
        if (rc_ != IGRAPH_SUCCESS)                                                                 \
            return tg_igraph_error(err, rc_, what);                                                \
        if ((rc_ = (call)) != IGRAPH_SUCCESS) {                                                    \
            igraph_vector_int_destroy(&result);                                                    \
            return tg_igraph_error(err, rc_, what);                                                \
        }                                                                                          \
        int_to_real(&result, out_);                                                                \
        igraph_vector_int_destroy(&result);                                                        \
    } while (0)

tg_status tg_centrality_degree(const tg_feature_input *in, igraph_vector_t **out, tg_error *err)
{
    /* Distinct neighbours: the degree in the simple undirected view. */
    igraph_vector_t *out_ = out[0];
    WITH_INT_RESULT(deg, igraph_degree(in->undirected, &deg, igraph_vss_all(), IGRAPH_ALL, false),
                    "compute degree");
    if (in->directed) {
        out_ = out[1];
        WITH_INT_RESULT(ideg, igraph_degree(in->graph, &ideg, igraph_vss_all(), IGRAPH_IN, true),
                        "compute in-degree");
        out_ = out[2];
        WITH_INT_RESULT(odeg, igraph_degree(in->graph, &odeg, igraph_vss_all(), IGRAPH_OUT, true),
                        "compute out-degree");
    }
    return TG_OK;
}

tg_status tg_centrality_pagerank(const tg_feature_input *in, igraph_vector_t **out, tg_error *err)
{
    if (igraph_vcount(in->graph) == 0)
        return TG_OK;
    igraph_real_t eigenvalue;
    igraph_error_t rc = igraph_pagerank(in->graph, IGRAPH_PAGERANK_ALGO_PRPACK, out[0], &eigenvalue,
                                        igraph_vss_all(), true, in->params[0], NULL, NULL);
    return rc == IGRAPH_SUCCESS ? TG_OK : tg_igraph_error(err, rc, "compute pagerank");
}

tg_status tg_centrality_betweenness(const tg_feature_input *in, igraph_vector_t **out, tg_error *err)
{
    /* Whole-graph igraph_betweenness, not the _subset variant (wrong on undirected graphs in
     * igraph 0.10.2, igraph issue #2359). Undirected results count each pair once. */
    igraph_error_t rc = igraph_betweenness(in->graph, out[0], igraph_vss_all(), true, NULL);
    return rc == IGRAPH_SUCCESS ? TG_OK : tg_igraph_error(err, rc, "compute betweenness");
}

tg_status tg_centrality_harmonic(const tg_feature_input *in, igraph_vector_t **out, tg_error *err)
{
    /* Default "in": distances from the other twins to this one, as networkx defines it. The
     * order matches the registry's choices. */
    static const igraph_neimode_t modes[] = {IGRAPH_IN, IGRAPH_OUT, IGRAPH_ALL};
    igraph_error_t rc = igraph_harmonic_centrality_cutoff(in->graph, out[0], igraph_vss_all(),
                                                          modes[(int)in->params[0]], NULL, false,
                                                          in->params[1]);
    return rc == IGRAPH_SUCCESS ? TG_OK : tg_igraph_error(err, rc, "compute harmonic centrality");
}

tg_status tg_centrality_coreness(const tg_feature_input *in, igraph_vector_t **out, tg_error *err)
{
    igraph_vector_t *out_ = out[0];
    WITH_INT_RESULT(cores, igraph_coreness(in->graph, &cores, IGRAPH_ALL), "compute coreness");
    return TG_OK;
}
