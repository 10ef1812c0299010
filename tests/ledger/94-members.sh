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

# Enrolment is gated too, once the log has a membership.
"$B/ledger-testtool" keygen "$T/devx.pem"
"$B/ledger-testtool" keygen "$T/devy.pem"
# Attacker: anyone who reaches a node's control socket (or one node's
# operator alone) enrols a device of theirs the old way.
out=$("$B/ledgerd" -c /dev/null --control-socket "$CTL" enroll dev-x "$T/devx.pem" || true)
[ "$out" = "reject enrolment-needs-approvals" ] || fail "unapproved enrolment: $out"
L member enrol "$T/en" dev-x "$T/devx.pem" >/dev/null
L member enrol "$T/en-stale" dev-y "$T/devy.pem" >/dev/null
as a member approve "$T/en" >/dev/null
# Attacker: one member alone (k = 2).
expect "$T/en" "reject member-too-few-approvals"
as b member approve "$T/en" >/dev/null
expect "$T/en" "enrolled 1 $("$B/ledger-testtool" devid "$T/devx.pem")"
"$B/ledger-testtool" events "$T/devx.pem" 2 >"$T/devx.ev"
[ "$(feed "$T/devx.ev" | grep -c '^ok ')" = 2 ] || fail "events of the approved device"
as a member approve "$T/en-stale" >/dev/null
as b member approve "$T/en-stale" >/dev/null

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
expect "$T/e2" "member 4 2"
members | grep -q '^members 2 2 3 ' || fail "epoch 2 not in force: $(members)"
# Attacker: approvals gathered under epoch 1, used after epoch 2 removed
# node-c (the approvers of a stale membership).
expect "$T/en-stale" "reject enrolment-stale-membership"
# Attacker: a replay of an accepted change, and a change that skips ahead
# of the epoch in force (proposed against epoch 1 after epoch 2).
expect "$T/e2" "reject member-epoch-not-next"
# node-c is no longer a member: with node-a it cannot change anything.
L member propose "$T/e3" --k 1 --key "$Vc" >/dev/null
as a member approve "$T/e3" >/dev/null
as c member approve "$T/e3" >/dev/null
expect "$T/e3" "reject member-approval-not-a-member"
grep -q 'refused an approved entry (membership or enrolment) from the control socket: member-too-few-approvals' "$T/log" ||
	fail "refusal not logged"
size=$(echo sync | feed | awk '{print $2}')
[ "$size" = 5 ] || fail "refused entries were appended: size $size"
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
echo "members: one node: genesis, epoch changes and enrolments with k approvals, 13 attacks refused"

# Three nodes on etcd (lib-etcd.sh). The cosigning threshold follows the
# membership: k = 2 at epoch 1, k = 3 once epoch 2 says so.
. "$(dirname "$0")/lib-etcd.sh"
by() { local i=$1; shift; "$B/ledgerd" -c /dev/null --origin test.example/ledger \
	--key "$T/n$i.pem" --key-name "node$i.test.example" --control-socket "$T/c$i" "$@"; }
by 1 member propose "$T/mg" --genesis --k 2 --key "${VK[1]}" --key "${VK[2]}" --key "${VK[3]}" >/dev/null
cp "$T/mg" "$T/mgenesis"
by 1 member approve "$T/mg" >/dev/null
by 2 member approve "$T/mg" >/dev/null
# lib-etcd.sh's start_node, run through a ledgerd that adds the genesis
# the operator configured to the node's settings.
mkdir -p "$T/with-genesis"
printf '#!/bin/sh\nexec %q "$@" --genesis %q\n' "$B/ledgerd" "$T/mgenesis" >"$T/with-genesis/ledgerd"
chmod +x "$T/with-genesis/ledgerd"
start_member_node() { local B=$T/with-genesis; start_node "$1"; }
start_etcd
for i in 1 2 3; do start_member_node "$i"; done
out=$(by 1 member submit "$T/mg") || fail "genesis through node 1: $out"
[ "$out" = "member 0 1" ] || fail "genesis through node 1: $out"
expect_converged 1
[ "$(signers 1)" -ge 2 ] || fail "epoch 1 checkpoint has fewer than 2 signatures"
# Epoch 2, proposed against what node 2 holds, approved by nodes 2 and 3,
# submitted through node 3: k = 3.
by 2 member propose "$T/m2" --k 3 --key "${VK[1]}" --key "${VK[2]}" --key "${VK[3]}" >/dev/null
by 2 member approve "$T/m2" >/dev/null
by 3 member approve "$T/m2" >/dev/null
out=$(by 3 member submit "$T/m2") || fail "epoch 2 through node 3: $out"
[ "$out" = "member 1 2" ] || fail "epoch 2 through node 3: $out"
"$B/ledger-testtool" keygen "$T/dev.pem"
by 1 member enrol "$T/en-a" dev-a "$T/dev.pem" >/dev/null
for i in 1 2 3; do by "$i" member approve "$T/en-a" >/dev/null; done
out=$(by 1 member submit "$T/en-a") || fail "approved enrolment through node 1: $out"
[[ $out == "enrolled 2 "* ]] || fail "approved enrolment through node 1: $out"
expect_converged 3
for i in 1 2 3; do
	[ "$(echo members | feed_to "$i" | cut -d' ' -f1-4)" = "members 2 3 3" ] ||
		fail "node $i does not hold epoch 2"
	[ "$(signers "$i")" = 3 ] || fail "node $i serves a checkpoint without the 3 signatures epoch 2 asks"
