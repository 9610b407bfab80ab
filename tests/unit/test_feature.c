/* test_feature.c - unit tests of the feature registry and of each compute function's invariants on small graphs. */
#include <stdlib.h>

#include "tg_check.h"
#include "tg_feature.h"
#include "tg_igraph.h"

/* Every registered feature is complete and its column names are unique across the registry. */
static void check_registry(void)
{
    CHECK(tg_feature_count() >= 7);
    for (size_t i = 0; i < tg_feature_count(); i++) {
        const tg_feature_def *def = tg_feature_at(i);
        CHECK(def->name && def->family && def->summary && def->reference && def->compute);
        CHECK(def->n_columns >= 1 && def->n_columns <= TG_MAX_COLUMNS_PER_FEATURE);
        CHECK(def->n_params <= TG_MAX_PARAMS);
        CHECK(tg_feature_find(def->name) == def);
        for (size_t c = 0; c < def->n_columns; c++) {
            CHECK(def->columns[c].definition && strlen(def->columns[c].definition) > 20);
            for (size_t j = 0; j <= i; j++)
                for (size_t d = 0; d < tg_feature_at(j)->n_columns; d++)
                    if (!(j == i && d == c))
                        CHECK(strcmp(def->columns[c].base_name, tg_feature_at(j)->columns[d].base_name) != 0);
        }
        for (size_t p = 0; p < def->n_params; p++)
            CHECK(def->params[p].default_value >= def->params[p].min_value &&
                  def->params[p].default_value <= def->params[p].max_value);
    }
    CHECK(tg_feature_find("no-such-feature") == NULL);
    const tg_feature_def *degree = tg_feature_find("degree");
    CHECK_INT(tg_feature_column_count(degree, false), 1);
    CHECK_INT(tg_feature_column_count(degree, true), 3);
    CHECK_STR(tg_feature_column_at(degree, true, 2)->base_name, "out_degree");
    CHECK_INT(tg_feature_param_index(tg_feature_find("pagerank"), "damping"), 0);
    CHECK_INT(tg_feature_param_index(tg_feature_find("pagerank"), "alpha"), -1);
}

/* Runs feature name on graph g and returns its first column (caller destroys). */
static void compute_with(const char *name, const igraph_t *g, bool directed, igraph_vector_t *cols, size_t n,
                         const char *param, double value)
{
    const tg_feature_def *def = tg_feature_find(name);
    double params[TG_MAX_PARAMS];
    for (size_t p = 0; p < def->n_params; p++)
        params[p] = def->params[p].default_value;
    if (param)
        params[tg_feature_param_index(def, param)] = value;
    igraph_t undirected;
    igraph_copy(&undirected, g);
    igraph_to_undirected(&undirected, IGRAPH_TO_UNDIRECTED_COLLAPSE, NULL);
    igraph_simplify(&undirected, true, true, NULL);
    igraph_vector_t *out[TG_MAX_COLUMNS_PER_FEATURE];
    for (size_t c = 0; c < n; c++) {
        igraph_vector_init(&cols[c], igraph_vcount(g));
        out[c] = &cols[c];
    }
    tg_feature_input in = {g, &undirected, directed, params};
    tg_error err = {0};
    CHECK_INT(def->compute(&in, out, &err), TG_OK);
    igraph_destroy(&undirected);
}

static void compute(const char *name, const igraph_t *g, bool directed, igraph_vector_t *cols, size_t n)
{
    compute_with(name, g, directed, cols, n, NULL, 0);
}

