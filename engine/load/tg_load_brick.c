/* tg_load_brick.c - reads a Brick Schema building model in Turtle into twins and relationships (serd). */
#include "tg_load_brick.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <serd/serd.h>

#define HASH_NONFATAL_OOM 1
#include <uthash.h>

const tg_load_parent_rule tg_load_brick_parent_rules[] = {
    {"isPartOf", false},
    {"hasPart", true},
    {"hasLocation", false},
};
const size_t tg_load_brick_n_parent_rules = sizeof tg_load_brick_parent_rules / sizeof *tg_load_brick_parent_rules;

#define NS_RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define NS_XSD "http://www.w3.org/2001/XMLSchema#"
#define RDF_TYPE NS_RDF "type"

static const char *const META_NAMESPACES[] = {
    NS_RDF,
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/2002/07/owl#",
    NS_XSD,
};

/* Roots and names of the Brick vocabulary namespaces (see the header). */
static const char *const BRICK_ROOTS[] = {"https://brickschema.org/schema/", "http://brickschema.org/schema/",
                                          "http://buildsys.org/ontologies/"};
static const char *const BRICK_NAMES[] = {"Brick", "BrickFrame", "BrickTag", "BrickShape", "Brick/ref"};

#define N_OF(array) (sizeof(array) / sizeof *(array))

/* Term kinds: the first byte of a term's key, so an IRI, a blank node and a literal with the
 * same text are different terms. */
enum { TERM_IRI = 'I', TERM_BLANK = 'B', TERM_LITERAL = 'L' };

/* An IRI, blank node or literal of the file, interned once. */
typedef struct term {
    UT_hash_handle hh;
    const char *text;     /* the IRI, blank node label or lexical form (points into key) */
    const char *datatype; /* literals: datatype IRI or "" (points into key) */
    const char *lang;     /* literals: language tag or "" (points into key) */
    const char *local;    /* IRIs: local name (points into key) */
    const char *model;    /* subjects: the winning class's local name (borrowed from that class) */
    size_t first_line;    /* subjects: line of the first statement about it */
    size_t twin;          /* index among this file's twins, or SIZE_MAX */
    bool is_subject, typed, used_as_class, has_domain_class;
    bool is_meta;         /* IRIs in the rdf, rdfs, owl or xsd namespaces */
    bool is_type;         /* rdf:type */
    bool is_has_tag;      /* an IRI whose local name is hasTag */
    size_t key_len;
    char key[];           /* kind, text, and for literals '\0' datatype '\0' lang */
} term;

typedef struct {
    term *subject, *predicate, *object;
    size_t line;
    bool duplicate;
} statement;

/* Everything read from the file; freed by reader_destroy. */
typedef struct {
    const char *file; /* for messages */
    FILE *stream;
    int read_errno;
    int previous_byte;
    size_t line; /* serd's line: counts the newlines the parser has consumed */
    SerdEnv *env;

    term *terms; /* hash by key */
    bool hash_failed; /* uthash could not grow */
    statement *statements;
    size_t n_statements, cap_statements;
    term **subjects; /* in order of first appearance */
    size_t n_subjects, cap_subjects;
    char *scratch; /* key being built */
    size_t key_len, cap_scratch;

    tg_error *err;
    tg_status failed;     /* our own error, in err; it stops the parser */
    bool syntax_error;    /* the first error serd reported */
    char syntax_message[256];
    unsigned syntax_line;
} reader;

#undef uthash_nonfatal_oom
#define uthash_nonfatal_oom(obj) (r->hash_failed = true)

