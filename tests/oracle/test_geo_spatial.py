"""Oracle: the spatial index's newer outputs against PostGIS (and networkx for paths), on the real
METR-LA and PEMS-BAY sensor locations (datasets/external/dcrnn-sensor-graph) plus generated
delicate points: the antimeridian (lon 180 and -180 both), the poles (several longitudes at
lat +-90), and groups of twins at exactly the same lat/lon.

  1. geo_density_km2: ST_DWithin(geography, geography, r, true) counts over the area of the
     spherical cap of radius r on the authalic sphere, relative 1e-9; NULL without a location.
  2. geo_nearest per model: ST_Distance over every pair (1 mm); ids exact unless two candidates
     are within 1e-6 m (twins at exactly the same location must follow device_id byte order);
     a model only one twin has, and models no located twin has (all NULL, warned).
  3. radius layers: in/out degree (directed) and degree (undirected) = ST_DWithin counts.
  4. Delaunay layer: the edge set of ST_DelaunayTriangles over the distinct locations, with
     co-located twins hanging on the first of them (byte order), through degrees, triangles, the
     layer's edge count and sums of random neighbour tags (nbr_agg).
  5. weighted closeness and harmonic on the Delaunay layer (0 m edges weigh 1e-6 m) against
     networkx with ST_Distance weights.
  6. k nearest with k above the number of other located twins; one search for the largest k
     serving a knn layer and geo_knn_* of other k gives what separate jobs give.
  7. the same job with TWINGRAPH_THREADS=1, 3 and 7 gives identical rows."""
import math
import os
import random
import sys

import networkx as nx

from oracle_common import OracleChecker, byte_key, sensors
from twintest import Database, run_job

ck = OracleChecker()
AUTHALIC_R = 6371007.181
MIN_WEIGHT_M = 1e-6   # the weight of a 0 m spatial edge
SOURCE = {"devices": "twin.devices", "relationships": "twin.relationships"}
OUTPUT = {"table": "features.device_features"}


def spec(features, layers=(), directed=False):
    """A job; without spatial layers, the hierarchy (a job needs a layer)."""
    return {"source": SOURCE, "graph": {"directed": directed, "layers": list(layers) or ["hierarchy"]},
            "features": features,
            "output": OUTPUT}


def last_warnings(db):
    return db.query("SELECT warnings FROM features.runs ORDER BY run_id DESC LIMIT 1")[0][0] or []


def last_layers(db):
    return db.query("SELECT layers FROM features.runs ORDER BY run_id DESC LIMIT 1")[0][0] or {}


class Geo:
    """PostGIS's view of the loaded twins: a table of geographies, every pair's ST_Distance, and
    ST_DWithin counts."""

    def __init__(self, db, pairs=True):
        self.db = db
        db.execute("DROP TABLE IF EXISTS public.oracle_geog")
        db.execute("CREATE TABLE public.oracle_geog AS SELECT device_id, model, lat, lon,"
                   " geography(ST_SetSRID(ST_MakePoint(lon, lat), 4326)) AS geog"
                   " FROM twin.devices WHERE lat IS NOT NULL AND lon IS NOT NULL")
        db.execute("CREATE INDEX ON public.oracle_geog USING gist (geog)")
        db.execute("ANALYZE public.oracle_geog")
        self.where = {d: (lat, lon) for d, lat, lon in db.query("SELECT device_id, lat, lon FROM public.oracle_geog")}
        self.model = dict(db.query("SELECT device_id, model FROM public.oracle_geog"))
        self.dist = {}
        if not pairs:
            return
        for a, b, d in db.query("SELECT a.device_id, b.device_id, ST_Distance(a.geog, b.geog)"
                                " FROM public.oracle_geog a JOIN public.oracle_geog b ON a.device_id <> b.device_id"):
            self.dist.setdefault(a, {})[b] = d
        for a in self.where:
            self.dist.setdefault(a, {})

    def within(self, radius):
        """{located twin: number of other located twins ST_DWithin radius}."""
        return dict(self.db.query(
            "SELECT a.device_id, count(b.device_id) FROM public.oracle_geog a LEFT JOIN public.oracle_geog b"
            " ON a.device_id <> b.device_id AND ST_DWithin(a.geog, b.geog, %s, true) GROUP BY a.device_id",
            (radius,)))

    def near_boundary(self, radius, slack=1e-6):
        """Pairs whose PostGIS distance is within slack of the radius (where engine and PostGIS
        could disagree by rounding alone)."""
        return sum(1 for a in self.dist for d in self.dist[a].values() if abs(d - radius) <= slack)


