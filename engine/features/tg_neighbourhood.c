/* tg_neighbourhood.c - features of a twin's neighbourhood: clustering, triangles, neighbour degrees, ego density, k-hop counts, neighbour aggregates. */
#include "tg_neighbourhood.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_copy.h"
#include "tg_distance_sums.h"
#include "tg_igraph.h"
#include "tg_interrupt.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static tg_status compute_clustering(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    igraph_error_t rc = igraph_transitivity_local_undirected(in->undirected, &out[0]->real, igraph_vss_all(),
                                                             IGRAPH_TRANSITIVITY_ZERO);
    return rc == IGRAPH_SUCCESS ? TG_OK : tg_igraph_error(err, rc, "compute clustering");
}

/* Triangles through each twin of the undirected view, as reals from igraph. */
static tg_status triangles_of(const tg_feature_input *in, igraph_vector_t *triangles, tg_error *err)
{
    igraph_error_t rc = igraph_vector_init(triangles, 0);
    if (!rc && (rc = igraph_adjacent_triangles(in->undirected, triangles, igraph_vss_all())))
        igraph_vector_destroy(triangles);
    return rc ? tg_igraph_error(err, rc, "count triangles") : TG_OK;
}

static tg_status compute_triangles(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    igraph_vector_t triangles;
    tg_status st = triangles_of(in, &triangles, err);
    if (st)
        return st;
    for (igraph_integer_t v = 0; v < igraph_vector_size(&triangles); v++)
        VECTOR(out[0]->integer)[v] = (igraph_integer_t)VECTOR(triangles)[v];
    igraph_vector_destroy(&triangles);
    return TG_OK;
}

/* Edges among the twin and its neighbours: the twin's own edges plus one per triangle through
 * it, over the (k+1)k/2 pairs of k+1 twins. O(sum of degree^2) for the triangles. */
static tg_status compute_ego_density(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    igraph_vector_t triangles;
    igraph_vector_int_t degree = {0};
    tg_status st = triangles_of(in, &triangles, err);
    if (st)
        return st;
    igraph_error_t rc = igraph_vector_int_init(&degree, 0);
    if (rc || (rc = igraph_degree(in->undirected, &degree, igraph_vss_all(), IGRAPH_ALL, false)))
        st = tg_igraph_error(err, rc, "compute degrees");
    for (igraph_integer_t v = 0; !st && v < igraph_vector_int_size(&degree); v++) {
        double k = (double)VECTOR(degree)[v];
        VECTOR(out[0]->real)[v] = k > 0 ? (k + VECTOR(triangles)[v]) / (k * (k + 1) / 2) : NAN;
    }
    igraph_vector_destroy(&triangles);
    if (degree.stor_begin)
        igraph_vector_int_destroy(&degree);
    return st;
}

static tg_status compute_avg_neighbor_degree(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    /* igraph leaves NaN, so NULL, where a twin has no neighbour. */
    igraph_error_t rc = igraph_avg_nearest_neighbor_degree(in->undirected, igraph_vss_all(), IGRAPH_ALL, IGRAPH_ALL,
                                                           &out[0]->real, NULL, NULL);
    return rc == IGRAPH_SUCCESS ? TG_OK : tg_igraph_error(err, rc, "compute average neighbour degree");
}

enum { KHOP_K, KHOP_DIRECTION };
/* The "direction" choices of khop and nbr_agg, and the igraph modes they stand for (nbr_agg). */
static const char *const khop_directions[] = {"all", "out", "in", NULL};
static const igraph_neimode_t direction_modes[] = {IGRAPH_ALL, IGRAPH_OUT, IGRAPH_IN};

static tg_status plan_khop(tg_feature_spec *fs, bool directed, const char *path, tg_error *err)
{
    (void)directed, (void)path;
    char name[32], definition[256];
    snprintf(name, sizeof name, "khop_%d", (int)fs->params[KHOP_K].integer);
    snprintf(definition, sizeof definition,
             "number of other twins at most %d hops away (the twin itself not counted), directions %s",
             (int)fs->params[KHOP_K].integer,
             fs->params[KHOP_DIRECTION].choice == 0 ? "ignored" : fs->params[KHOP_DIRECTION].choice == 1
                                                                     ? "followed forwards" : "followed backwards");
    return tg_feature_plan_column(fs, name, TG_COLUMN_BIGINT, definition, err);
}