static tg_status out_of_memory(tg_error *err)
{
    return tg_error_set(err, TG_ERR_MEMORY, "out of memory while reading the import file");
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool grow(void **items, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return true;
    size_t new_cap = *cap ? *cap * 2 : 1024;
    if (new_cap > SIZE_MAX / size)
        return false;
    void *bigger = realloc(*items, new_cap * size);
    if (!bigger)
        return false;
    *items = bigger;
    *cap = new_cap;
    return true;
}

static bool is_meta(const char *iri)
{
    for (size_t i = 0; i < N_OF(META_NAMESPACES); i++)
        if (starts_with(iri, META_NAMESPACES[i]))
            return true;
    return false;
}

/* ROOT [VERSION/] NAME "#" with one of BRICK_ROOTS and BRICK_NAMES. */
static bool in_brick_vocabulary(const char *iri)
{
    const char *rest = NULL;
    for (size_t i = 0; i < N_OF(BRICK_ROOTS) && !rest; i++)
        if (starts_with(iri, BRICK_ROOTS[i]))
            rest = iri + strlen(BRICK_ROOTS[i]);
    const char *hash = rest ? strchr(rest, '#') : NULL;
    if (!hash)
        return false;
    size_t len = (size_t)(hash - rest);
    for (size_t i = 0; i < N_OF(BRICK_NAMES); i++) {
        size_t name_len = strlen(BRICK_NAMES[i]);
        if (len < name_len || memcmp(hash - name_len, BRICK_NAMES[i], name_len) != 0)
            continue;
        size_t version_len = len - name_len; /* "" or "1.0.2/" */
        if (version_len == 0)
            return true;
        if (version_len > 1 && rest[version_len - 1] == '/' && !memchr(rest, '/', version_len - 1))
            return true;
    }
    return false;
}

/* The term with this key, added when new. NULL when out of memory (r->err is set). */
static term *intern(reader *r, const char *key, size_t key_len)
{
    term *t = NULL;
    HASH_FIND(hh, r->terms, key, key_len, t);
    if (t)
        return t;
    if (!(t = calloc(1, sizeof *t + key_len + 1)))
        goto no_memory;
    memcpy(t->key, key, key_len);
    t->key[key_len] = '\0';
    t->key_len = key_len;
    t->text = t->key + 1;
    t->twin = SIZE_MAX;
    if (t->key[0] == TERM_LITERAL) {
        t->datatype = t->text + strlen(t->text) + 1;
        t->lang = t->datatype + strlen(t->datatype) + 1;
    } else if (t->key[0] == TERM_IRI) {
        t->local = tg_load_local_name(t->text);
        t->is_meta = is_meta(t->text);
        t->is_type = strcmp(t->text, RDF_TYPE) == 0;
        t->is_has_tag = strcmp(t->local, "hasTag") == 0;
    }
    HASH_ADD_KEYPTR(hh, r->terms, t->key, t->key_len, t);
    if (r->hash_failed) {
        free(t);
        goto no_memory;
    }
    return t;

no_memory:
    r->failed = out_of_memory(r->err);
    return NULL;
}

/* Appends bytes to the key being built in r->scratch (r->key_len bytes so far). */
static bool key_append(reader *r, const void *bytes, size_t n)
{
    if (r->key_len + n + 1 > r->cap_scratch) {
        size_t cap = 2 * (r->key_len + n + 1);
        char *bigger = realloc(r->scratch, cap);
        if (!bigger) {
            r->failed = out_of_memory(r->err);
            return false;
        }
        r->scratch = bigger;
        r->cap_scratch = cap;
    }
    memcpy(r->scratch + r->key_len, bytes, n);
    r->key_len += n;
    return true;
}

static bool key_start(reader *r, char kind)
{
    r->key_len = 0;
    return key_append(r, &kind, 1);
}

/* Appends the full IRI of an IRI or prefixed name. Prefixed names and absolute IRIs need no
 * allocation (serd_env_expand_node makes a new node for every one, a third of the read time);
 * relative IRIs resolve against the base. On error r->err is set. */
static bool key_append_iri(reader *r, const SerdNode *node)
{
    if (node->type == SERD_CURIE) {
        SerdChunk prefix, suffix;
        if (serd_env_expand(r->env, node, &prefix, &suffix) == SERD_SUCCESS)
            return key_append(r, prefix.buf, prefix.len) && key_append(r, suffix.buf, suffix.len);
        const char *colon = memchr(node->buf, ':', node->n_bytes);
        int prefix_len = colon ? (int)(colon - (const char *)node->buf) : (int)node->n_bytes;
        r->failed = tg_error_set(r->err, TG_ERR_INPUT, "%s:%zu: undefined prefix \"%.*s\" in \"%s\"", r->file, r->line,
                     prefix_len, (const char *)node->buf, (const char *)node->buf);
        tg_error_hint(r->err, "Declare it with @prefix %.*s: <IRI> . before its first use.", prefix_len,
                      (const char *)node->buf);
        return false;
    }
    if (serd_uri_string_has_scheme(node->buf))
        return key_append(r, node->buf, node->n_bytes);
    SerdNode iri = serd_env_expand_node(r->env, node);
    if (!iri.buf) {
        r->failed = tg_error_set(r->err, TG_ERR_INPUT, "%s:%zu: could not resolve the IRI \"%s\"", r->file, r->line,
                     (const char *)node->buf);
        return false;
    }
    bool ok = key_append(r, iri.buf, iri.n_bytes);
    serd_node_free(&iri);
    return ok;
}

/* The term of a subject, predicate or object node; NULL on error (r->err is set). */
static term *node_term(reader *r, const SerdNode *node, const SerdNode *datatype, const SerdNode *lang)
{
    bool ok = false;
    switch (node->type) {
    case SERD_URI:
    case SERD_CURIE:
        ok = key_start(r, TERM_IRI) && key_append_iri(r, node);
        break;
    case SERD_BLANK:
        ok = key_start(r, TERM_BLANK) && key_append(r, node->buf, node->n_bytes);
        break;
    case SERD_LITERAL:
        /* PostgreSQL's text and jsonb cannot hold a NUL character (a \u0000 escape in the file). */
        if (memchr(node->buf, '\0', node->n_bytes)) {
            r->failed = tg_error_set(r->err, TG_ERR_INPUT, "%s:%zu: a literal holds the character U+0000", r->file,
                                     r->line);
            tg_error_detail(r->err, "PostgreSQL text and jsonb values cannot store it.");
            return NULL;
        }
        ok = key_start(r, TERM_LITERAL) && key_append(r, node->buf, node->n_bytes) && key_append(r, "", 1) &&
             (!datatype || !datatype->buf || key_append_iri(r, datatype)) && key_append(r, "", 1) &&
             (!lang || !lang->buf || key_append(r, lang->buf, lang->n_bytes));
        break;
    case SERD_NOTHING:
        r->failed = tg_error_set(r->err, TG_ERR_INTERNAL, "%s:%zu: the Turtle parser returned an empty node",
                                 r->file, r->line);
        break;
    }
    return ok ? intern(r, r->scratch, r->key_len) : NULL;
}

/* --- serd callbacks ---------------------------------------------------------------------- */

/* serd's byte source, one byte per call: serd then holds exactly one byte of look-ahead, so the
 * newlines before that byte are the parser's line, which the statement sink does not get. */
static size_t read_byte(void *buf, size_t size, size_t nmemb, void *stream)
{
    reader *r = stream;
    (void)size;
    (void)nmemb;
    if (r->previous_byte == '\n')
        r->line++;
    int c = getc_unlocked(r->stream);
    r->previous_byte = c;
    if (c == EOF) {
        if (ferror(r->stream) && !r->read_errno)
            r->read_errno = errno ? errno : EIO;
        return 0;
    }
    *(unsigned char *)buf = (unsigned char)c;
    return 1;
}

static int stream_error(void *stream)
{
    const reader *r = stream;
    return ferror(r->stream);
}

static SerdStatus on_base(void *handle, const SerdNode *uri)
{
    reader *r = handle;
    return serd_env_set_base_uri(r->env, uri);
}

static SerdStatus on_prefix(void *handle, const SerdNode *name, const SerdNode *uri)
{
    reader *r = handle;
    return serd_env_set_prefix(r->env, name, uri);
}

static SerdStatus on_statement(void *handle, SerdStatementFlags flags, const SerdNode *graph,
                               const SerdNode *subject, const SerdNode *predicate, const SerdNode *object,
                               const SerdNode *object_datatype, const SerdNode *object_lang)
{
    reader *r = handle;
    (void)flags;
    (void)graph;
    term *s = node_term(r, subject, NULL, NULL);
    term *p = s ? node_term(r, predicate, NULL, NULL) : NULL;
    term *o = p ? node_term(r, object, object_datatype, object_lang) : NULL;
    if (!o)
        return SERD_ERR_BAD_ARG; /* stops the parser; r->err says why */
    if (!grow((void **)&r->statements, &r->cap_statements, r->n_statements, sizeof *r->statements) ||
        (!s->is_subject && !grow((void **)&r->subjects, &r->cap_subjects, r->n_subjects, sizeof *r->subjects))) {
        r->failed = out_of_memory(r->err);
        return SERD_ERR_INTERNAL;
    }
    if (!s->is_subject) {
        s->is_subject = true;
        s->first_line = r->line;
        r->subjects[r->n_subjects++] = s;
    }
    r->statements[r->n_statements++] = (statement){s, p, o, r->line, false};
    return SERD_SUCCESS;
}

static SerdStatus on_error(void *handle, const SerdError *error)
{
    reader *r = handle;
    if (r->syntax_error)
        return SERD_SUCCESS;
    r->syntax_error = true;
    r->syntax_line = error->line;
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral" /* serd's own message and arguments */
#endif
    vsnprintf(r->syntax_message, sizeof r->syntax_message, error->fmt, *error->args);
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
    size_t len = strlen(r->syntax_message);
    while (len && (r->syntax_message[len - 1] == '\n' || r->syntax_message[len - 1] == '.'))
        r->syntax_message[--len] = '\0';
    tg_text_trim_partial_utf8(r->syntax_message);
    return SERD_SUCCESS;
}

/* --- the file into statements ------------------------------------------------------------- */

/* The file's own file: URI, the base of relative IRIs when it declares none (as rdflib does). */
static SerdNode file_base(const char *path)
{
    if (path[0] == '/')
        return serd_node_new_file_uri((const uint8_t *)path, NULL, NULL, true);
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        return serd_node_new_file_uri((const uint8_t *)path, NULL, NULL, true);
    size_t len = strlen(cwd) + 1 + strlen(path) + 1;
    char *absolute = malloc(len);
    if (!absolute)
        return SERD_NODE_NULL;
    snprintf(absolute, len, "%s/%s", cwd, path);
    SerdNode base = serd_node_new_file_uri((const uint8_t *)absolute, NULL, NULL, true);
    free(absolute);
    return base;
}

static tg_status parse_file(reader *r, const char *path, tg_error *err)
{
    tg_status st = TG_OK;
    SerdReader *parser = NULL;
    SerdNode base = file_base(path);
    if (!base.buf || !(r->env = serd_env_new(&base)) ||
        !(parser = serd_reader_new(SERD_TURTLE, r, NULL, on_base, on_prefix, on_statement, NULL))) {
        st = out_of_memory(err);
        goto cleanup;
    }
    serd_reader_set_strict(parser, true);
    serd_reader_set_error_sink(parser, on_error, r);
    errno = 0;
    SerdStatus parsed = serd_reader_read_source(parser, read_byte, stream_error, r, (const uint8_t *)path, 1);
    if (r->failed) {
        st = r->failed;
    } else if (r->read_errno) {
        st = tg_error_set(err, TG_ERR_INPUT, "could not read Brick file \"%s\": %s", path, strerror(r->read_errno));
    } else if (r->syntax_error) {
        st = tg_error_set(err, TG_ERR_INPUT, "%s:%u: invalid Turtle: %s", r->file, r->syntax_line, r->syntax_message);
        tg_error_hint(err, "--format brick reads RDF Turtle (.ttl); check the line and the ones before it.");
    } else if (parsed > SERD_FAILURE) {
        st = tg_error_set(err, TG_ERR_INPUT, "%s:%zu: could not read the Turtle file: %s", r->file, r->line,
                          (const char *)serd_strerror(parsed));
    }

cleanup:
    serd_reader_free(parser);
    serd_node_free(&base);
    return st;
}

/* --- statements into twins ---------------------------------------------------------------- */

typedef struct {
    uintptr_t s, p, o;
    size_t index;
} statement_key;

static int compare_keys(const void *a, const void *b)
{
    const statement_key *x = a, *y = b;
    if (x->s != y->s)
        return x->s < y->s ? -1 : 1;
    if (x->p != y->p)
        return x->p < y->p ? -1 : 1;
    if (x->o != y->o)
        return x->o < y->o ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Marks every repeat of a statement but the first in the file: a graph is a set of statements. */
static tg_status mark_duplicates(reader *r, tg_load_brick_counts *counts, tg_error *err)
{
    if (r->n_statements < 2)
        return TG_OK;
    statement_key *keys = malloc(r->n_statements * sizeof *keys);
    if (!keys)
        return out_of_memory(err);
    for (size_t i = 0; i < r->n_statements; i++) {
        const statement *st = &r->statements[i];
        keys[i] = (statement_key){(uintptr_t)st->subject, (uintptr_t)st->predicate, (uintptr_t)st->object, i};
    }
    qsort(keys, r->n_statements, sizeof *keys, compare_keys);
    for (size_t i = 1; i < r->n_statements; i++)
        if (keys[i].s == keys[i - 1].s && keys[i].p == keys[i - 1].p && keys[i].o == keys[i - 1].o) {
            r->statements[keys[i].index].duplicate = true;
            counts->duplicates++;
        }
    free(keys);
    return TG_OK;
}

/* Marks typed subjects and classes and picks each subject's model (see the header). */
static void note_types(reader *r)
{
    for (size_t i = 0; i < r->n_statements; i++) {
        const statement *st = &r->statements[i];
        if (st->duplicate || !st->predicate->is_type || st->object->key[0] != TERM_IRI)
            continue;
        term *s = st->subject, *type = st->object;
        s->typed = true;
        type->used_as_class = true;
        if (type->is_meta)
            continue;
        s->has_domain_class = true;
        if (!s->model || strcmp(type->local, s->model) < 0)
            s->model = type->local;
    }
}

static bool is_ontology_term(const term *s)
{
    return !s->has_domain_class || s->used_as_class || s->is_meta || in_brick_vocabulary(s->text);
}

static char *device_id_of(const term *s, bool full_iris)
{
    return strdup(full_iris ? s->text : s->local);
}

/* Adds the twins in order of first appearance, without documents yet. */
static tg_status add_twins(reader *r, const tg_load_brick_options *options, tg_load_set *set,
                           tg_load_brick_counts *counts, term ***twin_terms, size_t *n_twins, tg_error *err)
{
    size_t base = set->n_twins;
    term **terms = malloc((r->n_subjects ? r->n_subjects : 1) * sizeof *terms);
    if (!terms)
        return out_of_memory(err);
    *twin_terms = terms;
    for (size_t i = 0; i < r->n_subjects; i++) {
        term *s = r->subjects[i];
        if (s->key[0] == TERM_BLANK) {
            counts->blank_subjects += s->typed;
            continue;
        }
        if (!s->typed) {
            counts->untyped_subjects++;
            continue;
        }
        if (is_ontology_term(s)) {
            counts->ontology_terms++;
            continue;
        }
        char *id = device_id_of(s, options->full_iris);
        if (!id)
            return out_of_memory(err);
        const tg_load_twin *same = tg_load_set_find(set, id);
        size_t same_index = same ? (size_t)(same - set->twins) : 0;
        if (same && same_index >= base) {
            const term *other = terms[same_index - base];
            tg_error_set(err, TG_ERR_INPUT, "%s:%zu: twins \"%s\" and \"%s\" have the same id \"%s\"", r->file,
                         s->first_line, other->text, s->text, id);
            tg_error_detail(err, "A twin's id is the local name of its IRI, the text after the last '#' or '/'; "
                                 "\"%s\" is first described on line %zu.", other->text, other->first_line);
            tg_error_hint(err, "Pass --full-iris to use the full IRIs as twin ids.");
            free(id);
            return TG_ERR_INPUT;
        }
        char *model = strdup(s->model);
        if (!model) {
            free(id);
            return out_of_memory(err);
        }
        tg_status st = tg_load_set_add_twin(set, id, model, NULL, s->first_line, err);
        if (st)
            return st;
        s->twin = *n_twins;
        terms[(*n_twins)++] = s;
    }
    return TG_OK;
}

/* xsd's integer, decimal and double lexical forms: sign, digits, '.', digits, exponent. strtod
 * alone would also take hexadecimal, "inf", "nan" and leading spaces. */
static bool is_number_text(const char *text, bool integer, bool exponent)
{
    const char *p = text + (*text == '+' || *text == '-');
    size_t digits = strspn(p, "0123456789");
    p += digits;
    if (!integer && *p == '.') {
        size_t fraction = strspn(p + 1, "0123456789");
        digits += fraction;
        p += 1 + fraction;
    }
    if (!digits)
        return false;
    if (exponent && (*p == 'e' || *p == 'E')) {
        p++;
        p += *p == '+' || *p == '-';
        size_t e = strspn(p, "0123456789");
        if (!e)
            return false;
        p += e;
    }
    return *p == '\0';
}

static const char *const XSD_INTEGERS[] = {"integer", "int", "long", "short", "byte", "nonNegativeInteger",
                                           "positiveInteger", "nonPositiveInteger", "negativeInteger",
                                           "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"};

/* The fewest significant digits (15 to 17) that read back as the same double. */
static int digits_of(double value)
{
    for (int digits = 15; digits < 17; digits++) {
        char text[64];
        snprintf(text, sizeof text, "%.*g", digits, value);
        if (strtod(text, NULL) == value)
            return digits;
    }
    return 17;
}

/* A literal's JSON value (see the header). *digits grows to the significant digits its real
 * needs: jansson writes every real of a document with one precision, and its default of 17 turns
 * 0.1 into 0.10000000000000001. New reference; NULL when out of memory. */
static json_t *literal_value(const term *o, int *digits)
{
    const char *text = o->text;
    if (starts_with(o->datatype, NS_XSD)) {
        const char *type = o->datatype + strlen(NS_XSD);
        for (size_t i = 0; i < N_OF(XSD_INTEGERS); i++) {
            if (strcmp(type, XSD_INTEGERS[i]) != 0)
                continue;
            if (!is_number_text(text, true, false))
                break;
            errno = 0;
            long long value = strtoll(text, NULL, 10);
            if (errno == ERANGE)
                break;
            return json_integer((json_int_t)value);
        }
        if ((strcmp(type, "decimal") == 0 && is_number_text(text, false, false)) ||
            ((strcmp(type, "double") == 0 || strcmp(type, "float") == 0) && is_number_text(text, false, true))) {
            /* No setlocale in twingraph, so strtod reads '.' as the decimal point. */
            double value = strtod(text, NULL);
            if (value - value == 0.0) { /* finite: JSON has no inf or nan */
                int needed = digits_of(value);
                if (needed > *digits)
                    *digits = needed;
                return json_real(value);
            }
        }
        if (strcmp(type, "boolean") == 0) {
            if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0)
                return json_true();
            if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0)
                return json_false();
        }
    }
    return json_string(text);
}