def cap_km2(radius):
    """Area of a spherical cap of geodesic radius r on the authalic sphere, in km^2; 2 sin^2(x/2)
    is 1 - cos(x) without the cancellation for small x."""
    x = radius / AUTHALIC_R
    return 2 * math.pi * AUTHALIC_R ** 2 * (2 * math.sin(x / 2) ** 2) / 1e6


# --- the data ----------------------------------------------------------------------------------

def delicate_points():
    """(id, lat, lon, model): both sides of the antimeridian (lon 180 and -180 as one place, three
    twins at one point), the poles at several longitudes (the same place; two twins at (90, 0)),
    near the poles, and nearly antipodal points."""
    return [("am-e", 10.0, 179.9999, "camera"), ("am-w", 10.0, -179.9999, "camera"),
            ("am-w2", 10.0, -179.99985, "lidar"), ("am-e2", 10.00005, 180.0, "lidar"),
            ("am-w3", 10.0, -180.0, "loop_detector"), ("am-e3", 10.0, 180.0, "camera"),  # the same place
            ("am-dup-1", 10.0, 179.9999, "lidar"), ("am-dup-2", 10.0, 179.9999, "camera"),
            ("np-0", 90.0, 0.0, "camera"), ("np-120", 90.0, 120.0, "camera"), ("np-0b", 90.0, 0.0, "lidar"),
            ("np-near", 89.9999, -60.0, "lidar"), ("np-ring", 89.999, 45.0, "loop_detector"),
            ("sp-45", -90.0, 45.0, "lidar"), ("sp-m135", -90.0, -135.0, "loop_detector"),
            ("sp-near", -89.99, -135.0, "camera"), ("sp-far", -89.5, 10.0, "lidar"),
            ("anti-a", 0.0, 0.0, "camera"), ("anti-b", 0.5, 179.7, "lidar"), ("anti-c", 0.0, -180.0, "loop_detector")]


def dataset_a(rng):
    """The sensors with random models, delicate points, co-located groups and unlocated twins.
    Models: camera (about 8 %), lidar (about 4 %), radar (exactly one twin), ghost (only a twin
    without a location), sonar (nobody)."""
    located = sensors()
    devices = []
    for twin, lat, lon in located:
        u = rng.random()
        devices.append((twin, None, "camera" if u < 0.08 else "lidar" if u < 0.12 else "loop_detector", lat, lon))
    # The radar: one random sensor.
    i = rng.randrange(len(devices))
    devices[i] = devices[i][:2] + ("radar",) + devices[i][3:]
    # Five twins at one LA sensor's exact location, three at a Bay sensor's.
    la = next(d for d in located if d[0].startswith("la-"))
    bay = next(d for d in located if d[0].startswith("bay-"))
    for j, model in enumerate(["camera", "camera", "lidar", "camera"]):
        devices.append((f"dup-la-{j}", None, model, la[1], la[2]))
    for j, model in enumerate(["lidar", "lidar"]):
        devices.append((f"dup-bay-{j}", None, model, bay[1], bay[2]))
    devices += [(t, None, m, lat, lon) for t, lat, lon, m in delicate_points()]
    devices += [("nowhere-1", None, "camera", None, None), ("nowhere-2", None, "ghost", None, None)]
    return devices


def dataset_b(rng):
    """No antimeridian: the sensors, co-located groups, an unlocated twin; each twin documents a
    random tag (properties.reported.tag) so that neighbour sums identify neighbour sets."""
    located = sensors()
    rows = [(t, lat, lon) for t, lat, lon in located]
    la = [d for d in located if d[0].startswith("la-")]
    bay = [d for d in located if d[0].startswith("bay-")]
    for j in range(3):
        rows.append((f"dup-la-{j}", la[5][1], la[5][2]))
    # Ids before and after the sensor's own in byte order, so the site's first twin is a dup.
    rows.append(("a-dup-bay", bay[7][1], bay[7][2]))
    rows.append(("z-dup-bay", bay[7][1], bay[7][2]))
    rows.append(("nowhere", None, None))
    devices = []
    for t, lat, lon in rows:
        doc = '{"properties": {"reported": {"tag": %d}}}' % rng.randrange(1, 2 ** 40)
        devices.append((t, None, "sensor", lat, lon, doc))
    return devices