/* A BFS per twin that stops at depth k, on threads and MPI ranks (tg_distance_sums). The cost is
 * the sum over twins of the edges inside their k-hop balls: about twins * (mean degree)^k on
 * sparse graphs, far more around hubs (a parent of 1,000 children puts 1,000 twins in each
 * child's 2-hop ball). */
static tg_status compute_khop(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    /* The order of khop_directions: all, out, in. */
    static const tg_search_direction directions[] = {TG_BOTH_WAYS, TG_AWAY, TG_TOWARDS};
    return tg_khop_sizes(in->graph, directions[in->params[KHOP_DIRECTION].choice], (int)in->params[KHOP_K].integer,
                         &out[0]->integer, err);
}

enum { AGG_PATH, AGG_AGGS, AGG_COLUMN, AGG_DIRECTION };
enum { AGG_MEAN, AGG_MIN, AGG_MAX, AGG_SUM, AGG_STD, AGG_COUNT, N_AGGS };
static const char *const agg_names[] = {"mean", "min", "max", "sum", "std", "count", NULL};
static const char *const agg_definitions[] = {
    "mean", "smallest", "largest", "sum", "population standard deviation (divided by the count, not count - 1)",
    "number"};

static int agg_index(const char *name)
{
    for (int a = 0; agg_names[a]; a++)
        if (strcmp(agg_names[a], name) == 0)
            return a;
    return -1;
}

/* One column per aggregate, in the order given: nbr_<agg>_<stem>, the stem being "column" or the
 * path's last key folded to a column name. */
static tg_status plan_nbr_agg(tg_feature_spec *fs, bool directed, const char *path, tg_error *err)
{
    (void)directed;
    const char *doc_path = fs->params[AGG_PATH].string; /* required: the spec refuses an entry without it */
    char stem[TG_NAME_MAX];
    if (fs->params[AGG_COLUMN].present)
        snprintf(stem, sizeof stem, "%s", fs->params[AGG_COLUMN].string);
    else
        tg_feature_fold_name(stem, sizeof stem, 0, tg_feature_path_last_key(doc_path));
    bool meaningful = false;
    for (const char *c = stem; *c; c++)
        meaningful |= *c != '_';
    if (!meaningful)
        return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\": the path's last key \"%s\" gives no column name; "
                            "give a \"column\"", path, tg_feature_path_last_key(doc_path));
    for (const char *c = stem; *c; c++)
        if (!(islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_'))
            return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s.column\" must be lowercase letters, digits or "
                                "underscores, not \"%s\"", path, stem);
    const tg_param_value *aggs = &fs->params[AGG_AGGS];
    for (size_t i = 0; i < aggs->count; i++) {
        int a = agg_index(aggs->names[i]);
        if (a < 0) {
            tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s.aggs[%zu]\" must be an aggregate, not \"%s\"", path, i,
                         aggs->names[i]);
            tg_error_hint(err, "aggregates: mean, min, max, sum, std, count");
            return TG_ERR_INPUT;
        }
        char name[4 * TG_NAME_MAX], definition[512];
        snprintf(name, sizeof name, "nbr_%s_%s", agg_names[a], stem);
        if (strlen(name) > 63)
            return tg_error_set(err, TG_ERR_INPUT, "job spec: \"%s\": column name \"%s\" is longer than 63 bytes; "
                                "give a shorter \"column\"", path, name);
        snprintf(definition, sizeof definition,
                 "%s of the numeric values at %s in the twin documents of the twin's %s (each once); %s",
                 agg_definitions[a], doc_path,
                 (const char *[]){"neighbours (either direction)", "successors (out-edges)",
                                  "predecessors (in-edges: upstream)"}[fs->params[AGG_DIRECTION].choice],
                 a == AGG_COUNT ? "0 where none has one; absent, null, non-numeric values and NULL twins are skipped"
                                : "NULL where no neighbour has one; absent, null, non-numeric values and NULL twins "
                                  "are skipped");
        tg_status st = tg_feature_plan_column(fs, name, a == AGG_COUNT ? TG_COLUMN_BIGINT : TG_COLUMN_DOUBLE,
                                              definition, err);
        if (st)
            return st;
    }
    return TG_OK;
}

/* Each twin's value parsed once (NaN where absent or not a number), then every twin aggregates
 * over its neighbours: in the undirected view, or along the job's directions. O(twins + edges). */
