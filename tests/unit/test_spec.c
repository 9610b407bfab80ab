/* test_spec.c - data-driven job spec cases (tests/spec_cases/<case>/{job.json, error|columns}) plus a few direct checks. */
#include <dirent.h>
#include <stdlib.h>

#include "tg_check.h"
#include "tg_spec.h"

/* Reads a small file into buf without its trailing newline; returns 0 when it does not exist. */
static int read_text(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, size - 1, f);
    fclose(f);
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    return 1;
}

static void run_case(const char *root, const char *name)
{
    char path[1024], expected[2048], columns[2048] = "";
    tg_spec spec;
    tg_error err = {0};
    snprintf(path, sizeof path, "%s/%s/job.json", root, name);
    tg_status st = tg_spec_load_file(&spec, path, &err);

    snprintf(path, sizeof path, "%s/%s/error", root, name);
    if (read_text(path, expected, sizeof expected)) {
        if (st == TG_OK)
            fprintf(stderr, "case %s: parsed, but should fail with: %s\n", name, expected);
        CHECK_INT(st, TG_ERR_INPUT);
        CHECK_CONTAINS(err.message, expected);
    } else {
        snprintf(path, sizeof path, "%s/%s/columns", root, name);
        CHECK(read_text(path, expected, sizeof expected));
        if (st != TG_OK)
            fprintf(stderr, "case %s: unexpected error: %s\n", name, err.message);
        CHECK_INT(st, TG_OK);
        for (size_t f = 0; f < spec.n_features; f++)
            for (size_t c = 0; c < spec.features[f].n_columns; c++) {
                if (columns[0])
                    strcat(columns, " ");
                strcat(columns, spec.features[f].columns[c].name);
            }
        CHECK_STR(columns, expected);
    }
    tg_spec_destroy(&spec);
}

static void check_defaults(void)
{
    tg_spec spec;
    tg_error err = {0};
    CHECK_INT(tg_spec_load_string(&spec, "{\"features\": [\"pagerank\"]}", &err), TG_OK);
    CHECK_STR(spec.devices_source, "twin.devices");
    CHECK_STR(spec.relationships_source, "twin.relationships");
    CHECK_STR(spec.output_table, "features.device_features");
    CHECK_STR(spec.runs_table, "features.runs");
    CHECK(!spec.directed);
    CHECK(spec.simplify);
    CHECK_INT(spec.n_layers, 2);
    CHECK_STR(spec.layers[0].name, "hierarchy");
    CHECK_STR(spec.layers[1].name, "relationships");
    CHECK(spec.layers[1].kinds == NULL);
    CHECK_INT(spec.on_dangling, TG_DANGLING_ERROR);
    CHECK_NEAR(spec.features[0].params[0].number, 0.85, 1e-15);
    CHECK_INT(spec.features[0].layer, -1);
    CHECK_STR(spec.json, "{\"features\": [\"pagerank\"]}"); /* kept as written */
    tg_spec_destroy(&spec);

    /* Unqualified table names mean schema public, spelled out so each table has one name. */
    CHECK_INT(tg_spec_load_string(&spec,
                                  "{\"source\": {\"devices\": \"devices\"}, \"features\": [\"degree\"],"
                                  " \"output\": {\"table\": \"device_features\", \"runs\": \"my.runs\"}}",
                                  &err),
              TG_OK);
    CHECK_STR(spec.devices_source, "public.devices");
    CHECK_STR(spec.output_table, "public.device_features");
    CHECK_STR(spec.runs_table, "my.runs");
    tg_spec_destroy(&spec);

    /* A hierarchy-only job reads no relationships. */
    CHECK_INT(tg_spec_load_string(&spec, "{\"graph\": {\"layers\": [\"hierarchy\"]}, \"features\": [\"degree\"]}", &err),
              TG_OK);
    CHECK(spec.relationships_source == NULL);
    tg_spec_destroy(&spec);

    /* Layer options and parameters land where the later stages read them. */
    CHECK_INT(tg_spec_load_string(&spec,
                                  "{\"source\": {\"on_dangling\": \"drop\"}, \"graph\": {\"simplify\": false, "
                                  "\"layers\": [{\"relationships\": {\"kinds\": [\"feeds\", \"monitors\"], \"name\": \"feeds\"}}]},"
                                  " \"features\": [{\"name\": \"pagerank\", \"layer\": \"feeds\", \"damping\": 0.5}]}",
                                  &err),
              TG_OK);
    CHECK_INT(spec.on_dangling, TG_DANGLING_DROP);
    CHECK(!spec.simplify);
    CHECK_INT(spec.layers[0].n_kinds, 2);
    CHECK_STR(spec.layers[0].kinds[1], "monitors");
    CHECK_INT(spec.features[0].layer, 0);
    CHECK_NEAR(spec.features[0].params[0].number, 0.5, 1e-15);
    CHECK_STR(spec.features[0].columns[0].name, "pagerank_feeds");
    tg_spec_destroy(&spec);

    /* A choice is stored as the index of the chosen string; the hint lists the choices. */
    CHECK_INT(tg_spec_load_string(&spec, "{\"features\": [{\"name\": \"harmonic\", \"direction\": \"all\"}]}", &err),
              TG_OK);
    CHECK_INT(spec.features[0].params[0].choice, 2);
    CHECK_NEAR(spec.features[0].params[1].number, -1, 0);
    tg_spec_destroy(&spec);
    CHECK_INT(tg_spec_load_string(&spec, "{\"features\": [{\"name\": \"harmonic\", \"direction\": \"up\"}]}", &err),
              TG_ERR_INPUT);
    CHECK_CONTAINS(err.hint, "in | out | all");
    tg_spec_destroy(&spec);

    /* Errors carry a hint where one helps; a missing file names the path. */
    CHECK_INT(tg_spec_load_string(&spec, "{\"features\": [\"pagerankk\"]}", &err), TG_ERR_INPUT);
    CHECK_CONTAINS(err.hint, "twingraph features");
    tg_spec_destroy(&spec);
    CHECK_INT(tg_spec_load_file(&spec, "/nonexistent/job.json", &err), TG_ERR_INPUT);
    CHECK_CONTAINS(err.message, "/nonexistent/job.json");
    tg_spec_destroy(&spec);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_spec SPEC_CASES_DIR\n");
        return 2;
    }
    DIR *dir = opendir(argv[1]);
    if (!dir) {
        fprintf(stderr, "cannot open %s\n", argv[1]);
        return 1;
    }
    int cases = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        char job[1024];
        FILE *f;
        snprintf(job, sizeof job, "%s/%s/job.json", argv[1], entry->d_name);
        if (entry->d_name[0] == '.' || !(f = fopen(job, "r")))
            continue;
        fclose(f);
        run_case(argv[1], entry->d_name);
        cases++;
    }
    closedir(dir);
    CHECK(cases >= 30);
    check_defaults();
    return tg_check_report("test_spec");
}
