#!/usr/bin/python3
"""copy_to_adt.py - turns the generated city's COPY files into an Azure Digital Twins bulk-import
NDJSON file, for benchmarks/load_adt.sh.

    copy_to_adt.py DIR OUT.ndjson [--location]

Reads DIR/devices.copy and DIR/relationships.copy (datasets/generate_smart_city.py). Each twin
becomes {"$dtId", "$metadata": {"$model": "dtmi:twingraph:city:<model>;1"}, <its device-twin
members>}; each parent link a "contains" relationship from the parent; every relationship keeps
its kind and properties. So `twingraph load --format adt` has to rebuild parent_id from the
relationships. With --location each located twin also gets a "location": {"lat", "lon"} property,
as ADT models often carry it (`twingraph load --location location` reads it into lat/lon;
docs/walkthrough.md). Standard library only.
"""
import json
import sys

UNESCAPE = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def fields(line):
    """One COPY text-format row: NULL for \\N, backslash escapes decoded."""
    out = []
    for raw in line.rstrip("\n").split("\t"):
        if raw == "\\N":
            out.append(None)
            continue
        text, i = [], 0
        while i < len(raw):
            if raw[i] == "\\" and i + 1 < len(raw):
                text.append(UNESCAPE.get(raw[i + 1], raw[i + 1]))
                i += 2
            else:
                text.append(raw[i])
                i += 1
        out.append("".join(text))
    return out


def main(src, dst, location=False):
    n_twins = n_rels = 0
    with open(dst, "w") as out, open(f"{src}/devices.copy") as devices:
        out.write('{"Section": "Header"}\n{"fileVersion": "1.0.0", "author": "twingraph", "organization": "bench"}\n')
        out.write('{"Section": "Twins"}\n')
        parents = []
        for line in devices:
            device_id, parent_id, model, lat, lon, twin = fields(line)
            doc = {"$dtId": device_id, "$metadata": {"$model": f"dtmi:twingraph:city:{model};1"}}
            doc.update(json.loads(twin) if twin else {})
            if location and lat is not None and lon is not None:
                doc["location"] = {"lat": float(lat), "lon": float(lon)}
            out.write(json.dumps(doc, separators=(",", ":")) + "\n")
            n_twins += 1
            if parent_id is not None:
                parents.append((parent_id, device_id))
        out.write('{"Section": "Relationships"}\n')
        for parent_id, device_id in parents:
            out.write(json.dumps({"$dtId": parent_id, "$targetId": device_id, "$relationshipName": "contains"},
                                 separators=(",", ":")) + "\n")
            n_rels += 1
        with open(f"{src}/relationships.copy") as rels:
            for line in rels:
                source, target, kind, props = fields(line)
                item = {"$dtId": source, "$targetId": target, "$relationshipName": kind}
                item.update(json.loads(props) if props else {})
                out.write(json.dumps(item, separators=(",", ":")) + "\n")
                n_rels += 1
    print(f"copy_to_adt: {n_twins} twins, {n_rels} relationships -> {dst}", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4) or (len(sys.argv) == 4 and sys.argv[3] != "--location"):
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], location=len(sys.argv) == 4)
