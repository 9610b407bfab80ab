/* tg_export_graphml.c - a layer of the job as GraphML, twins' features as node attributes, through igraph's writer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tg_export.h"
#include "tg_igraph.h"

/* igraph writes GraphML from its attribute tables, which only exist while an attribute handler
 * is installed: installed for the copy written here, and removed after, so the engine's other
 * graphs never carry attributes. */
tg_status tg_export_graphml(FILE *out, const tg_twins *twins, const tg_export_rows *rows, const tg_layer_graph *layer,
                            tg_error *err)
{
    igraph_attribute_table_t *previous = igraph_set_attribute_table(&igraph_cattribute_table);
    igraph_t copy;
    igraph_vector_t numbers;
    igraph_vector_int_t edges;
    igraph_integer_t n = twins->n_twins;
    tg_status st = TG_OK;
    /* A new graph, not igraph_copy: the layer was made without attribute tables to copy. */
    igraph_error_t rc = igraph_vector_int_init(&edges, 0);
    if (!rc && !(rc = igraph_get_edgelist(&layer->graph, &edges, false)))
        rc = igraph_create(&copy, &edges, n, igraph_is_directed(&layer->graph));
    if (edges.stor_begin)
        igraph_vector_int_destroy(&edges);
    if (rc) {
        igraph_set_attribute_table(previous);
        return tg_igraph_error(err, rc, "copy the layer");
    }
    if ((rc = igraph_vector_init(&numbers, n))) {
        st = tg_igraph_error(err, rc, "export");
        goto cleanup_graph;
    }
    for (igraph_integer_t v = 0; v < n && !rc; v++) {
        const char *model = tg_twins_model(twins, v);
        const char *parent = twins->parent[v] >= 0 ? tg_twins_id(twins, twins->parent[v]) : "";
        if (!(rc = igraph_cattribute_VAS_set(&copy, "device_id", v, tg_twins_id(twins, v))) &&
            !(rc = igraph_cattribute_VAS_set(&copy, "model", v, model ? model : "")))
            rc = igraph_cattribute_VAS_set(&copy, "parent_id", v, parent);
    }
    for (int pass = 0; pass < 2 && !rc; pass++) {
        for (igraph_integer_t v = 0; v < n; v++)
            VECTOR(numbers)[v] = pass == 0 ? twins->lat[v] : twins->lon[v];
        rc = igraph_cattribute_VAN_setv(&copy, pass == 0 ? "lat" : "lon", &numbers);
    }
    /* Features: numbers and booleans as GraphML doubles and booleans (a missing value is NaN, as
     * GraphML has no null), text and arrays as strings. */
    char buf[128], *clean = NULL;
    for (int c = 1; c < rows->n_columns && !rc; c++) {
        const char *name = tg_export_column_name(rows, c, buf, sizeof buf);
        tg_export_kind kind = tg_export_column_kind(rows, c);
        for (igraph_integer_t v = 0; v < n && !rc; v++) {
            igraph_integer_t r = rows->row_of_twin[v];
            bool null = r < 0 || PQgetisnull(rows->res, (int)r, c);
            const char *text = null ? "" : PQgetvalue(rows->res, (int)r, c);
            if (kind == TG_EXPORT_NUMBER || kind == TG_EXPORT_INTEGER)
                VECTOR(numbers)[v] = null ? NAN : strtod(text, NULL);
            else if (kind == TG_EXPORT_BOOLEAN)
                rc = igraph_cattribute_VAB_set(&copy, name, v, !null && text[0] == 't');
            else {
                /* XML 1.0 has no control characters but tab and newlines: they become '?'. */
                char *fixed = realloc(clean, strlen(text) + 1);
                if (!fixed) {
                    rc = IGRAPH_ENOMEM;
                    break;
                }
                clean = fixed;
                size_t k = 0;
                for (const unsigned char *t = (const unsigned char *)text; *t; t++)
                    clean[k++] = *t < 0x20 && *t != '\t' && *t != '\n' && *t != '\r' ? '?' : (char)*t;
                clean[k] = '\0';
                rc = igraph_cattribute_VAS_set(&copy, name, v, clean);
            }
        }
        if (!rc && (kind == TG_EXPORT_NUMBER || kind == TG_EXPORT_INTEGER))
            rc = igraph_cattribute_VAN_setv(&copy, name, &numbers);
    }
    free(clean);
    if (!rc && layer->has_weights)
        rc = igraph_cattribute_EAN_setv(&copy, "weight", &layer->weights);
    if (!rc)
        rc = igraph_write_graph_graphml(&copy, out, /* prefixattr */ false);
    if (rc)
        st = tg_igraph_error(err, rc, "write GraphML");
    igraph_vector_destroy(&numbers);
cleanup_graph:
    igraph_destroy(&copy);
    igraph_set_attribute_table(previous);
    return st;
}