static tg_status compute_nbr_agg(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    int direction = in->params[AGG_DIRECTION].choice;
    const igraph_t *g = direction == 0 ? in->undirected : in->graph;
    igraph_integer_t n = igraph_vcount(g), numeric = 0, other = 0;
    double *value = malloc((size_t)(n > 0 ? n : 1) * sizeof *value);
    igraph_adjlist_t adj;
    tg_status st = TG_OK;
    if (!value)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    for (igraph_integer_t v = 0; v < n; v++) {
        const char *text = tg_twins_doc_value(in->twins, (size_t)in->doc_value, v);
        if (!text || !tg_copy_parse_number(text, &value[v])) {
            value[v] = NAN;
            other += text && strcmp(text, "null") != 0;
        } else
            numeric++;
    }
    /* A typo in the path or a quoted number would otherwise pass as "no neighbour has a value". */
    if (n > 0 && numeric == 0)
        tg_warn(in->warnings, "%s: no twin has a number at %s", in->column, in->params[AGG_PATH].string);
    if (other > 0)
        tg_warn(in->warnings, "%s: %" IGRAPH_PRId " twins have a value at %s that is not a finite JSON number; skipped",
                in->column, other, in->params[AGG_PATH].string);
    igraph_error_t rc = igraph_adjlist_init(g, &adj, direction_modes[direction], IGRAPH_NO_LOOPS, IGRAPH_NO_MULTIPLE);
    if (rc) {
        free(value);
        return tg_igraph_error(err, rc, "list neighbours");
    }
    const tg_param_value *aggs = &in->params[AGG_AGGS];
    for (igraph_integer_t v = 0; v < n && !st; v++) {
        if (v % 65536 == 0 && (st = tg_interrupt_check("aggregating neighbour values", err)))
            break;
        igraph_vector_int_t *nbrs = igraph_adjlist_get(&adj, v);
        double sum = 0, min = INFINITY, max = -INFINITY;
        igraph_integer_t count = 0;
        for (igraph_integer_t i = 0; i < igraph_vector_int_size(nbrs); i++) {
            double x = value[VECTOR(*nbrs)[i]];
            if (isnan(x))
                continue;
            count++;
            sum += x;
            min = x < min ? x : min;
            max = x > max ? x : max;
        }
        /* Mean and deviation of the values divided by the largest magnitude, then scaled back:
         * 1e308 and 1e308 average to 1e308, not to infinity. Two passes for the deviation: no
         * cancellation when values are large and close. */
        double scale = fmax(fabs(min), fabs(max)), mean = NAN, squares = 0;
        if (count && scale > 0) {
            double scaled_sum = 0;
            for (igraph_integer_t i = 0; i < igraph_vector_int_size(nbrs); i++) {
                double x = value[VECTOR(*nbrs)[i]];
                if (!isnan(x))
                    scaled_sum += x / scale;
            }
            double scaled_mean = scaled_sum / (double)count;
            for (igraph_integer_t i = 0; i < igraph_vector_int_size(nbrs); i++) {
                double x = value[VECTOR(*nbrs)[i]];
                if (!isnan(x))
                    squares += (x / scale - scaled_mean) * (x / scale - scaled_mean);
            }
            mean = scaled_mean * scale;
        } else if (count)
            mean = 0.0;
        for (size_t c = 0; c < aggs->count; c++) {
            int a = agg_index(aggs->names[c]);
            if (a == AGG_COUNT) {
                VECTOR(out[c]->integer)[v] = count;
                continue;
            }
            double result = a == AGG_MEAN  ? mean
                            : a == AGG_MIN ? min
                            : a == AGG_MAX ? max
                            : a == AGG_SUM ? sum
                                           : sqrt(squares / (double)count) * scale;
            VECTOR(out[c]->real)[v] = count ? result : NAN;
        }
    }
    igraph_adjlist_destroy(&adj);
    free(value);
    return st;
}

