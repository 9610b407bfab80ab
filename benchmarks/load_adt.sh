#!/usr/bin/env bash
# load_adt.sh - `twingraph load --format adt` against psql's \copy of the same rows, side by side.
#
#   benchmarks/load_adt.sh --twins N [--bin build/twingraph] [--json FILE] [--keep]
#
# Generates N smart-city twins (datasets/generate_smart_city.py: devices.copy and
# relationships.copy in COPY text format) and turns them into an Azure Digital Twins bulk-import
# NDJSON file (benchmarks/copy_to_adt.py: parent links become "contains" relationships). Then, in
# one run, against the database of the PG* environment:
#   psql:      one session, BEGIN; \copy bench_psql.devices; \copy bench_psql.relationships; COMMIT
#              (tables with the columns and keys of sql/schema.sql, created beforehand);
#   twingraph: BIN load --format adt FILE --into bench_load (parse the NDJSON with jansson, turn
#              "contains" into parent_id, check ids, COPY in one transaction; tables created).
# Both are wall clock of the whole process. Then a check: both schemas hold the same
# (device_id, parent_id, model suffix) rows and the same number of other relationships.
# Prints "stage | twingraph s | psql s | ratio" (ratio = twingraph s / psql s); --json FILE
# writes the same numbers as JSON. Drops both schemas at the end unless --keep.
# Touches only the schemas bench_psql and bench_load. Exit status: 0 agreed, 1 mismatch or
# failure, 2 bad command line or no database.
set -euo pipefail

usage() { sed -n '2,21s/^# \{0,1\}//p' "$0" >&2; exit "${1:-2}"; }
die() { echo "load_adt.sh: $*" >&2; exit 1; }

repo="$(cd "$(dirname "$0")/.." && pwd)"
twins=""; bin="$repo/build/twingraph"; json=""; keep=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --twins) [[ $# -ge 2 ]] || usage; twins="$2"; shift 2 ;;
        --bin) [[ $# -ge 2 ]] || usage; bin="$2"; shift 2 ;;
        --json) [[ $# -ge 2 ]] || usage; json="$2"; shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) usage 0 ;;
        *) echo "load_adt.sh: unknown argument: $1" >&2; usage ;;
    esac
done
[[ "$twins" =~ ^[0-9]+$ ]] && (( 10#$twins >= 5 )) || { echo "load_adt.sh: --twins N (at least 5) is required" >&2; usage; }
[[ -x "$bin" ]] || die "no twingraph binary at $bin (build it, or pass --bin)"
[[ -n "${PGDATABASE:-}${PGSERVICE:-}" ]] || { echo "load_adt.sh: set the PG* environment (PGDATABASE, PGHOST, ...) of a throwaway database" >&2; exit 2; }
psql_cmd=(psql -X -q -v ON_ERROR_STOP=1)
"${psql_cmd[@]}" -c 'SELECT 1' >/dev/null 2>&1 || { echo "load_adt.sh: cannot connect with the PG* environment" >&2; exit 2; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/load_adt.XXXXXX")"
cleanup() {
    rm -rf "$tmp"
    (( keep )) || "${psql_cmd[@]}" -c 'DROP SCHEMA IF EXISTS bench_psql CASCADE; DROP SCHEMA IF EXISTS bench_load CASCADE' >/dev/null 2>&1 || true
}
trap cleanup EXIT
now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

echo "load_adt: generating $twins twins" >&2
/usr/bin/python3 "$repo/datasets/generate_smart_city.py" --twins "$twins" --out "$tmp" >&2
/usr/bin/python3 "$repo/benchmarks/copy_to_adt.py" "$tmp" "$tmp/twins.ndjson"
copy_mb=$(du -cm "$tmp/devices.copy" "$tmp/relationships.copy" | awk 'END { print $1 }')
ndjson_mb=$(du -m "$tmp/twins.ndjson" | awk '{ print $1 }')

PGOPTIONS="-c client_min_messages=warning" "${psql_cmd[@]}" >/dev/null <<'SQL'
DROP SCHEMA IF EXISTS bench_psql CASCADE;
DROP SCHEMA IF EXISTS bench_load CASCADE;
CREATE SCHEMA bench_psql;
CREATE TABLE bench_psql.devices (device_id text PRIMARY KEY, parent_id text, model text,
    lat double precision CHECK (lat BETWEEN -90 AND 90), lon double precision CHECK (lon BETWEEN -180 AND 180), twin jsonb);
CREATE TABLE bench_psql.relationships (source_id text NOT NULL, target_id text NOT NULL, kind text NOT NULL, properties jsonb);
CREATE INDEX ON bench_psql.relationships (kind);
SQL

echo "load_adt: psql \\copy" >&2
t=$(now)
"${psql_cmd[@]}" >/dev/null <<SQL
BEGIN;
\\copy bench_psql.devices FROM '$tmp/devices.copy'
\\copy bench_psql.relationships FROM '$tmp/relationships.copy'
COMMIT;
SQL
psql_s=$(sub "$t" "$(now)")

echo "load_adt: twingraph load" >&2
t=$(now)
"$bin" load --format adt "$tmp/twins.ndjson" --into bench_load >&2
load_s=$(sub "$t" "$(now)")

diff_rows=$("${psql_cmd[@]}" -At <<'SQL'
SELECT (SELECT count(*) FROM (SELECT device_id, parent_id, 'dtmi:twingraph:city:' || model || ';1' FROM bench_psql.devices
        EXCEPT SELECT device_id, parent_id, model FROM bench_load.devices) a)
     + (SELECT count(*) FROM (SELECT device_id, parent_id, model FROM bench_load.devices
        EXCEPT SELECT device_id, parent_id, 'dtmi:twingraph:city:' || model || ';1' FROM bench_psql.devices) b)
     + abs((SELECT count(*) FROM bench_psql.relationships) - (SELECT count(*) FROM bench_load.relationships));
SQL
)
ratio=$(awk -v a="$load_s" -v b="$psql_s" 'BEGIN { printf "%.2f", a / b }')
printf '%-50s | %12s | %8s | %s\n' "stage" "twingraph s" "psql s" "ratio"
printf '%-50s | %12s | %8s | %s\n' "load $twins twins (NDJSON ${ndjson_mb} MB / COPY ${copy_mb} MB)" "$load_s" "$psql_s" "$ratio"
if [[ -n "$json" ]]; then
    printf '{"twins": %d, "ndjson_mb": %s, "copy_mb": %s, "twingraph_s": %s, "psql_copy_s": %s, "ratio": %s, "differences": %s}\n' \
        "$twins" "$ndjson_mb" "$copy_mb" "$load_s" "$psql_s" "$ratio" "$diff_rows" >"$json"
fi
[[ "$diff_rows" == 0 ]] || die "the two loads differ in $diff_rows rows"
echo "load_adt: both loads hold the same twins, parents and relationships" >&2
