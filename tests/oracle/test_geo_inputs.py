"""Oracle: where locations and zones come from (source.location, source.zones, infer_parents),
against PostGIS's own reading of the same values.

  1. {"geometry": col} on a PostGIS geometry column (SRID 4326 and 0), a geography column and a
     text column (WKT, EWKT, lower case EWKT, hex EWKB in both cases, a 3D point): points,
     polygons, polygons with holes and multipolygons, a polygon located at its planar centroid
     (ST_Centroid(geometry)). geo_parent_dist_m and geo_knn_max_m (k = 1) against ST_Distance
     over geographies of PostGIS's centroids, within 1 mm.
  2. SRID 3857 and 2154 (Lambert-93, France): refused without "transform" (naming the first
     such twin, with a hint naming "transform"; skipped and counted with on_bad_location
     "skip"); with "transform": true the distances equal ST_Transform(geom, 4326)'s, within 1 mm.
  3. {"lat": path, "lon": path} into the twin document: JSON numbers and numeric strings; an
     absent path or JSON null is no location; a non-numeric value is an error naming the twin,
     or with "skip" no location, counted in runs.locations.invalid.
  4. zone_id with source.zones (geometry, WKT text and geography tables): nested zones, points on
     edges and vertices (ST_Covers: inside), in holes and on hole rings, equal-area zones (tie by
     zone_id COLLATE "C"), outside all zones; a few hundred random points. Expected: among zones
     with ST_Covers(zone, point), the smallest ST_Area, then the smallest zone_id in byte order.
     A polygon twin under source.zones: only zones larger than its own polygon (README).
  5. Zones from the twins' own polygons, and infer_parents: a polygon twin is never its own zone,
     a zone must be strictly larger than the twin's polygon; inferred parents through
     hier_depth, hier_ancestor (the whole path), geo_parent_dist_m (PostGIS distance to the
     inferred parent's centroid) and runs.locations.parents_inferred; explicit parents stay.
  6. Bad inputs: a self-intersecting zone, a zone_id twice, a zones table without geom, a
     geometry column that does not exist (exit 1, not 3), a LINESTRING location, a
     self-intersecting polygon twin, a point zone: each refused naming the row.
  7. features.runs.locations on every run: source, located, without_location, invalid, at_0_0
     (a twin at exactly POINT(0 0), warned about with "(0, 0)"), parents_inferred."""
import json
import math
import random
import sys

from oracle_common import OracleChecker, byte_key
from twintest import Database, run_job, run_twingraph, write_job

ck = OracleChecker()
OUTPUT = {"table": "features.device_features"}
MM = 0.001

# Zones and sites are drawn on a grid of 1/1024 degree around (2, 48.5): every coordinate is a
# dyadic rational with few bits, so areas, edges and on-edge tests are exact in doubles, for
# GEOS and PostGIS alike (equal areas are equal, a point on an edge is on it).
U = 1.0 / 1024
LON0, LAT0 = 2.0, 48.5


def job(source, features, layers=("hierarchy",)):
    return {"source": source, "graph": {"layers": list(layers)}, "features": features, "output": OUTPUT}


def last_run(db):
    status, locations, warnings, error = db.query(
        "SELECT status, locations, warnings, error FROM features.runs ORDER BY run_id DESC LIMIT 1")[0]
    if isinstance(locations, str):
        locations = json.loads(locations)
    return status, locations or {}, warnings or [], error


def run_failing(db, spec):
    return run_twingraph(["run", write_job(spec), "--allow-shrink"], db=db, check=False)


def check_locations(label, db, source, located, without, invalid=0, at_0_0=0, parents_inferred=0):
    """features.runs.locations of the newest run; a (0, 0) twin must be warned about."""
    status, loc, warnings, _ = last_run(db)
    ck.equal(f"{label}: runs.status", status, "succeeded")
    want = {"source": source, "located": located, "without_location": without, "invalid": invalid,
            "at_0_0": at_0_0, "parents_inferred": parents_inferred}
    for key, value in want.items():
        ck.equal(f"{label}: runs.locations.{key}", loc.get(key), value)
    warned = any("(0, 0)" in w for w in warnings)
    ck.equal(f"{label}: a warning mentions (0, 0) ({at_0_0} twins there)", warned, at_0_0 > 0)
    return loc, warnings


def check_distance(what, got, want):
    if want is None:
        ck.equal(what, got, None)
    else:
        ck.check(got is not None and abs(got - want) <= MM, f"{what}: got {got!r}, PostGIS {want!r} (1 mm)")
    return abs(got - want) if got is not None and want is not None else 0.0


def fmt(v):
    return repr(float(v))


def ring_wkt(ring):
    return "(" + ", ".join(f"{fmt(x)} {fmt(y)}" for x, y in ring) + ")"


def polygon_wkt(rings):
    return "POLYGON(" + ", ".join(ring_wkt(r) for r in rings) + ")"


def multipolygon_wkt(polys):
    return "MULTIPOLYGON(" + ", ".join("(" + ", ".join(ring_wkt(r) for r in p) + ")" for p in polys) + ")"


def grid(x, y):
    return (LON0 + x * U, LAT0 + y * U)


def rect(x0, y0, x1, y1):
    """A rectangle of grid units, as a ring of degrees."""
    return [grid(x0, y0), grid(x1, y0), grid(x1, y1), grid(x0, y1), grid(x0, y0)]


def gpoly(*rings):
    return polygon_wkt(rings)


def point_wkt(lon, lat):
    return f"POINT({fmt(lon)} {fmt(lat)})"


