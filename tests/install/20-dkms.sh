#!/usr/bin/env bash
# DKMS builds szkm.ko from what make install-dkms puts in /usr/src, for each
# kernel whose headers scripts/kernel.sh finds (6.1, 6.12): the module has
# that kernel's vermagic, VERSION's version, and DKMS's signature (a MOK
# key of this test's own). A private DKMS tree and key: the host's
# /var/lib/dkms and /lib/modules are never touched.
#   20-dkms.sh [6.1|6.12 ...]   (default: both)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v dkms >/dev/null || fail "dkms is not installed (scripts/deps.sh --deb)"
# dkms 3.0 reads its tree and signing key only from /etc/dkms and
# /var/lib/dkms: run it in a mount namespace of its own where both are
# this test's folders.
if [ -z "${SZKM_DKMS_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || fail "needs root (a mount namespace for a private DKMS tree)"
	exec unshare --mount --propagation private env SZKM_DKMS_NS=1 "$0" "$@"
fi
tmp=$(mktemp -d /tmp/szkm-dkms.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/var" "$tmp/etc/framework.conf.d" "$tmp/modules"
mount --bind "$tmp/var" /var/lib/dkms
mount --bind "$tmp/etc/framework.conf.d" /etc/dkms/framework.conf.d
version=$(cat "$top/VERSION")
kvers=("$@")
[ ${#kvers[@]} -gt 0 ] || kvers=(6.1 6.12)

make --no-print-directory -C "$top" install-dkms DESTDIR="$tmp/stage" >"$tmp/make.log" 2>&1 ||
	{ cat "$tmp/make.log" >&2; fail "make install-dkms"; }
src=$tmp/stage/usr/src/szkm-$version
grep -qx "PACKAGE_VERSION=\"$version\"" "$src/dkms.conf" || fail "dkms.conf: $(grep PACKAGE_VERSION "$src/dkms.conf")"
dk() { dkms "$@" --sourcetree "$tmp/stage/usr/src" --installtree "$tmp/modules"; }
dk add -m szkm -v "$version" >"$tmp/add.log" 2>&1 || { cat "$tmp/add.log" >&2; fail "dkms add"; }

built=0
for kver in "${kvers[@]}"; do
	kdir=$("$top/scripts/kernel.sh" kdir "$kver" 2>/dev/null) || { echo "dkms: no headers for $kver (make deps), skipped"; continue; }
	rel=$("$top/scripts/kernel.sh" release "$kver")
	# What dkms signs with on a machine with these headers installed
	# (/lib/modules/REL/build/scripts/sign-file).
	sf=$kdir/scripts/sign-file
	echo "sign_file=\"$sf\"" >"$tmp/etc/framework.conf.d/szkm-test.conf"
	t0=$(date +%s)
	if ! dk build -m szkm -v "$version" -k "$rel" --kernelsourcedir "$kdir" >"$tmp/build-$kver.log" 2>&1; then
		tail -n 30 "$tmp/build-$kver.log" >&2
		tail -n 30 "$tmp/var/szkm/$version/build/make.log" >&2 2>/dev/null || true
		fail "dkms build for $rel"
	fi
	ko=$(find "$tmp/var/szkm/$version/$rel" -name 'szkm.ko*' | head -n 1)
	[ -n "$ko" ] || fail "no szkm.ko for $rel"
	[ "$(/sbin/modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$rel" ] || fail "$ko: vermagic $(/sbin/modinfo -F vermagic "$ko")"
	[ "$(/sbin/modinfo -F version "$ko")" = "$version" ] || fail "$ko: version $(/sbin/modinfo -F version "$ko")"
	signer=$(/sbin/modinfo -F signer "$ko")
	[ "$signer" = "DKMS module signing key" ] || fail "$ko: signer '$signer' ($(grep -i sign "$tmp/build-$kver.log"))"
	echo "dkms: built and signed szkm $version for $rel in $(($(date +%s) - t0)) s (${ko##*/})"
	built=$((built + 1))
done
[ $built -gt 0 ] || fail "no kernel headers to build against"
[ -f "$tmp/var/mok.pub" ] || fail "no MOK certificate in the test's /var/lib/dkms"
dk remove -m szkm -v "$version" --all >/dev/null 2>&1 || fail "dkms remove"
[ ! -e "$tmp/var/szkm" ] || fail "dkms remove left $(ls "$tmp/var/szkm")"
