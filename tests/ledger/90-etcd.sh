#!/usr/bin/env bash
# The multi-node ledger on a real etcd cluster (Debian's etcd-server):
# three etcd members and three ledgerd nodes, each with its own key and
# store, k = 2; every node names the three members. Events fed through one
# node reach every node (same size, same root), the served checkpoint
# carries >= 2 node signatures, an event appended twice (through one node
# or two) is one entry, two nodes appending at once never fork the log.
# Node loss: the etcd leader and a ledgerd node are SIGKILLed while a
# feeder appends; appends go on through the other members, a client still
# verifies with k = 2, and the killed ones come back, catch up and sign.
# Quorum loss: with two members down an append fails with "no quorum" and
# nothing is appended; with all down, "no endpoint answers"; once they are
# back the held events go in, in order. An entry written straight into
# etcd with a bad signature is refused by every node: alarm on /health,
# no checkpoint signed past it, no crash.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-etcd.sh"

# A list of members that is not one cluster's is refused at start (an
# operator's typo must not split the nodes between two prefixes).
bad_etcd() {
	local out
	out=$(timeout 20 "$B/ledgerd" "${LEDGERD_ARGS[@]}" --etcd "$1" 2>&1) && fail "ledgerd started with etcd '$1'"
	[[ $out == *"$2"* ]] || fail "etcd '$1': $out"
}
bad_etcd "$EURL/a,$EURL/b" "the endpoints name different prefixes ('/a', '/b')"
bad_etcd "$EURL/a," "etcd '': not an http:// URL"
bad_etcd "$EURL/a,ftp://127.0.0.1/a" "etcd 'ftp://127.0.0.1/a': not an http:// URL"
bad_etcd "$(printf "$EURL/a,%.0s" 1 2 3 4 5 6 7)$EURL/a" "etcd: more than 7 endpoints"

start_etcd
for i in 1 2 3; do start_node "$i"; done

# Device A, enrolled and fed through node 1.
"$B/ledger-testtool" keygen "$T/a.pem"
"$B/ledger-testtool" events "$T/a.pem" 70 3 >"$T/a.all"
head -n 30 "$T/a.all" >"$T/a1"
sed -n 31,60p "$T/a.all" >"$T/a2"
out=$("$B/ledgerd" -c /dev/null --control-socket "$T/c1" enroll dev-a "$T/a.pem")
[[ $out == "enrolled 0 "* ]] || fail "enrol through node 1: $out"
feed_to 1 "$T/a1" >"$T/acks"
[ "$(grep -c '^ok ' "$T/acks")" = 30 ] || fail "not 30 acks: $(sort "$T/acks" | uniq -c | head)"
expect_converged 31
for i in 1 2 3; do
	[ "$(signers "$i")" -ge 2 ] || fail "node $i serves a checkpoint with fewer than 2 node signatures"