def star(rng, cx, cy, r, n=None):
    """A star-shaped (so simple, so valid) ring around (cx, cy): vertices at increasing angles and
    radii in [0.6 r, r]; it holds the disc of radius 0.35 r."""
    n = n or rng.randint(6, 9)
    pts = []
    for i in range(n):
        a = 2 * math.pi * (i + rng.uniform(0.1, 0.9)) / n
        rr = r * rng.uniform(0.6, 1.0)
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    return pts + [pts[0]]


def shape_with_holes(rng, cx, cy, r, holes):
    rings = [star(rng, cx, cy, r)]
    if holes == 1:
        rings.append(star(rng, cx, cy, r * rng.uniform(0.1, 0.25)))
    elif holes == 2:
        rings.append(star(rng, cx - 0.15 * r, cy, r * 0.09))
        rings.append(star(rng, cx + 0.15 * r, cy, r * 0.09))
    return rings


# --- 1. geometry, geography and text columns -----------------------------------------------------

def shapes(rng):
    """(device_id, parent_id, wkt) of points, polygons, polygons with holes, multipolygons,
    delicate points (poles, antimeridian, (0, 0)) and twins without a geometry."""
    out = []

    def centre(local):
        if local:
            return rng.uniform(-118.7, -117.7), rng.uniform(33.5, 34.5), rng.uniform(0.0005, 0.02)
        return rng.uniform(-170, 170), rng.uniform(-75, 75), rng.uniform(0.01, 1.0)

    for i in range(60):
        lon, lat, _ = centre(i % 2 == 0)
        out.append((f"pt-{i:03d}", point_wkt(lon, lat)))
    for i in range(40):
        lon, lat, r = centre(i % 2 == 0)
        out.append((f"poly-{i:03d}", polygon_wkt([star(rng, lon, lat, r)])))
    for i in range(20):
        lon, lat, r = centre(i % 2 == 0)
        out.append((f"hole-{i:03d}", polygon_wkt(shape_with_holes(rng, lon, lat, r, 1 + i % 2))))
    for i in range(20):
        lon, lat, r = centre(i % 2 == 0)
        parts = [shape_with_holes(rng, lon + 3 * r * k, lat + rng.uniform(-r, r), r, (i + k) % 3)
                 for k in range(2 + i % 2)]
        out.append((f"multi-{i:03d}", multipolygon_wkt(parts)))
    out += [("pt-null-island", "POINT(0 0)"), ("pt-pole", "POINT(45 90)"), ("pt-am-e", "POINT(180 10)"),
            ("pt-am-w", "POINT(-180 10)"), ("pt-south", "POINT(-135 -89.5)"),
            ("none-1", None), ("none-2", None)]
    rng.shuffle(out)
    rows = []
    for i, (twin, wkt) in enumerate(out):
        parent = rows[rng.randrange(i)][0] if i >= 2 and rng.random() < 0.85 else None
        rows.append((twin, parent, wkt))
    return rows


def centroids(db, table, expr):
    """public.exp_c: each twin's location as PostGIS reads the same column (expr over table),
    SRID 0 taken as 4326; polygons at ST_Centroid(geometry)."""
    db.execute("DROP TABLE IF EXISTS public.exp_c")
    db.execute(f"CREATE TABLE public.exp_c AS SELECT device_id, parent_id,"
               f" geography(ST_Centroid(CASE WHEN ST_SRID(g) = 0 THEN ST_SetSRID(g, 4326) ELSE g END)) AS c"
               f" FROM (SELECT device_id, parent_id, {expr} AS g FROM {table}) s")


def expected_distances(db):
    """({twin: ST_Distance to its parent's location or None}, {twin: distance to the nearest other
    located twin or None}) over public.exp_c."""
    parent = dict(db.query("SELECT ch.device_id, ST_Distance(ch.c, p.c) FROM public.exp_c ch"
                           " LEFT JOIN public.exp_c p ON p.device_id = ch.parent_id"))
    nearest = {t: None for t in parent}
    nearest.update(db.query("SELECT a.device_id, min(ST_Distance(a.c, b.c)) FROM public.exp_c a"
                            " JOIN public.exp_c b ON a.device_id <> b.device_id"
                            " WHERE a.c IS NOT NULL AND b.c IS NOT NULL GROUP BY a.device_id"))
    return parent, nearest


def check_distances(label, db, spec, expr, table):
    run_job(db, spec)
    rows = db.features()
    centroids(db, table, expr)
    parent, nearest = expected_distances(db)
    ck.equal(f"{label}: the twins", sorted(rows), sorted(parent))
    worst, compared = 0.0, 0
    for twin in parent:
        row = rows.get(twin, {})
        worst = max(worst, check_distance(f"{label}: twin {twin!r} geo_parent_dist_m",
                                          row.get("geo_parent_dist_m"), parent[twin]))
        worst = max(worst, check_distance(f"{label}: twin {twin!r} geo_knn_max_m (k = 1)",
                                          row.get("geo_knn_max_m"), nearest[twin]))
        compared += (parent[twin] is not None) + (nearest[twin] is not None)
    print(f"{label}: {len(parent)} twins, {compared} distances against PostGIS, largest difference "
          f"{worst * 1e3:.3g} mm")
    return rows


DIST_FEATURES = ["geo_parent_dist_m", {"name": "geo_knn_max_m", "k": 1}]


