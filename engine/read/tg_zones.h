/* tg_zones.h - zones (rooms, buildings, districts) as polygons, and the innermost zone that covers each twin, with GEOS prepared geometries behind an STRtree. */
#ifndef TG_ZONES_H
#define TG_ZONES_H

#include <igraph.h>

#include "tg_error.h"
#include "tg_location.h"
#include "tg_twins.h"

/* Zones in the order added; each a polygon in WGS84 (lon, lat) with its area in square degrees,
 * and the twin it is the polygon of (or -1 for a zone of the zones source). Caller-allocated:
 * zero it with tg_zones_init, release it with tg_zones_destroy. */
typedef struct {
    size_t n, capacity;
    char **id;                    /* owned */
    GEOSGeometry **polygon;       /* owned, made in the reader's GEOS context */
    double *area;
    igraph_integer_t *twin;
    GEOSContextHandle_t geos;     /* borrowed from the reader */
    size_t n_areas, areas_capacity;
    igraph_integer_t *area_twin;  /* twins with a polygon that is not a zone (a zones source is named) */
    double *twin_area;            /* and the areas of those polygons */
} tg_zones;

void tg_zones_init(tg_zones *zones, const tg_location_reader *reader);

/* Frees everything. Accepts a zeroed value. */
void tg_zones_destroy(tg_zones *zones);

/* Appends a zone; steals polygon (also on error), copies id. */
tg_status tg_zones_add(tg_zones *zones, const char *id, GEOSGeometry *polygon, igraph_integer_t twin, tg_error *err);

/* Notes the area of twin's own polygon when the polygon is not a zone itself (a zones source
 * is named): zones must be larger than it. Takes nothing; measures polygon. */
tg_status tg_zones_note_twin_polygon(tg_zones *zones, igraph_integer_t twin, const GEOSGeometry *polygon,
                                     tg_error *err);

/* For each located twin, the zone that covers its location (boundary included: PostGIS ST_Covers
 * on geometry, planar in degrees) with the smallest area, among zones larger than the twin's own
 * polygon (so a twin is never in its own zone and containment cannot loop); ties by zone id in
 * byte order. Writes the zone's index, or -1, into zone_of[v]. Time: an STRtree query and
 * prepared-geometry tests per twin. On error fills err. */
tg_status tg_zones_assign(const tg_zones *zones, const tg_twins *twins, igraph_integer_t *zone_of, tg_error *err);

#endif
