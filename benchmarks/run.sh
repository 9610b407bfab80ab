#!/usr/bin/env bash
# run.sh - the benchmark harness: twingraph against the COPY floor, python-igraph and networkx, side by side.
#
#   benchmarks/run.sh [--sizes 10000,100000,1000000] [--networkx-max 100000] [--bin build/twingraph]
#                     [--json FILE] [--yes]
#
# For each size, in one run: loads the generated smart city (datasets/load_smart_city.sh, which
# TRUNCATEs twin.devices and twin.relationships: the database name must contain "bench", or pass
# --yes), then measures, wall clock and peak RSS (/usr/bin/time):
#   floor      psql \copy of both sources to /dev/null (read), and \copy of a same-shaped
#              feature table (device_id + 6 columns, primary key) from a file (write);
#   cheap      twingraph on degree, pagerank, coreness, clustering, component over the union of
#              hierarchy and relationships (stage seconds from features.runs), twice: into a new
#              table (the first write) and again (the replacement, the timed whole process);
#   standard   twingraph on benchmarks/standard.job.json (issue 12's standard job: the cheap
#              features, betweenness_approx, harmonic within 3 hops, Leiden, hierarchy, a kNN
#              layer with geo features, rollout, reach, influence_ic; exact betweenness and
#              unbounded harmonic, which the demo's job has, are O(twins x edges));
#   igraph     the cheap features through python-igraph + psycopg2 (benchmarks/baseline.py);
#   networkx   the same through networkx, up to --networkx-max twins.
# Prints a table (seconds, peak MB, ratios) and writes the numbers as JSON with --json.
# Needs the PG* environment of a throwaway database; /usr/bin/python3 with python3-igraph,
# python3-networkx, python3-psycopg2 (tests/install-deps.sh installs them).
set -euo pipefail

usage() { sed -n '2,22s/^# \{0,1\}//p' "$0" >&2; exit "${1:-2}"; }
die() { echo "run.sh: $*" >&2; exit 1; }

