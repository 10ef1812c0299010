#!/usr/bin/env bash
# The Debian packages (make deb) on a machine: one guest boot without the
# test module, where dpkg installs them on the overlay root, DKMS builds and
# signs szkm.ko for the guest's kernel, it loads and szkmctl reads it, and a
# purge leaves nothing (tests/install/guest-deb.sh).
#   30-deb-guest.sh [6.1|6.12]    packages from $SZKM_DEBS, else build/deb
#                                 (make deb first when it has none)
# SZKM_VM_KVM=1 boots under KVM where it works (a module build under TCG
# takes minutes; run.sh's -cpu max is refused by some nested KVM hosts).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
kver=${1:-${KVER:-6.1}}
# The guest mounts paths under the cache by name: no symlink on the way.
CACHE=$(readlink -f "${CACHE:-$top/.cache}")
export CACHE
debs=${SZKM_DEBS:-$top/build/deb}
if [ -z "${SZKM_DEBS:-}" ] && ! ls "$debs"/szkm-dkms_*.deb >/dev/null 2>&1; then
	mkdir -p "$top/build"
	make --no-print-directory -C "$top" deb >"$top/build/deb.log" 2>&1 ||
		{ tail -n 30 "$top/build/deb.log" >&2; fail "make deb (log: build/deb.log)"; }
fi
ls "$debs"/szkm-dkms_*.deb >/dev/null 2>&1 || fail "no packages in $debs"
kdir=$("$top/scripts/kernel.sh" kdir "$kver") || fail "no headers for $kver: make deps"

share=$(mktemp -d /tmp/szkm-deb-guest.XXXXXX)
trap 'rm -rf "$share"' EXIT
mkdir "$share/debs"
for d in "$debs"/*.deb; do
	case $d in *-dbgsym_*) ;; *) cp "$d" "$share/debs/" ;; esac
done
cp "$top/VERSION" "$share/VERSION"
echo "$kdir" >"$share/kdir"

accel=()
[ -z "${SZKM_VM_KVM:-}" ] || accel=(--kvm)
"$top/tests/vm/run.sh" --kver "$kver" --no-module --share "$share" "${accel[@]}" \
	--timeout "${SZKM_DEB_TIMEOUT:-2400}" "$top/tests/install/guest-deb.sh"
