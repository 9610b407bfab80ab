/* tg_embedding.c - the embedding feature family: a vector per twin that places twins of similar neighbourhoods close together (FastRP). */
#include "tg_embedding.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tg_csr.h"
#include "tg_interrupt.h"
#include "tg_random.h"
#include "tg_threads.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

enum { FASTRP_DIM, FASTRP_ITERATIONS, FASTRP_FIRST_WEIGHT, FASTRP_SELF_WEIGHT, FASTRP_NORMALIZATION };

/* Fast Random Projection (Chen et al., "Fast and Accurate Network Embeddings via Very Sparse
 * Random Projection", CIKM 2019), as Neo4j GDS computes it: a very sparse random vector per twin
 * (entries ±√3 with probability 1/6 each, else 0; Achlioptas), scaled by degree^β, then k rounds
 * of "the mean of the neighbours' vectors", each round's vectors scaled to unit length, and the
 * embedding the weighted sum of the rounds (and of the random vector itself). Written here:
 * igraph has no embedding; the loops are a sparse matrix product over plain arrays, on threads. */
typedef struct {
    const tg_csr *g;
    int dim;
    uint64_t seed;
    const float *from;
    float *to;
    int n_blocks;
} fastrp_job;

/* Entry j of twin v's random vector: a stream keyed by the seed, v and j alone, so the vectors
 * depend on neither the thread count nor the order twins were read in beyond their numbering. */
static float random_entry(uint64_t seed, int32_t v, int j)
{
    uint64_t state = seed ^ ((uint64_t)(uint32_t)v * 0x9E3779B97F4A7C15ULL) ^ ((uint64_t)j * 0xD1B54A32D192ED03ULL);
    double u = tg_random_unit(&state);
    return u < 1.0 / 6 ? (float)sqrt(3.0) : u < 2.0 / 6 ? (float)-sqrt(3.0) : 0.0f;
}

/* Rows block, block + n_blocks, ...: to[v] = mean of from[u] over v's neighbours, then scaled
 * to unit length (a twin without neighbours keeps zeros). */
static void propagate_block(void *context, int block)
{
    fastrp_job *job = context;
    const tg_csr *g = job->g;
    int d = job->dim;
    for (int32_t v = block; v < g->n; v += job->n_blocks) {
        float *row = job->to + (size_t)v * (size_t)d;
        memset(row, 0, (size_t)d * sizeof *row);
        int64_t degree = g->out_start[v + 1] - g->out_start[v];
        if (degree == 0)
            continue;
        for (int64_t k = g->out_start[v]; k < g->out_start[v + 1]; k++) {
            const float *from = job->from + (size_t)g->out_adj[k] * (size_t)d;
            for (int j = 0; j < d; j++)
                row[j] += from[j];
        }
        double norm = 0;
        for (int j = 0; j < d; j++)
            norm += (double)row[j] * row[j];
        /* The mean's 1/degree cancels in the unit scaling; kept implicit. */
        float scale = norm > 0 ? (float)(1.0 / sqrt(norm)) : 0.0f;
        for (int j = 0; j < d; j++)
            row[j] *= scale;
    }
}

