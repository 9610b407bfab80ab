/* tg_random.h - splitmix64, the small generator the samplers give each sample of their own: a state of one word, seeded from the job's seed and the sample's index. */
#ifndef TG_RANDOM_H
#define TG_RANDOM_H

#include <stdint.h>

/* splitmix64 (Steele, Lea, Flood 2014). By hand because igraph's generator is one global stream:
 * a stream per sample makes results the same whatever order or thread draws the samples. */
static inline uint64_t tg_random_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1) with 53 random bits. */
static inline double tg_random_unit(uint64_t *state)
{
    return (double)(tg_random_next(state) >> 11) * 0x1.0p-53;
}

#endif
