/* twingraph.c - the command line: run a job, validate a job spec, print the feature dictionary, load an import file. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <igraph.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "tg_blocks.h"
#include "tg_error.h"
#include "tg_export.h"
#include "tg_feature.h"
#include "tg_igraph.h"
#include "tg_interrupt.h"
#include "tg_load.h"
#include "tg_mpi.h"
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
          "  twingraph features [--markdown]\n"
          "                          print the feature dictionary (as Markdown: docs/features.md)\n"
          "  twingraph load --format FORMAT FILE [--db CONNINFO] [--into SCHEMA] [--replace] [--dry-run]\n"
          "                          write the twins and relationships of an import file to\n"
          "                          SCHEMA.devices and SCHEMA.relationships in one transaction\n"
          "                          (FORMAT: adt, adt-graph, iothub, brick; see \"twingraph load --help\")\n"
          "  twingraph export --format geojson|graphml|csv [--table T] [--layer L] [--job JOB.json]\n"
          "                   [--runs R] [--db CONNINFO] [-o FILE]\n"
          "                          write a feature table as GeoJSON (located twins), GraphML (a layer,\n"
          "                          features as node attributes) or CSV; locations and layers come from\n"
          "                          the job of the table's latest succeeded run, or from --job\n"
          "  twingraph --help | --version\n"
          "\n"
          "Options:\n"
          "  --db CONNINFO   libpq conninfo string or URI (\"host=/tmp dbname=twins\",\n"
          "                  \"postgresql://user@host/db\"); default: the PG* environment variables\n"
          "  --top N         twins listed per ranking in the run summary (default 5, 0 for none)\n"
          "  --allow-shrink  replace the features even when the twins are far fewer than last time\n"
          "\n"
          "Environment: PG* (the database when --db is absent); TWINGRAPH_THREADS (threads for the\n"
          "engine's own loops, 1-16, default the cores). Under mpirun (mpirun -n N twingraph run ...),\n"
          "rank 0 reads and writes and every rank shares the source- and sample-parallel loops.\n"
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
    printf("twingraph %s (igraph %s, jansson %s, libpq %d.%d, %s)\n", TWINGRAPH_VERSION, igraph_text,
           jansson_version_str(), pq / 10000, pq % 10000, tg_mpi_library());
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

static void print_load_usage(FILE *out)
{
    fputs("Usage: twingraph load --format FORMAT FILE [options]\n"
          "\n"
          "Formats:\n"
          "  adt         Azure Digital Twins bulk-import NDJSON (Header/Models/Twins/Relationships sections)\n"
          "  adt-graph   Azure Digital Twins Explorer export ({\"digitalTwinsGraph\": ...})\n"
          "  iothub      IoT Hub device twins: a JSON array, or one twin per line\n"
          "  brick       Brick Schema building model in Turtle (.ttl)\n"
          "\n"
          "Options:\n"
          "  --db CONNINFO          libpq conninfo string or URI (default: the PG* environment variables)\n"
          "  --into SCHEMA          target schema of devices and relationships (default twin; created\n"
          "                         with the tables of sql/schema.sql when missing)\n"
          "  --replace              delete the previous twins and relationships in the same transaction\n"
          "  --dry-run              read and check the file, print the summary, write nothing\n"
          "  --parent-kinds LIST    relationship kinds whose source is the parent (\"contains,rel_has_*\";\n"
          "                         a trailing * matches a prefix; \"\" for none)\n"
          "  --child-kinds LIST     relationship kinds whose target is the parent (\"isPartOf\")\n"
          "                         defaults: adt, adt-graph: --child-kinds isPartOf,locatedIn\n"
          "                         --parent-kinds contains,hasPart; brick: X isPartOf Y, then Y hasPart X,\n"
          "                         then X hasLocation Y (Y is the parent); given kinds replace the\n"
          "                         defaults, child kinds ranking before parent kinds\n"
          "  --several-parents error|first\n"
          "                         a twin with two parents is an error (default; brick: first), or keeps\n"
          "                         the link of the kind named first, then the first in the file\n"
          "  --keep-parent-links    write the relationships that became parent links as relationships too\n"
          "  --short-models         adt, adt-graph: model \"room\" instead of \"dtmi:com:example:room;1\"\n"
          "  --location PATH        adt, adt-graph: each twin's {\"lat\", \"lon\"} object at PATH of its document\n"
          "                         (\"location\", \"properties.geo\") fills devices.lat and lon\n"
          "  --parent-tag PATH      iothub: a tag naming a parent level (\"location.building\"); repeat\n"
          "                         from the outermost level in\n"
          "  --model-tag PATH       iothub: the tag holding the model when a twin has no modelId\n"
          "  --tag-ids qualified|as-is\n"
          "                         iothub: a level's id is its tag value qualified by the levels above\n"
          "                         (\"berlin/B2/1\", the default), or the tag value as it is\n"
          "  --full-iris            brick: device_id is the full IRI instead of its local name\n",
          out);
}

/* Splits a comma-separated list in place into items (an empty string is an empty list). */
static int split_list(char *text, const char **items, size_t max, size_t *n, const char *option)
{
    *n = 0;
    for (char *item = text; *text;) {
        char *comma = strchr(item, ',');
        if (comma)
            *comma = '\0';
        if (!*item)
            return usage_error("%s has an empty kind", option);
        if (*n == max)
            return usage_error("%s names more than %zu kinds", option, max);
        items[(*n)++] = item;
        if (!comma)
            break;
        item = comma + 1;
    }
    return 0;
}

