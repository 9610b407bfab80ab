/* tg_feature.h - the feature registry: every feature family's entries, looked up by name, and the feature dictionary. */
#ifndef TG_FEATURE_H
#define TG_FEATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "tg_feature_types.h"

/* Borrowed pointer to the registry entry called name, or NULL. */
const tg_feature_def *tg_feature_find(const char *name);

/* Number of registered features; tg_feature_at(i) returns the i-th (borrowed). */
size_t tg_feature_count(void);
const tg_feature_def *tg_feature_at(size_t i);

/* Index of the parameter called name in def->params, or -1. */
int tg_feature_param_index(const tg_feature_def *def, const char *name);


/* Prints the feature dictionary (names, columns, parameters, definitions, cost) to out. */
void tg_feature_print_dictionary(FILE *out);

/* The same as Markdown (docs/features.md): a section per family, a table of columns and of
 * parameters per feature. */
void tg_feature_print_markdown(FILE *out);

#endif
