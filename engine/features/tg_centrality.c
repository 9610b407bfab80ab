/* tg_centrality.c - centrality features, each a thin wrapper around one igraph routine, and their registry entries. */
#include "tg_centrality.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tg_betweenness.h"
#include "tg_distance_sums.h"
#include "tg_igraph.h"
#include "tg_interrupt.h"

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
    tg_status st = tg_feature_check_weights(in, false, "pagerank", err);
    if (st)
        return st;
    igraph_real_t eigenvalue;
    igraph_error_t rc = igraph_pagerank(in->graph, IGRAPH_PAGERANK_ALGO_PRPACK, &out[0]->real, &eigenvalue,
                                        igraph_vss_all(), true, in->params[0].number, in->weights, NULL);
    return rc == IGRAPH_SUCCESS ? TG_OK : tg_igraph_error(err, rc, "compute pagerank");
}

enum { PPR_SEEDS, PPR_DAMPING, PPR_WEIGHTED };

/* The reset distribution: uniform over the twins the seeds parameter names. Unknown device ids
 * are an error (a typo would silently change the feature); models are matched as written. */
static tg_status personalization(const tg_feature_input *in, igraph_vector_t *reset, igraph_integer_t *count,
                                 tg_error *err)
{
    const tg_param_value *seeds = &in->params[PPR_SEEDS];
    igraph_integer_t n = igraph_vcount(in->graph);
    *count = 0;
    for (size_t i = 0; i < seeds->count; i++) {
        igraph_integer_t matched = 0;
        if (seeds->choice == 0) {
            igraph_integer_t v = tg_twins_find(in->twins, seeds->names[i]);
            if (v < 0) {
                tg_error_set(err, TG_ERR_INPUT, "\"seeds.devices\" names \"%s\", which is not a twin", seeds->names[i]);
                tg_error_hint(err, "Device ids are matched exactly, as the devices table spells them.");
                return TG_ERR_INPUT;
            }
            matched += VECTOR(*reset)[v] == 0;
            VECTOR(*reset)[v] = 1;
        } else
            for (igraph_integer_t v = 0; v < n; v++) {
                const char *model = tg_twins_model(in->twins, v);
                if (model && strcmp(model, seeds->names[i]) == 0 && VECTOR(*reset)[v] == 0) {
                    VECTOR(*reset)[v] = 1;
                    matched++;
                }
            }
        if (matched == 0 && seeds->choice == 1)
            tg_warn(in->warnings, "personalized_pagerank: no twin has model \"%s\"", seeds->names[i]);
        *count += matched;
    }
    return TG_OK;
}

static tg_status compute_personalized_pagerank(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    igraph_vector_t reset = {0};
    igraph_integer_t count = 0;
    igraph_real_t eigenvalue;
    igraph_error_t rc;
    tg_status st = tg_feature_check_weights(in, false, "personalized_pagerank", err);
    if (st)
        return st;
    if ((rc = igraph_vector_init(&reset, igraph_vcount(in->graph))))
        return tg_igraph_error(err, rc, "allocate the personalization vector");
    if ((st = personalization(in, &reset, &count, err)))
        goto cleanup;
    if (count == 0) {
        st = tg_error_set(err, TG_ERR_INPUT, "\"seeds\" matches no twin: personalized PageRank needs at least one");
        tg_error_hint(err, "List device ids ({\"devices\": [...]}) or models ({\"models\": [...]}) that exist.");
        goto cleanup;
    }
    /* Dangling twins jump by the reset distribution, as networkx does by default. */
    rc = igraph_personalized_pagerank(in->graph, IGRAPH_PAGERANK_ALGO_PRPACK, &out[0]->real, &eigenvalue,
                                      igraph_vss_all(), true, in->params[PPR_DAMPING].number, &reset, in->weights,
                                      NULL);
    if (rc)
        st = tg_igraph_error(err, rc, "compute personalized pagerank");
    else
        json_object_set_new(in->details, "seed_twins", json_integer((json_int_t)count));
cleanup:
    if (reset.stor_begin)
        igraph_vector_destroy(&reset);
    return st;
}

enum { BETWEENNESS_WEIGHTED, BETWEENNESS_MODE, BETWEENNESS_EPSILON, BETWEENNESS_DELTA, BETWEENNESS_EXACT_MAX };
static const char *const betweenness_modes[] = {"exact", "approx", "auto", NULL};

