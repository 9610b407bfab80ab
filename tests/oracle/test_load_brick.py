"""Oracle: `twingraph load --format brick` against rdflib.

The two Brick samples in datasets/external (Soda Hall, Rice Hall) and a hand-written file that
reaches every rule are loaded with the real CLI, and the tables are compared with the same rules
computed independently from rdflib's parse of the file (Debian's python3-rdflib): the twin set,
each twin's model, parent and document, and the multiset of relationships; with local names and
with --full-iris. Then the errors: a Turtle syntax error names the line rdflib names, two IRIs
with one local name name both and hint at --full-iris, and neither writes anything.

The rules (engine/load/tg_load_brick.h):
  twin      an IRI subject with an rdf:type whose object is an IRI, unless it is an ontology term:
            all its classes in rdf/rdfs/owl/xsd, or itself a class of a subject in the file, or its
            IRI in a Brick vocabulary namespace (Brick#, BrickFrame#, BrickTag#, BrickShape#,
            Brick/ref# under brickschema.org/schema/[VERSION/] or buildsys.org/ontologies/)
  model     the smallest local name (byte order) among its classes outside rdf/rdfs/owl/xsd
  id        the local name (after the last '#' or '/'), or the IRI with --full-iris
  document  {"$iri", "$types", "tags", "properties"} (tags and properties only when not empty)
  relation  any other triple between two twins, kind = the predicate's local name
  parent    X isPartOf Y > Y hasPart X > X hasLocation Y, then the first such triple in the file;
            a relationship stating a twin's chosen parent is not also written as a relationship
"""
import math
import os
import re
import sys
import tempfile
from collections import Counter

import rdflib
from rdflib import RDF, Literal, URIRef

from oracle_common import OracleChecker
from twintest import REPO, Database, run_twingraph

# Compare lexical forms as the file writes them ("INF", "01"), not rdflib's normalised ones.
rdflib.NORMALIZE_LITERALS = False

SAMPLES = os.path.join(REPO, "datasets", "external", "brick-soda-rice")
SODA = os.path.join(SAMPLES, "soda_brick.ttl")
RICE = os.path.join(SAMPLES, "rice_brick.ttl")
TMP = tempfile.TemporaryDirectory(prefix="twingraph-brick-")

META = ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://www.w3.org/2000/01/rdf-schema#",
        "http://www.w3.org/2002/07/owl#", "http://www.w3.org/2001/XMLSchema#")
XSD = "http://www.w3.org/2001/XMLSchema#"
BRICK_VOCABULARY = re.compile(r"(https://brickschema\.org/schema/|http://brickschema\.org/schema/|"
                              r"http://buildsys\.org/ontologies/)([^/#]+/)?"
                              r"(Brick|BrickFrame|BrickTag|BrickShape|Brick/ref)#")
PARENT_RULES = [("isPartOf", False), ("hasPart", True), ("hasLocation", False)]  # (kind, source is parent)
XSD_INTEGERS = {"integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
                "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort",
                "unsignedByte"}

ck = OracleChecker()


# --- the reference -------------------------------------------------------------------------

def local_name(iri):
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[cut + 1:] if cut >= 0 and cut + 1 < len(iri) else iri


class OrderedGraph(rdflib.Graph):
    """A graph that also keeps its triples in the order rdflib's Turtle parser produced them
    (first occurrence): "first in the file" decides between parents of one rule."""

    def __init__(self):
        super().__init__()
        self.order = []

    def add(self, triple):
        if triple not in self:
            self.order.append(triple)
        return super().add(triple)


def json_value(literal):
    """A literal as the twin document holds it: xsd integers, decimals, doubles and booleans as
    JSON values when their lexical form is valid (and finite, and within 64 bits), else the text."""
    text = str(literal)
    datatype = str(literal.datatype or "")
    if datatype.startswith(XSD):
        name = datatype[len(XSD):]
        if name in XSD_INTEGERS and re.fullmatch(r"[+-]?[0-9]+", text) and -2**63 <= int(text) < 2**63:
            return int(text)
        number = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"
        if ((name == "decimal" and re.fullmatch(number, text))
                or (name in ("double", "float") and re.fullmatch(number + r"([eE][+-]?[0-9]+)?", text))) \
                and math.isfinite(float(text)):
            return float(text)
        if name == "boolean" and text in ("true", "1", "false", "0"):
            return text in ("true", "1")
    return text


