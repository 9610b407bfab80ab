"""A user's own tables, exposed through views that rename columns, give the same features as the
same data loaded into twin.devices / twin.relationships.

Sources tried, each compared column by column (integers exactly, doubles to twintest's tolerance)
with the features computed from twin.devices:
  * assets(asset_key, parent_key, kind, installed, extra) -> view (device_id, parent_id, model),
    links(link_id, from_key, to_key, link_type, weight) -> view (source_id, target_id, kind);
  * a table with only device_id and parent_id (no model/lat/lon columns at all), and a
    relationships table with its columns in another order plus extra ones;
  * bigint ids in the user's tables (the view exposes them as bigint device_id/parent_id);
  * a materialized view;
  * a hierarchy-only job whose relationships source does not exist (it is never read).
Both an undirected job with kind-filtered layers and a directed job are compared.
"""
import sys
import time

from twintest import Checker, Database, run_job
from twingen import generate

N_TWINS = 400
UNDIRECTED = {
    "graph": {"directed": False, "layers": ["hierarchy", {"relationships": {"name": "feeds", "kinds": ["feeds"]}},
                                             {"relationships": {"name": "other", "kinds": ["monitors", "connectedTo"]}}]},
    "features": ["degree", "pagerank", "betweenness", "harmonic", "coreness", "clustering", "component",
                 {"name": "degree", "layer": "feeds"}, {"name": "pagerank", "layer": "hierarchy"},
                 {"name": "component", "layer": "other"}],
}
DIRECTED = {"graph": {"directed": True}, "features": ["degree", "pagerank", "coreness", "component"]}
HIERARCHY_ONLY = {"graph": {"layers": ["hierarchy"]}, "features": ["degree", "pagerank", "component"]}

failures = []
checks = 0


def features_of(db, spec, source, table):
    """Runs spec with the given source against output table; returns {device_id: {col: value}}
    without run_id, or None when the run failed (recorded as a failure)."""
    job = dict(spec, source=source, output={"table": table})
    proc = run_job(db, job, check=False)
    if proc.returncode != 0:
        failures.append(f"{table}: exit {proc.returncode}\n{proc.stderr}")
        return None
    got = db.features(table)
    for row in got.values():
        row.pop("run_id")
    return got


def compare(label, got, want):
    global checks
    if got is None or want is None:
        failures.append(f"{label}: nothing to compare")
        return
    c = Checker()
    c.equal(f"{label}: device ids", sorted(got), sorted(want))
    columns = sorted(next(iter(want.values())))
    c.equal(f"{label}: columns", sorted(next(iter(got.values()))), columns)
    for device_id, row in want.items():
        other = got.get(device_id)
        if other is None:
            continue
        for column in columns:
            if column == "device_id":
                continue
            if isinstance(row[column], int):
                c.equal(f"{label}: {device_id}.{column}", other.get(column), row[column])
            else:
                c.close(f"{label}: {device_id}", other.get(column), row[column], column)
    checks += c.compared
    try:
        c.finish(label)
    except AssertionError as e:
        failures.append(str(e))


