/* tg_community.c - features of the groups twins fall into: components, strong components, communities, and their registry entries. */
#include "tg_community.h"

#include <stdlib.h>

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

/* Writes each vertex's group label, counting from 0 in order of each group's smallest vertex (vertices are in device_id byte order, so a label does not depend on the algorithm's
 * own numbering), and its group's size. O(twins). */
static tg_status write_groups(const igraph_vector_int_t *membership, tg_column *label, tg_column *size,
                              igraph_integer_t *n_groups, tg_error *err)
{
    igraph_integer_t n = igraph_vector_int_size(membership);
    igraph_integer_t *renumber = malloc((size_t)(n > 0 ? n : 1) * sizeof *renumber);
    igraph_integer_t *count = calloc((size_t)(n > 0 ? n : 1), sizeof *count);
    if (!renumber || !count) {
        free(renumber);
        free(count);
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    }
    for (igraph_integer_t g = 0; g < n; g++)
        renumber[g] = -1;
    igraph_integer_t next = 0;
    for (igraph_integer_t v = 0; v < n; v++) {
        igraph_integer_t g = VECTOR(*membership)[v];
        if (renumber[g] < 0)
            renumber[g] = next++;
        VECTOR(label->integer)[v] = renumber[g];
        count[renumber[g]]++;
    }
    for (igraph_integer_t v = 0; v < n; v++)
        VECTOR(size->integer)[v] = count[VECTOR(label->integer)[v]];
    *n_groups = next;
    free(renumber);
    free(count);
    return TG_OK;
}

enum { COMMUNITY_LEIDEN, COMMUNITY_LOUVAIN, COMMUNITY_LABEL_PROPAGATION };

/* Runs one community algorithm on the undirected view (directions dropped, mutual edges merged),
 * seeded by the job (igraph's RNG is reseeded before every entry), and records the number of
 * communities and their modularity. */
static tg_status compute_communities(const tg_feature_input *in, tg_column *const *out, int algorithm,
                                     tg_error *err)
{
    const igraph_t *g = in->undirected;
    igraph_vector_int_t membership = {0};
    igraph_vector_t degree = {0};
    igraph_integer_t n_groups = 0, clusters = 0;
    igraph_real_t quality = 0, modularity = 0;
    double resolution = algorithm == COMMUNITY_LABEL_PROPAGATION ? 1.0 : in->params[0].number;
    double two_m = 2.0 * (double)igraph_ecount(g);
    tg_status st = TG_OK;
    igraph_error_t rc;
    if ((rc = igraph_vector_int_init(&membership, igraph_vcount(g)))) {
        st = tg_igraph_error(err, rc, "allocate community labels");
        goto cleanup;
    }
    if (igraph_vcount(g) == 0)
        goto cleanup;
    if (two_m == 0) {
        /* No edges: every twin alone (igraph's Leiden would not finish on all-zero vertex weights). */
        for (igraph_integer_t v = 0; v < igraph_vcount(g); v++)
            VECTOR(membership)[v] = v;
    } else if (algorithm == COMMUNITY_LEIDEN) {
        /* igraph 0.10.2's C Leiden has no objective switch: modularity is CPM with vertex weights
         * = degree and resolution = gamma / 2m. */
        if ((rc = igraph_vector_init(&degree, 0)) ||
            (rc = igraph_strength(g, &degree, igraph_vss_all(), IGRAPH_ALL, true, NULL)) ||
            (rc = igraph_community_leiden(g, NULL, &degree, resolution / two_m, 0.01, false, -1,
                                          &membership, &clusters, &quality)))
            st = tg_igraph_error(err, rc, "run Leiden");
    } else if (algorithm == COMMUNITY_LOUVAIN) {
        if ((rc = igraph_community_multilevel(g, NULL, resolution, &membership, NULL, NULL)))
            st = tg_igraph_error(err, rc, "run Louvain");
    } else if ((rc = igraph_community_label_propagation(g, &membership, IGRAPH_ALL, NULL, NULL, NULL)))
        st = tg_igraph_error(err, rc, "run label propagation");
    if (st || (st = write_groups(&membership, out[0], out[1], &n_groups, err)))
        goto cleanup;
    /* Standard modularity (resolution 1) compares partitions; the entry's own objective is
     * recorded beside it when the resolution differs. */
    if (two_m > 0 &&
        ((rc = igraph_modularity(g, &membership, NULL, 1.0, false, &modularity)) ||
         (resolution != 1.0 && (rc = igraph_modularity(g, &membership, NULL, resolution, false, &quality))))) {
        st = tg_igraph_error(err, rc, "compute modularity");
        goto cleanup;
    }
    json_object_set_new(in->details, "communities", json_integer((json_int_t)n_groups));
    json_object_set_new(in->details, "modularity", json_real(two_m > 0 ? modularity : 0.0));
    if (resolution != 1.0)
        json_object_set_new(in->details, "modularity_at_resolution", json_real(two_m > 0 ? quality : 0.0));
cleanup:
    if (membership.stor_begin)
        igraph_vector_int_destroy(&membership);
    if (degree.stor_begin)
        igraph_vector_destroy(&degree);
    return st;
}

