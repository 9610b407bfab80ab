#!/usr/bin/python3
"""baseline.py - the cheap features through python-igraph or networkx, for benchmarks/run.sh.

    benchmarks/baseline.py igraph|networkx

Reads twin.devices and twin.relationships of the database the PG* environment names with
COPY (psycopg2), builds the union of the hierarchy and relationships layers as an undirected
simple graph, computes degree, pagerank (0.85), coreness, clustering and component, and
writes them with COPY into bench_baseline.features (replaced). Prints one JSON line:
{"read": s, "build": s, "compute": s, "write": s, "total": s}. What twingraph's standard
cheap-feature job does, the way a data scientist would do it in Python.
"""
import io
import json
import sys
import time

import psycopg2


def copy_out(cur, sql):
    buf = io.StringIO()
    cur.copy_expert(f"COPY ({sql}) TO STDOUT", buf)
    buf.seek(0)
    return [line.rstrip("\n").split("\t") for line in buf]


def main(engine):
    t0 = time.monotonic()
    conn = psycopg2.connect("")
    cur = conn.cursor()
    devices = copy_out(cur, "SELECT device_id, parent_id FROM twin.devices ORDER BY device_id COLLATE \"C\"")
    rels = copy_out(cur, "SELECT source_id, target_id FROM twin.relationships")
    t1 = time.monotonic()
    index = {d[0]: i for i, d in enumerate(devices)}
    edges = [(index[p], index[c]) for c, p in devices if p != "\\N" and p in index]
    edges += [(index[s], index[t]) for s, t in rels if s in index and t in index and s != t]
    n = len(devices)
    if engine == "igraph":
        import igraph as ig
        g = ig.Graph(n=n, edges=edges, directed=False)
        g.simplify()
        t2 = time.monotonic()
        degree = g.degree()
        pagerank = g.pagerank(damping=0.85)
        coreness = g.coreness()
        clustering = g.transitivity_local_undirected(mode="zero")
        membership = g.connected_components().membership
    else:
        import networkx as nx
        g = nx.Graph()
        g.add_nodes_from(range(n))
        g.add_edges_from(edges)
        t2 = time.monotonic()
        degree = [d for _, d in sorted(g.degree())]
        pr = nx.pagerank(g, alpha=0.85)
        pagerank = [pr[v] for v in range(n)]
        core = nx.core_number(g)
        coreness = [core[v] for v in range(n)]
        cl = nx.clustering(g)
        clustering = [cl[v] for v in range(n)]
        membership = [0] * n
        for c, comp in enumerate(nx.connected_components(g)):
            for v in comp:
                membership[v] = c
    t3 = time.monotonic()
    cur.execute("CREATE SCHEMA IF NOT EXISTS bench_baseline; DROP TABLE IF EXISTS bench_baseline.features;"
                "CREATE TABLE bench_baseline.features (device_id text PRIMARY KEY, degree bigint, pagerank float8,"
                " coreness bigint, clustering float8, component_id bigint)")
    buf = io.StringIO()
    for v in range(n):
        buf.write(f"{devices[v][0]}\t{degree[v]}\t{pagerank[v]!r}\t{coreness[v]}\t{clustering[v]!r}\t{membership[v]}\n")
    buf.seek(0)
    cur.copy_expert("COPY bench_baseline.features FROM STDIN", buf)
    conn.commit()
    t4 = time.monotonic()
    print(json.dumps({"read": round(t1 - t0, 3), "build": round(t2 - t1, 3), "compute": round(t3 - t2, 3),
                      "write": round(t4 - t3, 3), "total": round(t4 - t0, 3)}))


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("igraph", "networkx"):
        sys.exit(__doc__)
    main(sys.argv[1])
