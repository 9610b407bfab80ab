/* tg_geodesic.c - distances on the WGS84 ellipsoid, through PROJ's geodesic routines. */
#include "tg_geodesic.h"

void tg_geodesic_init(tg_geodesic *g)
{
    geod_init(&g->ellipsoid, 6378137.0, 1.0 / 298.257223563);
}

double tg_geodesic_distance_m(const tg_geodesic *g, double lat1, double lon1, double lat2, double lon2)
{
    double distance, azimuth1, azimuth2;
    geod_inverse(&g->ellipsoid, lat1, lon1, lat2, lon2, &distance, &azimuth1, &azimuth2);
    return distance;
}
