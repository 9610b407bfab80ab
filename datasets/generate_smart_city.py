#!/usr/bin/python3
"""Deterministic smart-city digital-twin dataset generator for twingraph.

Writes DIR/devices.copy and DIR/relationships.copy in PostgreSQL COPY text format
(tab separated, \\N for NULL, backslash escapes), with the columns of twin.devices and
twin.relationships from sql/schema.sql in table order:

    devices:       device_id, parent_id, model, lat, lon, twin
    relationships: source_id, target_id, kind, properties

Hierarchy: city -> district -> intersection -> devices (one signal_controller plus 1-6
sensors: camera, lidar, traffic_sensor). The total row count of devices.copy is exactly
--twins. Same --twins and --seed give byte-identical files. See datasets/README.md.

Standard library only; run with /usr/bin/python3.
"""

import argparse
import base64
import json
import math
import os
import random
import sys
import time

# Real city centres (WGS84). Cycled through; a repeated city gets a numeric suffix and a
# centre shifted by up to ~1 degree towards the equator / Greenwich (so it stays in range).
CITIES = (
    ("Seattle", 47.6062, -122.3321),
    ("Amsterdam", 52.3676, 4.9041),
    ("Singapore", 1.3521, 103.8198),
    ("Berlin", 52.5200, 13.4050),
    ("São Paulo", -23.5505, -46.6333),
    ("Nairobi", -1.2921, 36.8219),
    ("Tokyo", 35.6762, 139.6503),
    ("Sydney", -33.8688, 151.2093),
    ("Toronto", 43.6532, -79.3832),
    ("Mexico City", 19.4326, -99.1332),
    ("London", 51.5074, -0.1278),
    ("Paris", 48.8566, 2.3522),
    ("Mumbai", 19.0760, 72.8777),
    ("Cape Town", -33.9249, 18.4241),
    ("Buenos Aires", -34.6037, -58.3816),
    ("Seoul", 37.5665, 126.9780),
    ("Dubai", 25.2048, 55.2708),
    ("Stockholm", 59.3293, 18.0686),
    ("Auckland", -36.8485, 174.7633),
    ("Zürich", 47.3769, 8.5417),
)

# Per device model: short id prefix, desired modelVersion, older versions a lagging device
# may report, current firmware, older firmware of lagging devices, telemetryInterval (s).
MODELS = {
    "camera": ("cam", "2.4.0", ("2.3.1", "2.3.0", "2.2.4"), "7.12.3", ("7.11.0", "7.9.2"), 60),
    "lidar": ("lidar", "1.8.2", ("1.7.5", "1.6.0"), "3.4.1", ("3.3.9", "3.2.0"), 10),
    "traffic_sensor": ("ts", "3.1.0", ("3.0.2", "2.9.7"), "5.0.4", ("4.8.1", "4.7.0"), 30),
    "signal_controller": ("ctl", "5.2.0", ("5.1.3", "5.0.0"), "11.2.0", ("11.1.4", "10.9.0"), 5),
}
SENSOR_MODELS = ("camera", "traffic_sensor", "lidar")  # drawn with probability 0.4/0.4/0.2
HIERARCHY_MODELS = ("city", "district", "intersection")
RELATIONSHIP_KINDS = ("feeds", "connectedTo", "monitors")

# The rollout of the desired modelVersion is stuck where the topology says so: devices lag with
# probability LAG_BASE, plus LAG_OLD_DISTRICT in every fourth district (still on an old firmware
# line) and LAG_OVERLOADED at an intersection whose controller four or more sensors feed.
LAG_BASE = 0.06
LAG_OLD_DISTRICT = 0.50
LAG_OVERLOADED = 0.15
# Reported modelVersion timestamps ($metadata.$lastUpdated) lie in the three weeks before this
# moment, those of lagging devices a further two weeks back: fixed, so the data is reproducible.
REPORT_EPOCH = 1795737600  # 2026-11-27T00:00:00Z
MONITOR_FRACTION = 0.30    # cameras that also monitor a neighbouring intersection's controller
MIN_TWINS = 5              # city, district, intersection, controller, one sensor

M_PER_DEG_LAT = 111320.0

# COPY text format escaping. Ids are built from [a-z0-9/-] only and need none; every other
# free-text value (city names, JSON built by json.dumps) goes through copy_escape.
_COPY_ESC = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_escape(s):
    return s.translate(_COPY_ESC)