/* Exact (Brandes, tg_brandes) or estimated (tg_betweenness), as the entry's mode says; auto
 * picks exact up to exact_max_twins twins. Only "exact" keeps unnormalised pair counts. */
static tg_status compute_betweenness(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    const tg_param_value *p = in->params;
    int mode = p[BETWEENNESS_MODE].choice;
    bool approx = mode == 1 || (mode == 2 && igraph_vcount(in->graph) > p[BETWEENNESS_EXACT_MAX].integer);
    tg_status st = tg_feature_check_weights(in, true, "betweenness", err);
    if (st)
        return st;
    if (mode != 0)
        json_object_set_new(in->details, "mode", json_string(approx ? "approx" : "exact"));
    if (approx)
        return tg_betweenness_estimate(in, p[BETWEENNESS_EPSILON].number, p[BETWEENNESS_DELTA].number, out[0], err);
    return tg_betweenness_exact(in, mode != 0, out[0], err);
}

static tg_status plan_betweenness(tg_feature_spec *fs, bool directed, const char *path, tg_error *err)
{
    (void)directed;
    int mode = fs->params[BETWEENNESS_MODE].choice;
    if (mode != 0 && tg_feature_reads_weights(fs)) {
        tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\": weighted betweenness has no estimator; "
                     "\"mode\" must be \"exact\"", path);
        tg_error_hint(err, "drop \"mode\" for exact weighted betweenness, or \"weighted\" for the unweighted estimate");
        return TG_ERR_INPUT;
    }
    /* Estimator parameters apply to approx and auto only: given to exact they would be ignored. */
    static const struct { int index; const char *fallback; } estimator[] = {
        {BETWEENNESS_EPSILON, "0.01"}, {BETWEENNESS_DELTA, "0.1"}, {BETWEENNESS_EXACT_MAX, "50000"}};
    for (size_t i = 0; i < sizeof estimator / sizeof estimator[0]; i++) {
        const tg_param_def *def = &fs->def->params[estimator[i].index];
        tg_param_value *value = &fs->params[estimator[i].index];
        bool wanted = mode == 2 || (mode == 1 && estimator[i].index != BETWEENNESS_EXACT_MAX);
        if (value->present && !wanted)
            return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s.%s\" applies only to \"mode\": %s", path,
                                def->name, estimator[i].index == BETWEENNESS_EXACT_MAX ? "\"auto\""
                                                                                       : "\"approx\" or \"auto\"");
        if (!value->present && wanted) {
            json_t *v = json_loads(estimator[i].fallback, JSON_DECODE_ANY, NULL);
            tg_status st = tg_param_parse(def, v, path, value, err);
            json_decref(v);
            if (st)
                return st;
        }
    }
    return tg_feature_plan_column(fs, "betweenness", TG_COLUMN_DOUBLE,
                                  mode == 0 ? "exact shortest-path betweenness, unnormalised: sum over pairs (s,t) of "
                                              "the share of shortest s-t paths through the twin; undirected pairs "
                                              "counted once"
                                            : "shortest-path betweenness normalised as networkx does (pair shares "
                                              "over (n-1)(n-2)/2 undirected, (n-1)(n-2) directed), exact up to "
                                              "exact_max_twins twins in mode auto and estimated within epsilon "
                                              "with probability 1 - delta above (mode approx: always); "
                                              "runs.feature_details says which",
                                  err);
}

static tg_status compute_betweenness_approx(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    return tg_betweenness_estimate(in, in->params[0].number, in->params[1].number, out[0], err);
}

static const char *const harmonic_directions[] = {"in", "out", "all", NULL};

/* Harmonic and closeness share their parameters: direction, cutoff, weighted. Default "in":
 * distances from the other twins to this one, as networkx defines both. The order of modes
 * matches harmonic_directions. O(twins * edges), times log(twins) when weighted (Dijkstra). */
static tg_status compute_harmonic_or_closeness(const tg_feature_input *in, tg_column *const *out, bool closeness,
                                               tg_error *err)
{
    /* Our own searches (tg_distance_sums) rather than igraph's, so that threads and MPI ranks
     * share them; the order of directions matches harmonic_directions. */
    static const tg_search_direction directions[] = {TG_TOWARDS, TG_AWAY, TG_BOTH_WAYS};
    const char *name = closeness ? "closeness" : "harmonic";
    tg_status st = tg_feature_check_weights(in, true, name, err);
    if (st)
        return st;
    /* Closeness: reachable twins over the sum of distances to them (networkx's wf_improved =
     * False, igraph's normalized = true); NaN, so NULL, for a twin that reaches none. */
    return tg_distance_sums(in->graph, in->weights, directions[in->params[0].choice], in->params[1].number,
                            closeness ? NULL : &out[0]->real, closeness ? &out[0]->real : NULL, err);
}

