/* tg_run.c - the job pipeline (read -> build -> compute -> write), stage timings and the result summary. */
#include "tg_run.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "tg_blocks.h"
#include "tg_compute.h"
#include "tg_db.h"
#include "tg_graph.h"
#include "tg_ingest.h"
#include "tg_interrupt.h"
#include "tg_mpi.h"
#include "tg_preflight.h"
#include "tg_time.h"
#include "tg_tree.h"
#include "tg_twins.h"
#include "tg_warnings.h"
#include "tg_write.h"

#define PATH_HEAD 2 /* ancestors shown at each end of an abbreviated place in the hierarchy */

static json_t *layer_counts(const tg_layer_graph *layer)
{
    return json_pack("{sIsIsI}", "vertices", (json_int_t)igraph_vcount(&layer->graph), "edges",
                     (json_int_t)igraph_ecount(&layer->graph), "input_edges", (json_int_t)layer->input_edges);
}

static json_t *describe_layers(const tg_spec *spec, const tg_twins *twins, const tg_tree *tree,
                               const tg_graph_set *graphs)
{
    json_t *layers = json_object();
    for (size_t i = 0; i < graphs->n_layers; i++)
        json_object_set_new(layers, spec->layers[i].name, layer_counts(&graphs->layers[i]));
    json_object_set_new(layers, "union", layer_counts(&graphs->union_graph));
    json_object_set_new(layers, "input",
                        json_pack("{sIsIsIsIsI}", "twins", (json_int_t)twins->n_twins, "relationships",
                                  (json_int_t)twins->n_relationships, "dropped_parents",
                                  (json_int_t)twins->dangling_parents.count, "dropped_relationships",
                                  (json_int_t)twins->dangling_relationships.count, "broken_cycles",
                                  (json_int_t)tree->broken_cycles));
    return layers;
}

/* "root > ... > parent" for twin v; past 2 * PATH_HEAD ancestors the middle is abbreviated and
 * the count of those left out is given. No depth limit: the walk is iterative. */
static void hierarchy_path(const tg_twins *twins, const tg_tree *tree, igraph_integer_t v, char *buf, size_t size)
{
    igraph_integer_t depth = tree->depth[v];
    if (depth == 0) {
        snprintf(buf, size, "(root)");
        return;
    }
    /* ancestors[i] is the ancestor at depth i, for the depths shown. */
    igraph_integer_t shown[2 * PATH_HEAD], n_shown = 0;
    for (igraph_integer_t p = twins->parent[v], d = depth - 1; p >= 0; p = twins->parent[p], d--)
        if (d < PATH_HEAD || d >= depth - PATH_HEAD)
            shown[n_shown++] = p;
    size_t len = 0;
    buf[0] = '\0';
    for (igraph_integer_t i = n_shown - 1; i >= 0 && len < size; i--) {
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i == n_shown - 1 ? "" : " > ", tg_twins_id(twins, shown[i]));
        if (i == PATH_HEAD && depth > 2 * PATH_HEAD && len < size)
            len += (size_t)snprintf(buf + len, size - len, " > (%" IGRAPH_PRId " more)", depth - 2 * PATH_HEAD);
    }
}

typedef struct {
    double value;
    igraph_integer_t vertex;
} ranked;

/* Whether a ranks before b: value descending, then device_id (vertex) ascending. */
static bool ranks_before(ranked a, ranked b)
{
    return a.value > b.value || (a.value == b.value && a.vertex < b.vertex);
}

/* Keeps the top k in a min-heap whose root is the weakest kept: O(n log k), not O(n k). */
static void heap_sift_down(ranked *heap, size_t n, size_t i)
{
    for (;;) {
        size_t weakest = i, l = 2 * i + 1, r = l + 1;
        if (l < n && ranks_before(heap[weakest], heap[l]))
            weakest = l;
        if (r < n && ranks_before(heap[weakest], heap[r]))
            weakest = r;
        if (weakest == i)
            return;
        ranked t = heap[i];
        heap[i] = heap[weakest];
        heap[weakest] = t;
        i = weakest;
    }
}

