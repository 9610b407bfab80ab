#!/usr/bin/env bash
# demo.sh - the main job end to end on an embedded default: installs what is missing, builds,
# starts (or reuses) a local PostgreSQL under .demo/, loads a generated smart-city dataset,
# runs the standard job (datasets/smart_city.job.json) and prints the summary and the psql
# command that queries the feature table.
#
#   ./demo.sh [--twins N] [--seed S]   (default 20000 twins, seed 42; or TWINGRAPH_DEMO_TWINS)
#   ./demo.sh --stop                   stop the demo's PostgreSQL (rm -rf .demo to drop it)
set -euo pipefail
repo=$(cd "$(dirname "$0")" && pwd)
cd "$repo"
twins=${TWINGRAPH_DEMO_TWINS:-20000}
seed=42
demo_dir=$repo/.demo

while [[ $# -gt 0 ]]; do
    case $1 in
    --twins) twins=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --stop) tests/pg_cluster.sh stop "$demo_dir"; exit 0 ;;
    -h|--help) sed -n '2,9s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
done

step() { printf '\n== %s\n' "$*" >&2; }

step "installing missing packages"
tests/install-deps.sh

step "building"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 >/dev/null

step "starting PostgreSQL in $demo_dir"
set -a
# shellcheck disable=SC1090
. <(tests/pg_cluster.sh start "$demo_dir")
set +a
export PGDATABASE=twingraph_demo
psql -X -q -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$PGDATABASE'" | grep -q 1 ||
    createdb "$PGDATABASE"

step "loading $twins smart-city twins (seed $seed)"
datasets/load_smart_city.sh --twins "$twins" --seed "$seed"

step "running the standard job (datasets/smart_city.job.json)"
build/twingraph run datasets/smart_city.job.json

conn="host=$PGHOST port=$PGPORT user=$PGUSER dbname=$PGDATABASE"
cat <<MSG

Query the features:
  psql "$conn" -c "SELECT device_id, degree, pagerank, betweenness, component_id FROM features.device_features ORDER BY pagerank DESC LIMIT 10"
Run history:
  psql "$conn" -c "SELECT run_id, status, started_at, finished_at, twin_count, stage_seconds FROM features.runs ORDER BY run_id DESC LIMIT 5"
Stop the database with ./demo.sh --stop
MSG