int main(void)
{
    tg_igraph_install_handlers();
    check_registry();

    /* A star with 4 leaves plus an isolated vertex: values known in closed form. */
    igraph_t star;
    igraph_small(&star, 6, IGRAPH_UNDIRECTED, 0, 1, 0, 2, 0, 3, 0, 4, -1);
    igraph_vector_t c[3];

    compute("degree", &star, false, c, 1);
    CHECK_NEAR(VECTOR(c[0])[0], 4, 0);
    CHECK_NEAR(VECTOR(c[0])[5], 0, 0);
    igraph_vector_destroy(&c[0]);

    compute("betweenness", &star, false, c, 1);
    CHECK_NEAR(VECTOR(c[0])[0], 6, 1e-12); /* C(4,2) leaf pairs, each through the hub once */
    CHECK_NEAR(VECTOR(c[0])[1], 0, 1e-12);
    igraph_vector_destroy(&c[0]);

    compute("harmonic", &star, false, c, 1);
    CHECK_NEAR(VECTOR(c[0])[0], 4, 1e-12);
    CHECK_NEAR(VECTOR(c[0])[1], 1 + 3 * 0.5, 1e-12);
    igraph_vector_destroy(&c[0]);

    compute("pagerank", &star, false, c, 1);
    CHECK_NEAR(igraph_vector_sum(&c[0]), 1, 1e-12);
    CHECK(VECTOR(c[0])[0] > VECTOR(c[0])[1]);
    CHECK_NEAR(VECTOR(c[0])[1], VECTOR(c[0])[4], 1e-12); /* leaves are symmetric */
    CHECK(VECTOR(c[0])[5] < VECTOR(c[0])[1]);             /* the isolated twin only gets teleports */
    igraph_vector_destroy(&c[0]);

    compute("coreness", &star, false, c, 1);
    CHECK_NEAR(VECTOR(c[0])[0], 1, 0);
    CHECK_NEAR(VECTOR(c[0])[5], 0, 0);
    igraph_vector_destroy(&c[0]);

    compute("component", &star, false, c, 2);
    CHECK_NEAR(VECTOR(c[0])[4], 0, 0);
    CHECK_NEAR(VECTOR(c[0])[5], 1, 0);
    CHECK_NEAR(VECTOR(c[1])[0], 5, 0);
    CHECK_NEAR(VECTOR(c[1])[5], 1, 0);
    igraph_vector_destroy(&c[0]);
    igraph_vector_destroy(&c[1]);
    igraph_destroy(&star);

    /* A triangle with a pendant: clustering 1 on the two pure triangle vertices, 1/3 on the
     * vertex with the pendant, 0 on the pendant. */
    igraph_t tri;
    igraph_small(&tri, 4, IGRAPH_UNDIRECTED, 0, 1, 1, 2, 2, 0, 2, 3, -1);
    compute("clustering", &tri, false, c, 1);
    CHECK_NEAR(VECTOR(c[0])[0], 1, 1e-12);
    CHECK_NEAR(VECTOR(c[0])[2], 1.0 / 3, 1e-12);
    CHECK_NEAR(VECTOR(c[0])[3], 0, 0);
    igraph_vector_destroy(&c[0]);
    compute("coreness", &tri, false, c, 1);
    CHECK_NEAR(VECTOR(c[0])[0], 2, 0);
    CHECK_NEAR(VECTOR(c[0])[3], 1, 0);
    igraph_vector_destroy(&c[0]);
    igraph_destroy(&tri);

    /* Directed: a mutual pair counts as one neighbour but one in- and one out-edge. */
    igraph_t dir;
    igraph_small(&dir, 3, IGRAPH_DIRECTED, 0, 1, 1, 0, 1, 2, -1);
    compute("degree", &dir, true, c, 3);
    CHECK_NEAR(VECTOR(c[0])[1], 2, 0);
    CHECK_NEAR(VECTOR(c[1])[1], 1, 0);
    CHECK_NEAR(VECTOR(c[2])[1], 2, 0);
    CHECK_NEAR(VECTOR(c[0])[0], 1, 0);
    for (int i = 0; i < 3; i++)
        igraph_vector_destroy(&c[i]);
    compute("harmonic", &dir, true, c, 1);
    CHECK_NEAR(VECTOR(c[0])[2], 1 + 0.5, 1e-12); /* reached from 1 (d=1) and 0 (d=2) */
    CHECK_NEAR(VECTOR(c[0])[0], 1, 1e-12);       /* reached only from 1 */
    igraph_vector_destroy(&c[0]);
    compute_with("harmonic", &dir, true, c, 1, "direction", 1); /* out */
    CHECK_NEAR(VECTOR(c[0])[0], 1 + 0.5, 1e-12);                   /* reaches 1 (d=1) and 2 (d=2) */
    CHECK_NEAR(VECTOR(c[0])[2], 0, 0);
    igraph_vector_destroy(&c[0]);
    compute_with("harmonic", &dir, true, c, 1, "cutoff", 1);
    CHECK_NEAR(VECTOR(c[0])[2], 1, 1e-12); /* the twin 2 hops away no longer counts */
    igraph_vector_destroy(&c[0]);
    igraph_destroy(&dir);

    /* The empty graph: every feature copes with zero twins. */
    igraph_t none;
    igraph_empty(&none, 0, IGRAPH_UNDIRECTED);
    for (size_t i = 0; i < tg_feature_count(); i++) {
        const tg_feature_def *def = tg_feature_at(i);
        compute(def->name, &none, false, c, tg_feature_column_count(def, false));
        for (size_t k = 0; k < tg_feature_column_count(def, false); k++) {
            CHECK_INT(igraph_vector_size(&c[k]), 0);
            igraph_vector_destroy(&c[k]);
        }
    }
    igraph_destroy(&none);
    return tg_check_report("test_feature");
}