def dataset_c(rng):
    """About 10,000 twins, so that the searches span several 2,048-twin chunks of work: the
    sensors, points scattered around them (dense), points uniform on the sphere, the delicate
    points, duplicates of random locations and a few twins without a location."""
    devices = [(t, None, m, lat, lon) for t, _, m, lat, lon in dataset_a(rng)]
    base = sensors()
    for i in range(6000):
        _, lat, lon = base[rng.randrange(len(base))]
        devices.append((f"near-{i:05d}", None, rng.choice(["camera", "lidar", "loop_detector", "loop_detector"]),
                        max(-90.0, min(90.0, lat + rng.gauss(0, 0.01))), lon + rng.gauss(0, 0.01)))
    for i in range(3000):
        devices.append((f"globe-{i:05d}", None, rng.choice(["camera", "lidar", "loop_detector"]),
                        math.degrees(math.asin(2 * rng.random() - 1)), rng.uniform(-180.0, 180.0)))
    located = [d for d in devices if d[3] is not None]
    for i in range(60):
        d = located[rng.randrange(len(located))]
        devices.append((f"copy-{i:03d}", None, d[2], d[3], d[4]))
    devices += [(f"lost-{i}", None, "camera", None, None) for i in range(3)]
    return devices


# --- 1. geo_density_km2 and geo_within_r --------------------------------------------------------

RADII = [1.0, 150.0, 2500.0, 20000.0, 600000.0, 2.0e6, 20037509.0]


def check_density(db, geo):
    features = []
    for i, r in enumerate(RADII):
        features.append({"name": "geo_density_km2", "radius_m": r, "column": f"dens_{i}"})
        features.append({"name": "geo_within_r", "radius_m": r, "column": f"within_{i}"})
    run_job(db, spec(features))
    rows = db.features()
    for i, r in enumerate(RADII):
        want = geo.within(r)
        area = cap_km2(r)
        worst, checked, nonzero = 0.0, 0, 0
        for twin, row in rows.items():
            got, count = row[f"dens_{i}"], row[f"within_{i}"]
            if twin not in want:
                ck.equal(f"density r={r}: twin {twin!r} without a location", got, None)
                ck.equal(f"within r={r}: twin {twin!r} without a location", count, None)
                continue
            expected = want[twin] / area
            ck.equal(f"within r={r}: twin {twin!r} geo_within_r against ST_DWithin", count, want[twin])
            ck.close_tol(f"density r={r}: twin {twin!r} at {geo.where[twin]}, {want[twin]} others within"
                         f" (cap {area!r} km^2)", got, expected, 1e-9, abs_tol=0.0)
            checked += 1
            nonzero += want[twin] > 0
            if got is not None and expected:
                worst = max(worst, abs(got - expected) / expected)
        print(f"geo_density_km2 r={r:g} m: {checked} located twins ({nonzero} with neighbours), "
              f"{len(rows) - checked} without a location, largest relative difference {worst:.3g}, "
              f"{geo.near_boundary(r)} pairs within 1e-6 m of the radius")
    ck.true("density: the largest radius reaches every other located twin",
            all(rows[t]["within_" + str(len(RADII) - 1)] == len(geo.where) - 1 for t in geo.where))


# --- 2. geo_nearest -----------------------------------------------------------------------------

MODELS = ["camera", "lidar", "radar", "sonar", "ghost"]


