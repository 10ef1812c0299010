#!/usr/bin/env bash
# The multi-node ledger on a real etcd (Debian's etcd-server): one etcd
# member and three ledgerd nodes, each with its own key and store, k = 2.
# Events fed through one node reach every node (same size, same root), the
# served checkpoint carries >= 2 node signatures, an event appended twice
# (through one node or two) is one entry, two nodes appending at once
# never fork the log, a node killed and restarted catches up, appends fail
# cleanly while etcd is down and work again once it is back, and an entry
# written straight into etcd with a bad signature is refused by every
# node: alarm on /health, no checkpoint signed past it, no crash.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-etcd.sh"

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
"$B/ledger-testtool" events "$T/b.pem" 40 3 >"$T/b.all"
head -n 30 "$T/b.all" >"$T/b1"
tail -n 10 "$T/b.all" >"$T/b2"
out=$("$B/ledgerd" -c /dev/null --control-socket "$T/c2" enroll dev-b "$T/b.pem")
[[ $out == "enrolled 31 "* ]] || fail "enrol through node 2: $out"
feed_to 1 "$T/a2" >"$T/acks1" &
f1=$!
feed_to 2 "$T/b1" >"$T/acks2"
wait "$f1"
[ "$(grep -c '^ok ' "$T/acks1")" = 30 ] || fail "node 1: $(sort "$T/acks1" | uniq -c | head)"
[ "$(grep -c '^ok ' "$T/acks2")" = 30 ] || fail "node 2: $(sort "$T/acks2" | uniq -c | head)"
expect_converged 92
for i in 1 2 3; do
	hget "$i" '/entries?start=0&end=92' | python3 -c '
import json, sys
e = json.load(sys.stdin)["entries"]
assert [x["index"] for x in e] == list(range(92)), "indices not contiguous"
for dev in set(x.get("device_id") for x in e if x["type"] == "event"):
    seqs = [x["seq"] for x in e if x["type"] == "event" and x.get("device_id") == dev]
    assert seqs == list(range(1, len(seqs) + 1)), seqs' || fail "node $i: entries"
done
echo "etcd: concurrent appends through two nodes, one log of 92"

# A node killed and restarted catches up.
kill -9 "${PIDS[3]}"; wait "${PIDS[3]}" 2>/dev/null || true; PIDS[3]=
feed_to 2 "$T/b2" >"$T/acks"
[ "$(grep -c '^ok ' "$T/acks")" = 10 ] || fail "with node 3 down: $(sort "$T/acks" | uniq -c | head)"
start_node 3
expect_converged 102
echo "etcd: node 3 restarted and caught up"

# etcd down: appends fail cleanly; back: they succeed.
stop_etcd
out=$(sed -n 61p "$T/a.all" | feed_to 1) && fail "feed exited 0 with etcd down"
[[ $out == "error not appended: "* ]] || fail "with etcd down: $out"
kill -0 "${PIDS[1]}" || fail "node 1 died with etcd down"
start_etcd
out=$(sed -n 61p "$T/a.all" | feed_to 1)
[ "$out" = "ok 102 61" ] || fail "with etcd back: $out"
expect_converged 103
echo "etcd: appends failed while etcd was down, and work again"

# An entry written straight into etcd, its signature spoilt: every node
# refuses it and raises the alarm, and none signs past it.
python3 - "$EURL" "$(sed -n 62p "$T/a.all")" <<'EOF' || fail "cannot write into etcd"
import base64, json, sys, urllib.request
url, line = sys.argv[1], sys.argv[2].split()
sig = bytearray(bytes.fromhex(line[2]))
sig[10] ^= 1
b = lambda x: base64.b64encode(x if isinstance(x, bytes) else x.encode()).decode()
req = {"success": [
    {"request_put": {"key": b("/szkm/entries/%020d" % 103), "value": b(b"\x02" + bytes.fromhex(line[1]) + bytes(sig))}},
    {"request_put": {"key": b("/szkm/head"), "value": b("104")}}]}
r = urllib.request.urlopen(url + "/v3/kv/txn", json.dumps(req).encode())
assert json.load(r).get("succeeded"), "txn"
EOF
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
assert h["status"] == "alarm" and "entry 103" in h["alarm"] and "bad-signature" in h["alarm"], h
assert h["size"] == 103 and h["checkpoint_size"] == 103 and h["cosigned_size"] == 103, h' ||
		fail "node $i: $(hget "$i" /health)"
	grep -q '^ledgerd_alarm 1$' <(hget "$i" /metrics) || fail "node $i: no alarm metric"
	[ "$(add_checkpoint_code "$i" 104)" = 503 ] ||
		fail "node $i cosigns past the invalid entry"
done
out=$(sed -n 63p "$T/a.all" | feed_to 2) && fail "feed exited 0 past the invalid entry"
[[ $out == "error not appended: "* ]] || fail "an append past the invalid entry: $out"
echo "etcd ok: every node refused the forged entry 103"
