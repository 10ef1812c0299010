#!/usr/bin/env bash
# Installs every Debian package that szkm's build, demo and tests need
# (skipping what is installed) and fetches the guest kernel for KVER into
# the cache (never installed on the host). Idempotent.
#   deps.sh [--if-missing] [--deb] [--fuzz] [6.1|6.12 ...]
# --deb: also what make deb needs (debhelper, dh-dkms, lintian and every
# Build-Depends of debian/control); then kernels only when named.
# --fuzz: also clang, for make fuzz; kernels only when named.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

PACKAGES=(
	build-essential pkg-config bc xz-utils cpio dwarves kmod
	linux-headers-amd64
	qemu-system-x86 swtpm swtpm-tools busybox-static
	keyutils libkeyutils-dev tpm2-tools libtss2-dev
	libnl-3-dev libnl-genl-3-dev libssl-dev openssl
	libsqlite3-dev sqlite3 libjansson-dev libcmocka-dev
	libcurl4-openssl-dev
	iproute2 e2fsprogs cryptsetup-bin dmsetup
	curl python3 softhsm2 libengine-pkcs11-openssl tpm2-openssl
	etcd-server
	dkms
)

# make fuzz (libFuzzer).
FUZZ_PACKAGES=(clang)

# make deb (the rest of debian/control's Build-Depends is in PACKAGES).
DEB_PACKAGES=(dpkg-dev debhelper dh-dkms fakeroot lintian)

quick=0 deb=0 fuzz=0
while [ $# -gt 0 ]; do
	case "$1" in
	--if-missing) quick=1 ;;
	--deb) deb=1 ;;
	--fuzz) fuzz=1 ;;
	*) break ;;
	esac
	shift
done
kvers=("$@")
[ ${#kvers[@]} -gt 0 ] || [ $deb = 1 ] || [ $fuzz = 1 ] || kvers=(6.1 6.12)
[ $deb = 0 ] || PACKAGES+=("${DEB_PACKAGES[@]}")
[ $fuzz = 0 ] || PACKAGES+=("${FUZZ_PACKAGES[@]}")

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps.sh: installing ${missing[*]}"
	sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update -q
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
elif [ $quick = 0 ]; then
	echo "deps.sh: all ${#PACKAGES[@]} packages installed"
fi
# Whatever else debian/control asks for.
if [ $deb = 1 ] && ! (cd "$top" && dpkg-checkbuilddeps >/dev/null 2>&1); then
	echo "deps.sh: installing debian/control's Build-Depends"
	sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
	DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 build-dep -y -q \
		--no-install-recommends "$top/"
fi

for k in "${kvers[@]+"${kvers[@]}"}"; do
	"$top/scripts/kernel.sh" fetch "$k"
	"$top/scripts/kernel.sh" kdir "$k" >/dev/null || { echo "deps.sh: no headers for $k" >&2; exit 1; }
done
