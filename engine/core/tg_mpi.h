/* tg_mpi.h - the ranks of an mpirun launch: whether this process is one of several, which one, and the few messages they exchange. */
#ifndef TG_MPI_H
#define TG_MPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Joins the MPI job when the process was started by mpirun (OpenMPI's or another launcher's
 * rank variables are set) and the engine was built with MPI; otherwise the process is rank 0 of
 * 1 and no MPI library call is ever made, so the same binary runs without mpirun. Call first
 * thing in main; tg_mpi_finalize before returning. */
void tg_mpi_init(int *argc, char ***argv);
void tg_mpi_finalize(void);

/* "Open MPI 4.1.4", or "no MPI" for a build without it (for --version). */
const char *tg_mpi_library(void);

int tg_mpi_rank(void);
int tg_mpi_size(void);

/* Ends every rank at once (MPI_Abort): a rank that cannot go on must not leave the others
 * waiting for it. Nothing is committed, since only rank 0 talks to PostgreSQL and it is ended
 * too. */
_Noreturn void tg_mpi_abort(const char *why);

/* From rank 0 to all ranks (any size: sent in pieces below MPI's int counts). */
void tg_mpi_broadcast(void *data, size_t bytes);

/* Like tg_mpi_broadcast, for a wait of unknown length: the other ranks sleep between polls
 * rather than spin (OpenMPI's blocking calls busy-wait, taking cores from rank 0 and PostgreSQL
 * while it reads, runs igraph or writes). Every rank must use this for the same broadcast. */
void tg_mpi_broadcast_idle(void *data, size_t bytes);

/* Rank 0: tells rank to stop its current block at its next check. Other ranks: whether such a
 * message arrived (consumed). */
void tg_mpi_send_stop(int rank);
bool tg_mpi_stop_arrived(void);

/* A block's values from a rank to rank 0, tagged with the block's number; rank 0 receives them
 * in the order it chooses. */
void tg_mpi_send_doubles(const double *values, size_t count, int64_t block);
void tg_mpi_receive_doubles(double *values, size_t count, int from_rank, int64_t block);

#endif