def reference(path, full_iris=False):
    """The tables `twingraph load --format brick` should write, from rdflib's parse of path:
    {"devices": {id: (parent, model, document)}, "relationships": Counter((source, target, kind)),
     "skipped": n, "several_parents": n} or {"collision": (iri, iri)}."""
    g = OrderedGraph()
    g.parse(path, format="turtle")
    classes, used_as_class, subjects = {}, set(), {}
    for s, p, o in g.order:
        subjects.setdefault(s, None)
        if p == RDF.type and isinstance(o, URIRef):
            classes.setdefault(s, []).append(str(o))
            used_as_class.add(o)
    model = {}
    for s in subjects:
        if not isinstance(s, URIRef) or s not in classes:
            continue
        domain = [c for c in classes[s] if not c.startswith(META)]
        if not domain or s in used_as_class or str(s).startswith(META) or BRICK_VOCABULARY.match(str(s)):
            continue  # a term of an ontology
        model[s] = min((local_name(c) for c in domain), key=lambda name: name.encode())
    ids, by_id = {}, {}
    for s in model:
        ids[s] = str(s) if full_iris else local_name(str(s))
        if ids[s] in by_id:
            return {"collision": (str(by_id[ids[s]]), str(s))}
        by_id[ids[s]] = s

    docs = {s: {"$iri": str(s), "$types": []} for s in model}
    relationships, skipped = [], 0
    for s, p, o in g.order:
        if s not in model:
            skipped += 1
        elif p == RDF.type:
            if isinstance(o, URIRef):
                if local_name(str(o)) not in docs[s]["$types"]:
                    docs[s]["$types"].append(local_name(str(o)))
            else:
                skipped += 1
        elif isinstance(o, Literal):
            properties = docs[s].setdefault("properties", {})
            key, value = local_name(str(p)), json_value(o)
            if key not in properties:
                properties[key] = value
            elif isinstance(properties[key], list):
                properties[key].append(value)
            else:
                properties[key] = [properties[key], value]
        elif isinstance(o, URIRef) and local_name(str(p)) == "hasTag":
            tags = docs[s].setdefault("tags", [])
            if local_name(str(o)) not in tags:
                tags.append(local_name(str(o)))
        elif o in model:
            relationships.append((ids[s], ids[o], local_name(str(p))))
        else:
            skipped += 1

    def proposal(relationship):
        """(rule rank, child, parent) of a parent-rule relationship, else None."""
        source, target, kind = relationship
        for rank, (rule, source_is_parent) in enumerate(PARENT_RULES):
            if kind == rule:
                return (rank, target, source) if source_is_parent else (rank, source, target)
        return None

    best, candidates = {}, {}
    for relationship in relationships:
        link = proposal(relationship)
        if link:
            rank, child, parent = link
            candidates.setdefault(child, set()).add(parent)
            if child not in best or rank < best[child][0]:
                best[child] = (rank, parent)
    parent = {child: p for child, (_, p) in best.items()}
    written = Counter(r for r in relationships if not (proposal(r) and parent.get(proposal(r)[1]) == proposal(r)[2]))
    return {"devices": {ids[s]: (parent.get(ids[s]), model[s], docs[s]) for s in model},
            "relationships": written, "all_relationships": Counter(relationships), "skipped": skipped,
            "several_parents": sum(len(c) > 1 for c in candidates.values())}


# --- the CLI and the tables ------------------------------------------------------------------

def load(db, path, *args, check=True):
    return run_twingraph(["load", "--format", "brick", path, *args], db=db, check=check)


