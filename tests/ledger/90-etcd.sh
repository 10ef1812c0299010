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
command -v etcd >/dev/null ||
	fail "etcd is not installed: run 'make deps' (scripts/deps.sh installs etcd-server)"

# Ports for etcd (client, peer) and the three nodes' HTTP APIs.
read -r EP EPP P1 P2 P3 < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(5)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
EURL=http://127.0.0.1:$EP
PORTS=("" "$P1" "$P2" "$P3")
PIDS=("" "" "" "")
ETCD_PID=
cleanup_all() {
	for p in "${PIDS[@]}" "$ETCD_PID"; do
		[ -n "$p" ] && kill -9 "$p" 2>/dev/null || true
	done
	cleanup
}
trap cleanup_all EXIT

etcd_up() { curl -sf "$EURL/health" | grep -q '"health":"true"'; }
start_etcd() {
	etcd --name n1 --data-dir "$T/etcd" --listen-client-urls "$EURL" \
		--advertise-client-urls "$EURL" --listen-peer-urls "http://127.0.0.1:$EPP" \
		--initial-advertise-peer-urls "http://127.0.0.1:$EPP" \
		--initial-cluster "n1=http://127.0.0.1:$EPP" >>"$T/etcd.log" 2>&1 &
	ETCD_PID=$!
	until_ok 30 etcd_up || { tail -n 20 "$T/etcd.log" >&2; fail "etcd did not start"; }
}
stop_etcd() { kill "$ETCD_PID"; wait "$ETCD_PID" 2>/dev/null || true; ETCD_PID=; }

VK=("")
for i in 1 2 3; do
	"$B/ledgerd" genkey "$T/n$i.pem"
	VK[i]=$("$B/ledgerd" -c /dev/null --key "$T/n$i.pem" --key-name "node$i.test.example" \
		--origin test.example/ledger vkey)
done
peers_of() {
	local i=$1 j out=
	for j in 1 2 3; do
		[ "$j" = "$i" ] || out+="${out:+,}http://127.0.0.1:${PORTS[j]} ${VK[j]}"
	done
	echo "$out"
}
node_up() { kill -0 "${PIDS[$1]}" 2>/dev/null && [ -S "$T/c$1" ] && curl -s -o /dev/null "http://127.0.0.1:${PORTS[$1]}/health"; }
start_node() {
	local i=$1
	"$B/ledgerd" -c /dev/null --db "$T/n$i.db" --key "$T/n$i.pem" \
		--key-name "node$i.test.example" --origin test.example/ledger \
		--control-socket "$T/c$i" --http-port "${PORTS[i]}" --netlink no \
		--durability none --etcd "$EURL/szkm" --peers "$(peers_of "$i")" \
		--cosign-k 2 --etcd-timeout-ms 2000 2>>"$T/n$i.log" &
	PIDS[i]=$!
	until_ok 10 node_up "$i" || { cat "$T/n$i.log" >&2; fail "node $i did not start"; }
}
feed_to() { local i=$1; shift; "$B/ledgerd" -c /dev/null --control-socket "$T/c$i" feed "$@"; }
hget() { curl -s "http://127.0.0.1:${PORTS[$1]}$2"; }
size_of() { hget "$1" /health | python3 -c 'import json,sys; print(json.load(sys.stdin)["size"])'; }
# The served (cosigned) checkpoint's text, the same on every node at size $1.
cp_text() { hget "$1" /checkpoint | sed '/^$/q'; }
converged() {
	local want=$1 t1
	t1=$(cp_text 1)
	[ "$(sed -n 2p <<<"$t1")" = "$want" ] || return 1
	for i in 2 3; do
		[ "$(size_of "$i")" = "$want" ] && [ "$(cp_text "$i")" = "$t1" ] || return 1
	done
}
expect_converged() {
	until_ok 20 converged "$1" || {
		for i in 1 2 3; do echo "node $i: $(hget "$i" /health)" >&2; done
		fail "the nodes did not all reach size $1 with one root"
	}
}
# signers <node>: how many of the three node keys signed its /checkpoint.
signers() {
	local n=0 i
	hget "$1" /checkpoint >"$T/cp.$1"
	for i in 1 2 3; do
		"$B/ledger-testtool" verify-note "${VK[i]}" "$T/cp.$1" >/dev/null 2>&1 && n=$((n + 1))
	done
	echo "$n"
}

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
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORTS[i]}/cosign?size=104")" = 409 ] ||
		fail "node $i signs past the invalid entry"
done
out=$(sed -n 63p "$T/a.all" | feed_to 2) && fail "feed exited 0 past the invalid entry"
[[ $out == "error not appended: "* ]] || fail "an append past the invalid entry: $out"
echo "etcd ok: every node refused the forged entry 103"
