/* tg_betweenness.h - shortest-path betweenness: exact (Brandes, on threads and MPI ranks), or estimated within a guaranteed error by path sampling. */
#ifndef TG_BETWEENNESS_H
#define TG_BETWEENNESS_H

#include <stdbool.h>
#include <stdint.h>

#include "tg_blocks.h"
#include "tg_feature_types.h"

/* Exact betweenness of every twin of in->graph (Brandes' accumulation, tg_brandes; Dijkstra when
 * in->weights is set) into out->real, the sources cut into fixed blocks whose sums are added in
 * block order: the same on any number of threads or MPI ranks. Undirected pairs count once. normalized divides by the
 * number of pairs of other twins, (n-1)(n-2)/2 undirected or (n-1)(n-2) directed, as networkx's
 * normalized=True does (0 when n <= 2). O(twins * edges). On error fills err. */
tg_status tg_betweenness_exact(const tg_feature_input *in, bool normalized, tg_column *out, tg_error *err);

/* Normalised betweenness (as above) estimated by Riondato-Kornaropoulos sampling: with
 * probability at least 1 - delta, every twin's estimate is within epsilon of the exact value.
 * Unweighted; in->weights is ignored. Sample i draws its pair and its path from a random stream
 * seeded by (in->seed, i) alone and adds whole counts, so any split of the samples over threads
 * or processes gives the same result. Adds "epsilon", "delta", "samples" and
 * "vertex_diameter_bound" to in->details.
 * Time: O(twins + edges) for the bound, then per sample a balanced bidirectional BFS, which on
 * sparse graphs touches far fewer than all edges. Memory: O(twins + edges). On error fills err. */
tg_status tg_betweenness_estimate(const tg_feature_input *in, double epsilon, double delta, tg_column *out,
                                  tg_error *err);

/* The number of samples Riondato-Kornaropoulos needs for additive error epsilon (on the n(n-1)
 * normalisation) with probability 1 - delta when no shortest path has more than
 * vertex_diameter vertices: ceil((1/epsilon^2) (floor(log2(vertex_diameter - 2)) + 1 +
 * ln(1/delta))), 0 when vertex_diameter < 3 (no path has an inner twin). */
int64_t tg_betweenness_sample_count(double epsilon, double delta, int64_t vertex_diameter);

/* The estimator's samples as a block loop (items are sample numbers; args.seed). */
extern const tg_kernel tg_kernel_path_samples;

#endif
