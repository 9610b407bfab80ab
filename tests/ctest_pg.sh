#!/usr/bin/env bash
# ctest_pg.sh - the CTest fixture around pg_cluster.sh: one throwaway cluster per test run.
#   ctest_pg.sh start BUILD_DIR   make a temporary directory, start a cluster in it, record its
#                                 environment in BUILD_DIR/pgtest.env
#   ctest_pg.sh stop BUILD_DIR    stop that cluster and delete its directory
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cmd=$1
[[ $cmd == start ]] && mkdir -p "$2"
build=$(cd "$2" && pwd)
record=$build/pgtest.env

case $cmd in
start)
    if [[ -f $record ]]; then
        # A previous run that was interrupted: stop and remove its cluster first.
        old=$(sed -n 's/^PGHOST=//p' "$record")
        [[ -n $old && -d $old ]] && { "$here/pg_cluster.sh" stop "$old" || true; rm -rf "$old"; }
    fi
    dir=$(mktemp -d /tmp/twingraph-test.XXXXXX)
    "$here/pg_cluster.sh" start "$dir" >"$record.tmp"
    mv "$record.tmp" "$record"
    cat "$record"
    ;;
stop)
    [[ -f $record ]] || exit 0
    dir=$(sed -n 's/^PGHOST=//p' "$record")
    "$here/pg_cluster.sh" stop "$dir"
    rm -rf "$dir" "$record"
    ;;
esac
