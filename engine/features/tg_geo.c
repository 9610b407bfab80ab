/* tg_geo.c - the geographic feature family: distances between located twins on the WGS84 ellipsoid. */
#include "tg_geo.h"

#include <math.h>

#include "tg_geodesic.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool located(const tg_twins *twins, igraph_integer_t v)
{
    return !isnan(twins->lat[v]) && !isnan(twins->lon[v]);
}

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
        VECTOR(out[0]->real)[v] = p >= 0 && located(t, v) && located(t, p)
                                      ? tg_geodesic_distance_m(&g, t->lat[v], t->lon[v], t->lat[p], t->lon[p])
                                      : NAN;
    }
    return TG_OK;
}

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
};
const size_t tg_geo_feature_count = COUNT(tg_geo_features);
