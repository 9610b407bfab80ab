/* tg_export.c - `twingraph export`: a feature table as GeoJSON, GraphML or CSV, with the locations and layers of the job that wrote it. */
#include "tg_export.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tg_db.h"
#include "tg_ingest.h"
#include "tg_tree.h"
#include "tg_warnings.h"

bool tg_export_format_parse(const char *text, tg_export_format *format)
{
    static const char *const names[] = {"geojson", "graphml", "csv"};
    for (int f = 0; f < 3; f++)
        if (strcmp(text, names[f]) == 0) {
            *format = (tg_export_format)f;
            return true;
        }
    return false;
}

/* The output: stdout, or a temporary file beside the target, renamed over it only at the end. */
typedef struct {
    FILE *file;
    char *temp;
} sink;

static tg_status sink_open(const tg_export_options *o, sink *s, tg_error *err)
{
    s->file = stdout;
    s->temp = NULL;
    if (!o->output)
        return TG_OK;
    s->temp = malloc(strlen(o->output) + 16);
    if (!s->temp)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    sprintf(s->temp, "%s.tmp-XXXXXX", o->output);
    int fd = mkstemp(s->temp);
    if (fd >= 0) {
        /* mkstemp makes the file 0600: give it the mode the target has, or a new file's. */
        struct stat target;
        mode_t mask = umask(0);
        umask(mask);
        fchmod(fd, stat(o->output, &target) == 0 ? target.st_mode & 07777 : 0666 & ~mask);
    }
    if (fd < 0 || !(s->file = fdopen(fd, "w"))) {
        tg_error_set(err, TG_ERR_INPUT, "cannot write %s: %s", o->output, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(s->temp);
        }
        free(s->temp);
        s->temp = NULL;
        s->file = NULL;
        return TG_ERR_INPUT;
    }
    return TG_OK;
}

static tg_status sink_close(const tg_export_options *o, sink *s, tg_status st, tg_error *err)
{
    if (!s->file)
        return st;
    bool failed = fflush(s->file) != 0 || ferror(s->file);
    if (!st && failed)
        st = tg_error_set(err, TG_ERR_INPUT, "cannot write %s: %s", o->output ? o->output : "stdout", strerror(errno));
    if (s->temp) {
        if (fclose(s->file) != 0 && !st)
            st = tg_error_set(err, TG_ERR_INPUT, "cannot write %s: %s", o->output, strerror(errno));
        if (!st && rename(s->temp, o->output) != 0)
            st = tg_error_set(err, TG_ERR_INPUT, "cannot write %s: %s", o->output, strerror(errno));
        if (st)
            unlink(s->temp);
        free(s->temp);
    }
    s->file = NULL;
    return st;
}

/* CSV: the server writes it (COPY ... CSV HEADER, RFC 4180 quoting), rows in device_id byte order. */
static tg_status export_csv(PGconn *conn, const char *table, FILE *out, tg_error *err)
{
    char *quoted = NULL, *sql = NULL;
    tg_status st = tg_db_quote_name(conn, table, "--table", &quoted, err);
    if (st)
        return st;
#define CSV_COPY "COPY (SELECT * FROM %s ORDER BY device_id COLLATE \"C\") TO STDOUT (FORMAT csv, HEADER)"
    if (!(sql = malloc(sizeof CSV_COPY + strlen(quoted)))) {
        free(quoted);
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    }
    sprintf(sql, CSV_COPY, quoted);
    PGresult *res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_COPY_OUT) {
        st = tg_db_result_error(conn, res, sql, err);
        PQclear(res);
        goto cleanup;
    }
    PQclear(res);
    char *chunk = NULL;
    int n;
    while ((n = PQgetCopyData(conn, &chunk, 0)) > 0) {
        fwrite(chunk, 1, (size_t)n, out);
        PQfreemem(chunk);
    }
    res = PQgetResult(conn);
    if (n == -2 || PQresultStatus(res) != PGRES_COMMAND_OK)
        st = tg_db_result_error(conn, res, sql, err);
    PQclear(res);
    while ((res = PQgetResult(conn)))
        PQclear(res);
cleanup:
    free(quoted);
    free(sql);
    return st;
}

