/* tg_load.c - `twingraph load`: reads an import file (Azure Digital Twins, IoT Hub, Brick) and writes its twins and relationships in one transaction. */
#include "tg_load.h"

#include <pthread.h>
#include <string.h>

#include <libpq-fe.h>

#include "tg_db.h"
#include "tg_load_adt.h"
#include "tg_load_brick.h"
#include "tg_load_iothub.h"
#include "tg_load_set.h"
#include "tg_load_write.h"

static const char *const FORMAT_NAMES[] = {"adt", "adt-graph", "iothub", "brick"};

bool tg_load_format_parse(const char *name, tg_load_format *format)
{
    for (size_t f = 0; f < sizeof FORMAT_NAMES / sizeof *FORMAT_NAMES; f++)
        if (strcmp(name, FORMAT_NAMES[f]) == 0) {
            *format = (tg_load_format)f;
            return true;
        }
    return false;
}

/* Azure defaults: the containment names of the RealEstateCore and DTDL samples. A kind named
 * earlier wins when a twin has several parents; child kinds come first, as in Brick. */
static const tg_load_parent_rule AZURE_PARENT_RULES[] = {
    {"isPartOf", false}, {"locatedIn", false}, {"contains", true}, {"hasPart", true}};

typedef struct {
    const char *path;
    tg_load_brick_options options;
    tg_load_set *set;
    tg_error *err;
    tg_status status;
} brick_reading;

static void *read_brick(void *arg)
{
    brick_reading *b = arg;
    b->status = tg_load_brick_read(b->path, &b->options, b->set, b->err);
    return NULL;
}

/* serd parses nested blank nodes and collections recursively: thousands of levels overflow the
 * main thread's 8 MB stack. The reader runs on a thread with a stack of its own (address space,
 * not memory, until used). */
static tg_status read_brick_with_big_stack(brick_reading *b)
{
    pthread_attr_t attr;
    pthread_t thread;
    if (pthread_attr_init(&attr) == 0) {
        bool started = pthread_attr_setstacksize(&attr, (size_t)1 << 30) == 0 &&
                       pthread_create(&thread, &attr, read_brick, b) == 0;
        pthread_attr_destroy(&attr);
        if (started) {
            pthread_join(thread, NULL);
            return b->status;
        }
    }
    read_brick(b);
    return b->status;
}

static tg_status read_file(const tg_load_options *options, tg_load_set *set, tg_load_brick_counts *brick_counts,
                           tg_error *err)
{
    switch (options->format) {
    case TG_LOAD_ADT:
    case TG_LOAD_ADT_GRAPH: {
        tg_load_adt_options adt = {.short_models = options->short_models, .location = options->location};
        return options->format == TG_LOAD_ADT ? tg_load_adt_read_ndjson(options->file, &adt, set, err)
                                              : tg_load_adt_read_graph(options->file, &adt, set, err);
    }
    case TG_LOAD_IOTHUB: {
        tg_load_iothub_options iothub = {options->parent_tags, options->n_parent_tags, options->model_tag,
                                         options->several_parents_first, options->raw_tag_ids};
        return tg_load_iothub_read(options->file, &iothub, set, err);
    }
    case TG_LOAD_BRICK: {
        brick_reading brick = {options->file, {.full_iris = options->full_iris, .counts = brick_counts}, set, err,
                               TG_OK};
        return read_brick_with_big_stack(&brick);
    }
    }
    return tg_error_set(err, TG_ERR_INTERNAL, "unknown import format");
}

/* The parent rules: the command line's kinds (child kinds first), else the format's defaults. */
static size_t parent_rules(const tg_load_options *options, tg_load_parent_rule *rules)
{
    size_t n = 0;
    if (options->parent_kinds_set || options->child_kinds_set) {
        for (size_t k = 0; k < options->n_child_kinds; k++)
            rules[n++] = (tg_load_parent_rule){options->child_kinds[k], false};
        for (size_t k = 0; k < options->n_parent_kinds; k++)
            rules[n++] = (tg_load_parent_rule){options->parent_kinds[k], true};
        return n;
    }
    const tg_load_parent_rule *defaults = NULL;
    if (options->format == TG_LOAD_ADT || options->format == TG_LOAD_ADT_GRAPH) {
        defaults = AZURE_PARENT_RULES;
        n = sizeof AZURE_PARENT_RULES / sizeof *AZURE_PARENT_RULES;
    } else if (options->format == TG_LOAD_BRICK) {
        defaults = tg_load_brick_parent_rules;
        n = tg_load_brick_n_parent_rules;
    }
    for (size_t r = 0; r < n; r++)
        rules[r] = defaults[r];
    return n;
}

