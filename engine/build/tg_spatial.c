/* tg_spatial.c - spatial proximity between located twins: k nearest neighbours and radius neighbourhoods on the WGS84 ellipsoid. */
#define GEOS_USE_ONLY_R_API
#include "tg_spatial.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geos_c.h>

#include "tg_geodesic.h"
#include "tg_interrupt.h"

/* Why the candidate caps are enough. Read geodetic (lat, lon) as angles on a unit sphere. The
 * ellipsoid's line element M^2 dlat^2 + N^2 cos^2(lat) dlon^2 is at least R^2 times the
 * sphere's, R = min(M) = 6,335,439 m (the meridional radius at the equator), so a geodesic of
 * length d spans an angle of at most d / R on the sphere. A cap of that angle around a twin
 * therefore holds every twin within d, and the cap's (lon, lat) bounding box is what the tree
 * is asked for. */
#define SAFE_RADIUS_M (6335439.0 * (1.0 - 1e-9))
#define DEG (180.0 / M_PI)

typedef struct {
    igraph_integer_t twin;   /* vertex id */
    double angle;            /* on the unit sphere, radians */
    double distance;         /* geodesic metres, or -1 before it is computed */
} candidate;

typedef struct {
    candidate *items;
    size_t count, capacity;
    bool failed;             /* out of memory in the callback */
} candidate_list;

typedef struct {
    GEOSContextHandle_t geos;
    char geos_error[256];
    GEOSSTRtree *tree;
    GEOSGeometry **points;   /* one per located twin, kept alive for the tree */
    igraph_integer_t *located;
    igraph_integer_t n_located;
    double *xyz;             /* unit vectors of all twins, 3 per vertex */
    tg_geodesic geodesic;
} spatial_index;

static void on_geos_error(const char *message, void *userdata)
{
    spatial_index *index = userdata;
    snprintf(index->geos_error, sizeof index->geos_error, "%s", message);
}

static void collect(void *item, void *userdata)
{
    candidate_list *list = userdata;
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? 2 * list->capacity : 64;
        candidate *grown = realloc(list->items, capacity * sizeof *grown);
        if (!grown) {
            list->failed = true;
            return;
        }
        list->items = grown;
        list->capacity = capacity;
    }
    list->items[list->count++] = (candidate){(igraph_integer_t)((intptr_t)item - 1), 0, -1};
}

static double angle_between(const spatial_index *index, igraph_integer_t a, igraph_integer_t b)
{
    const double *p = &index->xyz[3 * a], *q = &index->xyz[3 * b];
    double cx = p[1] * q[2] - p[2] * q[1], cy = p[2] * q[0] - p[0] * q[2], cz = p[0] * q[1] - p[1] * q[0];
    return atan2(sqrt(cx * cx + cy * cy + cz * cz), p[0] * q[0] + p[1] * q[1] + p[2] * q[2]);
}

static void index_destroy(spatial_index *index)
{
    if (index->tree)
        GEOSSTRtree_destroy_r(index->geos, index->tree);
    for (igraph_integer_t i = 0; index->points && i < index->n_located; i++)
        if (index->points[i])
            GEOSGeom_destroy_r(index->geos, index->points[i]);
    free(index->points);
    free(index->located);
    free(index->xyz);
    if (index->geos)
        GEOS_finish_r(index->geos);
}

