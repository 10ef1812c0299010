# Shared by the multi-node tests (tests/ledger/9*.sh): one etcd member and
# three ledgerd nodes on loopback, each with its own key, store, control
# socket and HTTP port, k = 2. Sourced after lib.sh; sets EURL, PORTS,
# PIDS, VK (the nodes' verifier keys) and the functions below. Nodes skip
# fsync unless NODE_DURABILITY=full (the bench).
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
		--durability "${NODE_DURABILITY:-none}" --etcd "$EURL/szkm" --peers "$(peers_of "$i")" \
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

# add_checkpoint_code <node> <size>: the HTTP status node <node> answers a
# well-signed add-checkpoint of size <size> (a zero root) by itself with:
# 503 once it halted on an invalid entry, whatever the size.
add_checkpoint_code() {
	printf 'test.example/ledger\n%s\n%s\n' "$2" "$(head -c 32 /dev/zero | base64)" >"$T/t$2"
	{ printf 'old 0\n\n'; "$B/ledger-testtool" sign-note "$T/n$1.pem" "node$1.test.example" "$T/t$2"; } |
		curl -s -o /dev/null -w '%{http_code}' --data-binary @- \
			"http://127.0.0.1:${PORTS[$1]}/add-checkpoint"
}