/* The job whose sources and layers the export uses: --job, or the spec of the table's latest
 * succeeded run. */
static tg_status find_spec(PGconn *conn, const tg_export_options *o, tg_spec *spec, tg_error *err)
{
    if (o->job)
        return tg_spec_load_file(spec, o->job, err);
    char *runs = NULL, *sql = NULL;
    PGresult *res = NULL;
    tg_status st = tg_db_quote_name(conn, o->runs, "--runs", &runs, err);
    if (st)
        return st;
#define LATEST_SPEC                                                                                   \
    "SELECT spec::text FROM %s WHERE output_table = $1 AND status = 'succeeded' ORDER BY run_id DESC LIMIT 1"
    if (!(sql = malloc(sizeof LATEST_SPEC + strlen(runs)))) {
        free(runs);
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    }
    sprintf(sql, LATEST_SPEC, runs);
    const char *params[] = {o->table};
    if (!(st = tg_db_exec(conn, sql, 1, params, &res, err))) {
        if (PQntuples(res) == 0) {
            tg_error_set(err, TG_ERR_INPUT, "%s records no succeeded run of %s", o->runs, o->table);
            tg_error_hint(err, "run a job into it first, or name the job with --job JOB.json (and its runs table "
                               "with --runs)");
            st = TG_ERR_INPUT;
        } else
            st = tg_spec_load_string(spec, PQgetvalue(res, 0, 0), err);
    }
    PQclear(res);
    free(runs);
    free(sql);
    return st;
}

const char *tg_export_column_name(const tg_export_rows *rows, int c, char *buf, size_t size)
{
    static const char *const taken[] = {"device_id", "model", "parent_id", "lat", "lon", "weight"};
    const char *name = PQfname(rows->res, c);
    for (size_t i = 0; i < sizeof taken / sizeof *taken; i++)
        if (strcmp(name, taken[i]) == 0) {
            snprintf(buf, size, "%s_feature", name);
            return buf;
        }
    return name;
}

tg_export_kind tg_export_column_kind(const tg_export_rows *rows, int c)
{
    switch (PQftype(rows->res, c)) {
    case 20: case 21: case 23: /* int8, int2, int4 */
        return TG_EXPORT_INTEGER;
    case 700: case 701: case 1700: /* float4, float8, numeric */
        return TG_EXPORT_NUMBER;
    case 16:
        return TG_EXPORT_BOOLEAN;
    case 1021: case 1022: /* float4[], float8[] */
        return TG_EXPORT_NUMBERS;
    default:
        return TG_EXPORT_TEXT;
    }
}

static tg_status read_rows(PGconn *conn, const char *table, const tg_twins *twins, tg_export_rows *rows,
                           tg_error *err)
{
    char *quoted = NULL, *sql = NULL;
    tg_status st = tg_db_quote_name(conn, table, "--table", &quoted, err);
    if (st)
        return st;
    if (!(sql = malloc(strlen(quoted) + 32))) {
        free(quoted);
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    }
    sprintf(sql, "SELECT * FROM %s", quoted);
    free(quoted);
    st = tg_db_exec(conn, sql, 0, NULL, &rows->res, err);
    free(sql);
    if (st)
        return st;
    rows->n_rows = PQntuples(rows->res);
    rows->n_columns = PQnfields(rows->res);
    if (rows->n_columns == 0 || strcmp(PQfname(rows->res, 0), "device_id") != 0)
        return tg_error_set(err, TG_ERR_INPUT, "%s has no device_id first: not a twingraph feature table", table);
    rows->row_of_twin = malloc(((size_t)twins->n_twins + 1) * sizeof *rows->row_of_twin);
    if (!rows->row_of_twin)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    for (igraph_integer_t v = 0; v < twins->n_twins; v++)
        rows->row_of_twin[v] = -1;
    igraph_integer_t unknown = 0;
    for (int r = 0; r < rows->n_rows; r++) {
        igraph_integer_t v = tg_twins_find(twins, PQgetvalue(rows->res, r, 0));
        if (v >= 0)
            rows->row_of_twin[v] = r;
        else
            unknown++;
    }
    if (unknown > 0)
        fprintf(stderr, "twingraph: warning: %" IGRAPH_PRId " rows of %s name twins the sources no longer have; "
                        "they are left out\n", unknown, table);
    return TG_OK;
}

