/* test_graph.c - unit tests of layer building: hierarchy and relationship edges, kinds, simplification, undirected views. */
#include <math.h>

#include "tg_check.h"
#include "tg_graph.h"
#include "tg_igraph.h"

static void load(tg_twins *t)
{
    tg_error err = {0};
    const char *ids[][2] = {{"a", NULL}, {"b", "a"}, {"c", "a"}, {"d", "c"}, {"lonely", NULL}};
    tg_twins_init(t);
    t->n_rel_values = 1; /* the weight "properties.w" of the weighted jobs below */
    for (size_t i = 0; i < 5; i++)
        tg_twins_add(t, ids[i][0], ids[i][1], NULL, NAN, NAN, NULL, &err);
    CHECK_INT(tg_twins_finish_devices(t, false, "", NULL, &err), TG_OK);
    /* b-d twice (both directions), a self-loop, and an edge that repeats the hierarchy a->b. */
    const char *rels[][3] = {{"b", "d", "feeds"}, {"d", "b", "feeds"}, {"b", "d", "connectedTo"},
                             {"c", "c", "monitors"}, {"a", "b", "monitors"}};
    const double weights[] = {3, 5, 4, 7, NAN};
    for (size_t i = 0; i < 5; i++)
        tg_twins_add_relationship(t, rels[i][0], rels[i][1], rels[i][2], &weights[i], &err);
}

static tg_status build_expecting(const char *json, tg_spec *spec, const tg_twins *t, tg_graph_set *g, tg_status want,
                                 tg_error *err)
{
    tg_status st = tg_spec_load_string(spec, json, err);
    CHECK_INT(st, TG_OK);
    if (st)
        return st;
    st = tg_graph_build(spec, t, g, NULL, err);
    CHECK_INT(st, want);
    return st;
}

static tg_status build(const char *json, tg_spec *spec, const tg_twins *t, tg_graph_set *g)
{
    tg_error err = {0};
    return build_expecting(json, spec, t, g, TG_OK, &err);
}

/* The weight of edge from-to in a weighted layer, or -1. */
static double weight_of(const tg_layer_graph *layer, igraph_integer_t from, igraph_integer_t to)
{
    igraph_integer_t eid;
    igraph_get_eid(&layer->graph, &eid, from, to, IGRAPH_DIRECTED, false);
    return eid >= 0 ? VECTOR(layer->weights)[eid] : -1;
}

/* Weighted layers: parallel edges merge by the rule, a missing weight fails or takes the default. */
static void check_weights(const tg_twins *t)
{
    tg_spec spec;
    tg_graph_set g;
    tg_error err = {0};
    static const char *const rules[] = {"min", "max", "sum"};
    static const double b_d[] = {3, 5, 12}; /* feeds b->d 3, d->b 5, connectedTo b->d 4, undirected */
    for (int r = 0; r < 3; r++) {
        char json[512];
        snprintf(json, sizeof json,
                 "{\"graph\": {\"layers\": [{\"relationships\": {\"kinds\": [\"feeds\", \"connectedTo\", "
                 "\"monitors\"], \"weight\": \"properties.w\", \"merge\": \"%s\", \"default_weight\": 1}}]},"
                 " \"features\": [\"degree\"]}",
                 rules[r]);
        build(json, &spec, t, &g);
        CHECK(g.layers[0].has_weights);
        CHECK_INT(igraph_ecount(&g.layers[0].graph), 2); /* {b,d} and {a,b}; the loop c-c dropped */
        CHECK_INT(igraph_vector_size(&g.layers[0].weights), 2);
        CHECK_NEAR(weight_of(&g.layers[0], 1, 3), b_d[r], 0);
        CHECK_NEAR(weight_of(&g.layers[0], 0, 1), 1, 0); /* a->b has no weight: the default */
        CHECK(!g.union_graph.has_weights);
        tg_graph_destroy(&g);
        tg_spec_destroy(&spec);
    }
    /* Directed: b->d and d->b stay apart. */
    build("{\"graph\": {\"directed\": true, \"layers\": [{\"relationships\": {\"kinds\": [\"feeds\", \"connectedTo\"],"
          " \"weight\": \"properties.w\", \"merge\": \"sum\"}}]}, \"features\": [\"degree\"]}",
          &spec, t, &g);
    CHECK_NEAR(weight_of(&g.layers[0], 1, 3), 7, 0);
    CHECK_NEAR(weight_of(&g.layers[0], 3, 1), 5, 0);
    tg_graph_destroy(&g);
    tg_spec_destroy(&spec);
    /* Without a default, the relationship without a weight is named. */
    build_expecting("{\"graph\": {\"layers\": [{\"relationships\": {\"weight\": \"properties.w\"}}]}, \"features\": [\"degree\"]}",
                    &spec, t, &g, TG_ERR_INPUT, &err);
    CHECK_CONTAINS(err.message, "\"a\" -> \"b\" (monitors) has no weight \"properties.w\"");
    tg_graph_destroy(&g);
    tg_spec_destroy(&spec);
}