static tg_status index_build(const tg_twins *twins, spatial_index *index, tg_error *err)
{
    igraph_integer_t n = twins->n_twins;
    memset(index, 0, sizeof *index);
    tg_geodesic_init(&index->geodesic);
    if (!(index->geos = GEOS_init_r()))
        return tg_error_set(err, TG_ERR_MEMORY, "could not start GEOS");
    GEOSContext_setErrorMessageHandler_r(index->geos, on_geos_error, index);
    index->located = malloc((size_t)(n > 0 ? n : 1) * sizeof *index->located);
    index->points = calloc((size_t)(n > 0 ? n : 1), sizeof *index->points);
    index->xyz = malloc((size_t)(n > 0 ? n : 1) * 3 * sizeof *index->xyz);
    if (!index->located || !index->points || !index->xyz ||
        !(index->tree = GEOSSTRtree_create_r(index->geos, 10)))
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory for the spatial index");
    for (igraph_integer_t v = 0; v < n; v++) {
        if (!tg_twins_located(twins, v))
            continue;
        double lat = twins->lat[v] / DEG, lon = twins->lon[v] / DEG;
        index->xyz[3 * v] = cos(lat) * cos(lon);
        index->xyz[3 * v + 1] = cos(lat) * sin(lon);
        index->xyz[3 * v + 2] = sin(lat);
        GEOSGeometry *point = GEOSGeom_createPointFromXY_r(index->geos, twins->lon[v], twins->lat[v]);
        if (!point)
            return tg_error_set(err, TG_ERR_INTERNAL, "GEOS could not make a point: %s", index->geos_error);
        index->points[index->n_located] = point;
        index->located[index->n_located++] = v;
        GEOSSTRtree_insert_r(index->geos, index->tree, point, (void *)(intptr_t)(v + 1));
    }
    return TG_OK;
}

/* Appends to list every located twin whose (lon, lat) lies in the bounding box of the cap of
 * angular radius cap_deg around v: one box, two across the antimeridian, all longitudes when
 * the cap reaches a pole. */
static tg_status query_cap(spatial_index *index, const tg_twins *twins, igraph_integer_t v, double cap_deg,
                           candidate_list *list, tg_error *err)
{
    double lat = twins->lat[v], lon = twins->lon[v];
    double south = lat - cap_deg, north = lat + cap_deg, half_width = 180.0;
    if (south > -90.0 && north < 90.0 && sin(cap_deg / DEG) < cos(lat / DEG))
        half_width = asin(sin(cap_deg / DEG) / cos(lat / DEG)) * DEG;
    south = fmax(south, -90.0);
    north = fmin(north, 90.0);
    double boxes[2][2];
    int n_boxes = 1;
    if (half_width >= 180.0) {
        boxes[0][0] = -180.0, boxes[0][1] = 180.0;
    } else if (lon - half_width < -180.0) {
        boxes[0][0] = -180.0, boxes[0][1] = lon + half_width;
        boxes[1][0] = lon - half_width + 360.0, boxes[1][1] = 180.0, n_boxes = 2;
    } else if (lon + half_width > 180.0) {
        boxes[0][0] = lon - half_width, boxes[0][1] = 180.0;
        boxes[1][0] = -180.0, boxes[1][1] = lon + half_width - 360.0, n_boxes = 2;
    } else
        boxes[0][0] = lon - half_width, boxes[0][1] = lon + half_width;
    list->count = 0;
    for (int b = 0; b < n_boxes; b++) {
        GEOSGeometry *box = GEOSGeom_createRectangle_r(index->geos, boxes[b][0], south, boxes[b][1], north);
        if (!box)
            return tg_error_set(err, TG_ERR_INTERNAL, "GEOS could not make a query box: %s", index->geos_error);
        GEOSSTRtree_query_r(index->geos, index->tree, box, collect, list);
        GEOSGeom_destroy_r(index->geos, box);
    }
    if (list->failed)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory for spatial candidates");
    return TG_OK;
}

static int by_angle(const void *a, const void *b)
{
    const candidate *x = a, *y = b;
    return x->angle < y->angle ? -1 : x->angle > y->angle ? 1 : (x->twin > y->twin) - (x->twin < y->twin);
}

static int by_distance(const void *a, const void *b)
{
    const candidate *x = a, *y = b;
    return x->distance < y->distance ? -1 : x->distance > y->distance ? 1 : (x->twin > y->twin) - (x->twin < y->twin);
}

/* The k nearest of v among list (v itself dropped) into best (room for k), nearest first, ties
 * by vertex order. Geodesics are computed in order of angle and stop once the angle alone proves
 * the rest farther than the current k-th. Returns the k-th distance, or -1 when list holds fewer
 * than k others; *found is how many best holds. */
