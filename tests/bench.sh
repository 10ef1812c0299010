#!/usr/bin/env bash
# make bench: ratios measured in one run. Host benches (crypto core vs
# OpenSSL, ledger; the multi-node ledger on a local etcd) run natively;
# then one guest boots with the module and
# runs build/bin/bench_keyctl: keyctl pkey_sign/verify and aes256-gcm 4 KiB
# encrypt/decrypt against OpenSSL doing the same in the same guest.
#   bench.sh [kver]     (6.1 by default; the module must be built for it)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kver=${1:-6.1}
cd "$top"
make -s benches
for b in build/bench/*; do
	[ -x "$b" ] || continue
	echo "== $(basename "$b")"
	"$b"
done

# The multi-node ledger: three nodes on one local etcd member.
echo "== ledger, 3 nodes on etcd"
if command -v etcd >/dev/null; then
	bash tests/bench/cluster-bench.sh
else
	echo "skipped: etcd is not installed (make deps)"
fi

share=$(mktemp -d /tmp/szkm-bench.XXXXXX)
trap 'rm -rf "$share"' EXIT
# guest SCRIPT [run.sh options]: boots it; each figure it writes to
# bench.txt is printed as soon as it is measured.
guest() {
	local script=$1 run
	shift
	: >"$share/bench.txt"
	tests/vm/run.sh --kver "$kver" --share "$share" "$@" "$script" >"$share/run.log" &
	run=$!
	tail -n +1 -f --pid=$run "$share/bench.txt"
	if ! wait $run; then
		cat "$share/run.log"
		exit 1
	fi
}

echo "== keyctl vs OpenSSL in one $kver guest (TCG)"
# The guest benches get their own limit: the harness default (300 s) is
# for tests, and a busy 2-core machine needs more for every figure. Their
# keys use ledger=async, which only a test device takes (lock PCR 16).
guest tests/bench/guest-bench.sh --timeout 1500 --params lock_pcr=16

# The device unseal before and after the TPM binding (issue 9), in one
# guest: the module of the last commit before it, and the szkmctl that
# speaks its netlink (today's sends ledger keys that it does not know),
# built beside this one.
echo "== device unseal, before and after the TPM binding, in one $kver guest (TCG)"
before=36f1600
kdir=$(scripts/kernel.sh kdir "$kver")
if git cat-file -e "$before^{commit}" 2>/dev/null; then
	old=$(mktemp -d /tmp/szkm-old.XXXXXX)
	git archive "$before" | tar -x -C "$old"
	{ make -s -C "$kdir" M="$old" modules && make -s -C "$old" build/bin/szkmctl KDIR="$kdir"; } \
		>"$share/old-build.log" 2>&1 || { cat "$share/old-build.log"; exit 1; }
	mkdir -p "$share/old" && cp "$old/kmod/szkm.ko" "$old/build/bin/szkmctl" "$share/old/"
	rm -rf "$old"
	guest tests/bench/guest-unseal.sh --timeout 900
else
	echo "skipped: commit $before (the module before the TPM binding) is not in this clone"
fi