def main():
    t0 = time.monotonic()
    devices, relationships = generate(N_TWINS, seed=42)
    with Database("own") as db:
        # Reference: the same data in the engine's own source tables.
        db.load(devices, relationships)
        reference = {name: features_of(db, spec, {}, f"features.ref_{name}")
                     for name, spec in [("undirected", UNDIRECTED), ("directed", DIRECTED),
                                        ("hierarchy", HIERARCHY_ONLY)]}

        # 1. Renaming views over differently named tables, with extra columns.
        db.execute("""
            CREATE SCHEMA plant;
            CREATE TABLE plant.assets (asset_key text PRIMARY KEY, parent_key text, kind text,
                                       installed date DEFAULT '2024-01-01', extra jsonb DEFAULT '{}');
            CREATE TABLE plant.links (link_id serial PRIMARY KEY, from_key text NOT NULL,
                                      to_key text NOT NULL, link_type text NOT NULL, weight real DEFAULT 1);
            CREATE VIEW plant.asset_twins AS
                SELECT asset_key AS device_id, parent_key AS parent_id, kind AS model FROM plant.assets;
            CREATE VIEW plant.asset_links AS
                SELECT from_key AS source_id, to_key AS target_id, link_type AS kind FROM plant.links;
        """)
        with db.conn.cursor() as cur:
            cur.executemany("INSERT INTO plant.assets (asset_key, parent_key, kind) VALUES (%s, %s, %s)",
                            [d[:3] for d in reversed(devices)])  # another physical order
            cur.executemany("INSERT INTO plant.links (from_key, to_key, link_type) VALUES (%s, %s, %s)",
                            list(reversed(relationships)))
        views = {"devices": "plant.asset_twins", "relationships": "plant.asset_links"}
        compare("renaming views (undirected)", features_of(db, UNDIRECTED, views, "plant_out.undirected"),
                reference["undirected"])
        compare("renaming views (directed)", features_of(db, DIRECTED, views, "plant_out.directed"),
                reference["directed"])

        # 2. Only device_id and parent_id; a relationships table with shuffled and extra columns.
        db.execute("""
            CREATE TABLE plant.bare (device_id text, parent_id text);
            CREATE TABLE plant.rel_table (note text, kind text, target_id text, created timestamptz DEFAULT now(),
                                          source_id text);
        """)
        with db.conn.cursor() as cur:
            cur.executemany("INSERT INTO plant.bare VALUES (%s, %s)", [d[:2] for d in devices])
            cur.executemany("INSERT INTO plant.rel_table (note, kind, target_id, source_id) VALUES ('n', %s, %s, %s)",
                            [(k, t, s) for s, t, k in relationships])
        bare = {"devices": "plant.bare", "relationships": "plant.rel_table"}
        compare("device_id + parent_id only", features_of(db, UNDIRECTED, bare, "plant_out.bare"),
                reference["undirected"])

        # 3. bigint ids: the ids are numbers in the user's tables; twin.devices holds their text.
        number = {d[0]: i + 1000 for i, d in enumerate(devices)}
        db.execute("""
            CREATE TABLE plant.numbered (id bigint PRIMARY KEY, parent bigint, type text);
            CREATE TABLE plant.numbered_links (a bigint, b bigint, kind text);
            CREATE VIEW plant.numbered_twins AS SELECT id AS device_id, parent AS parent_id, type AS model
                FROM plant.numbered;
            CREATE VIEW plant.numbered_rels AS SELECT a AS source_id, b AS target_id, kind FROM plant.numbered_links;
        """)
        with db.conn.cursor() as cur:
            cur.executemany("INSERT INTO plant.numbered VALUES (%s, %s, %s)",
                            [(number[d[0]], number.get(d[1]), d[2]) for d in devices])
            cur.executemany("INSERT INTO plant.numbered_links VALUES (%s, %s, %s)",
                            [(number[s], number[t], k) for s, t, k in relationships])
        db.load([(str(number[d[0]]), str(number[d[1]]) if d[1] else None, d[2], d[3], d[4]) for d in devices],
                [(str(number[s]), str(number[t]), k) for s, t, k in relationships])
        numbered_reference = features_of(db, UNDIRECTED, {}, "features.ref_numbered")
        compare("bigint ids", features_of(db, UNDIRECTED, {"devices": "plant.numbered_twins",
                                                           "relationships": "plant.numbered_rels"},
                                          "plant_out.numbered"), numbered_reference)

        # 4. A materialized view over the renaming view (twin.devices holds the text ids again).
        db.load(devices, relationships)
        db.execute("CREATE MATERIALIZED VIEW plant.twins_mv AS SELECT * FROM plant.asset_twins")
        compare("materialized view", features_of(db, UNDIRECTED, {"devices": "plant.twins_mv",
                                                                  "relationships": "plant.asset_links"},
                                                 "plant_out.mv"), reference["undirected"])

        # 5. A hierarchy-only job never reads the relationships source, so it need not exist.
        compare("hierarchy only, no relationships source",
                features_of(db, HIERARCHY_ONLY, {"devices": "plant.bare", "relationships": "plant.no_such_table"},
                            "plant_out.hierarchy"), reference["hierarchy"])

        # The user's tables are untouched.
        counts = db.query("SELECT (SELECT count(*) FROM plant.assets), (SELECT count(*) FROM plant.links),"
                          " (SELECT count(*) FROM plant.bare), (SELECT count(*) FROM plant.rel_table)")[0]
        if counts != (N_TWINS, len(relationships), N_TWINS, len(relationships)):
            failures.append(f"user tables changed: {counts}")

    print(f"own_tables: {checks} values compared, {len(failures)} failed ({time.monotonic() - t0:.1f} s)")
    if failures or checks == 0:
        for f in failures:
            print("FAIL:", f)
        sys.exit(1)


if __name__ == "__main__":
    main()