/* Appends a string to the array under key (created when missing) unless it is there already. */
static bool add_unique(json_t *doc, const char *key, const char *value)
{
    json_t *list = json_object_get(doc, key);
    if (!list) {
        if (json_object_set_new(doc, key, list = json_array()))
            return false;
    }
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        if (strcmp(json_string_value(item), value) == 0)
            return true;
    }
    return json_array_append_new(list, json_string(value)) == 0;
}

/* Sets properties[key] = value, or appends value to the array the key became. Steals value. */
static bool add_property(json_t *doc, const char *key, json_t *value)
{
    if (!value)
        return false;
    json_t *properties = json_object_get(doc, "properties");
    if (!properties && json_object_set_new(doc, "properties", properties = json_object())) {
        json_decref(value);
        return false;
    }
    json_t *held = json_object_get(properties, key);
    if (!held)
        return json_object_set_new(properties, key, value) == 0;
    if (json_is_array(held)) /* literals are never arrays: only a repeated key makes one */
        return json_array_append_new(held, value) == 0;
    json_t *list = json_pack("[OO]", held, value);
    json_decref(value);
    return list && json_object_set_new(properties, key, list) == 0;
}

/* What a statement becomes (see the header). */
typedef enum { BECOMES_SKIPPED, BECOMES_TYPE, BECOMES_PROPERTY, BECOMES_TAG, BECOMES_RELATIONSHIP } statement_role;

