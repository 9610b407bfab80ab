"""twingen.py - a small seeded generator of twin hierarchies and relationships for the integration
tests (not a test itself: CTest only runs test_*.py).

generate(n_twins, seed) returns (devices, relationships) in the shapes Database.load() takes:
devices are (device_id, parent_id, model, lat, lon) tuples forming a city > district > building >
floor > room > device hierarchy (cut short for small n), relationships are (source_id, target_id, kind) tuples between
devices and rooms ("feeds", "monitors", "connectedTo"). The same (n_twins, seed) always gives the
same data.
"""
import random

KINDS = ("feeds", "monitors", "connectedTo")


def generate(n_twins=3000, seed=1, relationship_ratio=0.6):
    rng = random.Random(seed)
    devices = [("city-0", None, "city", 52.5, 13.4)]
    levels = [("district", 8), ("building", 10), ("floor", 3), ("room", 4)]
    frontier = ["city-0"]
    rooms = []
    # The hierarchy takes about 43% of the twins (all of city..room at 3000), devices the rest.
    limit = max(1, int(n_twins * 0.43))
    for model, fanout in levels:
        nxt = []
        for parent in frontier:
            for i in range(fanout):
                if len(devices) >= limit:
                    break
                twin_id = f"{parent.split('-', 1)[1]}.{i}" if parent != "city-0" else str(i)
                twin_id = f"{model}-{twin_id}"
                devices.append((twin_id, parent, model, 52.0 + rng.random(), 13.0 + rng.random()))
                nxt.append(twin_id)
        if not nxt:
            break
        frontier = rooms = nxt
    leaves = []
    models = ("camera", "sensor", "meter", "gateway")
    i = 0
    while len(devices) < n_twins:
        room = rng.choice(rooms) if rooms else "city-0"
        twin_id = f"dev-{i:05d}"
        # Some devices without coordinates, as in real inventories.
        lat, lon = (None, None) if rng.random() < 0.1 else (52.0 + rng.random(), 13.0 + rng.random())
        devices.append((twin_id, room, rng.choice(models), lat, lon))
        leaves.append(twin_id)
        i += 1
    targets = leaves + rooms
    relationships = []
    for _ in range(int(len(devices) * relationship_ratio)):
        if not leaves:
            break
        relationships.append((rng.choice(leaves), rng.choice(targets), rng.choice(KINDS)))
    return devices, relationships
