/* tg_db.h - the PostgreSQL connection: connecting, quoting names, running statements and streaming COPY rows. */
#ifndef TG_DB_H
#define TG_DB_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "tg_copy.h"
#include "tg_error.h"

/* Connects with a libpq conninfo string or URI; NULL or "" uses the PG* environment variables.
 * On success *conn is a new connection the caller closes with PQfinish. Error messages never
 * contain the password: a string that does not parse is refused without libpq's reason when it
 * may hold one, and the password is masked in every other message. */
tg_status tg_db_connect(const char *conninfo, PGconn **conn, tg_error *err);

/* Replaces every occurrence of secret in text (a buffer of size bytes) with asterisks. */
void tg_db_redact(char *text, size_t size, const char *secret);

/* Quotes a table name written "table" or "schema.table" part by part with PQescapeIdentifier.
 * Parts are taken literally (case-sensitive, no quotes needed in the spec). Returns a new
 * string the caller frees with free(). what names the setting in error messages. */
tg_status tg_db_quote_name(PGconn *conn, const char *name, const char *what, char **quoted,
                           tg_error *err);

/* Quotes one identifier with PQescapeIdentifier. Returns a new string the caller frees. */
tg_status tg_db_quote_ident(PGconn *conn, const char *ident, char **quoted, tg_error *err);

/* Quotes a text value as an SQL literal with PQescapeLiteral. Returns a new string the caller
 * frees with free(). */
tg_status tg_db_quote_literal(PGconn *conn, const char *value, char **quoted, tg_error *err);

/* Splits "schema.table" into its parts (schema defaults to "public"); parts are new strings the
 * caller frees. */
tg_status tg_db_split_name(const char *name, char **schema, char **table, tg_error *err);

/* Runs a statement with text parameters (params may be NULL when n_params is 0) and checks that
 * it succeeded. *result (if result is not NULL) receives the PGresult, which the caller clears
 * with PQclear; otherwise it is cleared here. While the statement runs or waits (for a lock),
 * SIGINT or SIGTERM cancels it within about 100 ms (PQcancel) and the call fails with
 * TG_ERR_INTERRUPTED. */
tg_status tg_db_exec(PGconn *conn, const char *sql, int n_params, const char *const *params,
                     PGresult **result, tg_error *err);

/* tg_db_exec that a stop does not cancel: for recording that a run was stopped. */
tg_status tg_db_exec_to_end(PGconn *conn, const char *sql, int n_params, const char *const *params, tg_error *err);

/* Called once per COPY row with its decoded fields (NULL for SQL NULL). The fields point into a
 * buffer that is reused after the call returns. Returning non-zero stops the copy. */
typedef tg_status (*tg_db_row_fn)(void *context, char **fields, size_t n_fields, tg_error *err);

/* Runs "COPY (query) TO STDOUT" and decodes each text-format row for on_row. Each row must have
 * exactly n_fields fields. Interruptible like tg_db_exec. */
tg_status tg_db_copy_out(PGconn *conn, const char *query, size_t n_fields, tg_db_row_fn on_row,
                         void *context, tg_error *err);

/* COPY ... FROM STDIN: start runs the COPY statement (sql), send passes the buffer's bytes to
 * libpq and clears it (an out-of-memory buffer is an error), end finishes the COPY: when st is
 * already an error it aborts the COPY (the server discards every row) and returns st, otherwise
 * it returns the COPY's own outcome. Call end whenever start succeeded. */
tg_status tg_db_copy_in_start(PGconn *conn, const char *sql, tg_error *err);
tg_status tg_db_copy_in_send(PGconn *conn, tg_copy_buffer *buf, tg_error *err);
tg_status tg_db_copy_in_end(PGconn *conn, tg_status st, const char *sql, tg_error *err);

typedef struct tg_db_keepalive tg_db_keepalive;

/* Keeps conn busy while the caller does not use it (the compute stage): a thread sends
 * "SELECT 1" at a third of the server's idle_session_timeout (every 60 s when it has none), so
 * neither that timeout nor a proxy that drops idle connections ends the session. The caller
 * must not touch conn until tg_db_keepalive_stop. *keepalive is a new handle, or NULL when the
 * thread could not start (the run goes on without it). */
tg_status tg_db_keepalive_start(PGconn *conn, tg_db_keepalive **keepalive, tg_error *err);

/* Stops and joins the thread and frees the handle. Accepts NULL. */
void tg_db_keepalive_stop(tg_db_keepalive *keepalive);

/* Fills err from a failed result (primary message, detail, hint; NULL res uses the connection's
 * message) and returns TG_ERR_DB. sql is quoted in the detail when the server gave none. */
tg_status tg_db_result_error(PGconn *conn, const PGresult *res, const char *sql, tg_error *err);

#endif