static int compare_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    return ranks_before(*x, *y) ? -1 : ranks_before(*y, *x) ? 1 : 0;
}

static void print_top(FILE *out, const tg_twins *twins, const tg_tree *tree, const tg_column *col, int top)
{
    size_t k = 0, cap = (size_t)top;
    ranked *heap = malloc((cap ? cap : 1) * sizeof *heap);
    if (!heap)
        return;
    for (igraph_integer_t v = 0; v < col->length; v++) {
        if (col->is_null[v] || isnan(tg_column_number(col, v)))
            continue;
        ranked item = {tg_column_number(col, v), v};
        if (k < cap) {
            heap[k++] = item;
            if (k == cap)
                for (size_t i = cap / 2 + 1; i-- > 0;)
                    heap_sift_down(heap, k, i);
        } else if (ranks_before(item, heap[0])) {
            heap[0] = item;
            heap_sift_down(heap, k, 0);
        }
    }
    qsort(heap, k, sizeof *heap, compare_ranked);
    fprintf(out, "\ntop %d twins by %s\n  %-4s %-14s %-36s %-18s %s\n", top, col->name, "rank", col->name,
            "twin", "model", "place in hierarchy");
    for (size_t i = 0; i < k; i++) {
        char path[512];
        hierarchy_path(twins, tree, heap[i].vertex, path, sizeof path);
        const char *model = tg_twins_model(twins, heap[i].vertex);
        fprintf(out, "  %-4zu %-14.6g %-36s %-18s %s\n", i + 1, heap[i].value, tg_twins_id(twins, heap[i].vertex),
                model ? model : "", path);
    }
    free(heap);
}

/* A layer that reads weights no feature of the job uses is most likely a mistake in the spec;
 * one whose weights some entries read as distances and others as strengths is half wrong
 * (PageRank on road lengths favours long roads). */
static void warn_weight_use(const tg_spec *spec, tg_warnings *warnings)
{
    for (size_t i = 0; i < spec->n_layers; i++) {
        if (spec->layers[i].kind->reads_coordinates) {
            /* A spatial layer always carries its lengths (nobody has to read them), but they are
             * distances: read as strengths, far neighbours would count more. */
            for (size_t f = 0; f < spec->n_features; f++) {
                const tg_feature_spec *fs = &spec->features[f];
                if (fs->layer == (int)i && tg_feature_reads_weights(fs) && fs->n_columns > 0 &&
                    strcmp(fs->def->weights_as, "strengths") == 0)
                    tg_warn(warnings, "column %s reads the edge lengths of spatial layer \"%s\" as strengths, so "
                            "farther neighbours weigh more; drop \"weighted\" unless that is what you mean",
                            fs->columns[0].name, spec->layers[i].name);
            }
            continue;
        }
        if (!spec->layers[i].weight || !spec->layers[i].kind->reads_relationships)
            continue;
        const char *distance_entry = NULL, *strength_entry = NULL;
        for (size_t f = 0; f < spec->n_features; f++) {
            const tg_feature_spec *fs = &spec->features[f];
            if (fs->layer != (int)i || !tg_feature_reads_weights(fs) || fs->n_columns == 0)
                continue;
            if (strcmp(fs->def->weights_as, "distances") == 0)
                distance_entry = distance_entry ? distance_entry : fs->columns[0].name;
            else
                strength_entry = strength_entry ? strength_entry : fs->columns[0].name;
        }
        if (!distance_entry && !strength_entry) {
            char users[512] = "";
            for (size_t d = 0, len = 0; d < tg_feature_count() && len < sizeof users; d++) {
                const tg_feature_def *def = tg_feature_at(d);
                if (def->needs_weights || def->weighted_param)
                    len += (size_t)snprintf(users + len, sizeof users - len, "%s%s", len ? ", " : "", def->name);
            }
            tg_warn(warnings, "layer \"%s\" reads the weight \"%s\", but no feature of this job uses weights (these "
                    "can, most with \"weighted\": true: %s)", spec->layers[i].name, spec->layers[i].weight, users);
        } else if (distance_entry && strength_entry)
            tg_warn(warnings, "layer \"%s\": column %s reads the weight \"%s\" as distances (shorter is closer) and "
                    "column %s as strengths (larger is stronger); one of them is probably not what you mean",
                    spec->layers[i].name, distance_entry, spec->layers[i].weight, strength_entry);
    }
}

