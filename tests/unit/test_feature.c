/* test_feature.c - unit tests of the feature registry and of each compute function's invariants on small graphs. */
#include <stdlib.h>

#include <jansson.h>

#include "tg_check.h"
#include "tg_betweenness.h"
#include "tg_feature.h"
#include "tg_igraph.h"

/* Every registered feature is complete, its defaults parse, and its column names are unique
 * across the registry. */
static void check_registry(void)
{
    CHECK(tg_feature_count() >= 16);
    for (size_t i = 0; i < tg_feature_count(); i++) {
        const tg_feature_def *def = tg_feature_at(i);
        CHECK(def->name && def->family && def->summary && def->reference && def->complexity && def->compute);
        CHECK(def->n_columns >= 1);
        CHECK(def->n_params <= TG_MAX_PARAMS);
        CHECK(tg_feature_find(def->name) == def);
        CHECK(!def->input_param || tg_feature_param_index(def, def->input_param) >= 0);
        for (size_t c = 0; c < def->n_columns; c++) {
            CHECK(def->columns[c].definition && strlen(def->columns[c].definition) > 20);
            for (size_t j = 0; j <= i; j++)
                for (size_t d = 0; d < tg_feature_at(j)->n_columns; d++)
                    if (!(j == i && d == c))
                        CHECK(strcmp(def->columns[c].base_name, tg_feature_at(j)->columns[d].base_name) != 0);
        }
        for (size_t p = 0; p < def->n_params; p++) {
            tg_param_value value;
            tg_error err = {0};
            CHECK_INT(tg_param_parse(&def->params[p], NULL, def->params[p].name, &value, &err), TG_OK);
            CHECK(value.present == (def->params[p].default_json != NULL));
            tg_param_value_destroy(&value);
        }
    }
    CHECK(tg_feature_find("no-such-feature") == NULL);
    /* Riondato-Kornaropoulos: ceil((floor(log2(VD - 2)) + 1 + ln(1/delta)) / eps^2). */
    CHECK_INT(tg_betweenness_sample_count(0.01, 0.1, 15), 63026);
    CHECK_INT(tg_betweenness_sample_count(0.1, 0.1, 3), 331);
    CHECK_INT(tg_betweenness_sample_count(0.01, 0.1, 2), 0);
    CHECK_INT(tg_feature_param_index(tg_feature_find("pagerank"), "damping"), 0);
    CHECK_INT(tg_feature_param_index(tg_feature_find("pagerank"), "alpha"), -1);
}

/* One computed feature entry: its plan (columns) and values. */
typedef struct {
    tg_feature_spec fs;
    tg_column cols[8];
} result;

static void result_destroy(result *r)
{
    for (size_t c = 0; c < r->fs.n_columns; c++) {
        tg_column_destroy(&r->cols[c]);
        free(r->fs.columns[c].definition);
    }
    free(r->fs.columns);
    for (size_t p = 0; p < TG_MAX_PARAMS; p++)
        tg_param_value_destroy(&r->fs.params[p]);
}

/* Runs feature name on graph g (twins and tree for the hierarchy features; NULL makes an empty
 * forest of vcount roots) with the parameters in params_json. */
