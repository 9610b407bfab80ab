"""Oracle: real Azure Digital Twins samples (datasets/external) loaded as twins; every feature
compared with networkx, on relationship layers, kind-restricted layers and a hierarchy derived
from the samples' containment relationships; undirected and directed."""
import json
import os
import sys

from oracle_common import FEATURES, OracleChecker, check_job, hierarchy_edges, job, relationship_edges, simple_graph
from twintest import REPO, Database

EXTERNAL = os.path.join(REPO, "datasets", "external")


def energy_grid():
    """Twins and relationships of the bulk-import NDJSON (sections Twins and Relationships)."""
    devices, relationships, section = [], [], None
    with open(os.path.join(EXTERNAL, "adt-energy-grid", "distributionGridBulkImport.ndjson")) as f:
        for line in f:
            if not line.strip():
                continue
            item = json.loads(line)
            if set(item) == {"Section"}:
                section = item["Section"]
            elif section == "Twins":
                devices.append((item["$dtId"], None, item["$metadata"]["$model"], None, None, json.dumps(item)))
            elif section == "Relationships":
                # Import-job relationships name their source with $dtId.
                relationships.append((item["$dtId"], item["$targetId"], item["$relationshipName"]))
    return devices, relationships


def basic_home():
    """Twins and relationships of the Explorer export; the rel_has_* relationships also give
    each twin its parent, so the sample has a hierarchy layer too."""
    with open(os.path.join(EXTERNAL, "adt-basic-home", "import.json")) as f:
        graph = json.load(f)["digitalTwinsGraph"]
    relationships = [(r["$sourceId"], r["$targetId"], r["$relationshipName"]) for r in graph["relationships"]]
    parent = {target: source for source, target, kind in relationships if kind.startswith("rel_has_")}
    devices = [(t["$dtId"], parent.get(t["$dtId"]), t["$metadata"]["$model"], None, None, json.dumps(t))
               for t in graph["digitalTwins"]]
    return devices, relationships


ck = OracleChecker()
with Database("oracle_adt") as db:
    devices, relationships = energy_grid()
    ck.true("energy grid sample has its 49 twins and 50 relationships",
            (len(devices), len(relationships)) == (49, 50), f"{len(devices)} twins, {len(relationships)} relationships")
    db.load(devices, relationships)
    nodes = [d[0] for d in devices]
    for directed in (False, True):
        label = f"energy grid {'directed' if directed else 'undirected'}"
        everything = simple_graph(nodes, relationship_edges(relationships), directed)
        feeds = simple_graph(nodes, relationship_edges(relationships, {"feeds"}), directed)
        spec = job(["relationships", {"relationships": {"kinds": ["feeds"], "name": "feeds"}}],
                   FEATURES + [{"name": f, "layer": "feeds"} for f in FEATURES], directed=directed)
        check_job(ck, label, db, spec, {None: everything, "relationships": everything, "feeds": feeds})

    devices, relationships = basic_home()
    ck.true("basic home sample has its 12 twins and 11 relationships",
            (len(devices), len(relationships)) == (12, 11), f"{len(devices)} twins, {len(relationships)} relationships")
    db.load(devices, relationships)
    nodes = [d[0] for d in devices]
    for directed in (False, True):
        label = f"basic home {'directed' if directed else 'undirected'}"
        tree = simple_graph(nodes, hierarchy_edges(devices), directed)
        rels = simple_graph(nodes, relationship_edges(relationships), directed)
        union = simple_graph(nodes, hierarchy_edges(devices) + relationship_edges(relationships), directed)
        spec = job(["hierarchy", "relationships"], FEATURES + [{"name": f, "layer": "hierarchy"} for f in FEATURES],
                   directed=directed)
        check_job(ck, label, db, spec, {None: union, "hierarchy": tree, "relationships": rels})

try:
    ck.finish("ADT samples")
except AssertionError as e:
    print(e)
    sys.exit(1)
