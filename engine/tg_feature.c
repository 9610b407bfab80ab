/* tg_feature.c - the feature registry and the feature dictionary printed by `twingraph features`. */
#include "tg_feature.h"

#include <string.h>

#include "tg_centrality.h"
#include "tg_community.h"
#include "tg_neighbourhood.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const tg_column_def degree_columns[] = {
    {"degree", TG_COLUMN_BIGINT, false,
     "number of distinct neighbours (either direction), self-loops and parallel edges not counted"},
    {"in_degree", TG_COLUMN_BIGINT, true, "number of edges pointing to the twin"},
    {"out_degree", TG_COLUMN_BIGINT, true, "number of edges leaving the twin"},
};

static const tg_param_def pagerank_params[] = {
    {"damping", TG_PARAM_NUMBER, 0.85, 0.0, 0.999999, NULL, "probability of following an edge rather than jumping"},
};
static const tg_column_def pagerank_columns[] = {
    {"pagerank", TG_COLUMN_DOUBLE, false,
     "PageRank, unweighted, uniform teleport, dangling twins jump uniformly; values sum to 1"},
};

static const tg_column_def betweenness_columns[] = {
    {"betweenness", TG_COLUMN_DOUBLE, false,
     "exact shortest-path betweenness, unnormalised: sum over pairs (s,t) of the share of shortest "
     "s-t paths through the twin; undirected pairs counted once"},
};

static const char *const harmonic_directions[] = {"in", "out", "all", NULL};
static const tg_param_def harmonic_params[] = {
    {"direction", TG_PARAM_CHOICE, 0, 0, 0, harmonic_directions,
     "directed jobs: \"in\" counts paths from the other twins to this one, \"out\" paths from this "
     "one, \"all\" ignores directions"},
    {"cutoff", TG_PARAM_NUMBER, -1, -1, 1e9, NULL,
     "count only twins at most this many hops away (-1: no limit)"},
};
static const tg_column_def harmonic_columns[] = {
    {"harmonic", TG_COLUMN_DOUBLE, false,
     "harmonic centrality, unnormalised: sum over other twins u of 1/d(u, twin), 0 for unreachable"},
};

static const tg_column_def coreness_columns[] = {
    {"coreness", TG_COLUMN_BIGINT, false,
     "k-core number: largest k such that the twin is in a subgraph of minimum degree k "
     "(in + out degree on directed jobs)"},
};

static const tg_column_def clustering_columns[] = {
    {"clustering", TG_COLUMN_DOUBLE, false,
     "local clustering coefficient on the undirected view: triangles through the twin divided by "
     "deg*(deg-1)/2; 0 where degree < 2"},
};

static const tg_column_def component_columns[] = {
    {"component_id", TG_COLUMN_BIGINT, false,
     "connected component (weakly connected on directed jobs), numbered from 0 in order of each "
     "component's smallest device_id; equal if and only if connected"},
    {"component_size", TG_COLUMN_BIGINT, false, "number of twins in the twin's component"},
};

static const tg_feature_def registry[] = {
    {"degree", "centrality", "number of neighbours (directed jobs add in_degree and out_degree)",
     "networkx degree on the simplified graph", NULL, 0, degree_columns, COUNT(degree_columns),
     tg_centrality_degree},
    {"pagerank", "centrality", "PageRank with damping 0.85 (parameter \"damping\")",
     "networkx.pagerank", pagerank_params, COUNT(pagerank_params), pagerank_columns,
     COUNT(pagerank_columns), tg_centrality_pagerank},
    {"betweenness", "centrality", "exact shortest-path betweenness as unnormalised pair counts",
     "networkx.betweenness_centrality(normalized=False)", NULL, 0, betweenness_columns,
     COUNT(betweenness_columns), tg_centrality_betweenness},
    {"harmonic", "centrality", "harmonic centrality, unnormalised (parameters \"direction\", \"cutoff\")",
     "networkx.harmonic_centrality", harmonic_params, COUNT(harmonic_params), harmonic_columns,
     COUNT(harmonic_columns), tg_centrality_harmonic},
    {"coreness", "centrality", "k-core number", "networkx.core_number", NULL, 0, coreness_columns,
     COUNT(coreness_columns), tg_centrality_coreness},
    {"clustering", "neighbourhood", "local clustering coefficient", "networkx.clustering",
     NULL, 0, clustering_columns, COUNT(clustering_columns), tg_neighbourhood_clustering},
    {"component", "community", "connected component id and size",
     "networkx.connected_components / weakly_connected_components", NULL, 0, component_columns,
     COUNT(component_columns), tg_community_component},
};