def tables(db, schema="twin"):
    devices, located = {}, 0
    for device_id, parent_id, model, lat, lon, twin in db.query(
            f"SELECT device_id, parent_id, model, lat, lon, twin FROM {schema}.devices"):
        devices[device_id] = (parent_id, model, twin)
        located += lat is not None or lon is not None
    ck.equal(f"{schema}: twins with a location", located, 0)
    rels, with_properties = Counter(), 0
    for source, target, kind, properties in db.query(
            f"SELECT source_id, target_id, kind, properties FROM {schema}.relationships"):
        rels[(source, target, kind)] += 1
        with_properties += properties is not None
    ck.equal(f"{schema}: relationships with properties", with_properties, 0)
    return devices, rels


def summary_count(out, pattern):
    found = re.search(r"(\d+) " + pattern, out)
    return int(found.group(1)) if found else 0


def compare(label, db, path, want, schema="twin", args=()):
    """Loads path with --replace and compares the tables and the summary with want."""
    out = load(db, path, "--replace", *(["--into", schema] if schema != "twin" else []), *args).stdout
    devices, rels = tables(db, schema)
    ck.equal(f"{label}: number of twins", len(devices), len(want["devices"]))
    missing = sorted(set(want["devices"]) - set(devices))
    extra = sorted(set(devices) - set(want["devices"]))
    ck.true(f"{label}: twins rdflib finds and the table lacks", not missing, repr(missing[:5]))
    ck.true(f"{label}: twins in the table rdflib does not find", not extra, repr(extra[:5]))
    for device_id, (parent, model, doc) in want["devices"].items():
        if device_id not in devices:
            continue
        got_parent, got_model, got_doc = devices[device_id]
        ck.equal(f"{label}: model of {device_id!r}", got_model, model)
        ck.equal(f"{label}: parent of {device_id!r}", got_parent, parent)
        ck.equal(f"{label}: document of {device_id!r}", got_doc, doc)
    ck.equal(f"{label}: relationships by kind", sorted(Counter(k for _, _, k in rels.elements()).items()),
             sorted(Counter(k for _, _, k in want["relationships"].elements()).items()))
    only_table = rels - want["relationships"]
    only_rdflib = want["relationships"] - rels
    ck.true(f"{label}: relationships only in the table", not only_table, repr(list(only_table.items())[:5]))
    ck.true(f"{label}: relationships only in rdflib's", not only_rdflib, repr(list(only_rdflib.items())[:5]))
    ck.true(f"{label}: summary names {len(want['devices'])} twins", f"{len(want['devices'])} twins" in out, out)
    ck.equal(f"{label}: skipped statements in the summary", summary_count(out, "statements skipped"), want["skipped"])
    ck.equal(f"{label}: twins with several parents in the summary", summary_count(out, "twins with several parents"),
             want["several_parents"])
    return devices, rels


