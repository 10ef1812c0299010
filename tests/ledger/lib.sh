# Shared by tests/ledger/*.sh: run ledgerd in a temporary folder with its
# own key, database, control socket and an HTTP port the kernel picks.
# Sourced; sets top, B (binaries), T (the folder), URL, CTL.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=$top/build/bin
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
start() {
	: >"$T/log"
	"$B/ledgerd" "${LEDGERD_ARGS[@]}" "$@" 2>>"$T/log" &
	LEDGERD_PID=$!
	local i port=
	for i in $(seq 1 200); do
		port=$(sed -n 's/.*http 127\.0\.0\.1:\([0-9]*\),.*/\1/p' "$T/log" | tail -n 1)
		[ -n "$port" ] && [ -S "$CTL" ] && break
		kill -0 "$LEDGERD_PID" 2>/dev/null || { cat "$T/log" >&2; fail "ledgerd exited at start"; }
		sleep 0.02
	done
	[ -n "$port" ] || fail "ledgerd did not start"
	URL=http://127.0.0.1:$port
}

stop() {
	kill "$LEDGERD_PID"; wait "$LEDGERD_PID" || true; LEDGERD_PID=
}

feed() { "$B/ledgerd" -c /dev/null --control-socket "$CTL" feed "$@"; }
vkey() { "$B/ledgerd" -c /dev/null --key "$T/node.pem" --origin test.example/ledger "$@" vkey; }
get() { curl -sS --fail-with-body "$URL$1"; }
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
