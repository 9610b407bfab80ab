/* twingraph.c - the command line: run a job, validate a job spec, print the feature dictionary. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <igraph.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "tg_error.h"
#include "tg_feature.h"
#include "tg_igraph.h"
#include "tg_interrupt.h"
#include "tg_run.h"
#include "tg_spec.h"

#ifndef TWINGRAPH_VERSION
#define TWINGRAPH_VERSION "unknown"
#endif

static void print_usage(FILE *out)
{
    fputs("twingraph - graph features of digital-twin topology, from PostgreSQL back to PostgreSQL\n"
          "\n"
          "Usage:\n"
          "  twingraph run JOB.json [--db CONNINFO] [--top N] [--allow-shrink]\n"
          "                          read twins, build the layered graph, compute the job's features\n"
          "                          and replace the output table atomically\n"
          "  twingraph validate JOB.json\n"
          "                          check a job spec without touching a database; print its columns\n"
          "  twingraph features      print the feature dictionary\n"
          "  twingraph --help | --version\n"
          "\n"
          "Options:\n"
          "  --db CONNINFO   libpq conninfo string or URI (\"host=/tmp dbname=twins\",\n"
          "                  \"postgresql://user@host/db\"); default: the PG* environment variables\n"
          "  --top N         twins listed per ranking in the run summary (default 5, 0 for none)\n"
          "  --allow-shrink  replace the features even when the twins are far fewer than last time\n"
          "\n"
          "Exit codes: 0 success, 1 invalid job spec or twin data (or an internal error),\n"
          "            2 invalid command line, 3 database error (connection or SQL),\n"
          "            130 interrupted by SIGINT or SIGTERM (the previous features stay).\n"
          "Results go to stdout, progress and errors to stderr.\n",
          out);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "twingraph: error: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry \"twingraph --help\" for more information.\n");
    return tg_error_exit_code(TG_ERR_USAGE);
}

static int fail(const tg_error *err)
{
    tg_error_print(err);
    return tg_error_exit_code(err->status);
}

static void print_version(void)
{
    const char *igraph_text = NULL;
    igraph_version(&igraph_text, NULL, NULL, NULL);
    int pq = PQlibVersion();
    printf("twingraph %s (igraph %s, jansson %s, libpq %d.%d)\n", TWINGRAPH_VERSION, igraph_text,
           jansson_version_str(), pq / 10000, pq % 10000);
}

static int command_validate(const char *path)
{
    tg_spec spec;
    tg_error err = {0};
    if (tg_spec_load_file(&spec, path, &err)) {
        tg_spec_destroy(&spec);
        return fail(&err);
    }
    printf("%s: valid; writes %zu feature column%s to %s:\n", path, tg_spec_column_count(&spec),
           tg_spec_column_count(&spec) == 1 ? "" : "s",
           spec.output_table);
    for (size_t f = 0; f < spec.n_features; f++)
        for (size_t c = 0; c < spec.features[f].n_columns; c++)
            printf("  %s %s\n", spec.features[f].columns[c].name, tg_column_sql_type(spec.features[f].columns[c].type));
    tg_spec_destroy(&spec);
    return 0;
}

static int command_run(int argc, char **argv)
{
    const char *job = NULL;
    tg_run_options options = {.conninfo = NULL, .summary = stdout, .top = 5, .allow_shrink = false};
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--db") == 0) {
            if (++i == argc)
                return usage_error("%s needs a value", "--db");
            options.conninfo = argv[i];
        } else if (strcmp(argv[i], "--allow-shrink") == 0) {
            options.allow_shrink = true;
        } else if (strcmp(argv[i], "--top") == 0) {
            char *end;
            if (++i == argc)
                return usage_error("%s needs a value", "--top");
            long top = strtol(argv[i], &end, 10);
            if (*end || top < 0 || top > 1000)
                return usage_error("--top must be a whole number from 0 to 1000, not \"%s\"", argv[i]);
            options.top = (int)top;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return usage_error("unknown option \"%s\"", argv[i]);
        } else if (job) {
            return usage_error("more than one job spec given (\"%s\")", argv[i]);
        } else {
            job = argv[i];
        }
    }
    if (!job)
        return usage_error("run needs a job spec: twingraph run JOB.json");

    tg_spec spec;
    tg_error err = {0};
    tg_status st = tg_spec_load_file(&spec, job, &err);
    if (!st)
        st = tg_run_job(&spec, &options, &err);
    tg_spec_destroy(&spec);
    return st ? fail(&err) : 0;
}

int main(int argc, char **argv)
{
    /* igraph's default error handler aborts the process; ours reports and returns. */
    tg_igraph_install_handlers();
    tg_interrupt_install();

    if (argc < 2) {
        print_usage(stderr);
        return tg_error_exit_code(TG_ERR_USAGE);
    }
    const char *command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 || strcmp(command, "help") == 0) {
        print_usage(stdout);
        return 0;
    }
    if (strcmp(command, "--version") == 0 || strcmp(command, "-V") == 0) {
        print_version();
        return 0;
    }
    if (strcmp(command, "features") == 0) {
        if (argc > 2)
            return usage_error("features takes no arguments (got \"%s\")", argv[2]);
        tg_feature_print_dictionary(stdout);
        return 0;
    }
    if (strcmp(command, "validate") == 0) {
        if (argc != 3)
            return usage_error("validate needs exactly one job spec: twingraph validate JOB.json");
        return command_validate(argv[2]);
    }
    if (strcmp(command, "run") == 0)
        return command_run(argc - 2, argv + 2);
    return usage_error("unknown command \"%s\"", command);
}