def check_geometry_columns(db):
    rng = random.Random(31)
    rows = shapes(rng)
    db.execute("CREATE TABLE public.loc_geom (device_id text PRIMARY KEY, parent_id text, model text, geom geometry)")
    db.execute("CREATE TABLE public.loc_geog (device_id text PRIMARY KEY, parent_id text, geom geography)")
    db.execute("CREATE TABLE public.loc_text (device_id text PRIMARY KEY, parent_id text, geom text)")
    with db.conn.cursor() as cur:
        for i, (twin, parent, wkt) in enumerate(rows):
            srid = 0 if i % 7 == 3 else 4326
            cur.execute("INSERT INTO public.loc_geom VALUES (%s, %s, 'shape', ST_GeomFromText(%s, %s))",
                        (twin, parent, wkt, srid))
            cur.execute("INSERT INTO public.loc_geog VALUES (%s, %s, geography(ST_GeomFromText(%s, 4326)))",
                        (twin, parent, wkt))
            variant = i % 5
            if wkt is None:
                text = None
            elif variant == 0:
                text = wkt
            elif variant == 1:
                text = "SRID=4326;" + wkt
            elif variant == 4:
                text = "srid=4326;" + wkt.lower()
            else:
                cur.execute("SELECT ST_AsHexEWKB(ST_GeomFromText(%s, 4326))" if variant == 2 else
                            "SELECT encode(ST_AsEWKB(ST_GeomFromText(%s, 4326)), 'hex')", (wkt,))
                text = cur.fetchone()[0]
            cur.execute("INSERT INTO public.loc_text VALUES (%s, %s, %s)", (twin, parent, text))
        # A 3D point in WKT: its x and y are the location.
        cur.execute("INSERT INTO public.loc_text VALUES ('pt-3d', 'pt-000', 'POINT Z (-118.1 34.2 120.5)')")
    srid0 = db.query("SELECT count(*) FROM public.loc_geom WHERE ST_SRID(geom) = 0")[0][0]
    kinds = db.query("SELECT GeometryType(geom), count(*), sum(ST_NumInteriorRings(ST_GeometryN(geom, 1)))"
                     " FROM public.loc_geom GROUP BY 1 ORDER BY 1")
    print(f"geometry columns: {len(rows)} twins {kinds}, {srid0} of SRID 0")
    ck.true("the shapes are valid for PostGIS",
            db.query("SELECT bool_and(ST_IsValid(geom)) FROM public.loc_geom")[0][0])
    n = len(rows)
    located = sum(1 for r in rows if r[2] is not None)
    for label, table, expr, count, extra in (
            ("geometry column", "public.loc_geom", "geom", n, 0),
            ("geography column", "public.loc_geog", "geom::geometry", n, 0),
            ("text column (WKT, EWKT, hex EWKB)", "public.loc_text", "geom::geometry", n + 1, 1)):
        spec = job({"devices": table, "location": {"geometry": "geom"}}, DIST_FEATURES)
        check_distances(label, db, spec, expr, table)
        check_locations(label, db, "geometry column", located + extra, count - located - extra, at_0_0=1)


# --- 2. SRID 3857 and 2154 ----------------------------------------------------------------------

def projected_rows(rng):
    """(device_id, parent_id, wkt, srid): WGS84 points in France, Web Mercator points and polygons
    around the world, Lambert-93 points, polygons (one with a hole) and a multipolygon in France."""
    out = []
    for i in range(12):
        out.append((f"p4326-{i:03d}", point_wkt(rng.uniform(-1.5, 7.5), rng.uniform(43.5, 50.5)), 4326))
    for i in range(16):
        out.append((f"m3857-{i:03d}", point_wkt(rng.uniform(-1.9e7, 1.9e7), rng.uniform(-1.5e7, 1.5e7)), 3857))
    for i in range(8):
        x, y = rng.uniform(-1.9e7, 1.9e7), rng.uniform(-1.5e7, 1.5e7)
        out.append((f"m3857-poly-{i:03d}", polygon_wkt(shape_with_holes(rng, x, y, rng.uniform(200, 50000), i % 2)),
                    3857))
    for i in range(16):
        out.append((f"l2154-{i:03d}", point_wkt(rng.uniform(2.0e5, 1.0e6), rng.uniform(6.3e6, 7.0e6)), 2154))
    for i in range(8):
        x, y = rng.uniform(2.0e5, 1.0e6), rng.uniform(6.3e6, 7.0e6)
        out.append((f"l2154-poly-{i:03d}", polygon_wkt(shape_with_holes(rng, x, y, rng.uniform(100, 20000), i % 3)),
                    2154))
    x, y, r = 650000.0, 6860000.0, 3000.0
    out.append(("l2154-multi", multipolygon_wkt([[star(rng, x, y, r)], [star(rng, x + 3 * r, y, r)]]), 2154))
    out.append(("none-proj", None, 4326))
    rng.shuffle(out)
    rows = []
    for i, (twin, wkt, srid) in enumerate(out):
        parent = rows[rng.randrange(i)][0] if i >= 2 and rng.random() < 0.9 else None
        rows.append((twin, parent, wkt, srid))
    return rows


