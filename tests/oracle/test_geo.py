"""Oracle: geographic features against PostGIS, on the real METR-LA and PEMS-BAY sensor locations
(datasets/external/dcrnn-sensor-graph) and on generated points at the antimeridian, the poles,
duplicates and nearly antipodal pairs.

geo_parent_dist_m must equal ST_Distance(geography, geography) within 1 mm, be NULL for roots
and twins (or parents) without a location; a job with a geo feature refuses an invalid location
naming the twin, or skips it with "on_bad_location": "skip"."""
import os
import random
import sys

from oracle_common import OracleChecker, sensors
from twintest import Database, run_job, run_twingraph, write_job

ck = OracleChecker()


def hard_points():
    """Pairs (child, parent) where geodesics are delicate."""
    pairs = [((10.0, 179.9999), (10.0, -179.9999)),      # across the antimeridian
             ((90.0, 0.0), (89.9999, 120.0)),             # at the north pole
             ((-90.0, 45.0), (-89.5, -135.0)),            # across the south pole
             ((0.0, 0.0), (0.5, 179.7)),                  # nearly antipodal
             ((0.0, 0.0), (0.0, 180.0)),                  # antipodal on the equator
             ((48.8566, 2.3522), (48.8566, 2.3522)),      # the same place
             ((-33.8688, 151.2093), (51.5074, -0.1278))]  # Sydney to London
    devices = []
    for i, ((lat1, lon1), (lat2, lon2)) in enumerate(pairs):
        devices.append((f"hard-{i}-parent", None, "point", lat2, lon2))
        devices.append((f"hard-{i}", f"hard-{i}-parent", "point", lat1, lon1))
    return devices


SPEC = {"source": {"devices": "twin.devices", "relationships": "twin.relationships"},
        "graph": {"layers": ["hierarchy"]}, "features": ["geo_parent_dist_m"],
        "output": {"table": "features.device_features"}}

