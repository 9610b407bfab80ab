/* tg_spatial.h - spatial proximity between located twins on the WGS84 ellipsoid: k nearest, radius neighbourhoods, nearest of a subset and the Delaunay triangulation, each computed once per run. */
#ifndef TG_SPATIAL_H
#define TG_SPATIAL_H

#include <stdbool.h>

#include <igraph.h>

#include "tg_error.h"
#include "tg_twins.h"

/* The spatial index of one job's twins: a GEOS STRtree over the located twins' (lon, lat),
 * built on first use, and the neighbour lists computed so far. Candidates come from caps wide
 * enough for the exact geodesic distances (see tg_spatial.c), so no neighbour is missed across
 * the antimeridian, near the poles or among twins sharing a location. Twins without a location
 * take no part. Searches run on TWINGRAPH_THREADS threads (default: the online cores, at most
 * 16); the results do not depend on how many. Opaque: create with tg_spatial_create, free with
 * tg_spatial_free. */
typedef struct tg_spatial tg_spatial;

/* Neighbour lists, borrowed from the tg_spatial that made them and valid until it is freed.
 * Twin v's neighbours are twin[offset[v] .. offset[v] + tg_spatial_list_size(l, v)), nearest
 * first, ties at equal distance in vertex (device_id byte) order, with their geodesic distance
 * in metres in distance_m. */
typedef struct {
    const igraph_integer_t *offset;   /* n_twins + 1 */
    const int *count;                 /* k-nearest lists: twin v's list holds count[v]; NULL: up to
                                         the next offset */
    const igraph_integer_t *twin;
    const double *distance_m;
    igraph_integer_t limit;           /* at most this many per twin (a k-nearest list made for a larger k) */
} tg_spatial_lists;

/* How many neighbours twin v has in lists. */
igraph_integer_t tg_spatial_list_size(const tg_spatial_lists *lists, igraph_integer_t v);

/* Makes the index of twins (borrowed: it must outlive the result). Caller frees with
 * tg_spatial_free. On error fills err and sets *out to NULL. */
tg_status tg_spatial_create(const tg_twins *twins, tg_spatial **out, tg_error *err);

/* Frees the index and every list it made. Accepts NULL. */
void tg_spatial_free(tg_spatial *spatial);

/* Says that the job will ask for the k nearest (k >= 1): the first search runs for the largest
 * k announced, and every later k-nearest request takes its prefix. */
void tg_spatial_plan_knn(tg_spatial *spatial, int k);

/* The k nearest other located twins of each located twin (all of them when fewer). Computed on
 * the first call (for the largest planned k), then borrowed. Time: O(n log n) for the tree, then
 * per twin a tree query and about k geodesics on evenly spread data. On error fills err. */
tg_status tg_spatial_knn(tg_spatial *spatial, int k, tg_spatial_lists *out, tg_error *err);

/* Every other located twin at most radius_m metres away (geodesic, inclusive), for each located
 * twin, nearest first. The last radius asked is kept, so layers with the same radius search
 * once. Time: a tree query per twin and a geodesic per candidate. On error fills err. */
tg_status tg_spatial_within(tg_spatial *spatial, double radius_m, tg_spatial_lists *out, tg_error *err);

/* How many other located twins are at most radius_m metres away, for each twin (0 without a
 * location), into *count (borrowed, n_twins, valid until the next call or free). Only twins the
 * chord bounds leave in doubt get a geodesic, and no pair is stored. Time: a tree query per
 * twin. On error fills err. */
tg_status tg_spatial_count_within(tg_spatial *spatial, double radius_m, const igraph_integer_t **count,
                                  tg_error *err);

/* For each located twin, the nearest located twin other than itself among those with member[v]
 * set: its vertex into nearest[v] (or -1 when there is none) and its distance into distance_m[v]
 * (NAN then). Ties by vertex order. Time: O(members log members) for a tree of the members,
 * then a query per twin. On error fills err. */
tg_status tg_spatial_nearest_member(tg_spatial *spatial, const bool *member, igraph_integer_t *nearest,
                                    double *distance_m, tg_error *err);

/* The edges of the Delaunay triangulation of the distinct locations in the (lon, lat) plane
 * (GEOS; planar in degrees, as PostGIS ST_DelaunayTriangles on geometry), each as a pair of
 * twins with its geodesic length in distance_m; the twins sharing a location hang on the first
 * of them (vertex order) with 0 m edges. Each pair once, lower vertex first. On error fills err. */
tg_status tg_spatial_delaunay(tg_spatial *spatial, igraph_vector_int_t *edges, igraph_vector_t *distance_m,
                              tg_error *err);

#endif