def check_srids(db):
    rows = projected_rows(random.Random(2154))
    db.execute("CREATE TABLE public.loc_proj (device_id text PRIMARY KEY, parent_id text, geom geometry)")
    with db.conn.cursor() as cur:
        cur.executemany("INSERT INTO public.loc_proj VALUES (%s, %s, ST_GeomFromText(%s, %s))", rows)
    db.execute("CREATE TABLE public.loc_proj_text AS SELECT device_id, parent_id, ST_AsEWKT(geom) AS geom"
               " FROM public.loc_proj")
    ck.true("the projected shapes are valid for PostGIS",
            db.query("SELECT bool_and(ST_IsValid(ST_Transform(geom, 4326))) FROM public.loc_proj")[0][0])
    foreign = sorted((r[0] for r in rows if r[2] is not None and r[3] != 4326), key=byte_key)
    located = sum(1 for r in rows if r[2] is not None)
    base = {"devices": "public.loc_proj", "location": {"geometry": "geom"}}

    # Without "transform": refused, naming the first twin in another SRID (rows are read in
    # device_id byte order), with a hint naming "transform".
    proc = run_failing(db, job(base, DIST_FEATURES))
    srid = next(r[3] for r in rows if r[0] == foreign[0])
    ck.equal("SRID without transform: exit code", proc.returncode, 1)
    ck.true(f"SRID without transform: the error names twin {foreign[0]!r}",
            f'twin "{foreign[0]}"' in proc.stderr, proc.stderr[-400:])
    ck.true(f"SRID without transform: the error names SRID {srid}", str(srid) in proc.stderr, proc.stderr[-400:])
    ck.true("SRID without transform: a hint mentions \"transform\"", '"transform"' in proc.stderr, proc.stderr[-400:])

    # ... skipped with on_bad_location "skip": no location, counted as invalid.
    skip = dict(base, on_bad_location="skip")
    db.execute("CREATE TABLE public.loc_proj_4326 AS SELECT device_id, parent_id,"
               " CASE WHEN ST_SRID(geom) = 4326 THEN geom END AS geom FROM public.loc_proj")
    check_distances("SRID without transform, skipped", db, job(skip, DIST_FEATURES), "geom", "public.loc_proj_4326")
    check_locations("SRID without transform, skipped", db, "geometry column", located - len(foreign),
                    len(rows) - located + len(foreign), invalid=len(foreign))

    # With "transform": true, as ST_Transform(geom, 4326), from the geometry and the EWKT column.
    for label, table, expr in (("transform (geometry)", "public.loc_proj", "ST_Transform(geom, 4326)"),
                               ("transform (EWKT text)", "public.loc_proj_text", "ST_Transform(geom::geometry, 4326)")):
        spec = job({"devices": table, "location": {"geometry": "geom", "transform": True}}, DIST_FEATURES)
        check_distances(label, db, spec, expr, table)
        check_locations(label, db, "geometry column", located, len(rows) - located)
    print(f"SRIDs: {len(rows)} twins, {len(foreign)} in SRID 3857 or 2154")


# --- 3. locations at paths of the twin document ---------------------------------------------------

def document(lat, lon, rng):
    loc = {}
    if lat is not ...:
        loc["lat"] = lat
    if lon is not ...:
        loc["lon"] = lon
    return json.dumps({"deviceId": "x", "tags": {"location": loc, "floor": rng.randrange(9)},
                       "properties": {"reported": {"lat": 1.0}}})


def document_rows(rng):
    """(device_id, parent_id, model, lat, lon, twin): lat/lon columns hold another place (so a
    reader of the columns would be caught); the document's location is a JSON number, a numeric
    string, an integer, an exponent, absent, half absent or null."""
    out = []
    for i in range(80):
        lat, lon = rng.uniform(-80, 80), rng.uniform(-179, 179)
        kind = i % 6
        if kind == 0:
            doc = (lat, lon)
        elif kind == 1:
            doc = (repr(lat), repr(lon))
        elif kind == 2:
            doc = (round(lat), round(lon))
        elif kind == 3:
            doc = (f"{lat:.12e}", lon)
        elif kind == 4:
            doc = (str(round(lat)), f"{lon:.6f}")
        else:
            doc = (lat, repr(lon))
        out.append([f"doc-{i:03d}", doc])
    out += [["doc-no-location", (..., ...)], ["doc-no-lon", (12.5, ...)], ["doc-null-lat", (None, 3.0)],
            ["doc-null-island", (0, "0")], ["doc-pole", ("-90", 45)]]
    rows = []
    for i, (twin, (lat, lon)) in enumerate(out):
        parent = rows[rng.randrange(i)][0] if i >= 2 and rng.random() < 0.85 else None
        rows.append((twin, parent, "sensor", rng.uniform(-60, 60), rng.uniform(-170, 170), document(lat, lon, rng)))
    rows.append(("doc-no-twin", rows[5][0], "sensor", 10.0, 10.0, None))
    return rows


def check_document_paths(db):
    rng = random.Random(77)
    rows = document_rows(rng)
    db.load(rows)
    expr = ("ST_SetSRID(ST_MakePoint((twin #>> '{tags,location,lon}')::float8,"
            " (twin #>> '{tags,location,lat}')::float8), 4326)")
    source = {"devices": "twin.devices", "location": {"lat": "tags.location.lat", "lon": "tags.location.lon"}}
    check_distances("document paths", db, job(source, DIST_FEATURES), expr, "twin.devices")
    located = db.query("SELECT count(*) FROM twin.devices WHERE twin #>> '{tags,location,lat}' IS NOT NULL"
                       " AND twin #>> '{tags,location,lon}' IS NOT NULL")[0][0]
    ck.equal("document paths: twins without a document location (absent, half absent, null, no document)",
             len(rows) - located, 4)
    check_locations("document paths", db, "twin document", located, len(rows) - located, at_0_0=1)

    # A non-numeric value: an error naming the twin ...
    bad = rows + [("doc-bad-text", None, "sensor", 1.0, 1.0, document("north", 2.0, rng))]
    db.load(bad)
    proc = run_failing(db, job(source, DIST_FEATURES))
    ck.equal("document path 'north': exit code", proc.returncode, 1)
    ck.true("document path 'north': the error names the twin", 'twin "doc-bad-text"' in proc.stderr,
            proc.stderr[-400:])
    ck.true("document path 'north': the error quotes the value", "north" in proc.stderr, proc.stderr[-400:])
    # ... skipped with "skip", as are a boolean and a latitude out of range (as a string).
    bad += [("doc-bad-bool", None, "sensor", 1.0, 1.0, document(True, 2.0, rng)),
            ("doc-bad-range", "doc-000", "sensor", 1.0, 1.0, document("95.5", 2.0, rng))]
    db.load(bad)
    run_job(db, job(dict(source, on_bad_location="skip"), DIST_FEATURES))
    got = db.features()
    for twin in ("doc-bad-text", "doc-bad-bool", "doc-bad-range"):
        ck.equal(f"document path, skipped: twin {twin!r} geo_knn_max_m", got[twin]["geo_knn_max_m"], None)
        ck.equal(f"document path, skipped: twin {twin!r} geo_parent_dist_m", got[twin]["geo_parent_dist_m"], None)
    _, warnings = check_locations("document path, skipped", db, "twin document", located, len(bad) - located,
                                  invalid=3, at_0_0=1)
    ck.true("document path, skipped: a warning counts the invalid locations",
            any("3 twins" in w and "invalid location" in w for w in warnings), repr(warnings))
    # The good twins are unchanged by the bad ones.
    db.execute("DELETE FROM twin.devices WHERE device_id LIKE 'doc-bad-%'")
    centroids(db, "twin.devices", expr)
    parent, _ = expected_distances(db)
    for twin, want in parent.items():
        check_distance(f"document path, skipped: twin {twin!r} geo_parent_dist_m", got[twin]["geo_parent_dist_m"], want)


