/* tg_community.h - features of the groups twins fall into: connected components (Leiden/Louvain communities slot in here). */
#ifndef TG_COMMUNITY_H
#define TG_COMMUNITY_H

#include "tg_feature_types.h"

/* The family's registry entries. */
extern const tg_feature_def tg_community_features[];
extern const size_t tg_community_feature_count;

#endif