static int command_load(int argc, char **argv)
{
    tg_load_options options = {.format = TG_LOAD_ADT};
    bool have_format = false, tag_ids_given = false;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        bool takes_value = strcmp(arg, "--format") == 0 || strcmp(arg, "--db") == 0 || strcmp(arg, "--into") == 0 ||
                           strcmp(arg, "--parent-kinds") == 0 || strcmp(arg, "--child-kinds") == 0 ||
                           strcmp(arg, "--several-parents") == 0 || strcmp(arg, "--parent-tag") == 0 ||
                           strcmp(arg, "--model-tag") == 0 || strcmp(arg, "--tag-ids") == 0 ||
                           strcmp(arg, "--location") == 0;
        if (takes_value && ++i == argc)
            return usage_error("%s needs a value", arg);
        int bad = 0;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            print_load_usage(stdout);
            return 0;
        } else if (strcmp(arg, "--format") == 0) {
            if (!tg_load_format_parse(argv[i], &options.format))
                return usage_error("unknown format \"%s\" (adt, adt-graph, iothub or brick)", argv[i]);
            have_format = true;
        } else if (strcmp(arg, "--db") == 0) {
            options.conninfo = argv[i];
        } else if (strcmp(arg, "--into") == 0) {
            if (!argv[i][0] || strchr(argv[i], '.') || strlen(argv[i]) > 63)
                return usage_error("--into needs a schema name without dots, at most 63 bytes (a job spec names "
                                   "its tables as schema.table), not \"%s\"", argv[i]);
            options.schema = argv[i];
        } else if (strcmp(arg, "--replace") == 0) {
            options.replace = true;
        } else if (strcmp(arg, "--dry-run") == 0) {
            options.dry_run = true;
        } else if (strcmp(arg, "--parent-kinds") == 0) {
            bad = split_list(argv[i], options.parent_kinds, TG_LOAD_MAX_KINDS, &options.n_parent_kinds, arg);
            options.parent_kinds_set = true;
        } else if (strcmp(arg, "--child-kinds") == 0) {
            bad = split_list(argv[i], options.child_kinds, TG_LOAD_MAX_KINDS, &options.n_child_kinds, arg);
            options.child_kinds_set = true;
        } else if (strcmp(arg, "--several-parents") == 0) {
            if (strcmp(argv[i], "first") != 0 && strcmp(argv[i], "error") != 0)
                return usage_error("--several-parents is error or first, not \"%s\"", argv[i]);
            options.several_parents_first = strcmp(argv[i], "first") == 0;
        } else if (strcmp(arg, "--keep-parent-links") == 0) {
            options.keep_parent_links = true;
        } else if (strcmp(arg, "--short-models") == 0) {
            options.short_models = true;
        } else if (strcmp(arg, "--location") == 0) {
            if (!argv[i][0] || argv[i][0] == '.' || argv[i][strlen(argv[i]) - 1] == '.' || strstr(argv[i], ".."))
                return usage_error("--location needs a dotted path such as location or properties.geo, not \"%s\"",
                                   argv[i]);
            options.location = argv[i];
        } else if (strcmp(arg, "--parent-tag") == 0) {
            if (options.n_parent_tags == TG_LOAD_MAX_PARENT_TAGS)
                return usage_error("at most %d --parent-tag options", TG_LOAD_MAX_PARENT_TAGS);
            if (!argv[i][0] || argv[i][0] == '.' || argv[i][strlen(argv[i]) - 1] == '.' || strstr(argv[i], ".."))
                return usage_error("--parent-tag needs a dotted tag path such as location.building, not \"%s\"", argv[i]);
            options.parent_tags[options.n_parent_tags++] = argv[i];
        } else if (strcmp(arg, "--model-tag") == 0) {
            if (!argv[i][0])
                return usage_error("--model-tag needs a tag path");
            options.model_tag = argv[i];
        } else if (strcmp(arg, "--tag-ids") == 0) {
            if (strcmp(argv[i], "qualified") != 0 && strcmp(argv[i], "as-is") != 0)
                return usage_error("--tag-ids is qualified or as-is, not \"%s\"", argv[i]);
            options.raw_tag_ids = strcmp(argv[i], "as-is") == 0;
            tag_ids_given = true;
        } else if (strcmp(arg, "--full-iris") == 0) {
            options.full_iris = true;
        } else if (arg[0] == '-' && arg[1]) {
            return usage_error("unknown option \"%s\"", arg);
        } else if (options.file) {
            return usage_error("more than one file given (\"%s\")", arg);
        } else {
            options.file = arg;
        }
        if (bad)
            return bad;
    }
    if (!have_format)
        return usage_error("load needs --format (adt, adt-graph, iothub or brick)");
    bool azure = options.format == TG_LOAD_ADT || options.format == TG_LOAD_ADT_GRAPH;
    if (options.short_models && !azure)
        return usage_error("--short-models applies to --format adt and adt-graph");
    if ((options.n_parent_tags || options.model_tag || tag_ids_given) && options.format != TG_LOAD_IOTHUB)
        return usage_error("--parent-tag, --model-tag and --tag-ids apply to --format iothub");
    if (options.location && options.format != TG_LOAD_ADT && options.format != TG_LOAD_ADT_GRAPH)
        return usage_error("--location applies to --format adt and adt-graph");
    if (options.full_iris && options.format != TG_LOAD_BRICK)
        return usage_error("--full-iris applies to --format brick");
    if ((options.parent_kinds_set || options.child_kinds_set || options.keep_parent_links) &&
        options.format == TG_LOAD_IOTHUB)
        return usage_error("--parent-kinds, --child-kinds and --keep-parent-links need relationships; "
                           "IoT Hub twins get parents from --parent-tag");
    if (!options.file)
        return usage_error("load needs a file: twingraph load --format FORMAT FILE");
    tg_error err = {0};
    return tg_load_run(&options, stdout, &err) ? fail(&err) : 0;
}