# --- 4. zone_id with source.zones ----------------------------------------------------------------

def zone_rows():
    """(zone_id, wkt): a building, two floors sharing an edge (equal areas), rooms sharing an
    edge (equal areas; 'room-B' < 'room-a' in byte order), a room with a hole, two overlapping
    equal-area zones, two zones with one polygon, a triangle, a multipolygon and a far zone."""
    return [("bldg", gpoly(rect(0, 0, 64, 64))),
            ("floor-1", gpoly(rect(0, 0, 64, 32))), ("floor-2", gpoly(rect(0, 32, 64, 64))),
            ("room-a", gpoly(rect(0, 0, 16, 16))), ("room-B", gpoly(rect(16, 0, 32, 16))),
            ("room-hole", gpoly(rect(32, 0, 64, 32), rect(40, 8, 56, 24))),
            ("ov-a", gpoly(rect(8, 40, 24, 56))), ("ov-B", gpoly(rect(16, 40, 32, 56))),
            ("same-2", gpoly(rect(40, 40, 48, 48))), ("same-1", gpoly(rect(40, 40, 48, 48))),
            ("tri", gpoly([grid(48, 48), grid(64, 48), grid(64, 64), grid(48, 48)])),
            ("multi", multipolygon_wkt([[rect(-32, 0, -16, 16)], [rect(-32, 32, -16, 48), rect(-28, 36, -20, 44)]])),
            ("far", gpoly(rect(200, 200, 232, 232)))]


def zone_points(rng):
    """Grid points: every vertex, edge midpoint and quarter point of the zones, hole rings and
    inside, the triangle's hypotenuse, the overlap, outside; then random points."""
    pts = set()
    for x in range(-40, 80, 4):
        for y in range(-8, 72, 4):
            pts.add((x, y))
    pts |= {(56, 56), (52, 52), (60, 60), (200, 200), (232, 216), (216, 216), (300, 300), (-24, 40), (-28, 40)}
    out = [(f"g{x:+04d}{y:+04d}", *grid(x, y)) for x, y in sorted(pts)]
    for i in range(300):
        lon, lat = grid(rng.uniform(-40, 72), rng.uniform(-8, 72))
        out.append((f"rnd-{i:03d}", lon, lat))
    for i in range(20):
        out.append((f"rnd-far-{i:02d}", *grid(rng.uniform(196, 236), rng.uniform(196, 236))))
    return out


def zone_candidates(db, zones_expr, points_sql):
    """{twin: [(area, zone_id)]} of the zones that ST_Covers the twin's point, from PostGIS."""
    cands = {}
    for twin, zone, area in db.query(
            f"SELECT t.device_id, z.zone_id, ST_Area(z.g) FROM ({points_sql}) t"
            f" JOIN (SELECT zone_id, {zones_expr} AS g FROM public.zones_src) z ON ST_Covers(z.g, t.pt)"):
        cands.setdefault(twin, []).append((area, zone))
    return cands


def pick_zone(cands):
    """The smallest area, then the smallest zone_id in byte order; and whether a near tie (areas
    within 1e-12 relative, not equal) leaves it in doubt."""
    if not cands:
        return None, set()
    best = min(cands, key=lambda c: (c[0], byte_key(c[1])))
    near = {z for a, z in cands if a != best[0] and abs(a - best[0]) <= 1e-12 * best[0]}
    return best[1], near | ({best[1]} if near else set())


def check_zone_rows(label, rows, twins, cands):
    exact = doubtful = inside = 0
    for twin in twins:
        want, doubt = pick_zone(cands.get(twin, []))
        got = rows.get(twin, {}).get("zone_id")
        if doubt:
            ck.true(f"{label}: twin {twin!r} zone_id among near-equal areas", got in doubt, f"got {got!r}, {doubt}")
            doubtful += 1
        else:
            ck.equal(f"{label}: twin {twin!r} zone_id (covering zones {sorted(cands.get(twin, []))})", got, want)
            exact += 1
        inside += want is not None
    return exact, doubtful, inside


