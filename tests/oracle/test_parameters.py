"""Oracle: feature parameters. harmonic with "direction" (in / out / all) and "cutoff", and
pagerank with another damping, renamed with "column", on an undirected and a directed graph."""
import sys

import networkx as nx

from oracle_common import (OTHER_TOL, PAGERANK_TOL, OracleChecker, check_rows, expected_pagerank, job,
                           run_and_fetch, simple_graph)
from twintest import Database


def harmonic_within(G, cutoff):
    """Sum over other twins u of 1/d(u, v), counting only d <= cutoff (networkx has no cutoff)."""
    reverse = G.reverse() if G.is_directed() else G
    return {v: sum(1 / d for u, d in nx.single_source_shortest_path_length(reverse, v, cutoff=cutoff).items() if u != v)
            for v in G}


FEATURES = ["harmonic",
            {"name": "harmonic", "direction": "out", "column": "h_out"},
            {"name": "harmonic", "direction": "all", "column": "h_all"},
            {"name": "harmonic", "cutoff": 2, "column": "h_c2"},
            {"name": "harmonic", "direction": "in", "cutoff": 0, "column": "h_c0"},
            {"name": "pagerank", "damping": 0.6, "column": "pr60"}]

karate = nx.karate_club_graph()
directed = nx.gnp_random_graph(150, 0.025, seed=7, directed=True)
directed.add_nodes_from(range(150, 155))  # isolated twins

ck = OracleChecker()
with Database("oracle_params") as db:
    for name, source in (("karate", karate), ("random directed", directed)):
        is_directed = source.is_directed()
        # Unweighted, as twingraph is: karate_club_graph carries edge weights pagerank would use.
        nodes = [f"t{v:03d}" for v in source]
        edges = [(f"t{u:03d}", f"t{v:03d}") for u, v in source.edges]
        G = simple_graph(nodes, edges, is_directed)
        db.load([(v,) for v in nodes], [(u, v, "connectedTo") for u, v in edges])
        spec = job(["relationships"], FEATURES, directed=is_directed)
        rows, run_id, _ = run_and_fetch(ck, name, db, spec)
        check_rows(ck, name, db, G.nodes, run_id, ["harmonic", "h_out", "h_all", "h_c2", "h_c0", "pr60"])
        undirected = G.to_undirected()
        expected = {
            "harmonic": nx.harmonic_centrality(G),
            "h_out": nx.harmonic_centrality(G.reverse() if is_directed else G),
            "h_all": nx.harmonic_centrality(undirected),
            "h_c2": harmonic_within(G, 2),
            "h_c0": {v: 0.0 for v in G},
            "pr60": expected_pagerank(G, damping=0.6),
        }
        if is_directed:
            ck.true(f"{name}: in and out harmonic differ somewhere (the test can tell them apart)",
                    expected["harmonic"] != expected["h_out"])
        ck.true(f"{name}: the cutoff changes some value (the test can tell)", expected["h_c2"] != expected["harmonic"])
        for column, values in expected.items():
            tol = PAGERANK_TOL if column == "pr60" else OTHER_TOL
            for v, want in values.items():
                ck.close_tol(f"{name} {v}.{column}", rows[v][column], want, tol)
        comment = db.query("SELECT col_description('features.device_features'::regclass, attnum) FROM pg_attribute"
                           " WHERE attrelid = 'features.device_features'::regclass AND attname = 'h_out'")[0][0]
        ck.true(f"{name}: h_out's comment names its parameters", 'direction="out", cutoff=-1' in comment, comment)

try:
    ck.finish("parameters")
except AssertionError as e:
    print(e)
    sys.exit(1)
