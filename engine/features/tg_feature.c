/* tg_feature.c - the feature registry over all families, and the feature dictionary printed by `twingraph features`. */
#include "tg_feature.h"

#include <string.h>

#include "tg_centrality.h"
#include "tg_community.h"
#include "tg_geo.h"
#include "tg_hierarchy.h"
#include "tg_influence.h"
#include "tg_neighbourhood.h"
#include "tg_twinstate.h"

/* The families, in dictionary order; each lists its own entries. */
static const struct {
    const tg_feature_def *defs;
    const size_t *count;
} families[] = {
    {tg_centrality_features, &tg_centrality_feature_count},
    {tg_neighbourhood_features, &tg_neighbourhood_feature_count},
    {tg_community_features, &tg_community_feature_count},
    {tg_hierarchy_features, &tg_hierarchy_feature_count},
    {tg_twinstate_features, &tg_twinstate_feature_count},
    {tg_geo_features, &tg_geo_feature_count},
    {tg_influence_features, &tg_influence_feature_count},
};
#define N_FAMILIES (sizeof families / sizeof families[0])

size_t tg_feature_count(void)
{
    size_t n = 0;
    for (size_t f = 0; f < N_FAMILIES; f++)
        n += *families[f].count;
    return n;
}

const tg_feature_def *tg_feature_at(size_t i)
{
    for (size_t f = 0; f < N_FAMILIES; f++) {
        if (i < *families[f].count)
            return &families[f].defs[i];
        i -= *families[f].count;
    }
    return NULL;
}

const tg_feature_def *tg_feature_find(const char *name)
{
    for (size_t i = 0, n = tg_feature_count(); i < n; i++)
        if (strcmp(tg_feature_at(i)->name, name) == 0)
            return tg_feature_at(i);
    return NULL;
}

int tg_feature_param_index(const tg_feature_def *def, const char *name)
{
    for (size_t i = 0; i < def->n_params; i++)
        if (strcmp(def->params[i].name, name) == 0)
            return (int)i;
    return -1;
}

void tg_feature_print_dictionary(FILE *out)
{
    fprintf(out, "twingraph features: one column per entry; an entry with \"layer\": L writes <column>_L.\n"
                 "Every column can hold NULL; a value that is undefined (NaN) is written as NULL.\n");
    for (size_t i = 0, n = tg_feature_count(); i < n; i++) {
        const tg_feature_def *def = tg_feature_at(i);
        fprintf(out, "\n%s (%s)\n  %s\n  checked against: %s\n  cost: %s\n", def->name, def->family, def->summary,
                def->reference, def->complexity);
        for (size_t p = 0; p < def->n_params; p++) {
            const tg_param_def *param = &def->params[p];
            char range[160];
            tg_param_describe_range(param, range, sizeof range);
            fprintf(out, "  parameter %s (%s%s%s%s): %s\n", param->name,
                    param->default_json ? "default " : param->required ? "required" : "optional",
                    param->default_json ? param->default_json : "", range[0] ? "; " : "", range, param->doc);
        }
        for (size_t c = 0; c < def->n_columns; c++)
            fprintf(out, "  column %s %s%s: %s\n", def->columns[c].base_name, tg_column_sql_type(def->columns[c].type),
                    def->columns[c].directed_only ? " (directed jobs only)" : "", def->columns[c].definition);
    }
}
