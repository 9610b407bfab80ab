/* tg_export.h - `twingraph export`: a feature table as GeoJSON, GraphML or CSV, with the locations and layers of the job that wrote it. */
#ifndef TG_EXPORT_H
#define TG_EXPORT_H

#include <stdio.h>

#include <libpq-fe.h>

#include "tg_error.h"
#include "tg_graph.h"
#include "tg_spec.h"
#include "tg_twins.h"

typedef enum { TG_EXPORT_GEOJSON, TG_EXPORT_GRAPHML, TG_EXPORT_CSV } tg_export_format;

typedef struct {
    tg_export_format format;
    const char *conninfo; /* NULL: the PG* environment */
    const char *table;    /* the feature table (default features.device_features) */
    const char *runs;     /* its runs table, where the latest job spec is found (default features.runs) */
    const char *job;      /* a job spec file to take sources and layers from instead, or NULL */
    const char *layer;    /* graphml: the layer to write (default: the union of the job's layers) */
    const char *output;   /* a file (written whole, then renamed into place), or NULL for stdout */
} tg_export_options;

/* Whether text names a format; fills *format. */
bool tg_export_format_parse(const char *text, tg_export_format *format);

/* Runs the export. Nothing is written to options->output unless the whole export succeeded. */
tg_status tg_export_run(const tg_export_options *options, tg_error *err);

/* The feature table's rows as the writers see them: text values by row and column, the
 * columns' names and types, and for each twin its row (or -1: the table has no row for it). */
typedef struct {
    PGresult *res;
    int n_rows, n_columns;
    igraph_integer_t *row_of_twin; /* n_twins */
} tg_export_rows;

/* The name column c is exported under: its own, or "<name>_feature" when it would clash with an
 * attribute the export gives every twin (device_id, model, parent_id, lat, lon) or, in GraphML,
 * with the edges' weight. Fills buf. */
const char *tg_export_column_name(const tg_export_rows *rows, int c, char *buf, size_t size);

/* Column c's kind, from its PostgreSQL type. */
typedef enum { TG_EXPORT_NUMBER, TG_EXPORT_INTEGER, TG_EXPORT_BOOLEAN, TG_EXPORT_TEXT, TG_EXPORT_NUMBERS } tg_export_kind;
tg_export_kind tg_export_column_kind(const tg_export_rows *rows, int c);

/* The writers (tg_export_geojson.c, tg_export_graphml.c). */
tg_status tg_export_geojson(FILE *out, const tg_twins *twins, const tg_export_rows *rows, long *written,
                            tg_error *err);
tg_status tg_export_graphml(FILE *out, const tg_twins *twins, const tg_export_rows *rows, const tg_layer_graph *layer,
                            tg_error *err);

#endif
