#!/usr/bin/env bash
# The nodes as C2SP tlog-witnesses (ledgerd(8), witness.h), on a real etcd
# with three nodes, k = 2, each with a witness key:
#  - the served checkpoint carries cosignature/v1 lines; POST
#    /add-checkpoint answers the spec's statuses to malformed requests
#    (400), an unknown origin (404), an unknown key (403), a stale old size
#    (409 with the witness's size), a bad consistency proof (422);
#  - a lying node (its key, used by the test) presents a checkpoint of the
#    current size with another root: the honest nodes refuse it (422),
#    raise the alarm naming it and distrust its key, and szkmctl verify
#    with 2 of the 3 keys never accepts the forged checkpoint;
#  - a node whose whole folder is rolled back to an earlier copy finds its
#    own signature beyond its store at its peers and halts with the alarm,
#    and a client holding a later checkpoint refuses the older one
#    ("rollback or fork").
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-etcd.sh"

ORIGIN=test.example/ledger
WVK=("")
for i in 1 2 3; do
	"$B/ledgerd" genkey --ed25519 "$T/w$i.pem"
	WVK[i]=$("$B/ledgerd" -c /dev/null --key "$T/n$i.pem" --key-name "node$i.test.example" \
		--origin "$ORIGIN" --witness-key "$T/w$i.pem" vkey --witness)
