/* tg_db.c - libpq helpers: connect, quote, exec, and streaming COPY TO rows. */
#include "tg_db.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "tg_copy.h"
#include "tg_interrupt.h"

/* libpq messages end with a newline; error lines must not. */
static void chomp_into(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
    size_t n = strlen(dst);
    while (n > 0 && (dst[n - 1] == '\n' || dst[n - 1] == ' '))
        dst[--n] = '\0';
}

void tg_db_redact(char *text, size_t size, const char *secret)
{
    if (!secret || !secret[0] || size == 0)
        return;
    char *copy = strdup(text);
    if (!copy) {
        text[0] = '\0'; /* no memory to mask: say nothing rather than the secret */
        return;
    }
    size_t n = strlen(secret), len = 0;
    text[0] = '\0';
    for (const char *from = copy; *from && len + 1 < size;) {
        const char *at = strstr(from, secret);
        size_t keep = at ? (size_t)(at - from) : strlen(from);
        len += (size_t)snprintf(text + len, size - len, "%.*s%s", (int)keep, from, at ? "********" : "");
        if (!at)
            break;
        from = at + n;
    }
    free(copy);
}

/* Whether a connection string may hold a password: a password keyword, or a URI whose user
 * part has a colon. libpq's parse errors quote the offending token, which may then be secret. */
static bool may_hold_password(const char *conninfo)
{
    for (const char *c = conninfo; *c; c++)
        if (strncasecmp(c, "password", 8) == 0)
            return true;
    const char *scheme = strstr(conninfo, "://");
    if (!scheme)
        return false;
    const char *at = strchr(scheme + 3, '@');
    const char *colon = strchr(scheme + 3, ':');
    return at && colon && colon < at;
}

/* The password a conninfo string names (a new string the caller frees), or NULL. */
static char *password_of(const char *conninfo)
{
    char *ignored = NULL, *secret = NULL;
    PQconninfoOption *options = PQconninfoParse(conninfo, &ignored);
    PQfreemem(ignored);
    for (PQconninfoOption *o = options; o && o->keyword; o++)
        if (strcmp(o->keyword, "password") == 0 && o->val)
            secret = strdup(o->val);
    PQconninfoFree(options);
    return secret;
}

tg_status tg_db_connect(const char *conninfo, PGconn **conn, tg_error *err)
{
    if (conninfo && conninfo[0]) {
        char *reason = NULL;
        PQconninfoOption *options = PQconninfoParse(conninfo, &reason);
        if (!options) {
            char detail[sizeof err->detail];
            chomp_into(detail, sizeof detail, reason);
            PQfreemem(reason);
            tg_error_set(err, TG_ERR_DB, "could not parse the connection string");
            /* libpq's reason quotes the offending token, which may be (part of) the password. */
            if (may_hold_password(conninfo))
                tg_error_detail(err, "libpq's reason is not shown because it may quote the password");
            else
                tg_error_detail(err, "%s", detail);
            tg_error_hint(err, "use key=value pairs or a postgresql:// URI; percent-encode special characters in a URI");
            return TG_ERR_DB;
        }
        PQconninfoFree(options);
    }
    /* expand_dbname lets "dbname" carry a whole conninfo string or URI. */
    /* UTF8 on the wire: the COPY codec works byte by byte, which is only safe in an encoding
     * where no multibyte character contains a backslash byte (SJIS, BIG5, GBK do). */
    const char *keys[] = {"dbname", "application_name", "client_encoding", NULL};
    const char *values[] = {conninfo && conninfo[0] ? conninfo : NULL, "twingraph", "UTF8", NULL};
    *conn = PQconnectdbParams(keys, values, 1);
    if (!*conn)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory while connecting");
    if (PQstatus(*conn) != CONNECTION_OK) {
        char reason[sizeof err->detail];
        chomp_into(reason, sizeof reason, PQerrorMessage(*conn));
        /* libpq does not echo passwords after parsing, but a message never gets the chance. */
        char *secret = conninfo && conninfo[0] ? password_of(conninfo) : NULL;
        tg_db_redact(reason, sizeof reason, secret);
        tg_db_redact(reason, sizeof reason, getenv("PGPASSWORD"));
        free(secret);
        tg_error_set(err, TG_ERR_DB, "could not connect to PostgreSQL");
        tg_error_detail(err, "%s", reason);
        if (strstr(reason, "password"))
            tg_error_hint(err, "check the password: PGPASSWORD, ~/.pgpass, or password= in --db");
        else if (strstr(reason, "does not exist"))
            tg_error_hint(err, "check the database and role names: dbname= and user= in --db, or PGDATABASE and PGUSER");
        else
            tg_error_hint(err, "pass a conninfo string or URI with --db, or set PGHOST, PGPORT, PGDATABASE, PGUSER");
        PQfinish(*conn);
        *conn = NULL;
        return TG_ERR_DB;
    }
    /* A pinned search_path: every name twingraph sends is schema-qualified, and no function or
     * operator of a schema that other roles can create in (public) can shadow the catalog's.
     * NOTICEs such as "relation already exists, skipping" are noise on a tool's stderr. */
    tg_status st = tg_db_exec(*conn,
                              "SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', false),"
                              " pg_catalog.set_config('client_min_messages', 'warning', false)",
                              0, NULL, NULL, err);
    if (st) {
        PQfinish(*conn);
        *conn = NULL;
    }
    return st;
}

