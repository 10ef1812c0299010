# Shared by tests/ledger/*.sh: run ledgerd in a temporary folder with its
# own key, database, control socket and an HTTP port the kernel picks.
# Sourced; sets top, B (binaries), T (the folder), URL, CTL.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=$top/build/bin
. "$top/tests/until.sh"
T=$(mktemp -d /tmp/ledger-test.XXXXXX)
LEDGERD_PID=
cleanup() {
	[ -n "$LEDGERD_PID" ] && kill -9 "$LEDGERD_PID" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
CTL=$T/ctl
[ -f "$T/node.pem" ] || "$B/ledgerd" genkey "$T/node.pem"
LEDGERD_ARGS=(-c /dev/null --db "$T/l.db" --key "$T/node.pem"
	--origin test.example/ledger --control-socket "$CTL"
	--http-port 0 --netlink no)

fail() { echo "FAIL: $*" >&2; exit 1; }

# start [extra args]: starts ledgerd, waits until it serves, sets URL.
serving() {
	kill -0 "$LEDGERD_PID" 2>/dev/null || { cat "$T/log" >&2; fail "ledgerd exited at start"; }
	port=$(sed -n 's/.*http 127\.0\.0\.1:\([0-9]*\),.*/\1/p' "$T/log" | tail -n 1)
	[ -n "$port" ] && [ -S "$CTL" ]
}
start() {
	: >"$T/log"
	"$B/ledgerd" "${LEDGERD_ARGS[@]}" "$@" 2>>"$T/log" &
	LEDGERD_PID=$!
	local port=
	until_ok 5 serving || fail "ledgerd did not start"
	URL=http://127.0.0.1:$port
}

stop() {
	kill "$LEDGERD_PID"; wait "$LEDGERD_PID" || true; LEDGERD_PID=
}

feed() { "$B/ledgerd" -c /dev/null --control-socket "$CTL" feed "$@"; }

# key_history: starts ledgerd with a device enrolled and the first 40 of
# its 60 events (three keys) in a checkpoint; the other 20 wait in $T/ev2.
# key-1 is created at seq 3 and rotated every third event. Sets kid (its
# key id), VK (the node's verifier key) and OTHER (another node's).
key_history() {
	start
	"$B/ledger-testtool" keygen "$T/dev.pem"
	"$B/ledger-testtool" events "$T/dev.pem" 60 3 >"$T/all"
	head -n 40 "$T/all" >"$T/ev1"
	tail -n +41 "$T/all" >"$T/ev2"
	"$B/ledgerd" -c /dev/null --control-socket "$CTL" enroll dev-a "$T/dev.pem" >/dev/null
	feed "$T/ev1" >/dev/null
	echo sync | feed >/dev/null
	kid=$(get '/entries?start=3&end=4' | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"][0]["key_id"])')
	VK=$(vkey)
	"$B/ledgerd" genkey "$T/other.pem"
	OTHER=$("$B/ledgerd" -c /dev/null --key "$T/other.pem" --origin test.example/other vkey)
}
vkey() { "$B/ledgerd" -c /dev/null --key "$T/node.pem" --origin test.example/ledger "$@" vkey; }
get() { curl -sS --fail-with-body "$URL$1"; }
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# signed_by_node_key <events>: with LEDGERD_ARGS naming an ECDSA node key
# (HSM or TPM), its verifier key must be type 0x02; start ledgerd, enrol a
# device, feed it <events> events, and check the latest checkpoint
# verifies under that key. Sets vk, size and root.
signed_by_node_key() {
	vk=$("$B/ledgerd" "${LEDGERD_ARGS[@]}" vkey)
	[[ $vk == test.example/ledger+*+A* ]] || fail "vkey $vk"
	python3 -c 'import base64,sys; k=base64.b64decode(sys.argv[1].split("+", 2)[2]); assert k[0] == 2, k[0]' "$vk" ||
		fail "not a type 0x02 key: $vk"
	start
	"$B/ledger-testtool" keygen "$T/dev.pem"
	"$B/ledger-testtool" events "$T/dev.pem" "$1" >"$T/ev"
	"$B/ledgerd" -c /dev/null --control-socket "$CTL" enroll dev-a "$T/dev.pem" >/dev/null
	feed "$T/ev" >/dev/null
	echo sync | feed >/dev/null
	get /checkpoint >"$T/cp"
	read -r size root < <("$B/ledger-testtool" verify-note "$vk" "$T/cp") ||
		fail "checkpoint does not verify"
	[ "$size" = $(($1 + 1)) ] || fail "size $size"
}
