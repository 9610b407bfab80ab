/* tg_geo.h - the geographic feature family: distances between located twins on the WGS84 ellipsoid. */
#ifndef TG_GEO_H
#define TG_GEO_H

#include "tg_feature_types.h"

/* The family's registry entries. */
extern const tg_feature_def tg_geo_features[];
extern const size_t tg_geo_feature_count;

#endif