/* A connection lost during compute (a proxy, a server restart) is replaced before the write;
 * the run row then names the new backend, so the next run does not call this one abandoned. */
static tg_status reconnect_if_lost(const tg_run_options *options, const tg_spec *spec, int64_t run_id,
                                   PGconn **conn, tg_error *err)
{
    if (*conn && PQstatus(*conn) == CONNECTION_OK)
        return TG_OK;
    fprintf(stderr, "twingraph: the database connection was lost; connecting again\n");
    PQfinish(*conn);
    *conn = NULL;
    char *runs = NULL, run_text[32], sql[512];
    tg_status st = tg_db_connect(options->conninfo, conn, err);
    if (st || (st = tg_db_quote_name(*conn, spec->runs_table, "output.runs", &runs, err)))
        return st;
    snprintf(run_text, sizeof run_text, "%" PRId64, run_id);
    snprintf(sql, sizeof sql, "UPDATE %s SET backend_pid = pg_catalog.pg_backend_pid() WHERE run_id = $1", runs);
    const char *params[] = {run_text};
    st = tg_db_exec(*conn, sql, 1, params, NULL, err);
    free(runs);
    return st;
}

static void print_summary(FILE *out, const tg_spec *spec, int64_t run_id, double seconds,
                          const tg_twins *twins, const tg_tree *tree, const tg_graph_set *graphs,
                          const tg_feature_table *table, int top)
{
    fprintf(out, "run %" PRId64 " succeeded in %.2f s: %" IGRAPH_PRId " twins, %" IGRAPH_PRId
                 " relationships read\n",
            run_id, seconds, twins->n_twins, twins->n_relationships);
    for (size_t i = 0; i < graphs->n_layers; i++)
        fprintf(out, "  layer %-16s %" IGRAPH_PRId " edges\n", spec->layers[i].name,
                igraph_ecount(&graphs->layers[i].graph));
    fprintf(out, "  union graph            %" IGRAPH_PRId " edges (%s, %s)\n",
            igraph_ecount(&graphs->union_graph.graph), spec->directed ? "directed" : "undirected",
            spec->simplify ? "simplified" : "not simplified");
    fprintf(out, "wrote %" IGRAPH_PRId " rows with %zu feature column%s to %s\n", twins->n_twins,
            table->n_columns, table->n_columns == 1 ? "" : "s", spec->output_table);
    static const char *const rankings[] = {"pagerank", "betweenness"};
    for (size_t r = 0; r < 2 && top > 0; r++) {
        int c = tg_feature_table_find(table, rankings[r]);
        if (c >= 0)
            print_top(out, twins, tree, &table->columns[c], top);
    }
}