static tg_status compute_fastrp(const tg_feature_input *in, tg_column *const *out, tg_error *err)
{
    const tg_param_value *p = in->params;
    int d = (int)p[FASTRP_DIM].integer, iterations = (int)p[FASTRP_ITERATIONS].integer;
    double first_weight = p[FASTRP_FIRST_WEIGHT].number, self_weight = p[FASTRP_SELF_WEIGHT].number;
    double beta = p[FASTRP_NORMALIZATION].number;
    /* The undirected simple view: a twin's neighbourhood either way, as communities read it. */
    tg_csr g;
    tg_status st = tg_csr_build(in->undirected, NULL, TG_CSR_AS_IS, &g, err);
    size_t cells = (size_t)g.n * (size_t)d;
    float *a = malloc((cells ? cells : 1) * sizeof *a), *b = malloc((cells ? cells : 1) * sizeof *b);
    double *sum = calloc(cells ? cells : 1, sizeof *sum);
    if (!st && (!a || !b || !sum))
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory for %d-dimensional embeddings of %d twins", d, (int)g.n);
    if (st)
        goto cleanup;
    for (int32_t v = 0; v < g.n; v++) {
        int64_t degree = g.out_start[v + 1] - g.out_start[v];
        double scale = degree > 0 ? pow((double)degree, beta) : 1.0;
        for (int j = 0; j < d; j++) {
            float r = random_entry(in->seed, v, j);
            a[(size_t)v * d + j] = (float)(r * scale);
            sum[(size_t)v * d + j] = self_weight * r;
        }
    }
    fastrp_job job = {.g = &g, .dim = d, .seed = in->seed, .n_blocks = tg_thread_count()};
    for (int i = 0; i < iterations; i++) {
        if ((st = tg_interrupt_check("computing embeddings", err)))
            goto cleanup;
        job.from = a;
        job.to = b;
        tg_threads_run(job.n_blocks, propagate_block, &job);
        double w = i == 0 ? first_weight : 1.0;
        for (size_t c = 0; c < cells; c++)
            sum[c] += w * b[c];
        float *t = a;
        a = b;
        b = t;
    }
    /* The rounds' vectors go before the column takes its copy: peak memory 16 bytes a cell. */
    free(a);
    free(b);
    a = b = NULL;
    for (int32_t v = 0; v < g.n && !st; v++)
        st = tg_column_set_array(out[0], v, sum + (size_t)v * d, (size_t)d, err);
    json_object_set_new(in->details, "dim", json_integer(d));
    json_object_set_new(in->details, "iterations", json_integer(iterations));
cleanup:
    free(a);
    free(b);
    free(sum);
    tg_csr_destroy(&g);
    return st;
}

static const tg_param_def fastrp_params[] = {
    [FASTRP_DIM] = {.name = "dim", .type = TG_PARAM_INTEGER, .default_json = "64", .min_integer = 2,
                    .max_integer = 512, .doc = "dimensions of each twin's vector"},
    [FASTRP_ITERATIONS] = {.name = "iterations", .type = TG_PARAM_INTEGER, .default_json = "3", .min_integer = 1,
                           .max_integer = 8,
                           .doc = "rounds of neighbour averaging: round i sees the twins up to i hops away"},
    [FASTRP_FIRST_WEIGHT] = {.name = "first_weight", .type = TG_PARAM_NUMBER, .default_json = "0", .min_number = 0,
                             .max_number = 100,
                             .doc = "weight of the first round in the sum (later rounds weigh 1; Neo4j GDS's default "
                                    "iterationWeights [0, 1, 1])"},
    [FASTRP_SELF_WEIGHT] = {.name = "self_weight", .type = TG_PARAM_NUMBER, .default_json = "0", .min_number = 0,
                            .max_number = 100, .doc = "weight of the twin's own random vector (GDS nodeSelfInfluence)"},
    [FASTRP_NORMALIZATION] = {.name = "normalization_strength", .type = TG_PARAM_NUMBER, .default_json = "0",
                              .min_number = -1, .max_number = 1,
                              .doc = "β: random vectors scaled by degree^β; below 0 lowers the weight of hubs"},
};
static const tg_column_def fastrp_columns[] = {
    {"fastrp", TG_COLUMN_DOUBLE_ARRAY, false,
     "FastRP embedding (dim values): twins with similar neighbourhoods have similar vectors (compare by cosine); "
     "the same seed and graph give the same vectors, a twin without neighbours gets the self_weight part only"},
};

const tg_feature_def tg_embedding_features[] = {
    {.name = "fastrp", .family = "embedding",
     .summary = "Fast Random Projection embedding of dim values per twin (parameters \"dim\", \"iterations\"), seeded",
     .reference = "link prediction: held-out relationships score above random pairs by cosine (ROC AUC)",
     .complexity = "O(iterations * edges * dim); memory 2 * twins * dim floats + twins * dim doubles",
     .params = fastrp_params, .n_params = COUNT(fastrp_params), .columns = fastrp_columns,
     .n_columns = COUNT(fastrp_columns), .compute = compute_fastrp},
};
const size_t tg_embedding_feature_count = COUNT(tg_embedding_features);
