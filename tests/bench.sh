#!/usr/bin/env bash
# make bench: ratios measured in one run. Host benches (crypto core vs
# OpenSSL, ledger) run natively; in-guest keyctl-vs-OpenSSL figures join as
# the secure zone lands.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
make -s benches
for b in build/bench/*; do
	[ -x "$b" ] || continue
	echo "== $(basename "$b")"
	"$b"
done