static const tg_column_def triangles_columns[] = {
    {"triangles", TG_COLUMN_BIGINT, false, "number of triangles through the twin in the undirected view"},
};
static const tg_column_def avg_neighbor_degree_columns[] = {
    {"avg_neighbor_degree", TG_COLUMN_DOUBLE, false,
     "mean degree of the twin's neighbours in the undirected view; NULL for a twin without neighbours"},
};
static const tg_column_def ego_density_columns[] = {
    {"ego_density", TG_COLUMN_DOUBLE, false,
     "edges among the twin and its neighbours over the k(k+1)/2 possible (k = degree) in the undirected view; "
     "1 for a star's leaf, NULL for a twin without neighbours"},
};
static const tg_param_def khop_params[] = {
    [KHOP_K] = {.name = "k", .type = TG_PARAM_INTEGER, .default_json = "2", .min_integer = 1, .max_integer = 4,
                .doc = "the number of hops"},
    [KHOP_DIRECTION] = {.name = "direction", .type = TG_PARAM_CHOICE, .default_json = "\"all\"", .choices = khop_directions,
                        .doc = "directed jobs: \"out\" follows edges forwards, \"in\" backwards, \"all\" ignores directions"},
};
static const tg_column_def khop_columns[] = {
    {"khop_<k>", TG_COLUMN_BIGINT, false, "number of other twins at most k hops away"},
};
static const tg_param_def nbr_agg_params[] = {
    [AGG_PATH] = {.name = "path", .type = TG_PARAM_STRING, .required = true,
                  .doc = "keys joined by dots into the twin document (\"properties.reported.temperature\")"},
    [AGG_AGGS] = {.name = "aggs", .type = TG_PARAM_STRING_LIST, .default_json = "[\"mean\"]",
                  .doc = "aggregates, each a column: mean, min, max, sum, std, count"},
    [AGG_COLUMN] = {.name = "column", .type = TG_PARAM_STRING,
                    .doc = "the stem of the column names (nbr_<agg>_<column>); default: the path's last key"},
    [AGG_DIRECTION] = {.name = "direction", .type = TG_PARAM_CHOICE, .default_json = "\"all\"", .choices = khop_directions,
                       .doc = "directed jobs: \"in\" aggregates over predecessors (upstream), \"out\" over successors, "
                              "\"all\" over both"},
};
static const tg_column_def nbr_agg_columns[] = {
    {"nbr_<agg>_<stem>", TG_COLUMN_DOUBLE, false,
     "an aggregate of a numeric twin-document value over the twin's neighbours (count is a bigint)"},
};

static const tg_column_def clustering_columns[] = {
    {"clustering", TG_COLUMN_DOUBLE, false,
     "local clustering coefficient on the undirected view: triangles through the twin divided by "
     "deg*(deg-1)/2; 0 where degree < 2"},
};

const tg_feature_def tg_neighbourhood_features[] = {
    {.name = "clustering", .family = "neighbourhood", .summary = "local clustering coefficient",
     .reference = "networkx.clustering", .complexity = "O(sum over twins of degree^2)",
     .columns = clustering_columns, .n_columns = COUNT(clustering_columns), .compute = compute_clustering},
    {.name = "triangles", .family = "neighbourhood", .summary = "triangles through the twin", .reference = "networkx.triangles",
     .complexity = "O(sum over twins of degree^2)", .columns = triangles_columns, .n_columns = COUNT(triangles_columns),
     .compute = compute_triangles},
    {.name = "avg_neighbor_degree", .family = "neighbourhood", .summary = "mean degree of the neighbours",
     .reference = "networkx.average_neighbor_degree", .complexity = "O(twins + edges)",
     .columns = avg_neighbor_degree_columns, .n_columns = COUNT(avg_neighbor_degree_columns),
     .compute = compute_avg_neighbor_degree},
    {.name = "ego_density", .family = "neighbourhood", .summary = "density of the twin's 1-hop ego network",
     .reference = "networkx.density(networkx.ego_graph(G, v))", .complexity = "O(sum over twins of degree^2)",
     .columns = ego_density_columns, .n_columns = COUNT(ego_density_columns), .compute = compute_ego_density},
    {.name = "khop", .family = "neighbourhood", .summary = "twins within k hops (parameters \"k\" 1-4, \"direction\")",
     .reference = "networkx.single_source_shortest_path_length(cutoff=k)",
     .complexity = "a depth-k BFS per twin: the sum of the k-hop balls' edges; over threads and MPI ranks", .params = khop_params,
     .n_params = COUNT(khop_params), .columns = khop_columns, .n_columns = COUNT(khop_columns), .plan = plan_khop,
     .compute = compute_khop},
    {.name = "nbr_agg", .family = "neighbourhood",
     .summary = "aggregates of a numeric twin-document value over the neighbours (parameters \"path\", \"aggs\", \"column\")",
     .reference = "Python statistics over networkx neighbours", .complexity = "O(twins + edges)",
     .params = nbr_agg_params, .n_params = COUNT(nbr_agg_params), .columns = nbr_agg_columns,
     .n_columns = COUNT(nbr_agg_columns), .plan = plan_nbr_agg, .path_param = "path", .compute = compute_nbr_agg},
};
const size_t tg_neighbourhood_feature_count = COUNT(tg_neighbourhood_features);
