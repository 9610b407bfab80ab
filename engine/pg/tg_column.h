/* tg_column.h - typed, nullable feature columns: one table of column types with their SQL type and COPY encoder, and the columns a run computes. */
#ifndef TG_COLUMN_H
#define TG_COLUMN_H

#include <stdbool.h>
#include <stddef.h>

#include <igraph.h>

#include "tg_copy.h"
#include "tg_error.h"

#define TG_NAME_MAX 64

typedef enum {
    TG_COLUMN_DOUBLE,       /* double precision, in real */
    TG_COLUMN_BIGINT,       /* bigint, in integer */
    TG_COLUMN_BOOLEAN,      /* boolean, in integer as 0 or 1 */
    TG_COLUMN_TEXT,         /* text (a twin id or a category), set with tg_column_set_text */
    TG_COLUMN_DOUBLE_ARRAY, /* double precision[], set with tg_column_set_array */
    TG_COLUMN_TYPE_COUNT
} tg_column_type;

/* The SQL type of a column type ("double precision", "bigint", ...); borrowed. */
const char *tg_column_sql_type(tg_column_type type);

/* Whether values of the type are numbers a feature can aggregate (double, bigint, boolean). */
bool tg_column_is_numeric(tg_column_type type);

/* One output column: a value per twin in vertex order, each possibly NULL. Numeric columns
 * start as 0 and not NULL, so an igraph routine can fill real or integer directly; text and
 * array columns start NULL. Mark a NULL with tg_column_set_null. */
typedef struct {
    char name[TG_NAME_MAX];
    tg_column_type type;
    char *comment;               /* owned: the COMMENT ON COLUMN text */
    igraph_integer_t length;
    igraph_vector_t real;        /* DOUBLE */
    igraph_vector_int_t integer; /* BIGINT, BOOLEAN */
    bool *is_null;               /* owned, length flags */
    char *arena;                 /* owned: TEXT bytes and DOUBLE_ARRAY values, addressed by offset */
    size_t arena_len, arena_cap;
    size_t *offset;              /* owned, TEXT and DOUBLE_ARRAY: where row i's value starts */
    size_t *count;               /* owned, DOUBLE_ARRAY: how many values row i has */
} tg_column;

/* Initialises col for length rows. On error col is left so that tg_column_destroy frees
 * whatever was allocated. */
tg_status tg_column_init(tg_column *col, const char *name, tg_column_type type, igraph_integer_t length,
                         tg_error *err);

/* Frees everything. Accepts a zeroed or partly initialised column. */
void tg_column_destroy(tg_column *col);

void tg_column_set_null(tg_column *col, igraph_integer_t row);

/* Sets a numeric value (rounded toward zero for BIGINT, != 0 for BOOLEAN). A NaN becomes NULL,
 * so no NaN is ever cast to an integer. */
void tg_column_set_number(tg_column *col, igraph_integer_t row, double value);

/* Numeric value of row as a double (BOOLEAN gives 0 or 1); meaningless when the row is NULL. */
double tg_column_number(const tg_column *col, igraph_integer_t row);

/* Copies value (a TEXT column; NULL sets SQL NULL). Each row is set at most once. */
tg_status tg_column_set_text(tg_column *col, igraph_integer_t row, const char *value, tg_error *err);

/* Borrowed text of row, or NULL when the row is NULL. */
const char *tg_column_text(const tg_column *col, igraph_integer_t row);

/* Copies n values into row of a DOUBLE_ARRAY column. Each row is set at most once. */
tg_status tg_column_set_array(tg_column *col, igraph_integer_t row, const double *values, size_t n,
                              tg_error *err);

/* Appends row's value to a binary COPY buffer, NULL included. */
void tg_column_encode(const tg_column *col, igraph_integer_t row, tg_copy_buffer *buf);

/* One twin of a ranking a feature makes besides its columns (influence_top's seeds), in rank
 * order. */
typedef struct {
    igraph_integer_t twin;
    double marginal_gain; /* what the twin adds to those ranked before it */
    double cumulative;    /* the value of the first rank twins together */
} tg_ranking_entry;

/* The columns of one run, in spec order, and the ranking of the entry that makes one. */
typedef struct {
    size_t n_columns;
    tg_column *columns;
    tg_ranking_entry *ranking; /* owned, n_ranking entries, or NULL */
    size_t n_ranking;
} tg_feature_table;

/* Index of the column called name, or -1. */
int tg_feature_table_find(const tg_feature_table *table, const char *name);

/* Frees all columns. Accepts a zeroed or partly filled table. */
void tg_feature_table_destroy(tg_feature_table *table);

#endif
