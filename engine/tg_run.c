/* tg_run.c - the job pipeline (read -> build -> compute -> write), stage timings and the result summary. */
#include "tg_run.h"

#include <inttypes.h>
#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "tg_compute.h"
#include "tg_db.h"
#include "tg_graph.h"
#include "tg_ingest.h"
#include "tg_interrupt.h"
#include "tg_time.h"
#include "tg_twins.h"
#include "tg_write.h"

static json_t *layer_counts(const tg_layer_graph *layer)
{
    return json_pack("{sIsIsI}", "vertices", (json_int_t)igraph_vcount(&layer->graph), "edges",
                     (json_int_t)igraph_ecount(&layer->graph), "input_edges", (json_int_t)layer->input_edges);
}

static json_t *describe_layers(const tg_spec *spec, const tg_twins *twins, const tg_graph_set *graphs)
{
    json_t *layers = json_object();
    for (size_t i = 0; i < graphs->n_layers; i++)
        json_object_set_new(layers, spec->layers[i].name, layer_counts(&graphs->layers[i]));
    json_object_set_new(layers, "union", layer_counts(&graphs->union_graph));
    json_object_set_new(layers, "input",
                        json_pack("{sIsIsIsI}", "twins", (json_int_t)twins->n_twins, "relationships",
                                  (json_int_t)twins->n_relationships, "dropped_parents",
                                  (json_int_t)twins->dangling_parents.count, "dropped_relationships",
                                  (json_int_t)twins->dangling_relationships.count));
    return layers;
}

/* "root > ... > parent" for twin v; a cycle guard stops at 16 levels. */
static void hierarchy_path(const tg_twins *twins, igraph_integer_t v, char *buf, size_t size)
{
    igraph_integer_t chain[16];
    int depth = 0;
    for (igraph_integer_t p = twins->parent[v]; p >= 0 && depth < 16; p = twins->parent[p])
        chain[depth++] = p;
    size_t len = 0;
    buf[0] = '\0';
    for (int i = depth - 1; i >= 0 && len < size; i--)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i == depth - 1 ? "" : " > ",
                                tg_twins_id(twins, chain[i]));
    if (depth == 0)
        snprintf(buf, size, "(root)");
}

static void print_top(FILE *out, const tg_twins *twins, const tg_column *col, int top)
{
    igraph_integer_t n = igraph_vector_size(&col->values);
    fprintf(out, "\ntop %d twins by %s\n  %-4s %-14s %-36s %-18s %s\n", top, col->name, "rank", col->name,
            "twin", "model", "place in hierarchy");
    igraph_integer_t last = -1;
    for (int rank = 1; rank <= top && rank <= n; rank++) {
        /* Selection by (value desc, vertex asc): ties print in device_id order. */
        igraph_integer_t best = -1;
        for (igraph_integer_t v = 0; v < n; v++) {
            double x = VECTOR(col->values)[v];
            if (last >= 0) {
                double y = VECTOR(col->values)[last];
                if (x > y || (x == y && v <= last))
                    continue;
            }
            if (best < 0 || x > VECTOR(col->values)[best])
                best = v;
        }
        if (best < 0)
            break;
        char path[512];
        hierarchy_path(twins, best, path, sizeof path);
        const char *model = tg_twins_model(twins, best);
        fprintf(out, "  %-4d %-14.6g %-36s %-18s %s\n", rank, VECTOR(col->values)[best],
                tg_twins_id(twins, best), model ? model : "", path);
        last = best;
    }
}

static void print_summary(FILE *out, const tg_spec *spec, int64_t run_id, double seconds,
                          const tg_twins *twins, const tg_graph_set *graphs,
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
    fprintf(out, "wrote %" IGRAPH_PRId " rows with %zu feature columns to %s\n", twins->n_twins,
            table->n_columns, spec->output_table);
    static const char *const rankings[] = {"pagerank", "betweenness"};
    for (size_t r = 0; r < 2 && top > 0; r++) {
        int c = tg_feature_table_find(table, rankings[r]);
        if (c >= 0)
            print_top(out, twins, &table->columns[c], top);
    }
}

tg_status tg_run_job(const tg_spec *spec, const tg_run_options *options, tg_error *err)
{
    PGconn *conn = NULL;
    tg_twins twins;
    tg_graph_set graphs = {0};
    tg_feature_table table = {0};
    json_t *stages = json_object(), *layers = NULL;
    int64_t run_id = -1;
    double start = tg_time_now(), t;
    tg_twins_init(&twins);

    tg_status st = tg_db_connect(options->conninfo, &conn, err);
    if (st || (st = tg_write_run_start(conn, spec, &run_id, err)))
        goto cleanup;
    fprintf(stderr, "twingraph: run %" PRId64 " started; reading %s\n", run_id, spec->devices_source);

    t = tg_time_now();
    if ((st = tg_ingest_read(conn, spec, &twins, err)))
        goto cleanup;
    json_object_set_new(stages, "read", json_real(tg_time_now() - t));
    fprintf(stderr, "twingraph: read %" IGRAPH_PRId " twins and %" IGRAPH_PRId " relationships in %.2f s\n",
            twins.n_twins, twins.n_relationships, tg_time_now() - t);

    t = tg_time_now();
    if ((st = tg_interrupt_check("after reading", err)) || (st = tg_graph_build(spec, &twins, &graphs, err)))
        goto cleanup;
    json_object_set_new(stages, "build", json_real(tg_time_now() - t));
    layers = describe_layers(spec, &twins, &graphs);
    fprintf(stderr, "twingraph: built %zu layers and their union (%" IGRAPH_PRId " edges) in %.2f s\n",
            graphs.n_layers, igraph_ecount(&graphs.union_graph.graph), tg_time_now() - t);

    t = tg_time_now();
    if ((st = tg_interrupt_check("after building the graphs", err)) ||
        (st = tg_compute_features(spec, &graphs, &table, err)))
        goto cleanup;
    json_object_set_new(stages, "compute", json_real(tg_time_now() - t));

    fprintf(stderr, "twingraph: writing %s\n", spec->output_table);
    if ((st = tg_interrupt_check("after computing the features", err)) ||
        (st = tg_write_features(conn, spec, &twins, &table, run_id, layers, stages, err)))
        goto cleanup;
    if (options->summary)
        print_summary(options->summary, spec, run_id, tg_time_now() - start, &twins, &graphs, &table,
                      options->top);
cleanup:
    if (st && run_id >= 0)
        tg_write_run_failed(conn, spec, run_id, err);
    json_decref(stages);
    json_decref(layers);
    tg_feature_table_destroy(&table);
    tg_graph_destroy(&graphs);
    tg_twins_destroy(&twins);
    PQfinish(conn);
    return st;
}
