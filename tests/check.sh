#!/usr/bin/env bash
# make check: unit tests, then the VM tests (all guest scripts in one boot,
# then the host-driven multi-boot tests), then the host tests of szkmctl and
# of the ledger, one summary line at the end.
#   check.sh [--vm-only] <kver> [unit test binaries...]
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
vm_only=0
if [ "${1:-}" = --vm-only ]; then vm_only=1; shift; fi
kver=${1:-6.1}; shift || true
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
add() { # <summary file> [<label>]: add "P F" counts
	local p=0 f=1
	[ -s "$1" ] && read -r p f <"$1"
	pass=$((pass + p)); fail=$((fail + f))
}

if [ $vm_only = 0 ] && [ $# -gt 0 ]; then
	echo "== unit tests"
	"$top/tests/run-unit.sh" --summary "$tmp/unit" "$@"
	add "$tmp/unit"
fi

echo "== VM tests on $kver (guest scripts, one boot)"
guest=("$top"/tests/vm/t/*.sh)
# SZKM_EXTRA_VM_TESTS adds guest scripts (used once to prove that a failing
# test fails the run: tests/vm/fixtures/fails.sh).
for x in ${SZKM_EXTRA_VM_TESTS:-}; do guest+=("$(realpath "$x")"); done
# lock_pcr=16: the resettable debug PCR, so that a reload can stand in
# for a reboot (szkm_load resets it); the multi-boot tests below use the
# default lock PCR and real reboots. The boot's bound is for a hang: about
# 12 minutes idle, 25 on a 2-core host busy with two other guests.
"$top/tests/vm/run.sh" --kver "$kver" --timeout 3000 --params lock_pcr=16 \
	--summary "$tmp/vm" "${guest[@]}"
add "$tmp/vm"

echo "== VM tests on $kver (host-driven, several boots)"
for h in "$top"/tests/vm/h/*.sh; do
	n=$(basename "$h" .sh)
	if out=$(KVER=$kver bash "$h" 2>&1); then
		echo "PASS $n"; pass=$((pass + 1))
	else
		echo "FAIL $n"; sed 's/^/  | /' <<<"$out" | tail -n 40; fail=$((fail + 1))
	fi
done

# host_test <group> <script> [args]: one host test, counted; its output
# only when it fails.
host_test() {
	local n out
	n=$1/$(basename "$2" .sh)
	if out=$(bash "${@:2}" 2>&1); then
		echo "PASS $n"; pass=$((pass + 1))
	else
		echo "FAIL $n"; sed 's/^/  | /' <<<"$out" | tail -n 40; fail=$((fail + 1))
	fi
}

if [ $vm_only = 0 ]; then
	echo "== szkmctl tests (host)"
	for t in "$top"/tests/cli/*.sh; do host_test cli "$t"; done
	echo "== ledger tests (host)"
	for t in "$top"/tests/ledger/[0-9]*.sh; do host_test ledger "$t"; done
	# make install into a DESTDIR, and DKMS building the module for this
	# kernel (30-deb-guest.sh, the .debs in a guest, is run by hand).
	echo "== install tests (host)"
	for t in "$top"/tests/install/10-install.sh "$top"/tests/install/20-dkms.sh; do
		host_test install "$t" "$kver"
	done
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