def write(name, text):
    path = os.path.join(TMP.name, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


# Every rule on a few lines: several classes, ontology terms of each kind, blank nodes, typed
# literals, tags, relative IRIs, a repeated statement, parents from each rule and a tie.
RULES_TTL = """\
@base <http://example.org/site/> .
@prefix brick: <https://brickschema.org/schema/Brick#> .
@prefix old: <https://brickschema.org/schema/1.0.2/Brick#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix tag: <https://brickschema.org/schema/BrickTag#> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix ex: <bldg#> .

ex:room1 brick:isPartOf ex:floor1 ;
    rdfs:label "Room 1"@en, "Raum 1"@de ;
    brick:area 20.5 ; brick:seats 12 ; brick:big "123456789012345678901234"^^xsd:integer ;
    brick:ratio "0.1"^^xsd:double ; brick:third "0.3333333333333333"^^xsd:double ;
    brick:bad "abc"^^xsd:decimal ; brick:inf "INF"^^xsd:double ; brick:on true ; brick:off "0"^^xsd:boolean ;
    brick:since "2024-01-01"^^xsd:date ;
    brick:hasTag tag:Room, tag:Space, brick:Room ;
    brick:hasUnit unit:M2 .
ex:room1 a brick:Room, owl:NamedIndividual, brick:Space .
<room2> a brick:Room ; brick:isPartOf ex:floor1 ; brick:isPartOf ex:floor1 .
ex:floor1 a brick:Floor ; brick:hasPart ex:room1 ; brick:isPartOf ex:bldg .
ex:bldg a brick:Building .
ex:zone1 a brick:HVAC_Zone ; brick:hasPart ex:room3 .
ex:zone2 a brick:HVAC_Zone ; brick:hasPart ex:room3 .
ex:room3 a brick:Room .
ex:sensor a brick:Temperature, brick:Air_Temperature_Sensor ; brick:hasLocation ex:room3 ; brick:isPointOf ex:room3 .
ex:meter a brick:air_Quality_Sensor, brick:Zone_Air_Sensor .
[] a brick:Room ; brick:isPartOf ex:floor1 .
ex:room1 brick:feeds [ a brick:VAV ] .
ex:Custom a owl:Class .
ex:thing a ex:Custom ; brick:hasPart ex:room1 .
ex:onlymeta a owl:NamedIndividual .
old:CO2_Sensor a owl:NamedIndividual, brick:Point .
brick:Room_Tag a brick:Point .
ex:pointclass a brick:Point .
ex:p1 a ex:pointclass .
ex:room1 brick:feeds ex:thing .
ex:untyped brick:feeds ex:room1 .
ex:room1 brick:feeds ex:nowhere .
"""


with Database("oracle_brick") as db:
    # 1. The samples, local names and full IRIs, each compared with rdflib in full.
    for name, path in (("soda", SODA), ("rice", RICE)):
        want = reference(path)
        ck.true(f"{name}: no two twins share a local name", "collision" not in want, repr(want.get("collision")))
        if "collision" in want:
            continue
        devices, rels = compare(name, db, path, want)
        compare(f"{name} --full-iris", db, path, reference(path, full_iris=True), schema="brick_full",
                args=("--full-iris",))

        # Facts a reader of the file can check by eye, independent of both implementations.
        if name == "soda":
            ck.equal("soda: twins (every typed IRI subject)", len(devices), 1695)
            ck.equal("soda: room_R777 is part of floor_7", devices["room_R777"][:2], ("floor_7", "Room"))
            ck.true("soda: hvac_zone_R777 hasPart room_R777 stays a relationship",
                    rels[("hvac_zone_R777", "room_R777", "hasPart")] == 1)
            ck.true("soda: the parent link room_R777 isPartOf floor_7 is not also a relationship",
                    rels[("room_R777", "floor_7", "isPartOf")] == 0)
            ck.equal("soda: building_1's document", devices["building_1"][2],
                     {"$iri": "https://brickschema.org/schema/1.0.2/building_example#building_1",
                      "$types": ["Building"], "properties": {"label": "Soda Hall"}})
            ck.equal("soda: floor_7 is part of building_1", devices["floor_7"][0], "building_1")
        else:
            ck.equal("rice: twins (the 59 Brick 1.0.2 terms typed brick:Point are not)", len(devices), 691)
            ck.true("rice: brick_v_1_0_2:CO2_Sensor is an ontology term, not a twin", "CO2_Sensor" not in devices)
            ck.equal("rice: two classes give the smaller local name",
                     devices["2_Mag_CHW_Return_Temp"][1], "Chilled_Return_Water")
            # Room208 is in Floor_2 and HVAC zones 1 and 5 (all hasPart); Floor_2's comes first.
            ck.equal("rice: Room208's parent is the first hasPart in the file", devices["Room208"][0], "Floor_2")
            ck.true("rice: HVAC_Zone1 hasPart Room208 stays a relationship",
                    rels[("HVAC_Zone1", "Room208", "hasPart")] == 1)

    # 2. A file that reaches every rule.
    rules = write("rules.ttl", RULES_TTL)
    want = reference(rules)
    devices, rels = compare("rules", db, rules, want)
    compare("rules --full-iris", db, rules, reference(rules, full_iris=True), schema="brick_full",
            args=("--full-iris",))
    ck.equal("rules: the twins", sorted(devices),
             sorted(["room1", "room2", "floor1", "bldg", "zone1", "zone2", "room3", "sensor", "meter", "thing", "p1"]))
    ck.equal("rules: model of two domain classes", devices["sensor"][1], "Air_Temperature_Sensor")
    ck.equal("rules: model in byte order (upper case first)", devices["meter"][1], "Zone_Air_Sensor")
    ck.equal("rules: room1's parent (isPartOf beats hasPart from thing)", devices["room1"][0], "floor1")
    ck.equal("rules: room3's parent (the first of two hasPart)", devices["room3"][0], "zone1")
    ck.equal("rules: sensor's parent (hasLocation)", devices["sensor"][0], "room3")
    ck.equal("rules: a relative IRI resolves against @base", devices["room2"][2]["$iri"],
             "http://example.org/site/room2")
    ck.equal("rules: typed literals", devices["room1"][2]["properties"],
             {"label": ["Room 1", "Raum 1"], "area": 20.5, "seats": 12, "big": "123456789012345678901234",
              "ratio": 0.1, "third": 0.3333333333333333, "bad": "abc", "inf": "INF", "on": True, "off": False,
              "since": "2024-01-01"})
    ck.equal("rules: tags", devices["room1"][2]["tags"], ["Room", "Space"])
    ck.equal("rules: the repeated statement counts once", rels[("room2", "floor1", "isPartOf")], 0)
    out = load(db, rules, "--replace").stdout
    ck.equal("rules: statements skipped (unit, blank nodes, terms, untyped and missing ends)",
             summary_count(out, "statements skipped"), 13)

    # 3. Errors: nothing is written, and the message says where.
    before = tables(db)
    bad = write("bad.ttl", "@prefix ex: <http://example.org/#> .\nex:a a ex:B .\n\nex:c a ex:D ;\n"
                           "  ex:p \"unterminated .\nex:e a ex:F .\n")
    try:
        rdflib.Graph().parse(bad, format="turtle")
        rdflib_line = None
    except Exception as e:  # rdflib's BadSyntax: "at line N of <...>"
        found = re.search(r"at line (\d+)", str(e))
        rdflib_line = int(found.group(1)) if found else None
    ck.true("syntax error: rdflib names a line", rdflib_line is not None)
    proc = load(db, bad, "--replace", check=False)
    ck.true("syntax error: exit 1 naming the line rdflib names", proc.returncode == 1
            and f"bad.ttl:{rdflib_line}:" in proc.stderr, f"exit {proc.returncode}: {proc.stderr!r}")
    ck.true("syntax error: nothing written", tables(db) == before)

    a, b = "http://example.org/a#room", "http://example.org/b/room"
    clash = write("clash.ttl", f"@prefix brick: <https://brickschema.org/schema/Brick#> .\n<{a}> a brick:Room .\n"
                               f"<{b}> a brick:Room .\n")
    ck.equal("collision: rdflib finds it", reference(clash).get("collision"), (a, b))
    proc = load(db, clash, "--replace", check=False)
    ck.true("collision: exit 1 naming both IRIs, the line and --full-iris",
            proc.returncode == 1 and all(s in proc.stderr for s in (a, b, "--full-iris", "clash.ttl:3")),
            f"exit {proc.returncode}: {proc.stderr!r}")
    ck.true("collision: nothing written", tables(db) == before)
    compare("collision --full-iris", db, clash, reference(clash, full_iris=True), args=("--full-iris",))

    undefined = write("prefix.ttl", "@prefix ex: <http://example.org/#> .\nex:a a ex:B .\nex:c a brick:Room .\n")
    proc = load(db, undefined, "--replace", check=False)
    ck.true("undefined prefix: exit 1 naming the line and the prefix",
            proc.returncode == 1 and "prefix.ttl:3:" in proc.stderr and '"brick"' in proc.stderr,
            f"exit {proc.returncode}: {proc.stderr!r}")

try:
    ck.finish("Brick loader against rdflib")
except AssertionError as e:
    print(e)
    sys.exit(1)
