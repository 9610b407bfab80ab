/* test_db.c - unit tests of the database helpers that need no server: splitting table names. */
#include <stdlib.h>

#include "tg_check.h"
#include "tg_db.h"

int main(void)
{
    char *schema, *table;
    tg_error err = {0};
    CHECK_INT(tg_db_split_name("features.device_features", &schema, &table, &err), TG_OK);
    CHECK_STR(schema, "features");
    CHECK_STR(table, "device_features");
    free(schema);
    free(table);
    CHECK_INT(tg_db_split_name("devices", &schema, &table, &err), TG_OK);
    CHECK_STR(schema, "public");
    CHECK_STR(table, "devices");
    free(schema);
    free(table);
    CHECK_INT(tg_db_split_name("My Schema.Weird View", &schema, &table, &err), TG_OK);
    CHECK_STR(schema, "My Schema");
    CHECK_STR(table, "Weird View");
    free(schema);
    free(table);
    CHECK_INT(tg_db_split_name("a.b.c", &schema, &table, &err), TG_ERR_INPUT);
    CHECK_CONTAINS(err.message, "a.b.c");
    CHECK(schema == NULL && table == NULL);
    CHECK_INT(tg_db_split_name(".x", &schema, &table, &err), TG_ERR_INPUT);
    CHECK_INT(tg_db_split_name("x.", &schema, &table, &err), TG_ERR_INPUT);
    return tg_check_report("test_db");
}