static double nearest_of(spatial_index *index, const tg_twins *twins, igraph_integer_t v, int k, candidate_list *list,
                         candidate *best, size_t *found)
{
    size_t m = 0, n_best = 0;
    for (size_t i = 0; i < list->count; i++)
        if (list->items[i].twin != v) {
            list->items[m] = list->items[i];
            list->items[m].angle = angle_between(index, v, list->items[m].twin);
            m++;
        }
    qsort(list->items, m, sizeof *list->items, by_angle);
    for (size_t i = 0; i < m; i++) {
        candidate c = list->items[i];
        if (n_best == (size_t)k && c.angle * SAFE_RADIUS_M > best[k - 1].distance)
            break;
        c.distance = tg_geodesic_distance_m(&index->geodesic, twins->lat[v], twins->lon[v], twins->lat[c.twin],
                                            twins->lon[c.twin]);
        if (n_best == (size_t)k && by_distance(&c, &best[k - 1]) >= 0)
            continue;
        size_t j = n_best < (size_t)k ? n_best++ : (size_t)k - 1;
        for (; j > 0 && by_distance(&c, &best[j - 1]) < 0; j--)
            best[j] = best[j - 1];
        best[j] = c;
    }
    *found = n_best;
    return n_best == (size_t)k ? best[k - 1].distance : -1.0;
}

static tg_status push_weighted(igraph_vector_int_t *edges, igraph_vector_t *weights, igraph_integer_t a,
                               igraph_integer_t b, double metres, tg_error *err)
{
    if (igraph_vector_int_push_back(edges, a) || igraph_vector_int_push_back(edges, b) ||
        igraph_vector_push_back(weights, metres))
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory for spatial edges");
    return TG_OK;
}

tg_status tg_spatial_edges(const tg_twins *twins, int k, double radius_m, igraph_vector_int_t *edges,
                           igraph_vector_t *weights, tg_error *err)
{
    spatial_index index = {0};
    candidate_list list = {0};
    candidate *best = malloc((size_t)(k > 0 ? k : 1) * sizeof *best);
    tg_status st = best ? index_build(twins, &index, err) : tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    double cap_deg = 0.01; /* about 1 km; each search starts from the last one's cap */
    for (igraph_integer_t i = 0; !st && i < index.n_located; i++) {
        igraph_integer_t v = index.located[i];
        if (i % 4096 == 0 && (st = tg_interrupt_check("finding spatial neighbours", err)))
            break;
        if (k > 0) {
            int want = (igraph_integer_t)k < index.n_located - 1 ? k : (int)(index.n_located - 1);
            if (want <= 0)
                break;
            cap_deg = fmax(cap_deg / 2, 1e-7);
            for (;;) {
                if ((st = query_cap(&index, twins, v, cap_deg, &list, err)))
                    break;
                size_t found = 0;
                double kth = nearest_of(&index, twins, v, want, &list, best, &found);
                double needed_deg = kth / SAFE_RADIUS_M * DEG;
                /* A cap of 180 degrees already held every located twin; the bound can exceed it
                 * (a geodesic may be up to pi * 6,378 km long, more than pi * SAFE_RADIUS_M). */
                if (kth >= 0 && (needed_deg <= cap_deg || cap_deg >= 180.0)) {
                    for (size_t j = 0; j < found && !st; j++)
                        st = push_weighted(edges, weights, v, best[j].twin, best[j].distance, err);
                    break;
                }
                /* Too few candidates, or the k-th might be beaten outside the cap: widen. */
                cap_deg = kth >= 0 ? needed_deg * (1 + 1e-9) : fmin(cap_deg * 4, 180.0);
                if (cap_deg >= 180.0)
                    cap_deg = 180.0;
            }
        } else {
            if ((st = query_cap(&index, twins, v, fmin(radius_m / SAFE_RADIUS_M * DEG * (1 + 1e-9), 180.0), &list,
                                err)))
                break;
            for (size_t j = 0; j < list.count && !st; j++) {
                igraph_integer_t u = list.items[j].twin;
                if (u == v)
                    continue;
                double d = tg_geodesic_distance_m(&index.geodesic, twins->lat[v], twins->lon[v], twins->lat[u],
                                                  twins->lon[u]);
                if (d <= radius_m)
                    st = push_weighted(edges, weights, v, u, d, err);
            }
        }
    }
    free(list.items);
    free(best);
    index_destroy(&index);
    return st;
}
