#!/usr/bin/env bash
# make install into a DESTDIR puts every file where Debian's layout wants it
# with the right mode (programs, library, headers, pkg-config file, manuals,
# units naming the installed paths, a root-only configuration and state);
# a program compiles and links against the installed library through
# pkg-config alone; a second install keeps the operator's configuration; and
# make uninstall leaves only empty folders and what the operator made.
# Standalone: exits non-zero on the first failure.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/szkm-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
D=$tmp/root
fail() { echo "FAIL: $*" >&2; exit 1; }

# The multiarch libdir, as debian/rules passes it.
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
libdir=/usr/lib/$ma
version=$(cat "$top/VERSION")
mk() { # <target>: make with this test's install variables, quiet unless it fails
	make --no-print-directory -C "$top" "$1" DESTDIR="$D" PREFIX=/usr libdir="$libdir" \
		SYSTEMD_UNITDIR=/lib/systemd/system >"$tmp/make.log" 2>&1 ||
		{ tail -n 30 "$tmp/make.log" >&2; fail "make $1"; }
}

# has <mode> <path>: a file or folder under DESTDIR with exactly that mode.
has() {
	[ -e "$D$2" ] || fail "$2 not installed"
	local m; m=$(stat -c %a "$D$2")
	[ "$m" = "$1" ] || fail "$2 has mode $m, not $1"
}

mk install
has 755 /usr/sbin/szkmctl
has 755 /usr/sbin/ledgerd
for h in libszkm.h szkm_event.h szkm.h; do has 644 "/usr/include/szkm/$h"; done
has 644 "$libdir/libszkm.a"
has 644 "$libdir/pkgconfig/szkm.pc"
has 644 /usr/share/man/man8/szkmctl.8
has 644 /usr/share/man/man8/ledgerd.8
has 644 /lib/systemd/system/ledgerd.service
has 600 /etc/ledgerd/ledgerd.conf
has 755 /etc/szkm
has 700 /var/lib/szkm
has 700 /var/lib/ledgerd
cmp -s "$top/ledgerd/ledgerd.conf" "$D/etc/ledgerd/ledgerd.conf" || fail "ledgerd.conf differs"

# The shared library (when this tree builds one): the real file, its SONAME
# link and the development link.
shared=0
for real in "$top"/build/lib/libszkm.so.*.*.*; do
	[ -f "$real" ] || continue
	shared=1
	so=$(objdump -p "$real" | awk '$1 == "SONAME" { print $2 }')
	has 644 "$libdir/${real##*/}"
	[ "$(readlink "$D$libdir/$so")" = "${real##*/}" ] || fail "$so does not name ${real##*/}"
	[ "$(readlink "$D$libdir/libszkm.so")" = "$so" ] || fail "libszkm.so does not name $so"
done

# Units run the installed programs, nothing from the build tree.
grep -qx 'ExecStart=/usr/sbin/ledgerd -c /etc/ledgerd/ledgerd.conf' "$D/lib/systemd/system/ledgerd.service" ||
	fail "ledgerd.service: $(grep ExecStart "$D/lib/systemd/system/ledgerd.service")"
for u in "$top"/userspace/szkmctl/*.service; do
	[ -f "$u" ] || continue
	n=${u##*/}
	has 644 "/lib/systemd/system/$n"
	while read -r exe; do
		[ -x "$D$exe" ] || fail "$n runs $exe, which is not installed"
	done < <(sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\([^ ]*\).*/\1/p' "$D/lib/systemd/system/$n")
done
if [ -f "$top/userspace/szkmctl/szkmctl.bash-completion" ]; then
	has 644 /usr/share/bash-completion/completions/szkmctl
fi
grep -rlIF -e "$top" -e /usr/local "$D" && fail "installed text files name the build tree or /usr/local"

# The pkg-config file has this install's directories and version.
export PKG_CONFIG_SYSROOT_DIR=$D PKG_CONFIG_PATH=$D$libdir/pkgconfig
export PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 PKG_CONFIG_ALLOW_SYSTEM_LIBS=1
[ "$(pkg-config --modversion szkm)" = "$version" ] || fail "szkm.pc version $(pkg-config --modversion szkm)"
grep -qx "libdir=$libdir" "$D$libdir/pkgconfig/szkm.pc" || fail "szkm.pc: $(grep libdir= "$D$libdir/pkgconfig/szkm.pc")"
pkg-config --cflags szkm | grep -qF -- "-I$D/usr/include/szkm" || fail "szkm.pc cflags: $(pkg-config --cflags szkm)"

# A program built against the installed library, with pkg-config's flags
# alone: the example when the tree has one, else a small one that also runs.
static=; [ $shared = 1 ] || static=--static
cat >"$tmp/prog.c" <<'EOF'
#include <errno.h>
#include <stdio.h>
#include <libszkm.h>
#include <szkm_event.h>

int main(void)
{
	char hex[2 * 3 + 1];
	uint8_t in[3] = { 0x5a, 0x6b, 0x6d };

	szkm_hex_encode(hex, in, sizeof(in));
	printf("%s %s\n", hex, szkm_strerror(-ENOENT));
	return 0;
}
EOF
# shellcheck disable=SC2046
cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$tmp/prog" "$tmp/prog.c" \
	$(pkg-config $static --cflags --libs szkm) || fail "a program does not build against the installed libszkm"
out=$(LD_LIBRARY_PATH=$D$libdir "$tmp/prog") || fail "the program failed"
[[ $out == 5a6b6d\ * ]] || fail "the program printed: $out"
if [ $shared = 1 ]; then
	objdump -p "$tmp/prog" | grep -q 'NEEDED *libszkm\.so\.' || fail "the program does not use the shared libszkm"
fi
ex=$top/userspace/examples/szkm-verified-sign.c
if [ -f "$ex" ]; then
	# As its header says: it calls keyutils and OpenSSL itself.
	# shellcheck disable=SC2046
	cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$tmp/example" "$ex" \
		$(pkg-config $static --cflags --libs szkm) -lkeyutils -lcrypto ||
		fail "${ex#"$top/"} does not build against the installed libszkm"
fi

# Uninstalling what is unchanged leaves no file at all.
mk uninstall
left=$(find "$D" ! -type d)
[ -z "$left" ] || fail "left after uninstall: $left"

# The operator's configuration and state survive both a second install
# and the uninstall.
mk install
echo 'origin = ledger.test/szkm' >>"$D/etc/ledgerd/ledgerd.conf"
echo blob >"$D/var/lib/szkm/device.blob"
echo key >"$D/etc/szkm/ledger-keys"
mk install
grep -q '^origin = ledger.test/szkm' "$D/etc/ledgerd/ledgerd.conf" || fail "install replaced a changed ledgerd.conf"
mk uninstall
left=$(cd "$D" && find . ! -type d | sort | tr '\n' ' ')
[ "$left" = "./etc/ledgerd/ledgerd.conf ./etc/szkm/ledger-keys ./var/lib/szkm/device.blob " ] ||
	fail "after uninstall: $left"
has 700 /var/lib/szkm
echo "install: ok ($( [ $shared = 1 ] && echo shared || echo static) libszkm, libdir $libdir)"
