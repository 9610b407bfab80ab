/* tg_compute.c - dispatching feature entries to their registry functions and describing each column. */
#include "tg_compute.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_igraph.h"
#include "tg_interrupt.h"
#include "tg_time.h"

/* "<definition>. Feature <name> on the undirected simplified graph (<layers>); parameters: a=1." */
static char *describe_column(const tg_spec *spec, const tg_feature_spec *fs, const tg_column_def *col)
{
    char layer[256], params[256] = "";
    if (fs->layer >= 0)
        snprintf(layer, sizeof layer, "layer %s", spec->layers[fs->layer].name);
    else {
        size_t len = (size_t)snprintf(layer, sizeof layer, "union of layers");
        for (size_t i = 0; i < spec->n_layers && len < sizeof layer; i++)
            len += (size_t)snprintf(layer + len, sizeof layer - len, "%s%s", i ? ", " : " ",
                                    spec->layers[i].name);
    }
    for (size_t p = 0, len = 0; p < fs->def->n_params && len < sizeof params; p++) {
        char value[64];
        tg_feature_param_format(&fs->def->params[p], fs->params[p], value, sizeof value);
        len += (size_t)snprintf(params + len, sizeof params - len, "%s%s=%s", p ? ", " : "; parameters: ",
                                fs->def->params[p].name, value);
    }
    size_t size = strlen(col->definition) + strlen(layer) + strlen(params) + 128;
    char *text = malloc(size);
    if (text)
        snprintf(text, size, "%s. Feature %s on the %s %s graph (%s)%s.", col->definition,
                 fs->def->name, spec->directed ? "directed" : "undirected",
                 spec->simplify ? "simplified" : "unsimplified", layer, params);
    return text;
}

tg_status tg_compute_features(const tg_spec *spec, const tg_graph_set *graphs, tg_feature_table *table,
                              tg_error *err)
{
    memset(table, 0, sizeof *table);
    size_t n = tg_spec_column_count(spec);
    table->columns = calloc(n ? n : 1, sizeof *table->columns);
    if (!table->columns)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");

    for (size_t f = 0; f < spec->n_features; f++) {
        const tg_feature_spec *fs = &spec->features[f];
        const tg_layer_graph *layer = fs->layer >= 0 ? &graphs->layers[fs->layer] : &graphs->union_graph;
        igraph_integer_t vcount = igraph_vcount(&layer->graph);
        igraph_vector_t *out[TG_MAX_COLUMNS_PER_FEATURE];
        for (size_t c = 0; c < fs->n_columns; c++) {
            tg_column *col = &table->columns[table->n_columns];
            const tg_column_def *def = tg_feature_column_at(fs->def, spec->directed, c);
            igraph_error_t rc = igraph_vector_init(&col->values, vcount);
            if (rc != IGRAPH_SUCCESS)
                return tg_igraph_error(err, rc, "allocate a feature column");
            table->n_columns++;
            snprintf(col->name, sizeof col->name, "%s", fs->columns[c]);
            col->type = def->type;
            if (!(col->comment = describe_column(spec, fs, def)))
                return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
            out[c] = &col->values;
        }
        tg_status st = tg_interrupt_check("between features", err);
        if (st)
            return st;
        tg_feature_input in = {&layer->graph, tg_graph_undirected(layer), spec->directed, fs->params};
        double start = tg_time_now();
        fprintf(stderr, "twingraph: computing %s on %s (%" IGRAPH_PRId " twins, %" IGRAPH_PRId " edges)\n",
                fs->def->name, fs->layer >= 0 ? spec->layers[fs->layer].name : "the union graph", vcount,
                igraph_ecount(&layer->graph));
        st = fs->def->compute(&in, out, err);
        if (st) {
            tg_error_prefix(err, "features[%zu] (%s)", f, fs->def->name);
            return st;
        }
        fprintf(stderr, "twingraph: computed %s in %.2f s\n", fs->def->name, tg_time_now() - start);
    }
    return TG_OK;
}

int tg_feature_table_find(const tg_feature_table *table, const char *name)
{
    for (size_t i = 0; i < table->n_columns; i++)
        if (strcmp(table->columns[i].name, name) == 0)
            return (int)i;
    return -1;
}

void tg_feature_table_destroy(tg_feature_table *table)
{
    if (!table)
        return;
    for (size_t i = 0; i < table->n_columns; i++) {
        igraph_vector_destroy(&table->columns[i].values);
        free(table->columns[i].comment);
    }
    free(table->columns);
    memset(table, 0, sizeof *table);
}