tg_status tg_db_split_name(const char *name, char **schema, char **table, tg_error *err)
{
    *schema = *table = NULL;
    const char *dot = strchr(name, '.');
    if (dot && strchr(dot + 1, '.'))
        return tg_error_set(err, TG_ERR_INPUT, "table name \"%s\" has more than one dot", name);
    if (dot) {
        *schema = strndup(name, (size_t)(dot - name));
        *table = strdup(dot + 1);
    } else {
        *schema = strdup("public");
        *table = strdup(name);
    }
    if (!*schema || !*table) {
        free(*schema);
        free(*table);
        *schema = *table = NULL;
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    }
    if (!(*schema)[0] || !(*table)[0]) {
        free(*schema);
        free(*table);
        *schema = *table = NULL;
        return tg_error_set(err, TG_ERR_INPUT, "table name \"%s\" has an empty part", name);
    }
    return TG_OK;
}

tg_status tg_db_quote_ident(PGconn *conn, const char *ident, char **quoted, tg_error *err)
{
    char *q = PQescapeIdentifier(conn, ident, strlen(ident));
    if (!q)
        return tg_error_set(err, TG_ERR_INPUT, "could not quote identifier \"%s\": %s", ident,
                            PQerrorMessage(conn));
    *quoted = strdup(q);
    PQfreemem(q);
    return *quoted ? TG_OK : tg_error_set(err, TG_ERR_MEMORY, "out of memory");
}

tg_status tg_db_quote_literal(PGconn *conn, const char *value, char **quoted, tg_error *err)
{
    char *q = PQescapeLiteral(conn, value, strlen(value));
    if (!q)
        return tg_error_set(err, TG_ERR_INPUT, "could not quote a literal: %s", PQerrorMessage(conn));
    *quoted = strdup(q);
    PQfreemem(q);
    return *quoted ? TG_OK : tg_error_set(err, TG_ERR_MEMORY, "out of memory");
}

tg_status tg_db_quote_name(PGconn *conn, const char *name, const char *what, char **quoted,
                           tg_error *err)
{
    char *schema = NULL, *table = NULL, *qs = NULL, *qt = NULL;
    *quoted = NULL;
    bool qualified = strchr(name, '.') != NULL;
    tg_status st = tg_db_split_name(name, &schema, &table, err);
    if (st) {
        tg_error_prefix(err, "%s", what);
        goto cleanup;
    }
    if ((st = tg_db_quote_ident(conn, table, &qt, err)))
        goto cleanup;
    if (qualified && (st = tg_db_quote_ident(conn, schema, &qs, err)))
        goto cleanup;
    size_t size = strlen(qt) + (qs ? strlen(qs) + 1 : 0) + 1;
    if (!(*quoted = malloc(size))) {
        st = tg_error_set(err, TG_ERR_MEMORY, "out of memory");
        goto cleanup;
    }
    if (qs)
        snprintf(*quoted, size, "%s.%s", qs, qt);
    else
        snprintf(*quoted, size, "%s", qt);
cleanup:
    free(schema);
    free(table);
    free(qs);
    free(qt);
    return st;
}

tg_status tg_db_result_error(PGconn *conn, const PGresult *res, const char *sql, tg_error *err)
{
    char reason[sizeof err->message - 40];
    chomp_into(reason, sizeof reason,
               res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : PQerrorMessage(conn));
    if (!reason[0])
        chomp_into(reason, sizeof reason, PQerrorMessage(conn));
    tg_error_set(err, TG_ERR_DB, "database error: %s", reason);
    const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
    if (detail)
        tg_error_detail(err, "%s", detail);
    else
        tg_error_detail(err, "while running: %.400s", sql);
    const char *hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
    if (hint)
        tg_error_hint(err, "%s", hint);
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (state && err)
        snprintf(err->sqlstate, sizeof err->sqlstate, "%s", state);
    return TG_ERR_DB;
}