static tg_status compute_leiden(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    return compute_communities(in, out, COMMUNITY_LEIDEN, err);
}

static tg_status compute_louvain(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    return compute_communities(in, out, COMMUNITY_LOUVAIN, err);
}

static tg_status compute_label_propagation(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    return compute_communities(in, out, COMMUNITY_LABEL_PROPAGATION, err);
}

static tg_status compute_scc(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    igraph_vector_int_t membership = {0};
    igraph_integer_t count = 0, n_groups = 0;
    tg_status st = TG_OK;
    igraph_error_t rc;
    if ((rc = igraph_vector_int_init(&membership, 0)) ||
        (rc = igraph_connected_components(in->graph, &membership, NULL, &count, IGRAPH_STRONG)))
        st = tg_igraph_error(err, rc, "find strongly connected components");
    else
        st = write_groups(&membership, out[0], out[1], &n_groups, err);
    if (membership.stor_begin)
        igraph_vector_int_destroy(&membership);
    return st;
}

static const tg_param_def resolution_params[] = {
    {.name = "resolution", .type = TG_PARAM_NUMBER, .default_json = "1", .min_number = 1e-6, .max_number = 1e6,
     .doc = "modularity resolution gamma: above 1 gives more, smaller communities"},
};

#define COMMUNITY_COLUMNS(name, what)                                                              \
    static const tg_column_def name##_columns[] = {                                                \
        {#name, TG_COLUMN_BIGINT, false,                                                           \
         what "; labels count from 0 in byte order of each community's smallest device_id, so "    \
              "reruns with the same seed and data give the same labels"},                           \
        {#name "_size", TG_COLUMN_BIGINT, false, "number of twins in the twin's community"},       \
    }
COMMUNITY_COLUMNS(community_leiden, "Leiden community maximising modularity (at the resolution) on the undirected view");
COMMUNITY_COLUMNS(community_louvain, "Louvain (multilevel) community maximising modularity on the undirected view");
COMMUNITY_COLUMNS(label_propagation, "label propagation community on the undirected view");

static const tg_column_def scc_columns[] = {
    {"scc_id", TG_COLUMN_BIGINT, false,
     "strongly connected component: twins with a directed path each way share it; numbered from 0 in byte "
     "order of each component's smallest device_id"},
    {"scc_size", TG_COLUMN_BIGINT, false, "number of twins in the twin's strongly connected component"},
};

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
    {.name = "scc", .family = "community", .summary = "strongly connected component id and size (directed jobs)",
     .reference = "networkx.strongly_connected_components", .complexity = "O(twins + edges)",
     .columns = scc_columns, .n_columns = COUNT(scc_columns), .directed_only = true, .compute = compute_scc},
    {.name = "community_leiden", .family = "community",
     .summary = "Leiden communities by modularity (parameter \"resolution\"), seeded by the job",
     .reference = "modularity against networkx.community.louvain_communities; labels stable per seed",
     .complexity = "about O(edges) per pass; 2.6 s at 1M twins here", .params = resolution_params,
     .n_params = COUNT(resolution_params), .columns = community_leiden_columns,
     .n_columns = COUNT(community_leiden_columns), .compute = compute_leiden},
    {.name = "community_louvain", .family = "community",
     .summary = "Louvain communities by modularity (parameter \"resolution\"), seeded by the job",
     .reference = "modularity against networkx.community.louvain_communities", .complexity = "about O(edges) per level",
     .params = resolution_params, .n_params = COUNT(resolution_params), .columns = community_louvain_columns,
     .n_columns = COUNT(community_louvain_columns), .compute = compute_louvain},
    {.name = "label_propagation", .family = "community", .summary = "label propagation communities, seeded by the job",
     .reference = "its stopping rule: every twin holds a label most of its neighbours hold", .complexity = "about O(edges) per sweep",
     .columns = label_propagation_columns, .n_columns = COUNT(label_propagation_columns),
     .compute = compute_label_propagation},
};
const size_t tg_community_feature_count = COUNT(tg_community_features);
