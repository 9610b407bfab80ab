/* test_twins.c - unit tests of the in-memory twin set: id index, duplicate ids, dangling parents and relationships. */
#include <math.h>

#include "tg_check.h"
#include "tg_twins.h"

#define HINT "set \"on_dangling\""

static void add(tg_twins *t, const char *id, const char *parent)
{
    tg_error err = {0};
    CHECK_INT(tg_twins_add(t, id, parent, "camera", NAN, NAN, NULL, &err), TG_OK);
}

int main(void)
{
    tg_error err = {0};
    tg_twins t;

    /* Vertices follow insertion order; parents and relationships resolve to them. */
    tg_twins_init(&t);
    add(&t, "city", NULL);
    add(&t, "city/d1", "city");
    add(&t, "city/d1/cam", "city/d1");
    CHECK_INT(tg_twins_finish_devices(&t, false, HINT, NULL, &err), TG_OK);
    CHECK_INT(t.n_twins, 3);
    CHECK_INT(tg_twins_find(&t, "city/d1"), 1);
    CHECK_INT(tg_twins_find(&t, "nope"), -1);
    CHECK_INT(t.parent[0], -1);
    CHECK_INT(t.parent[2], 1);
    CHECK_STR(tg_twins_id(&t, 2), "city/d1/cam");
    CHECK_STR(tg_twins_model(&t, 2), "camera");
    CHECK_INT(tg_twins_add_relationship(&t, "city/d1/cam", "city", "feeds", NULL, &err), TG_OK);
    CHECK_INT(tg_twins_add_relationship(&t, "city", "city/d1", "monitors", NULL, &err), TG_OK);
    CHECK_INT(tg_twins_add_relationship(&t, "city", "city/d1/cam", "feeds", NULL, &err), TG_OK);
    CHECK_INT(tg_twins_finish_relationships(&t, false, HINT, NULL, &err), TG_OK);
    CHECK_INT(t.n_relationships, 3);
    CHECK_INT(t.n_kinds, 2);
    CHECK_INT(t.rel_source[0], 2);
    CHECK_INT(t.rel_target[0], 0);
    CHECK_INT(t.rel_kind[2], t.rel_kind[0]);
    tg_twins_destroy(&t);
    tg_twins_destroy(&t); /* destroy twice is safe: it zeroes */

    /* Duplicate ids: an error naming them. */
    tg_twins_init(&t);
    add(&t, "a", NULL);
    add(&t, "b", NULL);
    add(&t, "a", NULL);
    CHECK_INT(tg_twins_finish_devices(&t, false, HINT, NULL, &err), TG_ERR_INPUT);
    CHECK_CONTAINS(err.message, "not unique");
    CHECK_CONTAINS(err.detail, "\"a\"");
    tg_twins_destroy(&t);

    /* Dangling parents: error with count and first examples, or dropped (made roots). */
    for (int drop = 0; drop <= 1; drop++) {
        tg_twins_init(&t);
        add(&t, "root", NULL);
        char id[32];
        for (int i = 0; i < 7; i++) {
            snprintf(id, sizeof id, "orphan%d", i);
            add(&t, id, "ghost");
        }
        tg_status st = tg_twins_finish_devices(&t, drop, HINT, NULL, &err);
        if (drop) {
            CHECK_INT(st, TG_OK);
            CHECK_INT(t.parent[3], -1);
        } else {
            CHECK_INT(st, TG_ERR_INPUT);
            CHECK_CONTAINS(err.message, "7 parents");
            CHECK_CONTAINS(err.detail, "twin \"orphan0\" has parent_id \"ghost\"");
            CHECK(strstr(err.detail, "orphan5") == NULL); /* at most 5 examples */
            CHECK_CONTAINS(err.hint, "on_dangling");
        }
        CHECK_INT(t.dangling_parents.count, 7);
        tg_twins_destroy(&t);
    }

    /* Dangling relationship endpoints are counted, not added. */
    tg_twins_init(&t);
    add(&t, "x", NULL);
    CHECK_INT(tg_twins_finish_devices(&t, false, HINT, NULL, &err), TG_OK);
    CHECK_INT(tg_twins_add_relationship(&t, "x", "missing", "feeds", NULL, &err), TG_OK);
    CHECK_INT(t.n_relationships, 0);
    CHECK_INT(tg_twins_finish_relationships(&t, false, HINT, NULL, &err), TG_ERR_INPUT);
    CHECK_CONTAINS(err.detail, "target_id \"missing\" (feeds)");
    tg_twins_destroy(&t);

    /* Many twins: the index still finds every one (exercises growth of arrays and arena). */
    tg_twins_init(&t);
    char id[32];
    for (int i = 0; i < 50000; i++) {
        snprintf(id, sizeof id, "twin-%06d", i);
        tg_twins_add(&t, id, i ? "twin-000000" : NULL, NULL, 1.0, 2.0, NULL, &err);
    }
    CHECK_INT(tg_twins_finish_devices(&t, false, HINT, NULL, &err), TG_OK);
    int found = 0;
    for (int i = 0; i < 50000; i++) {
        snprintf(id, sizeof id, "twin-%06d", i);
        found += tg_twins_find(&t, id) == i;
    }
    CHECK_INT(found, 50000);
    CHECK(tg_twins_model(&t, 7) == NULL);
    tg_twins_destroy(&t);
    /* Twin-document values and relationship values travel with their rows; kinds are interned. */
    tg_twins_init(&t);
    t.n_doc_values = 2;
    t.n_rel_values = 1;
    const char *doc_a[] = {"\"1.2.0\"", NULL}, *doc_b[] = {NULL, "{\"k\": 1}"};
    CHECK_INT(tg_twins_add(&t, "a", NULL, NULL, NAN, NAN, doc_a, &err), TG_OK);
    CHECK_INT(tg_twins_add(&t, "b", "a", NULL, NAN, NAN, doc_b, &err), TG_OK);
    CHECK_INT(tg_twins_finish_devices(&t, false, HINT, NULL, &err), TG_OK);
    CHECK_STR(tg_twins_doc_value(&t, 0, 0), "\"1.2.0\"");
    CHECK(tg_twins_doc_value(&t, 1, 0) == NULL);
    CHECK_STR(tg_twins_doc_value(&t, 1, 1), "{\"k\": 1}");
    double w1 = 2.5, w2 = NAN;
    for (int i = 0; i < 3000; i++)
        CHECK_INT(tg_twins_add_relationship(&t, "a", "b", i % 3 ? "feeds" : "powers", i % 2 ? &w1 : &w2, &err), TG_OK);
    CHECK_INT(t.n_kinds, 2);
    CHECK_NEAR(t.rel_value[0][1], 2.5, 0);
    CHECK(isnan(t.rel_value[0][2]));
    CHECK_INT(t.rel_kind[3], t.rel_kind[0]);
    tg_twins_destroy(&t);
    return tg_check_report("test_twins");
}
