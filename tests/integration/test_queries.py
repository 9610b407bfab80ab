"""queries/: every SQL file of the query library runs with psql against a database the demo's
job wrote (the generated smart city, datasets/smart_city.job.json, run twice with relationships
changed in between), and its answer is checked against an independent computation: Python over
the same tables, networkx for reachability and communities, PostGIS for distances."""
import csv
import io
import math
import os
import subprocess
from collections import Counter, defaultdict

import networkx as nx

from twintest import REPO, Database, Tally, run_job

tally = Tally()
check = tally.check
QUERIES = os.path.join(REPO, "queries")
JOB = os.path.join(REPO, "datasets", "smart_city.job.json")


def psql(db, name, **variables):
    """Runs queries/<name>.sql; returns its result sets as lists of dicts (text values)."""
    cmd = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--csv", "-d", db.name, "-f", os.path.join(QUERIES, name + ".sql")]
    for key, value in variables.items():
        cmd += ["-v", f"{key}={value}"]
    env = dict(os.environ, PGHOST=db.env["PGHOST"], PGPORT=db.env["PGPORT"], PGUSER=db.env["PGUSER"])
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if not check(proc.returncode == 0, f"{name}: psql exited {proc.returncode}: {proc.stderr[-600:]}"):
        return []
    # Result sets follow one another, each with its header line.
    sets, lines = [], proc.stdout.splitlines()
    i = 0
    while i < len(lines):
        header = lines[i]
        j = i + 1
        width = len(next(csv.reader([header])))
        while j < len(lines) and not (lines[j] == header or
                                      (lines[j].count(",") != header.count(",") and j + 1 < len(lines)
                                       and len(next(csv.reader([lines[j]]))) != width)):
            j += 1
        sets.append(list(csv.DictReader(io.StringIO("\n".join(lines[i:j])))))
        i = j
    return sets


def num(text):
    return None if text in ("", None) else float(text)


