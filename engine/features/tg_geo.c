/* tg_geo.c - the geographic feature family: distances between located twins on the WGS84 ellipsoid. */
#include "tg_geo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tg_geodesic.h"
#include "tg_igraph.h"
#include "tg_spatial.h"
#include "tg_warnings.h"

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

/* The mean, or the largest, of each located twin's k nearest distances; NULL without a location
 * or without another located twin. Reads the job's one k-nearest search. O(twins * k). */
static tg_status compute_knn(const tg_feature_input *in, tg_column *const *out, bool mean, tg_error *err)
{
    tg_spatial_lists lists;
    tg_status st = tg_spatial_knn(in->spatial, (int)in->params[0].integer, &lists, err);
    for (igraph_integer_t v = 0; !st && v < in->twins->n_twins; v++) {
        igraph_integer_t size = tg_spatial_list_size(&lists, v);
        double sum = 0;
        for (igraph_integer_t j = 0; j < size; j++)
            sum += lists.distance_m[lists.offset[v] + j];
        VECTOR(out[0]->real)[v] = size == 0 ? NAN : mean ? sum / (double)size
                                                         : lists.distance_m[lists.offset[v] + size - 1];
    }
    return st;
}

static tg_status compute_knn_mean(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    return compute_knn(in, out, true, err);
}

static tg_status compute_knn_max(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    return compute_knn(in, out, false, err);
}

/* The authalic (equal-area) radius of WGS84: a sphere of this radius has the ellipsoid's area. */
#define AUTHALIC_RADIUS_M 6371007.181

/* Counts the other located twins within the radius; with density, divides by the area of the
 * spherical cap of that radius in km^2. NULL without a location. */
static tg_status compute_within_count(const tg_feature_input *in, tg_column *const *out, bool density,
                                      tg_error *err)
{
    double r = in->params[0].number;
    /* 1 - cos(x) written as 2 sin^2(x / 2): the difference loses its digits for small radii. */
    double half = sin(r / AUTHALIC_RADIUS_M / 2);
    double cap_km2 = 4 * 3.14159265358979323846 * AUTHALIC_RADIUS_M * AUTHALIC_RADIUS_M * half * half / 1e6;
    const igraph_integer_t *counts = NULL;
    tg_status st = tg_spatial_count_within(in->spatial, r, &counts, err);
    for (igraph_integer_t v = 0; !st && v < in->twins->n_twins; v++) {
        igraph_integer_t count = counts[v];
        if (!tg_twins_located(in->twins, v))
            tg_column_set_null(out[0], v);
        else if (density)
            VECTOR(out[0]->real)[v] = (double)count / cap_km2;
        else
            VECTOR(out[0]->integer)[v] = count;
    }
    return st;
}

static tg_status compute_within(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    return compute_within_count(in, out, false, err);
}

static tg_status compute_density(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    return compute_within_count(in, out, true, err);
}

/* geo_nearest_<model>_m and geo_nearest_<model>_id for each model named. */
static tg_status plan_nearest(tg_feature_spec *fs, bool directed, const char *path, tg_error *err)
{
    (void)directed, (void)path;
    const tg_param_value *models = &fs->params[0];
    for (size_t i = 0; i < models->count; i++) {
        char stem[2 * TG_NAME_MAX], column[3 * TG_NAME_MAX], definition[512];
        tg_feature_fold_name(stem, sizeof stem, (size_t)snprintf(stem, sizeof stem, "geo_nearest_"),
                             models->names[i]);
        snprintf(column, sizeof column, "%s_m", stem);
        snprintf(definition, sizeof definition,
                 "geodesic distance in metres to the nearest other located twin whose model is \"%s\"; NULL without "
                 "a location or when no other located twin has that model", models->names[i]);
        tg_status st = tg_feature_plan_column(fs, column, TG_COLUMN_DOUBLE, definition, err);
        snprintf(column, sizeof column, "%s_id", stem);
        snprintf(definition, sizeof definition,
                 "device_id of the nearest other located twin whose model is \"%s\" (ties: the first in device_id "
                 "byte order); NULL where %s_m is", models->names[i], stem);
        if (st || (st = tg_feature_plan_column(fs, column, TG_COLUMN_TEXT, definition, err)))
            return st;
    }
    return TG_OK;
}

/* One tree of the model's twins per model, then a nearest query per located twin. */
static tg_status compute_nearest(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    const tg_twins *t = in->twins;
    const tg_param_value *models = &in->params[0];
    size_t n = (size_t)(t->n_twins > 0 ? t->n_twins : 1);
    bool *member = malloc(n * sizeof *member);
    igraph_integer_t *nearest = malloc(n * sizeof *nearest);
    double *distance = malloc(n * sizeof *distance);
    tg_status st = member && nearest && distance ? TG_OK : tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    for (size_t m = 0; !st && m < models->count; m++) {
        igraph_integer_t members = 0;
        for (igraph_integer_t v = 0; v < t->n_twins; v++) {
            const char *model = tg_twins_model(t, v);
            member[v] = model && strcmp(model, models->names[m]) == 0 && tg_twins_located(t, v);
            members += member[v];
        }
        if (members == 0)
            tg_warn(in->warnings, "%s: no located twin has model \"%s\", so the column is NULL", out[2 * m]->name,
                    models->names[m]);
        if ((st = tg_spatial_nearest_member(in->spatial, member, nearest, distance, err)))
            break;
        for (igraph_integer_t v = 0; v < t->n_twins && !st; v++) {
            if (nearest[v] < 0) {
                tg_column_set_null(out[2 * m], v);
                continue;
            }
            VECTOR(out[2 * m]->real)[v] = distance[v];
            st = tg_column_set_text(out[2 * m + 1], v, tg_twins_id(t, nearest[v]), err);
        }
    }
    free(member);
    free(nearest);
    free(distance);
    return st;
}

