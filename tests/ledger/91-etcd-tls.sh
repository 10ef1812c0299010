#!/usr/bin/env bash
# ledgerd and etcd over TLS with client certificates, as a real deployment
# runs them (ledgerd(8), DEPLOYMENT). Attackers: someone on the network
# between a node and etcd (a server with a certificate from another CA is
# refused, so entries are never written to or read from an impostor), and
# a local process without the node's client certificate (etcd refuses it:
# it cannot write entries, though the nodes would refuse forged ones
# anyway). Also: etcd_cert without etcd_key is a configuration error.
. "$(dirname "$0")/lib.sh"
command -v etcd >/dev/null ||
	fail "etcd is not installed: run 'make deps' (scripts/deps.sh installs etcd-server)"

read -r EP EPP HP < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
EURL=https://127.0.0.1:$EP
ETCD_PID=
trap '[ -n "$ETCD_PID" ] && kill -9 "$ETCD_PID" 2>/dev/null; cleanup' EXIT

# ca NAME: a CA; cert NAME CA: a certificate for 127.0.0.1 signed by CA.
ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=$1" -keyout "$T/$1.key" -out "$T/$1.pem" 2>/dev/null
}
cert() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
		-keyout "$T/$1.key" -out "$T/$1.csr" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' >"$T/$1.ext"
	openssl x509 -req -in "$T/$1.csr" -CA "$T/$2.pem" -CAkey "$T/$2.key" -CAcreateserial \
		-days 2 -extfile "$T/$1.ext" -out "$T/$1.pem" 2>/dev/null
}
ca ca; ca evil-ca
cert etcd ca; cert tls-node ca; cert impostor evil-ca

etcd --name n1 --data-dir "$T/etcd" --listen-client-urls "$EURL" \
	--advertise-client-urls "$EURL" --listen-peer-urls "http://127.0.0.1:$EPP" \
	--initial-advertise-peer-urls "http://127.0.0.1:$EPP" \
	--initial-cluster "n1=http://127.0.0.1:$EPP" \
	--cert-file "$T/etcd.pem" --key-file "$T/etcd.key" \
	--client-cert-auth --trusted-ca-file "$T/ca.pem" >>"$T/etcd.log" 2>&1 &
ETCD_PID=$!
etcd_up() {
	curl -sf --cacert "$T/ca.pem" --cert "$T/tls-node.pem" --key "$T/tls-node.key" "$EURL/health" |
		grep -q '"health":"true"'
}
until_ok 30 etcd_up || { tail -n 20 "$T/etcd.log" >&2; fail "etcd did not start with TLS"; }

# A process without a client certificate is refused by etcd.
out=$(curl -s --cacert "$T/ca.pem" -X POST -d '{"key":"eA=="}' "$EURL/v3/kv/range" 2>&1) &&
	[ -n "$out" ] && fail "etcd answered a client without a certificate: $out"

TLS=(--etcd "$EURL/szkm" --etcd-ca "$T/ca.pem" --etcd-cert "$T/tls-node.pem" --etcd-key "$T/tls-node.key"
	--durability none --etcd-timeout-ms 3000)

# Half a client certificate is a configuration error.
out=$("$B/ledgerd" "${LEDGERD_ARGS[@]}" --etcd "$EURL/szkm" --etcd-cert "$T/tls-node.pem" 2>&1) &&
	fail "ledgerd ran with etcd_cert and no etcd_key"
[[ $out == *"etcd_cert and etcd_key go together"* ]] || fail "half a certificate: $out"

# The node over TLS: enrolment and events are appended through etcd.
start "${TLS[@]}"
"$B/ledger-testtool" keygen "$T/dev.pem"
"$B/ledger-testtool" events "$T/dev.pem" 8 2 >"$T/ev"
out=$("$B/ledgerd" -c /dev/null --control-socket "$CTL" enroll dev-a "$T/dev.pem")
[[ $out == "enrolled 0 "* ]] || fail "enrol over TLS: $out"
head -n 4 "$T/ev" | feed >"$T/acks"
[ "$(grep -c '^ok ' "$T/acks")" = 4 ] || fail "appends over TLS: $(cat "$T/acks")"
out=$(curl -s --cacert "$T/ca.pem" --cert "$T/tls-node.pem" --key "$T/tls-node.key" -X POST \
	-d "{\"key\":\"$(printf /szkm/head | base64)\"}" "$EURL/v3/kv/range")
[[ $out == *'"value":"'"$(printf 5 | base64)"'"'* ]] || fail "etcd's head is not 5: $out"
stop
echo "etcd-tls: a node with its client certificate appends through https etcd"

# An impostor between node and etcd: the node trusts only its CA. Here
# the node is told the impostor's CA is not its own: it must refuse the
# real server's certificate exactly as it would refuse an impostor's.
start --etcd "$EURL/szkm" --etcd-ca "$T/evil-ca.pem" --etcd-cert "$T/tls-node.pem" \
	--etcd-key "$T/tls-node.key" --durability none --etcd-timeout-ms 3000
out=$(sed -n 5p "$T/ev" | feed) && fail "appended through an etcd whose certificate is not from the CA: $out"
[[ $out == "error not appended: "* ]] || fail "an unknown server certificate: $out"
grep -qi "certificate\|SSL" "$T/log" || fail "the log does not say the certificate was refused"
stop

# Without its client certificate the node is refused by etcd.
start --etcd "$EURL/szkm" --etcd-ca "$T/ca.pem" --durability none --etcd-timeout-ms 3000
out=$(sed -n 5p "$T/ev" | feed) && fail "appended without a client certificate: $out"
[[ $out == "error not appended: "* ]] || fail "no client certificate: $out"
stop
echo "etcd-tls: the wrong CA and a missing client certificate are refused"

# The impostor certificate itself: a node that trusts the real CA refuses
# a server presenting the impostor's certificate.
kill "$ETCD_PID"; wait "$ETCD_PID" 2>/dev/null || true
etcd --name n1 --data-dir "$T/etcd" --listen-client-urls "$EURL" \
	--advertise-client-urls "$EURL" --listen-peer-urls "http://127.0.0.1:$EPP" \
	--initial-advertise-peer-urls "http://127.0.0.1:$EPP" \
	--initial-cluster "n1=http://127.0.0.1:$EPP" \
	--cert-file "$T/impostor.pem" --key-file "$T/impostor.key" >>"$T/etcd.log" 2>&1 &
ETCD_PID=$!
imp_up() { curl -sf -k "$EURL/health" | grep -q '"health":"true"'; }
until_ok 30 imp_up || fail "the impostor etcd did not start"
start "${TLS[@]}"
out=$(sed -n 5p "$T/ev" | feed) && fail "appended to an impostor: $out"
[[ $out == "error not appended: "* ]] || fail "an impostor etcd: $out"
stop
echo "etcd-tls ok: only the real etcd, and only with the node's certificate"
