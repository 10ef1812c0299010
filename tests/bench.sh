#!/usr/bin/env bash
# make bench: ratios measured in one run. Host benches (crypto core vs
# OpenSSL, ledger) run natively; then one guest boots with the module and
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

echo "== keyctl vs OpenSSL in one $kver guest (TCG)"
share=$(mktemp -d /tmp/szkm-bench.XXXXXX)
trap 'rm -rf "$share"' EXIT
if ! tests/vm/run.sh --kver "$kver" --share "$share" tests/bench/guest-bench.sh >"$share/run.log"; then
	cat "$share/run.log"
	exit 1
fi
cat "$share/bench.txt"
