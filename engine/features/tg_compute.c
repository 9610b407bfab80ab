/* tg_compute.c - dispatching feature entries to their registry functions and describing each column. */
#include "tg_compute.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_igraph.h"
#include "tg_interrupt.h"
#include "tg_time.h"

/* "<definition>. Feature <name> on the undirected simplified graph (<layers>); parameters: a=1." */
static char *describe_column(const tg_spec *spec, const tg_feature_spec *fs, const tg_column_plan *col)
{
    char layer[256], params[512] = "";
    if (fs->layer >= 0) {
        size_t len = (size_t)snprintf(layer, sizeof layer, "layer %s", spec->layers[fs->layer].name);
        if (tg_feature_reads_weights(fs) && len < sizeof layer)
            snprintf(layer + len, sizeof layer - len, ", weights %s read as %s", spec->layers[fs->layer].weight,
                     fs->def->weights_as);
    } else {
        size_t len = (size_t)snprintf(layer, sizeof layer, "union of layers");
        for (size_t i = 0; i < spec->n_layers && len < sizeof layer; i++)
            len += (size_t)snprintf(layer + len, sizeof layer - len, "%s%s", i ? ", " : " ",
                                    spec->layers[i].name);
    }
    for (size_t p = 0, len = 0; p < fs->def->n_params && len < sizeof params; p++) {
        char value[256];
        if (!fs->params[p].present)
            continue;
        tg_param_format(&fs->def->params[p], &fs->params[p], value, sizeof value);
        tg_text_trim_partial_utf8(value);
        len += (size_t)snprintf(params + len, sizeof params - len, "%s%s=%s", len ? ", " : "; parameters: ",
                                fs->def->params[p].name, value);
    }
    /* The buffers above cut long texts at a byte: never in the middle of a character, which
     * PostgreSQL would refuse in the comment. */
    tg_text_trim_partial_utf8(layer);
    tg_text_trim_partial_utf8(params);
    size_t size = strlen(col->definition) + strlen(layer) + strlen(params) + 160;
    char *text = malloc(size);
    if (!text)
        return NULL;
    if (fs->def->reads == TG_READS_GRAPH)
        snprintf(text, size, "%s. Feature %s on the %s %s graph (%s)%s; seed %llu.", col->definition,
                 fs->def->name, spec->directed ? "directed" : "undirected",
                 spec->simplify ? "simplified" : "unsimplified", layer, params, (unsigned long long)spec->seed);
    else
        snprintf(text, size, "%s. Feature %s, from %s of %s%s.", col->definition, fs->def->name,
                 tg_feature_reads_text(fs->def), fs->def->reads == TG_READS_RELATIONSHIPS ? spec->relationships_source
                                                                                           : spec->devices_source,
                 params);
    return text;
}

