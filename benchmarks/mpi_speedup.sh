#!/usr/bin/env bash
# mpi_speedup.sh - exact betweenness and harmonic on 1 process, 1 process x 2 threads, and N MPI ranks, side by side.
#
#   benchmarks/mpi_speedup.sh [--twins 100000] [--ranks 2] [--bin build/twingraph] [--yes]
#
# Loads the generated smart city (TRUNCATEs twin.devices and twin.relationships: the database
# name must contain "bench", or pass --yes), then runs one job (exact betweenness and unbounded
# harmonic on the union of hierarchy and relationships: O(twins x edges), the source-parallel
# loops MPI shares out) three ways: one process on one thread, one process on two threads, and
# mpirun -n RANKS with one thread per rank. Prints each feature's seconds, the speed-ups against
# one thread, and whether the three feature tables are equal (they must be, bit for bit).
set -euo pipefail

usage() { sed -n '2,12s/^# \{0,1\}//p' "$0" >&2; exit "${1:-2}"; }
die() { echo "mpi_speedup.sh: $*" >&2; exit 1; }

repo="$(cd "$(dirname "$0")/.." && pwd)"
twins=100000; ranks=2; bin="$repo/build/twingraph"; yes=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --twins) [[ $# -ge 2 ]] || usage; twins="$2"; shift 2 ;;
        --ranks) [[ $# -ge 2 ]] || usage; ranks="$2"; shift 2 ;;
        --bin) [[ $# -ge 2 ]] || usage; bin="$2"; shift 2 ;;
        --yes) yes=1; shift ;;
        -h|--help) usage 0 ;;
        *) echo "mpi_speedup.sh: unknown argument: $1" >&2; usage ;;
    esac
done
[[ "$twins" =~ ^[0-9]+$ && "$ranks" =~ ^[1-9][0-9]*$ ]] || die "--twins and --ranks are whole numbers"
[[ -x "$bin" ]] || die "no twingraph binary at $bin (build it, or pass --bin)"
command -v mpirun >/dev/null || die "mpirun not found (tests/install-deps.sh installs openmpi-bin)"
[[ -n "${PGDATABASE:-}${PGSERVICE:-}" ]] || { echo "mpi_speedup.sh: set the PG* environment of a throwaway database" >&2; exit 2; }
psql_cmd=(psql -X -q -v ON_ERROR_STOP=1)
dbname=$("${psql_cmd[@]}" -At -c 'SELECT current_database()') || die "cannot connect"
[[ "$dbname" == *bench* || $yes -eq 1 ]] || die "refusing to TRUNCATE twin.* in \"$dbname\" (no \"bench\" in its name; --yes overrides)"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/twingraph-mpi.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
export PGOPTIONS="-c client_min_messages=warning"
cat >"$tmp/job.json" <<'JOB'
{"graph": {"layers": ["hierarchy", "relationships"]},
 "features": ["betweenness", "harmonic"],
 "seed": 42, "output": {"table": "features.bench_mpi", "max_shrink": 1}}
JOB

echo "mpi_speedup.sh: loading $twins twins" >&2
"$repo/datasets/load_smart_city.sh" --twins "$twins" >/dev/null 2>&1 || die "loading $twins twins failed"

# Speed-ups mean nothing on a machine other work keeps busy: how busy the cores are for two
# seconds while this script is idle, from /proc/stat.
cpu_busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat; }
read -r busy0 idle0 < <(cpu_busy); sleep 2; read -r busy1 idle1 < <(cpu_busy)
busy_warning=$(awk -v b=$((busy1 - busy0)) -v i=$((idle1 - idle0)) 'BEGIN { if (b + i > 0 && b / (b + i) > 0.25)
    printf "warning: other work kept the cores %.0f%% busy before the runs: the speed-ups are unreliable", 100 * b / (b + i) }')

# run NAME CMD...: the job's stderr in $tmp/NAME.err, a digest of its feature table in $tmp/NAME.md5
run() {
    local name=$1; shift
    echo "mpi_speedup.sh: $name" >&2
    /usr/bin/time -f "%e" -o "$tmp/$name.time" "$@" run "$tmp/job.json" --top 0 >/dev/null 2>"$tmp/$name.err" \
        || { tail -n 20 "$tmp/$name.err" >&2; die "$name failed"; }
    "${psql_cmd[@]}" -At -c "SELECT md5(string_agg(device_id || ' ' || betweenness::text || ' ' || harmonic::text, ',' ORDER BY device_id)) FROM features.bench_mpi" >"$tmp/$name.md5"
}
seconds() { sed -n "s/^twingraph: computed $2 in \([0-9.]*\) s$/\1/p" "$tmp/$1.err"; }
TWINGRAPH_THREADS=1 run one_thread "$bin"
TWINGRAPH_THREADS=2 run two_threads "$bin"
TWINGRAPH_THREADS=1 OMPI_MCA_btl_vader_single_copy_mechanism=none \
    run ranks mpirun -n "$ranks" --oversubscribe --allow-run-as-root "$bin"

echo "machine: $(nproc) cores, $(. /etc/os-release && echo "$PRETTY_NAME"), $(mpirun --version | head -n 1); $twins twins"
[[ -n "$busy_warning" ]] && echo "$busy_warning"
printf '%-28s %12s %9s %12s %9s %9s\n' "" "betweenness" "speed-up" "harmonic" "speed-up" "process"
base_b=$(seconds one_thread betweenness); base_h=$(seconds one_thread harmonic)
for name in one_thread two_threads ranks; do
    b=$(seconds "$name" betweenness); h=$(seconds "$name" harmonic)
    label=$name; [[ $name == ranks ]] && label="mpirun -n $ranks (1 thread each)"
    printf '%-28s %10s s %8sx %10s s %8sx %7s s\n' "$label" "$b" "$(awk -v a="$base_b" -v b="$b" 'BEGIN { printf "%.2f", a / b }')" \
        "$h" "$(awk -v a="$base_h" -v b="$h" 'BEGIN { printf "%.2f", a / b }')" "$(cat "$tmp/$name.time")"
done
if cmp -s "$tmp/one_thread.md5" "$tmp/two_threads.md5" && cmp -s "$tmp/one_thread.md5" "$tmp/ranks.md5"; then
    echo "results: equal bit for bit ($(cat "$tmp/one_thread.md5"))"
else
    echo "results: DIFFER ($(cat "$tmp/one_thread.md5" "$tmp/two_threads.md5" "$tmp/ranks.md5" | tr '\n' ' '))"
    exit 1
fi