def check_nearest(db, geo):
    run_job(db, spec([{"name": "geo_nearest", "models": MODELS}]))
    rows = db.features()
    warnings = last_warnings(db)
    stats = {m: {"exact": 0, "tie-colocated": 0, "ambiguous": 0, "null": 0} for m in MODELS}
    worst = 0.0
    for m in MODELS:
        col_m, col_id = f"geo_nearest_{m}_m", f"geo_nearest_{m}_id"
        for twin, row in rows.items():
            got_m, got_id = row[col_m], row[col_id]
            cands = [(d, b) for b, d in geo.dist.get(twin, {}).items() if geo.model[b] == m]
            if twin not in geo.where or not cands:
                why = "without a location" if twin not in geo.where else f"no other located {m}"
                ck.equal(f"nearest {m}: twin {twin!r} {why}: distance", got_m, None)
                ck.equal(f"nearest {m}: twin {twin!r} {why}: id", got_id, None)
                stats[m]["null"] += 1
                continue
            dmin = min(d for d, _ in cands)
            close = sorted((b for d, b in cands if d <= dmin + 1e-6), key=byte_key)
            where = geo.where[twin]
            ok = got_m is not None and abs(got_m - dmin) <= 0.001
            ck.check(ok, f"nearest {m}: twin {twin!r} at {where}: distance got {got_m!r}, PostGIS {dmin!r} (1 mm)")
            if got_m is not None:
                worst = max(worst, abs(got_m - dmin))
            ck.true(f"nearest {m}: twin {twin!r} is not its own nearest", got_id != twin)
            if len(close) == 1:
                ck.equal(f"nearest {m}: twin {twin!r} at {where}: id (PostGIS {dmin!r} m)", got_id, close[0])
                stats[m]["exact"] += 1
            elif len({geo.where[b] for b in close}) == 1:
                # Candidates at exactly the same location: equal distances, byte order decides.
                ck.equal(f"nearest {m}: twin {twin!r} at {where}: id among co-located {close} at {dmin!r} m",
                         got_id, close[0])
                stats[m]["tie-colocated"] += 1
            else:
                ck.true(f"nearest {m}: twin {twin!r} at {where}: id among near-equal candidates",
                        got_id in close, f"got {got_id!r}, want one of {close} "
                        f"({[(b, geo.dist[twin][b]) for b in close]})")
                stats[m]["ambiguous"] += 1
            if got_id in geo.dist.get(twin, {}) and got_m is not None:
                ck.check(abs(got_m - geo.dist[twin][got_id]) <= 0.001,
                         f"nearest {m}: twin {twin!r}: distance {got_m!r} is not PostGIS's distance "
                         f"{geo.dist[twin][got_id]!r} to the id it names ({got_id!r})")
    for m in MODELS:
        located_of_m = sum(1 for t in geo.where if geo.model[t] == m)
        warned = any(f'"{m}"' in w for w in warnings)
        ck.equal(f"nearest {m}: a warning names the model ({located_of_m} located twins have it)", warned,
                 located_of_m == 0)
        print(f"geo_nearest {m}: {located_of_m} located twins of the model; ids exact {stats[m]['exact']}, "
              f"co-located ties {stats[m]['tie-colocated']}, near-equal accepted {stats[m]['ambiguous']}, "
              f"NULL {stats[m]['null']}; warned {warned}")
    print(f"geo_nearest: largest distance difference from PostGIS {worst * 1000:.6f} mm")
    ck.true("nearest: the radar twin is NULL for radar and every other located twin is not",
            sum(1 for t in geo.where if rows[t]["geo_nearest_radar_id"] is None) == 1)
    ck.true("nearest: some co-located ties were checked", sum(s["tie-colocated"] for s in stats.values()) > 0)


# --- 3. radius layers ---------------------------------------------------------------------------

LAYER_RADII = [1.0, 150.0, 2500.0, 600000.0]


def check_radius_layers(db, geo):
    layers = [{"spatial": {"radius_m": r, "name": f"near_{i}"}} for i, r in enumerate(LAYER_RADII)]
    feats = [{"name": "degree", "layer": f"near_{i}"} for i in range(len(LAYER_RADII))]
    run_job(db, spec(feats, layers, directed=True))
    directed = db.features()
    run_job(db, spec(feats, layers, directed=False))
    undirected = db.features()
    for i, r in enumerate(LAYER_RADII):
        want = geo.within(r)
        edges = 0
        for twin in directed:
            count = want.get(twin, 0)
            edges += count
            for rows, col in ((directed, "out_degree"), (directed, "in_degree"), (directed, "degree"),
                              (undirected, "degree")):
                kind = "directed" if rows is directed else "undirected"
                ck.equal(f"radius layer r={r} ({kind}): twin {twin!r} at {geo.where.get(twin)} {col}_near_{i}",
                         rows[twin][f"{col}_near_{i}"], count)
        print(f"radius layer r={r:g} m: {len(directed)} twins, {edges} directed edges (ST_DWithin pairs), "
              f"directed and undirected jobs compared")


# --- 4. and 5. Delaunay -------------------------------------------------------------------------

def postgis_delaunay(db):
    """The site edges of ST_DelaunayTriangles over the distinct locations, as ((lon, lat), (lon, lat))."""
    rows = db.query(
        "SELECT ST_X(ST_StartPoint(d.geom)), ST_Y(ST_StartPoint(d.geom)), ST_X(ST_EndPoint(d.geom)),"
        "       ST_Y(ST_EndPoint(d.geom)), ST_NPoints(d.geom)"
        " FROM ST_Dump((SELECT ST_DelaunayTriangles(ST_Collect(ST_MakePoint(lon, lat)), 0, 1)"
        "               FROM (SELECT DISTINCT lon, lat FROM twin.devices WHERE lat IS NOT NULL) s)) d")
    ck.true("PostGIS Delaunay edges are segments", all(r[4] == 2 for r in rows))
    return [((x1, y1), (x2, y2)) for x1, y1, x2, y2, _ in rows]


