/* test_blocks.c - unit tests of the block loops: every item in exactly one block, and results that do not depend on the thread count. */
#include <stdlib.h>

#include "tg_blocks.h"
#include "tg_check.h"

static void check_cut(int64_t n_items, int64_t wanted)
{
    int64_t n_blocks = tg_blocks_count(n_items, wanted);
    CHECK(n_blocks >= 1 && n_blocks <= (wanted > 1 ? wanted : 1));
    unsigned char *seen = calloc((size_t)n_items + 1, 1);
    int64_t total = 0, first_count = tg_blocks_items(n_items, n_blocks, 0).count;
    for (int64_t b = 0; b < n_blocks; b++) {
        tg_block_items items = tg_blocks_items(n_items, n_blocks, b);
        CHECK(items.count <= first_count); /* block 0 is the largest: buffers are sized by it */
        CHECK(n_items == 0 || items.count > 0);
        for (int64_t j = 0; j < items.count; j++) {
            int64_t i = tg_block_item(items, j);
            CHECK(i >= 0 && i < n_items);
            if (i >= 0 && i < n_items)
                seen[i]++;
        }
        total += items.count;
    }
    CHECK_INT(total, n_items);
    for (int64_t i = 0; i < n_items; i++)
        if (seen[i] != 1) {
            CHECK_INT(seen[i], 1);
            break;
        }
    free(seen);
}

/* A path 0 - 1 - ... - (n-1) as adjacency arrays. */
static tg_csr path(int32_t n)
{
    tg_csr g = {.n = n, .directed = false};
    g.out_start = calloc((size_t)n + 1, sizeof *g.out_start);
    g.out_adj = malloc(2 * (size_t)n * sizeof *g.out_adj);
    int64_t k = 0;
    for (int32_t v = 0; v < n; v++) {
        g.out_start[v] = k;
        if (v > 0)
            g.out_adj[k++] = v - 1;
        if (v + 1 < n)
            g.out_adj[k++] = v + 1;
    }
    g.out_start[n] = k;
    g.in_start = g.out_start;
    g.in_adj = g.out_adj;
    return g;
}

static void check_loops(const char *threads)
{
    setenv("TWINGRAPH_THREADS", threads, 1);
    const int32_t n = 1000;
    tg_csr g = path(n);
    tg_error err = {0};
    double *values = malloc((size_t)n * sizeof *values);
    /* Brandes' sums count each pair from both ends: 2 v (n - 1 - v) on a path. */
    tg_kernel_args none = {0};
    CHECK_INT(tg_blocks_run(TG_KERNEL_BRANDES, &g, &none, n, 7, values, &err), TG_OK);
    int wrong = 0;
    for (int32_t v = 0; v < n; v++)
        wrong += values[v] != 2.0 * v * (n - 1 - v);
    CHECK_INT(wrong, 0);
    /* Two hops away on a path: up to two on each side. */
    tg_kernel_args two = {.integer = {2, 0}};
    CHECK_INT(tg_blocks_run(TG_KERNEL_KHOP, &g, &two, n, 5, values, &err), TG_OK);
    wrong = 0;
    for (int32_t v = 0; v < n; v++)
        wrong += values[v] != (v < 2 ? v : 2) + (n - 1 - v < 2 ? n - 1 - v : 2);
    CHECK_INT(wrong, 0);
    free(values);
    tg_csr_destroy(&g);
}

int main(void)
{
    const int64_t sizes[] = {0, 1, 63, 64, 65, 127, 1000, 4097, 100000};
    const int64_t wanted[] = {1, 2, 3, 7, 16, 256, 100000};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        for (size_t w = 0; w < sizeof wanted / sizeof *wanted; w++)
            check_cut(sizes[i], wanted[w]);
    check_loops("1");
    check_loops("3");
    return tg_check_report("blocks");
}
