#!/usr/bin/env bash
# Resolves the kernel pair (headers to build against, image to boot) for a
# KVER of 6.1 or 6.12, and fetches the parts that never touch the host's
# /boot: the guest image (and, for 6.12, the headers) are unpacked under
# $CACHE/kernels/<release>/ with dpkg-deb -x.
#
#   kernel.sh release <kver>   Debian release string, e.g. 6.1.0-56-amd64
#   kernel.sh kdir <kver>      headers folder to build against (if present)
#   kernel.sh root <kver>      unpacked image root (if present)
#   kernel.sh fetch <kver>     download + unpack what is missing
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# Resolved: the guest sees the host through 9p, where a symlinked .cache
# (a worktree's) would point outside the shared root.
CACHE=$(realpath -m "${CACHE:-$top/.cache}")

die() { echo "kernel.sh: $*" >&2; exit 1; }

# The headers metapackage names the exact release; prefer what is installed.
meta_pkg() {
	case "$1" in
	6.1) echo linux-headers-amd64 ;;
	6.12) echo linux-headers-6.12-amd64 ;;
	*) die "unknown KVER '$1' (use 6.1 or 6.12)" ;;
	esac
}

release() {
	local pkg dep
	pkg=$(meta_pkg "$1")
	dep=$(dpkg-query -W -f='${Depends}' "$pkg" 2>/dev/null || true)
	[ -n "$dep" ] || dep=$(apt-cache depends "$pkg" 2>/dev/null | awk '/Depends:/{print $2; exit}')
	dep=${dep%% *}
	dep=${dep%,}
	[ -n "$dep" ] || die "cannot resolve $pkg (apt-get update?)"
	echo "${dep#linux-headers-}"
}

kroot() { echo "$CACHE/kernels/$(release "$1")"; }

kdir() {
	local rel; rel=$(release "$1")
	if [ "$1" = 6.1 ] && [ -d "/usr/src/linux-headers-$rel" ]; then
		echo "/usr/src/linux-headers-$rel"
	elif [ -d "$(kroot "$1")/headers/usr/src/linux-headers-$rel" ]; then
		echo "$(kroot "$1")/headers/usr/src/linux-headers-$rel"
	else
		return 1
	fi
}

unpack() { # <package> <dest>
	local tmp; tmp=$(mktemp -d); chmod 777 "$tmp"
	(cd "$tmp" && apt-get download -q "$1" >/dev/null 2>"$tmp/err") ||
		{ cat "$tmp/err" >&2; die "apt-get download $1 failed"; }
	mkdir -p "$2"
	dpkg-deb -x "$tmp"/*.deb "$2"
	rm -rf "$tmp"
}

fetch() {
	local rel root common kb
	rel=$(release "$1"); root=$(kroot "$1")
	if [ ! -f "$root/image/boot/vmlinuz-$rel" ]; then
		echo "kernel.sh: fetching guest kernel linux-image-$rel"
		rm -rf "$root/image.tmp"
		unpack "linux-image-$rel" "$root/image.tmp"
		# The package's postinst would run depmod; we never install it.
		/sbin/depmod -b "$root/image.tmp" "$rel"
		mv "$root/image.tmp" "$root/image"
	fi
	if [ "$1" = 6.12 ] && [ ! -d "$root/headers/usr/src/linux-headers-$rel" ]; then
		echo "kernel.sh: fetching headers for $rel (unpacked, not installed)"
		common=$(apt-cache depends "linux-headers-$rel" | awk '/Depends: linux-headers-.*-common/{print $2; exit}')
		kb=$(apt-cache depends "linux-headers-$rel" | awk '/Depends: linux-kbuild-/{print $2; exit}')
		rm -rf "$root/headers.tmp"
		unpack "linux-headers-$rel" "$root/headers.tmp"
		unpack "$common" "$root/headers.tmp"
		unpack "$kb" "$root/headers.tmp"
		# The arch Makefile includes the common one by absolute path.
		sed -i "s|include /usr/src/|include $root/headers/usr/src/|" \
			"$root/headers.tmp/usr/src/linux-headers-$rel/Makefile"
		mv "$root/headers.tmp" "$root/headers"
	fi
}

cmd=${1:-}; kver=${2:-6.1}
case "$cmd" in
release) release "$kver" ;;
kdir) kdir "$kver" ;;
root) d="$(kroot "$kver")/image"; [ -d "$d" ] && echo "$d" ;;
fetch) fetch "$kver" ;;
*) die "usage: kernel.sh release|kdir|root|fetch <6.1|6.12>" ;;
esac