with Database("queries") as db:
    env = dict(os.environ, PGHOST=db.env["PGHOST"], PGPORT=db.env["PGPORT"], PGUSER=db.env["PGUSER"], PGDATABASE=db.name)
    subprocess.run([os.path.join(REPO, "datasets", "load_smart_city.sh"), "--twins", "3000"], env=env, check=True,
                   capture_output=True)
    run_job(db, open(JOB).read())
    run1 = dict((r[0], r) for r in db.query("SELECT * FROM features.device_features"))
    between = db.query("SELECT clock_timestamp()")[0][0]
    # Rewire: drop a tenth of the relationships, so the second run differs.
    db.execute("DELETE FROM twin.relationships WHERE abs(hashtext(source_id || target_id || kind)) % 10 = 0")
    run_job(db, open(JOB).read())
    runs = [r for (r,) in db.query("SELECT run_id FROM features.runs WHERE status = 'succeeded' ORDER BY run_id")]

    devices = {r[0]: r for r in db.query("SELECT device_id, parent_id, model, lat, lon FROM twin.devices")}
    rels = db.query("SELECT source_id, target_id, kind FROM twin.relationships")
    cols = [c for (c,) in db.query("SELECT attname FROM pg_attribute WHERE attrelid = 'features.device_features'::regclass"
                                    " AND attnum > 0 AND NOT attisdropped ORDER BY attnum")]
    feats = {r[0]: dict(zip(cols, r)) for r in db.query("SELECT * FROM features.device_features")}
    check(len(feats) == 3000 and len(runs) == 2, f"setup: {len(feats)} twins, runs {runs}")

    def ancestor(twin, model):
        p = devices[twin][1]
        while p is not None:
            if devices[p][2] == model:
                return p
            p = devices[p][1]
        return None

    # --- top_influential_per_district -------------------------------------------------------------
    for order_by in ("pagerank", "influence_ic"):
        got = psql(db, "top_influential_per_district", k=3, order_by=order_by)
        got = got[0] if got else []
        groups = defaultdict(list)
        for t in feats:
            a = ancestor(t, "district")
            if a:
                groups[a].append(t)
        want = set()
        for g, members in groups.items():
            members.sort(key=lambda t: (-feats[t][order_by], t))
            # rank() gives ties the same rank: everything tied with the third is in
            cut = feats[members[min(2, len(members) - 1)]][order_by]
            want |= {(g, t) for t in members if feats[t][order_by] > cut or (feats[t][order_by] == cut and members.index(t) < 3)}
        check({(r["group_id"], r["device_id"]) for r in got} == want,
              f"top per district by {order_by}: {len(got)} rows, want {len(want)}")

    # --- twins_near_point / twins_near_twin, against PostGIS ---------------------------------------
    db.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    some = sorted(t for t in devices if devices[t][3] is not None)[100]
    lat, lon = devices[some][3], devices[some][4]
    for radius in (150, 1000):
        got = psql(db, "twins_near_point", lat=lat, lon=lon, radius_m=radius)
        got = {r["device_id"]: float(r["distance_m"]) for r in (got[0] if got else [])}
        truth = dict(db.query(
            "SELECT device_id, ST_Distance(geography(ST_MakePoint(lon, lat)), geography(ST_MakePoint(%s, %s)))"
            " FROM twin.devices WHERE lat IS NOT NULL AND ST_DWithin(geography(ST_MakePoint(lon, lat)),"
            " geography(ST_MakePoint(%s, %s)), %s * 1.01)", (lon, lat, lon, lat, radius)))
        sure = {t for t, d in truth.items() if d <= radius * 0.99}
        check(sure <= set(got) <= set(truth), f"near point r={radius}: {len(got)} twins; PostGIS {len(sure)}..{len(truth)}")
        worst = max((abs(got[t] - truth[t]) - 0.005 * truth[t] for t in got if t in truth), default=0)
        check(worst <= 0.05, f"near point r={radius}: distances differ from PostGIS by {worst:.3f} m beyond 0.5 %")
    got = psql(db, "twins_near_twin", twin=some, radius_m=1000)
    got = got[0] if got else []
    check(some not in {r["device_id"] for r in got} and len(got) > 0, f"near twin: {len(got)} rows")
    check(all((r["same_parent"] == "t") == (devices[r["device_id"]][1] == devices[some][1]) for r in got),
          "near twin: same_parent")

    # --- rollout_stragglers ------------------------------------------------------------------------
    got = psql(db, "rollout_stragglers", limit=10000)
    got = got[0] if got else []
    per_parent = Counter(devices[t][1] for t, f in feats.items() if f["rollout_in_sync"] is False)
    check({r["parent_id"]: int(r["stragglers"]) for r in got} == dict(per_parent),
          f"stragglers per parent: {len(got)} parents, want {len(per_parent)}")
    check([int(r["stragglers"]) for r in got] == sorted((int(r["stragglers"]) for r in got), reverse=True),
          "stragglers: worst parents first")

    # --- blast_radius, against networkx and the engine's dark_if_fails ------------------------------
    G = nx.MultiDiGraph()
    G.add_nodes_from(devices)
    G.add_edges_from((s, t) for s, t, k in rels if k in ("feeds", "monitors") and s != t)
    for twin in sorted(feats, key=lambda t: (-(feats[t]["reach_downstream"] or 0), t))[:4]:
        sets = psql(db, "blast_radius", twin=twin)
        rows, summary = (sets + [[], []])[:2]
        down = nx.descendants(G, twin)
        check({r["device_id"] for r in rows} == down, f"blast radius {twin}: {len(rows)} rows, networkx {len(down)}")
        dist = nx.single_source_shortest_path_length(G, twin)
        check(all(int(r["hops"]) == dist[r["device_id"]] for r in rows), f"blast radius {twin}: hops")
        dark = sum(r["goes_dark"] == "t" for r in rows)
        check(summary and int(summary[0]["reach_downstream"]) == len(rows)
              and int(summary[0]["dark_if_fails"] or 0) == dark,
              f"blast radius {twin}: {len(rows)} downstream, {dark} dark; engine {summary}")

    # --- community_summary and community_bridges ---------------------------------------------------
    got = psql(db, "community_summary")
    got = got[0] if got else []
    members = defaultdict(Counter)
    for t, f in feats.items():
        a = t if devices[t][2] == "district" else ancestor(t, "district")
        if a:
            members[a][f["community_leiden"]] += 1
    check({r["group_id"]: (int(r["twins"]), int(r["communities"])) for r in got}
          == {g: (sum(c.values()), len(c)) for g, c in members.items()}, "community summary: twins and communities")
    check(all(math.isclose(float(r["largest_community_share"]),
                           round(max(members[r["group_id"]].values()) / sum(members[r["group_id"]].values()), 3))
              for r in got), "community summary: largest share")
    got = psql(db, "community_bridges", limit=100000)
    got = got[0] if got else []
    pairs = Counter()
    for a, b in [(s, t) for s, t, _ in rels] + [(p, t) for t, (_, p, *_) in devices.items() if p]:
        ca, cb = feats[a]["community_leiden"], feats[b]["community_leiden"]
        if ca != cb:
            pairs[(min(ca, cb), max(ca, cb))] += 1
    check({(int(r["community_a"]), int(r["community_b"])): int(r["links"]) for r in got} == dict(pairs),
          f"bridges: {len(got)} pairs, want {len(pairs)}")

    # --- training_set_as_of: the first run's features, not the second's ---------------------------
    db.execute("CREATE TABLE public.labels AS SELECT device_id, random() < 0.5 AS failed FROM twin.devices")
    labelled = psql(db, "training_set_as_of", as_of=between.isoformat(), labels="public.labels")
    labelled = labelled[0] if labelled else []
    check(len(labelled) == 3000 and "failed" in labelled[0] and list(labelled[0]).count("device_id") == 1,
          f"training set with labels: {len(labelled)} rows")
    got = psql(db, "training_set_as_of", as_of=between.isoformat())
    got = got[0] if got else []
    check(len(got) > 0 and all(int(r["run_id"]) == runs[0] for r in got), "as of between the runs: run 1's rows")
    check(all(math.isclose(float(r["pagerank"]), run1[r["device_id"]][cols.index("pagerank")]) for r in got),
          "as of between the runs: run 1's pagerank")

    # --- feature_drift ------------------------------------------------------------------------------
    got = psql(db, "feature_drift", feature="degree", limit=50)
    got = got[0] if got else []
    hist = defaultdict(dict)
    for run_id, t, d in db.query("SELECT run_id, device_id, degree FROM features.device_features_history"):
        hist[run_id][t] = d

    def ranks(values):
        return {t: 1 + sum(1 for u in values.values() if u > v) for t, v in values.items()}

    ra, rb = ranks(hist[runs[0]]), ranks(hist[runs[1]])
    change = sorted((abs(rb[t] - ra[t]) for t in ra), reverse=True)[:50]
    check([abs(int(r["rank_change"])) for r in got] == change, "drift: the largest rank changes")
    bad = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db.name, "-v", "feature=no_such_feature",
                          "-f", os.path.join(QUERIES, "feature_drift.sql")], capture_output=True, text=True,
                         env=dict(os.environ, PGHOST=db.env["PGHOST"], PGPORT=db.env["PGPORT"], PGUSER=db.env["PGUSER"]))
    check(bad.returncode != 0 and "no_such_feature" in bad.stderr, f"drift of an unknown feature: {bad.stderr[-200:]}")

    # --- suspicious_twins ------------------------------------------------------------------------------
    got = psql(db, "suspicious_twins", max_parent_m=2000)
    got = got[0] if got else []
    touched = {s for s, _, _ in rels} | {t for _, t, _ in rels} | {p for _, p, *_ in devices.values() if p}
    want = {}
    for t, (_, p, _, la, lo) in devices.items():
        reasons = []
        if la is None or lo is None:
            reasons.append("no location")
        if la == 0 and lo == 0:
            reasons.append("at (0, 0)")
        if t not in touched:
            reasons.append("no relationships and no children")
        if (feats[t]["geo_parent_dist_m"] or 0) > 2000:
            reasons.append("far from its parent")
        if reasons:
            want[t] = reasons
    got_reasons = {r["device_id"]: r["reasons"].strip("{}").replace('"', "").split(",") for r in got}
    check(got_reasons == want, f"suspicious: {len(got)} twins, want {len(want)}")

    # --- hierarchy_rollups ---------------------------------------------------------------------------
    got = psql(db, "hierarchy_rollups")
    got = got[0] if got else []
    depth = {}
    for t in devices:
        d, p = 0, devices[t][1]
        while p is not None:
            d, p = d + 1, devices[p][1]
        depth[t] = d
    groups = defaultdict(list)
    for t in devices:
        groups[(devices[t][2], depth[t])].append(feats[t]["degree"])
    check({(r["model"], int(r["depth"])): (int(r["twins"]), float(r["mean_degree"])) for r in got}
          == {k: (len(v), round(sum(v) / len(v), 3)) for k, v in groups.items()}, "rollups: counts and mean degree")

    # --- combined_score_view ---------------------------------------------------------------------------
    got = psql(db, "combined_score_view")
    scores = dict(db.query("SELECT device_id, score FROM features.twin_criticality"))
    n = len(feats)

    def percent_rank(key):
        values = {t: (feats[t][key] if feats[t][key] is not None else 0) for t in feats}
        ordered = sorted(values.values())
        import bisect
        return {t: bisect.bisect_left(ordered, v) / (n - 1) for t, v in values.items()}

    parts = [percent_rank(k) for k in ("pagerank", "betweenness", "influence_ic", "dark_if_fails")]
    check(all(math.isclose(scores[t], sum(p[t] for p in parts) / 4, abs_tol=1e-12) for t in feats),
          "combined score: mean of the four percentile ranks")
    check(got and len(got[-1]) == 10 and float(got[-1][0]["score"]) == round(max(scores.values()), 4),
          "combined score: the top ten, highest first")

    files = sorted(f for f in os.listdir(QUERIES) if f.endswith(".sql"))
    for f in files:
        head = [line for line in open(os.path.join(QUERIES, f)).read().split("\n") if line.startswith("--")]
        check(head[0].startswith("-- What it answers:") and any(h.startswith("-- Example:") for h in head),
              f"{f}: opens with what it answers and an example")
    check(len(files) >= 10, f"{len(files)} queries")

tally.report("queries")
