# Guest half of tests/install/30-deb-guest.sh (run by tests/vm/run.sh with
# --no-module): the packages in /mnt/share/debs install on the guest's
# overlay root, DKMS builds, signs and installs szkm.ko for the running
# kernel from szkm-dkms, the module loads and passes its self-tests, the
# installed szkmctl and a program built against libszkm-dev talk to it,
# nothing is enabled or started; the demo's key-and-event steps run from
# the installed paths; a purge then leaves only the operator's state.
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

# Tests only: lock PCR 16, the resettable debug PCR, so that a module
# reload stands in for the reboot before the restore below (as in the
# one-boot suite; szkmctl(8)). An operator keeps the default, 13.
echo "options szkm lock_pcr=16" >/etc/modprobe.d/szkm-test.conf
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

# The demo's key-and-event steps, with the installed programs only (no
# build/ on the PATH) and ledgerd and the restore run as their units run
# them: a node key, a TPM-bound device, ledgerd enrolling it, keys, data, a
# rotation, the example program verifying before it signs, the client's
# verification, the state saved, and after a module reload (the stand-in
# for a reboot) restored by the restore unit's command.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
# The harness's own /etc/szkm (the test listener's key), put back at the end.
cp -a /etc/szkm "$T/etc-szkm" 2>/dev/null || true
unit_cmd() { sed -n 's/^ExecStart=//p' "/lib/systemd/system/$1"; }
url=http://127.0.0.1:8587
ip link set lo up
ok ledgerd genkey /etc/ledgerd/node.pem >/dev/null
mkdir -p /etc/szkm
ledgerd vkey >/etc/szkm/ledger-keys || fail "ledgerd vkey"
vkey=$(cat /etc/szkm/ledger-keys)
ok szkmctl device init >/dev/null
[ -s /var/lib/szkm/device.blob ] || fail "no /var/lib/szkm/device.blob"
mkdir -p /run/ledgerd
cmd=$(unit_cmd ledgerd.service)
[ -n "$cmd" ] || fail "ledgerd.service has no ExecStart"
$cmd 2>"$T/ledgerd.log" </dev/null &
lpid=$!
trap 'kill $lpid 2>/dev/null' EXIT
serving() { curl -sf "$url/health" >/dev/null; }
until_ok 30 serving || fail "ledgerd ($cmd) does not serve: $(tail -3 "$T/ledgerd.log")"
szkmctl device identity --pem >"$T/device.pem" || fail "device identity"
ok ledgerd enroll deb-guest "$T/device.pem" >/dev/null
journal_empty() { [ "$(szkmctl status --json | jq .journal)" = 0 ]; }
until_ok 30 journal_empty || fail "the device's first event is not proven: $(tail -3 "$T/ledgerd.log")"
keyctl link @u @s >/dev/null
ok szkmctl key create db --alg aes256-gcm --wait 60 >/dev/null
ok szkmctl key create signer --alg ecdsa-p256 --wait 60 >/dev/null
echo "payroll, March" >"$T/data"
keyctl pkey_encrypt %szkm:db 0 "$T/data" >"$T/data.v1" || fail "encrypt"
ok szkmctl key rotate db --wait 60 >/dev/null
[ "$(szkmctl key show db --json | jq .active)" = 2 ] || fail "db: $(szkmctl key show db)"
keyctl pkey_decrypt %szkm:db 0 "$T/data.v1" | cmp -s - "$T/data" || fail "v1 data after the rotation"
ex=$(ls /usr/share/doc/libszkm-dev/examples/szkm-verified-sign.c*) || fail "no example program installed"
case $ex in *.gz) zcat "$ex" >"$T/vsign.c" ;; *) cp "$ex" "$T/vsign.c" ;; esac
# shellcheck disable=SC2046
ok cc -std=c11 -Wall -Werror -o "$T/vsign" "$T/vsign.c" $(pkg-config --cflags --libs szkm libkeyutils libcrypto)
echo "release 1.0" >"$T/release"
ok "$T/vsign" signer "$url" "$T/release" "$vkey" >/dev/null
ok openssl dgst -sha256 -verify "$T/release.pub.pem" -signature "$T/release.sig" "$T/release" >/dev/null
ok szkmctl verify --ledger "$url" --all --ledger-key "$vkey" >/dev/null
ok szkmctl state save >/dev/null
keyctl clear @u
ok rmmod szkm
tpm2_pcrreset -T device:/dev/tpmrm0 16 >/dev/null || fail "resetting PCR 16"
ok modprobe szkm
cmd=$(unit_cmd szkm-restore.service)
[ -n "$cmd" ] || fail "szkm-restore.service has no ExecStart"
$cmd >"$T/restore.log" 2>&1 || fail "$cmd: $(cat "$T/restore.log")"
keyctl pkey_decrypt %szkm:db 0 "$T/data.v1" | cmp -s - "$T/data" || fail "v1 data after the restore"
ok szkmctl verify --ledger "$url" --key db --ledger-key "$vkey" >/dev/null
echo "demo steps with installed paths: device, ledgerd (its unit's command), 2 keys, rotation, verified signature, state saved and restored (the unit's command)"
kill $lpid; wait $lpid 2>/dev/null || true
trap - EXIT
keyctl clear @u
rm /etc/modprobe.d/szkm-test.conf

# Purge: the module, its DKMS tree, programs, units and configuration go;
# the operator's state stays (the device blob and saved keys, the ledger,
# the node key and the ledger keys); DKMS's own MOK stays, as it is DKMS's.
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
for f in /var/lib/szkm/device.blob /var/lib/szkm/state/manifest /var/lib/ledgerd/ledger.db \
	/etc/ledgerd/node.pem /etc/szkm/ledger-keys; do
	[ -s "$f" ] || fail "the purge removed the operator's $f"
done
grep -q "kept /var/lib/szkm" "$T/purge.log" && grep -q "kept /var/lib/ledgerd" "$T/purge.log" ||
	fail "the purge did not say what it kept: $(cat "$T/purge.log")"
# Once the operator removes that state too, nothing of szkm is left.
rm -rf /var/lib/szkm /var/lib/ledgerd /etc/ledgerd /etc/szkm
[ ! -d "$T/etc-szkm" ] || cp -a "$T/etc-szkm" /etc/szkm
szkm_files >"$T/after"
diff -u "$T/before" "$T/after" || fail "files left after the purge"
