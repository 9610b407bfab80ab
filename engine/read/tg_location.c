/* tg_location.c - a twin's location from geometry text (hex EWKB as PostgreSQL prints PostGIS geometry and geography, or WKT / EWKT) through GEOS, reprojected to WGS84 with PROJ where the spec allows. */
#include "tg_location.h"

#include <ctype.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <proj.h>

#define MAX_SRIDS 16

struct tg_location_reader {
    GEOSContextHandle_t geos;
    GEOSWKBReader *wkb;
    GEOSWKTReader *wkt;
    char geos_error[256];
    bool transform, keep_polygons;
    PJ_CONTEXT *proj;
    int srids[MAX_SRIDS];        /* source SRIDs with a transformation to WGS84 */
    PJ *transforms[MAX_SRIDS];
    size_t n_srids;
    GEOSGeometry *polygon;       /* of the last read, until taken */
};

static void on_geos_error(const char *message, void *userdata)
{
    tg_location_reader *reader = userdata;
    snprintf(reader->geos_error, sizeof reader->geos_error, "%s", message);
}

tg_status tg_location_reader_create(bool transform, bool keep_polygons, tg_location_reader **out, tg_error *err)
{
    tg_location_reader *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!r || !(r->geos = GEOS_init_r())) {
        free(r);
        return tg_error_set(err, TG_ERR_MEMORY, "could not start GEOS");
    }
    GEOSContext_setErrorMessageHandler_r(r->geos, on_geos_error, r);
    r->transform = transform;
    r->keep_polygons = keep_polygons;
    if (!(r->wkb = GEOSWKBReader_create_r(r->geos)) || !(r->wkt = GEOSWKTReader_create_r(r->geos))) {
        tg_location_reader_free(r);
        return tg_error_set(err, TG_ERR_MEMORY, "could not make GEOS geometry readers");
    }
    *out = r;
    return TG_OK;
}

void tg_location_reader_free(tg_location_reader *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_srids; i++)
        proj_destroy(r->transforms[i]);
    if (r->proj)
        proj_context_destroy(r->proj);
    if (r->polygon)
        GEOSGeom_destroy_r(r->geos, r->polygon);
    if (r->wkb)
        GEOSWKBReader_destroy_r(r->geos, r->wkb);
    if (r->wkt)
        GEOSWKTReader_destroy_r(r->geos, r->wkt);
    GEOS_finish_r(r->geos);
    free(r);
}

GEOSContextHandle_t tg_location_geos(const tg_location_reader *r)
{
    return r->geos;
}

GEOSGeometry *tg_location_take_polygon(tg_location_reader *r)
{
    GEOSGeometry *polygon = r->polygon;
    r->polygon = NULL;
    return polygon;
}

size_t tg_location_transformed_srids(const tg_location_reader *r, int *srids, size_t max)
{
    for (size_t i = 0; i < r->n_srids && i < max; i++)
        srids[i] = r->srids[i];
    return r->n_srids;
}

/* PostgreSQL prints geometry and geography as hex EWKB; anything else is read as WKT, with an
 * optional EWKT "SRID=n;" prefix (GEOS 3.11's WKT reader does not take one). */
static GEOSGeometry *parse(tg_location_reader *r, const char *text, int *srid)
{
    size_t len = strlen(text), hex = strspn(text, "0123456789abcdefABCDEF");
    *srid = 0;
    if (len > 0 && hex == len) {
        GEOSGeometry *g = GEOSWKBReader_readHEX_r(r->geos, r->wkb, (const unsigned char *)text, len);
        if (g)
            *srid = GEOSGetSRID_r(r->geos, g);
        return g;
    }
    if (strncasecmp(text, "SRID=", 5) == 0) {
        char *end = NULL;
        long value = strtol(text + 5, &end, 10);
        if (!end || *end != ';' || value < 0 || value > 999999) {
            snprintf(r->geos_error, sizeof r->geos_error, "a malformed SRID= prefix");
            return NULL;
        }
        *srid = (int)value;
        text = end + 1;
    }
    return GEOSWKTReader_read_r(r->geos, r->wkt, text);
}