repo="$(cd "$(dirname "$0")/.." && pwd)"
sizes="10000,100000,1000000"; nx_max=100000; bin="$repo/build/twingraph"; json=""; yes=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --sizes) [[ $# -ge 2 ]] || usage; sizes="$2"; shift 2 ;;
        --networkx-max) [[ $# -ge 2 ]] || usage; nx_max="$2"; shift 2 ;;
        --bin) [[ $# -ge 2 ]] || usage; bin="$2"; shift 2 ;;
        --json) [[ $# -ge 2 ]] || usage; json="$2"; shift 2 ;;
        --yes) yes=1; shift ;;
        -h|--help) usage 0 ;;
        *) echo "run.sh: unknown argument: $1" >&2; usage ;;
    esac
done
[[ "$sizes" =~ ^[0-9]+(,[0-9]+)*$ ]] || die "--sizes is a comma-separated list of twin counts"
[[ -x "$bin" ]] || die "no twingraph binary at $bin (build it, or pass --bin)"
[[ -n "${PGDATABASE:-}${PGSERVICE:-}" ]] || { echo "run.sh: set the PG* environment of a throwaway database" >&2; exit 2; }
psql_cmd=(psql -X -q -v ON_ERROR_STOP=1)
dbname=$("${psql_cmd[@]}" -At -c 'SELECT current_database()') || { echo "run.sh: cannot connect" >&2; exit 2; }
[[ "$dbname" == *bench* || $yes -eq 1 ]] || die "refusing to TRUNCATE twin.* in \"$dbname\" (no \"bench\" in its name; --yes overrides)"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/twingraph-bench.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
export PGOPTIONS="-c client_min_messages=warning"

# measure NAME CMD...: runs CMD, keeps wall seconds and peak MB in $tmp/NAME.{s,mb}, output in $tmp/NAME.out
measure() {
    local name=$1; shift
    /usr/bin/time -f "%e %M" -o "$tmp/$name.time" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" \
        || { cat "$tmp/$name.err" >&2; die "$name failed"; }
    read -r s kb <"$tmp/$name.time"
    echo "$s" >"$tmp/$name.s"
    echo $(( kb / 1024 )) >"$tmp/$name.mb"
}
val() { cat "$tmp/$1.$2" 2>/dev/null || echo "-"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.1f", a / b }'; }

cat >"$tmp/cheap.json" <<'EOF'
{"graph": {"layers": ["hierarchy", "relationships"]},
 "features": ["degree", "pagerank", "coreness", "clustering", "component"],
 "seed": 42, "output": {"table": "features.bench_cheap", "max_shrink": 1}}
EOF
cp "$repo/benchmarks/standard.job.json" "$tmp/standard.json"

rows=(); json_rows=()
IFS=, read -ra size_list <<<"$sizes"
for n in "${size_list[@]}"; do
    echo "run.sh: $n twins: loading" >&2
    "$repo/datasets/load_smart_city.sh" --twins "$n" >/dev/null 2>&1 || die "loading $n twins failed"
    "${psql_cmd[@]}" -c "\\copy (SELECT device_id, 1::bigint, 0.5::float8, 2::bigint, 0.25::float8, 3::bigint, 4::bigint FROM twin.devices) TO '$tmp/floor.copy'"
    "${psql_cmd[@]}" -c "DROP TABLE IF EXISTS bench_floor; CREATE TABLE bench_floor (device_id text PRIMARY KEY, a bigint, b float8, c bigint, d float8, e bigint, f bigint)"
    echo "run.sh: $n twins: floor, twingraph, baselines" >&2
    measure floor_read "${psql_cmd[@]}" -c "\\copy (SELECT * FROM twin.devices) TO '/dev/null'" -c "\\copy (SELECT * FROM twin.relationships) TO '/dev/null'"
    measure floor_write "${psql_cmd[@]}" -c "\\copy bench_floor FROM '$tmp/floor.copy'"
    # A table of its own per size and run: the first run is a first write, the second a replacement.
    sed "s/features.bench_cheap/features.bench_cheap_${n}_$$/" "$tmp/cheap.json" >"$tmp/cheap_n.json"
    measure cheap_first "$bin" run "$tmp/cheap_n.json" --top 0
    first_write=$("${psql_cmd[@]}" -At -c "SELECT round((stage_seconds->>'write')::numeric, 3) FROM features.runs ORDER BY run_id DESC LIMIT 1")
    measure cheap "$bin" run "$tmp/cheap_n.json" --top 0
    stages=$("${psql_cmd[@]}" -At -c "SELECT stage_seconds FROM features.runs ORDER BY run_id DESC LIMIT 1")
    measure standard "$bin" run "$tmp/standard.json" --top 0
    measure igraph /usr/bin/python3 "$repo/benchmarks/baseline.py" igraph
    rm -f "$tmp/networkx.s" "$tmp/networkx.mb" "$tmp/networkx.out"
    if (( n <= nx_max )); then
        measure networkx /usr/bin/python3 "$repo/benchmarks/baseline.py" networkx
    fi
    floor=$(awk -v a="$(val floor_read s)" -v b="$(val floor_write s)" 'BEGIN { printf "%.2f", a + b }')
    rows+=("$(printf '%9s | %6s | %6s %5s | %8s %5s | %8s %5s | %8s %5s | %7s %7s %7s' "$n" "$floor" \
        "$(val cheap s)" "$(val cheap mb)" "$(val standard s)" "$(val standard mb)" "$(val igraph s)" "$(val igraph mb)" \
        "$(val networkx s)" "$(val networkx mb)" "$(ratio "$(val cheap s)" "$floor")" \
        "$(ratio "$(val igraph s)" "$(val cheap s)")" "$(ratio "$(val networkx s)" "$(val cheap s)")")")
    rows+=("$(printf '%9s   cheap stages: %s' "" "$stages")")
    # Features both compute, stage against stage: twingraph's compute seconds (features.runs)
    # against the baselines' (their JSON line).
    compute=$(/usr/bin/python3 -c 'import json, sys; print(round(json.loads(sys.argv[1])["compute"], 3))' "$stages")
    stage_of() { [[ -s "$tmp/$1.out" ]] && /usr/bin/python3 -c 'import json, sys; print(json.loads(open(sys.argv[1]).read())[sys.argv[2]])' "$tmp/$1.out" "$2" || echo "-"; }
    rows+=("$(printf '%9s   compute stage: twingraph %s s, python-igraph %s s (%sx), networkx %s s (%sx); read: twingraph %s s, python-igraph %s s, floor %s s; write (replacement): twingraph %s s, floor %s s' "" \
        "$compute" "$(stage_of igraph compute)" "$(ratio "$(stage_of igraph compute)" "$compute")" \
        "$(stage_of networkx compute)" "$(ratio "$(stage_of networkx compute)" "$compute")" \
        "$(/usr/bin/python3 -c 'import json, sys; print(round(json.loads(sys.argv[1])["read"], 3))' "$stages")" "$(stage_of igraph read)" "$(val floor_read s)" \
        "$(/usr/bin/python3 -c 'import json, sys; print(round(json.loads(sys.argv[1])["write"], 3))' "$stages")" "$(val floor_write s)")")
    rows+=("$(printf '%9s   first write (new table): twingraph %s s against the floor %s s; whole first run %s s' "" "$first_write" "$(val floor_write s)" "$(val cheap_first s)")")
    json_rows+=("{\"twins\": $n, \"floor_read_s\": $(val floor_read s), \"floor_write_s\": $(val floor_write s), \"cheap_first_s\": $(val cheap_first s), \"first_write_s\": $first_write, \"cheap_s\": $(val cheap s), \"cheap_mb\": $(val cheap mb), \"cheap_stages\": $stages, \"standard_s\": $(val standard s), \"standard_mb\": $(val standard mb), \"igraph_s\": $(val igraph s), \"igraph_mb\": $(val igraph mb), \"networkx_s\": \"$(val networkx s)\", \"networkx_mb\": \"$(val networkx mb)\"}")
done
"${psql_cmd[@]}" -c "DROP TABLE IF EXISTS bench_floor" >/dev/null

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME"), PostgreSQL $("${psql_cmd[@]}" -At -c 'SHOW server_version')"
printf '%9s | %6s | %12s | %14s | %14s | %14s | %s\n' "twins" "floor" "cheap s  MB" "standard s MB" "igraph s  MB" "networkx s MB" "cheap/floor igraph/cheap networkx/cheap"
for r in "${rows[@]}"; do echo "$r"; done
if [[ -n "$json" ]]; then
    (IFS=,; echo "[${json_rows[*]}]") >"$json"
fi
