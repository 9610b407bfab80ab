/* tg_spec.h - the job spec: a strictly parsed JSON file saying what to read, which graph to build, which features to compute and where to write them. */
#ifndef TG_SPEC_H
#define TG_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tg_error.h"
#include "tg_feature.h"
#include "tg_layer.h"

#define TG_DEFAULT_SEED 42
#define TG_DEFAULT_MAX_SHRINK "0.5"   /* JSON text, parsed like a parameter default */
#define TG_DEFAULT_LOCK_WAIT_S "30"

typedef enum { TG_DANGLING_ERROR, TG_DANGLING_DROP } tg_dangling_policy;

/* Where a twin's location comes from. */
typedef enum {
    TG_LOCATION_LAT_LON,    /* the devices source's lat and lon columns (WGS84 degrees) */
    TG_LOCATION_DOCUMENT,   /* two paths into the twin document */
    TG_LOCATION_GEOMETRY    /* a geometry column: PostGIS geometry or geography, or WKT / EWKT text */
} tg_location_source;

typedef struct {
    char *devices_source;        /* table or view, "schema.table" */
    char *relationships_source;  /* NULL when no layer needs relationships */
    bool relationships_given;    /* "source.relationships" was written in the spec */
    tg_dangling_policy on_dangling;
    bool skip_bad_locations;     /* "source.on_bad_location": "skip" */
    bool skip_bad_twins;         /* "source.on_bad_twin": "skip": a twin document that is not an object
                                    reads as no document */
    bool uses_coordinates;       /* a spatial layer or a geo feature reads lat/lon */
    tg_location_source location;     /* "source.location" */
    char *location_lat_path;         /* DOCUMENT: "tags.location.lat" */
    char *location_lon_path;
    char *location_column;           /* GEOMETRY: the column */
    bool location_transform;         /* GEOMETRY: reproject SRIDs other than 4326 with PROJ */
    char *zones_source;              /* "source.zones": a table or view with zone_id and geom, or NULL
                                        (then the twins' own polygons are the zones) */
    bool infer_parents;              /* "source.infer_parents": a twin without a parent takes the twin
                                        whose polygon holds it */
    bool uses_zones;                 /* zone_id is computed or parents are inferred */
    bool directed;
    bool simplify;
    bool break_cycles;           /* "graph.on_cycle": "break" */
    tg_layer_spec *layers;
    size_t n_layers;
    char **rel_values;           /* the numeric relationship values layers read ("properties.length_m" or a
                                    column), each once; tg_layer_spec.weight_value indexes this */
    size_t n_rel_values;
    char **doc_paths;            /* paths into the devices' twin document that features read, each once;
                                    tg_feature_spec.doc_value indexes this */
    size_t n_doc_paths;
    tg_feature_spec *features;
    size_t n_features;
    uint64_t seed;               /* top-level "seed", TG_DEFAULT_SEED when absent */
    char *output_table;
    char *runs_table;
    char *influencers_table;     /* "output.influencers": where an entry's ranking goes */
    bool writes_ranking;         /* an entry makes a ranking (influence_top) */
    double lock_wait_s;          /* "output.lock_wait_s": how long a column change waits for readers */
    double max_shrink;           /* "output.max_shrink": the largest share of the previous run's twins a
                                    replacement may lose (1: any) */
    bool history;                /* "output.history" given: older runs' features are kept */
    int64_t history_keep_runs;   /* "output.history.keep_runs": the latest this many succeeded runs (0: by age only) */
    double history_keep_days;    /* "output.history.keep_days": runs finished this recently (0: by count only) */
    char *json;                  /* the spec as written, for the runs table */
} tg_spec;

/* Parses and validates a job spec. An unknown key, a duplicate key, a wrong type or an
 * out-of-range value is an error naming the key path (e.g. features[2].damping).
 * spec is initialised here; release it with tg_spec_destroy whatever the result. */
tg_status tg_spec_load_file(tg_spec *spec, const char *path, tg_error *err);
tg_status tg_spec_load_string(tg_spec *spec, const char *text, tg_error *err);

/* Frees everything the spec owns. Accepts a zeroed or partly filled spec. */
void tg_spec_destroy(tg_spec *spec);

/* Index of the layer called name, or -1. */
int tg_spec_layer_index(const tg_spec *spec, const char *name);

/* Total number of feature columns the job writes. */
size_t tg_spec_column_count(const tg_spec *spec);

#endif
