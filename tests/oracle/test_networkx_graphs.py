"""Oracle: classic networkx graphs (karate club, Les Miserables, Florentine families) loaded as
twins, every feature compared with networkx per twin and column, undirected and directed."""
import sys

import networkx as nx

from oracle_common import (FEATURES, OracleChecker, check_job, check_layer_counts, igraph_crosscheck,
                           job, simple_graph)
from twintest import Database

GRAPHS = {
    "karate": nx.karate_club_graph,
    "lesmis": nx.les_miserables_graph,
    "florentine": nx.florentine_families_graph,
}

ck = OracleChecker()
with Database("oracle_nx") as db:
    for name, make in GRAPHS.items():
        source = make()
        nodes = [str(v) for v in source.nodes]
        # Edges oriented u -> v exactly as networkx lists them.
        edges = [(str(u), str(v)) for u, v in source.edges]
        db.load([(v,) for v in nodes], [(u, v, "connectedTo") for u, v in edges])
        for directed in (False, True):
            label = f"{name} {'directed' if directed else 'undirected'}"
            G = simple_graph(nodes, edges, directed)
            spec = job(["relationships"], FEATURES, directed=directed)
            rows, run_id, layers = check_job(ck, label, db, spec, {None: G, "relationships": G})
            check_layer_counts(ck, label, layers, "union", len(nodes), G.number_of_edges(), len(edges))
            check_layer_counts(ck, label, layers, "relationships", len(nodes), G.number_of_edges(), len(edges))
            if name == "lesmis":
                igraph_crosscheck(ck, label, rows, nodes, edges, directed)

try:
    ck.finish("networkx graphs")
except AssertionError as e:
    print(e)
    sys.exit(1)
