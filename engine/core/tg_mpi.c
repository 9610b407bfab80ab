/* tg_mpi.c - the ranks of an mpirun launch: whether this process is one of several, which one, and the few messages they exchange. */
#include "tg_mpi.h"

#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>

#ifdef TWINGRAPH_MPI
#include <mpi.h>
#endif

static int rank = 0, size = 1;
#ifdef TWINGRAPH_MPI
static bool joined = false;
#endif

/* Launchers announce a rank in the environment; without one, MPI_Init would start a singleton
 * job (OpenMPI forks a helper daemon for it), which a plain run must not pay for. */
static bool launched_by_mpirun(void)
{
    static const char *const variables[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof variables / sizeof *variables; i++)
        if (getenv(variables[i]))
            return true;
    return false;
}

void tg_mpi_init(int *argc, char ***argv)
{
#ifdef TWINGRAPH_MPI
    if (!launched_by_mpirun())
        return;
    /* Only the main thread of a rank calls MPI; the engine's worker threads never do. */
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "twingraph: error: MPI_Init failed under mpirun\n");
        exit(1);
    }
    joined = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
#else
    (void)argc;
    (void)argv;
    const char *ranks = getenv("OMPI_COMM_WORLD_SIZE") ? getenv("OMPI_COMM_WORLD_SIZE") : getenv("PMI_SIZE");
    if (launched_by_mpirun() && ranks && atoi(ranks) > 1) {
        /* Every copy refuses, rank 0 too, before touching a database: N copies of a build
         * without MPI would each run the whole job. */
        fprintf(stderr, "twingraph: error: this twingraph was built without MPI (libopenmpi-dev was missing at "
                        "cmake time), so it cannot share a job among %s ranks\n"
                        "HINT:  run it without mpirun, or install libopenmpi-dev and build again\n",
                ranks);
        exit(1);
    }
#endif
}

void tg_mpi_finalize(void)
{
#ifdef TWINGRAPH_MPI
    if (joined)
        MPI_Finalize();
    joined = false;
#endif
}

const char *tg_mpi_library(void)
{
#if defined(TWINGRAPH_MPI) && defined(OMPI_MAJOR_VERSION)
#define TG_TEXT(x) #x
#define TG_VERSION(a, b, c) "Open MPI " TG_TEXT(a) "." TG_TEXT(b) "." TG_TEXT(c)
    return TG_VERSION(OMPI_MAJOR_VERSION, OMPI_MINOR_VERSION, OMPI_RELEASE_VERSION);
#elif defined(TWINGRAPH_MPI)
    return "MPI";
#else
    return "no MPI";
#endif
}

int tg_mpi_rank(void)
{
    return rank;
}

int tg_mpi_size(void)
{
    return size;
}

void tg_mpi_abort(const char *why)
{
    fprintf(stderr, "twingraph: error: rank %d of %d: %s; ending every rank\n", rank, size, why);
#ifdef TWINGRAPH_MPI
    if (joined)
        MPI_Abort(MPI_COMM_WORLD, 1);
#endif
    exit(1);
}

#ifdef TWINGRAPH_MPI
/* MPI counts are ints: large arrays go in pieces of 1 GiB. */
#define PIECE ((size_t)1 << 30)
/* MPI promises tags up to 32767; messages between two ranks arrive in the order sent anyway.
 * Blocks use 0..32766, the stop message the last. */
#define TAGS 32767
#define STOP_TAG 32767

static void check(int rc, const char *what)
{
    if (rc != MPI_SUCCESS)
        tg_mpi_abort(what);
}
#endif

void tg_mpi_broadcast(void *data, size_t bytes)
{
#ifdef TWINGRAPH_MPI
    if (!joined || size == 1)
        return;
    for (size_t done = 0; done < bytes; done += PIECE) {
        size_t piece = bytes - done < PIECE ? bytes - done : PIECE;
        check(MPI_Bcast((char *)data + done, (int)piece, MPI_BYTE, 0, MPI_COMM_WORLD), "MPI_Bcast failed");
    }
#else
    (void)data;
    (void)bytes;
#endif
}

void tg_mpi_broadcast_idle(void *data, size_t bytes)
{
#ifdef TWINGRAPH_MPI
    if (!joined || size == 1)
        return;
    if (bytes > PIECE)
        tg_mpi_abort("tg_mpi_broadcast_idle is for small messages");
    MPI_Request request;
    check(MPI_Ibcast(data, (int)bytes, MPI_BYTE, 0, MPI_COMM_WORLD, &request), "MPI_Ibcast failed");
    if (rank == 0) {
        check(MPI_Wait(&request, MPI_STATUS_IGNORE), "MPI_Wait failed");
        return;
    }
    /* 0.1 ms, doubling to 20 ms: quick answers stay quick, long waits cost nothing. */
    long nap_ns = 100 * 1000;
    for (int done = 0;;) {
        check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test failed");
        if (done)
            return;
        struct timespec pause = {0, nap_ns};
        nanosleep(&pause, NULL);
        nap_ns = nap_ns * 2 < 20 * 1000 * 1000 ? nap_ns * 2 : 20 * 1000 * 1000;
    }
#else
    (void)data;
    (void)bytes;
#endif
}

void tg_mpi_send_stop(int to)
{
#ifdef TWINGRAPH_MPI
    int32_t stop = 1;
    check(MPI_Send(&stop, 1, MPI_INT32_T, to, STOP_TAG, MPI_COMM_WORLD), "MPI_Send failed");
#else
    (void)to;
#endif
}

bool tg_mpi_stop_arrived(void)
{
#ifdef TWINGRAPH_MPI
    int arrived = 0;
    if (!joined || MPI_Iprobe(0, STOP_TAG, MPI_COMM_WORLD, &arrived, MPI_STATUS_IGNORE) != MPI_SUCCESS || !arrived)
        return false;
    int32_t stop;
    check(MPI_Recv(&stop, 1, MPI_INT32_T, 0, STOP_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv failed");
    return true;
#else
    return false;
#endif
}

void tg_mpi_send_doubles(const double *values, size_t count, int64_t block)
{
#ifdef TWINGRAPH_MPI
    size_t piece_count = PIECE / sizeof *values;
    for (size_t done = 0; done < count; done += piece_count) {
        size_t piece = count - done < piece_count ? count - done : piece_count;
        check(MPI_Send(values + done, (int)piece, MPI_DOUBLE, 0, (int)(block % TAGS), MPI_COMM_WORLD), "MPI_Send failed");
    }
#else
    (void)values;
    (void)count;
    (void)block;
    tg_mpi_abort("MPI_Send without MPI");
#endif
}

void tg_mpi_receive_doubles(double *values, size_t count, int from_rank, int64_t block)
{
#ifdef TWINGRAPH_MPI
    size_t piece_count = PIECE / sizeof *values;
    for (size_t done = 0; done < count; done += piece_count) {
        size_t piece = count - done < piece_count ? count - done : piece_count;
        check(MPI_Recv(values + done, (int)piece, MPI_DOUBLE, from_rank, (int)(block % TAGS), MPI_COMM_WORLD,
                       MPI_STATUS_IGNORE),
              "MPI_Recv failed");
    }
#else
    (void)values;
    (void)count;
    (void)from_rank;
    (void)block;
    tg_mpi_abort("MPI_Recv without MPI");
#endif
}