static void print_read(FILE *out, const tg_load_options *options, const tg_load_set *set,
                       const tg_load_brick_counts *brick)
{
    size_t relationships = 0;
    for (size_t i = 0; i < set->n_relationships; i++)
        relationships += !set->relationships[i].parent_link || options->keep_parent_links;
    fprintf(out, "read %s (%s): %zu twins, %zu relationships, %zu parent links", options->file,
            FORMAT_NAMES[options->format], set->n_twins, relationships, set->parent_links);
    if (set->n_external_links)
        fprintf(out, " and %zu for twins not in the file", set->n_external_links);
    if (set->several_parents)
        fprintf(out, "; %zu twins with several parents kept the first%s", set->several_parents,
                options->format == TG_LOAD_IOTHUB ? "" : " (the others are relationships)");
    if (set->skipped)
        fprintf(out, "; %zu statements skipped (%s)", set->skipped, set->skipped_why ? set->skipped_why : "");
    if (options->format == TG_LOAD_BRICK && (brick->ontology_terms || brick->untyped_subjects || brick->blank_subjects))
        fprintf(out, "; not twins: %zu ontology terms, %zu untyped subjects, %zu blank nodes", brick->ontology_terms,
                brick->untyped_subjects, brick->blank_subjects);
    fputc('\n', out);
}

tg_status tg_load_run(const tg_load_options *options, FILE *summary, tg_error *err)
{
    const char *schema = options->schema ? options->schema : "twin";
    tg_load_set set = {.file = options->file};
    tg_load_parent_rule rules[2 * TG_LOAD_MAX_KINDS + 8];
    tg_load_parent_options parents = {
        .rules = rules,
        .n_rules = parent_rules(options, rules),
        .several_parents_error = !options->several_parents_first && options->format != TG_LOAD_BRICK,
        .keep_parent_links = options->keep_parent_links,
    };
    PGconn *conn = NULL;
    tg_load_brick_counts brick_counts = {0};
    tg_status st = read_file(options, &set, &brick_counts, err);
    if (!st)
        st = tg_load_set_resolve(&set, &parents, err);
    /* Relationships alone may join twins already in the table. */
    if (!st && set.n_twins == 0 && (set.n_relationships == 0 || options->replace)) {
        st = tg_error_set(err, TG_ERR_INPUT, "%s holds no twins%s", options->file,
                          set.n_relationships ? " (with --replace, its relationships would end at none)" : "");
        tg_error_hint(err, "Check --format (%s).", FORMAT_NAMES[options->format]);
    }
    /* Ids the file uses but does not define can only be twins already in the table. */
    if (!st && set.n_unknown_ids && (options->replace || options->dry_run)) {
        char where[600];
        tg_load_set_where(&set, tg_load_first_use(&set, set.unknown_ids[0]), where, sizeof where);
        if (options->replace) {
            st = tg_error_set(err, TG_ERR_INPUT, "%s: \"%s\" is not a twin of the file", where, set.unknown_ids[0]);
            if (set.n_unknown_ids > 1)
                tg_error_detail(err, "%zu more ids like this.", set.n_unknown_ids - 1);
            tg_error_hint(err, "With --replace every relationship must end at a twin of the file.");
        } else {
            fprintf(stderr, "twingraph: warning: %s: %zu ids the file uses are not twins of it, the first \"%s\"; a "
                            "load without --replace looks them up in %s.devices\n",
                    where, set.n_unknown_ids, set.unknown_ids[0], schema);
        }
    }
    if (!st)
        print_read(summary, options, &set, &brick_counts);
    if (st || options->dry_run)
        goto cleanup;

    tg_load_written written;
    if (!(st = tg_db_connect(options->conninfo, &conn, err)))
        st = tg_load_write(conn, &set, schema, options->replace, options->keep_parent_links,
                           !parents.several_parents_error, &written, err);
    if (!st) {
        fprintf(summary, "wrote %zu twins and %zu relationships to %s.devices and %s.relationships", written.twins,
                written.relationships, schema, schema);
        if (written.created)
            fprintf(summary, " (created what was missing)");
        if (options->replace)
            fprintf(summary, ", replacing %zu twins and %zu relationships", written.deleted_twins,
                    written.deleted_relationships);
        if (written.parents_set || written.parents_kept)
            fprintf(summary, "; %zu twins already in the table got their parent from the file", written.parents_set);
        if (written.parents_kept)
            fprintf(summary, " (%zu kept the one they had)", written.parents_kept);
        fputc('\n', summary);
    }
cleanup:
    if (st == TG_ERR_INTERRUPTED)
        tg_error_detail(err, "nothing was written: %s.devices and %s.relationships are unchanged", schema, schema);
    PQfinish(conn);
    tg_load_set_destroy(&set);
    return st;
}