/* The transformation from EPSG:srid to WGS84 in (lon, lat) order, made once per SRID. */
static PJ *transform_for(tg_location_reader *r, int srid, char *problem, size_t size)
{
    for (size_t i = 0; i < r->n_srids; i++)
        if (r->srids[i] == srid)
            return r->transforms[i];
    if (r->n_srids == MAX_SRIDS) {
        snprintf(problem, size, "SRID %d is one more than the %d different SRIDs a job may reproject", srid, MAX_SRIDS);
        return NULL;
    }
    if (!r->proj && !(r->proj = proj_context_create())) {
        snprintf(problem, size, "PROJ could not start");
        return NULL;
    }
    proj_log_level(r->proj, PJ_LOG_NONE);
    char source[32];
    snprintf(source, sizeof source, "EPSG:%d", srid);
    PJ *raw = proj_create_crs_to_crs(r->proj, source, "EPSG:4326", NULL);
    PJ *normalised = raw ? proj_normalize_for_visualization(r->proj, raw) : NULL;
    proj_destroy(raw);
    if (!normalised) {
        snprintf(problem, size, "PROJ knows no transformation from SRID %d (EPSG:%d) to WGS84", srid, srid);
        return NULL;
    }
    r->srids[r->n_srids] = srid;
    r->transforms[r->n_srids++] = normalised;
    return normalised;
}

/* Reprojects every coordinate of g in place. */
static bool reproject(tg_location_reader *r, GEOSGeometry **g, PJ *transform, char *problem, size_t size)
{
    /* GEOS 3.11 has no coordinate-transform callback: rebuild the centroid point, or for a
     * polygon its rings, from transformed coordinates. Polygons go through WKT of their
     * transformed coordinates, which keeps holes and parts. */
    int type = GEOSGeomTypeId_r(r->geos, *g);
    if (type == GEOS_POINT) {
        double x, y;
        if (!GEOSGeomGetX_r(r->geos, *g, &x) || !GEOSGeomGetY_r(r->geos, *g, &y))
            return snprintf(problem, size, "an empty point"), false;
        PJ_COORD c = proj_trans(transform, PJ_FWD, proj_coord(x, y, 0, 0));
        GEOSGeometry *p = GEOSGeom_createPointFromXY_r(r->geos, c.xy.x, c.xy.y);
        if (!p)
            return snprintf(problem, size, "GEOS: %s", r->geos_error), false;
        GEOSGeom_destroy_r(r->geos, *g);
        *g = p;
        return true;
    }
    /* Polygons: transform the coordinate sequences ring by ring. */
    int n_parts = type == GEOS_MULTIPOLYGON ? GEOSGetNumGeometries_r(r->geos, *g) : 1;
    GEOSGeometry **parts = calloc((size_t)n_parts, sizeof *parts);
    bool ok = parts != NULL;
    for (int p = 0; ok && p < n_parts; p++) {
        const GEOSGeometry *poly = type == GEOS_MULTIPOLYGON ? GEOSGetGeometryN_r(r->geos, *g, p) : *g;
        int n_holes = GEOSGetNumInteriorRings_r(r->geos, poly);
        GEOSGeometry *rings[1 + 64];
        if (n_holes < 0 || n_holes > 64) {
            snprintf(problem, size, "a polygon with more than 64 holes cannot be reprojected");
            ok = false;
            break;
        }
        for (int k = 0; ok && k <= n_holes; k++) {
            const GEOSGeometry *ring = k == 0 ? GEOSGetExteriorRing_r(r->geos, poly) : GEOSGetInteriorRingN_r(r->geos, poly, k - 1);
            GEOSCoordSequence *seq = ring ? GEOSCoordSeq_clone_r(r->geos, GEOSGeom_getCoordSeq_r(r->geos, ring)) : NULL;
            unsigned size_seq = 0;
            ok = seq && GEOSCoordSeq_getSize_r(r->geos, seq, &size_seq);
            for (unsigned i = 0; ok && i < size_seq; i++) {
                double x, y;
                GEOSCoordSeq_getXY_r(r->geos, seq, i, &x, &y);
                PJ_COORD c = proj_trans(transform, PJ_FWD, proj_coord(x, y, 0, 0));
                GEOSCoordSeq_setXY_r(r->geos, seq, i, c.xy.x, c.xy.y);
            }
            rings[k] = ok ? GEOSGeom_createLinearRing_r(r->geos, seq) : NULL;
            if (!rings[k]) {
                if (seq && ok)
                    GEOSCoordSeq_destroy_r(r->geos, seq);
                for (int j = 0; j < k; j++)
                    GEOSGeom_destroy_r(r->geos, rings[j]);
                snprintf(problem, size, "the polygon could not be reprojected: %s", r->geos_error);
                ok = false;
            } else if (k == n_holes) {
                parts[p] = GEOSGeom_createPolygon_r(r->geos, rings[0], rings + 1, (unsigned)n_holes);
                ok = parts[p] != NULL;
            }
        }
    }
    GEOSGeometry *rebuilt = NULL;
    if (ok)
        rebuilt = type == GEOS_MULTIPOLYGON
                      ? GEOSGeom_createCollection_r(r->geos, GEOS_MULTIPOLYGON, parts, (unsigned)n_parts)
                      : parts[0];
    if (!rebuilt) {
        for (int p = 0; parts && p < n_parts; p++)
            if (parts[p])
                GEOSGeom_destroy_r(r->geos, parts[p]);
        free(parts);
        if (ok)
            snprintf(problem, size, "the polygon could not be reprojected: %s", r->geos_error);
        return false;
    }
    free(parts);
    GEOSGeom_destroy_r(r->geos, *g);
    *g = rebuilt;
    return true;
}

