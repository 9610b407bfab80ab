#!/usr/bin/env bash
# fresh_machine.sh - runs the README's two Quick start commands, exactly as printed, on a bare
# Debian 12 root (debootstrap minbase plus compilers, cmake, git and python3: a new machine
# without any of the project's libraries or servers), so that CI cannot pass where a newcomer's
# first two commands fail.
#
#   tests/fresh_machine.sh [--as root|user]   (as root, run from the repository root)
#
# --as root (default): the committed HEAD is cloned into /root/project (a mode-700 home).
# --as user: a user `newcomer` with sudo gets the clone in its own home and runs the commands.
# The bare root is built once and kept at /var/tmp/twingraph-fresh-base.tar (about a minute);
# each run unpacks a new copy and removes it afterwards. Needs root, debootstrap (installed if
# missing) and the machine's apt sources.
set -euo pipefail
as=root
while [[ $# -gt 0 ]]; do
    case $1 in
    --as) as=${2:-}; shift 2 ;;
    *) echo "usage: $0 [--as root|user]" >&2; exit 2 ;;
    esac
done
[[ $as == root || $as == user ]] || { echo "fresh_machine.sh: --as takes root or user" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "fresh_machine.sh: needs root (debootstrap, chroot, mounts)" >&2; exit 1; }
repo=$(git rev-parse --show-toplevel)
base=/var/tmp/twingraph-fresh-base.tar

# The two fenced blocks of the README's "Quick start" section, one command each.
mapfile -t commands < <(/usr/bin/python3 - "$repo/README.md" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
section = re.search(r"^## Quick start\n(.*?)(?=^## )", text, re.S | re.M)
blocks = re.findall(r"```sh\n(.*?)```", section.group(1) if section else "", re.S)
if len(blocks) != 2:
    sys.exit("README.md: the Quick start section must hold exactly two ```sh blocks")
for b in blocks:
    print(b.strip())
PY
)
(( ${#commands[@]} == 2 )) || { echo "fresh_machine.sh: could not read the README's two commands" >&2; exit 1; }

if [[ ! -f $base ]]; then
    echo "== building a bare Debian 12 root (once per machine)"
    command -v debootstrap >/dev/null || apt-get install -y -q debootstrap >/dev/null
    mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
    build_root=$(mktemp -d /var/tmp/twingraph-fresh-build.XXXXXX)
    debootstrap --variant=minbase --include=build-essential,cmake,git,ca-certificates,python3,pkg-config,procps \
        bookworm "$build_root" "$mirror" >/var/tmp/twingraph-debootstrap.log 2>&1 ||
        { tail -n 20 /var/tmp/twingraph-debootstrap.log >&2; echo "fresh_machine.sh: debootstrap failed" >&2; exit 1; }
    cp /etc/apt/sources.list.d/debian.sources "$build_root/etc/apt/sources.list.d/"
    rm -f "$build_root/etc/apt/sources.list"
    tar -C "$build_root" -cf "$base.tmp" . && mv "$base.tmp" "$base"
    rm -rf "$build_root"
fi

root=$(mktemp -d /var/tmp/twingraph-fresh.XXXXXX)
cleanup() {
    for m in dev sys proc; do umount -lR "$root/$m" 2>/dev/null || true; done
    rm -rf "$root"
}
trap cleanup EXIT
tar -C "$root" -xf "$base"
chmod 755 "$root"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

if [[ $as == root ]]; then
    home=/root
    git clone -q "$repo" "$root/root/project"
    run() { chroot "$root" /bin/bash -lc "cd /root/project && $1"; }
else
    # A machine's admin gives a newcomer sudo; nothing else of the project is installed.
    chroot "$root" /bin/bash -c 'apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends sudo >/dev/null &&
        useradd -m -s /bin/bash newcomer && chmod 700 /home/newcomer &&
        echo "newcomer ALL=(ALL) NOPASSWD: ALL" >/etc/sudoers.d/newcomer'
    home=/home/newcomer
    git clone -q "$repo" "$root$home/project"
    chroot "$root" chown -R newcomer: "$home/project"
    run() { chroot "$root" runuser -l newcomer -c "cd ~/project && $1"; }
fi

status=0
for cmd in "${commands[@]}"; do
    echo "== on a fresh Debian 12 as $as, in $home/project: $cmd"
    start=$(date +%s)
    if run "$cmd" >"$root/quickstart.log" 2>&1; then rc=0; else rc=$?; fi
    tail -n 15 "$root/quickstart.log"
    echo "== exit $rc after $(( $(date +%s) - start )) s"
    (( rc == 0 )) || status=1
done
# The demo's cluster runs inside the root; stop it before the root goes.
run "./demo.sh --stop" >/dev/null 2>&1 || true
exit $status
