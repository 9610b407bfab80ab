/* tg_column.c - the column type table (SQL type, COPY encoder) and typed nullable column storage. */
#include "tg_column.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tg_igraph.h"

#define NO_VALUE SIZE_MAX

typedef void (*encode_fn)(const tg_column *col, igraph_integer_t row, tg_copy_buffer *buf);

static void encode_double(const tg_column *col, igraph_integer_t row, tg_copy_buffer *buf)
{
    tg_copy_float8(buf, VECTOR(col->real)[row]);
}

static void encode_bigint(const tg_column *col, igraph_integer_t row, tg_copy_buffer *buf)
{
    tg_copy_int8(buf, VECTOR(col->integer)[row]);
}

static void encode_boolean(const tg_column *col, igraph_integer_t row, tg_copy_buffer *buf)
{
    tg_copy_bool(buf, VECTOR(col->integer)[row] != 0);
}

static void encode_text(const tg_column *col, igraph_integer_t row, tg_copy_buffer *buf)
{
    tg_copy_text(buf, col->arena + col->offset[row]);
}

static void encode_double_array(const tg_column *col, igraph_integer_t row, tg_copy_buffer *buf)
{
    double *values = (double *)(void *)(col->arena + col->offset[row]);
    tg_copy_float8_array(buf, values, col->count[row]);
}

/* The one place a column type meets SQL: its type name and its binary COPY encoder. */
static const struct {
    const char *sql_type;
    bool numeric;
    encode_fn encode;
} column_types[TG_COLUMN_TYPE_COUNT] = {
    [TG_COLUMN_DOUBLE] = {"double precision", true, encode_double},
    [TG_COLUMN_BIGINT] = {"bigint", true, encode_bigint},
    [TG_COLUMN_BOOLEAN] = {"boolean", true, encode_boolean},
    [TG_COLUMN_TEXT] = {"text", false, encode_text},
    [TG_COLUMN_DOUBLE_ARRAY] = {"double precision[]", false, encode_double_array},
};

const char *tg_column_sql_type(tg_column_type type)
{
    return column_types[type].sql_type;
}

bool tg_column_is_numeric(tg_column_type type)
{
    return column_types[type].numeric;
}

tg_status tg_column_init(tg_column *col, const char *name, tg_column_type type, igraph_integer_t length,
                         tg_error *err)
{
    memset(col, 0, sizeof *col);
    snprintf(col->name, sizeof col->name, "%s", name);
    col->type = type;
    col->length = length;
    size_t n = length > 0 ? (size_t)length : 1;
    igraph_error_t rc = IGRAPH_SUCCESS;
    if (type == TG_COLUMN_DOUBLE)
        rc = igraph_vector_init(&col->real, length);
    else if (type == TG_COLUMN_BIGINT || type == TG_COLUMN_BOOLEAN)
        rc = igraph_vector_int_init(&col->integer, length);
    if (rc != IGRAPH_SUCCESS)
        return tg_igraph_error(err, rc, "allocate a feature column");
    bool starts_null = type == TG_COLUMN_TEXT || type == TG_COLUMN_DOUBLE_ARRAY;
    if (!(col->is_null = malloc(n * sizeof *col->is_null)))
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory allocating column \"%s\"", name);
    memset(col->is_null, starts_null, n * sizeof *col->is_null);
    if (starts_null && !(col->offset = malloc(n * sizeof *col->offset)))
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory allocating column \"%s\"", name);
    if (type == TG_COLUMN_DOUBLE_ARRAY && !(col->count = calloc(n, sizeof *col->count)))
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory allocating column \"%s\"", name);
    return TG_OK;
}

void tg_column_destroy(tg_column *col)
{
    if (!col)
        return;
    if (col->real.stor_begin)
        igraph_vector_destroy(&col->real);
    if (col->integer.stor_begin)
        igraph_vector_int_destroy(&col->integer);
    free(col->comment);
    free(col->is_null);
    free(col->arena);
    free(col->offset);
    free(col->count);
    memset(col, 0, sizeof *col);
}

