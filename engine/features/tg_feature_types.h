/* tg_feature_types.h - what a feature is: its definition in the registry, the entry a job makes of it, and what its compute function sees. */
#ifndef TG_FEATURE_TYPES_H
#define TG_FEATURE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <igraph.h>
#include <jansson.h>

#include "tg_column.h"
#include "tg_error.h"
#include "tg_param.h"
#include "tg_tree.h"
#include "tg_spatial.h"
#include "tg_twins.h"
#include "tg_warnings.h"

#define TG_MAX_PARAMS 8
#define TG_MAX_DOC_PATHS 8

typedef struct tg_feature_def tg_feature_def;

/* What a feature reads: a graph layer (the default), the parent links alone, the twin documents
 * alone, or the relationships of the kinds it names (kinds_param), directed from source to
 * target whatever the job's layers. Only graph features take a "layer". */
typedef enum { TG_READS_GRAPH, TG_READS_PARENT_LINKS, TG_READS_TWIN_DOCUMENTS, TG_READS_RELATIONSHIPS } tg_feature_reads;

/* One output column of a feature as the dictionary lists it. A per-layer entry appends
 * "_<layer>" to base_name. Features whose columns depend on their parameters list a pattern
 * here ("anc_<level>_id") and name the real columns in their plan function. */
typedef struct {
    const char *base_name;
    tg_column_type type;
    bool directed_only;     /* written only by directed jobs (in_degree, out_degree) */
    const char *definition;
} tg_column_def;

/* A column a job entry writes. */
typedef struct {
    char name[TG_NAME_MAX];
    tg_column_type type;
    char *definition;       /* owned */
    bool layer_free;        /* the same on every layer: keeps its name when the entry names a layer */
} tg_column_plan;

/* One feature entry of a job, resolved against the registry. */
typedef struct {
    const tg_feature_def *def;          /* borrowed from the registry */
    int layer;                          /* index into the job's layers, or -1 for the union graph */
    tg_param_value params[TG_MAX_PARAMS]; /* one per def->params, owned */
    size_t n_columns;
    tg_column_plan *columns;            /* owned, n_columns */
    int input_entry, input_column;      /* the job column named by def->input_param, or -1 */
    int doc_value;                      /* index of def->path_param's path in tg_twins.doc_offset, or -1 */
    int rel_value;                      /* index of def->rel_value_param's value in tg_twins.rel_value, or -1 */
    char *doc_paths[TG_MAX_DOC_PATHS];  /* owned: further twin-document paths the plan asked for
                                           (tg_feature_plan_path), in the order asked */
    int doc_values[TG_MAX_DOC_PATHS];   /* their indexes in tg_twins.doc_offset */
    size_t n_doc_paths;
} tg_feature_spec;

/* What a compute function sees. Everything is borrowed for the duration of the call. */
typedef struct {
    const tg_twins *twins;          /* ids, parents, models, coordinates, twin-document values */
    const tg_tree *tree;            /* the parent-link forest: parents-first order, depths, children */
    const igraph_t *graph;          /* the entry's layer; simplified unless the job says otherwise */
    const igraph_t *undirected;     /* the same graph with directions dropped and mutual edges merged
                                       (== graph for simplified undirected jobs) */
    const igraph_vector_t *weights; /* one per edge of graph when the entry reads weights (see
                                       tg_feature_reads_weights), else NULL */
    bool directed;
    const tg_param_value *params;   /* one per def->params, defaults filled in */
    uint64_t seed;                  /* the job's seed; igraph's RNG is seeded with it before the call */
    const tg_column *input;         /* the column named by def->input_param, or NULL */
    int doc_value;                  /* the twin-document value of def->path_param (index for
                                       tg_twins_doc_value), or -1 */
    const int *doc_values;          /* the values of the paths the plan asked for, in its order */
    double as_of;                   /* the run's reference time, seconds since 1970 (UTC): when it
                                       started computing */
    tg_warnings *warnings;          /* the run's warnings (tg_warn accepts NULL) */
    json_t *details;                /* an empty JSON object the function may fill with how it computed
                                       (estimator mode, samples); kept in runs.feature_details */
    const char *column;             /* the entry's first column: names the entry in warnings */
    tg_spatial *spatial;            /* the spatial index of located twins when the feature reads
                                       coordinates, else NULL */
    const double *rel_values;       /* per relationship, the value of def->rel_value_param (NAN where
                                       absent), or NULL when the entry names none */
    tg_ranking_entry **ranking;     /* writes_ranking: receives a malloc'd ranking (the run owns it) */
    size_t *n_ranking;
} tg_feature_input;

/* Computes a feature: fills out[i], the i-th column the entry writes (initialised to the
 * twins' count, typed as planned; see tg_column.h for the starting values). Long loops poll
 * tg_interrupt_check. Returns TG_OK or fills err. */
typedef tg_status (*tg_feature_compute_fn)(const tg_feature_input *in, tg_column *const *out, tg_error *err);

/* Checks parameters together and appends the entry's columns with tg_feature_plan_column, for
 * features whose columns depend on their parameters. path names the entry in messages. */