const tg_feature_def *tg_feature_find(const char *name)
{
    for (size_t i = 0; i < COUNT(registry); i++)
        if (strcmp(registry[i].name, name) == 0)
            return &registry[i];
    return NULL;
}

size_t tg_feature_count(void)
{
    return COUNT(registry);
}

const tg_feature_def *tg_feature_at(size_t i)
{
    return i < COUNT(registry) ? &registry[i] : NULL;
}

int tg_feature_param_index(const tg_feature_def *def, const char *name)
{
    for (size_t i = 0; i < def->n_params; i++)
        if (strcmp(def->params[i].name, name) == 0)
            return (int)i;
    return -1;
}

size_t tg_feature_column_count(const tg_feature_def *def, bool directed)
{
    size_t n = 0;
    for (size_t i = 0; i < def->n_columns; i++)
        n += directed || !def->columns[i].directed_only;
    return n;
}

const tg_column_def *tg_feature_column_at(const tg_feature_def *def, bool directed, size_t i)
{
    for (size_t c = 0; c < def->n_columns; c++) {
        if (!directed && def->columns[c].directed_only)
            continue;
        if (i-- == 0)
            return &def->columns[c];
    }
    return NULL;
}

void tg_feature_param_format(const tg_param_def *p, double value, char *buf, size_t size)
{
    if (p->type == TG_PARAM_CHOICE)
        snprintf(buf, size, "%s", p->choices[(int)value]);
    else if (p->type == TG_PARAM_BOOLEAN)
        snprintf(buf, size, "%s", value != 0 ? "true" : "false");
    else
        snprintf(buf, size, "%.15g", value); /* 0.85, not 0.84999999999999998 */
}

void tg_feature_print_dictionary(FILE *out)
{
    fprintf(out, "twingraph features: one column per entry; an entry with \"layer\": L writes <column>_L.\n");
    for (size_t i = 0; i < COUNT(registry); i++) {
        const tg_feature_def *def = &registry[i];
        fprintf(out, "\n%s (%s)\n  %s\n  checked against: %s\n", def->name, def->family, def->summary,
                def->reference);
        for (size_t p = 0; p < def->n_params; p++) {
            const tg_param_def *param = &def->params[p];
            char value[64], range[160] = "";
            tg_feature_param_format(param, param->default_value, value, sizeof value);
            if (param->type == TG_PARAM_CHOICE)
                for (size_t c = 0, len = 0; param->choices[c] && len < sizeof range; c++)
                    len += (size_t)snprintf(range + len, sizeof range - len, "%s%s", c ? " | " : "", param->choices[c]);
            else if (param->type != TG_PARAM_BOOLEAN)
                snprintf(range, sizeof range, "%g..%g", param->min_value, param->max_value);
            fprintf(out, "  parameter %s (default %s%s%s): %s\n", param->name, value, range[0] ? "; " : "", range,
                    param->doc);
        }
        for (size_t c = 0; c < def->n_columns; c++)
            fprintf(out, "  column %s %s%s: %s\n", def->columns[c].base_name,
                    def->columns[c].type == TG_COLUMN_BIGINT ? "bigint" : "double precision",
                    def->columns[c].directed_only ? " (directed jobs only)" : "",
                    def->columns[c].definition);
    }
}
