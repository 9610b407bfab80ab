#!/usr/bin/env bash
# geo_knn.sh - twingraph's spatial k-nearest-neighbour work against PostGIS, side by side.
#
#   benchmarks/geo_knn.sh --twins N [--k 8] [--bin build/twingraph] [--json FILE] [--yes]
#
# WARNING: loads N generated twins with datasets/load_smart_city.sh --twins N, which
# TRUNCATEs twin.devices and twin.relationships. It therefore refuses to run unless the
# database name contains "bench" (e.g. createdb bench_geo), or --yes is given.
#
# Then, in one run:
#   twingraph (BIN run JOB --top 0, job specs in a temporary directory):
#     (a) layer {"spatial": {"knn": K}} and {"name": "degree", "layer": "spatial"}
#         -> features.bench_geo_a   (the kNN search happens in the layer build)
#     (b) layer "hierarchy", {"name": "geo_knn_mean_m", "k": K}     -> features.bench_geo_b
#     (c) layer "hierarchy", "geo_parent_dist_m" and
#         {"name": "geo_within_r", "radius_m": 100}                 -> features.bench_geo_c
#     reporting the "built ... in X s" and "computed F in X s" seconds from stderr and the
#     wall time of each process;
#   PostGIS (CREATE EXTENSION IF NOT EXISTS postgis; one psql session, wall clock):
#     temp table bench_pts (geography of every located twin) + GiST index + ANALYZE, then
#     for every point the mean ST_Distance to its K nearest other points
#     (LATERAL ... ORDER BY a.g <-> b.g LIMIT K) into a temp table;
#   a check on 1000 random located twins, tolerance 1e-3 m: twingraph's geo_knn_mean_m against
#     PostGIS's exact spheroid kNN mean (the <-> set widened by ST_DWithin on the spheroid and
#     re-ranked by ST_Distance). A mismatch prints the first few and makes the exit status 1.
#     <-> on geography orders by SPHERE distance, so the timed query picks another set than the
#     K nearest on the spheroid for a few percent of twins (points ~100 m apart): how many of
#     the sample differ from it is reported too, with examples, but is not an error.
# Prints "stage | twingraph s | PostGIS s | ratio" (ratio = PostGIS s / twingraph s);
# --json FILE writes the same rows as JSON.
#
# The connection comes from the standard libpq environment (PGHOST, PGPORT, PGDATABASE,
# PGUSER, PGPASSWORD / ~/.pgpass, ...). Exit status: 0 agreed, 1 mismatch or failure,
# 2 bad command line or no database configured.
set -euo pipefail

usage() {
    sed -n '2,35s/^# \{0,1\}//p' "$0" >&2
    exit "${1:-2}"
}
die() { echo "geo_knn.sh: $*" >&2; exit 1; }

script_dir="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$script_dir/.." && pwd)"

twins=""
k=8
bin="$repo/build/twingraph"
json=""
yes=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --twins) [[ $# -ge 2 ]] || usage; twins="$2"; shift 2 ;;
        --twins=*) twins="${1#*=}"; shift ;;
        --k) [[ $# -ge 2 ]] || usage; k="$2"; shift 2 ;;
        --k=*) k="${1#*=}"; shift ;;
        --bin) [[ $# -ge 2 ]] || usage; bin="$2"; shift 2 ;;
        --bin=*) bin="${1#*=}"; shift ;;
        --json) [[ $# -ge 2 ]] || usage; json="$2"; shift 2 ;;
        --json=*) json="${1#*=}"; shift ;;
        --yes) yes=1; shift ;;
        -h|--help) usage 0 ;;
        *) echo "geo_knn.sh: unknown argument: $1" >&2; usage ;;
    esac
