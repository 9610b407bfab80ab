/* tg_spatial.h - spatial proximity between located twins: k nearest neighbours and radius neighbourhoods on the WGS84 ellipsoid. */
#ifndef TG_SPATIAL_H
#define TG_SPATIAL_H

#include <igraph.h>

#include "tg_error.h"
#include "tg_twins.h"

/* Appends an edge twin -> neighbour, with its geodesic length in metres in weights, for each
 * located twin and:
 * - k > 0: each of its k nearest other located twins (all of them when fewer), ties at equal
 *   distance broken by device_id byte order (vertex order);
 * - otherwise: every other located twin at most radius_m metres away.
 * Candidates come from a GEOS STRtree over (lon, lat) envelopes that cover a spherical cap wide
 * enough for the exact distances (see tg_spatial.c), so no neighbour is missed across the
 * antimeridian, near the poles or among twins sharing a location. Twins without a location
 * take no part. Time: O(n log n) to build, then per twin a tree query and about k geodesics on
 * evenly spread data. On error fills err. */
tg_status tg_spatial_edges(const tg_twins *twins, int k, double radius_m, igraph_vector_int_t *edges,
                           igraph_vector_t *weights, tg_error *err);

#endif