/* A polygon must be valid (PostGIS ST_IsValid: no self-intersection, no zero area), since
 * containment and centroids of an invalid one mean nothing, and lie within longitude and
 * latitude range as a whole, not only at its centroid. */
static bool polygon_usable(tg_location_reader *r, const GEOSGeometry *g, char *problem, size_t size)
{
    char valid = GEOSisValid_r(r->geos, g);
    if (valid != 1) {
        char *reason = valid == 0 ? GEOSisValidReason_r(r->geos, g) : NULL;
        snprintf(problem, size, "an invalid polygon (%s)", reason ? reason : r->geos_error);
        GEOSFree_r(r->geos, reason);
        return false;
    }
    double xmin, xmax, ymin, ymax;
    if (!GEOSGeom_getXMin_r(r->geos, g, &xmin) || !GEOSGeom_getXMax_r(r->geos, g, &xmax) ||
        !GEOSGeom_getYMin_r(r->geos, g, &ymin) || !GEOSGeom_getYMax_r(r->geos, g, &ymax)) {
        snprintf(problem, size, "a polygon GEOS cannot measure (%s)", r->geos_error);
        return false;
    }
    if (!(xmin >= -180 && xmax <= 180 && ymin >= -90 && ymax <= 90)) {
        snprintf(problem, size, "a polygon reaching outside longitude [-180, 180] or latitude [-90, 90] "
                                "(it spans %.9g..%.9g, %.9g..%.9g)", xmin, xmax, ymin, ymax);
        return false;
    }
    return true;
}

bool tg_location_read(tg_location_reader *r, const char *text, double *lat, double *lon, char *problem,
                      size_t problem_size)
{
    int srid = 0;
    r->geos_error[0] = '\0';
    if (r->polygon) {
        GEOSGeom_destroy_r(r->geos, r->polygon);
        r->polygon = NULL;
    }
    GEOSGeometry *g = parse(r, text, &srid);
    if (!g) {
        snprintf(problem, problem_size, "not a geometry (%s)", r->geos_error[0] ? r->geos_error : "unreadable");
        return false;
    }
    int type = GEOSGeomTypeId_r(r->geos, g);
    bool ok = true;
    if (type != GEOS_POINT && type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON) {
        char *name = GEOSGeomType_r(r->geos, g);
        snprintf(problem, problem_size, "a %s, not a point or a polygon", name ? name : "geometry");
        GEOSFree_r(r->geos, name);
        ok = false;
    } else if (GEOSisEmpty_r(r->geos, g) != 0) {
        snprintf(problem, problem_size, "an empty geometry");
        ok = false;
    } else if (srid != 0 && srid != 4326) {
        PJ *transform = NULL;
        if (!r->transform) {
            snprintf(problem, problem_size, "in SRID %d, not 4326 (WGS84 longitude and latitude)", srid);
            ok = false;
        } else if (!(transform = transform_for(r, srid, problem, problem_size)) ||
                   !reproject(r, &g, transform, problem, problem_size))
            ok = false;
    }
    if (ok && type != GEOS_POINT)
        ok = polygon_usable(r, g, problem, problem_size);
    if (ok && type != GEOS_POINT) {
        GEOSGeometry *centroid = GEOSGetCentroid_r(r->geos, g);
        ok = centroid && GEOSGeomGetX_r(r->geos, centroid, lon) && GEOSGeomGetY_r(r->geos, centroid, lat);
        if (centroid)
            GEOSGeom_destroy_r(r->geos, centroid);
        if (!ok)
            snprintf(problem, problem_size, "GEOS could not find the polygon's centroid: %s", r->geos_error);
    } else if (ok) {
        ok = GEOSGeomGetX_r(r->geos, g, lon) && GEOSGeomGetY_r(r->geos, g, lat);
        if (!ok)
            snprintf(problem, problem_size, "GEOS could not read the point: %s", r->geos_error);
    }
    if (ok && type != GEOS_POINT && r->keep_polygons) {
        r->polygon = g;
        return true;
    }
    GEOSGeom_destroy_r(r->geos, g);
    return ok;
}