/* Runs one entry, whose columns start at table->columns[first]. */
static tg_status compute_entry(const tg_spec *spec, size_t f, const tg_twins *twins, const tg_tree *tree,
                               const tg_graph_set *graphs, tg_feature_table *table, const size_t *first_column,
                               double as_of, tg_warnings *warnings, json_t *details, tg_error *err)
{
    const tg_feature_spec *fs = &spec->features[f];
    const tg_layer_graph *layer = fs->layer >= 0 ? &graphs->layers[fs->layer] : &graphs->union_graph;
    tg_status st = tg_interrupt_check("between features", err);
    if (st)
        return st;
    /* Reseeded per entry, so adding or moving an entry changes no other entry's values. */
    igraph_error_t rc = igraph_rng_seed(igraph_rng_default(), (igraph_uint_t)spec->seed);
    if (rc != IGRAPH_SUCCESS)
        return tg_igraph_error(err, rc, "seed the random number generator");
    tg_column **out = malloc((fs->n_columns > 0 ? fs->n_columns : 1) * sizeof *out);
    json_t *entry_details = json_object();
    if (!out || !entry_details) {
        free(out);
        json_decref(entry_details);
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    }
    for (size_t c = 0; c < fs->n_columns; c++)
        out[c] = &table->columns[first_column[f] + c];
    tg_feature_input in = {
        .twins = twins,
        .tree = tree,
        .graph = &layer->graph,
        .undirected = tg_graph_undirected(layer),
        .weights = layer->has_weights && tg_feature_reads_weights(fs) ? &layer->weights : NULL,
        .directed = spec->directed,
        .params = fs->params,
        .seed = spec->seed,
        .input = fs->input_entry >= 0 ? &table->columns[first_column[fs->input_entry] + (size_t)fs->input_column]
                                      : NULL,
        .doc_value = fs->doc_value,
        .warnings = warnings,
        .details = entry_details,
        .column = fs->n_columns ? fs->columns[0].name : fs->def->name,
        .spatial = fs->def->reads_coordinates ? graphs->spatial : NULL,
        .doc_values = fs->doc_values,
        .as_of = as_of,
        .rel_values = fs->rel_value >= 0 && twins->rel_value ? twins->rel_value[fs->rel_value] : NULL,
        .ranking = &table->ranking,
        .n_ranking = &table->n_ranking,
    };
    double start = tg_time_now();
    if (fs->def->reads == TG_READS_GRAPH)
        fprintf(stderr, "twingraph: computing %s on %s (%" IGRAPH_PRId " twins, %" IGRAPH_PRId " edges)\n",
                fs->def->name, fs->layer >= 0 ? spec->layers[fs->layer].name : "the union graph", twins->n_twins,
                igraph_ecount(&layer->graph));
    else
        fprintf(stderr, "twingraph: computing %s from %s (%" IGRAPH_PRId " twins)\n", fs->def->name,
                tg_feature_reads_text(fs->def), twins->n_twins);
    tg_igraph_capture_warnings(warnings, in.column);
    st = fs->def->compute(&in, out, err);
    tg_igraph_capture_warnings(NULL, NULL);
    free(out);
    if (!st && json_object_size(entry_details) > 0) {
        /* {"entry": 2, "feature": "betweenness", "column": "betweenness", ...what it reported} */
        json_t *record = json_pack("{s:I, s:s, s:s}", "entry", (json_int_t)f, "feature", fs->def->name, "column",
                                   fs->n_columns ? fs->columns[0].name : "");
        if (!record || json_object_update(record, entry_details) || json_array_append_new(details, record))
            st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    }
    json_decref(entry_details);
    if (st) {
        tg_error_prefix(err, "features[%zu] (%s)", f, fs->def->name);
        return st;
    }
    fprintf(stderr, "twingraph: computed %s in %.2f s\n", fs->def->name, tg_time_now() - start);
    return TG_OK;
}

tg_status tg_compute_features(const tg_spec *spec, const tg_twins *twins, const tg_tree *tree,
                              const tg_graph_set *graphs, tg_feature_table *table, tg_warnings *warnings,
                              json_t *details, tg_error *err)
{
    memset(table, 0, sizeof *table);
    /* One reference time for every entry of the run. */
    double as_of = tg_time_wall();
    size_t n = tg_spec_column_count(spec);
    size_t *first_column = malloc((spec->n_features + 1) * sizeof *first_column);
    table->columns = calloc(n ? n : 1, sizeof *table->columns);
    tg_status st = TG_OK;
    if (!table->columns || !first_column) {
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    for (size_t f = 0; f < spec->n_features; f++) {
        const tg_feature_spec *fs = &spec->features[f];
        first_column[f] = table->n_columns;
        for (size_t c = 0; c < fs->n_columns; c++) {
            tg_column *col = &table->columns[table->n_columns];
            if ((st = tg_column_init(col, fs->columns[c].name, fs->columns[c].type, twins->n_twins, err)))
                goto cleanup;
            table->n_columns++;
            if (!(col->comment = describe_column(spec, fs, &fs->columns[c]))) {
                st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
                goto cleanup;
            }
        }
    }
    /* Two passes: entries that read another entry's column run once every other entry has. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t f = 0; f < spec->n_features; f++) {
            if ((spec->features[f].def->input_param != NULL) != (pass == 1))
                continue;
            if ((st = compute_entry(spec, f, twins, tree, graphs, table, first_column, as_of, warnings, details, err)))
                goto cleanup;
        }
cleanup:
    free(first_column);
    return st;
}
