/* tg_spatial.c - spatial proximity between located twins on the WGS84 ellipsoid: k nearest, radius neighbourhoods, nearest of a subset and the Delaunay triangulation, each computed once per run. */
#define GEOS_USE_ONLY_R_API
#include "tg_spatial.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <geos_c.h>

#include "tg_geodesic.h"
#include "tg_interrupt.h"
#include "tg_threads.h"

/* Why the candidate caps are enough. Read geodetic (lat, lon) as angles on a unit sphere. The
 * ellipsoid's line element M^2 dlat^2 + N^2 cos^2(lat) dlon^2 is at least R^2 times the
 * sphere's, R = min(M) = 6,335,439 m (the meridional radius at the equator), so a geodesic of
 * length d spans an angle of at most d / R on the sphere. A cap of that angle around a twin
 * therefore holds every twin within d, and the cap's (lon, lat) bounding box is what the tree
 * is asked for. The same bound orders the exact work: a candidate whose angle already proves it
 * farther than the k-th nearest so far needs no geodesic. */
#define SAFE_RADIUS_M (6335439.0 * (1.0 - 1e-9))
/* And at most a^2 / b = 6,399,594 m (the largest radius of curvature, at the poles) times the
 * angle: the image of the great-circle arc is a path that long, and the geodesic is shorter. */
#define UPPER_RADIUS_M (6399593.626 * (1.0 + 1e-9))
#define DEG (180.0 / M_PI)
#define CHUNK 2048          /* twins a worker takes at a time */
#define MAX_THREADS TG_MAX_THREADS

typedef struct {
    igraph_integer_t twin;  /* a twin, or in a candidate list a site (see point_tree) */
    double chord2;          /* squared chord between the unit vectors: orders like the angle */
    double distance;        /* geodesic metres */
} candidate;

typedef struct {
    candidate *items;
    size_t count, capacity;
    bool failed;            /* out of memory in the callback */
} candidate_list;

/* A GEOS STRtree over the sites of some located twins: a site is one distinct location and the
 * twins there, in vertex order, so that a thousand devices filed under one building's
 * coordinates cost one tree item and one geodesic, not a thousand. item = site + 1. */
typedef struct {
    GEOSContextHandle_t geos;
    GEOSSTRtree *tree;
    GEOSGeometry **points;            /* one per site */
    igraph_integer_t n_sites, n_twins;
    igraph_integer_t *site_start;     /* n_sites + 1 offsets into site_twins */
    igraph_integer_t *site_twins;     /* the twins of each site, in vertex order */
    char geos_error[256];
} point_tree;

typedef struct {
    igraph_integer_t *offset, *twin;
    double *distance;
    int *count;                  /* k-nearest lists: how many of the k slots are used */
    igraph_integer_t stored;     /* k of a k-nearest list, 0 for a radius list */
    double radius_m;             /* of a radius list */
} owned_lists;

struct tg_spatial {
    const tg_twins *twins;
    double *xyz;                 /* unit vectors, 3 per vertex */
    igraph_integer_t *order;     /* the located twins along a Morton curve: neighbours in space are
                                    near in this order, so each search starts from a good cap */
    igraph_integer_t n_located;
    point_tree all;              /* every located twin, built on first use */
    bool all_ready;
    int planned_k;
    owned_lists knn, within;
    igraph_integer_t *counts;    /* the last radius counts, for counts_radius_m */
    double counts_radius_m;
    int n_threads;
};

static void on_geos_error(const char *message, void *userdata)
{
    snprintf((char *)userdata, 256, "%s", message);
}

igraph_integer_t tg_spatial_list_size(const tg_spatial_lists *lists, igraph_integer_t v)
{
    igraph_integer_t size = lists->count ? lists->count[v] : lists->offset[v + 1] - lists->offset[v];
    return lists->limit > 0 && size > lists->limit ? lists->limit : size;
}

static void lists_destroy(owned_lists *lists)
{
    free(lists->offset);
    free(lists->twin);
    free(lists->distance);
    free(lists->count);
    memset(lists, 0, sizeof *lists);
}

