/* tg_distance_sums.h - per-twin sums over shortest-path distances (harmonic, closeness) and k-hop ball sizes, on threads and MPI ranks. */
#ifndef TG_DISTANCE_SUMS_H
#define TG_DISTANCE_SUMS_H

#include <igraph.h>

#include "tg_blocks.h"
#include "tg_error.h"

/* Items are twins. For twin v, the search from v along in-edges (args.integer[0] = 1) or
 * out-edges (0), with the graph's weights as distances when it has them, up to args.real[0]
 * (negative: no limit; a twin farther away is not reached). Three values per twin: the sum of
 * 1/d, the number of other twins reached, the sum of their distances. */
extern const tg_kernel tg_kernel_distances;

/* Items are twins: the number of other twins at most args.integer[0] hops from v, along in-edges
 * (args.integer[1] = 1) or out-edges (0). One value per twin. */
extern const tg_kernel tg_kernel_khop;

/* How a search follows directed edges: towards the twin, away from it, or both ways. */
typedef enum { TG_TOWARDS, TG_AWAY, TG_BOTH_WAYS } tg_search_direction;

/* Harmonic centrality (sum of 1/d from the other twins, 0 when none) into harmonic, and closeness
 * (reached twins over the sum of their distances; NaN when none) into closeness; either may be
 * NULL. weights (distances, positive) may be NULL. cutoff < 0: no limit. */
tg_status tg_distance_sums(const igraph_t *graph, const igraph_vector_t *weights, tg_search_direction direction,
                           double cutoff, igraph_vector_t *harmonic, igraph_vector_t *closeness, tg_error *err);

/* The number of other twins at most k hops away, into sizes (one per twin). */
tg_status tg_khop_sizes(const igraph_t *graph, tg_search_direction direction, int k, igraph_vector_int_t *sizes,
                        tg_error *err);

#endif