static statement_role role_of(const statement *s)
{
    char kind = s->object->key[0];
    if (s->subject->twin == SIZE_MAX)
        return BECOMES_SKIPPED;
    if (s->predicate->is_type)
        return kind == TERM_IRI ? BECOMES_TYPE : BECOMES_SKIPPED;
    if (kind == TERM_LITERAL)
        return BECOMES_PROPERTY;
    if (kind == TERM_IRI && s->predicate->is_has_tag)
        return BECOMES_TAG;
    return s->object->twin != SIZE_MAX ? BECOMES_RELATIONSHIP : BECOMES_SKIPPED;
}

/* The document of one twin from its statements (indexes into r->statements, in file order), as
 * JSON text; NULL when out of memory. */
static char *document_of(const reader *r, const term *twin, const size_t *indexes, size_t n)
{
    char *text = NULL;
    int digits = 15;
    json_t *doc = json_pack("{s:s, s:[]}", "$iri", twin->text, "$types");
    if (!doc)
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        const statement *s = &r->statements[indexes[i]];
        statement_role role = role_of(s);
        bool ok = role == BECOMES_TYPE       ? add_unique(doc, "$types", s->object->local)
                  : role == BECOMES_TAG      ? add_unique(doc, "tags", s->object->local)
                  : role == BECOMES_PROPERTY ? add_property(doc, s->predicate->local, literal_value(s->object, &digits))
                                             : true;
        if (!ok)
            goto cleanup;
    }
    text = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(digits));

