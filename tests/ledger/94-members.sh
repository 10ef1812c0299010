#!/usr/bin/env bash
# Membership on the ledger (entry type 3): which node keys cosign and how
# many must is itself an entry, and it changes only with approvals by k
# nodes of the membership in force. One node here (the multi-node side is
# the same rule, ledger_apply_entry): a genesis the operator did not
# configure, or approved by fewer than its k, is refused; a change
# approved by fewer than k current members, by a key outside them, with a
# forged or other-origin approval, out of epoch order or replayed is
# refused with its reason and never appended; the ledger rebuilds the
# membership at open and refuses a database whose genesis is not the
# configured one.
. "$(dirname "$0")/lib.sh"
for n in a b c d; do "$B/ledgerd" genkey "$T/$n.pem"; done
L() { "$B/ledgerd" -c /dev/null --origin test.example/ledger --control-socket "$CTL" "$@"; }
as() { local n=$1; shift; L --key "$T/$n.pem" --key-name "node-$n" "$@"; }
for n in a b c d; do eval "V$n=\$(as $n vkey)"; done
# expect FILE WANT: submitting FILE gets reply WANT
expect() {
	local got
	got=$(L member submit "$1" || true)
	[ "$got" = "$2" ] || fail "submit $(basename "$1"): got '$got', want '$2'"
}
members() { echo members | feed; }

as a member propose "$T/g" --genesis --k 2 --key "$Va" --key "$Vb" --key "$Vc" >/dev/null
cp "$T/g" "$T/genesis"                      # what the operator configures
as a member approve "$T/g" >/dev/null

# Attacker: a node whose configuration names no genesis is handed one by
# whoever reaches its control socket (or etcd). It must not let the log
# choose its own first trust.
LEDGERD_ARGS+=(--key "$T/a.pem" --key-name node-a)
start
expect "$T/g" "reject member-not-genesis"
stop

start --genesis "$T/genesis"
# Attacker: one node's operator alone (1 approval of the k=2).
expect "$T/g" "reject member-too-few-approvals"
# Attacker: the same operator writes a genesis that makes it sole member.
as a member propose "$T/solo" --genesis --k 1 --key "$Va" >/dev/null
as a member approve "$T/solo" >/dev/null
expect "$T/solo" "reject member-genesis-differs"
[ "$(members)" = "members 0" ] || fail "a refused genesis changed the membership"
as b member approve "$T/g" >/dev/null
expect "$T/g" "member 0 1"
members | grep -q '^members 1 2 3 ' || fail "epoch 1 not in force: $(members)"
get '/entries?start=0&end=1' | grep -q '"type":"membership"' || fail "entry 0 not shown as membership"

# Epoch 2 replaces node-c by node-d, k stays 2.
as a member propose "$T/e2" --k 2 --key "$Va" --key "$Vb" --key "$Vd" >/dev/null
as b member show "$T/e2" | grep -q '^epoch 2$' || fail "proposal is not epoch 2"
cp "$T/e2" "$T/e2-d"; cp "$T/e2" "$T/e2-other"
as a member approve "$T/e2" >/dev/null
# Attacker: one current member (node-a) alone.
expect "$T/e2" "reject member-too-few-approvals"
# Attacker: the incoming key vouches for itself with node-a.
as a member approve "$T/e2-d" >/dev/null
as d member approve "$T/e2-d" >/dev/null
expect "$T/e2-d" "reject member-approval-not-a-member"
# Attacker: node-b's approval taken from another log (another origin).
as a member approve "$T/e2-other" >/dev/null
"$B/ledgerd" -c /dev/null --origin test.example/other --key "$T/b.pem" --key-name node-b \
	member approve "$T/e2-other" >/dev/null
expect "$T/e2-other" "reject member-bad-approval"
# Attacker: a forged approval (one byte of node-b's signature flipped).
cp "$T/e2" "$T/e2-forged"
as b member approve "$T/e2-forged" >/dev/null
python3 - "$T/e2-forged" <<'P'
import sys
p = sys.argv[1]; h = bytearray(bytes.fromhex(open(p).read().strip()))
h[-1] ^= 1
open(p, "w").write(h.hex() + "\n")
P
expect "$T/e2-forged" "reject member-bad-approval"
members | grep -q '^members 1 ' || fail "a refused change moved the epoch: $(members)"
as b member approve "$T/e2" >/dev/null
expect "$T/e2" "member 1 2"
members | grep -q '^members 2 2 3 ' || fail "epoch 2 not in force: $(members)"
# Attacker: a replay of an accepted change, and a change that skips ahead
# of the epoch in force (proposed against epoch 1 after epoch 2).
expect "$T/e2" "reject member-epoch-not-next"
# node-c is no longer a member: with node-a it cannot change anything.
L member propose "$T/e3" --k 1 --key "$Vc" >/dev/null
as a member approve "$T/e3" >/dev/null
as c member approve "$T/e3" >/dev/null
expect "$T/e3" "reject member-approval-not-a-member"
grep -q 'refused a membership change from the control socket: member-too-few-approvals' "$T/log" ||
	fail "refusal not logged"
size=$(echo sync | feed | awk '{print $2}')
[ "$size" = 2 ] || fail "refused changes were appended: size $size"
stop

# The membership is rebuilt from the entries at open.
start --genesis "$T/genesis"
members | grep -q '^members 2 2 3 ' || fail "epoch 2 lost at restart: $(members)"
stop
L --db "$T/l.db" --key "$T/a.pem" --key-name node-a --genesis "$T/genesis" check >/dev/null ||
	fail "check refused a sound membership history"
# Attacker: the log's operator points the node at another genesis (the
# solo one) to take over the anchor: the ledger refuses to open.
if L --db "$T/l.db" --key "$T/a.pem" --key-name node-a --genesis "$T/solo" check 2>"$T/err"; then
	fail "a log whose genesis is not the configured one was accepted"
fi
grep -q 'entry 0 changes the membership without the right to (member-genesis-differs)' "$T/err" ||
	fail "wrong refusal: $(cat "$T/err")"
echo "ok 94-members: genesis, epoch changes with k approvals, 7 attacks refused"