/* Waits up to 100 ms for the server; once a stop is requested, asks the server to cancel the
 * statement (once). Waiting in poll() rather than inside libpq is what lets SIGINT and SIGTERM
 * take effect while a statement waits for a lock. */
static void wait_for_server(PGconn *conn, bool interruptible, bool *cancelled)
{
    struct pollfd fd = {.fd = PQsocket(conn), .events = POLLIN};
    poll(&fd, 1, 100);
    if (interruptible && !*cancelled && tg_interrupt_requested()) {
        char reason[256];
        PGcancel *cancel = PQgetCancel(conn);
        if (cancel) {
            PQcancel(cancel, reason, sizeof reason);
            PQfreeCancel(cancel);
        }
        *cancelled = true;
    }
}

/* The next result of a statement sent with PQsend*, read without blocking in libpq. */
static PGresult *next_result(PGconn *conn, bool interruptible, bool *cancelled)
{
    while (PQisBusy(conn)) {
        wait_for_server(conn, interruptible, cancelled);
        if (!PQconsumeInput(conn))
            break; /* the connection failed: PQgetResult reports it */
    }
    return PQgetResult(conn);
}

/* A statement the server cancelled because a stop was requested becomes TG_ERR_INTERRUPTED. */
static tg_status cancelled_error(const PGresult *res, bool cancelled, tg_error *err)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (!cancelled || !state || strcmp(state, "57014") != 0)
        return TG_OK;
    return tg_interrupt_check("while waiting for the database", err);
}

static tg_status exec(PGconn *conn, const char *sql, int n_params, const char *const *params, PGresult **result,
                      bool interruptible, tg_error *err)
{
    if (result)
        *result = NULL;
    if (!PQsendQueryParams(conn, sql, n_params, NULL, params, NULL, NULL, 0))
        return tg_db_result_error(conn, NULL, sql, err);
    bool cancelled = false;
    PGresult *res = next_result(conn, interruptible, &cancelled), *extra;
    while ((extra = next_result(conn, interruptible, &cancelled)) != NULL)
        PQclear(extra);
    ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        tg_status st = cancelled_error(res, cancelled, err);
        if (!st)
            st = tg_db_result_error(conn, res, sql, err);
        PQclear(res);
        return st;
    }
    if (result)
        *result = res;
    else
        PQclear(res);
    return TG_OK;
}

tg_status tg_db_exec(PGconn *conn, const char *sql, int n_params, const char *const *params,
                     PGresult **result, tg_error *err)
{
    return exec(conn, sql, n_params, params, result, true, err);
}

tg_status tg_db_exec_to_end(PGconn *conn, const char *sql, int n_params, const char *const *params, tg_error *err)
{
    return exec(conn, sql, n_params, params, NULL, false, err);
}

tg_status tg_db_copy_out(PGconn *conn, const char *query, size_t n_fields, tg_db_row_fn on_row,
                         void *context, tg_error *err)
{
    size_t size = strlen(query) + 32;
    char *sql = malloc(size);
    if (!sql)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    snprintf(sql, size, "COPY (%s) TO STDOUT", query);
    bool cancelled = false;
    PGresult *res = PQsendQuery(conn, sql) ? next_result(conn, true, &cancelled) : NULL;
    if (!res || PQresultStatus(res) != PGRES_COPY_OUT) {
        tg_status st = cancelled_error(res, cancelled, err);
        if (!st)
            st = tg_db_result_error(conn, res, sql, err);
        PQclear(res);
        while ((res = PQgetResult(conn)) != NULL)
            PQclear(res);
        free(sql);
        return st;
    }
    PQclear(res);

    tg_status st = TG_OK;
    char *fields[TG_COPY_MAX_FIELDS];
    char *line;
    int len;
    for (;;) {
        len = PQgetCopyData(conn, &line, 1);
        if (len == 0) { /* no whole row yet */
            wait_for_server(conn, true, &cancelled);
            if (!PQconsumeInput(conn))
                len = -2;
            else
                continue;
        }
        if (len < 0)
            break;
        if (st == TG_OK) {
            int n = tg_copy_split_text(line, (size_t)len, fields, TG_COPY_MAX_FIELDS);
            if (n != (int)n_fields)
                st = tg_error_set(err, TG_ERR_INTERNAL, "COPY row has %d fields, expected %zu", n,
                                  n_fields);
            else
                st = on_row(context, fields, n_fields, err);
        }
        /* After an error keep draining: libpq needs the copy finished before the next query. */
        PQfreemem(line);
    }
    if (len == -2 && st == TG_OK)
        st = tg_db_result_error(conn, NULL, sql, err);
    while ((res = next_result(conn, true, &cancelled)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK && st == TG_OK && !(st = cancelled_error(res, cancelled, err)))
            st = tg_db_result_error(conn, res, sql, err);
        PQclear(res);
    }
    free(sql);
    return st;
}

