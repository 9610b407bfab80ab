#!/usr/bin/env bash
# load_smart_city.sh - generate the smart-city twin dataset and load it into PostgreSQL.
#
#   datasets/load_smart_city.sh --twins N [--seed S] [--psql-args ARG...]
#
# Applies sql/schema.sql (idempotent), generates the COPY files into a temporary directory,
# then in ONE psql session and ONE transaction: TRUNCATE twin.devices, twin.relationships;
# \copy both tables (COPY FREEZE: the tables were truncated in the same transaction);
# ANALYZE. Row counts are printed to stderr at the end.
#
# The connection comes from the standard libpq environment (PGHOST, PGPORT, PGDATABASE,
# PGUSER, PGPASSWORD / ~/.pgpass, ...). Everything after --psql-args is passed to every
# psql invocation verbatim, e.g. --psql-args -h localhost -p 5433 -d twins.
# PYTHON overrides the interpreter (default /usr/bin/python3, else python3 on PATH).
set -euo pipefail

usage() {
    sed -n '2,14s/^# \{0,1\}//p' "$0" >&2
    exit "${1:-2}"
}

twins=""
seed=42
psql_args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --twins) [[ $# -ge 2 ]] || usage; twins="$2"; shift 2 ;;
        --twins=*) twins="${1#*=}"; shift ;;
        --seed) [[ $# -ge 2 ]] || usage; seed="$2"; shift 2 ;;
        --seed=*) seed="${1#*=}"; shift ;;
        --psql-args) shift; psql_args=("$@"); break ;;
        -h|--help) usage 0 ;;
        *) echo "load_smart_city.sh: unknown argument: $1" >&2; usage ;;
    esac
done
[[ "$twins" =~ ^[0-9]+$ ]] || { echo "load_smart_city.sh: --twins N is required (integer)" >&2; usage; }
(( 10#$twins >= 5 )) || { echo "load_smart_city.sh: --twins must be at least 5" >&2; exit 2; }
[[ "$seed" =~ ^-?[0-9]+$ ]] || { echo "load_smart_city.sh: --seed must be an integer" >&2; usage; }

script_dir="$(cd "$(dirname "$0")" && pwd)"
schema="$script_dir/../sql/schema.sql"
generator="$script_dir/generate_smart_city.py"
[[ -r "$schema" ]] || { echo "load_smart_city.sh: schema not found: $schema" >&2; exit 1; }

python="${PYTHON:-}"
if [[ -z "$python" ]]; then
    if [[ -x /usr/bin/python3 ]]; then python=/usr/bin/python3; else python=python3; fi
fi

psql_cmd=(psql -X -q -v ON_ERROR_STOP=1 ${psql_args[@]+"${psql_args[@]}"})

tmp="$(mktemp -d "${TMPDIR:-/tmp}/smart_city.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

start=$(now)

"${psql_cmd[@]}" -c 'SET client_min_messages TO warning' -f "$schema"

"$python" "$generator" --twins "$twins" --seed "$seed" --out "$tmp"
gen_done=$(now)

# Single-quoted SQL literal for the file paths (\copy does not expand psql variables).
sqlq() { local s=${1//\'/\'\'}; printf "'%s'" "$s"; }
dev_file=$(sqlq "$tmp/devices.copy")
rel_file=$(sqlq "$tmp/relationships.copy")

"${psql_cmd[@]}" <<SQL
SET client_encoding TO 'UTF8';
BEGIN;
TRUNCATE twin.devices, twin.relationships;
\\copy twin.devices (device_id, parent_id, model, lat, lon, twin) FROM $dev_file WITH (FORMAT text, FREEZE)
\\copy twin.relationships (source_id, target_id, kind, properties) FROM $rel_file WITH (FORMAT text, FREEZE)
ANALYZE twin.devices, twin.relationships;
COMMIT;
SQL
load_done=$(now)

{
    echo "load_smart_city: twins=$twins seed=$seed schema+generate=$(elapsed "$start" "$gen_done")s" \
         "load=$(elapsed "$gen_done" "$load_done")s total=$(elapsed "$start" "$load_done")s"
    "${psql_cmd[@]}" -P footer=off <<'SQL'
SELECT 'twin.devices' AS "table", model AS "model / kind", count(*) AS rows
  FROM twin.devices GROUP BY model
UNION ALL
SELECT 'twin.relationships', kind, count(*) FROM twin.relationships GROUP BY kind
ORDER BY 1, 2;
SQL
} >&2