tg_status tg_run_job(const tg_spec *spec, const tg_run_options *options, tg_error *err)
{
    PGconn *conn = NULL;
    tg_twins twins;
    tg_tree tree = {0};
    tg_warnings warnings = {0};
    tg_db_keepalive *keepalive = NULL;
    tg_graph_set graphs = {0};
    tg_feature_table table = {0};
    json_t *stages = json_object(), *layers = NULL, *details = json_array();
    int64_t run_id = -1;
    double start = tg_time_now(), t;
    tg_twins_init(&twins);

    tg_status st = tg_warnings_init(&warnings) || !stages || !details ? tg_error_set(err, TG_ERR_MEMORY, "out of memory") : TG_OK;
    /* Everything that can be checked is checked before anything is created or recorded. */
    if (st || (st = tg_db_connect(options->conninfo, &conn, err)) || (st = tg_preflight_check(conn, spec, err)) ||
        (st = tg_write_run_start(conn, spec, &run_id, err)))
        goto cleanup;
    fprintf(stderr, "twingraph: run %" PRId64 " started (%d MPI rank%s x %d thread%s); reading %s\n", run_id,
            tg_mpi_size(), tg_mpi_size() == 1 ? "" : "s", tg_blocks_threads_per_rank(),
            tg_blocks_threads_per_rank() == 1 ? "" : "s", spec->devices_source);
    tg_fault_point("run_started");

    t = tg_time_now();
    double max_shrink = options->allow_shrink ? 1.0 : spec->max_shrink;
    /* The shrink guard runs again under the write lock; here it fails early, before compute. */
    if ((st = tg_ingest_read(conn, spec, &twins, &warnings, err)) ||
        (st = tg_tree_build(&tree, &twins, spec->break_cycles, &warnings, err)) ||
        (st = tg_write_check_shrink(conn, spec, twins.n_twins, twins.n_relationships, max_shrink, err)))
        goto cleanup;
    json_object_set_new(stages, "read", json_real(tg_time_now() - t));
    tg_fault_point("read");
    if (twins.n_twins == 0)
        tg_warn(&warnings, "%s has no twins: the feature table will be empty", spec->devices_source);
    warn_weight_use(spec, &warnings);
    fprintf(stderr, "twingraph: read %" IGRAPH_PRId " twins and %" IGRAPH_PRId " relationships in %.2f s\n",
            twins.n_twins, twins.n_relationships, tg_time_now() - t);

    t = tg_time_now();
    /* Build and compute use no database: the keepalive keeps the idle session from timing out. */
    if ((st = tg_interrupt_check("after reading", err)) || (st = tg_db_keepalive_start(conn, &keepalive, err)) ||
        (st = tg_graph_build(spec, &twins, &graphs, &warnings, err)))
        goto cleanup;
    json_object_set_new(stages, "build", json_real(tg_time_now() - t));
    tg_fault_point("built");
    layers = describe_layers(spec, &twins, &tree, &graphs);
    fprintf(stderr, "twingraph: built %zu layer%s and their union (%" IGRAPH_PRId " edges) in %.2f s\n",
            graphs.n_layers, graphs.n_layers == 1 ? "" : "s", igraph_ecount(&graphs.union_graph.graph), tg_time_now() - t);

    t = tg_time_now();
    if ((st = tg_interrupt_check("after building the graphs", err)) ||
        (st = tg_compute_features(spec, &twins, &tree, &graphs, &table, &warnings, details, err)))
        goto cleanup;
    json_object_set_new(stages, "compute", json_real(tg_time_now() - t));
    tg_fault_point("computed");

    tg_db_keepalive_stop(keepalive);
    keepalive = NULL;
    fprintf(stderr, "twingraph: writing %s\n", spec->output_table);
    if ((st = tg_interrupt_check("after computing the features", err)) ||
        (st = reconnect_if_lost(options, spec, run_id, &conn, err)) ||
        (st = tg_write_features(conn, spec, &twins, &table, run_id, layers, stages, warnings.list, details,
                                   max_shrink, err)))
        goto cleanup;
    tg_fault_point("committed");
    if (options->summary)
        print_summary(options->summary, spec, run_id, tg_time_now() - start, &twins, &tree, &graphs, &table,
                      options->top);
cleanup:
    tg_db_keepalive_stop(keepalive);
    if (st && run_id >= 0) {
        tg_error ignored = {0};
        reconnect_if_lost(options, spec, run_id, &conn, &ignored);
        tg_write_run_failed(conn, spec, run_id, err, warnings.list);
    }
    json_decref(stages);
    json_decref(layers);
    json_decref(details);
    tg_feature_table_destroy(&table);
    tg_graph_destroy(&graphs);
    tg_tree_destroy(&tree);
    tg_twins_destroy(&twins);
    tg_warnings_destroy(&warnings);
    PQfinish(conn);
    return st;
}
