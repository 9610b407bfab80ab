/* test_param.c - unit tests of typed parameters: each type, its range, exact 64-bit integers and the spelling of values in messages. */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "tg_check.h"
#include "tg_param.h"

/* Parses text (NULL: the default) for def; returns the status, value in *out (caller destroys). */
static tg_status parse(const tg_param_def *def, const char *text, tg_param_value *out, tg_error *err)
{
    json_t *v = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
    tg_status st = tg_param_parse(def, v, "f.p", out, err);
    json_decref(v);
    return st;
}

int main(void)
{
    tg_error err = {0};
    tg_param_value v;

    /* A boolean whose default is false takes true (no range check on booleans). */
    const tg_param_def flag = {.name = "weighted", .type = TG_PARAM_BOOLEAN, .default_json = "false"};
    CHECK_INT(parse(&flag, "true", &v, &err), TG_OK);
    CHECK(v.boolean && v.present);
    tg_param_value_destroy(&v);
    CHECK_INT(parse(&flag, NULL, &v, &err), TG_OK);
    CHECK(!v.boolean && v.present);
    tg_param_value_destroy(&v);
    CHECK_INT(parse(&flag, "1", &v, &err), TG_ERR_INPUT);
    CHECK_CONTAINS(err.message, "\"f.p\" must be a boolean, not an integer");
    tg_param_value_destroy(&v);

    /* 64-bit integers stay exact above 2^53, and an out-of-range value is printed as written. */
    const tg_param_def big = {.name = "n", .type = TG_PARAM_INTEGER, .default_json = "0", .min_integer = 0,
                              .max_integer = INT64_MAX};
    CHECK_INT(parse(&big, "9007199254740993", &v, &err), TG_OK);
    CHECK(v.integer == INT64_C(9007199254740993));
    char text[128];
    tg_param_format(&big, &v, text, sizeof text);
    CHECK_STR(text, "9007199254740993");
    tg_param_value_destroy(&v);
    const tg_param_def small = {.name = "k", .type = TG_PARAM_INTEGER, .default_json = "1", .min_integer = 1,
                                .max_integer = 1000};
    CHECK_INT(parse(&small, "1000000001", &v, &err), TG_ERR_INPUT);
    CHECK_CONTAINS(err.message, "must be within 1..1000, not 1000000001");
    tg_param_value_destroy(&v);
    CHECK_INT(parse(&small, "2.5", &v, &err), TG_ERR_INPUT);
    tg_param_value_destroy(&v);

    /* Numbers with a unit: the unit shows in the range and the formatted value. */
    const tg_param_def radius = {.name = "radius_m", .type = TG_PARAM_NUMBER, .default_json = "100",
                                 .min_number = 0, .max_number = 1e6, .unit = "m"};
    CHECK_INT(parse(&radius, NULL, &v, &err), TG_OK);
    tg_param_format(&radius, &v, text, sizeof text);
    CHECK_STR(text, "100 m");
    tg_param_value_destroy(&v);
    CHECK_INT(parse(&radius, "-5", &v, &err), TG_ERR_INPUT);
    CHECK_CONTAINS(err.message, "must be within 0..1000000 m, not -5");
    tg_param_value_destroy(&v);

    /* Strings, lists of strings, objects from names to integers. */
    const tg_param_def key = {.name = "key", .type = TG_PARAM_STRING};
    CHECK_INT(parse(&key, NULL, &v, &err), TG_OK);
    CHECK(!v.present);
    tg_param_value_destroy(&v);
    CHECK_INT(parse(&key, "\"\"", &v, &err), TG_ERR_INPUT);
    tg_param_value_destroy(&v);
    const tg_param_def kinds = {.name = "kinds", .type = TG_PARAM_STRING_LIST, .default_json = "[\"feeds\"]"};
    CHECK_INT(parse(&kinds, "[\"feeds\", \"powers\"]", &v, &err), TG_OK);
    CHECK_INT(v.count, 2);
    tg_param_format(&kinds, &v, text, sizeof text);
    CHECK_STR(text, "[\"feeds\", \"powers\"]");
    tg_param_value_destroy(&v);
    CHECK_INT(parse(&kinds, "[\"feeds\", 3]", &v, &err), TG_ERR_INPUT);
    CHECK_CONTAINS(err.message, "\"f.p[1]\" must be a non-empty string");
    tg_param_value_destroy(&v);
    const tg_param_def levels = {.name = "levels", .type = TG_PARAM_NAME_INTEGERS, .min_integer = 0,
                                 .max_integer = 100};
    CHECK_INT(parse(&levels, "{\"district\": 1, \"intersection\": 2}", &v, &err), TG_OK);
    CHECK_STR(v.names[1], "intersection");
    CHECK(v.integers[1] == 2);
    tg_param_format(&levels, &v, text, sizeof text);
    CHECK_STR(text, "{\"district\": 1, \"intersection\": 2}");
    tg_param_value_destroy(&v);
    CHECK_INT(parse(&levels, "{\"district\": 101}", &v, &err), TG_ERR_INPUT);
    CHECK_CONTAINS(err.message, "\"f.p.district\" must be within 0..100, not 101");
    tg_param_value_destroy(&v);

    /* A choice keeps the index of the chosen string. */
    static const char *const modes[] = {"in", "out", "all", NULL};
    const tg_param_def mode = {.name = "direction", .type = TG_PARAM_CHOICE, .default_json = "\"in\"", .choices = modes};
    CHECK_INT(parse(&mode, "\"all\"", &v, &err), TG_OK);
    CHECK_INT(v.choice, 2);
    tg_param_value_destroy(&v);
    CHECK_INT(parse(&mode, "\"up\"", &v, &err), TG_ERR_INPUT);
    CHECK_CONTAINS(err.hint, "in | out | all");
    tg_param_value_destroy(&v);

    tg_param_value zeroed = {0};
    tg_param_value_destroy(&zeroed);
    return tg_check_report("test_param");
}
