/* tg_geo.c - the geographic feature family: distances between located twins on the WGS84 ellipsoid. */
#include "tg_geo.h"

#include <math.h>

#include "tg_geodesic.h"
#include "tg_igraph.h"
#include "tg_spatial.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The geodesic distance from each twin to its parent; NULL (NaN) for a root, or where either
 * has no location. O(twins). */
static tg_status compute_parent_distance(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    (void)err;
    tg_geodesic g;
    tg_geodesic_init(&g);
    const tg_twins *t = in->twins;
    for (igraph_integer_t v = 0; v < t->n_twins; v++) {
        igraph_integer_t p = t->parent[v];
        VECTOR(out[0]->real)[v] = p >= 0 && tg_twins_located(t, v) && tg_twins_located(t, p)
                                      ? tg_geodesic_distance_m(&g, t->lat[v], t->lon[v], t->lat[p], t->lon[p])
                                      : NAN;
    }
    return TG_OK;
}

enum { GEO_KNN_MEAN, GEO_KNN_MAX, GEO_WITHIN };

/* Runs the spatial search the layers use and reduces each twin's run of edges (they come
 * grouped by twin, nearest first): the mean or largest of its k nearest distances, or the number
 * of twins within the radius. NULL for a twin without a location; 0 within the radius where
 * none is. */
static tg_status compute_neighbour_distances(const tg_feature_input *in, tg_column *const *out, int what,
                                             tg_error *err)
{
    const tg_twins *t = in->twins;
    igraph_vector_int_t edges = {0};
    igraph_vector_t weights = {0};
    igraph_error_t rc;
    tg_status st = TG_OK;
    if ((rc = igraph_vector_int_init(&edges, 0)) || (rc = igraph_vector_init(&weights, 0))) {
        st = tg_igraph_error(err, rc, "allocate spatial edges");
        goto cleanup;
    }
    int k = what == GEO_WITHIN ? 0 : (int)in->params[0].integer;
    if ((st = tg_spatial_edges(t, k, what == GEO_WITHIN ? in->params[0].number : 0, &edges, &weights, err)))
        goto cleanup;
    for (igraph_integer_t v = 0; v < t->n_twins; v++) {
        if (what == GEO_WITHIN) {
            if (!tg_twins_located(t, v))
                tg_column_set_null(out[0], v);
        } else
            VECTOR(out[0]->real)[v] = NAN;
    }
    igraph_integer_t m = igraph_vector_size(&weights);
    for (igraph_integer_t e = 0; e < m;) {
        igraph_integer_t v = VECTOR(edges)[2 * e], end = e;
        double sum = 0, max = 0;
        for (; end < m && VECTOR(edges)[2 * end] == v; end++) {
            sum += VECTOR(weights)[end];
            max = fmax(max, VECTOR(weights)[end]);
        }
        if (what == GEO_WITHIN)
            VECTOR(out[0]->integer)[v] = end - e;
        else
            VECTOR(out[0]->real)[v] = what == GEO_KNN_MEAN ? sum / (double)(end - e) : max;
        e = end;
    }
cleanup:
    if (edges.stor_begin)
        igraph_vector_int_destroy(&edges);
    if (weights.stor_begin)
        igraph_vector_destroy(&weights);
    return st;
}

static tg_status compute_knn_mean(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    return compute_neighbour_distances(in, out, GEO_KNN_MEAN, err);
}

static tg_status compute_knn_max(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    return compute_neighbour_distances(in, out, GEO_KNN_MAX, err);
}

static tg_status compute_within(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    return compute_neighbour_distances(in, out, GEO_WITHIN, err);
}

static const tg_param_def knn_params[] = {
    {.name = "k", .type = TG_PARAM_INTEGER, .default_json = "8", .min_integer = 1, .max_integer = 1000,
     .doc = "how many nearest other located twins"},
};
static const tg_param_def within_params[] = {
    {.name = "radius_m", .type = TG_PARAM_NUMBER, .unit = "m", .min_number = 1e-9, .max_number = 20037509,
     .required = true, .doc = "the radius in metres, inclusive (at most half the equator)"},
};
static const tg_column_def knn_mean_columns[] = {
    {"geo_knn_mean_m", TG_COLUMN_DOUBLE, false,
     "mean geodesic distance in metres to the k nearest other located twins (all of them when fewer; "
     "twins sharing the location count at 0 m); NULL without a location or without another located twin"},
};
static const tg_column_def knn_max_columns[] = {
    {"geo_knn_max_m", TG_COLUMN_DOUBLE, false,
     "geodesic distance in metres to the k-th nearest other located twin (the farthest when fewer); NULL "
     "without a location or without another located twin"},
};
static const tg_column_def within_columns[] = {
    {"geo_within_r", TG_COLUMN_BIGINT, false,
     "number of other located twins at most radius_m metres away (geodesic, inclusive); NULL without a location"},
};

static const tg_column_def parent_distance_columns[] = {
    {"geo_parent_dist_m", TG_COLUMN_DOUBLE, false,
     "geodesic distance in metres on the WGS84 ellipsoid from the twin's location to its parent's; NULL for a "
     "root or where either has no location"},
};

const tg_feature_def tg_geo_features[] = {
    {.name = "geo_parent_dist_m", .family = "geo", .summary = "distance to the parent twin's location, in metres",
     .reference = "PostGIS ST_Distance(geography, geography), within 1 mm", .complexity = "O(twins)",
     .columns = parent_distance_columns, .n_columns = COUNT(parent_distance_columns),
     .reads = TG_READS_PARENT_LINKS, .reads_coordinates = true, .compute = compute_parent_distance},
    {.name = "geo_knn_mean_m", .family = "geo", .summary = "mean distance to the k nearest located twins (parameter \"k\")",
     .reference = "PostGIS ST_Distance(geography) over every pair, within 1 mm",
     .complexity = "a GEOS STRtree query and about k geodesics per twin", .params = knn_params,
     .n_params = COUNT(knn_params), .columns = knn_mean_columns, .n_columns = COUNT(knn_mean_columns),
     .reads = TG_READS_PARENT_LINKS, .reads_coordinates = true, .compute = compute_knn_mean},
    {.name = "geo_knn_max_m", .family = "geo", .summary = "distance to the k-th nearest located twin (parameter \"k\")",
     .reference = "PostGIS ST_Distance(geography) over every pair, within 1 mm",
     .complexity = "a GEOS STRtree query and about k geodesics per twin", .params = knn_params,
     .n_params = COUNT(knn_params), .columns = knn_max_columns, .n_columns = COUNT(knn_max_columns),
     .reads = TG_READS_PARENT_LINKS, .reads_coordinates = true, .compute = compute_knn_max},
    {.name = "geo_within_r", .family = "geo", .summary = "located twins within a radius (parameter \"radius_m\")",
     .reference = "PostGIS ST_DWithin(geography, geography, r, true)",
     .complexity = "a GEOS STRtree query per twin and a geodesic per candidate", .params = within_params,
     .n_params = COUNT(within_params), .columns = within_columns, .n_columns = COUNT(within_columns),
     .reads = TG_READS_PARENT_LINKS, .reads_coordinates = true, .compute = compute_within},
};
const size_t tg_geo_feature_count = COUNT(tg_geo_features);