static tg_status compute_harmonic(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    return compute_harmonic_or_closeness(in, out, false, err);
}

static tg_status compute_closeness(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    return compute_harmonic_or_closeness(in, out, true, err);
}

/* A leading eigenvector lives on the component with the largest eigenvalue: elsewhere it is 0,
 * which reads as "unimportant" unless the user knows. */
static igraph_error_t warn_if_disconnected(const tg_feature_input *in, const char *feature)
{
    igraph_bool_t connected = true;
    igraph_error_t rc = igraph_is_connected(in->graph, &connected, IGRAPH_WEAK);
    if (rc == IGRAPH_SUCCESS && !connected && igraph_ecount(in->graph) > 0)
        tg_warn(in->warnings, "%s: the graph is not connected, so twins outside the component with the largest "
                              "eigenvalue get 0; harmonic or pagerank compare twins across components", feature);
    return rc;
}

/* Leading eigenvector scaled so its largest entry is 1 (igraph's scale = true); in-edges on
 * directed jobs. ARPACK: about O(edges) per iteration. */
static tg_status compute_eigenvector(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    if (igraph_vcount(in->graph) == 0)
        return TG_OK;
    tg_status st = tg_feature_check_weights(in, false, "eigenvector", err);
    if (st)
        return st;
    igraph_real_t value;
    igraph_error_t rc = warn_if_disconnected(in, "eigenvector");
    if (rc == IGRAPH_SUCCESS)
        rc = igraph_eigenvector_centrality(in->graph, &out[0]->real, &value, in->directed, true, in->weights, NULL);
    if (rc == IGRAPH_SUCCESS)
        json_object_set_new(in->details, "eigenvalue", json_real(value));
    return rc == IGRAPH_SUCCESS ? TG_OK : tg_igraph_error(err, rc, "compute eigenvector centrality");
}

/* HITS: hub scores are the leading eigenvector of A A^T, authorities of A^T A, each scaled so
 * its largest entry is 1. hub and authority are two entries so each can be asked for alone. */
static tg_status compute_hits(const tg_feature_input *in, tg_column *out_col, bool hub, tg_error *err)
{
    if (igraph_vcount(in->graph) == 0)
        return TG_OK;
    tg_status st = tg_feature_check_weights(in, false, hub ? "hub" : "authority", err);
    if (st)
        return st;
    igraph_vector_t other;
    igraph_real_t value;
    igraph_error_t rc = warn_if_disconnected(in, hub ? "hub" : "authority");
    if (rc || (rc = igraph_vector_init(&other, 0)))
        return tg_igraph_error(err, rc, "allocate HITS scores");
    rc = igraph_hub_and_authority_scores(in->graph, hub ? &out_col->real : &other, hub ? &other : &out_col->real,
                                         &value, true, in->weights, NULL);
    igraph_vector_destroy(&other);
    if (rc)
        return tg_igraph_error(err, rc, "compute HITS scores");
    /* A twin with edges of the right direction scoring 0 means the leading eigenvalue is repeated
     * (identical sibling subtrees, a directed cycle): the scores are one solution of many and do
     * not rank those twins (igraph issue #1424; later igraph versions warn likewise). */
    igraph_vector_int_t degree = {0};
    if ((rc = igraph_vector_int_init(&degree, 0)) ||
        (rc = igraph_degree(in->graph, &degree, igraph_vss_all(), hub ? IGRAPH_OUT : IGRAPH_IN, false))) {
        if (degree.stor_begin)
            igraph_vector_int_destroy(&degree);
        return tg_igraph_error(err, rc, "compute degrees");
    }
    igraph_integer_t zero = 0;
    for (igraph_integer_t v = 0; v < igraph_vector_size(&out_col->real); v++)
        zero += VECTOR(degree)[v] > 0 && VECTOR(out_col->real)[v] < 1e-10;
    igraph_vector_int_destroy(&degree);
    if (zero > 0)
        tg_warn(in->warnings, "%s: %" IGRAPH_PRId " twins with %s edges score 0: the leading eigenvalue is repeated, so "
                "these scores are one solution of many and do not rank them", in->column, zero, hub ? "outgoing" : "incoming");
    return TG_OK;
}

