/* tg_twinstate.h - the twin-state feature family: values read from each twin's own document (desired and reported properties, tags). */
#ifndef TG_TWINSTATE_H
#define TG_TWINSTATE_H

#include "tg_feature_types.h"

/* The family's registry entries. */
extern const tg_feature_def tg_twinstate_features[];
extern const size_t tg_twinstate_feature_count;

#endif