static void tree_destroy(point_tree *t)
{
    if (t->tree)
        GEOSSTRtree_destroy_r(t->geos, t->tree);
    for (igraph_integer_t i = 0; t->points && i < t->n_sites; i++)
        GEOSGeom_destroy_r(t->geos, t->points[i]);
    free(t->points);
    free(t->site_start);
    free(t->site_twins);
    if (t->geos)
        GEOS_finish_r(t->geos);
    memset(t, 0, sizeof *t);
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

typedef struct {
    double lon, lat;
    igraph_integer_t twin;
} placed_twin;

static int by_position(const void *a, const void *b)
{
    const placed_twin *x = a, *y = b;
    if (x->lon != y->lon)
        return x->lon < y->lon ? -1 : 1;
    if (x->lat != y->lat)
        return x->lat < y->lat ? -1 : 1;
    return (x->twin > y->twin) - (x->twin < y->twin);
}

/* A tree of the sites of the located twins with member[v] set (every located twin when member
 * is NULL), built now: GEOS builds an STRtree on its first query, which must not race between
 * workers. */
static tg_status tree_build(const tg_spatial *s, const bool *member, point_tree *t, tg_error *err)
{
    memset(t, 0, sizeof *t);
    size_t n = (size_t)s->n_located + 1;
    placed_twin *placed = malloc(n * sizeof *placed);
    tg_status st = TG_OK;
    if (!placed || !(t->geos = GEOS_init_r())) {
        free(placed);
        return tg_error_set(err, TG_ERR_MEMORY, "could not start GEOS");
    }
    GEOSContext_setErrorMessageHandler_r(t->geos, on_geos_error, t->geos_error);
    for (igraph_integer_t i = 0; i < s->n_located; i++) {
        igraph_integer_t v = s->order[i];
        if (!member || member[v])
            placed[t->n_twins++] = (placed_twin){s->twins->lon[v], s->twins->lat[v], v};
    }
    qsort(placed, (size_t)t->n_twins, sizeof *placed, by_position);
    if (!(t->points = calloc(n, sizeof *t->points)) || !(t->site_start = malloc((n + 1) * sizeof *t->site_start)) ||
        !(t->site_twins = malloc(n * sizeof *t->site_twins)) || !(t->tree = GEOSSTRtree_create_r(t->geos, 10))) {
        free(placed);
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory for the spatial index");
    }
    for (igraph_integer_t i = 0; i < t->n_twins && !st; i++) {
        t->site_twins[i] = placed[i].twin;
        if (i > 0 && placed[i].lon == placed[i - 1].lon && placed[i].lat == placed[i - 1].lat)
            continue;
        GEOSGeometry *point = GEOSGeom_createPointFromXY_r(t->geos, placed[i].lon, placed[i].lat);
        if (!point) {
            st = tg_error_set(err, TG_ERR_INTERNAL, "GEOS could not make a point: %s", t->geos_error);
            break;
        }
        t->site_start[t->n_sites] = i;
        t->points[t->n_sites] = point;
        GEOSSTRtree_insert_r(t->geos, t->tree, point, (void *)(intptr_t)(t->n_sites + 1));
        t->n_sites++;
    }
    t->site_start[t->n_sites] = t->n_twins;
    free(placed);
    if (st)
        return st;
    candidate_list ignored = {0};
    GEOSGeometry *nowhere = GEOSGeom_createPointFromXY_r(t->geos, 0, 0);
    if (!nowhere)
        return tg_error_set(err, TG_ERR_INTERNAL, "GEOS could not make a point: %s", t->geos_error);
    GEOSSTRtree_query_r(t->geos, t->tree, nowhere, collect, &ignored);
    GEOSGeom_destroy_r(t->geos, nowhere);
    free(ignored.items);
    return ignored.failed ? tg_error_set(err, TG_ERR_MEMORY, "out of memory for the spatial index") : TG_OK;
}

/* Interleaves the bits of two 32-bit numbers. */
static uint64_t morton(uint32_t x, uint32_t y)
{
    uint64_t key = 0;
    for (int b = 0; b < 32; b++)
        key |= ((uint64_t)(x >> b & 1) << (2 * b)) | ((uint64_t)(y >> b & 1) << (2 * b + 1));
    return key;
}

typedef struct {
    uint64_t key;
    igraph_integer_t twin;
} keyed_twin;

static int by_key(const void *a, const void *b)
{
    const keyed_twin *x = a, *y = b;
    return x->key < y->key ? -1 : x->key > y->key ? 1 : (x->twin > y->twin) - (x->twin < y->twin);
}

tg_status tg_spatial_create(const tg_twins *twins, tg_spatial **out, tg_error *err)
{
    igraph_integer_t n = twins->n_twins;
    tg_spatial *s = calloc(1, sizeof *s);
    keyed_twin *keys = malloc((size_t)(n > 0 ? n : 1) * sizeof *keys);
    *out = NULL;
    if (!s || !keys || !(s->xyz = malloc((size_t)(n > 0 ? n : 1) * 3 * sizeof *s->xyz)) ||
        !(s->order = malloc((size_t)(n > 0 ? n : 1) * sizeof *s->order))) {
        free(keys);
        tg_spatial_free(s);
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory for the spatial index");
    }
    s->twins = twins;
    s->n_threads = tg_thread_count();
    for (igraph_integer_t v = 0; v < n; v++) {
        if (!tg_twins_located(twins, v))
            continue;
        double lat = twins->lat[v] / DEG, lon = twins->lon[v] / DEG;
        s->xyz[3 * v] = cos(lat) * cos(lon);
        s->xyz[3 * v + 1] = cos(lat) * sin(lon);
        s->xyz[3 * v + 2] = sin(lat);
        uint32_t x = (uint32_t)((twins->lon[v] + 180.0) / 360.0 * 4294967295.0);
        uint32_t y = (uint32_t)((twins->lat[v] + 90.0) / 180.0 * 4294967295.0);
        keys[s->n_located++] = (keyed_twin){morton(x, y), v};
    }
    qsort(keys, (size_t)s->n_located, sizeof *keys, by_key);
    for (igraph_integer_t i = 0; i < s->n_located; i++)
        s->order[i] = keys[i].twin;
    free(keys);
    *out = s;
    return TG_OK;
}

void tg_spatial_free(tg_spatial *s)
{
    if (!s)
        return;
    tree_destroy(&s->all);
    lists_destroy(&s->knn);
    lists_destroy(&s->within);
    free(s->counts);
    free(s->xyz);
    free(s->order);
    free(s);
}

void tg_spatial_plan_knn(tg_spatial *s, int k)
{
    if (k > s->planned_k)
        s->planned_k = k;
}

/* ---- the search, shared by the workers ---- */

typedef struct {
    const tg_spatial *s;
    const point_tree *tree;
    int k;                        /* > 0: k nearest; 0: within radius_m */
    double radius_m;
    igraph_integer_t *count;      /* within: count per twin instead of listing pairs, or NULL */
    /* k nearest: slots of k per twin */
    igraph_integer_t *slot_twin;
    double *slot_distance;
    int *slot_count;
    /* shared progress */
    pthread_mutex_t *lock;
    igraph_integer_t *next;       /* next index into s->order to hand out */
} search;

typedef struct {
    search *job;
    GEOSContextHandle_t geos;
    char geos_error[256];
    candidate_list list;
    candidate *best;
    tg_geodesic geodesic;
    /* within: (twin, neighbour, distance) triples */
    igraph_integer_t *pair;
    double *pair_distance;
    size_t n_pairs, pair_capacity;
    int failure;                  /* 0, or 1 out of memory, 2 GEOS, 3 interrupted */
} worker;

static double chord2_between(const tg_spatial *s, igraph_integer_t a, igraph_integer_t b)
{
    const double *p = &s->xyz[3 * a], *q = &s->xyz[3 * b];
    double dx = p[0] - q[0], dy = p[1] - q[1], dz = p[2] - q[2];
    return dx * dx + dy * dy + dz * dz;
}

/* The least geodesic length a chord allows (see the comment at the top). A bound from the
 * meridional radius at the pair's latitude is tighter, but spared only 2 % of the geodesics on
 * the generated city and costs two more cache misses per candidate. */
static double lower_bound_m(double chord2)
{
    double half = sqrt(chord2) / 2;
    return 2 * asin(half < 1 ? half : 1) * SAFE_RADIUS_M;
}

/* The most geodesic length a chord allows. */
static double upper_bound_m(double chord2)
{
    double half = sqrt(chord2) / 2;
    return 2 * asin(half < 1 ? half : 1) * UPPER_RADIUS_M;
}

/* Appends to the worker's list every twin of the tree whose (lon, lat) lies in the bounding box
 * of the cap of angular radius cap_deg around v: one box, two across the antimeridian, all
 * longitudes when the cap reaches a pole. Returns false on failure. */
static bool query_cap(worker *w, igraph_integer_t v, double cap_deg)
{
    const tg_twins *twins = w->job->s->twins;
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
    w->list.count = 0;
    for (int b = 0; b < n_boxes; b++) {
        GEOSGeometry *box = GEOSGeom_createRectangle_r(w->geos, boxes[b][0], south, boxes[b][1], north);
        if (!box) {
            w->failure = 2;
            return false;
        }
        /* The tree belongs to another context; this one only reports errors (GEOS contexts are
         * not shared between threads, a built tree is only read). */
        GEOSSTRtree_query_r(w->geos, w->job->tree->tree, box, collect, &w->list);
        GEOSGeom_destroy_r(w->geos, box);
    }
    if (w->list.failed)
        w->failure = 1;
    return !w->failure;
}

static int by_chord(const void *a, const void *b)
{
    const candidate *x = a, *y = b;
    return x->chord2 < y->chord2 ? -1 : x->chord2 > y->chord2 ? 1 : (x->twin > y->twin) - (x->twin < y->twin);
}

static int by_distance(const candidate *x, const candidate *y)
{
    return x->distance < y->distance ? -1 : x->distance > y->distance ? 1 : (x->twin > y->twin) - (x->twin < y->twin);
}

/* Moves the k smallest candidates by (chord2, twin) to items[0..k) (in no order): Hoare's
 * selection, O(m) on average. By hand: the C library has no nth_element. */
static void select_nearest(candidate *items, size_t m, size_t k)
{
    size_t lo = 0, hi = m - 1;
    while (lo < hi) {
        candidate pivot = items[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (by_chord(&items[i], &pivot) < 0)
                i++;
            while (by_chord(&items[j], &pivot) > 0)
                j--;
            if (i <= j) {
                candidate t = items[i];
                items[i] = items[j];
                items[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k - 1 <= j)
            hi = j;
        else if (k - 1 >= i)
            lo = i;
        else
            break;
    }
}

/* Inserts c into w->best (n_best of at most k, nearest first, ties by vertex). */
static void insert_best(worker *w, candidate c, int *n_best, int k)
{
    if (*n_best == k && by_distance(&c, &w->best[k - 1]) >= 0)
        return;
    int j = *n_best < k ? (*n_best)++ : k - 1;
    for (; j > 0 && by_distance(&c, &w->best[j - 1]) < 0; j--)
        w->best[j] = w->best[j - 1];
    w->best[j] = c;
}

/* Inserts the twins of site (all at distance d from v, v itself left out) into w->best, in vertex
 * order, until one fails to get in: the rest of the site is no nearer and later. */
static void insert_site(worker *w, igraph_integer_t v, igraph_integer_t site, double d, int *n_best, int k)
{
    const point_tree *t = w->job->tree;
    for (igraph_integer_t j = t->site_start[site]; j < t->site_start[site + 1]; j++) {
        candidate c = {t->site_twins[j], 0, d};
        if (c.twin == v)
            continue;
        if (*n_best == k && by_distance(&c, &w->best[k - 1]) >= 0)
            break;
        insert_best(w, c, n_best, k);
    }
}

/* The first twin of site other than v, or -1. */
static igraph_integer_t first_other(const point_tree *t, igraph_integer_t site, igraph_integer_t v)
{
    igraph_integer_t j = t->site_start[site];
    if (t->site_twins[j] == v)
        j++;
    return j < t->site_start[site + 1] ? t->site_twins[j] : -1;
}

/* Adds to w->best (holding n_best) the nearest twins of v (v itself dropped) among the candidate
 * sites with seen_chord2 < chord2 <= cap_chord2: the sites within the cap of this query that an
 * earlier, narrower one did not hold (each of those was added or proven too far, and the k-th only
 * shrinks). Box corners outside the cap wait for a wider query, so no site is seen twice. The
 * sites that can fill best by chord get geodesics first (each holds a twin besides v); the rest
 * only where the chord cannot prove them farther than the k-th so far. best stays nearest first,
 * ties by vertex order. Returns how many best holds. */
static int nearest_of(worker *w, igraph_integer_t v, int k, int n_best, double seen_chord2, double cap_chord2)
{
    const tg_spatial *s = w->job->s;
    const point_tree *t = w->job->tree;
    candidate_list *list = &w->list;
    size_t m = 0;
    for (size_t i = 0; i < list->count; i++) {
        igraph_integer_t site = list->items[i].twin;
        if (first_other(t, site, v) < 0)
            continue;
        double chord2 = chord2_between(s, v, t->site_twins[t->site_start[site]]);
        if (chord2 <= seen_chord2 || chord2 > cap_chord2)
            continue;
        list->items[m] = list->items[i];
        list->items[m].chord2 = chord2;
        m++;
    }
    size_t first = m < (size_t)(k - n_best) ? m : (size_t)(k - n_best);
    if (m > first)
        select_nearest(list->items, m, first);
    const double *lat = s->twins->lat, *lon = s->twins->lon;
    for (size_t i = 0; i < m; i++) {
        candidate c = list->items[i];
        igraph_integer_t site = c.twin, head = t->site_twins[t->site_start[site]];
        if (i >= first && n_best == k) {
            double bound = lower_bound_m(c.chord2);
            /* Provably farther than the k-th, or no nearer and later in vertex order. */
            if (bound > w->best[k - 1].distance ||
                (bound >= w->best[k - 1].distance && first_other(t, site, v) > w->best[k - 1].twin))
                continue;
        }
        double d = tg_geodesic_distance_m(&w->geodesic, lat[v], lon[v], lat[head], lon[head]);
        insert_site(w, v, site, d, &n_best, k);
    }
    return n_best;
}

/* k nearest of v, growing the cap from the previous twin's until the k-th is proven. */
static bool search_knn(worker *w, igraph_integer_t v, double *cap_deg)
{
    const search *job = w->job;
    /* With fewer twins than k the cap grows to the whole Earth and takes what there is. */
    int want = (igraph_integer_t)job->k < job->tree->n_twins ? job->k : (int)job->tree->n_twins;
    int found = 0;
    double seen_chord2 = -1; /* sites within this chord were taken by the last query */
    if (want > 0)
        for (*cap_deg = fmax(*cap_deg, 1e-7);;) {
            if (!query_cap(w, v, *cap_deg))
                return false;
            /* A hair inside the box, so rounding cannot leave a site of the cap outside it; the
             * whole Earth once the cap reaches 180 degrees. */
            double inner_deg = *cap_deg * (1 - 1e-9), half = sin(inner_deg / DEG / 2);
            double cap_chord2 = *cap_deg >= 180.0 ? INFINITY : 4 * half * half;
            found = nearest_of(w, v, want, found, seen_chord2, cap_chord2);
            seen_chord2 = cap_chord2;
            double needed_deg = found == want ? w->best[want - 1].distance / SAFE_RADIUS_M * DEG : -1;
            /* A cap of 180 degrees already held every point; the bound can exceed it (a geodesic
             * may be up to pi * 6,378 km long, more than pi * SAFE_RADIUS_M). A twin outside the
             * tree (nearest_member) may find fewer than want in it. */
            if (found == want && (needed_deg <= inner_deg || *cap_deg >= 180.0))
                break;
            if (*cap_deg >= 180.0)
                break;
            *cap_deg = found == want ? fmin(needed_deg * (1 + 1e-6), 180.0) : fmin(*cap_deg * 4, 180.0);
        }
    for (int j = 0; j < found; j++) {
        job->slot_twin[v * job->k + j] = w->best[j].twin;
        job->slot_distance[v * job->k + j] = w->best[j].distance;
    }
    job->slot_count[v] = found;
    /* Start the next twin, likely nearby, with a little more than this one needed: a wider
     * query costs chords, a second one geodesics. */
    if (found > 0)
        *cap_deg = fmax(w->best[found - 1].distance / SAFE_RADIUS_M * DEG * 1.25, 1e-7);
    return true;
}

static bool push_pair(worker *w, igraph_integer_t v, igraph_integer_t u, double distance)
{
    if (w->n_pairs == w->pair_capacity) {
        size_t capacity = w->pair_capacity ? 2 * w->pair_capacity : 4096;
        igraph_integer_t *pair = realloc(w->pair, 2 * capacity * sizeof *pair);
        if (pair)
            w->pair = pair;
        double *d = pair ? realloc(w->pair_distance, capacity * sizeof *d) : NULL;
        if (!d) {
            w->failure = 1;
            return false;
        }
        w->pair_distance = d;
        w->pair_capacity = capacity;
    }
    w->pair[2 * w->n_pairs] = v;
    w->pair[2 * w->n_pairs + 1] = u;
    w->pair_distance[w->n_pairs++] = distance;
    return true;
}

/* Lists (or, when counting, counts) the other twins within the radius of v. A count needs a
 * geodesic only where the chord bounds leave the answer in doubt. */
static bool search_within(worker *w, igraph_integer_t v)
{
    const tg_spatial *s = w->job->s;
    const point_tree *t = w->job->tree;
    double r = w->job->radius_m;
    igraph_integer_t *count = w->job->count;
    if (!query_cap(w, v, fmin(r / SAFE_RADIUS_M * DEG * (1 + 1e-9), 180.0)))
        return false;
    igraph_integer_t within = 0;
    for (size_t j = 0; j < w->list.count; j++) {
        igraph_integer_t site = w->list.items[j].twin, head = t->site_twins[t->site_start[site]];
        igraph_integer_t size = t->site_start[site + 1] - t->site_start[site];
        double chord2 = chord2_between(s, v, head);
        if (lower_bound_m(chord2) > r)
            continue;
        bool at_v = s->twins->lat[head] == s->twins->lat[v] && s->twins->lon[head] == s->twins->lon[v];
        if (count && upper_bound_m(chord2) <= r) {
            within += size - at_v;
            continue;
        }
        double d = tg_geodesic_distance_m(&w->geodesic, s->twins->lat[v], s->twins->lon[v], s->twins->lat[head],
                                          s->twins->lon[head]);
        if (d > r)
            continue;
        if (count) {
            within += size - at_v;
            continue;
        }
        for (igraph_integer_t i = t->site_start[site]; i < t->site_start[site + 1]; i++)
            if (t->site_twins[i] != v && !push_pair(w, v, t->site_twins[i], d))
                return false;
    }
    if (count)
        count[v] = within;
    return true;
}

static void *work(void *arg)
{
    worker *w = arg;
    search *job = w->job;
    double cap_deg = 0.01;
    for (;;) {
        pthread_mutex_lock(job->lock);
        igraph_integer_t begin = *job->next;
        *job->next += CHUNK;
        pthread_mutex_unlock(job->lock);
        if (begin >= job->s->n_located)
            break;
        igraph_integer_t end = begin + CHUNK < job->s->n_located ? begin + CHUNK : job->s->n_located;
        for (igraph_integer_t i = begin; i < end; i++) {
            igraph_integer_t v = job->s->order[i];
            /* Per twin: many twins at one place make each search cost as much as all of them. */
            if (tg_interrupt_requested()) {
                w->failure = 3;
                return NULL;
            }
            if (!(job->k > 0 ? search_knn(w, v, &cap_deg) : search_within(w, v)))
                return NULL;
        }
    }
    return NULL;
}

/* Runs the search on the job's threads; the first failure becomes err. */
static tg_status run_search(search *job, worker *workers, int n_workers, tg_error *err)
{
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    igraph_integer_t next = 0;
    pthread_t threads[MAX_THREADS];
    bool started[MAX_THREADS] = {false};
    job->lock = &lock;
    job->next = &next;
    for (int i = 0; i < n_workers; i++) {
        worker *w = &workers[i];
        w->job = job;
        tg_geodesic_init(&w->geodesic);
        if (!(w->geos = GEOS_init_r()) || !(w->best = malloc((size_t)(job->k > 0 ? job->k : 1) * sizeof *w->best))) {
            w->failure = 1;
            continue;
        }
        GEOSContext_setErrorMessageHandler_r(w->geos, on_geos_error, w->geos_error);
        /* The first worker runs on this thread. */
        if (i > 0)
            started[i] = pthread_create(&threads[i], NULL, work, w) == 0;
    }
    if (!workers[0].failure)
        work(&workers[0]);
    tg_status st = TG_OK;
    for (int i = 0; i < n_workers; i++) {
        if (i > 0 && started[i])
            pthread_join(threads[i], NULL);
        else if (i > 0 && !workers[i].failure)
            workers[i].failure = 1;
    }
    /* A worker that could not start leaves its share to the others, unless none ran. */
    for (int i = 0; i < n_workers && !st; i++) {
        if (workers[i].failure == 3)
            st = tg_interrupt_check("finding spatial neighbours", err);
        else if (workers[i].failure == 2)
            st = tg_error_set(err, TG_ERR_INTERNAL, "GEOS failed in the spatial search: %s", workers[i].geos_error);
        else if (workers[i].failure == 1 && (i == 0 || started[i]))
            st = tg_error_set(err, TG_ERR_MEMORY, "out of memory in the spatial search");
    }
    if (!st && next < job->s->n_located)
        st = tg_error_set(err, TG_ERR_MEMORY, "could not start the spatial search");
    pthread_mutex_destroy(&lock);
    return st;
}

static void workers_destroy(worker *workers, int n)
{
    for (int i = 0; i < n; i++) {
        free(workers[i].list.items);
        free(workers[i].best);
        free(workers[i].pair);
        free(workers[i].pair_distance);
        if (workers[i].geos)
            GEOS_finish_r(workers[i].geos);
    }
}

static tg_status ensure_tree(tg_spatial *s, tg_error *err)
{
    if (s->all_ready)
        return TG_OK;
    tg_status st = tree_build(s, NULL, &s->all, err);
    s->all_ready = !st;
    return st;
}

/* Runs a k-nearest search over tree into slots of k per twin. */
static tg_status knn_slots(tg_spatial *s, const point_tree *tree, int k, igraph_integer_t **twin,
                           double **distance, int **count, tg_error *err)
{
    size_t n = (size_t)(s->twins->n_twins > 0 ? s->twins->n_twins : 1);
    worker workers[MAX_THREADS];
    memset(workers, 0, sizeof workers);
    *twin = malloc(n * (size_t)k * sizeof **twin);
    *distance = malloc(n * (size_t)k * sizeof **distance);
    *count = calloc(n, sizeof **count);
    if (!*twin || !*distance || !*count)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory for %d nearest neighbours", k);
    search job = {.s = s, .tree = tree, .k = k, .slot_twin = *twin,
                  .slot_distance = *distance, .slot_count = *count};
    tg_status st = run_search(&job, workers, s->n_threads, err);
    workers_destroy(workers, s->n_threads);
    return st;
}

tg_status tg_spatial_knn(tg_spatial *s, int k, tg_spatial_lists *out, tg_error *err)
{
    tg_status st = TG_OK;
    if (s->knn.stored < k) {
        int stored = s->planned_k > k ? s->planned_k : k;
        igraph_integer_t n = s->twins->n_twins, *twin = NULL;
        double *distance = NULL;
        int *count = NULL;
        lists_destroy(&s->knn);
        if (!(st = ensure_tree(s, err)) && !(st = knn_slots(s, &s->all, stored, &twin, &distance, &count, err))) {
            /* Slots become a CSR without moving anything: twin v's list starts at v * stored. */
            if (!(s->knn.offset = malloc(((size_t)n + 1) * sizeof *s->knn.offset)))
                st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
            for (igraph_integer_t v = 0; !st && v <= n; v++)
                s->knn.offset[v] = v * stored;
        }
        if (st) {
            free(twin), free(distance), free(count);
            lists_destroy(&s->knn);
            return st;
        }
        s->knn.count = count;
        s->knn.twin = twin;
        s->knn.distance = distance;
        s->knn.stored = stored;
    }
    *out = (tg_spatial_lists){s->knn.offset, s->knn.count, s->knn.twin, s->knn.distance, k};
    return st;
}

static int by_distance_qsort(const void *a, const void *b)
{
    return by_distance(a, b);
}

tg_status tg_spatial_count_within(tg_spatial *s, double radius_m, const igraph_integer_t **count, tg_error *err)
{
    if (!s->counts || s->counts_radius_m != radius_m) {
        worker workers[MAX_THREADS];
        memset(workers, 0, sizeof workers);
        free(s->counts);
        s->counts = calloc((size_t)(s->twins->n_twins > 0 ? s->twins->n_twins : 1), sizeof *s->counts);
        if (!s->counts)
            return tg_error_set(err, TG_ERR_MEMORY, "out of memory for radius counts");
        search job = {.s = s, .radius_m = radius_m, .count = s->counts};
        tg_status st = ensure_tree(s, err);
        if (!st) {
            job.tree = &s->all;
            st = run_search(&job, workers, s->n_threads, err);
        }
        workers_destroy(workers, s->n_threads);
        if (st) {
            free(s->counts);
            s->counts = NULL;
            return st;
        }
        s->counts_radius_m = radius_m;
    }
    *count = s->counts;
    return TG_OK;
}

tg_status tg_spatial_within(tg_spatial *s, double radius_m, tg_spatial_lists *out, tg_error *err)
{
    igraph_integer_t n = s->twins->n_twins;
    tg_status st = TG_OK;
    if (!s->within.offset || s->within.radius_m != radius_m) {
        worker workers[MAX_THREADS];
        memset(workers, 0, sizeof workers);
        lists_destroy(&s->within);
        search job = {.s = s, .radius_m = radius_m};
        if ((st = ensure_tree(s, err)) || (job.tree = &s->all, st = run_search(&job, workers, s->n_threads, err))) {
            workers_destroy(workers, s->n_threads);
            return st;
        }
        /* The workers' pairs, grouped by twin (counting sort), each group nearest first. */
        size_t total = 0;
        for (int i = 0; i < s->n_threads; i++)
            total += workers[i].n_pairs;
        owned_lists *l = &s->within;
        l->offset = calloc((size_t)n + 1, sizeof *l->offset);
        candidate *all = malloc((total ? total : 1) * sizeof *all);
        if (!l->offset || !all) {
            free(all);
            workers_destroy(workers, s->n_threads);
            lists_destroy(l);
            return tg_error_set(err, TG_ERR_MEMORY, "out of memory for radius neighbourhoods");
        }
        for (int i = 0; i < s->n_threads; i++)
            for (size_t p = 0; p < workers[i].n_pairs; p++)
                l->offset[workers[i].pair[2 * p] + 1]++;
        for (igraph_integer_t v = 0; v < n; v++)
            l->offset[v + 1] += l->offset[v];
        igraph_integer_t *fill = malloc(((size_t)n + 1) * sizeof *fill);
        l->twin = malloc((total ? total : 1) * sizeof *l->twin);
        l->distance = malloc((total ? total : 1) * sizeof *l->distance);
        if (!fill || !l->twin || !l->distance) {
            free(all), free(fill);
            workers_destroy(workers, s->n_threads);
            lists_destroy(l);
            return tg_error_set(err, TG_ERR_MEMORY, "out of memory for radius neighbourhoods");
        }
        memcpy(fill, l->offset, ((size_t)n + 1) * sizeof *fill);
        for (int i = 0; i < s->n_threads; i++)
            for (size_t p = 0; p < workers[i].n_pairs; p++)
                all[fill[workers[i].pair[2 * p]]++] =
                    (candidate){workers[i].pair[2 * p + 1], 0, workers[i].pair_distance[p]};
        workers_destroy(workers, s->n_threads);
        for (igraph_integer_t v = 0; v < n; v++) {
            size_t begin = (size_t)l->offset[v], size = (size_t)(l->offset[v + 1] - l->offset[v]);
            qsort(all + begin, size, sizeof *all, by_distance_qsort);
            for (size_t j = begin; j < begin + size; j++) {
                l->twin[j] = all[j].twin;
                l->distance[j] = all[j].distance;
            }
        }
        free(all);
        free(fill);
        l->radius_m = radius_m;
    }
    *out = (tg_spatial_lists){s->within.offset, NULL, s->within.twin, s->within.distance, 0};
    return st;
}

tg_status tg_spatial_nearest_member(tg_spatial *s, const bool *member, igraph_integer_t *nearest, double *distance_m,
                                    tg_error *err)
{
    point_tree tree;
    igraph_integer_t *twin = NULL;
    double *distance = NULL;
    int *count = NULL;
    tg_status st = tree_build(s, member, &tree, err);
    if (!st)
        st = knn_slots(s, &tree, 1, &twin, &distance, &count, err);
    for (igraph_integer_t v = 0; !st && v < s->twins->n_twins; v++) {
        nearest[v] = count[v] > 0 ? twin[v] : -1;
        distance_m[v] = count[v] > 0 ? distance[v] : NAN;
    }
    free(twin), free(distance), free(count);
    tree_destroy(&tree);
    return st;
}

/* The site at (lon, lat) (sites are in position order), or -1. */
static igraph_integer_t site_at(const tg_spatial *s, const point_tree *t, double lon, double lat)
{
    igraph_integer_t lo = 0, hi = t->n_sites;
    while (lo < hi) {
        igraph_integer_t mid = lo + (hi - lo) / 2, head = t->site_twins[t->site_start[mid]];
        double x = s->twins->lon[head], y = s->twins->lat[head];
        if (x < lon || (x == lon && y < lat))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < t->n_sites) {
        igraph_integer_t head = t->site_twins[t->site_start[lo]];
        if (s->twins->lon[head] == lon && s->twins->lat[head] == lat)
            return lo;
    }
    return -1;
}

static tg_status push_pair_edge(const tg_spatial *s, tg_geodesic *g, igraph_integer_t a, igraph_integer_t b,
                                igraph_vector_int_t *edges, igraph_vector_t *distance_m, tg_error *err)
{
    igraph_integer_t lo = a < b ? a : b, hi = a < b ? b : a;
    double d = tg_geodesic_distance_m(g, s->twins->lat[lo], s->twins->lon[lo], s->twins->lat[hi], s->twins->lon[hi]);
    if (igraph_vector_int_push_back(edges, lo) || igraph_vector_int_push_back(edges, hi) ||
        igraph_vector_push_back(distance_m, d))
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory for Delaunay edges");
    return TG_OK;
}

tg_status tg_spatial_delaunay(tg_spatial *s, igraph_vector_int_t *edges, igraph_vector_t *distance_m, tg_error *err)
{
    point_tree t;
    GEOSGeometry *multipoint = NULL, *triangulation = NULL;
    GEOSGeometry **copies = NULL;
    igraph_integer_t n_copies = 0;
    tg_geodesic g;
    tg_geodesic_init(&g);
    tg_status st = tree_build(s, NULL, &t, err);
    /* The other twins at a site hang on its first. */
    for (igraph_integer_t site = 0; !st && site < t.n_sites; site++)
        for (igraph_integer_t j = t.site_start[site] + 1; j < t.site_start[site + 1] && !st; j++)
            st = push_pair_edge(s, &g, t.site_twins[t.site_start[site]], t.site_twins[j], edges, distance_m, err);
    if (st || t.n_sites < 2)
        goto cleanup;
    if (t.n_sites == 2) { /* no triangle: the one segment */
        st = push_pair_edge(s, &g, t.site_twins[t.site_start[0]], t.site_twins[t.site_start[1]], edges, distance_m, err);
        goto cleanup;
    }
    /* The collection takes its points, so it gets copies of the tree's. */
    if (!(copies = calloc((size_t)t.n_sites, sizeof *copies))) {
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory for Delaunay");
        goto cleanup;
    }
    for (; n_copies < t.n_sites; n_copies++)
        if (!(copies[n_copies] = GEOSGeom_clone_r(t.geos, t.points[n_copies]))) {
            st = tg_error_set(err, TG_ERR_MEMORY, "out of memory for Delaunay");
            goto cleanup;
        }
    if ((multipoint = GEOSGeom_createCollection_r(t.geos, GEOS_MULTIPOINT, copies, (unsigned)n_copies)))
        n_copies = 0;
    if (!multipoint || !(triangulation = GEOSDelaunayTriangulation_r(t.geos, multipoint, 0.0, 1))) {
        st = tg_error_set(err, TG_ERR_INTERNAL, "GEOS could not triangulate the locations: %s", t.geos_error);
        goto cleanup;
    }
    int n_lines = GEOSGetNumGeometries_r(t.geos, triangulation);
    for (int i = 0; i < n_lines && !st; i++) {
        const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(t.geos, GEOSGetGeometryN_r(t.geos, triangulation, i));
        double x[2], y[2];
        if (!seq || !GEOSCoordSeq_getXY_r(t.geos, seq, 0, &x[0], &y[0]) ||
            !GEOSCoordSeq_getXY_r(t.geos, seq, 1, &x[1], &y[1])) {
            st = tg_error_set(err, TG_ERR_INTERNAL, "GEOS gave an unreadable Delaunay edge: %s", t.geos_error);
            break;
        }
        igraph_integer_t a = site_at(s, &t, x[0], y[0]), b = site_at(s, &t, x[1], y[1]);
        if (a < 0 || b < 0)
            st = tg_error_set(err, TG_ERR_INTERNAL, "a Delaunay edge ends at (%.17g, %.17g), which is no twin's location",
                              a < 0 ? x[0] : x[1], a < 0 ? y[0] : y[1]);
        else
            st = push_pair_edge(s, &g, t.site_twins[t.site_start[a]], t.site_twins[t.site_start[b]], edges, distance_m,
                                err);
    }
cleanup:
    for (igraph_integer_t i = 0; i < n_copies; i++)
        if (copies[i])
            GEOSGeom_destroy_r(t.geos, copies[i]);
    free(copies);
    if (multipoint)
        GEOSGeom_destroy_r(t.geos, multipoint);
    if (triangulation)
        GEOSGeom_destroy_r(t.geos, triangulation);
    tree_destroy(&t);
    return st;
}