def check_zones_source(db):
    rng = random.Random(4)
    zones = zone_rows()
    points = zone_points(rng)
    devices = [(t, None, "sensor", lat, lon) for t, lon, lat in points]
    devices += [("nowhere", None, "sensor", None, None), ("zone-null-island", None, "sensor", 0.0, 0.0)]
    db.load(devices)
    db.execute("CREATE TABLE public.zones_g (zone_id text, geom geometry)")
    with db.conn.cursor() as cur:
        cur.executemany("INSERT INTO public.zones_g VALUES (%s, ST_GeomFromText(%s, 4326))", zones)
    db.execute("CREATE TABLE public.zones_t AS SELECT zone_id, ST_AsText(geom) AS geom FROM public.zones_g")
    db.execute("CREATE TABLE public.zones_y AS SELECT zone_id, geom::geography AS geom FROM public.zones_g")
    ck.true("zones: PostGIS finds them valid", db.query("SELECT bool_and(ST_IsValid(geom)) FROM public.zones_g")[0][0])
    points_sql = ("SELECT device_id, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS pt FROM twin.devices"
                  " WHERE lat IS NOT NULL AND lon IS NOT NULL")
    boundary = db.query(f"SELECT count(*) FROM ({points_sql}) t JOIN public.zones_g z"
                        f" ON ST_Covers(z.geom, t.pt) AND NOT ST_Contains(z.geom, t.pt)")[0][0]
    located = len(devices) - 1
    for label, table, expr in (("zones (geometry)", "public.zones_g", "geom"),
                               ("zones (WKT text)", "public.zones_t", "ST_SetSRID(geom::geometry, 4326)"),
                               ("zones (geography)", "public.zones_y", "geom::geometry")):
        db.execute("DROP VIEW IF EXISTS public.zones_src")
        db.execute(f"CREATE VIEW public.zones_src AS SELECT * FROM {table}")
        run_job(db, job({"devices": "twin.devices", "zones": table}, ["zone_id"]))
        rows = db.features()
        cands = zone_candidates(db, expr, points_sql)
        exact, doubtful, inside = check_zone_rows(label, rows, [d[0] for d in devices], cands)
        ck.equal(f"{label}: twin without a location", rows["nowhere"]["zone_id"], None)
        check_locations(label, db, "lat/lon columns", located, 1, at_0_0=1)
        print(f"{label}: {len(zones)} zones, {len(devices)} twins ({inside} inside a zone, {boundary} twin-zone "
              f"pairs on a boundary); zone_id exact for {exact}, within near ties for {doubtful}")
    ck.true("zones: some points lie on zone boundaries", boundary > 50, str(boundary))
    for twin, want in (("g+016+008", "room-B"), ("g+016+016", "room-B"), ("g+048+016", "floor-1"),
                       ("g+040+016", "room-hole"), ("g+020+048", "ov-B"), ("g+044+044", "same-1"),
                       ("g+052+052", "tri"), ("g+000+032", "floor-1"), ("g-024+040", None), ("g-028+040", "multi")):
        ck.equal(f"zones: the hand-made case {twin!r}", rows[twin]["zone_id"], want)

    # A polygon twin under source.zones: only zones larger than its own polygon may hold it
    # (README, zone_id). Its centroid (32, 16) is a corner of room-B (area 256) and on an edge of
    # room-hole (768): both are smaller than the twin (1860), so floor-1 (2048) is the answer.
    db.execute("CREATE TABLE public.zt_dev (device_id text, geom geometry)")
    with db.conn.cursor() as cur:
        cur.executemany("INSERT INTO public.zt_dev VALUES (%s, ST_GeomFromText(%s, 4326))",
                        [("poly-wide", gpoly(rect(1, 1, 63, 31))), ("poly-small", gpoly(rect(2, 2, 6, 6))),
                         ("pt-in-room", point_wkt(*grid(4, 4))), ("pt-corner", point_wkt(*grid(32, 16)))])
    db.execute("DROP VIEW IF EXISTS public.zones_src")
    db.execute("CREATE VIEW public.zones_src AS SELECT * FROM public.zones_g")
    run_job(db, job({"devices": "public.zt_dev", "location": {"geometry": "geom"}, "zones": "public.zones_g"},
                    ["zone_id"]))
    rows = db.features()
    own = dict(db.query("SELECT device_id, ST_Area(geom) FROM public.zt_dev"))
    cands = {}
    for twin, zone, area in db.query("SELECT t.device_id, z.zone_id, ST_Area(z.geom) FROM public.zt_dev t"
                                     " JOIN public.zones_g z ON ST_Covers(z.geom, ST_Centroid(t.geom))"):
        if area > own[twin]:
            cands.setdefault(twin, []).append((area, zone))
    check_zone_rows("zones with polygon twins", rows, sorted(own), cands)
    ck.equal("zones with polygon twins: poly-wide (the README's rule)", rows["poly-wide"]["zone_id"], "floor-1")
    check_locations("zones with polygon twins", db, "geometry column", 4, 0)


# --- 5. the twins' own polygons as zones, infer_parents ------------------------------------------

