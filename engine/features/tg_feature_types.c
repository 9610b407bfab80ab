/* tg_feature_types.c - building a job entry's column plan. */
#include "tg_feature_types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

tg_status tg_feature_plan_column(tg_feature_spec *fs, const char *base_name, tg_column_type type,
                                 const char *definition, tg_error *err)
{
    tg_column_plan *grown = realloc(fs->columns, (fs->n_columns + 1) * sizeof *grown);
    if (!grown)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    fs->columns = grown;
    tg_column_plan *col = &fs->columns[fs->n_columns];
    memset(col, 0, sizeof *col);
    if (strlen(base_name) >= sizeof col->name)
        return tg_error_set(err, TG_ERR_INPUT, "column name \"%s\" is too long", base_name);
    snprintf(col->name, sizeof col->name, "%s", base_name);
    col->type = type;
    if (!(col->definition = strdup(definition)))
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    fs->n_columns++;
    return TG_OK;
}
