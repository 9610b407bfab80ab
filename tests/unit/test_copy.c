/* test_copy.c - unit tests of the COPY codecs: text-format decoding and binary-format encoding. */
#include <stdint.h>
#include <stdlib.h>

#include "tg_check.h"
#include "tg_copy.h"

static int split(const char *text, char **fields, size_t max, char *buf, size_t size)
{
    snprintf(buf, size, "%s", text);
    return tg_copy_split_text(buf, strlen(buf), fields, max);
}

static void check_text_decoding(void)
{
    char buf[256], *f[8];

    CHECK_INT(split("a\tb\tc\n", f, 8, buf, sizeof buf), 3);
    CHECK_STR(f[0], "a");
    CHECK_STR(f[1], "b");
    CHECK_STR(f[2], "c");

    /* \N alone is NULL; an escaped backslash followed by N is the text "\N". */
    CHECK_INT(split("\\N\tx\t\\\\N\t\\N\n", f, 8, buf, sizeof buf), 4);
    CHECK(f[0] == NULL);
    CHECK_STR(f[1], "x");
    CHECK_STR(f[2], "\\N");
    CHECK(f[3] == NULL);

    /* Escapes decode in place; empty fields stay empty strings, not NULL. */
    CHECK_INT(split("tab\\there\tnl\\nx\t\tback\\\\slash\tcr\\rv\\vb\\bf\\f\n", f, 8, buf, sizeof buf), 5);
    CHECK_STR(f[0], "tab\there");
    CHECK_STR(f[1], "nl\nx");
    CHECK_STR(f[2], "");
    CHECK_STR(f[3], "back\\slash");
    CHECK_STR(f[4], "cr\rv\vb\bf\f");

    CHECK_INT(split("\n", f, 8, buf, sizeof buf), 1);
    CHECK_STR(f[0], "");
    CHECK_INT(split("a\tb\tc\n", f, 2, buf, sizeof buf), -1);
    CHECK_INT(split("\\N\n", f, 1, buf, sizeof buf), 1);
    CHECK(f[0] == NULL);
    /* UTF-8 passes through byte for byte. */
    CHECK_INT(split("ソA\tcafé\n", f, 8, buf, sizeof buf), 2);
    CHECK_STR(f[0], "ソA");
    CHECK_STR(f[1], "café");
}

static int64_t be(const char *at, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = v << 8 | (unsigned char)at[i];
    return bytes == 2 ? (int16_t)v : bytes == 4 ? (int32_t)v : (int64_t)v;
}

/* The binary format, byte by byte, as PostgreSQL's documentation of COPY lays it out. */
static void check_binary_encoding(void)
{
    tg_copy_buffer buf = {0};
    tg_copy_header(&buf);
    CHECK_INT(buf.len, 19);
    CHECK(memcmp(buf.data, "PGCOPY\n\377\r\n\0", 11) == 0);
    CHECK_INT(be(buf.data + 11, 4), 0);
    CHECK_INT(be(buf.data + 15, 4), 0);

    tg_copy_row(&buf, 3);
    tg_copy_text(&buf, "ソA");
    tg_copy_int8(&buf, -2);
    tg_copy_float8(&buf, 0.85);
    tg_copy_trailer(&buf);
    const char *row = buf.data + 19;
    CHECK_INT(be(row, 2), 3);
    CHECK_INT(be(row + 2, 4), 4); /* "ソA" is 4 bytes of UTF-8 */
    CHECK(memcmp(row + 6, "ソA", 4) == 0);
    CHECK_INT(be(row + 10, 4), 8);
    CHECK_INT(be(row + 14, 8), -2);
    CHECK_INT(be(row + 22, 4), 8);
    uint64_t bits = (uint64_t)be(row + 26, 8);
    double value;
    memcpy(&value, &bits, sizeof value);
    CHECK_NEAR(value, 0.85, 0);
    CHECK_INT(be(row + 34, 2), -1); /* trailer */
    CHECK_INT(buf.len, 19 + 36);
    CHECK(!buf.failed);

    /* Clearing keeps the memory; growth past the first block keeps every byte. */
    tg_copy_buffer_clear(&buf);
    CHECK_INT(buf.len, 0);
    for (int i = 0; i < 20000; i++)
        tg_copy_int8(&buf, i);
    CHECK_INT(buf.len, 20000 * 12);
    CHECK_INT(be(buf.data + 12 * 19999 + 4, 8), 19999);
    tg_copy_buffer_destroy(&buf);
    tg_copy_buffer_destroy(&buf);
}

int main(void)
{
    check_text_decoding();
    check_binary_encoding();
    return tg_check_report("test_copy");
}