done
[[ ${WVK[1]} == node1.test.example/witness+* ]] || fail "witness vkey: ${WVK[1]}"
# The peers setting of node $1: lib-etcd's, each node key followed by its
# witness key.
wpeers_of() {
	local out j
	out=$(peers_of "$1")
	for j in 1 2 3; do out=${out//"${VK[j]}"/"${VK[j]} ${WVK[j]}"}; done
	echo "$out"
}
# start_w <node> <run>: node i of run <run> (its own store and etcd prefix).
start_w() {
	local i=$1 run=$2
	"$B/ledgerd" -c /dev/null --db "$T/$run-n$i.db" --key "$T/n$i.pem" \
		--key-name "node$i.test.example" --origin "$ORIGIN" \
		--witness-key "$T/w$i.pem" \
		--control-socket "$T/c$i" --http-port "${PORTS[i]}" --netlink no \
		--durability none --etcd "$EURL/$run" --peers "$(wpeers_of "$i")" \
		--cosign-k 2 --etcd-timeout-ms 2000 2>>"$T/$run-n$i.log" &
	PIDS[i]=$!
	until_ok 10 node_up "$i" || { cat "$T/$run-n$i.log" >&2; fail "node $i did not start"; }
}
stop_w() { kill "${PIDS[$1]}"; wait "${PIDS[$1]}" 2>/dev/null || true; PIDS[$1]=; }
url() { echo "http://127.0.0.1:${PORTS[$1]}$2"; }
# post <node> <body file>: "<status> <content type>", the answer in $T/ans.
post() {
	curl -s -o "$T/ans" -w '%{http_code} %{content_type}' --data-binary @"$2" "$(url "$1" /add-checkpoint)"
}
# signed <key n> <text>: the note text (its final newline added) signed by
# node n's key, as that node would sign it.
signed() {
	printf '%s\n' "$2" >"$T/text"
	"$B/ledger-testtool" sign-note "$T/n$1.pem" "node$1.test.example" "$T/text"
}
status_of() { curl -s -o /dev/null -w '%{http_code}' "$(url "$1" "$2")"; }
alarm_of() { hget "$1" /health | python3 -c 'import json,sys; print(json.load(sys.stdin).get("alarm", ""))'; }
keys=(--ledger-key "${VK[1]}" --ledger-key "${VK[2]}" --ledger-key "${VK[3]}")
# new_run <run> <dev> <n>: the three nodes of run <run>, device <dev>
# ($T/<dev>.pem, made once, its events in $T/<dev>.all) enrolled through
# node 1 and its first n events fed there, until every node serves n + 1.
new_run() {
	local run=$1 dev=$2 n=$3 out i
	for i in 1 2 3; do start_w "$i" "$run"; done
	if [ ! -f "$T/$dev.pem" ]; then
		"$B/ledger-testtool" keygen "$T/$dev.pem"
		"$B/ledger-testtool" events "$T/$dev.pem" 60 3 >"$T/$dev.all"
	fi
	out=$("$B/ledgerd" -c /dev/null --control-socket "$T/c1" enroll "dev-$dev" "$T/$dev.pem")
	[[ $out == "enrolled 0 "* ]] || fail "enrol in $run: $out"
	head -n "$n" "$T/$dev.all" | feed_to 1 >/dev/null
	expect_converged $((n + 1))
}

start_etcd
new_run r1 a 30

# The served checkpoint: 2 node signatures, and the cosigning peer's
# cosignature/v1 line (node 1's peers are 2 then 3: node 2's lines once it
# answered, node 3's until then).
has_wline() {
	hget 1 /checkpoint >"$T/cp1"
	"$B/ledger-testtool" verify-note "${WVK[2]}" "$T/cp1" >/dev/null
}
until_ok 20 has_wline ||
	fail "node 1's checkpoint has no cosignature/v1 line by node 2's witness key: $(cat "$T/cp1")"
[ "$(signers 1)" = 2 ] || fail "node 1's checkpoint is not signed by 2 node keys"
# The witness state at the spec's monitoring path: what it last cosigned.
hpath=/witness/$(printf '%s' "$ORIGIN" | sha256sum | cut -d' ' -f1)/checkpoint
hget 2 "$hpath" >"$T/state2"
"$B/ledger-testtool" verify-note "${WVK[2]}" "$T/state2" | grep -q '^31 ' ||
	fail "node 2's witness state is not its cosigned checkpoint of 31: $(cat "$T/state2")"
echo "witness: checkpoints carry cosignature/v1 lines; the witness state is served"

# The API, driven by hand against node 2 (state: 31). The attacker here is
# anyone on the network: the requests are unauthenticated.
text31=$(sed '/^$/q' "$T/cp1")
root31=$(sed -n 3p "$T/cp1")
signed 1 "$text31" >"$T/n1cp31"
check() {	# check <name> <status> <body file>
	local got
	got=$(post 2 "$3")
	[ "${got%% *}" = "$2" ] || fail "$1: status $got, not $2: $(cat "$T/ans")"
}
printf 'hello\n' >"$T/b"; check "no old line" 400 "$T/b"
{ printf 'old 031\n\n'; cat "$T/n1cp31"; } >"$T/b"; check "old with a leading zero" 400 "$T/b"
{ printf 'old 31\n'; cat "$T/n1cp31"; } >"$T/b"; check "no blank line" 400 "$T/b"
{ printf 'old 31\nnot base64!\n\n'; cat "$T/n1cp31"; } >"$T/b"; check "a bad proof line" 400 "$T/b"
{ printf 'old 31\n'; for _ in $(seq 64); do echo "$root31"; done; echo; cat "$T/n1cp31"; } >"$T/b"
check "64 proof lines" 400 "$T/b"
{ printf 'old 32\n\n'; cat "$T/n1cp31"; } >"$T/b"; check "old above the size" 400 "$T/b"
# Node 1's key on the right root, with a membership line this log (no
# membership) does not have: a node vouches only for its own line.
{ printf 'old 31\n\n'; signed 1 "$text31
szkm-members 1 $root31"; } >"$T/b"; check "an extension line not this log's" 400 "$T/b"
{ printf 'old 31\n\n'; head -c 20000 /dev/zero | tr '\0' 'a'; } >"$T/b"; check "a body over 16 KiB" 413 "$T/b"
{ printf 'old 0\n\n'; signed 1 "other.example/log
31
$root31"; } >"$T/b"; check "an unknown origin" 404 "$T/b"
"$B/ledgerd" genkey "$T/stranger.pem"
printf '%s\n' "$text31" >"$T/text"
{ printf 'old 31\n\n'; "$B/ledger-testtool" sign-note "$T/stranger.pem" node1.test.example "$T/text"; } >"$T/b"
check "a key no node has" 403 "$T/b"
{ printf 'old 31\n\n'; sed '$d' "$T/n1cp31"; sed -n '$p' "$T/n1cp31" | python3 -c '
import sys
l = sys.stdin.read()
i = len(l) - 20		# in the signature, past the key ID
print(l[:i] + ("B" if l[i] != "B" else "C") + l[i + 1:], end="")'; } >"$T/b"
check "node 1's signature spoilt" 403 "$T/b"
{ printf 'old 0\n\n'; cat "$T/n1cp31"; } >"$T/b"
got=$(post 2 "$T/b")
[ "$got" = "409 text/x.tlog.size" ] && [ "$(cat "$T/ans")" = 31 ] ||
	fail "a stale old size: $got $(cat "$T/ans"), not 409 with the witness's size 31"
{ printf 'old 31\n\n'; cat "$T/n1cp31"; } >"$T/b"
[ "$(post 2 "$T/b")" = "200 text/plain; charset=utf-8" ] || fail "the same checkpoint again: $(cat "$T/ans")"
cat "$T/n1cp31" "$T/ans" >"$T/co"
"$B/ledger-testtool" verify-note "${VK[2]}" "$T/co" >/dev/null &&
	"$B/ledger-testtool" verify-note "${WVK[2]}" "$T/co" >/dev/null ||
	fail "the answer is not node 2's two lines over the checkpoint: $(cat "$T/ans")"
# A checkpoint beyond what node 2 validated, with a proof that does not
# hold (from size 31, the witness's): 422; with no proof at all: 422.
fake=$(head -c 32 /dev/urandom | base64)
{ printf 'old 31\n%s\n\n' "$root31"; signed 1 "$ORIGIN
40
$fake"; } >"$T/b"; check "a bad consistency proof" 422 "$T/b"
{ printf 'old 31\n\n'; signed 1 "$ORIGIN
40
$fake"; } >"$T/b"; check "no consistency proof" 422 "$T/b"
[ "$(status_of 2 /health)" = 200 ] || fail "node 2 raised an alarm on a bad request: $(hget 2 /health)"
echo "witness: add-checkpoint answers 400, 403, 404, 409 (with the size), 413 and 422 as the spec says"

# A lying node: node 1's key signs another root at the current size and
# presents it to the others as a witness client would.
sed -n 31,35p "$T/a.all" | feed_to 1 >/dev/null
expect_converged 36
signed 1 "$ORIGIN
36
$fake" >"$T/forged"
for i in 2 3; do
	{ printf 'old 36\n\n'; cat "$T/forged"; } >"$T/b"
	got=$(post "$i" "$T/b")
	[ "${got%% *}" = 422 ] || fail "node $i: the forged checkpoint got $got: $(cat "$T/ans")"
	[ "$(status_of "$i" /health)" = 503 ] || fail "node $i raised no alarm"
	[[ $(alarm_of "$i") == "fork: a checkpoint of size 36 signed by node1.test.example"* ]] ||
		fail "node $i's alarm does not name the lying node: $(alarm_of "$i")"
	grep -q '^ledgerd_alarm 1$' <(hget "$i" /metrics) || fail "node $i: no alarm metric"
	grep -q "ALARM: fork: .*node1.test.example" "$T/r1-n$i.log" || fail "node $i did not log the alarm"
	# Its key is distrusted: even node 1's honest checkpoint is refused.
	{ printf 'old 36\n\n'; signed 1 "$(hget 2 /checkpoint | sed '/^$/q')"; } >"$T/b"
	[ "$(post "$i" "$T/b" | cut -d' ' -f1)" = 403 ] || fail "node $i still trusts node 1's key: $(cat "$T/ans")"
done
# What a client is served by the liar: the forged checkpoint, signed by
# its one key (no honest node added a line), and no membership entry.
# k = 2 refuses it.
mkdir -p "$T/liar"
cp "$T/forged" "$T/liar/checkpoint"
echo '{"entries":[]}' >"$T/liar/members"
read -r LP < <(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$T/liar" "$LP" >/dev/null 2>&1 &
LIAR_PID=$!
trap 'kill "$LIAR_PID" 2>/dev/null; cleanup_all' EXIT
until_ok 10 curl -sf -o /dev/null "http://127.0.0.1:$LP/checkpoint" || fail "the liar's server did not start"
kid=$(hget 2 '/entries?start=3&end=4' | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"][0]["key_id"])')
out=$("$B/szkmctl" verify --ledger "http://127.0.0.1:$LP" --key-id "$kid" --state "$T/liarstate" \
	"${keys[@]}" --threshold 2 2>&1) && fail "szkmctl verify accepted the forged checkpoint: $out"
[[ $out == *"signed by 1 of the configured keys, 2 needed"* ]] || fail "szkmctl verify, forged: $out"
# The honest nodes go on without it: node 2 and node 3 cosign each other.
sed -n 36,38p "$T/a.all" | feed_to 2 >/dev/null
until_ok 20 eval '[ "$(sed -n 2p <(hget 2 /checkpoint))" = 39 ] && [ "$(sed -n 2p <(hget 3 /checkpoint))" = 39 ]' ||
	fail "nodes 2 and 3 did not cosign size 39 together: $(hget 2 /health)"
"$B/szkmctl" verify --ledger "$(url 2 '')" --key-id "$kid" --state "$T/hstate" "${keys[@]}" \
	--threshold 2 >/dev/null 2>&1 || fail "szkmctl verify of the honest nodes' checkpoint failed"
echo "witness: a lying node's forged root is refused, alarmed and never reaches a k=2 client"
hget 2 /checkpoint | sed '/^$/q' | sed '$d' >"$T/text39"
# state_at <node> <size> [key name]: its witness state (for that key) is there.
state_at() {
	hget "$1" "$hpath${3:+?key=$3}" >"$T/st"
	"$B/ledger-testtool" verify-note "${WVK[$1]}" "$T/st" 2>/dev/null | grep -q "^$2 "
}
until_ok 20 state_at 2 39 || fail "node 3 did not present 39 to node 2: $(cat "$T/st")"
for i in 1 2 3; do stop_w "$i"; done
# The witness state survives a restart: node 2, alone, still holds 39 and
# will not cosign from an older size (the spec's 409 with its size).
start_w 2 r1
hget 2 "$hpath" >"$T/state2"
"$B/ledger-testtool" verify-note "${WVK[2]}" "$T/state2" | grep -q '^39 ' ||
	fail "node 2's witness state after a restart: $(cat "$T/state2")"
{ printf 'old 36\n\n'; signed 3 "$(cat "$T/text39")"; } >"$T/b"
got=$(post 2 "$T/b")
[ "$got" = "409 text/x.tlog.size" ] && [ "$(cat "$T/ans")" = 39 ] ||
	fail "node 2 after a restart: $got $(cat "$T/ans")"
stop_w 2
echo "witness: the witness state is durable across a restart"

# A rolled-back node: node 1's whole folder (its store) is copied aside at
# size 11, the log grows to 21 and a client sees that, then the copy is
# put back. The attacker is whoever holds node 1's machine.
new_run r2 c 10
hget 2 /checkpoint >"$T/cp11"
stop_w 1
mkdir -p "$T/aside"
cp "$T"/r2-n1.db* "$T/aside/"
start_w 1 r2
sed -n 11,20p "$T/c.all" | feed_to 2 >/dev/null
expect_converged 21
kid=$(hget 2 '/entries?start=3&end=4' | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"][0]["key_id"])')
"$B/szkmctl" verify --ledger "$(url 2 '')" --key-id "$kid" --state "$T/cstate" "${keys[@]}" \
	--threshold 2 >/dev/null 2>&1 || fail "szkmctl verify at 21 failed"
# The anchor outside node 1's folder: node 2 holds node 1's checkpoint of 21.
until_ok 20 state_at 2 21 node1.test.example || fail "node 1 did not present 21 to node 2"
stop_w 1
rm -f "$T"/r2-n1.db*
cp "$T"/aside/r2-n1.db* "$T/"
start_w 1 r2
until_ok 20 eval '[ "$(status_of 1 /health)" = 503 ]' || fail "the rolled-back node raised no alarm: $(hget 1 /health)"
hget 1 /health | python3 -c '
import json, sys
h = json.load(sys.stdin)
assert h["alarm"].startswith("rollback: ") and "size 21 signed by this node" in h["alarm"], h
assert h["size"] == 11, h' || fail "node 1: $(hget 1 /health)"
grep -q '^ledgerd_alarm 1$' <(hget 1 /metrics) || fail "node 1: no alarm metric"
[ "$(status_of 1 /checkpoint)" = 503 ] || fail "the rolled-back node serves a checkpoint: $(hget 1 /checkpoint)"
printf 'old 11\n\n' >"$T/b"; cat "$T/cp11" >>"$T/b"
[ "$(post 1 "$T/b" | cut -d' ' -f1)" = 503 ] || fail "the halted node answers add-checkpoint: $(cat "$T/ans")"
# The old state, as the rolled-back node would serve it, to a client that
# saw size 21: refused.
cp "$T/cp11" "$T/liar/checkpoint"
out=$("$B/szkmctl" verify --ledger "http://127.0.0.1:$LP" --key-id "$kid" --state "$T/cstate" \
	"${keys[@]}" --threshold 2 2>&1) && fail "a client at 21 accepted the checkpoint of 11: $out"
[[ $out == *"rollback or fork"* ]] || fail "szkmctl verify of the old checkpoint: $out"
echo "witness: a rolled-back node halts with the alarm, and a client holding a later checkpoint refuses the old one"
for i in 1 2 3; do stop_w "$i"; done

# A rewritten history: entry 3, validated and cosigned by every node, is
# replaced straight in etcd by another well-formed entry (entry 4's
# bytes). The attacker is whoever can write to etcd. Every node finds it
# in its audit, raises the alarm and cosigns nothing more.
new_run r3 c 5
python3 "$top/tests/ledger/etcd_block.py" replace "$EURL" /r3 3 4 || fail "cannot rewrite etcd"
rewritten() {
	for i in 1 2 3; do
		[[ $(alarm_of "$i") == "entry 3 in etcd was replaced after this node validated it"* ]] || return 1
	done
}
until_ok 20 rewritten || fail "not every node found the rewrite: $(for i in 1 2 3; do alarm_of "$i"; done)"
for i in 1 2 3; do
	[ "$(status_of "$i" /health)" = 503 ] || fail "node $i: /health is not 503"
	grep -q '^ledgerd_alarm 1$' <(hget "$i" /metrics) || fail "node $i: no alarm metric"
done
out=$(sed -n 6p "$T/c.all" | feed_to 1) && fail "an append after the rewrite: $out"
echo "witness: a rewritten history is found by every node"

# The same attacker deletes a block every node validated (run r4), or
# writes a block over entries that another block holds (run r5): every
# node raises the alarm. (Each node's first audit takes etcd as found:
# what changes while a node is down is found by the nodes that are up.)
shopt -s extglob
audited() {
	local i
	for i in 1 2 3; do grep -q "etcd audited" "$T/$1-n$i.log" || return 1; done
}
alarms_are() {
	local i
	for i in 1 2 3; do [[ $(alarm_of "$i") == $1 ]] || return 1; done
}
for i in 1 2 3; do stop_w "$i"; done
new_run r4 c 5
until_ok 20 audited r4 || fail "r4: not every node audited etcd"
# The newest block, deleted as soon as every node validated it: most
# nodes have not audited since it was written.
[ "$(sed -n 6p "$T/c.all" | feed_to 1 | cut -d' ' -f1-2)" = "ok 6" ] || fail "r4: event 6 not appended"
expect_converged 7
python3 "$top/tests/ledger/etcd_block.py" delete "$EURL" /r4 6 || fail "cannot delete in etcd"
until_ok 20 alarms_are "*: blocks this node validated were deleted*" ||
	fail "not every node found the deletion: $(for i in 1 2 3; do alarm_of "$i"; done)"
out=$(sed -n 7p "$T/c.all" | feed_to 1) && fail "an append after the deletion: $out"
for i in 1 2 3; do stop_w "$i"; done
new_run r5 c 5
until_ok 20 audited r5 || fail "r5: not every node audited etcd"
at=$(python3 "$top/tests/ledger/etcd_block.py" overlap "$EURL" /r5) || fail "cannot write into etcd"
# (Found by the read, or by the audit when it ran in between.)
until_ok 20 alarms_are "@(etcd's block $at of * entries does not follow the one before*|entry $at in etcd was replaced*)" ||
	fail "not every node found the overlap: $(for i in 1 2 3; do alarm_of "$i"; done)"
out=$(sed -n 6p "$T/c.all" | feed_to 1) && fail "an append after the overlap: $out"
echo "witness ok: a rewritten, a deleted or an overlapping block of history is found by every node"