/* The zone ingest assigned (see tg_zones_assign); NULL outside every zone. O(twins). */
static tg_status compute_zone(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    tg_status st = TG_OK;
    for (igraph_integer_t v = 0; v < in->twins->n_twins && !st; v++) {
        const char *zone = tg_twins_zone(in->twins, v);
        if (zone)
            st = tg_column_set_text(out[0], v, zone, err);
    }
    return st;
}

static const tg_param_def knn_params[] = {
    {.name = "k", .type = TG_PARAM_INTEGER, .default_json = "8", .min_integer = 1, .max_integer = 1000,
     .doc = "how many nearest other located twins"},
};
static const tg_param_def within_params[] = {
    {.name = "radius_m", .type = TG_PARAM_NUMBER, .unit = "m", .min_number = 1e-9, .max_number = 20037509,
     .required = true, .doc = "the radius in metres, inclusive (at most half the equator)"},
};
static const tg_param_def density_params[] = {
    {.name = "radius_m", .type = TG_PARAM_NUMBER, .unit = "m", .min_number = 1e-9, .max_number = 20037509,
     .required = true, .doc = "the radius in metres, inclusive (at most half the equator)"},
};
static const tg_param_def nearest_params[] = {
    {.name = "models", .type = TG_PARAM_STRING_LIST, .required = true,
     .doc = "the models to find the nearest twin of: two columns per model"},
};
static const tg_column_def density_columns[] = {
    {"geo_density_km2", TG_COLUMN_DOUBLE, false,
     "number of other located twins at most radius_m metres away (as geo_within_r), per square kilometre of a "
     "spherical cap of that radius on the WGS84 authalic sphere (R = 6,371,007.181 m); NULL without a location"},
};
static const tg_column_def nearest_columns[] = {
    {"geo_nearest_<model>_m", TG_COLUMN_DOUBLE, false,
     "geodesic distance in metres to the nearest other located twin of the model; NULL without a location or "
     "without such a twin"},
    {"geo_nearest_<model>_id", TG_COLUMN_TEXT, false, "device_id of that twin (ties: device_id byte order)"},
};
static const tg_column_def zone_columns[] = {
    {"zone_id", TG_COLUMN_TEXT, false,
     "the innermost zone (smallest area) whose polygon covers the twin's location, boundary included (PostGIS "
     "ST_Covers on geometry, planar in longitude and latitude), among zones larger than the twin's own polygon; "
     "ties by zone id in byte order. Zones come from source.zones, else from the twins' own polygons (then the "
     "zone id is the device_id). NULL without a location or outside every zone"},
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
     .reads = TG_READS_PARENT_LINKS, .reads_coordinates = true, .knn_param = "k", .compute = compute_knn_mean},
    {.name = "geo_knn_max_m", .family = "geo", .summary = "distance to the k-th nearest located twin (parameter \"k\")",
     .reference = "PostGIS ST_Distance(geography) over every pair, within 1 mm",
     .complexity = "a GEOS STRtree query and about k geodesics per twin", .params = knn_params,
     .n_params = COUNT(knn_params), .columns = knn_max_columns, .n_columns = COUNT(knn_max_columns),
     .reads = TG_READS_PARENT_LINKS, .reads_coordinates = true, .knn_param = "k", .compute = compute_knn_max},
    {.name = "geo_within_r", .family = "geo", .summary = "located twins within a radius (parameter \"radius_m\")",
     .reference = "PostGIS ST_DWithin(geography, geography, r, true)",
     .complexity = "a GEOS STRtree query per twin and a geodesic per candidate", .params = within_params,
     .n_params = COUNT(within_params), .columns = within_columns, .n_columns = COUNT(within_columns),
     .reads = TG_READS_PARENT_LINKS, .reads_coordinates = true, .compute = compute_within},
    {.name = "geo_density_km2", .family = "geo",
     .summary = "located twins within a radius per km^2 (parameter \"radius_m\")",
     .reference = "PostGIS ST_DWithin(geography, geography, r, true) counts over the cap area",
     .complexity = "as geo_within_r (one search serves both at the same radius)", .params = density_params,
     .n_params = COUNT(density_params), .columns = density_columns, .n_columns = COUNT(density_columns),
     .reads = TG_READS_PARENT_LINKS, .reads_coordinates = true, .compute = compute_density},
    {.name = "zone_id", .family = "geo", .summary = "the innermost zone that holds the twin (source.zones or polygons)",
     .reference = "PostGIS ST_Covers(geometry, geometry), smallest ST_Area",
     .complexity = "a GEOS STRtree query and prepared-polygon tests per twin", .columns = zone_columns,
     .n_columns = COUNT(zone_columns), .reads = TG_READS_PARENT_LINKS, .reads_coordinates = true,
     .reads_zones = true, .compute = compute_zone},
    {.name = "geo_nearest", .family = "geo",
     .summary = "distance to, and id of, the nearest twin of each model named (parameter \"models\")",
     .reference = "PostGIS ORDER BY geography <-> geography, ST_Distance within 1 mm",
     .complexity = "per model a GEOS STRtree of its twins and a query per twin", .params = nearest_params,
     .n_params = COUNT(nearest_params), .columns = nearest_columns, .n_columns = COUNT(nearest_columns),
     .plan = plan_nearest, .reads = TG_READS_PARENT_LINKS, .reads_coordinates = true, .compute = compute_nearest},
};
const size_t tg_geo_feature_count = COUNT(tg_geo_features);
