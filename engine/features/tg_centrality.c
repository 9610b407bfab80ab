/* tg_centrality.c - centrality features, each a thin wrapper around one igraph routine, and their registry entries. */
#include "tg_centrality.h"

#include "tg_igraph.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static tg_status compute_degree(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    /* Distinct neighbours: the degree in the simple undirected view. */
    igraph_error_t rc = igraph_degree(in->undirected, &out[0]->integer, igraph_vss_all(), IGRAPH_ALL, false);
    if (rc == IGRAPH_SUCCESS && in->directed &&
        (rc = igraph_degree(in->graph, &out[1]->integer, igraph_vss_all(), IGRAPH_IN, true)) == IGRAPH_SUCCESS)
        rc = igraph_degree(in->graph, &out[2]->integer, igraph_vss_all(), IGRAPH_OUT, true);
    return rc == IGRAPH_SUCCESS ? TG_OK : tg_igraph_error(err, rc, "compute degree");
}

static tg_status compute_pagerank(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    if (igraph_vcount(in->graph) == 0)
        return TG_OK;
    igraph_real_t eigenvalue;
    igraph_error_t rc = igraph_pagerank(in->graph, IGRAPH_PAGERANK_ALGO_PRPACK, &out[0]->real, &eigenvalue,
                                        igraph_vss_all(), true, in->params[0].number, NULL, NULL);
    return rc == IGRAPH_SUCCESS ? TG_OK : tg_igraph_error(err, rc, "compute pagerank");
}

static tg_status compute_betweenness(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    /* Whole-graph igraph_betweenness, not the _subset variant (wrong on undirected graphs in
     * igraph 0.10.2, igraph issue #2359). Undirected results count each pair once. */
    igraph_error_t rc = igraph_betweenness(in->graph, &out[0]->real, igraph_vss_all(), true, NULL);
    return rc == IGRAPH_SUCCESS ? TG_OK : tg_igraph_error(err, rc, "compute betweenness");
}

static const char *const harmonic_directions[] = {"in", "out", "all", NULL};

static tg_status compute_harmonic(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    /* Default "in": distances from the other twins to this one, as networkx defines it. The
     * order matches harmonic_directions. */
    static const igraph_neimode_t modes[] = {IGRAPH_IN, IGRAPH_OUT, IGRAPH_ALL};
    igraph_error_t rc = igraph_harmonic_centrality_cutoff(in->graph, &out[0]->real, igraph_vss_all(),
                                                          modes[in->params[0].choice], NULL, false,
                                                          in->params[1].number);
    return rc == IGRAPH_SUCCESS ? TG_OK : tg_igraph_error(err, rc, "compute harmonic centrality");
}

static tg_status compute_strength(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    igraph_error_t rc = igraph_strength(in->graph, &out[0]->real, igraph_vss_all(), IGRAPH_ALL, true, in->weights);
    return rc == IGRAPH_SUCCESS ? TG_OK : tg_igraph_error(err, rc, "compute strength");
}

static tg_status compute_coreness(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    igraph_error_t rc = igraph_coreness(in->graph, &out[0]->integer, IGRAPH_ALL);
    return rc == IGRAPH_SUCCESS ? TG_OK : tg_igraph_error(err, rc, "compute coreness");
}

static const tg_column_def degree_columns[] = {
    {"degree", TG_COLUMN_BIGINT, false,
     "number of distinct neighbours (either direction), self-loops and parallel edges not counted"},
    {"in_degree", TG_COLUMN_BIGINT, true, "number of edges pointing to the twin"},
    {"out_degree", TG_COLUMN_BIGINT, true, "number of edges leaving the twin"},
};

static const tg_param_def pagerank_params[] = {
    {.name = "damping", .type = TG_PARAM_NUMBER, .default_json = "0.85", .min_number = 0.0, .max_number = 0.999999,
     .doc = "probability of following an edge rather than jumping"},
};
static const tg_column_def pagerank_columns[] = {
    {"pagerank", TG_COLUMN_DOUBLE, false,
     "PageRank, unweighted, uniform teleport, dangling twins jump uniformly; values sum to 1"},
};

