#!/usr/bin/env bash
# demo.sh - the main job end to end on an embedded default: installs what is missing, builds,
# starts (or reuses) a throwaway PostgreSQL, loads a generated smart-city dataset, runs the
# standard job (datasets/smart_city.job.json) and prints the summary and the psql command that
# queries the feature table.
#
#   ./demo.sh [--twins N] [--seed S]   (default 20000 twins, seed 42; or TWINGRAPH_DEMO_TWINS)
#   ./demo.sh --where                  print the demo's data directory
#   ./demo.sh --stop                   stop the demo's PostgreSQL (--where says what to rm -rf)
#
# The cluster lives in /var/tmp/twingraph-demo-<user>-<hash of this checkout's path>, not in the
# checkout: as root the server runs as the `postgres` user, which cannot enter a mode-700 home.
# .demo in the checkout is a symbolic link to it; `. .demo/env` sets PGHOST, PGPORT, PGUSER and
# PGDATABASE for psql. Each dataset size gets its own database (twingraph_demo_<N>), so a
# smaller rerun never replaces a bigger run's features.
set -euo pipefail
repo=$(cd "$(dirname "$0")" && pwd)
cd "$repo"
twins=${TWINGRAPH_DEMO_TWINS:-20000}
seed=42
checkout_hash=$(printf '%s' "$repo" | cksum | cut -d' ' -f1)
demo_dir=/var/tmp/twingraph-demo-$(id -un)-$checkout_hash

die() { echo "demo.sh: $*" >&2; exit 1; }
step() { printf '\n== %s\n' "$*" >&2; }

while [[ $# -gt 0 ]]; do
    case $1 in
    --twins) [[ ${2:-} =~ ^[0-9]+$ ]] || die "--twins needs a whole number"; twins=$2; shift 2 ;;
    --seed) [[ ${2:-} =~ ^[0-9]+$ ]] || die "--seed needs a whole number"; seed=$2; shift 2 ;;
    --where) echo "$demo_dir"; exit 0 ;;
    --stop)
        if [[ -d $demo_dir ]]; then
            tests/pg_cluster.sh stop "$demo_dir"
            echo "demo.sh: stopped the PostgreSQL in $demo_dir (rm -rf it to drop the data)" >&2
        else
            echo "demo.sh: no demo cluster at $demo_dir" >&2
        fi
        exit 0 ;;
    -h|--help) sed -n '2,16s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
done

# The name is predictable, so refuse a directory someone else made (or a link planted there).
if [[ -e $demo_dir || -L $demo_dir ]]; then
    owner=$(stat -c %U "$demo_dir")
    expected=$(id -un)
    [[ $(id -u) == 0 ]] && expected=postgres
    [[ ! -L $demo_dir && -d $demo_dir && ( $owner == "$expected" || $owner == "$(id -un)" ) ]] ||
        die "$demo_dir exists but is not a directory of $expected (owner: $owner); remove it and run again"
fi

step "installing missing packages"
tests/install-deps.sh || die "installing packages failed (see above); fix that and run ./demo.sh again"

step "building"
build_log=$(mktemp "${TMPDIR:-/tmp}/twingraph-build.XXXXXX")
{ cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j2; } >"$build_log" 2>&1 ||
    { tail -n 20 "$build_log" >&2; die "the build failed; full log: $build_log"; }
rm -f "$build_log"

step "starting PostgreSQL in $demo_dir"
tests/pg_cluster.sh start "$demo_dir" >/dev/null ||
    die "could not start PostgreSQL (see above); ./demo.sh --stop, then rm -rf $demo_dir, gives a clean start"
set -a
# shellcheck disable=SC1091
. "$demo_dir/env"
set +a
export PGDATABASE=twingraph_demo_$twins
printf 'PGDATABASE=%s\n' "$PGDATABASE" >>"$demo_dir/env"
if [[ ! -e .demo || -L .demo ]]; then
    ln -sfn "$demo_dir" .demo
fi
psql -X -q -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$PGDATABASE'" | grep -q 1 ||
    createdb "$PGDATABASE" || die "could not create database $PGDATABASE; the server log is $demo_dir/server.log"

step "loading $twins smart-city twins (seed $seed) into database $PGDATABASE"
datasets/load_smart_city.sh --twins "$twins" --seed "$seed" || die "loading the dataset failed (see above)"

step "running the standard job (datasets/smart_city.job.json)"
build/twingraph run datasets/smart_city.job.json || die "the job failed (see above)"

conn="host=$PGHOST port=$PGPORT user=$PGUSER dbname=$PGDATABASE"
cat <<MSG

The demo database is in $demo_dir (linked from .demo).
Query the features (or: . .demo/env; psql):
  psql "$conn" -c "SELECT device_id, degree, pagerank, betweenness, component_id FROM features.device_features ORDER BY pagerank DESC LIMIT 10"
Run history:
  psql "$conn" -c "SELECT run_id, status, started_at, finished_at, twin_count, stage_seconds FROM features.runs ORDER BY run_id DESC LIMIT 5"
Stop the database with ./demo.sh --stop
MSG
