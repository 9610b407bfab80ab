/* tg_tree.c - cycle detection and breaking in parent links, and the parents-first order of the forest. */
#include "tg_tree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CYCLE_EXAMPLES 5
#define CYCLE_MEMBERS_SHOWN 6

/* Children in CSR form, then a breadth-first order from the roots. Returns the number of twins
 * reached, which is n exactly when no cycle exists. */
static igraph_integer_t order_from_roots(tg_tree *tree, const igraph_integer_t *parent)
{
    igraph_integer_t n = tree->n;
    memset(tree->child_start, 0, (size_t)(n + 1) * sizeof *tree->child_start);
    for (igraph_integer_t v = 0; v < n; v++)
        if (parent[v] >= 0)
            tree->child_start[parent[v] + 1]++;
    for (igraph_integer_t v = 0; v < n; v++)
        tree->child_start[v + 1] += tree->child_start[v];
    /* Filled in vertex order, so each group of children is sorted. depth[] serves as a cursor. */
    for (igraph_integer_t v = 0; v < n; v++)
        tree->depth[v] = tree->child_start[v];
    for (igraph_integer_t v = 0; v < n; v++)
        if (parent[v] >= 0)
            tree->child[tree->depth[parent[v]]++] = v;

    igraph_integer_t reached = 0;
    for (igraph_integer_t v = 0; v < n; v++)
        if (parent[v] < 0) {
            tree->order[reached++] = v;
            tree->depth[v] = 0;
        }
    for (igraph_integer_t i = 0; i < reached; i++) {
        igraph_integer_t v = tree->order[i];
        for (igraph_integer_t c = tree->child_start[v]; c < tree->child_start[v + 1]; c++) {
            tree->depth[tree->child[c]] = tree->depth[v] + 1;
            tree->order[reached++] = tree->child[c];
        }
    }
    return reached;
}

/* Appends text to list (of size bytes) as far as it fits; returns false once list is full. */
static bool append(char *list, size_t size, const char *a, const char *b, const char *c)
{
    size_t len = strlen(list);
    if (len + 1 >= size)
        return false;
    snprintf(list + len, size - len, "%s%s%s", a, b, c);
    return strlen(list) + 1 < size;
}

/* Appends "\"a\" -> \"b\" -> ... -> \"a\"" for the cycle through start to list, cut where
 * the list is full (the caller trims a cut character). Long cycles show their first members,
 * "...", and the member before start. */
static void describe_cycle(const tg_twins *twins, igraph_integer_t start, char *list, size_t size)
{
    if (list[0] && !append(list, size, "; ", "", ""))
        return;
    igraph_integer_t v = start;
    for (int shown = 0;; shown++) {
        if (shown == CYCLE_MEMBERS_SHOWN && twins->parent[v] != start) {
            if (!append(list, size, "\"", tg_twins_id(twins, v), "\" -> ... -> "))
                return;
            while (twins->parent[v] != start)
                v = twins->parent[v];
        }
        if (!append(list, size, "\"", tg_twins_id(twins, v), "\" -> "))
            return;
        v = twins->parent[v];
        if (v == start) {
            append(list, size, "\"", tg_twins_id(twins, start), "\"");
            return;
        }
    }
}

/* Finds every cycle among the twins not reached from a root. Each twin has one parent, so
 * every such twin leads, following parents, into exactly one cycle; a walk stamps the twins
 * it passes and finds a new cycle when it meets its own stamp. With break_cycles the smallest
 * vertex of each cycle (the smallest device_id, as vertices are in byte order) loses its
 * parent. Returns the number of cycles; the first few are described in list. */
static igraph_integer_t find_cycles(const tg_tree *tree, tg_twins *twins, igraph_integer_t reached,
                                    bool break_cycles, igraph_integer_t *stamp, char *list, size_t size)
{
    igraph_integer_t n = tree->n, cycles = 0;
    for (igraph_integer_t v = 0; v < n; v++)
        stamp[v] = 0;
    for (igraph_integer_t i = 0; i < reached; i++)
        stamp[tree->order[i]] = -1;
    for (igraph_integer_t v = 0; v < n; v++) {
        if (stamp[v] != 0)
            continue;
        igraph_integer_t u = v, walk = v + 1;
        while (u >= 0 && stamp[u] == 0) {
            stamp[u] = walk;
            u = twins->parent[u];
        }
        if (u < 0 || stamp[u] != walk)
            continue; /* ran into a cycle found before */
        if (cycles++ < CYCLE_EXAMPLES)
            describe_cycle(twins, u, list, size);
        if (break_cycles) {
            igraph_integer_t smallest = u;
            for (igraph_integer_t w = twins->parent[u]; w != u; w = twins->parent[w])
                if (w < smallest)
                    smallest = w;
            twins->parent[smallest] = -1;
        }
    }
    return cycles;
}