done
[[ "$twins" =~ ^[0-9]+$ ]] || { echo "geo_knn.sh: --twins N is required (integer)" >&2; usage; }
(( 10#$twins >= 5 )) || { echo "geo_knn.sh: --twins must be at least 5" >&2; exit 2; }
if ! [[ "$k" =~ ^[0-9]+$ ]] || (( 10#$k < 1 || 10#$k > 1000 )); then
    echo "geo_knn.sh: --k must be an integer in 1..1000" >&2; exit 2
fi
twins=$((10#$twins)); k=$((10#$k))
[[ -x "$bin" && -f "$bin" ]] || die "no twingraph binary at $bin (build it, or pass --bin)"
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

pg_hint() {
    cat >&2 <<EOF
geo_knn.sh: $1
HINT: set the PG* environment of a throwaway database whose name contains "bench", e.g.
        set -a && . .demo/env && set +a                    (after ./demo.sh)
        export PGDATABASE=bench_geo && createdb bench_geo
      or
        mkdir -p /tmp/benchpg && tests/ctest_pg.sh start /tmp/benchpg
        set -a && . /tmp/benchpg/pgtest.env && set +a
        export PGDATABASE=bench_geo && createdb bench_geo
EOF
    exit 2
}
[[ -n "${PGDATABASE:-}${PGSERVICE:-}" ]] || pg_hint "PGDATABASE (or PGSERVICE) is not set"

psql_cmd=(psql -X -q -v ON_ERROR_STOP=1)
dbname=$("${psql_cmd[@]}" -At -c 'SELECT current_database()' 2>/dev/null) \
    || pg_hint "cannot connect with the PG* environment (PGDATABASE=${PGDATABASE:-})"
if [[ "$dbname" != *bench* && $yes -ne 1 ]]; then
    die "refusing to TRUNCATE twin.devices in database \"$dbname\": its name does not contain \"bench\" (pass --yes to do it anyway)"
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/geo_knn.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# ---- load -------------------------------------------------------------------------------
echo "geo_knn: database $dbname, $twins twins, k=$k, binary $bin" >&2
t=$(now)
"$repo/datasets/load_smart_city.sh" --twins "$twins"
load_s=$(sub "$t" "$(now)")
located=$("${psql_cmd[@]}" -At -c \
    'SELECT count(*) FROM twin.devices WHERE lat IS NOT NULL AND lon IS NOT NULL')
echo "geo_knn: loaded in ${load_s} s; $located located twins" >&2
(( located >= 2 )) || die "fewer than two located twins: nothing to compare"

# ---- twingraph --------------------------------------------------------------------------
# max_shrink 1: a smaller N after a larger one must still replace the bench tables.
cat >"$tmp/a.json" <<EOF
{"graph": {"layers": [{"spatial": {"knn": $k}}]},
 "features": [{"name": "degree", "layer": "spatial"}],
 "output": {"table": "features.bench_geo_a", "max_shrink": 1}}
EOF
cat >"$tmp/b.json" <<EOF
{"graph": {"layers": ["hierarchy"]},
 "features": [{"name": "geo_knn_mean_m", "k": $k}],
 "output": {"table": "features.bench_geo_b", "max_shrink": 1}}
EOF
cat >"$tmp/c.json" <<EOF
{"graph": {"layers": ["hierarchy"]},
 "features": ["geo_parent_dist_m", {"name": "geo_within_r", "radius_m": 100}],
 "output": {"table": "features.bench_geo_c", "max_shrink": 1}}
EOF

declare -A tg   # tg[a.wall], tg[a.build], tg[a.compute.degree], ...
run_job() {
    local j=$1 rc=0 t0 t1
    echo "geo_knn: twingraph job ($j)" >&2
    t0=$(now)
    "$bin" run "$tmp/$j.json" --top 0 >"$tmp/$j.out" 2>"$tmp/$j.err" || rc=$?
    t1=$(now)
    sed 's/^/  /' "$tmp/$j.err" >&2
    if (( rc != 0 )); then
        cat "$tmp/$j.out" >&2
        die "twingraph job ($j) failed with exit status $rc"
    fi
    tg[$j.wall]=$(sub "$t0" "$t1")
    # "twingraph: built 1 layer and their union (9568 edges) in 0.03 s"
    # "twingraph: computed geo_knn_mean_m in 0.03 s"
    local line
    line=$(sed -n 's/^twingraph: built .* in \([0-9.]*\) s$/\1/p' "$tmp/$j.err")
    [[ -n "$line" ]] || die "job ($j): no \"built ... in X s\" line on stderr"
    tg[$j.build]=$line
    while read -r f s; do
        tg[$j.compute.$f]=$s
    done < <(sed -n 's/^twingraph: computed \([^ ]*\) in \([0-9.]*\) s$/\1 \2/p' "$tmp/$j.err")
}
run_job a
run_job b
run_job c
need() { [[ -n "${tg[$1]:-}" ]] || die "no \"computed\" line for $1 on stderr"; }
need a.compute.degree; need b.compute.geo_knn_mean_m
need c.compute.geo_parent_dist_m; need c.compute.geo_within_r

# ---- PostGIS ----------------------------------------------------------------------------
echo "geo_knn: PostGIS" >&2
"${psql_cmd[@]}" -c 'SET client_min_messages TO warning' -c 'CREATE EXTENSION IF NOT EXISTS postgis' \
    || die "cannot CREATE EXTENSION postgis (needs PostGIS installed and a role allowed to create it)"
pg_version=$("${psql_cmd[@]}" -At -c 'SELECT postgis_full_version()' | awk '{print $1, $2}')

# The timestamps come from the client (\set x `date`), i.e. wall clock around each statement.
# The comparison runs in the same session because bench_pts and bench_knn are temp tables.
pg_t0=$(now)
"${psql_cmd[@]}" -At -F '|' -v K="$k" >"$tmp/pg.out" 2>"$tmp/pg.err" <<'SQL' || { cat "$tmp/pg.err" >&2; die "PostGIS session failed"; }
SET client_min_messages TO warning;
\set t0 `date +%s.%N`
CREATE TEMP TABLE bench_pts AS
  SELECT device_id, ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography AS g
    FROM twin.devices WHERE lat IS NOT NULL AND lon IS NOT NULL;
CREATE INDEX bench_pts_g ON bench_pts USING gist (g);
ANALYZE bench_pts;
\set t1 `date +%s.%N`
CREATE TEMP TABLE bench_knn AS
  SELECT a.device_id, avg(ST_Distance(a.g, n.g)) AS mean_m, count(*) AS n
    FROM bench_pts a
   CROSS JOIN LATERAL (SELECT b.g FROM bench_pts b
                        WHERE b.device_id <> a.device_id
                        ORDER BY a.g <-> b.g LIMIT :K) n
   GROUP BY a.device_id;
\set t2 `date +%s.%N`
\echo TIMES|:t0|:t1|:t2
SELECT 'ROWS', count(*) FROM bench_knn;
SELECT setseed(0.42) \gset
CREATE TEMP TABLE bench_sample AS
  SELECT device_id FROM bench_pts ORDER BY random() LIMIT 1000;
-- Exact spheroid kNN for the sampled twins. <-> on geography orders by SPHERE distance, so the
-- timed query's K points can differ from the K nearest by ST_Distance (spheroid). The K points
-- it found all lie within D = their largest spheroid distance, so every one of the true K
-- nearest does too: take the points within D (plus a margin for ST_Distance's rounding) on the
-- spheroid, with the index, and keep the K nearest by ST_Distance.
CREATE TEMP TABLE bench_exact AS
  SELECT a.device_id, e.mean_m
    FROM bench_sample s JOIN bench_pts a USING (device_id)
   CROSS JOIN LATERAL (SELECT max(ST_Distance(a.g, c.g)) AS d
                         FROM (SELECT b.g FROM bench_pts b
                                WHERE b.device_id <> a.device_id
                                ORDER BY a.g <-> b.g LIMIT :K) c) bound
   CROSS JOIN LATERAL (SELECT avg(x.d) AS mean_m
                         FROM (SELECT ST_Distance(a.g, b.g) AS d FROM bench_pts b
                                WHERE b.device_id <> a.device_id
                                  AND ST_DWithin(a.g, b.g, bound.d * (1 + 1e-6) + 1e-3, true)
                                ORDER BY 1 LIMIT :K) x) e;
CREATE TEMP TABLE bench_cmp AS
  SELECT s.device_id, f.geo_knn_mean_m AS tg_m, e.mean_m AS exact_m, p.mean_m AS op_m,
         abs(f.geo_knn_mean_m - e.mean_m) AS diff_m, abs(f.geo_knn_mean_m - p.mean_m) AS op_diff_m
    FROM bench_sample s
    LEFT JOIN features.bench_geo_b f USING (device_id)
    LEFT JOIN bench_exact e USING (device_id)
    LEFT JOIN bench_knn p USING (device_id);
SELECT 'CHECK', count(*),
       count(*) FILTER (WHERE tg_m IS NULL OR exact_m IS NULL OR diff_m > 1e-3),
       coalesce(max(diff_m), 0),
       count(*) FILTER (WHERE tg_m IS NULL OR op_m IS NULL OR op_diff_m > 1e-3),
       coalesce(max(op_diff_m), 0),
       count(*) FILTER (WHERE op_m > exact_m + 1e-3)
  FROM bench_cmp;
SELECT 'BAD', device_id, coalesce(tg_m::text, 'NULL'), coalesce(exact_m::text, 'NULL'),
       coalesce(op_m::text, 'NULL'), coalesce(diff_m::text, '-')
  FROM bench_cmp
 WHERE tg_m IS NULL OR exact_m IS NULL OR diff_m > 1e-3
 ORDER BY diff_m DESC NULLS FIRST, device_id COLLATE "C"
 LIMIT 5;
SELECT 'OPDIFF', device_id, tg_m, exact_m, op_m, op_diff_m
  FROM bench_cmp
 WHERE op_diff_m > 1e-3
 ORDER BY op_diff_m DESC, device_id COLLATE "C"
 LIMIT 3;
SQL

IFS='|' read -r _ t0 t1 t2 < <(grep '^TIMES|' "$tmp/pg.out")
pg_index=$(sub "$t0" "$t1")
pg_query=$(sub "$t1" "$t2")
pg_knn=$(sub "$t0" "$t2")
pg_wall=$(sub "$pg_t0" "$t2")   # psql start to the end of the kNN query (not the check)
pg_rows=$(awk -F'|' '$1 == "ROWS" { print $2 }' "$tmp/pg.out")
IFS='|' read -r _ sampled mismatches maxdiff op_mismatches op_maxdiff op_larger \
    < <(grep '^CHECK|' "$tmp/pg.out")

# ---- report -----------------------------------------------------------------------------
rows=()   # "stage|twingraph s|PostGIS s" ("" = not measured on that side)
rows+=("(a) spatial knn=$k layer build (the kNN search)|${tg[a.build]}|$pg_knn")
rows+=("(a) compute degree on spatial|${tg[a.compute.degree]}|")
rows+=("(a) process wall|${tg[a.wall]}|")
rows+=("(b) compute geo_knn_mean_m k=$k|${tg[b.compute.geo_knn_mean_m]}|$pg_knn")
rows+=("(b) process wall / psql session wall|${tg[b.wall]}|$pg_wall")
rows+=("(c) compute geo_parent_dist_m|${tg[c.compute.geo_parent_dist_m]}|")
rows+=("(c) compute geo_within_r r=100m|${tg[c.compute.geo_within_r]}|")
rows+=("(c) process wall|${tg[c.wall]}|")
rows+=("PostGIS geography + GiST index + ANALYZE||$pg_index")
rows+=("PostGIS kNN query (LATERAL <-> LIMIT $k)||$pg_query")

printf '%s\n' "${rows[@]}" | awk -F'|' -v n="$twins" -v k="$k" -v located="$located" \
    -v pgv="$pg_version" -v pgrows="$pg_rows" -v sampled="$sampled" -v mism="$mismatches" \
    -v maxd="$maxdiff" -v opmism="$op_mismatches" -v opmaxd="$op_maxdiff" -v oplarger="$op_larger" \
    -v json="$json" -v db="$dbname" '
function ratio(a, b) { return (a == "" || b == "" || a + 0 == 0) ? "" : sprintf("%.2f", b / a) }
function num(x) { return x == "" ? "null" : x + 0 }
function str(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
{ st[NR] = $1; tw[NR] = $2; pg[NR] = $3; r[NR] = ratio($2, $3) }
END {
    printf "\ngeo_knn: %d twins (%d located), k=%d, database %s, %s\n\n", n, located, k, db, pgv
    fmt = "%-48s | %11s | %9s | %6s\n"
    printf fmt, "stage", "twingraph s", "PostGIS s", "ratio"
    printf "%s\n", "-------------------------------------------------+-------------+-----------+-------"
    for (i = 1; i <= NR; i++)
        printf fmt, st[i], tw[i] == "" ? "-" : tw[i], pg[i] == "" ? "-" : pg[i], r[i] == "" ? "-" : r[i]
    printf "\nratio = PostGIS s / twingraph s. twingraph stage seconds are those its stderr prints\n"
    printf "(two decimals); PostGIS kNN for (a) and (b) = index build + query (%d rows).\n\n", pgrows
    printf "check, %d sampled twins, tolerance 1e-3 m:\n", sampled
    printf "  geo_knn_mean_m vs PostGIS exact spheroid kNN mean (ST_DWithin + ORDER BY ST_Distance): %d mismatch(es), max |diff| %.3g m\n", \
        mism, maxd
    printf "  geo_knn_mean_m vs the timed <-> query (orders by sphere distance): %d differ, max |diff| %.3g m\n", \
        opmism, opmaxd
    printf "    (%d of them because <-> picked a farther set on the spheroid; informational, not an error)\n", oplarger
    if (json != "") {
        printf "{\"twins\": %d, \"located\": %d, \"k\": %d, \"database\": %s, \"postgis\": %s,\n", \
            n, located, k, str(db), str(pgv) > json
        printf " \"stages\": [\n" > json
        for (i = 1; i <= NR; i++)
            printf "  {\"stage\": %s, \"twingraph_s\": %s, \"postgis_s\": %s, \"ratio\": %s}%s\n", \
                str(st[i]), num(tw[i]), num(pg[i]), num(r[i]), i < NR ? "," : "" > json
        printf " ],\n \"check\": {\"sampled\": %d, \"tolerance_m\": 0.001, \"mismatches\": %d, \"max_abs_diff_m\": %.17g,\n", \
            sampled, mism, maxd > json
        printf "           \"knn_operator_differs\": %d, \"knn_operator_max_abs_diff_m\": %.17g, \"knn_operator_farther_set\": %d}}\n", \
            opmism, opmaxd, oplarger > json
        close(json)
    }
}'
[[ -z "$json" ]] || echo "wrote $json" >&2

if (( op_mismatches > 0 )); then
    {
        echo "geo_knn: examples where the timed <-> query's mean differs (sphere-distance order):"
        echo "  device_id | twingraph | PostGIS exact | PostGIS <-> | |twingraph - <->| m"
        awk -F'|' '$1 == "OPDIFF" { printf "  %s | %s | %s | %s | %s\n", $2, $3, $4, $5, $6 }' "$tmp/pg.out"
    } >&2
fi
if (( mismatches > 0 )); then
    {
        echo "geo_knn.sh: $mismatches of $sampled sampled twins disagree with PostGIS's exact kNN beyond 1e-3 m; first ones:"
        echo "  device_id | twingraph geo_knn_mean_m | PostGIS exact | PostGIS <-> | |diff| m"
        awk -F'|' '$1 == "BAD" { printf "  %s | %s | %s | %s | %s\n", $2, $3, $4, $5, $6 }' "$tmp/pg.out"
    } >&2
    exit 1
fi
