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
    for (size_t i = 0; i < 5; i++)
        tg_twins_add(t, ids[i][0], ids[i][1], NULL, NAN, NAN, &err);
    CHECK_INT(tg_twins_finish_devices(t, false, &err), TG_OK);
    /* b-d twice (both directions), a self-loop, and an edge that repeats the hierarchy a->b. */
    const char *rels[][3] = {{"b", "d", "feeds"}, {"d", "b", "feeds"}, {"b", "d", "connectedTo"},
                             {"c", "c", "monitors"}, {"a", "b", "monitors"}};
    for (size_t i = 0; i < 5; i++)
        tg_twins_add_relationship(t, rels[i][0], rels[i][1], rels[i][2], &err);
}

static tg_status build(const char *json, tg_spec *spec, const tg_twins *t, tg_graph_set *g)
{
    tg_error err = {0};
    tg_status st = tg_spec_load_string(spec, json, &err);
    CHECK_INT(st, TG_OK);
    if (st)
        return st;
    st = tg_graph_build(spec, t, g, &err);
    CHECK_INT(st, TG_OK);
    return st;
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

    /* Destroying a zeroed set is safe. */
    tg_graph_set empty = {0};
    tg_graph_destroy(&empty);
    tg_twins_destroy(&t);
    return tg_check_report("test_graph");
}