static igraph_bool_t has_edge(const igraph_t *g, igraph_integer_t from, igraph_integer_t to)
{
    igraph_integer_t eid;
    igraph_get_eid(g, &eid, from, to, IGRAPH_DIRECTED, false);
    return eid >= 0;
}

int main(void)
{
    tg_igraph_install_handlers();
    tg_twins t;
    tg_spec spec;
    tg_graph_set g;
    load(&t);

    /* Undirected, simplified: hierarchy 3 edges; relationships 5 rows -> {b,d}, {a,b} after
     * dropping the loop and merging; union {a,b},{a,c},{c,d},{b,d}. */
    build("{\"features\": [\"degree\"]}", &spec, &t, &g);
    CHECK_INT(igraph_vcount(&g.union_graph.graph), 5);
    CHECK_INT(igraph_ecount(&g.layers[0].graph), 3);
    CHECK_INT(igraph_ecount(&g.layers[1].graph), 2);
    CHECK_INT(g.layers[1].input_edges, 5);
    CHECK_INT(igraph_ecount(&g.union_graph.graph), 4);
    CHECK_INT(g.union_graph.input_edges, 8);
    CHECK(!igraph_is_directed(&g.union_graph.graph));
    CHECK(tg_graph_undirected(&g.union_graph) == &g.union_graph.graph);
    tg_graph_destroy(&g);
    tg_spec_destroy(&spec);

    /* Kinds filter: only feeds rows (b->d, d->b). */
    build("{\"graph\": {\"directed\": true, \"layers\": [{\"relationships\": {\"kinds\": [\"feeds\"]}}]},"
          " \"features\": [\"degree\"]}",
          &spec, &t, &g);
    CHECK_INT(igraph_ecount(&g.layers[0].graph), 2);
    CHECK(has_edge(&g.layers[0].graph, 1, 3));
    CHECK(has_edge(&g.layers[0].graph, 3, 1));
    /* The undirected view merges the mutual pair into one edge. */
    CHECK_INT(igraph_ecount(tg_graph_undirected(&g.layers[0])), 1);
    tg_graph_destroy(&g);
    tg_spec_destroy(&spec);

    /* Directed hierarchy points parent -> child. */
    build("{\"graph\": {\"directed\": true, \"layers\": [\"hierarchy\"]}, \"features\": [\"degree\"]}", &spec, &t, &g);
    CHECK(has_edge(&g.layers[0].graph, 0, 1));
    CHECK(!has_edge(&g.layers[0].graph, 1, 0));
    CHECK(has_edge(&g.layers[0].graph, 2, 3));
    tg_graph_destroy(&g);
    tg_spec_destroy(&spec);

    /* Not simplified: the loop and parallel edges stay; the undirected view is still simple. */
    build("{\"graph\": {\"simplify\": false}, \"features\": [\"degree\"]}", &spec, &t, &g);
    CHECK_INT(igraph_ecount(&g.union_graph.graph), 8);
    CHECK_INT(igraph_ecount(tg_graph_undirected(&g.union_graph)), 4);
    tg_graph_destroy(&g);
    tg_spec_destroy(&spec);

    check_weights(&t);

    /* Destroying a zeroed set is safe. */
    tg_graph_set empty = {0};
    tg_graph_destroy(&empty);
    tg_twins_destroy(&t);
    return tg_check_report("test_graph");
}