cleanup:
    json_decref(doc);
    return text;
}

/* Adds the relationships in file order and counts what is skipped; then writes each twin's
 * document, one twin at a time so that only one document is ever held as JSON. */
static tg_status add_statements(reader *r, tg_load_set *set, size_t base, term **twin_terms, size_t n_twins,
                                tg_error *err)
{
    tg_status st = TG_OK;
    size_t *start = calloc(n_twins + 1, sizeof *start); /* statements of twin t: order[start[t]..start[t+1]) */
    size_t *order = NULL;
    if (!start) {
        st = out_of_memory(err);
        goto cleanup;
    }
    size_t in_documents = 0;
    for (size_t i = 0; i < r->n_statements && !st; i++) {
        const statement *s = &r->statements[i];
        if (s->duplicate)
            continue;
        statement_role role = role_of(s);
        if (role == BECOMES_SKIPPED) {
            set->skipped++;
        } else if (role == BECOMES_RELATIONSHIP) {
            st = tg_load_set_add_relationship(set, strdup(set->twins[base + s->subject->twin].device_id),
                                              strdup(set->twins[base + s->object->twin].device_id),
                                              strdup(s->predicate->local), NULL, s->line, err);
        } else {
            start[s->subject->twin + 1]++;
            in_documents++;
        }
    }
    if (st)
        goto cleanup;
    if (set->skipped)
        set->skipped_why = "their subject or object is not a twin";
    for (size_t t = 0; t < n_twins; t++)
        start[t + 1] += start[t];
    if (!(order = malloc((in_documents ? in_documents : 1) * sizeof *order))) {
        st = out_of_memory(err);
        goto cleanup;
    }
    /* A counting sort by twin that keeps file order within each twin; start[t] walks to start[t + 1]. */
    for (size_t i = 0; i < r->n_statements; i++) {
        const statement *s = &r->statements[i];
        statement_role role = s->duplicate ? BECOMES_SKIPPED : role_of(s);
        if (role != BECOMES_SKIPPED && role != BECOMES_RELATIONSHIP)
            order[start[s->subject->twin]++] = i;
    }
    for (size_t t = 0, from = 0; t < n_twins; t++) {
        if (!(set->twins[base + t].twin = document_of(r, twin_terms[t], order + from, start[t] - from))) {
            st = out_of_memory(err);
            goto cleanup;
        }
        from = start[t];
    }

cleanup:
    free(start);
    free(order);
    return st;
}

