"""twingraph_features.py - a feature table into pandas, with its column comments.

    import twingraph_features as tf
    conn = tf.connect()                       # the PG* environment (PGHOST, PGDATABASE, ...)
    features = tf.load_features(conn)         # features.device_features as a DataFrame, indexed by device_id
    features.attrs["comments"]["pagerank"]    # what the column means, as twingraph documented it
    twins = tf.load_twins(conn)               # twin.devices: parent_id, model, lat, lon (+ document paths)
    tf.query(conn, "SELECT ...", params)      # any query as a DataFrame
    past = tf.load_features(conn, as_of="2026-11-01")   # as of a time (the job needs output.history)

Used by the notebooks in this folder; nothing here is specific to them.
"""
import os

import pandas as pd
import psycopg2


def connect(conninfo=None):
    """A connection from conninfo, else from the PG* environment (the notebooks' default)."""
    return psycopg2.connect(conninfo or os.environ.get("TWINGRAPH_DB", ""))


def column_comments(conn, table):
    """{column: comment} of a table or view (schema.name)."""
    with conn.cursor() as cur:
        cur.execute("SELECT a.attname, col_description(a.attrelid, a.attnum) FROM pg_attribute a"
                    " WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                    (table,))
        return {name: comment for name, comment in cur.fetchall()}


def query(conn, sql, params=None):
    """Any query's rows as a DataFrame."""
    with conn.cursor() as cur:
        cur.execute(sql, params)
        names = [d[0] for d in cur.description]
        return pd.DataFrame.from_records(cur.fetchall(), columns=names)


def load_features(conn, table="features.device_features", as_of=None):
    """The feature table as a DataFrame indexed by device_id, its column comments in
    .attrs["comments"]. With as_of (a timestamp or text), the features of the run that was the
    latest at that time, through <table>_as_of (the job needs "output": {"history": ...})."""
    if as_of is None:
        frame = query(conn, f"SELECT * FROM {table}")
    else:
        frame = query(conn, f"SELECT * FROM {table}_as_of(%s)", (as_of,))
    frame = frame.set_index("device_id")
    frame.attrs["comments"] = column_comments(conn, table)
    return frame


def load_twins(conn, source="twin.devices", paths=()):
    """The twins: parent_id, model, lat, lon, and the text at each twin-document path in paths
    (e.g. "properties.desired.telemetryInterval" gives a column of that name), indexed by device_id."""
    extra = "".join(f", twin #>> %s AS \"{p}\"" for p in paths)
    params = [("{" + ",".join(p.split(".")) + "}") for p in paths]
    return query(conn, f"SELECT device_id, parent_id, model, lat, lon{extra} FROM {source}", params).set_index("device_id")


def ancestor(twins, model):
    """For each twin, its nearest ancestor (or itself) whose model is model; NaN where none."""
    parent = twins["parent_id"].to_dict()
    models = twins["model"].to_dict()
    found = {}
    for twin in twins.index:
        t, seen = twin, 0
        while t is not None and t == t and models.get(t) != model and seen < 64:
            t, seen = parent.get(t), seen + 1
        found[twin] = t if t is not None and t == t and models.get(t) == model else None
    return pd.Series(found)