done
echo "members: 3 nodes followed epoch 2, checkpoints now cosigned by 3"

# A client (libszkm, as szkmctl verify) anchored on the genesis keys and
# k = 2 follows epoch 1 and 2 through their approvals and checks the
# checkpoint against epoch 2's k = 3.
"$B/ledger-testtool" events "$T/dev.pem" 6 3 >"$T/dev.ev"
[ "$(feed_to 2 "$T/dev.ev" | grep -c '^ok ')" = 6 ] || fail "events through node 2"
expect_converged 9
# seq 3 (entry 5) creates the device's first key.
kid=$(hget 3 '/entries?start=5&end=6' | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"][0]["key_id"])')
[ "$(hget 3 /members | python3 -c 'import json,sys; print([e["epoch"] for e in json.load(sys.stdin)["entries"]])')" = "[1, 2]" ] ||
	fail "/members: $(hget 3 /members)"
verify() { "$B/szkmctl" verify --ledger "http://127.0.0.1:$P3" --key-id "$kid" --state "$T/st.$RANDOM" "$@" 2>&1; }
out=$(verify --ledger-key "${VK[1]}" --ledger-key "${VK[2]}" --ledger-key "${VK[3]}" --threshold 2) ||
	fail "szkmctl verify from the genesis anchor: $out"
[[ $(tail -n 1 <<<"$out") == *"verified against checkpoint of size 9 (3 of the configured keys)" ]] ||
	fail "szkmctl verify: $out"
# Attacker: whoever serves the log, against a client that demands 3
# approvals at the anchor: the genesis carries 2, so nothing after it
# counts.
out=$(verify --ledger-key "${VK[1]}" --ledger-key "${VK[2]}" --ledger-key "${VK[3]}" --threshold 3) &&
	fail "a membership approved by 2 passed a client that needs 3: $out"
[[ $out == *"membership epoch 1 at entry 0: approved by 2 of the keys in force, 3 needed"* ]] ||
	fail "wrong refusal: $out"
# Attacker: a log whose membership the client's anchor (node 3 alone,
# which approved nothing at genesis) never vouched for.
out=$(verify --ledger-key "${VK[3]}" --threshold 1) && fail "an unapproved genesis was followed: $out"
[[ $out == *"membership epoch 1 at entry 0: approved by 0 of the keys in force, 1 needed"* ]] ||
	fail "wrong refusal: $out"
# Attacker: whoever serves the log to the client keeps epoch 2's entry
# back, so that the client would go on with epoch 1's keys. The
# checkpoint's signers name epoch 2 in their signed membership line.
python3 "$top/tests/ledger/withhold_proxy.py" "http://127.0.0.1:$P3" "$T/proxy.port" &
proxy=$!
until_ok 10 test -s "$T/proxy.port" || fail "the withholding proxy did not start"
out=$("$B/szkmctl" verify --ledger "http://127.0.0.1:$(cat "$T/proxy.port")" --key-id "$kid" \
	--state "$T/st.proxy" --ledger-key "${VK[1]}" --ledger-key "${VK[2]}" \
	--ledger-key "${VK[3]}" --threshold 2 2>&1) && fail "a withheld membership entry went unseen: $out"
kill "$proxy"
[[ $out == *"checkpoint: its signed lines name the membership 'szkm-members 2 "*"' but the ledger showed epoch 1: a membership entry was withheld"* ]] ||
	fail "wrong refusal: $out"
hget 3 /checkpoint | grep -q "^szkm-members 2 " || fail "node 3's checkpoint has no membership line: $(hget 3 /checkpoint)"
echo "members: szkmctl verify follows epochs 1 and 2 from its anchor, refuses too few approvals and a withheld epoch"

# Attacker: node 1's operator, holding node 1's key and write access to
# etcd, writes straight into etcd a membership that leaves node 1 alone
# with k = 1, approved by node 1 only. Every node refuses it, raises the
# alarm and signs nothing past it.
by 1 member propose "$T/m3" --k 1 --key "${VK[1]}" >/dev/null
by 1 member approve "$T/m3" >/dev/null
python3 "$top/tests/ledger/etcd_block.py" append "$EURL" /szkm 9 "$(cat "$T/m3")" || fail "cannot write into etcd"
health_codes() {
	local i
	for i in 1 2 3; do curl -s -o /dev/null -w '%{http_code} ' "http://127.0.0.1:${PORTS[i]}/health"; done
}
all_alarmed() { [ "$(health_codes)" = "503 503 503 " ]; }
until_ok 20 all_alarmed || fail "not every node raised the alarm: $(health_codes)"
for i in 1 2 3; do
	hget "$i" /health | python3 -c '
import json, sys
h = json.load(sys.stdin)
assert h["status"] == "alarm" and "entry 9" in h["alarm"] and "member-too-few-approvals" in h["alarm"], h
assert h["size"] == 9 and h["cosigned_size"] == 9, h' || fail "node $i: $(hget "$i" /health)"
	[ "$(add_checkpoint_code "$i" 10)" = 503 ] ||
		fail "node $i signs past the forged membership"
	[ "$(echo members | feed_to "$i" | cut -d' ' -f1-2)" = "members 2" ] || fail "node $i left epoch 2"
done
echo "ok 94-members: one node and three on etcd; 16 attacks refused"
