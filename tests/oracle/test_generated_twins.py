"""Oracle: generated smart-city twin graphs with a hierarchy AND typed relationships.

Union-graph features, per-layer features (hierarchy, relationships, a kinds-restricted "feeds"
layer) and a renamed damping-0.5 PageRank are compared with networkx built from the same rows,
for undirected and directed jobs. Then the same for the 2000-twin output of
datasets/generate_smart_city.py (loaded with COPY), when that generator exists."""
import os
import random
import sys

from oracle_common import (FEATURES, OracleChecker, check_job, check_layer_counts, hierarchy_edges,
                           load_smart_city,
                           igraph_crosscheck, job, relationship_edges, simple_graph)
from twintest import REPO, Database


def generate(seed, n_cities):
    """(devices, relationships) of a small seeded city: cities > districts > intersections >
    devices, feeds/connectedTo/monitors relationships, cross links, isolated twins, repeated rows,
    relationships duplicating hierarchy edges (both directions) and a self-loop."""
    rng = random.Random(seed)
    devices, rels = [], []
    controllers = []          # (district index, ctl id)
    cameras = []
    for c in range(n_cities):
        city = f"city-{c}"
        devices.append((city, None, "city"))
        for d in range(rng.randint(3, 5)):
            district = f"{city}/d-{d}"
            devices.append((district, city, "district"))
            chain = []
            for x in range(rng.randint(6, 14)):
                inter = f"{district}/x-{x:02d}"
                devices.append((inter, district, "intersection"))
                ctl = f"{inter}/ctl"
                devices.append((ctl, inter, "signal_controller"))
                chain.append(ctl)
                controllers.append(((c, d), ctl))
                for s in range(rng.randint(1, 5)):
                    model = rng.choice(["camera", "camera", "lidar", "traffic_sensor"])
                    dev = f"{inter}/{model[:3]}-{s}"
                    devices.append((dev, inter, model))
                    if rng.random() < 0.9:
                        rels.append((dev, ctl, "feeds"))
                    if model == "camera":
                        cameras.append((dev, inter))
                # A relationship duplicating a hierarchy edge, sometimes reversed.
                if rng.random() < 0.3:
                    rels.append((inter, ctl, "connectedTo") if rng.random() < 0.5 else (ctl, inter, "connectedTo"))
            # Controllers along the district's road: a chain plus a few shortcuts, some both ways.
            for a, b in zip(chain, chain[1:]):
                rels.append((a, b, "connectedTo"))
                if rng.random() < 0.25:
                    rels.append((b, a, "connectedTo"))
            for _ in range(len(chain) // 4):
                a, b = rng.sample(chain, 2)
                rels.append((a, b, "connectedTo"))
    # Cameras that monitor another intersection's controller.
    ctl_ids = [ctl for _, ctl in controllers]
    for cam, inter in cameras:
        if rng.random() < 0.3:
            rels.append((cam, rng.choice(ctl_ids), "monitors"))
    # Cross links between districts and cities.
    for _ in range(6):
        (_, a), (_, b) = rng.sample(controllers, 2)
        rels.append((a, b, rng.choice(["connectedTo", "feeds"])))
    # Weather stations without a parent, linked only by relationships; fully isolated spares.
    for w in range(3):
        ws = f"weather-{w}"
        devices.append((ws, None, "weather_station"))
        for _ in range(2):
            rels.append((ws, rng.choice(ctl_ids), "feeds"))
    for s in range(5):
        devices.append((f"spare-{s}", None, "spare"))
    # Repeated rows, a duplicate with another kind, and a self-loop.
    for r in rng.sample(rels, 8):
        rels.append(r)
    a, b, _ = rels[3]
    rels.append((a, b, "monitors"))
    rels.append((ctl_ids[0], ctl_ids[0], "connectedTo"))
    rng.shuffle(devices)
    rng.shuffle(rels)
    return devices, rels


LAYERS = ["hierarchy", "relationships", {"relationships": {"kinds": ["feeds"], "name": "feeds"}}]
FEATURE_ENTRIES = (FEATURES
                   + [{"name": f, "layer": "hierarchy"} for f in FEATURES]
                   + [{"name": f, "layer": "relationships"} for f in FEATURES]
                   + [{"name": "degree", "layer": "feeds"}, {"name": "component", "layer": "feeds"},
                      {"name": "pagerank", "layer": "feeds", "damping": 0.3},
                      {"name": "pagerank", "damping": 0.5, "column": "pr50"}])
# Every relationships layer lists its kinds: only those rows are in the union.
KIND_LAYERS = ["hierarchy", {"relationships": {"kinds": ["feeds", "monitors"], "name": "fm"}}]
KIND_FEATURES = FEATURES + [{"name": f, "layer": "fm"} for f in ("degree", "betweenness", "component")]


def check_dataset(ck, db, name, devices, rels, layers=LAYERS, features=FEATURE_ENTRIES, crosscheck=False):
    nodes = [d[0] for d in devices]
    h = hierarchy_edges(devices)
    r = relationship_edges(rels)
    feeds = relationship_edges(rels, {"feeds"})
    fm = relationship_edges(rels, {"feeds", "monitors"})
    layer_edges = {"hierarchy": h, "relationships": r, "feeds": feeds, "fm": fm}
    used = [l if isinstance(l, str) else l["relationships"]["name"] for l in layers]
    union = [e for l in used for e in layer_edges[l]]
    for directed in (False, True):
        label = f"{name} {'directed' if directed else 'undirected'}"
        graphs = {None: simple_graph(nodes, union, directed)}
        for l in used:
            graphs[l] = simple_graph(nodes, layer_edges[l], directed)
        spec = job(layers, features, directed=directed)
        rows, run_id, layers_json = check_job(ck, label, db, spec, graphs)
        check_layer_counts(ck, label, layers_json, "union", len(nodes), graphs[None].number_of_edges(), len(union))
        for l in used:
            check_layer_counts(ck, label, layers_json, l, len(nodes), graphs[l].number_of_edges(),
                               len(layer_edges[l]))
        inp = (layers_json or {}).get("input") or {}
        ck.equal(f"{label}: runs.layers['input'].twins", inp.get("twins"), len(nodes))
        if "relationships" in used:
            ck.equal(f"{label}: runs.layers['input'].relationships", inp.get("relationships"), len(rels))
        ck.equal(f"{label}: runs.layers['input'].dropped_parents", inp.get("dropped_parents"), 0)
        ck.equal(f"{label}: runs.layers['input'].dropped_relationships", inp.get("dropped_relationships"), 0)
        if crosscheck:
            igraph_crosscheck(ck, label, rows, nodes, union, directed)


ck = OracleChecker()
with Database("oracle_gen") as db:
    for seed, n_cities in ((1, 2), (2, 4)):
        devices, rels = generate(seed, n_cities)
        db.load(devices, rels)
        print(f"generated seed {seed}: {len(devices)} twins, {len(rels)} relationships")
        check_dataset(ck, db, f"generated seed {seed}", devices, rels, crosscheck=(seed == 1))
        if seed == 1:
            check_dataset(ck, db, f"generated seed {seed} kinds feeds+monitors", devices, rels,
                          layers=KIND_LAYERS, features=KIND_FEATURES)

    generator = os.path.join(REPO, "datasets", "generate_smart_city.py")
    if not os.path.exists(generator):
        print(f"note: {generator} is absent; skipped the generated 2000-twin smart city")
    else:
        load_smart_city(db, 2000, 11)
        devices = db.query("SELECT device_id, parent_id FROM twin.devices")
        rels = db.query("SELECT source_id, target_id, kind FROM twin.relationships")
        ck.equal("smart city: twins loaded", len(devices), 2000)
        print(f"smart city: {len(devices)} twins, {len(rels)} relationships")
        check_dataset(ck, db, "smart city 2000", devices, rels, layers=LAYERS,
                      features=FEATURES + [{"name": "degree", "layer": "feeds"},
                                           {"name": "component", "layer": "feeds"}])

try:
    ck.finish("generated twins")
except AssertionError as e:
    print(e)
    sys.exit(1)
