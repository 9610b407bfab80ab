"""Oracle: the rollout feature against a Python reference computed from the same jsonb rows.

Twins of a generated city > district > intersection > device hierarchy with relationships carry
IoT Hub device twins whose desired model.version is being rolled out: in sync, pending, reported
missing or null, numbers written as 1 and 1.0, objects with their keys in another order, arrays,
$version and $metadata.$lastUpdated present, missing or malformed. The reference reads the rows
back with psycopg2, decodes them with Python's json (whose == is JSON equality by value) and
computes neighbours and subtrees with networkx."""
import datetime
import json
import random
import re
from decimal import Decimal
import sys

import networkx as nx

from oracle_common import OracleChecker
from twintest import Database, run_job, run_twingraph, write_job

ck = OracleChecker()
AS_OF = "2026-11-28T12:00:00Z"
AS_OF_S = datetime.datetime(2026, 11, 28, 12, tzinfo=datetime.timezone.utc).timestamp()


def stamp(rng):
    """A $lastUpdated in one of the shapes IoT Hub and hand-made twins use, or a broken one."""
    t = AS_OF_S - rng.uniform(0, 30 * 86400)
    dt = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    shape = rng.randrange(5)
    if shape == 0:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond:06d}" + "Z"
    if shape == 1:
        return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    if shape == 2:
        return (dt + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S") + "+02:00"
    if shape == 3:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return "yesterday"


def EXACT(text):
    """A number written exactly as text into the twin document (see dumps)."""
    return "\u0001" + text


def dumps(doc):
    """json.dumps, with EXACT numbers spelt as given rather than as Python would print them."""
    return re.sub('"\\\\u0001([^"]*)"', r"\1", json.dumps(doc))


def values(rng):
    """(desired, reported) pairs, as Python values; None for absent."""
    v = rng.randrange(16)
    if v == 13:
        return EXACT("0.1"), EXACT("0.10000000000000001")       # equal as doubles, not as numbers
    if v == 14:
        return EXACT("9007199254740993"), EXACT("9007199254740992.0")  # likewise
    if v == 15:
        return EXACT("1e400"), EXACT("10E399")                   # beyond a double, equal numbers
    if v == 12:
        return True, 1                                           # true is not the number 1
    want = rng.choice(["2.1.0", "2.0.3"])
    if v < 5:
        return want, want                                        # in sync
    if v == 5:
        return want, "1.9.9"                                     # behind
    if v == 6:
        return want, None                                        # never reported
    if v == 7:
        return 3, 3.0                                            # equal numbers, different spelling
    if v == 8:
        return {"name": "det", "rev": [1, 2]}, {"rev": [1, 2], "name": "det"}  # key order
    if v == 9:
        return [1, 2], [2, 1]                                    # arrays differ
    if v == 10:
        return None, want                                        # nothing desired
    return want, "null"                                          # reported JSON null


def build(rng, n_districts=6, n_intersections=8, n_devices=5):
    devices, relationships, docs = [], [], {}
    city = "city-1"
    devices.append((city, None, "city", None, None, None))
    for d in range(n_districts):
        district = f"{city}/d-{d}"
        devices.append((district, city, "district", None, None, json.dumps({"deviceId": district})))
        for x in range(n_intersections):
            inter = f"{district}/x-{x}"
            devices.append((inter, district, "intersection", None, None, None))
            for k in range(n_devices):
                dev = f"{inter}/dev-{k}"
                desired_value, reported_value = values(rng)
                desired = {"$version": rng.randrange(1, 40)}
                reported = {"$version": rng.randrange(1, 40)}
                if rng.random() < 0.1:
                    del desired["$version"]
                if desired_value is not None:
                    desired["model"] = {"version": desired_value}
                meta = {}
                if reported_value is not None:
                    reported["model"] = {"version": None if reported_value == "null" else reported_value}
                    if rng.random() < 0.85:
                        meta = {"model": {"version": {"$lastUpdated": stamp(rng)}}}
                reported["$metadata"] = meta
                twin = {"deviceId": dev, "properties": {"desired": desired, "reported": reported}}
                docs[dev] = twin
                devices.append((dev, inter, "camera", None, None, dumps(twin)))
                if rng.random() < 0.6:
                    relationships.append((dev, f"{district}/x-{rng.randrange(n_intersections)}/dev-{rng.randrange(n_devices)}",
                                          "feeds"))
    return devices, relationships


def parse_time(text):
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except (ValueError, AttributeError):
        return None


def json_eq(a, b):
    """JSON equality as jsonb has it: numbers by value, but true is no number."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float, Decimal)) and isinstance(b, (int, float, Decimal)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_eq(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_eq(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def reference(db):
    """{twin: expected columns}, from the rows as the database holds them."""
    # Numbers as Decimal: jsonb compares them exactly, and so must the reference.
    rows = [(d, p, json.loads(t, parse_float=Decimal) if t is not None else None) for d, p, t in
            db.query("SELECT device_id, parent_id, twin::text FROM twin.devices")]
    rels = db.query("SELECT source_id, target_id FROM twin.relationships")
    g = nx.Graph()
    g.add_nodes_from(r[0] for r in rows)
    g.add_edges_from((r[0], r[1]) for r in rows if r[1] is not None)
    g.add_edges_from((a, b) for a, b in rels if a != b)
    tree = nx.DiGraph()
    tree.add_nodes_from(r[0] for r in rows)
    tree.add_edges_from((r[1], r[0]) for r in rows if r[1] is not None)
    state = {}
    for twin, _, doc in rows:
        props = (doc or {}).get("properties", {})
        desired, reported = props.get("desired", {}), props.get("reported", {})
        d = desired.get("model", {}).get("version") if isinstance(desired.get("model"), dict) else None
        r = reported.get("model", {}).get("version") if isinstance(reported.get("model"), dict) else None
        is_set = d is not None
        sync = is_set and r is not None and json_eq(d, r)
        lag = desired.get("$version") - reported.get("$version") \
            if is_set and isinstance(desired.get("$version"), int) and isinstance(reported.get("$version"), int) else None
        meta = reported.get("$metadata", {}).get("model", {}).get("version", {}) if is_set else {}
        t = parse_time(meta.get("$lastUpdated")) if isinstance(meta, dict) else None
        state[twin] = {"set": is_set, "sync": sync, "lag": lag, "age": AS_OF_S - t if t is not None else None}
    def share(twins):
        has = [u for u in twins if state[u]["set"]]
        return sum(state[u]["sync"] for u in has) / len(has) if has else None
    out = {}
    for twin in state:
        s = state[twin]
        subtree = share([twin] + list(nx.descendants(tree, twin)))
        out[twin] = {"rollout_in_sync": s["sync"] if s["set"] else None,
                     "rollout_pending": (not s["sync"]) if s["set"] else None,
                     "rollout_version_lag": s["lag"],
                     "rollout_report_age_s": s["age"] if s["set"] else None,
                     "rollout_nbr_sync_frac": share(list(g.neighbors(twin))),
                     "rollout_subtree_sync_frac": subtree}
    depth = {}
    for twin in nx.topological_sort(tree):
        preds = list(tree.predecessors(twin))
        depth[twin] = depth[preds[0]] + 1 if preds else 0
    for twin in state:
        path = [twin] + list(reversed(list(nx.ancestors(tree, twin))))
        chain = [twin]
        while list(tree.predecessors(chain[-1])):
            chain.append(list(tree.predecessors(chain[-1]))[0])
        district = next((a for a in chain if depth[a] == 1), None)
        inter = next((a for a in chain if a.rsplit("/", 1)[-1].startswith("x-") and depth[a] == 2), None)
        out[twin]["rollout_anc_district_sync_frac"] = out[district]["rollout_subtree_sync_frac"] if district else None
        out[twin]["ro_x"] = out[inter]["rollout_subtree_sync_frac"] if inter else None
        del path
    return out


def close(a, b, tol=1e-9):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol * max(1.0, abs(b))


SPEC = {"graph": {"layers": ["hierarchy", "relationships"]},
        "features": [{"name": "rollout", "key": "model.version", "as_of": AS_OF, "levels": {"district": 1}},
                     {"name": "rollout", "key": "model.version", "column": "ro", "as_of": AS_OF,
                      "models": ["intersection"]}],
        "output": {"table": "features.device_features"}}

with Database("oracle_rollout") as db:
    rng = random.Random(10)
    devices, relationships = build(rng)
    db.load(devices, relationships)
    run_job(db, SPEC)
    rows = db.features()
    want = reference(db)
    counts = {"set": 0, "sync": 0, "age": 0, "lag": 0}
    for twin, expected in want.items():
        got = rows[twin]
        for col in ("rollout_in_sync", "rollout_pending", "rollout_version_lag"):
            ck.equal(f"{twin} {col}", got[col], expected[col])
        for col in ("rollout_report_age_s", "rollout_nbr_sync_frac", "rollout_subtree_sync_frac",
                    "rollout_anc_district_sync_frac"):
            ck.check(close(got[col], expected[col], 1e-12) if col != "rollout_report_age_s" else
                     (got[col] is None and expected[col] is None) or
                     (None not in (got[col], expected[col]) and abs(got[col] - expected[col]) <= 1e-3),
                     f"{twin} {col}: got {got[col]!r}, reference {expected[col]!r}")
        ck.check(close(got["ro_anc_intersection_sync_frac"], expected["ro_x"], 1e-12),
                 f"{twin} ro_anc_intersection_sync_frac: got {got['ro_anc_intersection_sync_frac']!r}, "
                 f"reference {expected['ro_x']!r}")
        ck.equal(f"{twin} ro_in_sync (second entry)", got["ro_in_sync"], expected["rollout_in_sync"])
        counts["set"] += expected["rollout_in_sync"] is not None
        counts["sync"] += bool(expected["rollout_in_sync"])
        counts["age"] += expected["rollout_report_age_s"] is not None
        counts["lag"] += expected["rollout_version_lag"] is not None
    print(f"rollout: {len(want)} twins, {counts['set']} with the key desired, {counts['sync']} in sync, "
          f"{counts['age']} report ages, {counts['lag']} version lags")
    ck.true("the data has every case", all(counts[k] > 20 for k in counts) and counts["sync"] < counts["set"])
    details = db.query("SELECT feature_details FROM features.runs ORDER BY run_id DESC LIMIT 1")[0][0]
    ck.equal("as_of is recorded", details[0].get("as_of"), "2026-11-28T12:00:00.000Z")
    ck.equal("pending count recorded", details[0].get("pending"), counts["set"] - counts["sync"])
    warnings = db.query("SELECT warnings FROM features.runs ORDER BY run_id DESC LIMIT 1")[0][0]
    ck.true("an unreadable $lastUpdated is warned about", any("$lastUpdated" in w for w in warnings), repr(warnings))

    # Without as_of the reference time is the run's: ages are positive and recorded.
    spec = dict(SPEC, features=[{"name": "rollout", "key": "model.version"}])
    run_job(db, spec)
    details = db.query("SELECT feature_details FROM features.runs ORDER BY run_id DESC LIMIT 1")[0][0]
    recorded = parse_time(details[0]["as_of"])
    now = datetime.datetime.now(datetime.timezone.utc).timestamp()
    ck.true("the default as_of is the run's time", recorded is not None and abs(now - recorded) < 600, repr(details))

    # A JSON null document reads as no document, like SQL NULL.
    db.execute("UPDATE twin.devices SET twin = 'null' WHERE device_id = 'city-1/d-0/x-0/dev-1'")
    run_job(db, SPEC)
    ck.equal("a JSON null twin has no rollout", db.features()["city-1/d-0/x-0/dev-1"]["rollout_in_sync"], None)

    # A twin document that is not an object: an error naming the twin, or skipped and counted.
    db.execute("UPDATE twin.devices SET twin = '[1, 2]' WHERE device_id = 'city-1/d-0/x-0/dev-0'")
    proc = run_twingraph(["run", write_job(SPEC), "--allow-shrink"], db=db, check=False)
    ck.true("a non-object twin fails the job", proc.returncode == 1, proc.stderr[-300:])
    ck.true("the error names the twin", '"city-1/d-0/x-0/dev-0"' in proc.stderr and "not an object" in proc.stderr,
            proc.stderr[-300:])
    run_job(db, dict(SPEC, source={"on_bad_twin": "skip"}))
    rows = db.features()
    ck.equal("the skipped twin has no rollout", rows["city-1/d-0/x-0/dev-0"]["rollout_in_sync"], None)
    warnings = db.query("SELECT warnings FROM features.runs ORDER BY run_id DESC LIMIT 1")[0][0]
    ck.true("the skip is warned about", any("not a JSON object" in w for w in warnings), repr(warnings))

    # A key or path that names nothing is warned about (a common slip: the full path as the key).
    run_job(db, dict(SPEC, source={"on_bad_twin": "skip"},
                     features=[{"name": "rollout", "key": "properties.desired.model.version"},
                               {"name": "twin_value", "path": "$.tags.x", "type": "text", "column": "tx"}]))
    warnings = db.query("SELECT warnings FROM features.runs ORDER BY run_id DESC LIMIT 1")[0][0]
    ck.true("a rollout key no twin sets is warned about", any("no twin's desired properties set" in w for w in warnings),
            repr(warnings))
    ck.true("a twin_value path nothing has is warned about", any("no twin document has a value at $.tags.x" in w
                                                                 for w in warnings), repr(warnings))

    # Bad parameters are spec errors.
    for bad, words in ((dict(key="model..version"), "keys joined by dots"), (dict(as_of="tomorrow"), "not a timestamp"),
                       (dict(column="Roll Out"), "lowercase"), (dict(column="9x"), "starting with a letter"),
                       (dict(key="model.\u0007"), "control character"),
                       (dict(models=["dtmi:example:grid:plants:domesticConsumer;1"]), "--short-models")):
        entry = dict({"name": "rollout", "key": "model.version"}, **bad)
        proc = run_twingraph(["validate", write_job(dict(SPEC, features=[entry]))], check=False)
        ck.true(f"spec error for {bad}", proc.returncode == 1 and words in proc.stderr, proc.stderr[-200:])

    # With a layer only the neighbour share is named for it: the rest does not depend on it.
    entry = {"name": "rollout", "key": "model.version", "layer": "relationships", "models": ["district"]}
    out = run_twingraph(["validate", write_job(dict(SPEC, features=[entry]))]).stdout
    names = [line.split()[0] for line in out.splitlines()[1:]]
    ck.true("a layer names only rollout_nbr_sync_frac", names == [
        "rollout_in_sync", "rollout_pending", "rollout_version_lag", "rollout_report_age_s",
        "rollout_nbr_sync_frac_relationships", "rollout_subtree_sync_frac", "rollout_anc_district_sync_frac"], repr(names))

try:
    ck.finish("rollout")
except AssertionError as e:
    print(e)
    sys.exit(1)
