/* tg_min_heap.c - a binary min-heap of twins keyed by a distance array, with decrease-key, for the engine's own Dijkstra loops. */
#include "tg_min_heap.h"

#include <stdlib.h>

bool tg_min_heap_init(tg_min_heap *heap, int32_t n, const double *key)
{
    heap->slots = malloc(((size_t)n + 1) * sizeof *heap->slots);
    heap->pos = malloc(((size_t)n + 1) * sizeof *heap->pos);
    heap->key = key;
    heap->size = 0;
    if (!heap->slots || !heap->pos)
        return false;
    for (int32_t v = 0; v < n; v++)
        heap->pos[v] = -1;
    return true;
}

void tg_min_heap_destroy(tg_min_heap *heap)
{
    free(heap->slots);
    free(heap->pos);
    heap->slots = heap->pos = NULL;
}

static void place(tg_min_heap *heap, int32_t slot, int32_t v)
{
    heap->slots[slot] = v;
    heap->pos[v] = slot;
}

static void sift_up(tg_min_heap *heap, int32_t slot)
{
    int32_t v = heap->slots[slot];
    while (slot > 0) {
        int32_t parent = (slot - 1) / 2;
        if (heap->key[heap->slots[parent]] <= heap->key[v])
            break;
        place(heap, slot, heap->slots[parent]);
        slot = parent;
    }
    place(heap, slot, v);
}

void tg_min_heap_push_or_decrease(tg_min_heap *heap, int32_t v)
{
    if (heap->pos[v] < 0)
        place(heap, heap->size++, v);
    sift_up(heap, heap->pos[v]);
}

int32_t tg_min_heap_pop(tg_min_heap *heap)
{
    int32_t top = heap->slots[0], last = heap->slots[--heap->size];
    heap->pos[top] = -1;
    if (heap->size == 0)
        return top;
    int32_t slot = 0;
    for (;;) {
        int32_t child = 2 * slot + 1;
        if (child >= heap->size)
            break;
        if (child + 1 < heap->size && heap->key[heap->slots[child + 1]] < heap->key[heap->slots[child]])
            child++;
        if (heap->key[heap->slots[child]] >= heap->key[last])
            break;
        place(heap, slot, heap->slots[child]);
        slot = child;
    }
    place(heap, slot, last);
    return top;
}
