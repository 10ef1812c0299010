# Guest half of tests/install/30-deb-guest.sh (run by tests/vm/run.sh with
# --no-module): the packages in /mnt/share/debs install on the guest's
# overlay root, DKMS builds, signs and installs szkm.ko for the running
# kernel from szkm-dkms, the module loads and passes its self-tests, the
# installed szkmctl and a program built against libszkm-dev talk to it,
# nothing is enabled or started; a purge then leaves no szkm file behind.
rel=$(uname -r)
version=$(cat /mnt/share/VERSION)
debs=(/mnt/share/debs/*.deb)
[ -e "${debs[0]}" ] || fail "no packages in /mnt/share/debs"

# Everything named for szkm or ledgerd where packages put files.
szkm_files() {
	find /etc /usr/sbin /usr/lib /usr/include /usr/share/man/man8 /usr/share/doc \
		/usr/share/bash-completion /lib/systemd /var/lib "/lib/modules/$rel" \
		\( -name '*szkm*' -o -name '*ledgerd*' \) 2>/dev/null | sort
	find /usr/src -maxdepth 1 -name 'szkm*' 2>/dev/null
}
szkm_files >"$T/before"

# The kernel's headers, as linux-headers-$rel would link them (the module
# tree is the guest kernel's, bound over the host's).
kdir=$(cat /mnt/share/kdir)
[ -d "$kdir" ] || fail "no headers at $kdir"
ln -sfn "$kdir" "/lib/modules/$rel/build"

# Installing runs dkms add, build (signing with a MOK made on the way) and
# install for the running kernel.
t0=$(date +%s)
DEBIAN_FRONTEND=noninteractive dpkg -i "${debs[@]}" >"$T/dpkg.log" 2>&1 ||
	{ tail -n 40 "$T/dpkg.log"; tail -n 30 /var/lib/dkms/szkm/*/build/make.log 2>/dev/null; fail "dpkg -i"; }
echo "installed in $(($(date +%s) - t0)) s: $(cd /mnt/share/debs && echo *.deb)"
grep -E 'Building|Signing|Installing|depmod' "$T/dpkg.log" | head -n 10 || true
dkms status szkm | grep -q "^szkm/$version, $rel, [^:]*: installed" || fail "dkms status: $(dkms status szkm)"
ko=$(modinfo -n szkm)
[[ $ko == /lib/modules/$rel/updates/dkms/szkm.ko* ]] || fail "modinfo finds $ko"
[ "$(modinfo -F version szkm)" = "$version" ] || fail "module version $(modinfo -F version szkm)"
[ "$(modinfo -F signer szkm)" = "DKMS module signing key" ] || fail "signer '$(modinfo -F signer szkm)'"
for f in mok.key mok.pub; do [ -f "/var/lib/dkms/$f" ] || fail "no /var/lib/dkms/$f"; done

# Installed, neither enabled nor running; state and configuration root only.
[ -f /lib/systemd/system/ledgerd.service ] || fail "no ledgerd.service"
! ls /etc/systemd/system/*.wants/ledgerd.service 2>/dev/null || fail "ledgerd.service was enabled"
! pgrep -x ledgerd >/dev/null || fail "ledgerd was started"
[ "$(stat -c %a /var/lib/szkm)" = 700 ] || fail "/var/lib/szkm mode $(stat -c %a /var/lib/szkm)"
[ "$(stat -c %a /var/lib/ledgerd)" = 700 ] || fail "/var/lib/ledgerd mode $(stat -c %a /var/lib/ledgerd)"
[ "$(stat -c %a /etc/ledgerd/ledgerd.conf)" = 600 ] || fail "ledgerd.conf mode"
! ldd /usr/sbin/szkmctl /usr/sbin/ledgerd | grep 'not found' || fail "a library is missing"

ok modprobe szkm
szkm_selftests_passed
out=$(ok /usr/sbin/szkmctl status)
grep -q "^module: *szkm $version\$" <<<"$out" || fail "status: $out"
grep -q '^tpm: *2.0$' <<<"$out" || fail "status: $out"
grep -q '^state: *uninitialised$' <<<"$out" || fail "status: $out"

# libszkm-dev: a program built with pkg-config's flags, on the shared library.
cat >"$T/prog.c" <<'EOF'
#include <stdio.h>
#include <libszkm.h>

int main(void)
{
	struct szkm_status st;
	int err = szkm_status_get(&st);

	if (err) {
		fprintf(stderr, "status: %s\n", szkm_strerror(err));
		return 1;
	}
	printf("%s\n", st.version);
	return 0;
}
EOF
# shellcheck disable=SC2046
ok cc -std=c11 -Wall -Wextra -Werror -o "$T/prog" "$T/prog.c" $(pkg-config --cflags --libs szkm)
ldd "$T/prog" | grep -Eq 'libszkm\.so\.0 => /(usr/)?lib/' || fail "prog: $(ldd "$T/prog")"
[ "$("$T/prog")" = "$version" ] || fail "prog printed $("$T/prog")"

# Purge: the module, its DKMS tree, programs, units, configuration and
# (empty) state go; DKMS's own MOK stays, as it is DKMS's.
ok rmmod szkm
pkgs=$(for d in "${debs[@]}"; do dpkg-deb -f "$d" Package; done)
# shellcheck disable=SC2086
dpkg --purge $pkgs >"$T/purge.log" 2>&1 || { tail -n 30 "$T/purge.log"; fail "dpkg --purge"; }
[ -z "$(dkms status szkm)" ] || fail "dkms status after purge: $(dkms status szkm)"
! modinfo szkm >/dev/null 2>&1 || fail "modinfo still finds $(modinfo -n szkm)"
for p in $pkgs; do
	! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -qv 'not-installed' ||
		fail "$p: $(dpkg-query -W -f='${Status}' "$p")"
done
szkm_files >"$T/after"
diff -u "$T/before" "$T/after" || fail "files left after the purge"