def expected_delaunay_graph(devices, geo, site_edges):
    at = {}
    for twin, (lat, lon) in geo.where.items():
        at.setdefault((lon, lat), []).append(twin)
    first = {site: min(twins, key=byte_key) for site, twins in at.items()}
    G = nx.Graph()
    G.add_nodes_from(d[0] for d in devices)

    def weight(a, b):
        return max(geo.dist[a][b], MIN_WEIGHT_M)
    for s, t in site_edges:
        a, b = first[s], first[t]
        G.add_edge(a, b, weight=weight(a, b))
    for site, twins in at.items():
        for twin in twins:
            if twin != first[site]:
                G.add_edge(first[site], twin, weight=weight(first[site], twin))
    return G, at, first


def qhull_agrees(site_edges, sites):
    """PostGIS's Delaunay is GEOS, as the engine's is: an independent triangulation (scipy's Qhull)
    must give the same edges (true when no four sites are cocircular), else the reference is
    in doubt. None when scipy is missing."""
    try:
        import numpy as np
        from scipy.spatial import Delaunay
    except ImportError:
        return None
    sites = sorted(sites)
    qhull = set()
    for simplex in Delaunay(np.array(sites)).simplices:
        for i in range(3):
            qhull.add(frozenset((sites[simplex[i]], sites[simplex[(i + 1) % 3]])))
    postgis = {frozenset(e) for e in site_edges}
    ck.true("delaunay: scipy's Qhull gives PostGIS's edges", qhull == postgis,
            f"only PostGIS {sorted(map(sorted, postgis - qhull))[:5]}, only Qhull {sorted(map(sorted, qhull - postgis))[:5]}")
    return len(qhull)


def check_delaunay(db, devices, geo):
    site_edges = postgis_delaunay(db)
    qhull = qhull_agrees(site_edges, {(lon, lat) for lat, lon in geo.where.values()})
    G, at, first = expected_delaunay_graph(devices, geo, site_edges)
    run_job(db, spec([{"name": "degree", "layer": "tri"}, {"name": "triangles", "layer": "tri"},
                      {"name": "nbr_agg", "layer": "tri", "path": "properties.reported.tag",
                       "aggs": ["sum", "min", "max", "count"]},
                      {"name": "closeness", "layer": "tri", "weighted": True, "column": "cl_w"},
                      {"name": "harmonic", "layer": "tri", "weighted": True, "column": "hc_w"},
                      {"name": "closeness", "layer": "tri", "column": "cl"}],
                     [{"spatial": {"delaunay": True, "name": "tri"}}]))
    rows = db.features()
    tag = {d[0]: int(d[5].split(":")[-1].strip(" }")) for d in devices}
    triangles = nx.triangles(G)
    for twin in G:
        nbrs = list(G.neighbors(twin))
        ck.equal(f"delaunay: twin {twin!r} at {geo.where.get(twin)} degree_tri", rows[twin]["degree_tri"], len(nbrs))
        ck.equal(f"delaunay: twin {twin!r} triangles_tri", rows[twin]["triangles_tri"], triangles[twin])
        ck.equal(f"delaunay: twin {twin!r} nbr_count_tag_tri", rows[twin]["nbr_count_tag_tri"], len(nbrs))
        want_sum = float(sum(tag[b] for b in nbrs)) if nbrs else None
        ck.equal(f"delaunay: twin {twin!r} nbr_sum_tag_tri (sum of the neighbours' tags: the neighbour set "
                 f"{sorted(nbrs, key=byte_key)})", rows[twin]["nbr_sum_tag_tri"], want_sum)
        ck.equal(f"delaunay: twin {twin!r} nbr_min_tag_tri", rows[twin]["nbr_min_tag_tri"],
                 float(min(tag[b] for b in nbrs)) if nbrs else None)
        ck.equal(f"delaunay: twin {twin!r} nbr_max_tag_tri", rows[twin]["nbr_max_tag_tri"],
                 float(max(tag[b] for b in nbrs)) if nbrs else None)
    layer = last_layers(db).get("tri") or {}
    ck.equal("delaunay: runs.layers['tri'].edges", layer.get("edges"), G.number_of_edges())
    shared = {site: twins for site, twins in at.items() if len(twins) > 1}
    for site, twins in shared.items():
        for twin in twins:
            if twin != first[site]:
                ck.equal(f"delaunay: co-located twin {twin!r} at {site} hangs on {first[site]!r} alone",
                         rows[twin]["degree_tri"], 1)
    print(f"delaunay: {len(at)} distinct sites, {len(site_edges)} PostGIS edges "
          f"({'scipy missing' if qhull is None else f'{qhull} Qhull edges'}), {G.number_of_edges()} "
          f"expected layer edges, {len(shared)} shared sites; engine layer edges {layer.get('edges')}")

    # 5. weighted closeness and harmonic, and plain closeness, against networkx.
    cl_w = nx.closeness_centrality(G, distance="weight", wf_improved=False)
    cl = nx.closeness_centrality(G, wf_improved=False)
    hc_w = nx.harmonic_centrality(G, distance="weight")
    compared = 0
    for twin in G:
        reached = G.degree(twin) > 0
        for col, values in (("cl_w", cl_w), ("cl", cl), ("hc_w", hc_w)):
            want = values[twin] if reached or col == "hc_w" else None
            what = f"delaunay {col}: twin {twin!r} at {geo.where.get(twin)}"
            if want is None or want == 0:
                ck.equal(what, rows[twin][col], want)
            else:
                ck.close_tol(what, rows[twin][col], want, 1e-6)
            compared += 1
    print(f"delaunay closeness/harmonic (weighted, 0 m edges at {MIN_WEIGHT_M} m) and closeness: "
          f"{compared} values against networkx")


