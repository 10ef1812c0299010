#!/usr/bin/env bash
# Forged (a signature's twin too), reordered, unenrolled, malformed and replayed events through the
# control socket (the kernel's path minus netlink): each refused one is
# answered with its reason, logged, counted in the metrics and never
# appended; a replayed one is acknowledged again with its first index.
. "$(dirname "$0")/lib.sh"
start
"$B/ledger-testtool" keygen "$T/dev.pem"
"$B/ledger-testtool" keygen "$T/stranger.pem"
"$B/ledger-testtool" events "$T/dev.pem" 6 >"$T/ev"
"$B/ledger-testtool" events "$T/stranger.pem" 2 >"$T/stranger"
"$B/ledgerd" -c /dev/null --control-socket "$CTL" enroll dev-a "$T/dev.pem" >/dev/null
line() { sed -n "$1p" "$T/ev"; }
# flip one hex digit of the signature (last field) or of the body
forge_sig() { line "$1" | python3 -c 'import sys; w=sys.stdin.read().split(); s=w[2]; w[2]=s[:5]+("0" if s[5]!="0" else "1")+s[6:]; print(" ".join(w))'; }
# the signature's twin (r, n - s): it verifies, but format 4 allows the low S only
twin_sig() { line "$1" | python3 -c 'import sys; w=sys.stdin.read().split(); n=0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551; s=bytes.fromhex(w[2]); w[2]=(s[:32]+(n-int.from_bytes(s[32:],"big")).to_bytes(32,"big")).hex(); print(" ".join(w))'; }
forge_body() { line "$1" | python3 -c 'import sys; w=sys.stdin.read().split(); b=w[1]; i=200; w[1]=b[:i]+("0" if b[i]!="0" else "1")+b[i+1:]; print(" ".join(w))'; }

{
	line 1; line 2
	forge_sig 3                         # forged signature
	twin_sig 3                          # the signature's twin (would stall the chain)
	forge_body 3                        # body changed after signing
	line 4                              # reordered: 4 before 3
	head -n 1 "$T/stranger"             # unenrolled device
	line 3 | cut -c1-300                # malformed: cut short
	line 3 | python3 -c 'import sys; w=sys.stdin.read().split(); print(w[0], w[1][:-2], w[2])'  # one byte short
	echo "event 5a $(printf 'ab%.0s' $(seq 64))"   # garbage body
	line 3; line 4                      # now in order
	line 2                              # replayed
	echo "enroll dev-a $("$B/ledger-testtool" pubhex "$T/dev.pem")"  # enrolled twice
} >"$T/mixed"
feed "$T/mixed" >"$T/out" || true
cat >"$T/want" <<W
ok 1 1
ok 2 2
reject bad-signature
reject high-s-signature
reject bad-signature
reject seq-gap
reject unenrolled-device
error usage: event <hex body> <hex sig>
reject truncated
reject truncated
ok 3 3
ok 4 4
dup 2 2
reject already-enrolled
W
diff "$T/want" "$T/out" || fail "replies differ"
get /checkpoint >"$T/cp"
read -r size root < <("$B/ledger-testtool" verify-note "$(vkey)" "$T/cp")
[ "$size" = 5 ] || fail "ledger has $size entries, want 5"
get /metrics >"$T/m"
grep -q 'ledgerd_rejected_events_total{reason="bad-signature"} 2' "$T/m" || fail "metric bad-signature"
grep -q 'ledgerd_rejected_events_total{reason="high-s-signature"} 1' "$T/m" || fail "metric high-s-signature"
grep -q 'ledgerd_rejected_events_total{reason="seq-gap"} 1' "$T/m" || fail "metric seq-gap"
grep -q 'ledgerd_rejected_events_total{reason="unenrolled-device"} 1' "$T/m" || fail "metric unenrolled"
grep -q 'ledgerd_duplicate_events_total 1' "$T/m" || fail "metric duplicates"
grep -q 'rejected event seq 3 of device .*: bad-signature' "$T/log" || fail "not logged"
python3 "$top/tests/ledger/proofs.py" all "$URL" "$size" "$root" >/dev/null
echo "rejections ok"