void tg_column_set_null(tg_column *col, igraph_integer_t row)
{
    col->is_null[row] = true;
}

void tg_column_set_number(tg_column *col, igraph_integer_t row, double value)
{
    if (isnan(value)) {
        col->is_null[row] = true;
        return;
    }
    col->is_null[row] = false;
    if (col->type == TG_COLUMN_DOUBLE)
        VECTOR(col->real)[row] = value;
    else if (col->type == TG_COLUMN_BOOLEAN)
        VECTOR(col->integer)[row] = value != 0;
    else if (col->type == TG_COLUMN_BIGINT)
        /* Clamped: a cast of an out-of-range double to an integer is undefined behaviour. */
        VECTOR(col->integer)[row] = value >= 9.2e18 ? INT64_MAX : value <= -9.2e18 ? INT64_MIN : (int64_t)value;
}

double tg_column_number(const tg_column *col, igraph_integer_t row)
{
    return col->type == TG_COLUMN_DOUBLE ? VECTOR(col->real)[row] : (double)VECTOR(col->integer)[row];
}

/* Reserves size bytes, aligned for doubles, in the column's arena; returns the offset or
 * NO_VALUE when memory ran out. */
static size_t arena_reserve(tg_column *col, size_t size)
{
    size_t start = (col->arena_len + sizeof(double) - 1) & ~(sizeof(double) - 1);
    if (start + size > col->arena_cap) {
        size_t cap = col->arena_cap ? col->arena_cap : 1 << 16;
        while (cap < start + size)
            cap *= 2;
        char *grown = realloc(col->arena, cap);
        if (!grown)
            return NO_VALUE;
        col->arena = grown;
        col->arena_cap = cap;
    }
    col->arena_len = start + size;
    return start;
}

tg_status tg_column_set_text(tg_column *col, igraph_integer_t row, const char *value, tg_error *err)
{
    if (!value) {
        col->is_null[row] = true;
        return TG_OK;
    }
    size_t len = strlen(value) + 1;
    size_t at = arena_reserve(col, len);
    if (at == NO_VALUE)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory filling column \"%s\"", col->name);
    memcpy(col->arena + at, value, len);
    col->offset[row] = at;
    col->is_null[row] = false;
    return TG_OK;
}

const char *tg_column_text(const tg_column *col, igraph_integer_t row)
{
    return col->is_null[row] ? NULL : col->arena + col->offset[row];
}

tg_status tg_column_set_array(tg_column *col, igraph_integer_t row, const double *values, size_t n,
                              tg_error *err)
{
    size_t at = arena_reserve(col, n * sizeof(double));
    if (at == NO_VALUE)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory filling column \"%s\"", col->name);
    if (n)
        memcpy(col->arena + at, values, n * sizeof(double));
    col->offset[row] = at;
    col->count[row] = n;
    col->is_null[row] = false;
    return TG_OK;
}

void tg_column_encode(const tg_column *col, igraph_integer_t row, tg_copy_buffer *buf)
{
    /* A NaN (igraph's answer where a value is undefined) is written as NULL, as the dictionary says. */
    if (col->is_null[row] || (col->type == TG_COLUMN_DOUBLE && isnan(VECTOR(col->real)[row])))
        tg_copy_null(buf);
    else
        column_types[col->type].encode(col, row, buf);
}

int tg_feature_table_find(const tg_feature_table *table, const char *name)
{
    for (size_t i = 0; i < table->n_columns; i++)
        if (strcmp(table->columns[i].name, name) == 0)
            return (int)i;
    return -1;
}

void tg_feature_table_destroy(tg_feature_table *table)
{
    if (!table)
        return;
    for (size_t i = 0; i < table->n_columns; i++)
        tg_column_destroy(&table->columns[i]);
    free(table->columns);
    free(table->ranking);
    memset(table, 0, sizeof *table);
}
