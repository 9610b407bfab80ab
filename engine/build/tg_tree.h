/* tg_tree.h - the forest of parent links: cycle checks, a parents-first order, depths and children, computed once per run. */
#ifndef TG_TREE_H
#define TG_TREE_H

#include <stdbool.h>

#include <igraph.h>

#include "tg_error.h"
#include "tg_twins.h"
#include "tg_warnings.h"

typedef struct {
    igraph_integer_t n;
    igraph_integer_t *order;       /* n twins, every parent before its children (roots in vertex order, then by level) */
    igraph_integer_t *depth;       /* n: edges from the root */
    igraph_integer_t *child_start; /* n + 1: the children of v are child[child_start[v] .. child_start[v + 1]) */
    igraph_integer_t *child;       /* the children, grouped by parent, each group in vertex order */
    igraph_integer_t broken_cycles;
} tg_tree;

/* Builds the forest from twins->parent. A cycle of parent links (a twin that is its own
 * parent included) is an error naming the twins on the first few cycles and how many there
 * are, unless break_cycles: then the smallest device_id (byte order) on each cycle becomes a
 * root (twins->parent is changed), with a warning. Iterative throughout, so a hierarchy of any
 * depth is fine. tree is filled here; release it with tg_tree_destroy whatever the result.
 * Time: O(twins). Memory: 5 integers per twin. */
tg_status tg_tree_build(tg_tree *tree, tg_twins *twins, bool break_cycles, tg_warnings *warnings, tg_error *err);

/* Frees the arrays. Accepts a zeroed tree. */
void tg_tree_destroy(tg_tree *tree);

/* For each twin, its ancestor-or-self at depth level into ancestor[v], or -1 where the twin is
 * less deep. O(twins). */
void tg_tree_ancestors_at_depth(const tg_tree *tree, const tg_twins *twins, igraph_integer_t level,
                                igraph_integer_t *ancestor);

/* For each twin, its nearest ancestor-or-self whose model is model into ancestor[v], or -1 where
 * there is none. Returns how many twins have that model (0: a misspelt model, worth a warning).
 * O(twins). */
igraph_integer_t tg_tree_ancestors_of_model(const tg_tree *tree, const tg_twins *twins, const char *model,
                                            igraph_integer_t *ancestor);

#endif