static void reader_destroy(reader *r)
{
    term *t, *next;
    HASH_ITER(hh, r->terms, t, next) {
        HASH_DEL(r->terms, t);
        free(t);
    }
    free(r->statements);
    free(r->subjects);
    free(r->scratch);
    serd_env_free(r->env);
    if (r->stream)
        fclose(r->stream);
}

tg_status tg_load_brick_read(const char *path, const tg_load_brick_options *options, tg_load_set *set,
                             tg_error *err)
{
    const tg_load_brick_options defaults = {0};
    if (!options)
        options = &defaults;
    tg_load_brick_counts counts = {0};
    term **twin_terms = NULL;
    size_t n_twins = 0, base = set->n_twins;
    reader r = {.file = set->file ? set->file : path, .line = 1, .err = err};
    tg_status st = TG_OK;
    if (!(r.stream = fopen(path, "rb"))) {
        st = tg_error_set(err, TG_ERR_INPUT, "could not open Brick file \"%s\": %s", path, strerror(errno));
        goto cleanup;
    }
    if ((st = parse_file(&r, path, err)) || (st = mark_duplicates(&r, &counts, err)))
        goto cleanup;
    counts.statements = r.n_statements - counts.duplicates;
    note_types(&r);
    if ((st = add_twins(&r, options, set, &counts, &twin_terms, &n_twins, err)) ||
        (st = add_statements(&r, set, base, twin_terms, n_twins, err)))
        goto cleanup;
    if (options->counts)
        *options->counts = counts;

cleanup:
    free(twin_terms);
    reader_destroy(&r);
    return st;
}
