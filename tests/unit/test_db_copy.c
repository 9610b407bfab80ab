/* test_db_copy.c - unit tests of COPY text-format decoding and encoding (tg_db_copy_split, tg_db_copy_append). */
#include <stdlib.h>

#include "tg_check.h"
#include "tg_db.h"

static int split(const char *text, char **fields, size_t max, char *buf, size_t size)
{
    snprintf(buf, size, "%s", text);
    return tg_db_copy_split(buf, strlen(buf), fields, max);
}

int main(void)
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
    CHECK_INT(split("tab\\there\tnl\\nx\t\tback\\\\slash\n", f, 8, buf, sizeof buf), 4);
    CHECK_STR(f[0], "tab\there");
    CHECK_STR(f[1], "nl\nx");
    CHECK_STR(f[2], "");
    CHECK_STR(f[3], "back\\slash");

    CHECK_INT(split("\n", f, 8, buf, sizeof buf), 1);
    CHECK_STR(f[0], "");
    CHECK_INT(split("a\tb\tc\n", f, 2, buf, sizeof buf), -1);
    CHECK_INT(split("\\N\n", f, 1, buf, sizeof buf), 1);
    CHECK(f[0] == NULL);

    /* Round trip: what tg_db_copy_append escapes, tg_db_copy_split gives back. */
    const char *values[] = {"plain", "with\ttab", "line\nbreak", "back\\slash", "\\N", "cr\rx", ""};
    size_t n_values = sizeof values / sizeof values[0];
    char *line = NULL;
    size_t len = 0, cap = 0;
    for (size_t i = 0; i < n_values; i++) {
        if (i)
            CHECK_INT(tg_db_copy_append(&line, &len, &cap, "\t", false), TG_OK);
        CHECK_INT(tg_db_copy_append(&line, &len, &cap, values[i], true), TG_OK);
    }
    CHECK_INT(tg_db_copy_append(&line, &len, &cap, "\n", false), TG_OK);
    CHECK(strchr(line, '\n') == line + len - 1);
    char *fields[8];
    CHECK_INT(tg_db_copy_split(line, len, fields, 8), (int)n_values);
    for (size_t i = 0; i < n_values; i++)
        CHECK_STR(fields[i], values[i]);
    free(line);

    /* Names split into schema and table; more than one dot or an empty part is an error. */
    char *schema, *table;
    tg_error err = {0};
    CHECK_INT(tg_db_split_name("features.device_features", &schema, &table, &err), TG_OK);
    CHECK_STR(schema, "features");
    CHECK_STR(table, "device_features");
    free(schema);
    free(table);
    CHECK_INT(tg_db_split_name("devices", &schema, &table, &err), TG_OK);
    CHECK_STR(schema, "public");
    free(schema);
    free(table);
    CHECK_INT(tg_db_split_name("a.b.c", &schema, &table, &err), TG_ERR_INPUT);
    CHECK_CONTAINS(err.message, "a.b.c");
    CHECK_INT(tg_db_split_name(".x", &schema, &table, &err), TG_ERR_INPUT);
    return tg_check_report("test_db_copy");
}