# --- 6. k nearest beyond the located count, one search for the largest k -------------------------

def knn_expected(geo, k):
    """{twin: (sure successors, near-tie successors)} of the k nearest: PostGIS order by distance,
    then byte order. Candidates within 1e-6 m of the k-th distance leave the boundary in doubt
    (rounding could order them either way), unless they all share one location: then their
    distances are equal and byte order decides."""
    out = {}
    for twin, ds in geo.dist.items():
        order = sorted((d, byte_key(b), b) for b, d in ds.items())
        chosen = {b for _, _, b in order[:k]}
        if len(order) <= k:
            out[twin] = (chosen, set())
            continue
        kth = order[k - 1][0]
        group = {b for d, _, b in order if abs(d - kth) <= 1e-6}
        if len({geo.where[b] for b in group}) == 1:
            out[twin] = (chosen, set())
        else:
            out[twin] = (chosen - group, group)
    return out


def check_knn(db, geo):
    n_located = len(geo.where)
    big = 1000
    assert big > n_located - 1
    run_job(db, spec([{"name": "geo_knn_mean_m", "k": big}, {"name": "geo_knn_max_m", "k": big},
                      {"name": "degree", "layer": "spatial"}], [{"spatial": {"knn": big}}], directed=True))
    rows = db.features()
    for twin, row in rows.items():
        if twin not in geo.where:
            ck.equal(f"knn k={big}: twin {twin!r} without a location: mean", row["geo_knn_mean_m"], None)
            ck.equal(f"knn k={big}: twin {twin!r} without a location: max", row["geo_knn_max_m"], None)
            ck.equal(f"knn k={big}: twin {twin!r} without a location: out_degree", row["out_degree_spatial"], 0)
            continue
        ds = list(geo.dist[twin].values())
        ck.check(row["geo_knn_max_m"] is not None and abs(row["geo_knn_max_m"] - max(ds)) <= 0.001,
                 f"knn k={big}: twin {twin!r} at {geo.where[twin]} geo_knn_max_m: got {row['geo_knn_max_m']!r}, "
                 f"farthest by PostGIS {max(ds)!r}")
        ck.check(row["geo_knn_mean_m"] is not None and abs(row["geo_knn_mean_m"] - sum(ds) / len(ds)) <= 0.001,
                 f"knn k={big}: twin {twin!r} geo_knn_mean_m: got {row['geo_knn_mean_m']!r}, "
                 f"PostGIS mean over all {sum(ds) / len(ds)!r}")
        ck.equal(f"knn k={big}: twin {twin!r} out_degree_spatial (every other located twin)",
                 row["out_degree_spatial"], n_located - 1)
        ck.equal(f"knn k={big}: twin {twin!r} in_degree_spatial", row["in_degree_spatial"], n_located - 1)
    print(f"knn k={big} > {n_located - 1} other located twins: max, mean and degrees of {len(rows)} twins checked")

    # One search for the largest k serves a k=3 layer, geo_knn_* at 7 and at 3.
    feats7 = [{"name": "geo_knn_mean_m", "k": 7}, {"name": "geo_knn_max_m", "k": 7}]
    feats3 = [{"name": "geo_knn_mean_m", "k": 3, "column": "mean3"}, {"name": "geo_knn_max_m", "k": 3, "column": "max3"}]
    layer3 = [{"spatial": {"knn": 3}}]
    degree = [{"name": "degree", "layer": "spatial"}]
    run_job(db, spec(feats7 + feats3 + degree, layer3, directed=True))
    together = db.features()
    run_job(db, spec(degree, layer3, directed=True))
    alone_layer = db.features()
    run_job(db, spec(feats7, directed=True))
    alone7 = db.features()
    run_job(db, spec(feats3, directed=True))
    alone3 = db.features()
    cols = 0
    for twin, row in together.items():
        for col, alone in (("in_degree_spatial", alone_layer), ("out_degree_spatial", alone_layer),
                           ("degree_spatial", alone_layer), ("geo_knn_mean_m", alone7), ("geo_knn_max_m", alone7),
                           ("mean3", alone3), ("max3", alone3)):
            ck.equal(f"knn shared search: twin {twin!r} {col}: the combined job against a job of its own",
                     row[col], alone[twin][col])
            cols += 1
    # ... and against PostGIS: the k=3 layer's out/in degrees and the k=3, k=7 distances.
    for k, mean_col, max_col in ((3, "mean3", "max3"), (7, "geo_knn_mean_m", "geo_knn_max_m")):
        for twin in geo.where:
            best = sorted(geo.dist[twin].values())[:k]
            ck.check(together[twin][mean_col] is not None and abs(together[twin][mean_col] - sum(best) / len(best)) <= 1e-3,
                     f"knn k={k}: twin {twin!r} at {geo.where[twin]} mean: got {together[twin][mean_col]!r}, "
                     f"PostGIS {sum(best) / len(best)!r}")
            ck.check(together[twin][max_col] is not None and abs(together[twin][max_col] - best[-1]) <= 1e-3,
                     f"knn k={k}: twin {twin!r} at {geo.where[twin]} max: got {together[twin][max_col]!r}, "
                     f"PostGIS {best[-1]!r}")
    lists = knn_expected(geo, 3)
    lo, hi = {}, {}
    for twin, (sure, maybe) in lists.items():
        ck.equal(f"knn layer k=3: twin {twin!r} out_degree", together[twin]["out_degree_spatial"],
                 min(3, n_located - 1))
        for b in sure:
            lo[b] = lo.get(b, 0) + 1
            hi[b] = hi.get(b, 0) + 1
        for b in maybe:
            hi[b] = hi.get(b, 0) + 1
    exact = 0
    for twin in geo.where:
        got = together[twin]["in_degree_spatial"]
        a, b = lo.get(twin, 0), hi.get(twin, 0)
        ck.true(f"knn layer k=3: twin {twin!r} at {geo.where[twin]} in_degree", got is not None and a <= got <= b,
                f"got {got!r}, PostGIS order (ties by device_id) gives {a}" + (f"..{b}" if b != a else ""))
        exact += a == b
    print(f"knn shared search: {cols} values of the combined job equal separate jobs; k=3 in-degrees of "
          f"{exact} twins exact, {len(geo.where) - exact} within near-tie bounds")

    # A single located twin: no neighbour at any k.
    db.load([("alone", None, "x", 45.0, 7.0), ("unlocated", None, "x", None, None)])
    run_job(db, spec([{"name": "geo_knn_mean_m", "k": 5}, {"name": "geo_knn_max_m", "k": 5},
                      {"name": "geo_nearest", "models": ["x"]}, {"name": "geo_density_km2", "radius_m": 1e6},
                      {"name": "degree", "layer": "spatial"}], [{"spatial": {"knn": 5}}]))
    rows = db.features()
    for col in ("geo_knn_mean_m", "geo_knn_max_m", "geo_nearest_x_m", "geo_nearest_x_id"):
        ck.equal(f"one located twin: {col} of 'alone'", rows["alone"][col], None)
    ck.equal("one located twin: density of 'alone'", rows["alone"]["geo_density_km2"], 0.0)
    ck.equal("one located twin: density of 'unlocated'", rows["unlocated"]["geo_density_km2"], None)
    ck.equal("one located twin: degree_spatial", rows["alone"]["degree_spatial"], 0)