struct tg_db_keepalive {
    PGconn *conn;
    long interval_ms;
    bool stop;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
};

/* The thread only talks libpq on a connection the main thread leaves alone meanwhile, and never
 * calls igraph, which is not thread-safe here. */
static void *keepalive_loop(void *arg)
{
    tg_db_keepalive *k = arg;
    /* SIGINT and SIGTERM belong to the main thread, which polls for them. */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    pthread_mutex_lock(&k->lock);
    while (!k->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += k->interval_ms / 1000;
        until.tv_nsec += (k->interval_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        if (pthread_cond_timedwait(&k->wake, &k->lock, &until) == 0 || k->stop)
            continue;
        PQclear(PQexec(k->conn, "SELECT 1"));
    }
    pthread_mutex_unlock(&k->lock);
    return NULL;
}

tg_status tg_db_keepalive_start(PGconn *conn, tg_db_keepalive **keepalive, tg_error *err)
{
    *keepalive = NULL;
    PGresult *res = NULL;
    tg_status st = tg_db_exec(conn,
                              "SELECT (EXTRACT(epoch FROM pg_catalog.current_setting('idle_session_timeout')::"
                              "pg_catalog.interval) * 1000)::bigint",
                              0, NULL, &res, err);
    if (st)
        return st;
    long timeout_ms = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    tg_db_keepalive *k = calloc(1, sizeof *k);
    if (!k)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    k->conn = conn;
    k->interval_ms = timeout_ms > 0 ? (timeout_ms / 3 > 50 ? timeout_ms / 3 : 50) : 60000;
    pthread_mutex_init(&k->lock, NULL);
    pthread_cond_init(&k->wake, NULL);
    if (pthread_create(&k->thread, NULL, keepalive_loop, k) != 0) {
        pthread_mutex_destroy(&k->lock);
        pthread_cond_destroy(&k->wake);
        free(k);
        return TG_OK;
    }
    *keepalive = k;
    return TG_OK;
}

void tg_db_keepalive_stop(tg_db_keepalive *keepalive)
{
    if (!keepalive)
        return;
    pthread_mutex_lock(&keepalive->lock);
    keepalive->stop = true;
    pthread_cond_signal(&keepalive->wake);
    pthread_mutex_unlock(&keepalive->lock);
    pthread_join(keepalive->thread, NULL);
    pthread_mutex_destroy(&keepalive->lock);
    pthread_cond_destroy(&keepalive->wake);
    free(keepalive);
}

tg_status tg_db_copy_in_start(PGconn *conn, const char *sql, tg_error *err)
{
    PGresult *res = PQexec(conn, sql);
    tg_status st = TG_OK;
    if (!res || PQresultStatus(res) != PGRES_COPY_IN)
        st = tg_db_result_error(conn, res, sql, err);
    PQclear(res);
    return st;
}

tg_status tg_db_copy_in_send(PGconn *conn, tg_copy_buffer *buf, tg_error *err)
{
    if (buf->failed)
        return tg_error_set(err, TG_ERR_MEMORY, "out of memory");
    if (buf->len && PQputCopyData(conn, buf->data, (int)buf->len) != 1)
        return tg_error_set(err, TG_ERR_DB, "could not send COPY data: %s", PQerrorMessage(conn));
    tg_copy_buffer_clear(buf);
    return TG_OK;
}

tg_status tg_db_copy_in_end(PGconn *conn, tg_status st, const char *sql, tg_error *err)
{
    /* Ending with an error message makes the server abort the COPY. */
    PQputCopyEnd(conn, st ? "twingraph stopped the copy" : NULL);
    PGresult *res;
    while ((res = PQgetResult(conn)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK && !st)
            st = tg_db_result_error(conn, res, sql, err);
        PQclear(res);
    }
    return st;
}