typedef tg_status (*tg_feature_plan_fn)(tg_feature_spec *fs, bool directed, const char *path, tg_error *err);

struct tg_feature_def {
    const char *name;
    const char *family;
    const char *summary;     /* one line for `twingraph features` */
    const char *reference;   /* the independent implementation the tests compare with */
    const char *complexity;  /* time and memory, for the dictionary */
    const tg_param_def *params;
    size_t n_params;
    const tg_column_def *columns;
    size_t n_columns;
    tg_feature_plan_fn plan; /* NULL: the entry writes the listed columns */
    tg_feature_reads reads;
    bool needs_weights;      /* reads tg_feature_input.weights: its layer must be weighted */
    const char *weighted_param; /* a BOOLEAN parameter that, when true, makes the entry read the
                                   layer's weights (then its layer must be weighted), or NULL */
    const char *weights_as;  /* how it reads weights: "distances" or "strengths" */
    bool directed_only;      /* only directed jobs may use it (hub, authority, scc) */
    bool reads_coordinates;  /* reads the twins' lat/lon: a job with it validates every location */
    bool reads_zones;        /* reads each twin's zone (source.zones or the twins' polygons) */
    const char *knn_param;   /* an INTEGER parameter k: the feature reads the k nearest lists, which one
                                search (for the job's largest k) serves, or NULL */
    const char *input_param; /* a STRING parameter naming another numeric column of the job that
                                this feature reads (computed first), or NULL */
    const char *kinds_param; /* TG_READS_RELATIONSHIPS: the STRING_LIST parameter naming the kinds
                                followed from source to target ... */
    const char *reverse_kinds_param; /* ... and the one naming kinds followed from target to source */
    const char *rel_value_param; /* a STRING parameter naming a relationship value ("properties.p" or a
                                    column) that ingest reads for every relationship, or NULL */
    bool writes_ranking;     /* also makes a ranking of twins, written to output.influencers (one
                                such entry per job) */
    const char *path_param;  /* a STRING parameter holding a path into the twin document
                                ("properties.reported.firmware") whose value ingest extracts, or NULL */
    tg_feature_compute_fn compute;
};

/* What a feature that takes no layer reads, for messages: "the parent links", ... */
const char *tg_feature_reads_text(const tg_feature_def *def);

/* The relationship kinds an entry names in its kinds_param (reverse: its reverse_kinds_param),
 * or NULL when it names none (borrowed). */
const tg_param_value *tg_feature_kinds(const tg_feature_spec *fs, bool reverse);

/* Whether the entry reads its layer's edge weights: always (needs_weights) or because its
 * weighted_param is true. */
bool tg_feature_reads_weights(const tg_feature_spec *fs);

/* Refuses (TG_ERR_INPUT) a weight that is not finite, or not positive when positive is set (a
 * distance) or negative otherwise (a strength), naming the edge's twins and what the feature
 * reads the weights as. */
tg_status tg_feature_check_weights(const tg_feature_input *in, bool positive, const char *feature, tg_error *err);

/* Appends text to buf at len, folded to what a column name allows (letters lowercased, digits
 * kept, every other byte '_'), stopping before size - 1 bytes; NUL-terminates and returns the new
 * length. "dtmi:example:Room;1" folds to "dtmi_example_room_1". */
size_t tg_feature_fold_name(char *buf, size_t size, size_t len, const char *text);

/* Borrowed pointer to the last key of a dotted twin-document path ("temperature" of
 * "properties.reported.temperature"). */
const char *tg_feature_path_last_key(const char *path);

/* Asks ingest for the value at path (keys joined by dots) of every twin document; the compute
 * function finds it at in->doc_values[i], i the order of asking. Copies path. */
tg_status tg_feature_plan_path(tg_feature_spec *fs, const char *path, tg_error *err);

/* In a planned path, separates two paths whose values ingest compares with jsonb's = (the
 * value is then "true", "false", or NULL where either is missing). Paths never hold it: the
 * parameters that name paths refuse control characters. */
#define TG_DOC_PATHS_EQUAL '\x1f'

/* Asks ingest whether the values at paths a and b are equal as PostgreSQL's jsonb = has it
 * (numbers by exact numeric value, objects whatever their key order); the result arrives like a
 * planned path's value. By the server, not by hand: a double cannot tell 0.1 from
 * 0.10000000000000001, nor hold 1e400. */
tg_status tg_feature_plan_path_equality(tg_feature_spec *fs, const char *a, const char *b, tg_error *err);

/* Appends the listed columns a job with the given directedness writes (directed_only columns
 * only on directed jobs): the plan of features without a plan function. */
tg_status tg_feature_plan_listed(tg_feature_spec *fs, bool directed, const char *path, tg_error *err);

/* Appends a column named base_name to fs (the caller's spec code adds layer suffixes and
 * renames); definition is copied. */
tg_status tg_feature_plan_column(tg_feature_spec *fs, const char *base_name, tg_column_type type,
                                 const char *definition, tg_error *err);

#endif
