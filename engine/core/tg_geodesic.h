/* tg_geodesic.h - distances on the WGS84 ellipsoid, through PROJ's geodesic routines. */
#ifndef TG_GEODESIC_H
#define TG_GEODESIC_H

#include <geodesic.h>

/* The WGS84 ellipsoid, set up once per job and then only read. */
typedef struct {
    struct geod_geodesic ellipsoid;
} tg_geodesic;

/* Sets up g for WGS84 (a = 6378137 m, f = 1/298.257223563). Cannot fail. */
void tg_geodesic_init(tg_geodesic *g);

/* The geodesic distance in metres between two points given in degrees (latitude in [-90, 90],
 * longitude in [-180, 180]); PROJ's geod_inverse (Karney's algorithm), accurate to nanometres,
 * nearly antipodal points included, which PostGIS's ST_Distance(geography) also follows. */
double tg_geodesic_distance_m(const tg_geodesic *g, double lat1, double lon1, double lat2, double lon2);

#endif
