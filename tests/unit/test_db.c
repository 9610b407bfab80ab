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
    /* Secrets are masked wherever they occur, also in a buffer too small for the mask. */
    char text[64] = "password=S3cr3t host=S3cr3t";
    tg_db_redact(text, sizeof text, "S3cr3t");
    CHECK_STR(text, "password=******** host=********");
    char tiny[8] = "ab";
    tg_db_redact(tiny, sizeof tiny, "b");
    CHECK(strstr(tiny, "b") == NULL);
    tg_db_redact(text, sizeof text, "");
    tg_db_redact(text, sizeof text, NULL);
    CHECK_STR(text, "password=******** host=********");

    /* A connection string that does not parse: refused without quoting a password. */
    PGconn *conn = NULL;
    const char *bad[] = {"postgresql://u:S3cr%zzPW@localhost/db", "host=x password S3crPWsecondhalf",
                         "postgresql://u:S3cr3tPW@[::1/db"};
    for (size_t i = 0; i < 3; i++) {
        CHECK_INT(tg_db_connect(bad[i], &conn, &err), TG_ERR_DB);
        CHECK(conn == NULL);
        CHECK(strstr(err.message, "S3cr") == NULL && strstr(err.detail, "S3cr") == NULL &&
              strstr(err.hint, "S3cr") == NULL);
    }
    CHECK_INT(tg_db_connect("host=x port", &conn, &err), TG_ERR_DB);
    CHECK_CONTAINS(err.detail, "port"); /* no password: libpq's reason is shown */
    return tg_check_report("test_db");
}
