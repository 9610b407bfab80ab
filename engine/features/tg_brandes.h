/* tg_brandes.h - exact betweenness by Brandes' accumulation, one block of sources at a time, on threads and MPI ranks. */
#ifndef TG_BRANDES_H
#define TG_BRANDES_H

#include "tg_blocks.h"

/* Sums, over the block's sources s, each twin's dependency on s (Brandes 2001): the share of
 * shortest paths from s that pass through it. Unweighted: a BFS per source; weighted (the
 * graph's weights as distances): Dijkstra, with path lengths equal within a relative 1e-10, as
 * igraph compares them. On an undirected graph every pair is counted from both ends. No args. */
extern const tg_kernel tg_kernel_brandes;

/* Equality of path lengths as igraph 0.10 decides it (relative difference below 1e-10), so
 * weighted results keep matching igraph's where floating-point sums differ in the last bits. */
int tg_brandes_compare(double a, double b);

#endif