static void run_feature(const char *name, const igraph_t *g, bool directed, const char *params_json,
                        const tg_twins *twins, const tg_tree *tree, const tg_column *input, result *r)
{
    memset(r, 0, sizeof *r);
    tg_error err = {0};
    const tg_feature_def *def = tg_feature_find(name);
    json_t *given = json_loads(params_json ? params_json : "{}", 0, NULL);
    r->fs.def = def;
    for (size_t p = 0; p < def->n_params; p++)
        CHECK_INT(tg_param_parse(&def->params[p], json_object_get(given, def->params[p].name), def->params[p].name,
                                 &r->fs.params[p], &err),
                  TG_OK);
    json_decref(given);
    CHECK_INT(def->plan ? def->plan(&r->fs, directed, name, &err) : tg_feature_plan_listed(&r->fs, directed, name, &err),
              TG_OK);
    igraph_integer_t n = igraph_vcount(g);
    tg_twins roots;
    tg_tree forest;
    if (!twins) {
        tg_twins_init(&roots);
        for (igraph_integer_t v = 0; v < n; v++) {
            char id[32];
            snprintf(id, sizeof id, "t%06" IGRAPH_PRId, v);
            tg_twins_add(&roots, id, NULL, NULL, NAN, NAN, NULL, &err);
        }
        tg_twins_finish_devices(&roots, false, "", NULL, &err);
        tg_tree_build(&forest, &roots, false, NULL, &err);
        twins = &roots;
        tree = &forest;
    }
    tg_column *out[8];
    for (size_t c = 0; c < r->fs.n_columns; c++) {
        CHECK_INT(tg_column_init(&r->cols[c], r->fs.columns[c].name, r->fs.columns[c].type, n, &err), TG_OK);
        out[c] = &r->cols[c];
    }
    igraph_t undirected;
    igraph_copy(&undirected, g);
    igraph_to_undirected(&undirected, IGRAPH_TO_UNDIRECTED_COLLAPSE, NULL);
    igraph_simplify(&undirected, true, true, NULL);
    tg_spatial *spatial = NULL;
    if (def->reads_coordinates)
        CHECK_INT(tg_spatial_create(twins, &spatial, &err), TG_OK);
    tg_feature_input in = {.twins = twins, .tree = tree, .graph = g, .undirected = &undirected,
                           .directed = directed, .params = r->fs.params, .seed = 42, .input = input,
                           .spatial = spatial};
    CHECK_INT(def->compute(&in, out, &err), TG_OK);
    tg_spatial_free(spatial);
    igraph_destroy(&undirected);
    if (twins == &roots) {
        tg_tree_destroy(&forest);
        tg_twins_destroy(&roots);
    }
}

static double num(const result *r, size_t c, igraph_integer_t v)
{
    return tg_column_number(&r->cols[c], v);
}

/* The hierarchy family on a small forest: r has children a, b; a has child c; lone is a root. */
static void check_hierarchy(void)
{
    tg_twins t;
    tg_tree tree;
    tg_error err = {0};
    tg_twins_init(&t);
    const char *rows[][3] = {{"a", "r", "district"}, {"b", "r", "district"}, {"c", "a", "camera"},
                             {"lone", NULL, "camera"}, {"r", NULL, "city"}};
    for (size_t i = 0; i < 5; i++)
        tg_twins_add(&t, rows[i][0], rows[i][1], rows[i][2], NAN, NAN, NULL, &err);
    CHECK_INT(tg_twins_finish_devices(&t, false, "", NULL, &err), TG_OK);
    CHECK_INT(tg_tree_build(&tree, &t, false, NULL, &err), TG_OK);
    igraph_t g;
    igraph_empty(&g, 5, IGRAPH_UNDIRECTED);
    result r;
    /* vertices: a 0, b 1, c 2, lone 3, r 4 */
    run_feature("hier_depth", &g, false, NULL, &t, &tree, NULL, &r);
    CHECK_NEAR(num(&r, 0, 2), 2, 0);
    CHECK_NEAR(num(&r, 0, 4), 0, 0);
    result_destroy(&r);
    run_feature("hier_subtree_size", &g, false, NULL, &t, &tree, NULL, &r);
    CHECK_NEAR(num(&r, 0, 4), 4, 0);
    CHECK_NEAR(num(&r, 0, 0), 2, 0);
    CHECK_NEAR(num(&r, 0, 3), 1, 0);
    result_destroy(&r);
    run_feature("hier_leaves", &g, false, NULL, &t, &tree, NULL, &r);
    CHECK_NEAR(num(&r, 0, 4), 2, 0); /* b and c */
    result_destroy(&r);
    run_feature("hier_siblings", &g, false, NULL, &t, &tree, NULL, &r);
    CHECK_NEAR(num(&r, 0, 0), 1, 0);
    CHECK(r.cols[0].is_null[4] && r.cols[0].is_null[3]);
    result_destroy(&r);
    run_feature("hier_leaf", &g, false, NULL, &t, &tree, NULL, &r);
    CHECK_INT(r.cols[0].type, TG_COLUMN_BOOLEAN);
    CHECK(num(&r, 0, 2) == 1 && num(&r, 0, 0) == 0);
    result_destroy(&r);
    run_feature("hier_root_id", &g, false, NULL, &t, &tree, NULL, &r);
    CHECK_STR(tg_column_text(&r.cols[0], 2), "r");
    CHECK_STR(tg_column_text(&r.cols[0], 3), "lone");
    result_destroy(&r);
    run_feature("hier_ancestor", &g, false, "{\"levels\": {\"district\": 1, \"leaf\": 2}}", &t, &tree, NULL, &r);
    CHECK_INT(r.fs.n_columns, 2);
    CHECK_STR(r.fs.columns[0].name, "anc_district_id");
    CHECK_STR(tg_column_text(&r.cols[0], 2), "a");
    CHECK(tg_column_text(&r.cols[0], 4) == NULL);
    CHECK_STR(tg_column_text(&r.cols[1], 2), "c");
    result_destroy(&r);
    run_feature("hier_ancestor", &g, false, "{\"models\": [\"dtmi:x:City;1\", \"camera\"]}", &t, &tree, NULL, &r);
    CHECK_STR(r.fs.columns[0].name, "anc_dtmi_x_city_1_id");
    CHECK(tg_column_text(&r.cols[0], 2) == NULL);
    CHECK_STR(tg_column_text(&r.cols[1], 2), "c");
    CHECK_STR(tg_column_text(&r.cols[1], 3), "lone");
    CHECK(tg_column_text(&r.cols[1], 0) == NULL);
    result_destroy(&r);

    /* Roll-up of a column with a NULL: c's value is skipped. */
    tg_column input;
    tg_column_init(&input, "x", TG_COLUMN_DOUBLE, 5, &err);
    const double x[] = {1, 2, 0, 8, 4};
    for (int v = 0; v < 5; v++)
        tg_column_set_number(&input, v, x[v]);
    tg_column_set_null(&input, 2);
    static const char *const aggs[] = {"mean", "sum", "min", "max", "count"};
    const double want_r[] = {7.0 / 3, 7, 1, 4, 3}, want_a[] = {1, 1, 1, 1, 1};
    for (int a = 0; a < 5; a++) {
        char params[128];
        snprintf(params, sizeof params, "{\"feature\": \"x\", \"agg\": \"%s\", \"level\": 0}", aggs[a]);
        run_feature("hier_rollup", &g, false, params, &t, &tree, &input, &r);
        CHECK_NEAR(num(&r, 0, 2), want_r[a], 1e-15); /* c is under r */
        CHECK_NEAR(num(&r, 0, 3), a == 4 ? 1 : 8, 0); /* lone is a tree of its own */
        result_destroy(&r);
        snprintf(params, sizeof params, "{\"feature\": \"x\", \"agg\": \"%s\", \"level\": 1}", aggs[a]);
        run_feature("hier_rollup", &g, false, params, &t, &tree, &input, &r);
        CHECK_NEAR(num(&r, 0, 2), want_a[a], 1e-15); /* a's subtree: a=1, c NULL */
        CHECK(r.cols[0].is_null[4]);                  /* r is less deep than level 1 */
        result_destroy(&r);
    }
    tg_column_destroy(&input);
    igraph_destroy(&g);
    tg_tree_destroy(&tree);
    tg_twins_destroy(&t);
}

