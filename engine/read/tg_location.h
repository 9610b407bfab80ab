/* tg_location.h - a twin's location from geometry text (hex EWKB as PostgreSQL prints PostGIS geometry and geography, or WKT / EWKT) through GEOS, reprojected to WGS84 with PROJ where the spec allows. */
#ifndef TG_LOCATION_H
#define TG_LOCATION_H

#include <stdbool.h>
#include <stddef.h>

#define GEOS_USE_ONLY_R_API
#include <geos_c.h>

#include "tg_error.h"

/* The job's one GEOS context for parsing, its readers, and the PROJ transformations made so far
 * (one per source SRID). Opaque: create with tg_location_reader_create, free with
 * tg_location_reader_free. Not for use from several threads. */
typedef struct tg_location_reader tg_location_reader;

/* transform: whether an SRID other than 4326 (or 0, read as 4326) is reprojected from
 * EPSG:<srid> to WGS84, rather than refused. keep_polygons: whether polygon geometries are kept
 * for zones (tg_location_take_polygon). On error fills err and sets *out to NULL. */
tg_status tg_location_reader_create(bool transform, bool keep_polygons, tg_location_reader **out, tg_error *err);

/* Frees the reader and any polygon not taken. Accepts NULL. */
void tg_location_reader_free(tg_location_reader *reader);

/* Reads text (a point, or a polygon or multipolygon, whose centroid is then the location) into
 * *lat and *lon, WGS84 degrees. Returns true on success; otherwise false with what is wrong in
 * problem ("not a geometry: ...", "a LINESTRING, not a point or polygon", "SRID 3857 ...").
 * Does not check the range of the coordinates. */
bool tg_location_read(tg_location_reader *reader, const char *text, double *lat, double *lon, char *problem,
                      size_t problem_size);

/* The polygon of the last successful tg_location_read, in WGS84 (lon, lat), or NULL when it was a
 * point or the reader keeps no polygons. The caller owns it afterwards and frees it with
 * GEOSGeom_destroy_r(tg_location_geos(reader), ...). */
GEOSGeometry *tg_location_take_polygon(tg_location_reader *reader);

/* The job's GEOS context (borrowed): geometries the reader made belong to it. */
GEOSContextHandle_t tg_location_geos(const tg_location_reader *reader);

/* The SRIDs reprojected so far, for the run record: writes up to max of them into srids and
 * returns how many there are. */
size_t tg_location_transformed_srids(const tg_location_reader *reader, int *srids, size_t max);

#endif
