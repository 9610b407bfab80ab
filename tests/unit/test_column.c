/* test_column.c - unit tests of typed nullable columns and their binary COPY encoding. */
#include <math.h>
#include <stdint.h>

#include "tg_check.h"
#include "tg_column.h"

/* The bytes one field of row adds to an empty buffer (after the row header). */
static size_t encode(const tg_column *col, igraph_integer_t row, unsigned char *out)
{
    tg_copy_buffer buf = {0};
    tg_column_encode(col, row, &buf);
    size_t n = buf.len;
    memcpy(out, buf.data, n);
    tg_copy_buffer_destroy(&buf);
    return n;
}

static int32_t be32(const unsigned char *p)
{
    return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

int main(void)
{
    tg_error err = {0};
    unsigned char bytes[256];
    CHECK_STR(tg_column_sql_type(TG_COLUMN_DOUBLE), "double precision");
    CHECK_STR(tg_column_sql_type(TG_COLUMN_BIGINT), "bigint");
    CHECK_STR(tg_column_sql_type(TG_COLUMN_BOOLEAN), "boolean");
    CHECK_STR(tg_column_sql_type(TG_COLUMN_TEXT), "text");
    CHECK_STR(tg_column_sql_type(TG_COLUMN_DOUBLE_ARRAY), "double precision[]");

    /* bigint: a NaN never reaches the integer, it becomes NULL (length -1). */
    tg_column col;
    CHECK_INT(tg_column_init(&col, "n", TG_COLUMN_BIGINT, 3, &err), TG_OK);
    tg_column_set_number(&col, 0, 7);
    tg_column_set_number(&col, 1, NAN);
    tg_column_set_number(&col, 2, 1e300);
    CHECK_INT(encode(&col, 0, bytes), 12);
    CHECK_INT(be32(bytes), 8);
    CHECK_INT(bytes[11], 7);
    CHECK_INT(encode(&col, 1, bytes), 4);
    CHECK_INT(be32(bytes), -1);
    CHECK(VECTOR(col.integer)[2] == INT64_MAX);
    tg_column_destroy(&col);

    /* double: NaN is written as NULL; boolean: one byte. */
    CHECK_INT(tg_column_init(&col, "x", TG_COLUMN_DOUBLE, 2, &err), TG_OK);
    VECTOR(col.real)[0] = NAN;
    VECTOR(col.real)[1] = 0.5;
    CHECK_INT(encode(&col, 0, bytes), 4);
    CHECK_INT(encode(&col, 1, bytes), 12);
    tg_column_destroy(&col);
    CHECK_INT(tg_column_init(&col, "b", TG_COLUMN_BOOLEAN, 1, &err), TG_OK);
    tg_column_set_number(&col, 0, 1);
    CHECK_INT(encode(&col, 0, bytes), 5);
    CHECK_INT(bytes[4], 1);
    tg_column_destroy(&col);

    /* text starts NULL; values are copied. */
    CHECK_INT(tg_column_init(&col, "t", TG_COLUMN_TEXT, 3, &err), TG_OK);
    CHECK(tg_column_text(&col, 0) == NULL);
    char id[] = "city-01";
    CHECK_INT(tg_column_set_text(&col, 1, id, &err), TG_OK);
    id[0] = 'X';
    CHECK_STR(tg_column_text(&col, 1), "city-01");
    for (int i = 0; i < 5000; i++) /* grows the arena past its first block */
        CHECK_INT(tg_column_set_text(&col, 2, "a longer value that fills the arena", &err), TG_OK);
    CHECK_STR(tg_column_text(&col, 1), "city-01");
    CHECK_INT(encode(&col, 0, bytes), 4);
    CHECK_INT(encode(&col, 1, bytes), 4 + 7);
    CHECK(memcmp(bytes + 4, "city-01", 7) == 0);
    tg_column_destroy(&col);

    /* double precision[]: array_send's layout; an empty array has no dimensions. */
    CHECK_INT(tg_column_init(&col, "v", TG_COLUMN_DOUBLE_ARRAY, 2, &err), TG_OK);
    const double values[] = {1.5, -2};
    CHECK_INT(tg_column_set_array(&col, 0, values, 2, &err), TG_OK);
    CHECK_INT(tg_column_set_array(&col, 1, values, 0, &err), TG_OK);
    CHECK_INT(encode(&col, 0, bytes), 4 + 20 + 2 * 12);
    CHECK_INT(be32(bytes), 20 + 2 * 12);
    CHECK_INT(be32(bytes + 4), 1);      /* one dimension */
    CHECK_INT(be32(bytes + 12), 701);   /* float8 */
    CHECK_INT(be32(bytes + 16), 2);     /* two elements */
    CHECK_INT(be32(bytes + 20), 1);     /* lower bound 1 */
    CHECK_INT(encode(&col, 1, bytes), 4 + 12);
    CHECK_INT(be32(bytes + 4), 0);
    tg_column_destroy(&col);

    tg_column zeroed = {0};
    tg_column_destroy(&zeroed);
    return tg_check_report("test_column");
}
