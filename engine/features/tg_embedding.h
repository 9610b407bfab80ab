/* tg_embedding.h - the embedding feature family: a vector per twin that places twins of similar neighbourhoods close together (FastRP). */
#ifndef TG_EMBEDDING_H
#define TG_EMBEDDING_H

#include "tg_feature_types.h"

/* The family's registry entries. */
extern const tg_feature_def tg_embedding_features[];
extern const size_t tg_embedding_feature_count;

#endif