def site_rows(rng):
    """(device_id, parent_id, model, wkt) of a campus: buildings, a floor with its building's
    footprint, wings, rooms (two with one polygon, one ring-shaped with its centroid in its hole,
    a triangle), a two-part building with an annex between its parts, sensors on edges, vertices
    and hole rings, explicit parents, twins without a location and one at (0, 0)."""
    poly = [("campus", None, "campus", gpoly(rect(-64, -64, 192, 128))),
            ("B1", None, "building", gpoly(rect(0, 0, 64, 64))),
            ("B1-floor0", None, "floor", gpoly(rect(0, 0, 64, 64))),
            ("B1-wing-s", None, "wing", gpoly(rect(0, 0, 64, 32))),
            ("B1-wing-n", None, "wing", gpoly(rect(0, 36, 64, 64))),
            ("r101", None, "room", gpoly(rect(0, 0, 16, 16))),
            ("r102", "campus", "room", gpoly(rect(16, 0, 32, 16))),       # explicit parent kept
            ("r103-ring", None, "room", gpoly(rect(32, 0, 64, 32), rect(40, 8, 56, 24))),
            ("room-X", None, "room", gpoly(rect(8, 40, 24, 56))),
            ("room-x", None, "room", gpoly(rect(8, 40, 24, 56))),
            ("r201-tri", None, "room", gpoly([grid(32, 40), grid(56, 40), grid(56, 60), grid(32, 40)])),
            ("B2", None, "building", multipolygon_wkt([[rect(80, 0, 112, 32)], [rect(80, 64, 112, 96)]])),
            ("B2-annex", None, "building", gpoly(rect(80, 40, 112, 56))),
            ("shed", None, "building", gpoly(rect(300, 0, 310, 10)))]
    pts = [("s-r101", None, (8, 8)), ("s-edge-r101-r102", None, (16, 8)), ("s-vertex", None, (16, 16)),
           ("s-ring-hole", None, (48, 16)), ("s-ring-holeedge", None, (40, 16)), ("s-ring-corner", None, (40, 8)),
           ("s-room-xX", None, (16, 48)), ("s-tri-diag", None, (44, 50)), ("s-b1-gap", None, (60, 34)),
           ("s-campus", None, (150, 100)), ("s-campus-edge", None, (192, 0)), ("s-out", None, (500, 500)),
           ("s-explicit", "B2", (8, 8)), ("s-b2-part", None, (96, 16)), ("s-annex", None, (96, 48)),
           ("s-b2-between", None, (96, 60))]
    out = [(t, p, m, w) for t, p, m, w in poly]
    out += [(t, p, "sensor", point_wkt(*grid(x, y))) for t, p, (x, y) in pts]
    for i in range(150):
        out.append((f"s-rnd-{i:03d}", None, "sensor", point_wkt(*grid(rng.uniform(-80, 200), rng.uniform(-80, 140)))))
    out += [("s-nowhere", None, "sensor", None), ("s-nowhere-child", "r101", "sensor", None),
            ("s-null-island", None, "sensor", "POINT(0 0)")]
    return out


LEVELS = {f"d{k}": k for k in range(6)}


def check_site(db):
    rows_in = site_rows(random.Random(5))
    db.execute("CREATE TABLE public.site (device_id text PRIMARY KEY, parent_id text, model text,"
               " geom geometry(Geometry, 4326))")
    with db.conn.cursor() as cur:
        cur.executemany("INSERT INTO public.site VALUES (%s, %s, %s, ST_GeomFromText(%s, 4326))", rows_in)
    ck.true("site: PostGIS finds the polygons valid",
            db.query("SELECT bool_and(ST_IsValid(geom)) FROM public.site")[0][0])
    db.execute("CREATE TABLE public.site_c AS SELECT device_id, geom, ST_Centroid(geom) AS c,"
               " CASE WHEN ST_Dimension(geom) = 2 THEN ST_Area(geom) ELSE 0 END AS a"
               " FROM public.site WHERE geom IS NOT NULL")
    cands = {}
    for twin, zone, area in db.query(
            "SELECT t.device_id, z.device_id, z.a FROM public.site_c t JOIN public.site_c z"
            " ON z.device_id <> t.device_id AND ST_Dimension(z.geom) = 2 AND z.a > t.a AND ST_Covers(z.geom, t.c)"):
        cands.setdefault(twin, []).append((area, zone))
    twins = [r[0] for r in rows_in]
    explicit = {r[0]: r[1] for r in rows_in}
    zone = {t: pick_zone(cands.get(t, []))[0] for t in twins}
    for t, want in (("B1", "campus"), ("B1-floor0", "campus"), ("B1-wing-s", "B1"), ("r101", "B1-wing-s"),
                    ("r103-ring", "B1-wing-s"), ("room-X", "B1-wing-n"), ("room-x", "B1-wing-n"),
                    ("s-room-xX", "room-X"), ("s-edge-r101-r102", "r101"), ("s-ring-hole", "B1-wing-s"),
                    ("s-ring-holeedge", "r103-ring"), ("s-b1-gap", "B1"), ("B2", "campus"), ("B2-annex", "campus"),
                    ("s-annex", "B2-annex"), ("s-b2-part", "B2"), ("s-b2-between", "campus"), ("shed", None),
                    ("s-tri-diag", "r201-tri"), ("s-campus-edge", "campus")):
        ck.equal(f"site: PostGIS's zone of {t!r} is the designed one", zone[t], want)
    parent = {t: explicit[t] if explicit[t] is not None else zone[t] for t in twins}
    inferred = sum(1 for t in twins if explicit[t] is None and zone[t] is not None)

    def path(t, parents):
        """Root first; a cycle (none is expected) ends the path where it closes."""
        p = [t]
        while parents[p[-1]] is not None and parents[p[-1]] not in p:
            p.append(parents[p[-1]])
        return p[::-1]

    db.execute("CREATE TABLE public.site_par (device_id text, parent text)")
    with db.conn.cursor() as cur:
        cur.executemany("INSERT INTO public.site_par VALUES (%s, %s)", list(parent.items()))
    dist = dict(db.query("SELECT sp.device_id, ST_Distance(geography(ch.c), geography(p.c)) FROM public.site_par sp"
                         " LEFT JOIN public.site_c ch ON ch.device_id = sp.device_id"
                         " LEFT JOIN public.site_c p ON p.device_id = sp.parent"))
    features = ["zone_id", "geo_parent_dist_m", "hier_depth", {"name": "hier_ancestor", "levels": LEVELS}]
    source = {"devices": "public.site", "location": {"geometry": "geom"}}
    located = sum(1 for r in rows_in if r[3] is not None)
    for infer in (True, False):
        label = "site, infer_parents" if infer else "site, own polygons as zones"
        run_job(db, job(dict(source, infer_parents=True) if infer else source, features))
        rows = db.features()
        parents = parent if infer else explicit
        exact, doubtful, inside = check_zone_rows(label, rows, twins, cands)
        for t in twins:
            p = path(t, parents)
            ck.equal(f"{label}: twin {t!r} hier_depth (path {p})", rows[t]["hier_depth"], len(p) - 1)
            for name, level in LEVELS.items():
                ck.equal(f"{label}: twin {t!r} anc_{name}_id (path {p})", rows[t][f"anc_{name}_id"],
                         p[level] if level < len(p) else None)
        for t in twins:
            if infer:
                want = dist[t]
            else:
                want = None if explicit[t] is None else db.query(
                    "SELECT ST_Distance(geography(a.c), geography(b.c)) FROM public.site_c a, public.site_c b"
                    " WHERE a.device_id = %s AND b.device_id = %s", (t, explicit[t]))
                want = want[0][0] if want else None
            check_distance(f"{label}: twin {t!r} geo_parent_dist_m (parent {parents[t]!r})",
                           rows[t]["geo_parent_dist_m"], want)
        check_locations(label, db, "geometry column", located, len(twins) - located, at_0_0=1,
                        parents_inferred=inferred if infer else 0)
        print(f"{label}: {len(twins)} twins, {inside} in a zone, zone_id exact for {exact} "
              f"(near ties {doubtful}); {inferred if infer else 0} parents inferred; deepest path "
              f"{max((path(t, parents) for t in twins), key=len)}")


