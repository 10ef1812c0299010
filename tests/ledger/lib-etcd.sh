# Shared by the multi-node tests (tests/ledger/9*.sh): a 3-member etcd
# cluster and three ledgerd nodes on loopback, each member with its own
# client and peer port and data folder, each node with its own key,
# store, control socket and HTTP port, k = 2; every node names all three
# members. Sourced after lib.sh; sets EURL (member 1's client URL), EURLS
# (the nodes' etcd setting), PORTS, PIDS, VK (the nodes' verifier keys)
# and the functions below. A guest test (tests/vm/t/66-etcd-cluster.sh)
# sources it too, with lib.sh's B, T, fail, until_ok and cleanup its own;
# it may set first ETCD_OPTS (extra etcd flags, e.g. slower elections),
# ETCD_TIMEOUT_MS (the nodes' etcd_timeout_ms, 2000) and NETLINK_NODE (the
# node that listens to the kernel; none by default). Nodes skip fsync
# unless NODE_DURABILITY=full (the bench).
ETCD_OPTS=("${ETCD_OPTS[@]}")
ETCD_TIMEOUT_MS=${ETCD_TIMEOUT_MS:-2000}
NETLINK_NODE=${NETLINK_NODE:-0}
command -v etcd >/dev/null ||
	fail "etcd is not installed: run 'make deps' (scripts/deps.sh installs etcd-server)"

# Ports for the members (client, peer) and the three nodes' HTTP APIs.
read -r EP EPP EP2 EPP2 EP3 EPP3 P1 P2 P3 < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(9)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
ECP=("" "$EP" "$EP2" "$EP3")		# members' client ports
EPPS=("" "$EPP" "$EPP2" "$EPP3")	# and peer ports
EURL=http://127.0.0.1:$EP
EURLS=http://127.0.0.1:$EP/szkm,http://127.0.0.1:$EP2/szkm,http://127.0.0.1:$EP3/szkm
ECLUSTER=e1=http://127.0.0.1:$EPP,e2=http://127.0.0.1:$EPP2,e3=http://127.0.0.1:$EPP3
PORTS=("" "$P1" "$P2" "$P3")
PIDS=("" "" "" "")
EPIDS=("" "" "" "")
cleanup_all() {
	for p in "${PIDS[@]}" "${EPIDS[@]}"; do
		[ -n "$p" ] && kill -9 "$p" 2>/dev/null || true
	done
	cleanup
}
trap cleanup_all EXIT

# member_up <m>: member m answers and its cluster has a leader.
member_up() { curl -sf -m 2 "http://127.0.0.1:${ECP[$1]}/health" | grep -q '"health":"true"'; }
etcd_up() {
	local m
	for m in 1 2 3; do
		[ -z "${EPIDS[m]}" ] || member_up "$m" || return 1
	done
}
# start_member <m>: member m, a new one or back on its data folder.
start_member() {
	local m=$1
	etcd --name "e$m" --data-dir "$T/etcd$m" \
		--listen-client-urls "http://127.0.0.1:${ECP[m]}" \
		--advertise-client-urls "http://127.0.0.1:${ECP[m]}" \
		--listen-peer-urls "http://127.0.0.1:${EPPS[m]}" \
		--initial-advertise-peer-urls "http://127.0.0.1:${EPPS[m]}" \
		--initial-cluster "$ECLUSTER" --initial-cluster-token "szkm-$EP" \
		"${ETCD_OPTS[@]}" >>"$T/etcd$m.log" 2>&1 </dev/null &
	EPIDS[m]=$!
}
# start_etcd: every member that is not running; returns once all are
# healthy (members wait for each other, so they start together).
start_etcd() {
	local m
	for m in 1 2 3; do
		[ -n "${EPIDS[m]}" ] || start_member "$m"
	done
	until_ok 60 etcd_up || { tail -n 20 "$T"/etcd?.log >&2; fail "etcd did not start"; }
}
# stop_member <m> [signal]: stops member m (SIGTERM, or the signal given).
stop_member() {
	local m=$1
	kill -"${2:-TERM}" "${EPIDS[m]}"
	wait "${EPIDS[m]}" 2>/dev/null || true
	EPIDS[m]=
}
stop_etcd() {
	local m
	for m in 1 2 3; do
		[ -z "${EPIDS[m]}" ] || stop_member "$m"
	done
}
# etcd_leader: the member (1-3) that is the cluster's leader.
etcd_leader() {
	local m st
	for m in 1 2 3; do
		[ -n "${EPIDS[m]}" ] || continue
		st=$(curl -sf -m 2 -X POST -d '{}' "http://127.0.0.1:${ECP[m]}/v3/maintenance/status") || continue
		jq -e '.header.member_id == .leader' <<<"$st" >/dev/null &&
			{ echo "$m"; return 0; }
	done
	return 1
}
# etcd_head <m>: the log size P/head as member m alone holds it (a
# serializable read: its own copy, without asking the others).
etcd_head() {
	curl -sf -m 2 -X POST "http://127.0.0.1:${ECP[$1]}/v3/kv/range" \
		-d "{\"key\":\"$(printf /szkm/head | base64)\",\"serializable\":true}" |
		jq -r '.kvs[0].value' | base64 -d
}

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
	local i=$1 nl=no
	[ "$i" != "$NETLINK_NODE" ] || nl=yes
	"$B/ledgerd" -c /dev/null --db "$T/n$i.db" --key "$T/n$i.pem" \
		--key-name "node$i.test.example" --origin test.example/ledger \
		--control-socket "$T/c$i" --http-port "${PORTS[i]}" --netlink "$nl" \
		--durability "${NODE_DURABILITY:-none}" --etcd "$EURLS" --peers "$(peers_of "$i")" \
		--cosign-k 2 --etcd-timeout-ms "$ETCD_TIMEOUT_MS" 2>>"$T/n$i.log" </dev/null &
	PIDS[i]=$!
	until_ok 10 node_up "$i" || { cat "$T/n$i.log" >&2; fail "node $i did not start"; }
}
feed_to() { local i=$1; shift; "$B/ledgerd" -c /dev/null --control-socket "$T/c$i" feed "$@"; }
hget() { curl -s "http://127.0.0.1:${PORTS[$1]}$2"; }
# (jq, not python: a guest under TCG starts python slowly)
size_of() { hget "$1" /health | jq -r .size; }
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
