#!/usr/bin/env bash
# pg_cluster.sh - a throwaway PostgreSQL for tests and the demo: initdb + pg_ctl in a directory,
# listening only on a Unix socket in that directory (no TCP port).
#
#   tests/pg_cluster.sh start DIR   start (or reuse) a cluster in DIR; prints the environment to
#                                   use it (PGHOST=... PGPORT=... PGUSER=...) and writes it to DIR/env
#   tests/pg_cluster.sh stop DIR    stop it (DIR stays; rm -rf it to drop the data)
#
# initdb refuses to run as root, so as root the cluster belongs to the unprivileged `postgres`
# user (created by Debian's postgresql package).
set -euo pipefail

cmd=${1:-}
dir=${2:-}
if [[ -z $cmd || -z $dir ]]; then
    echo "usage: $0 start|stop DIR" >&2
    exit 2
fi

bindir=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [[ ! -x $bindir/initdb ]]; then
    echo "pg_cluster.sh: no PostgreSQL server binaries (install the postgresql package)" >&2
    exit 1
fi

as_owner() {
    if [[ $(id -u) == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
data=$dir/data
if (( ${#dir} > 90 )); then
    echo "pg_cluster.sh: $dir is too long for a Unix socket path; use a shorter directory" >&2
    exit 1
fi

case $cmd in
start)
    [[ $(id -u) == 0 ]] && chown postgres "$dir"
    if [[ ! -f $data/PG_VERSION ]]; then
        as_owner "$bindir/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
            { cat "$dir/initdb.log" >&2; exit 1; }
        # A port number is still needed to name the socket file; it is never opened on TCP.
        echo $((20000 + RANDOM % 30000)) >"$dir/port"
        [[ $(id -u) == 0 ]] && chown postgres "$dir/port"
    fi
    port=$(cat "$dir/port")
    if ! as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        as_owner "$bindir/pg_ctl" -D "$data" -w -t 60 -l "$dir/server.log" \
            -o "-c listen_addresses='' -k $dir -p $port -c fsync=off -c full_page_writes=off" start >/dev/null ||
            { cat "$dir/server.log" >&2; exit 1; }
    fi
    printf 'PGHOST=%s\nPGPORT=%s\nPGUSER=postgres\n' "$dir" "$port" | tee "$dir/env"
    ;;
stop)
    if [[ -f $data/PG_VERSION ]] && as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        as_owner "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    fi
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