tg_status tg_export_run(const tg_export_options *options, tg_error *err)
{
    /* A table without a schema is in public, as a job spec reads it. */
    tg_export_options qualified = *options;
    char table[300], runs[300];
    if (!strchr(options->table, '.') && snprintf(table, sizeof table, "public.%s", options->table) < (int)sizeof table)
        qualified.table = table;
    if (!strchr(options->runs, '.') && snprintf(runs, sizeof runs, "public.%s", options->runs) < (int)sizeof runs)
        qualified.runs = runs;
    const tg_export_options *o = &qualified;
    PGconn *conn = NULL;
    tg_spec spec;
    tg_twins twins;
    tg_tree tree = {0};
    tg_warnings warnings = {0};
    tg_graph_set graphs = {0};
    tg_export_rows rows = {0};
    sink out = {0};
    bool have_spec = false;
    memset(&spec, 0, sizeof spec);
    tg_twins_init(&twins);
    tg_status st = tg_db_connect(o->conninfo, &conn, err);
    if (st)
        goto cleanup;
    if (o->format == TG_EXPORT_CSV) {
        if (!(st = sink_open(o, &out, err)))
            st = sink_close(o, &out, export_csv(conn, o->table, out.file, err), err);
        goto cleanup;
    }
    have_spec = true; /* tg_spec_destroy whatever find_spec returns */
    if ((st = find_spec(conn, o, &spec, err)))
        goto cleanup;
    int layer = -1;
    if (o->layer && (layer = tg_spec_layer_index(&spec, o->layer)) < 0) {
        char names[512] = "";
        for (size_t i = 0, len = 0; i < spec.n_layers && len < sizeof names; i++)
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "", spec.layers[i].name);
        tg_error_set(err, TG_ERR_USAGE, "the job has no layer \"%s\"", o->layer);
        tg_error_detail(err, "Its layers: %s.", names);
        st = TG_ERR_USAGE;
        goto cleanup;
    }
    if ((st = tg_warnings_init(&warnings) ? tg_error_set(err, TG_ERR_MEMORY, "out of memory") : TG_OK) ||
        (st = tg_ingest_read(conn, &spec, &twins, &warnings, err)) ||
        (st = tg_tree_build(&tree, &twins, spec.break_cycles, &warnings, err)) ||
        (st = read_rows(conn, o->table, &twins, &rows, err)))
        goto cleanup;
    if (o->format == TG_EXPORT_GRAPHML && (st = tg_graph_build(&spec, &twins, &graphs, &warnings, err)))
        goto cleanup;
    if ((st = sink_open(o, &out, err)))
        goto cleanup;
    long located = 0;
    if (o->format == TG_EXPORT_GEOJSON)
        st = tg_export_geojson(out.file, &twins, &rows, &located, err);
    else
        st = tg_export_graphml(out.file, &twins, &rows, layer >= 0 ? &graphs.layers[layer] : &graphs.union_graph, err);
    st = sink_close(o, &out, st, err);
    if (!st && o->format == TG_EXPORT_GEOJSON)
        fprintf(stderr, "twingraph: exported %ld located twins of %" IGRAPH_PRId " (the others have no location)\n",
                located, twins.n_twins);
    else if (!st)
        fprintf(stderr, "twingraph: exported %s: %" IGRAPH_PRId " twins, %" IGRAPH_PRId " edges\n",
                layer >= 0 ? spec.layers[layer].name : "the union of the job's layers", twins.n_twins,
                igraph_ecount(layer >= 0 ? &graphs.layers[layer].graph : &graphs.union_graph.graph));
cleanup:
    PQclear(rows.res);
    free(rows.row_of_twin);
    tg_graph_destroy(&graphs);
    tg_tree_destroy(&tree);
    tg_twins_destroy(&twins);
    tg_warnings_destroy(&warnings);
    if (have_spec)
        tg_spec_destroy(&spec);
    if (conn)
        PQfinish(conn);
    return st;
}
