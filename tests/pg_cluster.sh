#!/usr/bin/env bash
# pg_cluster.sh - a throwaway PostgreSQL for tests and the demo: initdb + pg_ctl in a directory,
# listening only on a Unix socket in that directory (no TCP port).
#
#   tests/pg_cluster.sh start DIR   start (or reuse) a cluster in DIR; prints the environment to
#                                   use it (PGHOST=... PGPORT=... PGUSER=...) and writes it to DIR/env
#   tests/pg_cluster.sh stop DIR    stop it (DIR stays; rm -rf it to drop the data)
#
# initdb refuses to run as root, so as root the cluster belongs to the unprivileged `postgres`
# user (created by Debian's postgresql package), and DIR must be a place that user can reach:
# not under a mode-700 home such as /root. Every failure stops here with one message naming the
# step, its log file and what to try.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
if [[ -z $cmd || -z $dir ]]; then
    echo "usage: $0 start|stop DIR" >&2
    exit 2
fi

fail() { # fail STEP LOG HINT
    echo "pg_cluster.sh: $1 failed${2:+; its log is $2}" >&2
    [[ -n $2 && -f $2 ]] && tail -n 5 "$2" | sed 's/^/  | /' >&2
    echo "pg_cluster.sh: $3" >&2
    exit 1
}

bindir=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[[ -x $bindir/initdb ]] ||
    fail "finding the PostgreSQL server" "" "install it (tests/install-deps.sh) or set PG_BINDIR"

as_root=false
[[ $(id -u) == 0 ]] && as_root=true
if $as_root && ! id postgres >/dev/null 2>&1; then
    fail "finding the postgres user" "" "install the postgresql package, which creates it"
fi

# Runs a server command as the cluster's owner, from / so that an unreadable working directory
# (root's home) is no matter.
as_owner() {
    if $as_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

mkdir -p "$dir" || fail "creating $dir" "" "choose a directory you can write"
dir=$(cd "$dir" && pwd)
data=$dir/data
if (( ${#dir} > 90 )); then
    fail "checking $dir" "" "it is too long for a Unix socket path; use a shorter directory"
fi

case $cmd in
start)
    # Mode 700: the socket trusts every local connection, so only the owner (and root) may reach it.
    chmod 700 "$dir"
    if $as_root; then
        chown postgres "$dir"
        runuser -u postgres -- test -w "$dir" ||
            fail "checking that the postgres user can use $dir" "" \
                "a parent directory is closed to it (a home of mode 700?); put the cluster under /var/tmp"
    fi
    if [[ ! -f $data/PG_VERSION ]]; then
        as_owner "$bindir/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
            fail "initdb" "$dir/initdb.log" "remove $dir and try again"
        # A port number is still needed to name the socket file; it is never opened on TCP.
        echo $((20000 + RANDOM % 30000)) >"$dir/port"
        if $as_root; then chown postgres "$dir/port"; fi
    fi
    port=$(cat "$dir/port")
    if ! as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        as_owner "$bindir/pg_ctl" -D "$data" -w -t 60 -l "$dir/server.log" \
            -o "-c listen_addresses='' -k $dir -p $port -c fsync=off -c full_page_writes=off" start >/dev/null 2>&1 ||
            fail "starting PostgreSQL (pg_ctl start)" "$dir/server.log" \
                "read the log; a stale postmaster.pid after a crash can be removed once no postgres process uses $data"
    fi
    printf 'PGHOST=%s\nPGPORT=%s\nPGUSER=postgres\n' "$dir" "$port" >"$dir/env"
    cat "$dir/env"
    ;;
stop)
    if [[ -f $data/PG_VERSION ]] && as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        as_owner "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null ||
            fail "stopping PostgreSQL (pg_ctl stop)" "$dir/server.log" "read the log, or kill the postgres processes of $data"
    fi
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