static tg_status compute_hub(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    return compute_hits(in, out[0], true, err);
}

static tg_status compute_authority(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    return compute_hits(in, out[0], false, err);
}

enum { KATZ_ALPHA, KATZ_BETA, KATZ_MAX_ITERATIONS, KATZ_WEIGHTED };

/* Katz centrality x = alpha A^T x + beta by fixed-point iteration, written here because igraph
 * 0.10 has none. It converges only when alpha < 1 / (largest eigenvalue of A); the iteration
 * stops when the L1 change falls below n * 1e-13 and is an error when max_iterations pass
 * without that. The result is scaled to unit Euclidean length, as networkx's normalized=True.
 * O(edges) per iteration. */
static tg_status compute_katz(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    igraph_integer_t n = igraph_vcount(in->graph), m = igraph_ecount(in->graph);
    double alpha = in->params[KATZ_ALPHA].number, beta = in->params[KATZ_BETA].number;
    int64_t max_iterations = in->params[KATZ_MAX_ITERATIONS].integer;
    tg_status st = tg_feature_check_weights(in, false, "katz", err);
    if (st || n == 0)
        return st;
    double *x = malloc((size_t)n * sizeof *x), *next = malloc((size_t)n * sizeof *next);
    if (!x || !next) {
        free(x);
        free(next);
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    }
    for (igraph_integer_t v = 0; v < n; v++)
        x[v] = 0.0;
    int64_t iteration = 0;
    double change = DBL_MAX; /* finite, and above the threshold */
    while (st == TG_OK && !(change < (double)n * 1e-13)) {
        if (iteration++ == max_iterations || !isfinite(change)) {
            st = tg_error_set(err, TG_ERR_INPUT, "katz %s", isfinite(change) ? "did not converge" : "diverged");
            tg_error_detail(err, "%lld iterations; the iteration converges only when alpha (%g) is below 1 / the "
                                 "largest eigenvalue of the adjacency matrix.", (long long)(iteration - 1), alpha);
            tg_error_hint(err, "Lower \"alpha\" (eigenvector reports the eigenvalue in runs.feature_details).");
            break;
        }
        if ((st = tg_interrupt_check("iterating katz", err)))
            break;
        for (igraph_integer_t v = 0; v < n; v++)
            next[v] = beta;
        for (igraph_integer_t e = 0; e < m; e++) {
            igraph_integer_t a = IGRAPH_FROM(in->graph, e), b = IGRAPH_TO(in->graph, e);
            double w = alpha * (in->weights ? VECTOR(*in->weights)[e] : 1.0);
            next[b] += w * x[a];
            if (!in->directed && a != b)
                next[a] += w * x[b];
        }
        change = 0.0;
        for (igraph_integer_t v = 0; v < n; v++) {
            change += fabs(next[v] - x[v]);
            x[v] = next[v];
        }
    }
    if (st == TG_OK) {
        double norm = 0.0;
        for (igraph_integer_t v = 0; v < n; v++)
            norm += x[v] * x[v];
        norm = sqrt(norm);
        for (igraph_integer_t v = 0; v < n; v++)
            VECTOR(out[0]->real)[v] = norm > 0 ? x[v] / norm : 0.0;
        json_object_set_new(in->details, "iterations", json_integer((json_int_t)iteration));
    }
    free(x);
    free(next);
    return st;
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

#define WEIGHTED_AS(role)                                                                          \
    {.name = "weighted", .type = TG_PARAM_BOOLEAN, .default_json = "false",                       \
     .doc = "read the layer's weights as " role " (the entry's \"layer\" must have a \"weight\")"}
#define EPSILON_DELTA(def_eps, def_delta, mode_note)                                                 \
    {.name = "epsilon", .type = TG_PARAM_NUMBER, .default_json = def_eps, .min_number = 1e-4, .max_number = 0.5, \
     .doc = mode_note "largest additive error of the normalised estimate, for every twin at once (0.01)"},   \
    {.name = "delta", .type = TG_PARAM_NUMBER, .default_json = def_delta, .min_number = 1e-9, .max_number = 0.5, \
     .doc = mode_note "probability that the error bound fails (0.1)"}

static const tg_column_def degree_columns[] = {
    {"degree", TG_COLUMN_BIGINT, false,
     "number of distinct neighbours (either direction), self-loops and parallel edges not counted"},
    {"in_degree", TG_COLUMN_BIGINT, true, "number of edges pointing to the twin"},
    {"out_degree", TG_COLUMN_BIGINT, true, "number of edges leaving the twin"},
};

static const tg_param_def pagerank_params[] = {
    {.name = "damping", .type = TG_PARAM_NUMBER, .default_json = "0.85", .min_number = 0.0, .max_number = 0.999999,
     .doc = "probability of following an edge rather than jumping"},
    WEIGHTED_AS("strengths: an edge is followed in proportion to its weight"),
};
static const tg_column_def pagerank_columns[] = {
    {"pagerank", TG_COLUMN_DOUBLE, false,
     "PageRank, uniform teleport, dangling twins jump uniformly, edges followed in proportion to their weight "
     "when weighted; values sum to 1"},
};

static const tg_param_def personalized_pagerank_params[] = {
    [PPR_SEEDS] = {.name = "seeds", .type = TG_PARAM_TWIN_SET, .required = true,
                   .doc = "the twins the walk restarts from: {\"devices\": [ids]} or {\"models\": [models]}; "
                          "at least one twin must match"},
    [PPR_DAMPING] = {.name = "damping", .type = TG_PARAM_NUMBER, .default_json = "0.85", .min_number = 0.0,
                     .max_number = 0.999999, .doc = "probability of following an edge rather than restarting"},
    [PPR_WEIGHTED] = WEIGHTED_AS("strengths: an edge is followed in proportion to its weight"),
};
static const tg_column_def personalized_pagerank_columns[] = {
    {"personalized_pagerank", TG_COLUMN_DOUBLE, false,
     "PageRank whose walk restarts, and leaves dangling twins, uniformly at random among the seed twins; "
     "values sum to 1; how much the seed set reaches the twin"},
};

static const tg_param_def betweenness_params[] = {
    WEIGHTED_AS("distances (Dijkstra; weights must be positive)"),
    {.name = "mode", .type = TG_PARAM_CHOICE, .default_json = "\"exact\"", .choices = betweenness_modes,
     .doc = "exact (unnormalised pair counts), approx (the estimator of betweenness_approx, normalised), or auto "
            "(normalised: exact up to exact_max_twins twins, approx above)"},
    /* No defaults here: the plan fills them for approx and auto and refuses them for exact. */
    EPSILON_DELTA(NULL, NULL, "approx and auto: "),
    {.name = "exact_max_twins", .type = TG_PARAM_INTEGER, .min_integer = 0, .max_integer = INT64_MAX,
     .doc = "auto: the most twins computed exactly (50000)"},
};
static const tg_column_def betweenness_columns[] = {
    {"betweenness", TG_COLUMN_DOUBLE, false,
     "shortest-path betweenness: unnormalised pair counts in mode exact, normalised as networkx does otherwise"},
};

static const tg_param_def betweenness_approx_params[] = {EPSILON_DELTA("0.01", "0.1", "")};
static const tg_column_def betweenness_approx_columns[] = {
    {"betweenness_approx", TG_COLUMN_DOUBLE, false,
     "estimated shortest-path betweenness normalised as networkx does (pair shares over (n-1)(n-2)/2 "
     "undirected, (n-1)(n-2) directed): within epsilon of the exact value for every twin at once, with "
     "probability at least 1 - delta (Riondato-Kornaropoulos path sampling); unweighted"},
};

static const tg_param_def harmonic_params[] = {
    {.name = "direction", .type = TG_PARAM_CHOICE, .default_json = "\"in\"", .choices = harmonic_directions,
     .doc = "directed jobs: \"in\" counts paths from the other twins to this one, \"out\" paths from this "
            "one, \"all\" ignores directions"},
    {.name = "cutoff", .type = TG_PARAM_NUMBER, .default_json = "-1", .min_number = -1, .max_number = 1e9,
     .doc = "count only twins at most this far away, in hops or in weight when weighted (-1: no limit)"},
    WEIGHTED_AS("distances (Dijkstra; weights must be positive)"),
};
static const tg_column_def harmonic_columns[] = {
    {"harmonic", TG_COLUMN_DOUBLE, false,
     "harmonic centrality, unnormalised: sum over other twins u of 1/d(u, twin), 0 for unreachable; "
     "unlike closeness it stays defined on disconnected graphs"},
};
static const tg_column_def closeness_columns[] = {
    {"closeness", TG_COLUMN_DOUBLE, false,
     "closeness: the number of other twins that reach the twin divided by the sum of their distances to it "
     "(networkx wf_improved=False); compares twins only within one component, NULL for a twin no other reaches; "
     "see harmonic for a whole-graph measure"},
};

static const tg_param_def eigenvector_params[] = {WEIGHTED_AS("strengths")};
static const tg_column_def eigenvector_columns[] = {
    {"eigenvector", TG_COLUMN_DOUBLE, false,
     "eigenvector centrality scaled so the largest value is 1 (igraph's scaling; networkx's unit-length "
     "vector divided by its maximum); in-edges on directed jobs, where it is 0 without cycles"},
};

static const tg_param_def katz_params[] = {
    [KATZ_ALPHA] = {.name = "alpha", .type = TG_PARAM_NUMBER, .default_json = "0.1", .min_number = 0, .max_number = 1e6,
                    .doc = "attenuation per hop; must be below 1 / the largest eigenvalue for the iteration to converge"},
    [KATZ_BETA] = {.name = "beta", .type = TG_PARAM_NUMBER, .default_json = "1", .min_number = 0, .max_number = 1e9,
                   .doc = "the score every twin starts with"},
    [KATZ_MAX_ITERATIONS] = {.name = "max_iterations", .type = TG_PARAM_INTEGER, .default_json = "1000",
                             .min_integer = 1, .max_integer = 1000000, .doc = "give up (an error) after this many"},
    [KATZ_WEIGHTED] = WEIGHTED_AS("strengths"),
};
static const tg_column_def katz_columns[] = {
    {"katz", TG_COLUMN_DOUBLE, false,
     "Katz centrality: beta plus alpha times the sum over in-neighbours (neighbours undirected) of their Katz "
     "values, i.e. walks of every length damped by alpha per hop; scaled to unit Euclidean length as networkx's "
     "normalized=True"},
};

static const tg_param_def hits_params[] = {WEIGHTED_AS("strengths")};
static const tg_column_def hub_columns[] = {
    {"hub", TG_COLUMN_DOUBLE, false,
     "HITS hub score, scaled so the largest value is 1: high when the twin points to good authorities"},
};
static const tg_column_def authority_columns[] = {
    {"authority", TG_COLUMN_DOUBLE, false,
     "HITS authority score, scaled so the largest value is 1: high when good hubs point to the twin"},
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
    {.name = "pagerank", .family = "centrality", .weights_as = "strengths",
     .summary = "PageRank with damping 0.85 (parameters \"damping\", \"weighted\": weights as strengths)",
     .reference = "networkx.pagerank(weight=)", .complexity = "O(edges) per power iteration (PRPACK solver)",
     .params = pagerank_params, .n_params = COUNT(pagerank_params), .columns = pagerank_columns,
     .n_columns = COUNT(pagerank_columns), .weighted_param = "weighted", .compute = compute_pagerank},
    {.name = "personalized_pagerank", .family = "centrality", .weights_as = "strengths",
     .summary = "PageRank restarting from a seed set of devices or models (parameter \"seeds\")",
     .reference = "networkx.pagerank(personalization=)", .complexity = "O(edges) per power iteration",
     .params = personalized_pagerank_params, .n_params = COUNT(personalized_pagerank_params),
     .columns = personalized_pagerank_columns, .n_columns = COUNT(personalized_pagerank_columns),
     .weighted_param = "weighted", .compute = compute_personalized_pagerank},
    {.name = "betweenness", .family = "centrality", .weights_as = "distances",
     .summary = "shortest-path betweenness: exact pair counts, or \"mode\": \"auto\" / \"approx\" for large graphs "
                "(\"weighted\": weights as distances)",
     .reference = "networkx.betweenness_centrality(normalized=False, weight=); python-igraph for auto/approx",
     .complexity = "exact O(twins * edges) over threads and MPI ranks (100k twins: 12.5 s on one core); approx as "
                   "betweenness_approx",
     .params = betweenness_params, .n_params = COUNT(betweenness_params), .columns = betweenness_columns,
     .n_columns = COUNT(betweenness_columns), .plan = plan_betweenness, .weighted_param = "weighted",
     .compute = compute_betweenness},
    {.name = "betweenness_approx", .family = "centrality",
     .summary = "normalised betweenness estimated within epsilon with probability 1 - delta (parameters \"epsilon\", \"delta\")",
     .reference = "python-igraph betweenness (exact) on 10,000-twin graphs: the error bound",
     .complexity = "O(samples * edges touched by a bidirectional BFS); samples = (1/eps^2)(floor(log2(VD-2)) + 1 + "
                   "ln(1/delta)), VD a vertex-diameter bound",
     .params = betweenness_approx_params, .n_params = COUNT(betweenness_approx_params),
     .columns = betweenness_approx_columns, .n_columns = COUNT(betweenness_approx_columns),
     .compute = compute_betweenness_approx},
    {.name = "harmonic", .family = "centrality", .weights_as = "distances",
     .summary = "harmonic centrality, unnormalised (parameters \"direction\", \"cutoff\", \"weighted\")",
     .reference = "networkx.harmonic_centrality(distance=)", .complexity = "O(twins * edges), less with a cutoff; over threads and MPI ranks",
     .params = harmonic_params, .n_params = COUNT(harmonic_params), .columns = harmonic_columns,
     .n_columns = COUNT(harmonic_columns), .weighted_param = "weighted", .compute = compute_harmonic},
    {.name = "closeness", .family = "centrality", .weights_as = "distances",
     .summary = "closeness: reachable twins over the sum of distances (parameters as harmonic)",
     .reference = "networkx.closeness_centrality(wf_improved=False, distance=)", .complexity = "O(twins * edges); over threads and MPI ranks",
     .params = harmonic_params, .n_params = COUNT(harmonic_params), .columns = closeness_columns,
     .n_columns = COUNT(closeness_columns), .weighted_param = "weighted", .compute = compute_closeness},
    {.name = "eigenvector", .family = "centrality", .weights_as = "strengths", .summary = "eigenvector centrality, largest value 1",
     .reference = "networkx.eigenvector_centrality_numpy, divided by its maximum",
     .complexity = "O(edges) per ARPACK iteration", .params = eigenvector_params,
     .n_params = COUNT(eigenvector_params), .columns = eigenvector_columns, .n_columns = COUNT(eigenvector_columns),
     .weighted_param = "weighted", .compute = compute_eigenvector},
    {.name = "katz", .family = "centrality", .weights_as = "strengths",
     .summary = "Katz centrality (parameters \"alpha\", \"beta\", \"max_iterations\", \"weighted\")",
     .reference = "networkx.katz_centrality", .complexity = "O(edges) per iteration", .params = katz_params,
     .n_params = COUNT(katz_params), .columns = katz_columns, .n_columns = COUNT(katz_columns),
     .weighted_param = "weighted", .compute = compute_katz},
    {.name = "hub", .family = "centrality", .weights_as = "strengths", .summary = "HITS hub score (directed jobs)",
     .reference = "networkx.hits, divided by its maximum", .complexity = "O(edges) per ARPACK iteration",
     .params = hits_params, .n_params = COUNT(hits_params), .columns = hub_columns, .n_columns = COUNT(hub_columns),
     .weighted_param = "weighted", .directed_only = true, .compute = compute_hub},
    {.name = "authority", .family = "centrality", .weights_as = "strengths", .summary = "HITS authority score (directed jobs)",
     .reference = "networkx.hits, divided by its maximum", .complexity = "O(edges) per ARPACK iteration",
     .params = hits_params, .n_params = COUNT(hits_params), .columns = authority_columns,
     .n_columns = COUNT(authority_columns), .weighted_param = "weighted", .directed_only = true,
     .compute = compute_authority},
    {.name = "strength", .family = "centrality", .weights_as = "strengths",
     .summary = "weighted degree: the sum of edge weights; needs a \"layer\" that has a \"weight\"",
     .reference = "networkx degree(weight=...)", .complexity = "O(twins + edges)", .columns = strength_columns,
     .n_columns = COUNT(strength_columns), .needs_weights = true, .compute = compute_strength},
    {.name = "coreness", .family = "centrality", .summary = "k-core number", .reference = "networkx.core_number",
     .complexity = "O(twins + edges)", .columns = coreness_columns, .n_columns = COUNT(coreness_columns),
     .compute = compute_coreness},
};
const size_t tg_centrality_feature_count = COUNT(tg_centrality_features);