tg_status tg_tree_build(tg_tree *tree, tg_twins *twins, bool break_cycles, tg_warnings *warnings, tg_error *err)
{
    memset(tree, 0, sizeof *tree);
    igraph_integer_t n = twins->n_twins;
    size_t slots = (size_t)(n > 0 ? n : 1);
    tree->n = n;
    tree->order = malloc(slots * sizeof *tree->order);
    tree->depth = malloc(slots * sizeof *tree->depth);
    tree->child_start = malloc((slots + 1) * sizeof *tree->child_start);
    tree->child = malloc(slots * sizeof *tree->child);
    if (!tree->order || !tree->depth || !tree->child_start || !tree->child)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory ordering the hierarchy");

    igraph_integer_t reached = order_from_roots(tree, twins->parent);
    if (reached == n)
        return TG_OK;

    /* order[] is free to reuse as the stamps once the cycles are known: it is rebuilt below. */
    igraph_integer_t *stamp = malloc(slots * sizeof *stamp);
    if (!stamp)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory checking the hierarchy for cycles");
    char list[900] = "";
    igraph_integer_t cycles = find_cycles(tree, twins, reached, break_cycles, stamp, list, sizeof list);
    free(stamp);
    tg_text_trim_partial_utf8(list);
    if (!break_cycles) {
        tg_error_set(err, TG_ERR_INPUT, "the hierarchy has %" IGRAPH_PRId " cycle%s in parent_id", cycles,
                     cycles == 1 ? "" : "s");
        tg_error_detail(err, "%s%s", list, cycles > CYCLE_EXAMPLES ? "; ..." : "");
        tg_error_hint(err, "fix parent_id of a twin on each cycle, or set \"graph\": {\"on_cycle\": \"break\"} "
                           "to make the smallest device_id of each cycle a root");
        return TG_ERR_INPUT;
    }
    tree->broken_cycles = cycles;
    tg_warn(warnings, "the hierarchy had %" IGRAPH_PRId " cycle%s in parent_id; the smallest device_id of each "
            "became a root: %s%s", cycles, cycles == 1 ? "" : "s", list, cycles > CYCLE_EXAMPLES ? "; ..." : "");
    if (order_from_roots(tree, twins->parent) != n)
        return tg_error_set(err, TG_ERR_INTERNAL, "the hierarchy still has a cycle after breaking them");
    return TG_OK;
}

void tg_tree_destroy(tg_tree *tree)
{
    if (!tree)
        return;
    free(tree->order);
    free(tree->depth);
    free(tree->child_start);
    free(tree->child);
    memset(tree, 0, sizeof *tree);
}

/* Parents first, so each twin takes itself or its parent's answer. */
void tg_tree_ancestors_at_depth(const tg_tree *tree, const tg_twins *twins, igraph_integer_t level,
                                igraph_integer_t *ancestor)
{
    for (igraph_integer_t i = 0; i < tree->n; i++) {
        igraph_integer_t v = tree->order[i], p = twins->parent[v];
        ancestor[v] = tree->depth[v] == level ? v : tree->depth[v] > level && p >= 0 ? ancestor[p] : -1;
    }
}

igraph_integer_t tg_tree_ancestors_of_model(const tg_tree *tree, const tg_twins *twins, const char *model,
                                            igraph_integer_t *ancestor)
{
    igraph_integer_t found = 0;
    for (igraph_integer_t i = 0; i < tree->n; i++) {
        igraph_integer_t v = tree->order[i], p = twins->parent[v];
        const char *own = tg_twins_model(twins, v);
        bool match = own && strcmp(own, model) == 0;
        found += match;
        ancestor[v] = match ? v : p >= 0 ? ancestor[p] : -1;
    }
    return found;
}