done
hget 1 /health | python3 -c '
import json, sys
h = json.load(sys.stdin)
assert h["status"] == "ok" and h["cosigned_size"] == 31, h'
# A client that requires 2 of the 3 node keys (libszkm, as szkmctl verify).
kid=$(hget 2 '/entries?start=3&end=4' | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"][0]["key_id"])')
keys=(--ledger-key "${VK[1]}" --ledger-key "${VK[2]}" --ledger-key "${VK[3]}")
out=$("$B/szkmctl" verify --ledger "http://127.0.0.1:$P3" --key-id "$kid" --state "$T/state" \
	"${keys[@]}" --threshold 2 2>&1) || fail "szkmctl verify, 2 of 3: $out"
[[ $(tail -n 1 <<<"$out") == "key $kid: 10 events verified against checkpoint of size 31 (2 of the configured keys)" ]] ||
	fail "szkmctl verify: $out"
out=$("$B/szkmctl" verify --ledger "http://127.0.0.1:$P3" --key-id "$kid" --state "$T/state3" \
	"${keys[@]}" --threshold 3 2>&1) && fail "szkmctl verify with 3 of 3 required passed: $out"
[[ $out == *"signed by 2 of the configured keys, 3 needed"* ]] || fail "szkmctl verify, 3 of 3: $out"
echo "etcd: 3 nodes at size 31, checkpoint cosigned by 2, verified by szkmctl"

# The same event again, through the same node and through another: one entry.
[ "$(tail -n 1 "$T/a1" | feed_to 1)" = "dup 30 30" ] || fail "resent to node 1 is not a duplicate"
[ "$(tail -n 1 "$T/a1" | feed_to 2)" = "dup 30 30" ] || fail "resent to node 2 is not a duplicate"
echo sync | feed_to 2 >/dev/null
[ "$(size_of 2)" = 31 ] || fail "a duplicate was appended"

# Two nodes appending at once: device A through node 1, device B through
# node 2. Every event is acknowledged once and the log does not fork.
"$B/ledger-testtool" keygen "$T/b.pem"
# Five keys: the fifth (key-4) is B's alone (the test devices' key ids
# follow the key's number).
"$B/ledger-testtool" events "$T/b.pem" 80 5 >"$T/b.all"
head -n 30 "$T/b.all" >"$T/b1"
tail -n 50 "$T/b.all" >"$T/b2"
out=$("$B/ledgerd" -c /dev/null --control-socket "$T/c2" enroll dev-b "$T/b.pem")
[[ $out == "enrolled 31 "* ]] || fail "enrol through node 2: $out"
feed_to 1 "$T/a2" >"$T/acks1" &
f1=$!
feed_to 2 "$T/b1" >"$T/acks2"
wait "$f1"
[ "$(grep -c '^ok ' "$T/acks1")" = 30 ] || fail "node 1: $(sort "$T/acks1" | uniq -c | head)"
[ "$(grep -c '^ok ' "$T/acks2")" = 30 ] || fail "node 2: $(sort "$T/acks2" | uniq -c | head)"
expect_converged 92
# entries_ok <node> <size>: indices 0..size-1, each device's seqs 1..n in
# order: no entry lost, none twice.
entries_ok() {
	hget "$1" "/entries?start=0&end=$2" | python3 -c '
import json, sys
e = json.load(sys.stdin)["entries"]
assert [x["index"] for x in e] == list(range(int(sys.argv[1]))), "indices not contiguous"
for dev in set(x.get("device_id") for x in e if x["type"] == "event"):
    seqs = [x["seq"] for x in e if x["type"] == "event" and x.get("device_id") == dev]
    assert seqs == list(range(1, len(seqs) + 1)), seqs' "$2" || fail "node $1: entries"
}
for i in 1 2 3; do entries_ok "$i" 92; done
echo "etcd: concurrent appends through two nodes, one log of 92"

# Node loss while events flow (a crash, or an operator's kill -9): a
# feeder appends device B's next 50 events one at a time through node 2,
# resending an event that failed, as the kernel's journal does. After its
# tenth ack the etcd leader and ledgerd node 3 are SIGKILLed.
feeder() {
	local line out
	while read -r line; do
		until out=$(feed_to 2 <<<"$line") && [[ $out == ok* || $out == dup* ]]; do
			echo "retry: $out" >>"$T/retries"
			[ "$(date +%s)" -lt "$1" ] || return 1
		done
		echo "$out"
	done <"$T/b2"
}
acks_at_least() { [ "$(grep -c '^ok \|^dup ' "$T/acks" 2>/dev/null)" -ge "$1" ]; }
lead=$(etcd_leader) || fail "no etcd leader"
: >"$T/retries"
feeder $(($(date +%s) + 90)) >"$T/acks" &
fpid=$!
until_ok 30 acks_at_least 10 || fail "the feeder did not start: $(cat "$T/acks" "$T/retries")"
stop_member "$lead" KILL
kill -9 "${PIDS[3]}"; wait "${PIDS[3]}" 2>/dev/null || true; PIDS[3]=
killed_at=$(grep -c . "$T/acks")
wait "$fpid" || fail "the feeder gave up: $(tail -n 3 "$T/retries")"
[ "$(grep -c '^ok ' "$T/acks")" = 50 ] || fail "with a member and a node down: $(sort "$T/acks" | uniq -c | head)"
[ "$killed_at" -lt 50 ] || fail "the feeder had finished before the kills"
until_ok 20 eval '[ "$(size_of 1)" = 142 ] && [ "$(size_of 2)" = 142 ] && [ "$(signers 1)" -ge 2 ]' ||
	fail "nodes 1 and 2 did not reach a cosigned 142: $(hget 1 /health)"
kidb=$(hget 1 '/entries?start=92&end=142' | python3 -c '
import json, sys
print(next(x["key_id"] for x in json.load(sys.stdin)["entries"] if x.get("key_id", "").endswith("05")))')
out=$("$B/szkmctl" verify --ledger "http://127.0.0.1:$P1" --key-id "$kidb" --state "$T/stateb" \
	"${keys[@]}" --threshold 2 2>&1) || fail "szkmctl verify, 2 of 3, node 3 down: $out"
[[ $(tail -n 1 <<<"$out") == *"verified against checkpoint of size 142 (2 of the configured keys)" ]] ||
	fail "szkmctl verify with node 3 down: $out"
echo "etcd: leader e$lead and node 3 killed after $killed_at of 50 acks ($(grep -c . "$T/retries") resends); appends went on, verified with 2 of 3"
# Back: the member catches up from the others, the node from etcd, and
# the node signs the same checkpoint again.
start_member "$lead"
until_ok 60 etcd_up || fail "member e$lead did not rejoin: $(tail -n 5 "$T/etcd$lead.log")"
start_node 3
expect_converged 142
until_ok 20 eval '[ "$(etcd_head "$lead")" = 142 ]' || fail "member e$lead did not catch up"
[ "$(signers 3)" -ge 2 ] && "$B/ledger-testtool" verify-note "${VK[3]}" "$T/cp.3" >/dev/null ||
	fail "node 3 does not sign after its restart"
for i in 1 2 3; do entries_ok "$i" 142; done
echo "etcd: member e$lead and node 3 back, caught up at 142, node 3 signs, no entry lost or twice"

# Quorum loss: two members down. An append fails, saying so, and
# nothing is appended; the node stays up.
others=()
for m in 1 2 3; do [ "$m" = "$lead" ] || others+=("$m"); done
stop_member "${others[0]}" KILL
stop_member "${others[1]}" KILL
out=$(sed -n 61p "$T/a.all" | feed_to 1) && fail "feed exited 0 without an etcd quorum"
[[ $out == "error not appended: etcd: no quorum: 1 of 3 endpoints answer"* ]] || fail "without quorum: $out"
echo "etcd: two members down: $out"
kill -0 "${PIDS[1]}" || fail "node 1 died without an etcd quorum"
# All three down: another error, as clear.
stop_member "$lead"
out=$(sed -n 61p "$T/a.all" | feed_to 2) && fail "feed exited 0 with etcd down"
[[ $out == "error not appended: etcd: no endpoint answers (3 tried"* ]] || fail "with etcd down: $out"
echo "etcd: all members down: $out"
for i in 1 2 3; do
	kill -0 "${PIDS[i]}" || fail "node $i died with etcd down"
	[ "$(size_of "$i")" = 142 ] || fail "node $i moved without etcd"
done
start_etcd
for m in 1 2 3; do [ "$(etcd_head "$m")" = 142 ] || fail "member e$m holds an append made without quorum"; done
# The held events, resent, go in in order.
sed -n 61,65p "$T/a.all" | feed_to 1 >"$T/acks"
[ "$(cat "$T/acks")" = "$(printf 'ok %d %d\n' 142 61 143 62 144 63 145 64 146 65)" ] ||
	fail "with etcd back: $(cat "$T/acks")"
expect_converged 147
for i in 1 2 3; do entries_ok "$i" 147; done
echo "etcd: appends failed without quorum (nothing appended), and went in in order once it was back"

# An entry written straight into etcd, its signature spoilt: every node
# refuses it and raises the alarm, and none signs past it.
line=$(sed -n 66p "$T/a.all")
read -r _ body sig <<<"$line"
sig=${sig:0:21}$(printf '%x' $(( 0x${sig:21:1} ^ 1 )))${sig:22}
python3 "$top/tests/ledger/etcd_block.py" append "$EURL" /szkm 147 "02$body$sig" || fail "cannot write into etcd"
alarmed() {
	for i in 1 2 3; do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORTS[i]}/health")" = 503 ] || return 1
	done
}
until_ok 20 alarmed || fail "not every node raised the alarm"
for i in 1 2 3; do
	kill -0 "${PIDS[i]}" || fail "node $i died"
	hget "$i" /health | python3 -c '
import json, sys
h = json.load(sys.stdin)
assert h["status"] == "alarm" and "entry 147" in h["alarm"] and "bad-signature" in h["alarm"], h
assert h["size"] == 147 and h["checkpoint_size"] == 147 and h["cosigned_size"] == 147, h' ||
		fail "node $i: $(hget "$i" /health)"
	grep -q '^ledgerd_alarm 1$' <(hget "$i" /metrics) || fail "node $i: no alarm metric"
	[ "$(add_checkpoint_code "$i" 148)" = 503 ] ||
		fail "node $i cosigns past the invalid entry"
done
out=$(sed -n 67p "$T/a.all" | feed_to 2) && fail "feed exited 0 past the invalid entry"
[[ $out == "error not appended: "* ]] || fail "an append past the invalid entry: $out"
echo "etcd ok: every node refused the forged entry 147"