int main(void)
{
    tg_igraph_install_handlers();
    check_registry();
    check_hierarchy();
    result r;

    /* A star with 4 leaves plus an isolated vertex: values known in closed form. */
    igraph_t star;
    igraph_small(&star, 6, IGRAPH_UNDIRECTED, 0, 1, 0, 2, 0, 3, 0, 4, -1);
    run_feature("degree", &star, false, NULL, NULL, NULL, NULL, &r);
    CHECK_INT(r.fs.n_columns, 1);
    CHECK_INT(r.cols[0].type, TG_COLUMN_BIGINT);
    CHECK_NEAR(num(&r, 0, 0), 4, 0);
    CHECK_NEAR(num(&r, 0, 5), 0, 0);
    result_destroy(&r);

    run_feature("betweenness", &star, false, NULL, NULL, NULL, NULL, &r);
    CHECK_NEAR(num(&r, 0, 0), 6, 1e-12); /* C(4,2) leaf pairs, each through the hub once */
    CHECK_NEAR(num(&r, 0, 1), 0, 1e-12);
    result_destroy(&r);

    run_feature("harmonic", &star, false, NULL, NULL, NULL, NULL, &r);
    CHECK_NEAR(num(&r, 0, 0), 4, 1e-12);
    CHECK_NEAR(num(&r, 0, 1), 1 + 3 * 0.5, 1e-12);
    result_destroy(&r);

    run_feature("pagerank", &star, false, NULL, NULL, NULL, NULL, &r);
    CHECK_NEAR(igraph_vector_sum(&r.cols[0].real), 1, 1e-12);
    CHECK(num(&r, 0, 0) > num(&r, 0, 1));
    CHECK_NEAR(num(&r, 0, 1), num(&r, 0, 4), 1e-12); /* leaves are symmetric */
    CHECK(num(&r, 0, 5) < num(&r, 0, 1));            /* the isolated twin only gets teleports */
    result_destroy(&r);

    run_feature("coreness", &star, false, NULL, NULL, NULL, NULL, &r);
    CHECK_NEAR(num(&r, 0, 0), 1, 0);
    CHECK_NEAR(num(&r, 0, 5), 0, 0);
    result_destroy(&r);

    run_feature("component", &star, false, NULL, NULL, NULL, NULL, &r);
    CHECK_NEAR(num(&r, 0, 4), 0, 0);
    CHECK_NEAR(num(&r, 0, 5), 1, 0);
    CHECK_NEAR(num(&r, 1, 0), 5, 0);
    CHECK_NEAR(num(&r, 1, 5), 1, 0);
    result_destroy(&r);
    igraph_destroy(&star);

    /* A triangle with a pendant: clustering 1 on the two pure triangle vertices, 1/3 on the
     * vertex with the pendant, 0 on the pendant. */
    igraph_t tri;
    igraph_small(&tri, 4, IGRAPH_UNDIRECTED, 0, 1, 1, 2, 2, 0, 2, 3, -1);
    run_feature("clustering", &tri, false, NULL, NULL, NULL, NULL, &r);
    CHECK_NEAR(num(&r, 0, 0), 1, 1e-12);
    CHECK_NEAR(num(&r, 0, 2), 1.0 / 3, 1e-12);
    CHECK_NEAR(num(&r, 0, 3), 0, 0);
    result_destroy(&r);
    run_feature("coreness", &tri, false, NULL, NULL, NULL, NULL, &r);
    CHECK_NEAR(num(&r, 0, 0), 2, 0);
    CHECK_NEAR(num(&r, 0, 3), 1, 0);
    result_destroy(&r);
    igraph_destroy(&tri);

    /* Directed: a mutual pair counts as one neighbour but one in- and one out-edge. */
    igraph_t dir;
    igraph_small(&dir, 3, IGRAPH_DIRECTED, 0, 1, 1, 0, 1, 2, -1);
    run_feature("degree", &dir, true, NULL, NULL, NULL, NULL, &r);
    CHECK_INT(r.fs.n_columns, 3);
    CHECK_NEAR(num(&r, 0, 1), 2, 0);
    CHECK_NEAR(num(&r, 1, 1), 1, 0);
    CHECK_NEAR(num(&r, 2, 1), 2, 0);
    CHECK_NEAR(num(&r, 0, 0), 1, 0);
    result_destroy(&r);
    run_feature("harmonic", &dir, true, NULL, NULL, NULL, NULL, &r);
    CHECK_NEAR(num(&r, 0, 2), 1 + 0.5, 1e-12); /* reached from 1 (d=1) and 0 (d=2) */
    CHECK_NEAR(num(&r, 0, 0), 1, 1e-12);       /* reached only from 1 */
    result_destroy(&r);
    run_feature("harmonic", &dir, true, "{\"direction\": \"out\"}", NULL, NULL, NULL, &r);
    CHECK_NEAR(num(&r, 0, 0), 1 + 0.5, 1e-12); /* reaches 1 (d=1) and 2 (d=2) */
    CHECK_NEAR(num(&r, 0, 2), 0, 0);
    result_destroy(&r);
    run_feature("harmonic", &dir, true, "{\"cutoff\": 1}", NULL, NULL, NULL, &r);
    CHECK_NEAR(num(&r, 0, 2), 1, 1e-12); /* the twin 2 hops away no longer counts */
    result_destroy(&r);
    igraph_destroy(&dir);

    /* The empty graph: every feature without parameters it must be given copes with zero twins. */
    igraph_t none;
    igraph_empty(&none, 0, IGRAPH_UNDIRECTED);
    for (size_t i = 0; i < tg_feature_count(); i++) {
        const tg_feature_def *def = tg_feature_at(i);
        bool required_param = false;
        for (size_t p = 0; p < def->n_params; p++)
            required_param |= def->params[p].default_json == NULL;
        if (def->plan || required_param)
            continue;
        run_feature(def->name, &none, false, NULL, NULL, NULL, NULL, &r);
        for (size_t k = 0; k < r.fs.n_columns; k++)
            CHECK_INT(r.cols[k].length, 0);
        result_destroy(&r);
    }
    igraph_destroy(&none);
    return tg_check_report("test_feature");
}
