/* tg_zones.c - zones (rooms, buildings, districts) as polygons, and the innermost zone that covers each twin, with GEOS prepared geometries behind an STRtree. */
#include "tg_zones.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tg_interrupt.h"

void tg_zones_init(tg_zones *zones, const tg_location_reader *reader)
{
    memset(zones, 0, sizeof *zones);
    zones->geos = tg_location_geos(reader);
}

void tg_zones_destroy(tg_zones *zones)
{
    for (size_t i = 0; i < zones->n; i++) {
        free(zones->id[i]);
        GEOSGeom_destroy_r(zones->geos, zones->polygon[i]);
    }
    free(zones->id);
    free(zones->polygon);
    free(zones->area);
    free(zones->twin);
    free(zones->area_twin);
    free(zones->twin_area);
    memset(zones, 0, sizeof *zones);
}

tg_status tg_zones_add(tg_zones *zones, const char *id, GEOSGeometry *polygon, igraph_integer_t twin, tg_error *err)
{
    if (zones->n == zones->capacity) {
        size_t capacity = zones->capacity ? 2 * zones->capacity : 64;
        char **ids = realloc(zones->id, capacity * sizeof *ids);
        if (ids)
            zones->id = ids;
        GEOSGeometry **polygons = ids ? realloc(zones->polygon, capacity * sizeof *polygons) : NULL;
        if (polygons)
            zones->polygon = polygons;
        double *area = polygons ? realloc(zones->area, capacity * sizeof *area) : NULL;
        if (area)
            zones->area = area;
        igraph_integer_t *twins = area ? realloc(zones->twin, capacity * sizeof *twins) : NULL;
        if (!twins) {
            GEOSGeom_destroy_r(zones->geos, polygon);
            return tg_error_set(err, TG_ERR_MEMORY, "out of memory for zones");
        }
        zones->twin = twins;
        zones->capacity = capacity;
    }
    double area = 0;
    char *copy = strdup(id);
    if (!copy || !GEOSArea_r(zones->geos, polygon, &area)) {
        free(copy);
        GEOSGeom_destroy_r(zones->geos, polygon);
        return tg_error_set(err, copy ? TG_ERR_INTERNAL : TG_ERR_MEMORY, "could not measure zone \"%s\"", id);
    }
    zones->id[zones->n] = copy;
    zones->polygon[zones->n] = polygon;
    zones->area[zones->n] = area;
    zones->twin[zones->n++] = twin;
    return TG_OK;
}

tg_status tg_zones_note_twin_polygon(tg_zones *zones, igraph_integer_t twin, const GEOSGeometry *polygon,
                                     tg_error *err)
{
    if (zones->n_areas == zones->areas_capacity) {
        size_t capacity = zones->areas_capacity ? 2 * zones->areas_capacity : 64;
        igraph_integer_t *twins = realloc(zones->area_twin, capacity * sizeof *twins);
        if (twins)
            zones->area_twin = twins;
        double *areas = twins ? realloc(zones->twin_area, capacity * sizeof *areas) : NULL;
        if (!areas)
            return tg_error_set(err, TG_ERR_MEMORY, "out of memory for zones");
        zones->twin_area = areas;
        zones->areas_capacity = capacity;
    }
    double area = 0;
    if (!GEOSArea_r(zones->geos, polygon, &area))
        return tg_error_set(err, TG_ERR_INTERNAL, "could not measure a twin's polygon");
    zones->area_twin[zones->n_areas] = twin;
    zones->twin_area[zones->n_areas++] = area;
    return TG_OK;
}

typedef struct {
    size_t *items;
    size_t count, capacity;
    bool failed;
} zone_hits;

static void collect(void *item, void *userdata)
{
    zone_hits *hits = userdata;
    if (hits->count == hits->capacity) {
        size_t capacity = hits->capacity ? 2 * hits->capacity : 16;
        size_t *grown = realloc(hits->items, capacity * sizeof *grown);
        if (!grown) {
            hits->failed = true;
            return;
        }
        hits->items = grown;
        hits->capacity = capacity;
    }
    hits->items[hits->count++] = (size_t)((uintptr_t)item - 1);
}

/* Whether zone a is a better (inner) answer than zone b. */
static bool inner(const tg_zones *zones, size_t a, size_t b)
{
    if (zones->area[a] != zones->area[b])
        return zones->area[a] < zones->area[b];
    return strcmp(zones->id[a], zones->id[b]) < 0;
}

tg_status tg_zones_assign(const tg_zones *zones, const tg_twins *twins, igraph_integer_t *zone_of, tg_error *err)
{
    GEOSContextHandle_t geos = zones->geos;
    GEOSSTRtree *tree = GEOSSTRtree_create_r(geos, 10);
    const GEOSPreparedGeometry **prepared = calloc(zones->n ? zones->n : 1, sizeof *prepared);
    double *own_area = calloc((size_t)(twins->n_twins > 0 ? twins->n_twins : 1), sizeof *own_area);
    zone_hits hits = {0};
    tg_status st = tree && prepared && own_area ? TG_OK : tg_error_set(err, TG_ERR_MEMORY, "out of memory for zones");
    for (size_t z = 0; !st && z < zones->n; z++) {
        /* GEOS prepares lazily: the index of a prepared polygon is built on its first test. */
        if (!(prepared[z] = GEOSPrepare_r(geos, zones->polygon[z])))
            st = tg_error_set(err, TG_ERR_INTERNAL, "GEOS could not prepare zone \"%s\"", zones->id[z]);
        else
            GEOSSTRtree_insert_r(geos, tree, zones->polygon[z], (void *)(uintptr_t)(z + 1));
        if (!st && zones->twin[z] >= 0)
            own_area[zones->twin[z]] = zones->area[z];
    }
    for (size_t i = 0; own_area && i < zones->n_areas; i++)
        own_area[zones->area_twin[i]] = zones->twin_area[i];
    for (igraph_integer_t v = 0; !st && v < twins->n_twins; v++) {
        zone_of[v] = -1;
        if (!tg_twins_located(twins, v))
            continue;
        if (v % 4096 == 0 && (st = tg_interrupt_check("finding zones", err)))
            break;
        GEOSGeometry *point = GEOSGeom_createPointFromXY_r(geos, twins->lon[v], twins->lat[v]);
        if (!point) {
            st = tg_error_set(err, TG_ERR_MEMORY, "out of memory for zones");
            break;
        }
        hits.count = 0;
        GEOSSTRtree_query_r(geos, tree, point, collect, &hits);
        for (size_t h = 0; h < hits.count && !hits.failed; h++) {
            size_t z = hits.items[h];
            if (zones->twin[z] == v || !(zones->area[z] > own_area[v]))
                continue;
            if (zone_of[v] >= 0 && !inner(zones, z, (size_t)zone_of[v]))
                continue;
            char covers = GEOSPreparedCovers_r(geos, prepared[z], point);
            if (covers == 2) {
                st = tg_error_set(err, TG_ERR_INTERNAL, "GEOS could not test zone \"%s\"", zones->id[z]);
                break;
            }
            if (covers)
                zone_of[v] = (igraph_integer_t)z;
        }
        GEOSGeom_destroy_r(geos, point);
        if (hits.failed)
            st = tg_error_set(err, TG_ERR_MEMORY, "out of memory for zones");
    }
    for (size_t z = 0; prepared && z < zones->n; z++)
        if (prepared[z])
            GEOSPreparedGeom_destroy_r(geos, prepared[z]);
    if (tree)
        GEOSSTRtree_destroy_r(geos, tree);
    free(prepared);
    free(own_area);
    free(hits.items);
    return st;
}
