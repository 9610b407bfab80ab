/* tg_param.h - typed feature parameters: their definitions, values, strict parsing from the job spec and formatting. */
#ifndef TG_PARAM_H
#define TG_PARAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tg_error.h"

typedef enum {
    TG_PARAM_NUMBER,        /* a JSON number within [min_number, max_number], optionally with a unit */
    TG_PARAM_INTEGER,       /* a JSON integer within [min_integer, max_integer], kept as int64 */
    TG_PARAM_BOOLEAN,
    TG_PARAM_CHOICE,        /* one of choices */
    TG_PARAM_STRING,        /* a non-empty string */
    TG_PARAM_STRING_LIST,   /* a non-empty array of distinct non-empty strings */
    TG_PARAM_NAME_INTEGERS, /* a non-empty object from names to integers within [min_integer, max_integer] */
    TG_PARAM_TWIN_SET       /* {"devices": [ids]} or {"models": [models]}: choice 0 or 1, names the list */
} tg_param_type;

/* One parameter a feature accepts in its job-spec object form. */
typedef struct {
    const char *name;
    tg_param_type type;
    const char *default_json;     /* the default as a spec spells it ("0.85", "true", "\"in\""), or NULL
                                     when the parameter has none (then absent unless given) */
    double min_number, max_number;    /* NUMBER: inclusive bounds */
    int64_t min_integer, max_integer; /* INTEGER, NAME_INTEGERS: inclusive bounds */
    const char *const *choices;       /* CHOICE: the allowed strings, NULL-terminated */
    const char *unit;                 /* NUMBER: "m", "s", ... or NULL */
    const char *doc;
    bool required;                    /* the entry must give it (no default) */
} tg_param_def;

/* A parameter's value in the field of its type. */
typedef struct {
    bool present;         /* given in the spec or defaulted; false: absent */
    double number;
    int64_t integer;
    bool boolean;
    int choice;           /* index into choices; TWIN_SET: 0 devices, 1 models */
    char *string;         /* owned */
    size_t count;         /* STRING_LIST, NAME_INTEGERS, TWIN_SET: entries */
    char **names;         /* owned, count entries */
    int64_t *integers;    /* owned, NAME_INTEGERS: count entries */
} tg_param_value;

/* Parses v (or, when v is NULL, the definition's default) into out, checking type and range.
 * path names the key in messages ("features[2].damping"). out is initialised here; release it
 * with tg_param_value_destroy whatever the result. */
tg_status tg_param_parse(const tg_param_def *def, const json_t *v, const char *path, tg_param_value *out,
                         tg_error *err);

/* Fills err with 'job spec: "path" must be <expected>, not <v's JSON type>' and returns
 * TG_ERR_INPUT: the one wording of a type error in a job spec. */
tg_status tg_param_wrong_type(tg_error *err, const char *path, const char *expected, const json_t *v);

/* Frees what the value owns. Accepts a zeroed value. */
void tg_param_value_destroy(tg_param_value *value);

/* Writes the value as the job spec would spell it (0.85, true, "in", ["a", "b"], {"a": 1}). */
void tg_param_format(const tg_param_def *def, const tg_param_value *value, char *buf, size_t size);

/* Writes the allowed range or choices ("0..1 m", "in | out | all"), or "" when any value of the
 * type is allowed. */
void tg_param_describe_range(const tg_param_def *def, char *buf, size_t size);

#endif
