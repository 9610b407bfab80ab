/* tg_min_heap.h - a binary min-heap of twins keyed by a distance array, with decrease-key, for the engine's own Dijkstra loops. */
#ifndef TG_MIN_HEAP_H
#define TG_MIN_HEAP_H

#include <stdbool.h>
#include <stdint.h>

/* Written here rather than igraph's indexed heap because these loops run on worker threads
 * (Debian's igraph is not thread-safe). Keys live in the caller's array key[]; pos[v] is v's
 * slot or -1, and must be -1 for every twin when the heap is created (it is again when empty). */
typedef struct {
    int32_t *slots;
    int32_t *pos;
    const double *key;
    int32_t size;
} tg_min_heap;

/* Arrays for n twins; false when out of memory. */
bool tg_min_heap_init(tg_min_heap *heap, int32_t n, const double *key);
void tg_min_heap_destroy(tg_min_heap *heap);

/* Inserts v, or moves it up after its key decreased. */
void tg_min_heap_push_or_decrease(tg_min_heap *heap, int32_t v);

/* Removes and returns the twin of smallest key (ties: any); the heap must not be empty. */
int32_t tg_min_heap_pop(tg_min_heap *heap);

#endif