static const tg_column_def betweenness_columns[] = {
    {"betweenness", TG_COLUMN_DOUBLE, false,
     "exact shortest-path betweenness, unnormalised: sum over pairs (s,t) of the share of shortest "
     "s-t paths through the twin; undirected pairs counted once"},
};

static const tg_param_def harmonic_params[] = {
    {.name = "direction", .type = TG_PARAM_CHOICE, .default_json = "\"in\"", .choices = harmonic_directions,
     .doc = "directed jobs: \"in\" counts paths from the other twins to this one, \"out\" paths from this "
            "one, \"all\" ignores directions"},
    {.name = "cutoff", .type = TG_PARAM_NUMBER, .default_json = "-1", .min_number = -1, .max_number = 1e9,
     .doc = "count only twins at most this many hops away (-1: no limit)"},
};
static const tg_column_def harmonic_columns[] = {
    {"harmonic", TG_COLUMN_DOUBLE, false,
     "harmonic centrality, unnormalised: sum over other twins u of 1/d(u, twin), 0 for unreachable"},
};

static const tg_column_def strength_columns[] = {
    {"strength", TG_COLUMN_DOUBLE, false,
     "sum of the weights of the twin's edges (either direction; a self-loop counts twice when the job keeps "
     "it), on a weighted layer after parallel edges merged by the layer's rule"},
};

static const tg_column_def coreness_columns[] = {
    {"coreness", TG_COLUMN_BIGINT, false,
     "k-core number: largest k such that the twin is in a subgraph of minimum degree k "
     "(in + out degree on directed jobs)"},
};

const tg_feature_def tg_centrality_features[] = {
    {.name = "degree", .family = "centrality", .summary = "number of neighbours (directed jobs add in_degree and out_degree)",
     .reference = "networkx degree on the simplified graph", .complexity = "O(twins + edges)",
     .columns = degree_columns, .n_columns = COUNT(degree_columns), .compute = compute_degree},
    {.name = "pagerank", .family = "centrality", .summary = "PageRank with damping 0.85 (parameter \"damping\")",
     .reference = "networkx.pagerank", .complexity = "O(edges) per power iteration (PRPACK solver)",
     .params = pagerank_params, .n_params = COUNT(pagerank_params), .columns = pagerank_columns,
     .n_columns = COUNT(pagerank_columns), .compute = compute_pagerank},
    {.name = "betweenness", .family = "centrality", .summary = "exact shortest-path betweenness as unnormalised pair counts",
     .reference = "networkx.betweenness_centrality(normalized=False)", .complexity = "O(twins * edges): too slow past ~100k twins",
     .columns = betweenness_columns, .n_columns = COUNT(betweenness_columns), .compute = compute_betweenness},
    {.name = "harmonic", .family = "centrality", .summary = "harmonic centrality, unnormalised (parameters \"direction\", \"cutoff\")",
     .reference = "networkx.harmonic_centrality", .complexity = "O(twins * edges), less with a cutoff",
     .params = harmonic_params, .n_params = COUNT(harmonic_params), .columns = harmonic_columns,
     .n_columns = COUNT(harmonic_columns), .compute = compute_harmonic},
    {.name = "strength", .family = "centrality",
     .summary = "weighted degree: the sum of edge weights; needs a \"layer\" that has a \"weight\"",
     .reference = "networkx degree(weight=...)", .complexity = "O(twins + edges)", .columns = strength_columns,
     .n_columns = COUNT(strength_columns), .needs_weights = true, .compute = compute_strength},
    {.name = "coreness", .family = "centrality", .summary = "k-core number", .reference = "networkx.core_number",
     .complexity = "O(twins + edges)", .columns = coreness_columns, .n_columns = COUNT(coreness_columns),
     .compute = compute_coreness},
};
const size_t tg_centrality_feature_count = COUNT(tg_centrality_features);