# --- 7. threads ---------------------------------------------------------------------------------

def check_threads(db):
    """Dataset C with 1, 3 and 7 threads: identical rows; its radius counts against PostGIS."""
    devices = dataset_c(random.Random(4242))
    db.load(devices)
    geo = Geo(db, pairs=False)
    job = spec([{"name": "geo_density_km2", "radius_m": 2500.0}, {"name": "geo_within_r", "radius_m": 150.0},
                {"name": "geo_nearest", "models": ["camera", "lidar", "radar"]},
                {"name": "geo_knn_mean_m", "k": 5}, {"name": "geo_knn_max_m", "k": 9},
                {"name": "degree", "layer": "knn"}, {"name": "degree", "layer": "near"},
                {"name": "degree", "layer": "tri"},
                # Sums of the layers' edge weights (geodesic metres, 1e-6 for 0 m): the distances too.
                {"name": "strength", "layer": "knn"}, {"name": "strength", "layer": "near"},
                {"name": "strength", "layer": "tri"}],
               [{"spatial": {"knn": 4, "name": "knn"}}, {"spatial": {"radius_m": 2500.0, "name": "near"}},
                {"spatial": {"delaunay": True, "name": "tri"}}], directed=True)
    results = {}
    for threads in ("1", "3", "7"):
        run_job(db, job, env_extra={"TWINGRAPH_THREADS": threads})
        results[threads] = {t: {c: v for c, v in row.items() if c != "run_id"} for t, row in db.features().items()}
    base = results["1"]
    values = 0
    for threads in ("3", "7"):
        ck.equal(f"threads {threads}: the twins", sorted(results[threads]), sorted(base))
        for twin, row in base.items():
            other = results[threads].get(twin, {})
            ck.equal(f"threads {threads}: the columns of {twin!r}", sorted(other), sorted(row))
            for col, v in row.items():
                ck.equal(f"threads {threads} against 1: twin {twin!r} {col}", other.get(col), v)
                values += 1
    print(f"threads: dataset C, {len(devices)} twins ({len(geo.where)} located) x "
          f"{len(next(iter(base.values())))} columns; {values} values with 3 and 7 threads equal to 1 thread")
    # The multi-chunk searches against PostGIS: radius counts (GiST-indexed ST_DWithin).
    rows = results["3"]
    within150, within2500 = geo.within(150.0), geo.within(2500.0)
    area = cap_km2(2500.0)
    for twin, row in rows.items():
        ck.equal(f"dataset C: twin {twin!r} at {geo.where.get(twin)} geo_within_r 150 m", row["geo_within_r"],
                 within150.get(twin))
        ck.equal(f"dataset C: twin {twin!r} out_degree_near (2500 m)", row["out_degree_near"], within2500.get(twin, 0))
        ck.equal(f"dataset C: twin {twin!r} in_degree_near (2500 m)", row["in_degree_near"], within2500.get(twin, 0))
        want = within2500[twin] / area if twin in within2500 else None
        if want is None:
            ck.equal(f"dataset C: twin {twin!r} geo_density_km2 without a location", row["geo_density_km2"], None)
        else:
            ck.close_tol(f"dataset C: twin {twin!r} geo_density_km2 (2500 m)", row["geo_density_km2"], want, 1e-9,
                         abs_tol=0.0)
        ck.equal(f"dataset C: twin {twin!r} out_degree_knn", row["out_degree_knn"],
                 min(4, len(geo.where) - 1) if twin in geo.where else 0)
    print(f"dataset C: geo_within_r (150 m), radius layer degrees and density (2500 m) of {len(rows)} twins "
          f"against ST_DWithin; {sum(within2500.values())} pairs within 2500 m")


with Database("oracle_geo_spatial") as db:
    db.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    rng = random.Random(20240611)
    devices = dataset_a(rng)
    db.load(devices)
    geo = Geo(db)
    print(f"dataset A: {len(devices)} twins, {len(geo.where)} located, "
          f"{len(geo.where) - len(set(geo.where.values()))} sharing a location with an earlier one")
    check_density(db, geo)
    check_nearest(db, geo)
    check_radius_layers(db, geo)
    check_knn(db, geo)   # ends by loading a two-twin table
    check_threads(db)    # loads dataset C

    devices = dataset_b(random.Random(77))
    db.load(devices)
    geo = Geo(db)
    print(f"dataset B: {len(devices)} twins, {len(geo.where)} located")
    check_delaunay(db, devices, geo)

try:
    ck.finish("geo_spatial")
except AssertionError as e:
    print(e)
    sys.exit(1)
