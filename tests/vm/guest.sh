#!/bin/bash
# Guest PID 1, second stage (in the overlay root): load szkm.ko, check its
# self-test lines, run each test script, and report every result on the
# result port (/dev/ttyS1) with this boot's token. The host counts a test
# as passed only on its token line, so a crash or hang reads as a failure.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs tmpfs /run
# No tmpfs on /tmp: the checkout may live there; the overlay is tmpfs already.
mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd	# for bash process substitution
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
hostname szkm-guest

arg() { sed -n "s/.*szkmvm\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
token=$(arg token)
top=$(arg top)
list=$(arg tests)
result() { echo "SZKM-RESULT $token $1 $2" >/dev/ttyS1; }
finish() { echo "SZKM-DONE $token" >/dev/ttyS1; sync; echo o >/proc/sysrq-trigger; sleep 10; }
exec </dev/null >/dev/console 2>&1

export SZKM_TOP=$top SZKM_KVER=$(uname -r) SZKM_SHARE=/mnt/share
v=$(arg vectors)
export SZKM_VECTORS=${v:-$top/tests/vectors}
export SZKM_MODPARAMS=$(arg params | tr , " ")
# The module to load: kmod/szkm.ko, or a test build (run.sh --module).
m=$(arg module)
export SZKM_KO=${m:-$top/kmod/szkm.ko}
# shellcheck source=tests/vm/lib.sh
. "$top/tests/vm/lib.sh"
# Devices made by the tests enrol the test listener's key (szkmctl device
# init reads /etc/szkm/ledger-keys), so the listener's proofs move their
# journal; tests of ledgerd give its key instead.
szkm_ledger_keys_up || echo "szkm-vm: cannot write /etc/szkm/ledger-keys"

# Install the module into the guest's module tree so modprobe resolves its
# dependencies (crypto/ecc is a module on 6.1).
if [ "$(arg nomodule)" != 1 ]; then
	if ! szkm_load; then
		echo "szkm-vm: module load failed"
		dmesg | tail -30
		finish
	fi
fi

for t in $(tr ',' ' ' <<<"$list"); do
	name=$(basename "$t" .sh)
	echo "=== RUN $name"
	taint0=$(cat /proc/sys/kernel/tainted)
	# Each test works in its own fresh folder, $T.
	T=$(mktemp -d "/var/tmp/$name.XXXXXX"); chmod 755 "$T"; export T
	(cd "$T" && keyctl session - bash -e -c '. "$SZKM_TOP/tests/vm/lib.sh"
		# A bare failing command that ends the test names itself and its line.
		set -E; trap '"'"'_szkm_rc=$?; [[ $- != *e* ]] || echo "=== ${BASH_SOURCE##*/}:$LINENO: \"$BASH_COMMAND\" exited $_szkm_rc"'"'"' ERR
		. "$0"' "$t")
	rc=$?
	taint1=$(cat /proc/sys/kernel/tainted)
	# Only out-of-tree (O, 4096) and unsigned (E, 8192) are allowed taints.
	if [ $((taint1 & ~(4096 | 8192))) -ne 0 ]; then
		echo "=== kernel tainted: $taint0 -> $taint1"
		rc=1
	fi
	if [ $rc -eq 0 ]; then
		echo "=== PASS $name"; result "$name" pass
	else
		echo "=== FAIL $name (exit $rc)"; result "$name" fail
		if [ "$(arg nomodule)" != 1 ]; then
			szkm_fresh || echo "szkm-vm: no fresh module after $name failed"
		fi
	fi
done
finish