def jdumps(obj):
    """The canonical compact form used for every JSON value in the output."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def etag(version):
    """IoT-Hub-style etag: base64 of the 8-byte big-endian version ("AAAAAAAAAAE=" for 1)."""
    return base64.b64encode(version.to_bytes(8, "big")).decode("ascii")


def plan(n, rng):
    """Choose the tree shape so that the total row count is exactly n.

    Returns a list of cities; a city is a list of districts; a district is
    (rows, cols, [sensor count per intersection]). Intersections fill the rows x cols grid
    row by row; only the very last district may be partial. The sensor count of the last
    one or two intersections is trimmed so that the total comes out at exactly n.
    """
    i_est = n / 5.5                      # ~1 intersection + 1 controller + 3.5 sensors each
    ipd = min(100, max(4, round(2 * math.sqrt(i_est))))   # intersections per district
    d_est = max(1.0, i_est / ipd)
    dpc = min(16, max(1, round(math.sqrt(d_est))))         # districts per city
    rnd = rng.random
    cities = []
    remaining = n
    while True:
        # Invariant: remaining >= 5 here (city + district + intersection + ctl + sensor).
        ndist = max(1, round(dpc * (0.7 + 0.6 * rnd())))
        city = []
        cities.append(city)
        remaining -= 1
        for di in range(ndist):
            g = max(1, round(ipd * (0.7 + 0.6 * rnd())))
            rows = max(1, round(math.sqrt(g) * (0.8 + 0.4 * rnd())))
            cols = max(1, -(-g // rows))
            ks = []
            city.append((rows, cols, ks))
            remaining -= 1
            ni = rows * cols
            for xi in range(ni):
                # Rows the next entry needs at least: another intersection (2), a new
                # district (3) or a new city (4); plus one so it can carry a sensor.
                if xi < ni - 1:
                    need_next = 2
                elif di < ndist - 1:
                    need_next = 3
                else:
                    need_next = 4
                k = 1 + int(rnd() * 6)
                k = min(k, remaining - 3 - need_next)
                if k >= 1:
                    ks.append(k)
                    remaining -= 2 + k
                else:
                    # Last intersection: take exactly what is left (1..5 sensors).
                    ks.append(remaining - 2)
                    return cities
    # not reached


def generate(n, seed, out_dir):
    t0 = time.perf_counter()
    prng = random.Random("twingraph-smart-city:%d:plan" % seed)
    rng = random.Random("twingraph-smart-city:%d:emit" % seed)
    rnd = rng.random
    cities = plan(n, prng)

    cw = max(2, len(str(len(cities))))
    dw = max(2, len(str(max(len(c) for c in cities))))
    xw = max(4, len(str(max(len(d[2]) for c in cities for d in c))))

    etags = [etag(v) for v in range(0, 80)]
    hier_etag = etags[1]
    model_count = dict.fromkeys(HIERARCHY_MODELS + tuple(MODELS), 0)
    kind_count = dict.fromkeys(RELATIONSHIP_KINDS, 0)
    n_cities = n_districts = n_inter = n_sensors = n_conn = 0

    # Per-model pieces of the device twin template, pre-rendered.
    # The reported part comes in an up-to-date variant and lagging variants (older
    # modelVersion and firmware).
    model_parts = {}
    for model, (short, want, old_mv, fw, old_fw, interval) in MODELS.items():
        # The reported timestamp ($metadata sorts first) goes in at %s, per device.
        desired_tail = (',"modelVersion":"%s","telemetryInterval":%d},"reported":' % (want, interval)
                        + '{"$metadata":{"modelVersion":{"$lastUpdated":"%s"}},"$version":')
        lag = []
        for mv in old_mv:
            for f in old_fw:
                lag.append(',"firmware":"%s","modelVersion":"%s"}},"tags":{"location":' % (f, mv))
        up = ',"firmware":"%s","modelVersion":"%s"}},"tags":{"location":' % (fw, want)
        type_tail = ',"type":"%s"},"version":' % model
        model_parts[model] = (short, desired_tail, up, tuple(lag), type_tail)

    # 4096 report times, indexed by a hash of each device's draws (no extra random draws, so the
    # rest of the data is what it was).
    stamps = [time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(REPORT_EPOCH - (j * 443) % (21 * 86400)))
              + ".%03dZ" % (j % 1000) for j in range(4096)]
    old_stamps = [time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(REPORT_EPOCH - 14 * 86400 - (j * 443) % (21 * 86400)))
                  + ".%03dZ" % (j % 1000) for j in range(4096)]

    dev_path = os.path.join(out_dir, "devices.copy")
    rel_path = os.path.join(out_dir, "relationships.copy")
    fd = open(dev_path, "w", encoding="utf-8", newline="\n", buffering=1 << 20)
    fr = open(rel_path, "w", encoding="utf-8", newline="\n", buffering=1 << 20)
    D = []   # pending device lines
    R = []   # pending relationship lines
    dappend = D.append
    rappend = R.append
    FLUSH = 65536

    ncity_names = len(CITIES)
    for ci, districts in enumerate(cities):
        base_name, blat, blon = CITIES[ci % ncity_names]
        lap = ci // ncity_names
        if lap:
            name = "%s %d" % (base_name, lap + 1)
            clat = blat - math.copysign(0.15 * (lap % 8), blat)
            clon = blon - math.copysign(0.15 * ((lap // 8) % 8), blon)
        else:
            name, clat, clon = base_name, blat, blon
        cid = "city-%0*d" % (cw, ci + 1)
        name_js = copy_escape(jdumps(name))                    # JSON string, COPY-escaped
        city_loc = '{"city":%s' % name_js
        hier_head = '{"deviceId":"'
        hier_mid = '","etag":"%s","properties":{"desired":{"$version":1},"reported":{"$version":1}},"tags":{"location":' % hier_etag
        dappend("%s\t\\N\tcity\t%.6f\t%.6f\t%s%s%s%s},\"type\":\"city\"},\"version\":1}\n"
                % (cid, clat, clon, hier_head, cid, hier_mid, city_loc))
        n_cities += 1
        city_ctls = []   # controller ids per district, for cross-district links

        for di, (rows, cols, ks) in enumerate(districts):
            did = "%s/d-%0*d" % (cid, dw, di + 1)
            # District centre: 0.5-5 km from the city centre in a random direction.
            ang = rnd() * 2.0 * math.pi
            dist = 500.0 + 4500.0 * rnd()
            dlat = clat + dist * math.sin(ang) / M_PER_DEG_LAT
            m_per_deg_lon = M_PER_DEG_LAT * math.cos(math.radians(dlat))
            dlon = clon + dist * math.cos(ang) / m_per_deg_lon
            dist_loc = '%s,"district":"%s"' % (city_loc, did)
            dappend("%s\t%s\tdistrict\t%.6f\t%.6f\t%s%s%s%s},\"type\":\"district\"},\"version\":1}\n"
                    % (did, cid, dlat, dlon, hier_head, did, hier_mid, dist_loc))
            n_districts += 1

            # Intersection grid: spacing 100-300 m, rotated, centred on the district centre.
            sp = 100.0 + 200.0 * rnd()
            theta = rnd() * (math.pi / 2.0)
            ct, st = math.cos(theta) * sp, math.sin(theta) * sp
            r0, c0 = (rows - 1) / 2.0, (cols - 1) / 2.0
            inv_lat = 1.0 / M_PER_DEG_LAT
            inv_lon = 1.0 / m_per_deg_lon
            dev_dlat = 14.0 * inv_lat     # device offsets: +-14 m per axis, i.e. within 20 m
            dev_dlon = 14.0 * inv_lon
            ni = len(ks)
            xids = ["%s/x-%0*d" % (did, xw, i + 1) for i in range(ni)]
            ctls = [x + "/ctl" for x in xids]
            city_ctls.append(ctls)

            old_district = di % 4 == 3
            for i in range(ni):
                k = ks[i]
                lag_p = LAG_BASE + (LAG_OLD_DISTRICT if old_district else 0.0) + (LAG_OVERLOADED if k >= 4 else 0.0)
                xid = xids[i]
                ctl = ctls[i]
                r, c = divmod(i, cols)
                gx = (c - c0)
                gy = (r - r0)
                ex = gx * ct - gy * st + (rnd() - 0.5) * 30.0   # +-15 m jitter
                ny = gx * st + gy * ct + (rnd() - 0.5) * 30.0
                xlat = dlat + ny * inv_lat
                xlon = dlon + ex * inv_lon
                loc = '%s,"intersection":"%s"}' % (dist_loc, xid)
                dappend("%s\t%s\tintersection\t%.6f\t%.6f\t%s%s%s%s,\"type\":\"intersection\"},\"version\":1}\n"
                        % (xid, did, xlat, xlon, hier_head, xid, hier_mid, loc))
                n_inter += 1

                # Grid neighbours inside the district (only those that exist).
                nbrs = []
                if c > 0:
                    nbrs.append(i - 1)
                if c + 1 < cols and i + 1 < ni:
                    nbrs.append(i + 1)
                    n_conn += 1
                    # connectedTo right neighbour (higher id)
                    rappend('%s\t%s\tconnectedTo\t{"latency_ms":%d,"medium":"%s"}\n'
                            % (ctl, ctls[i + 1], 1 + int(rnd() * 8), "fiber" if rnd() < 0.7 else "wireless"))
                if r > 0:
                    nbrs.append(i - cols)
                if i + cols < ni:
                    nbrs.append(i + cols)
                    n_conn += 1
                    # connectedTo neighbour below (higher id)
                    rappend('%s\t%s\tconnectedTo\t{"latency_ms":%d,"medium":"%s"}\n'
                            % (ctl, ctls[i + cols], 1 + int(rnd() * 8), "fiber" if rnd() < 0.7 else "wireless"))

                # Devices: the controller first, then k sensors.
                seq = ["signal_controller"]
                for _ in range(k):
                    u = rnd()
                    seq.append("camera" if u < 0.4 else ("traffic_sensor" if u < 0.8 else "lidar"))
                idx = {"cam": 0, "lidar": 0, "ts": 0}
                for model in seq:
                    short, desired_tail, up, lag, type_tail = model_parts[model]
                    if short == "ctl":
                        dev_id = ctl
                    else:
                        idx[short] += 1
                        dev_id = "%s/%s-%d" % (xid, short, idx[short])
                    dv = 1 + int(rnd() * 12)
                    rv = 1 + int(rnd() * 60)
                    # The draws are those the stream always had (a second one below 0.2), so
                    # everything else generated stays the same.
                    u = rnd()
                    w = rnd() if u < 0.2 else (dv * 7 + rv) % 97 / 97.0
                    if u < lag_p:
                        rep = lag[int(w * len(lag))]
                        tail = desired_tail % old_stamps[(dv * 61 + rv * 4091) & 4095]
                    else:
                        rep = up
                        tail = desired_tail % stamps[(dv * 61 + rv * 4091) & 4095]
                    ver = dv + rv
                    dappend('%s\t%s\t%s\t%.6f\t%.6f\t{"deviceId":"%s","etag":"%s","properties":{"desired":{"$version":%d%s%d%s%s%s%d}\n'
                            % (dev_id, xid, model,
                               xlat + (rnd() * 2.0 - 1.0) * dev_dlat,
                               xlon + (rnd() * 2.0 - 1.0) * dev_dlon,
                               dev_id, etags[ver], dv, tail, rv, rep, loc, type_tail, ver))
                    model_count[model] += 1
                    if short != "ctl":
                        n_sensors += 1
                        rappend('%s\t%s\tfeeds\t{"latency_ms":%d}\n' % (dev_id, ctl, 1 + int(rnd() * 40)))
                        if short == "cam":
                            if nbrs and rnd() < MONITOR_FRACTION:
                                rappend("%s\t%s\tmonitors\t\\N\n" % (dev_id, ctls[nbrs[int(rnd() * len(nbrs))]]))
                                kind_count["monitors"] += 1
            if len(D) >= FLUSH:
                fd.write("".join(D))
                D.clear()
            if len(R) >= FLUSH:
                fr.write("".join(R))
                R.clear()

        # About one cross-district connectedTo per district, to a controller of another
        # district of the same city; one row per unordered pair, lower id -> higher id.
        nd = len(city_ctls)
        if nd > 1:
            seen = set()
            for a in range(nd):
                b = int(rnd() * (nd - 1))
                if b >= a:
                    b += 1
                ca, cb = city_ctls[a], city_ctls[b]
                s = ca[int(rnd() * len(ca))]
                t = cb[int(rnd() * len(cb))]
                if s > t:
                    s, t = t, s
                lat_ms = 5 + int(rnd() * 20)
                if (s, t) in seen:
                    continue
                seen.add((s, t))
                n_conn += 1
                rappend('%s\t%s\tconnectedTo\t{"crossDistrict":true,"latency_ms":%d,"medium":"fiber"}\n'
                        % (s, t, lat_ms))

    fd.write("".join(D))
    fr.write("".join(R))
    fd.close()
    fr.close()

    model_count["city"] = n_cities
    model_count["district"] = n_districts
    model_count["intersection"] = n_inter
    kind_count["feeds"] = n_sensors
    kind_count["connectedTo"] = n_conn
    total = sum(model_count.values())
    assert total == n, (total, n)
    return model_count, kind_count, time.perf_counter() - t0


def copy_unescape(field):
    if field == "\\N":
        return None
    if "\\" not in field:
        return field
    out = []
    i = 0
    while i < len(field):
        ch = field[i]
        if ch == "\\" and i + 1 < len(field):
            nxt = field[i + 1]
            out.append({"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}.get(nxt, nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def check(out_dir):
    """Validate the written files; returns a list of problems (empty when all is well)."""
    problems = []
    ids = set()
    parents = []
    with open(os.path.join(out_dir, "devices.copy"), encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 6:
                problems.append("devices line %d: %d columns" % (ln, len(cols)))
                continue
            dev_id, parent, model, lat, lon, twin = map(copy_unescape, cols)
            if dev_id in ids:
                problems.append("devices line %d: duplicate id %s" % (ln, dev_id))
            ids.add(dev_id)
            if parent is not None:
                parents.append((ln, parent))
            if not (-90.0 <= float(lat) <= 90.0 and -180.0 <= float(lon) <= 180.0):
                problems.append("devices line %d: lat/lon out of range" % ln)
            doc = json.loads(twin)
            if jdumps(doc) != twin:
                problems.append("devices line %d: twin not in canonical compact form" % ln)
            if doc["deviceId"] != dev_id or doc["tags"]["type"] != model:
                problems.append("devices line %d: twin deviceId/type mismatch" % ln)
    for ln, p in parents:
        if p not in ids:
            problems.append("devices line %d: unknown parent %s" % (ln, p))
    pairs = set()
    with open(os.path.join(out_dir, "relationships.copy"), encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 4:
                problems.append("relationships line %d: %d columns" % (ln, len(cols)))
                continue
            s, t, kind, props = map(copy_unescape, cols)
            if s not in ids or t not in ids:
                problems.append("relationships line %d: unknown endpoint" % ln)
            if props is not None and jdumps(json.loads(props)) != props:
                problems.append("relationships line %d: properties not canonical JSON" % ln)
            if kind == "connectedTo":
                if not s < t:
                    problems.append("relationships line %d: connectedTo not lower->higher" % ln)
                if (s, t) in pairs:
                    problems.append("relationships line %d: duplicate connectedTo pair" % ln)
                pairs.add((s, t))
    return problems


def main(argv=None):
    ap = argparse.ArgumentParser(description="Generate a deterministic smart-city twin dataset "
                                 "(devices.copy, relationships.copy in PostgreSQL COPY text format).")
    ap.add_argument("--twins", type=int, required=True,
                    help="total number of rows in devices.copy (hierarchy nodes + devices), >= %d" % MIN_TWINS)
    ap.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    ap.add_argument("--out", required=True, help="output directory (created if missing)")
    ap.add_argument("--check", action="store_true",
                    help="re-read the files and validate them (ids, references, JSON, ranges)")
    args = ap.parse_args(argv)
    if args.twins < MIN_TWINS:
        ap.error("--twins must be at least %d" % MIN_TWINS)
    os.makedirs(args.out, exist_ok=True)

    models, kinds, secs = generate(args.twins, args.seed, args.out)
    print("smart-city twins=%d seed=%d devices: %s | relationships=%d: %s | %.2fs -> %s"
          % (args.twins, args.seed,
             " ".join("%s=%d" % kv for kv in models.items()),
             sum(kinds.values()),
             " ".join("%s=%d" % kv for kv in kinds.items()),
             secs, args.out), file=sys.stderr)
    if args.check:
        problems = check(args.out)
        for p in problems[:20]:
            print("check: " + p, file=sys.stderr)
        if problems:
            print("check: %d problem(s)" % len(problems), file=sys.stderr)
            return 1
        print("check: ok", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