with Database("oracle_geo") as db:
    db.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    rng = random.Random(8)
    located = sensors()
    devices = []
    for i, (twin, lat, lon) in enumerate(located):
        # Each sensor's parent is an earlier sensor (the first few are roots), so distances span
        # neighbours in one city and the 500 km between Los Angeles and San Jose.
        parent = located[rng.randrange(i)][0] if i >= 3 else None
        devices.append((twin, parent, "loop_detector", lat, lon))
    devices += hard_points()
    devices += [("nowhere", located[0][0], "sensor", None, None),       # no location: NULL
                ("child-of-nowhere", "nowhere", "sensor", 34.0, -118.0)]  # parent without one: NULL
    db.load(devices)
    run_job(db, SPEC)
    rows = db.features()
    want = dict(db.query(
        "SELECT c.device_id, ST_Distance(geography(ST_SetSRID(ST_MakePoint(c.lon, c.lat), 4326)),"
        "                                geography(ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)))"
        " FROM twin.devices c LEFT JOIN twin.devices p ON p.device_id = c.parent_id"))
    worst = 0.0
    for twin, distance in want.items():
        got = rows[twin]["geo_parent_dist_m"]
        if distance is None:
            ck.equal(f"twin {twin!r} geo_parent_dist_m (no location on one side)", got, None)
        else:
            ok = got is not None and abs(got - distance) <= 0.001
            ck.check(ok, f"twin {twin!r} geo_parent_dist_m: got {got!r}, PostGIS {distance!r} (1 mm)")
            if got is not None:
                worst = max(worst, abs(got - distance))
    print(f"geo_parent_dist_m: {len(want)} twins, largest difference from PostGIS {worst * 1000:.6f} mm")
    ck.true("some distances are long (Los Angeles to San Jose, Sydney to London)",
            max(d for d in want.values() if d is not None) > 1e7)

    # k nearest and radius counts against every pair's ST_Distance; the spatial layer's degrees.
    K, R = 5, 2500.0
    spatial = {"source": SPEC["source"], "graph": {"directed": True, "layers": [{"spatial": {"knn": K}}]},
               "features": [{"name": "geo_knn_mean_m", "k": K}, {"name": "geo_knn_max_m", "k": K},
                            {"name": "geo_within_r", "radius_m": R},
                            {"name": "degree", "layer": "spatial"}],
               "output": SPEC["output"]}
    run_job(db, spatial)
    rows = db.features()
    pairs = db.query(
        "SELECT a.device_id, b.device_id, ST_Distance(geography(ST_SetSRID(ST_MakePoint(a.lon, a.lat), 4326)),"
        "                                             geography(ST_SetSRID(ST_MakePoint(b.lon, b.lat), 4326)))"
        " FROM twin.devices a JOIN twin.devices b ON a.device_id <> b.device_id"
        " WHERE a.lat IS NOT NULL AND b.lat IS NOT NULL")
    near = {}
    for a, b, d in pairs:
        near.setdefault(a, []).append((d, b.encode()))
    for twin, row in rows.items():
        if twin not in near:
            for col in ("geo_knn_mean_m", "geo_knn_max_m", "geo_within_r"):
                ck.equal(f"twin {twin!r} {col} without a location", row[col], None)
            continue
        ds = sorted(near[twin])
        best = [d for d, _ in ds[:K]]
        ck.check(abs(row["geo_knn_mean_m"] - sum(best) / len(best)) <= 0.001,
                 f"twin {twin!r} geo_knn_mean_m: got {row['geo_knn_mean_m']}, PostGIS {sum(best) / len(best)}")
        ck.check(abs(row["geo_knn_max_m"] - best[-1]) <= 0.001,
                 f"twin {twin!r} geo_knn_max_m: got {row['geo_knn_max_m']}, PostGIS {best[-1]}")
        ck.equal(f"twin {twin!r} geo_within_r {R} m", row["geo_within_r"], sum(1 for d, _ in ds if d <= R))
        ck.equal(f"twin {twin!r} out_degree_spatial (k nearest)", row["out_degree_spatial"], min(K, len(ds)))
    # In-degree: how many twins count this one among their k nearest (ties by device_id).
    indegree = {}
    for twin, ds in near.items():
        for _, b in sorted(ds)[:K]:
            indegree[b.decode()] = indegree.get(b.decode(), 0) + 1
    for twin in near:
        ck.equal(f"twin {twin!r} in_degree_spatial", rows[twin]["in_degree_spatial"], indegree.get(twin, 0))
    within = db.query("SELECT count(*) FROM twin.devices a JOIN twin.devices b ON a.device_id <> b.device_id"
                      " WHERE ST_DWithin(geography(ST_SetSRID(ST_MakePoint(a.lon, a.lat), 4326)),"
                      "                  geography(ST_SetSRID(ST_MakePoint(b.lon, b.lat), 4326)), %s, true)", (R,))[0][0]
    ck.equal(f"pairs within {R} m: engine against ST_DWithin", sum(r["geo_within_r"] or 0 for r in rows.values()),
             within)

    # Two twins on opposite sides of the Earth: each one's nearest is 20,000 km away, farther
    # than the widest cap the bound asks for; the search must still end.
    db.load([("east", None, "point", 0.0, 179.5), ("west", None, "point", 0.0, -0.5)])
    run_job(db, {"source": SPEC["source"], "graph": {"layers": [{"spatial": {"knn": 3}}]},
                 "features": [{"name": "geo_knn_max_m", "k": 1}, {"name": "degree", "layer": "spatial"}],
                 "output": SPEC["output"]})
    rows = db.features()
    far = db.query("SELECT ST_Distance(geography(ST_SetSRID(ST_MakePoint(179.5, 0), 4326)),"
                   " geography(ST_SetSRID(ST_MakePoint(-0.5, 0), 4326)))")[0][0]
    ck.check(abs(rows["east"]["geo_knn_max_m"] - far) <= 0.001, f"antipodal pair: got {rows['east']['geo_knn_max_m']}, "
             f"PostGIS {far}")
    ck.equal("antipodal pair: each has the other as its only neighbour", rows["west"]["degree_spatial"], 1)
    db.load(devices)

    # An invalid location is an error naming the twin when a geo feature reads locations ...
    # (The schema's CHECK would refuse the row; a user's own source table may have none.)
    db.execute("ALTER TABLE twin.devices DROP CONSTRAINT IF EXISTS devices_lat_check")
    db.execute("INSERT INTO twin.devices (device_id, parent_id, lat, lon) VALUES ('bad', %s, 91.5, 10)",
               (located[0][0],))
    proc = run_twingraph(["run", write_job(SPEC), "--allow-shrink"], db=db, check=False)
    ck.true("a latitude of 91.5 fails the job", proc.returncode != 0, proc.stderr[-300:])
    ck.true("the error names the twin", 'twin "bad" has an invalid location' in proc.stderr, proc.stderr[-300:])
    # ... and is skipped (NULL, warned) with on_bad_location "skip".
    skip = dict(SPEC, source=dict(SPEC["source"], on_bad_location="skip"))
    run_job(db, skip)
    rows = db.features()
    ck.equal("skipped twin: geo_parent_dist_m", rows["bad"]["geo_parent_dist_m"], None)
    warnings = db.query("SELECT warnings FROM features.runs ORDER BY run_id DESC LIMIT 1")[0][0]
    ck.true("the skip is warned about", any("invalid location" in w for w in warnings), repr(warnings))

try:
    ck.finish("geo")
except AssertionError as e:
    print(e)
    sys.exit(1)