static int command_export(int argc, char **argv)
{
    tg_export_options options = {.table = "features.device_features", .runs = "features.runs"};
    bool have_format = false;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        const char **value = strcmp(arg, "--db") == 0      ? &options.conninfo
                             : strcmp(arg, "--table") == 0 ? &options.table
                             : strcmp(arg, "--runs") == 0  ? &options.runs
                             : strcmp(arg, "--job") == 0   ? &options.job
                             : strcmp(arg, "--layer") == 0 ? &options.layer
                             : strcmp(arg, "-o") == 0 || strcmp(arg, "--output") == 0 ? &options.output
                                                                                     : NULL;
        if (strcmp(arg, "--format") == 0) {
            if (++i == argc)
                return usage_error("%s needs a value", arg);
            if (!tg_export_format_parse(argv[i], &options.format))
                return usage_error("unknown export format \"%s\" (geojson, graphml or csv)", argv[i]);
            have_format = true;
        } else if (value) {
            if (++i == argc)
                return usage_error("%s needs a value", arg);
            *value = argv[i];
        } else
            return usage_error("unknown export option \"%s\"", arg);
    }
    if (!have_format)
        return usage_error("export needs --format geojson, graphml or csv");
    if (options.layer && options.format != TG_EXPORT_GRAPHML)
        return usage_error("--layer is for --format graphml");
    tg_error err = {0};
    return tg_export_run(&options, &err) ? fail(&err) : 0;
}

static int run_command(int argc, char **argv)
{
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
        if (argc == 3 && strcmp(argv[2], "--markdown") == 0) {
            tg_feature_print_markdown(stdout);
            return 0;
        }
        if (argc > 2)
            return usage_error("features takes no arguments but --markdown (got \"%s\")", argv[2]);
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
    if (strcmp(command, "load") == 0)
        return command_load(argc - 2, argv + 2);
    if (strcmp(command, "export") == 0)
        return command_export(argc - 2, argv + 2);
    return usage_error("unknown command \"%s\"", command);
}

int main(int argc, char **argv)
{
    tg_mpi_init(&argc, &argv);
    /* igraph's default error handler aborts the process; ours reports and returns. */
    tg_igraph_install_handlers();
    int code = 0;
    if (tg_mpi_rank() > 0) {
        /* Under mpirun, ranks other than 0 never read the command line's files nor talk to
         * PostgreSQL: they run the loops rank 0 hands out. SIGINT keeps its default there, so an
         * interrupted rank ends the whole job (mpirun) rather than sending half-done blocks. */
        tg_blocks_serve();
    } else {
        tg_interrupt_install();
        code = run_command(argc, argv);
        tg_blocks_release_ranks();
    }
    tg_mpi_finalize();
    return code;
}