# --- 6. bad inputs ------------------------------------------------------------------------------

def check_refused(label, db, spec, needles, code=1):
    proc = run_failing(db, spec)
    ck.equal(f"{label}: exit code", proc.returncode, code)
    for needle in needles:
        ck.true(f"{label}: stderr mentions {needle!r}", needle in proc.stderr, proc.stderr[-500:])
    return proc


def check_bad_inputs(db):
    db.load([("p1", None, "sensor", 48.51, 2.01), ("p2", "p1", "sensor", 48.52, 2.02)])
    good = gpoly(rect(0, 0, 64, 64))
    tables = {
        "zones_bowtie": [("a-good", good), ("bowtie", "POLYGON((2 48, 2.1 48.1, 2.1 48, 2 48.1, 2 48))")],
        "zones_twice": [("a-good", good), ("twice-zone", gpoly(rect(0, 0, 8, 8))), ("twice-zone", gpoly(rect(8, 8, 16, 16))),
                        ("z-good", gpoly(rect(0, 0, 4, 4)))],
        "zones_point": [("a-good", good), ("pointy", "POINT(2 48)")],
    }
    for name, rows in tables.items():
        db.execute(f"CREATE TABLE public.{name} (zone_id text, geom geometry)")
        with db.conn.cursor() as cur:
            cur.executemany(f"INSERT INTO public.{name} VALUES (%s, ST_GeomFromText(%s, 4326))", rows)
    db.execute("CREATE TABLE public.zones_nogeom (zone_id text, shape geometry)")
    db.execute("INSERT INTO public.zones_nogeom VALUES ('z', ST_GeomFromText('POLYGON((2 48, 3 48, 3 49, 2 48))', 4326))")

    def zones_job(table):
        return job({"devices": "twin.devices", "zones": f"public.{table}"}, ["zone_id"])

    check_refused("self-intersecting zone", db, zones_job("zones_bowtie"), ['zone "bowtie"', "invalid polygon"])
    check_refused("zone_id twice", db, zones_job("zones_twice"), ['"twice-zone"', "twice"])
    check_refused("point zone", db, zones_job("zones_point"), ['zone "pointy"', "not a polygon"])
    check_refused("zones table without geom", db, zones_job("zones_nogeom"), ['no column "geom"', "public.zones_nogeom"])

    db.execute("CREATE TABLE public.bad_dev (device_id text, parent_id text, geom geometry)")
    with db.conn.cursor() as cur:
        cur.executemany("INSERT INTO public.bad_dev VALUES (%s, %s, ST_GeomFromText(%s, 4326))",
                        [("a-ok", None, "POINT(2 48)"), ("m-line", "a-ok", "LINESTRING(2 48, 2.1 48.1)"),
                         ("n-bowtie", None, "POLYGON((2 48, 2.1 48.1, 2.1 48, 2 48.1, 2 48))")])
    geo = {"devices": "public.bad_dev", "location": {"geometry": "geom"}}
    check_refused("no such geometry column", db,
                  job({"devices": "public.bad_dev", "location": {"geometry": "nosuchcol"}}, DIST_FEATURES),
                  ['"nosuchcol"'])
    check_refused("LINESTRING location", db, job(geo, DIST_FEATURES), ['twin "m-line"', "LineString"])
    db.execute("DELETE FROM public.bad_dev WHERE device_id = 'm-line'")
    check_refused("self-intersecting polygon twin", db, job(geo, DIST_FEATURES), ['twin "n-bowtie"', "invalid polygon"])
    # Skipped: no location, counted.
    db.execute("INSERT INTO public.bad_dev VALUES ('m-line', 'a-ok', ST_GeomFromText('LINESTRING(2 48, 2.1 48.1)', 4326))")
    run_job(db, job(dict(geo, on_bad_location="skip"), DIST_FEATURES))
    rows = db.features()
    ck.equal("bad geometries, skipped: m-line geo_parent_dist_m", rows["m-line"]["geo_parent_dist_m"], None)
    ck.equal("bad geometries, skipped: n-bowtie geo_knn_max_m", rows["n-bowtie"]["geo_knn_max_m"], None)
    check_locations("bad geometries, skipped", db, "geometry column", 1, 2, invalid=2)


with Database("oracle_geo_inputs") as db:
    db.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    check_geometry_columns(db)
    check_srids(db)
    check_document_paths(db)
    check_zones_source(db)
    check_site(db)
    check_bad_inputs(db)

try:
    ck.finish("geo_inputs")
except AssertionError as e:
    print(e)
    sys.exit(1)
