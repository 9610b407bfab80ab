#!/usr/bin/env bash
# install-deps.sh - installs the Debian 12 packages twingraph builds, tests and demos with.
# Every package a build step, a test or the demo uses is named here explicitly: installs run
# with --no-install-recommends, so nothing may arrive only as another package's recommendation
# (numpy and scipy, which networkx's pagerank needs, once did). Does nothing when all are
# present; otherwise apt-get update + install (as root, or via sudo).
set -euo pipefail

packages=(
    gcc make cmake pkg-config                                       # build
    libigraph-dev libjansson-dev libgeos-dev libpq-dev uthash-dev   # engine libraries
    libproj-dev                                                     # geodesic distances (PROJ)
    libserd-dev                                                     # Turtle parser (twingraph load --format brick)
    openmpi-bin libopenmpi-dev                                      # MPI scale-out (mpirun -n N twingraph run ...)
    gdal-bin                                                        # ogrinfo reads twingraph's GeoJSON back (tests)
    jupyter-core jupyter-nbconvert python3-ipykernel                # notebooks/, executed headless in the tests
    python3-matplotlib python3-pandas python3-sklearn               # what the notebooks use
    postgresql postgresql-client                                    # throwaway clusters for tests and the demo
    postgresql-15-postgis-3                                         # the geographic oracle (PostGIS)
    python3 python3-networkx python3-numpy python3-scipy            # oracle tests (networkx needs numpy, scipy)
    python3-igraph python3-psycopg2 python3-rdflib                  # oracle and integration tests (rdflib reads Brick)
    time                                                            # peak memory in benchmarks/run.sh (/usr/bin/time)
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} == 0 )); then
    exit 0
fi

sudo=()
if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null || { echo "install-deps.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
fi
echo "install-deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp "${TMPDIR:-/tmp}/twingraph-apt.XXXXXX")
if ! { "${sudo[@]}" apt-get update -q && "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 15 "$log" >&2
    echo "install-deps.sh: apt-get failed (full log: $log); check the network and /etc/apt/sources.list.d, then run it again" >&2
    exit 1
fi
rm -f "$log"
