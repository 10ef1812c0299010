# Helpers for guest tests that run ledgerd against the kernel (sourced by
# t/60-ledgerd-e2e.sh, t/61-ledger-proof.sh and the client tests). Waits
# have load-scaled deadlines (until_ok, lib.sh). Logs go to $T/log.
L=$SZKM_TOP/build/bin/ledgerd
LT=$SZKM_TOP/build/bin/ledger-testtool
LPID=
trap '[ -n "$LPID" ] && kill -9 $LPID 2>/dev/null; true' EXIT
# The guest's loopback is down at boot: ledgerd's HTTP API listens there.
ip link set lo up

waiting() { "$SZKMCTL" status | sed -n 's/^events:.*, \([0-9]*\) waiting.*/\1/p'; }
last_seq() { "$SZKMCTL" status | sed -n 's/^events:.*, last \([0-9]*\),.*/\1/p'; }
is_drained() { [ "$(waiting)" = 0 ]; }
drained() { # the kernel's journal empties
	until_ok 15 is_drained ||
		fail "journal did not drain: $("$SZKMCTL" status | grep events:); ledgerd: $(tail -5 $T/log)"
}
state_of() { # <key> <version>: that version's state
	"$SZKMCTL" key show "$1" --json | jq -r ".versions[] | select(.version == $2) | .state"
}
has_state() { [ "$(state_of "$1" "$2")" = "$3" ]; }
wait_state() { # <key> <version> <state>
	until_ok 15 has_state "$@" ||
		fail "key $1 v$2 is '$(state_of "$1" "$2")', not '$3'; ledgerd: $(tail -5 $T/log)"
}
chained() { "$SZKMCTL" status | grep -q '^events: *chained'; }
ledgerd_port() { # the HTTP port ledgerd printed after line $1 of its log
	tail -n +$(($1 + 1)) $T/log | sed -n 's/.*http 127\.0\.0\.1:\([0-9]*\),.*/\1/p' | tail -n 1
}
ledgerd_up() { [ -n "$(ledgerd_port "$1")" ] && [ -S $T/ctl ]; }
# A new device that believes a new ledgerd node key ($T/node.pem, named
# [origin]): its chain starts at seq 1 (device-init), which stays in the
# kernel's journal until ledgerd proves it. Sets vkey, dev and pub.
ledgerd_device() {
	ok "$L" genkey $T/node.pem
	vkey=$("$L" -c /dev/null --key $T/node.pem --origin "${1:-e2e.example/ledger}" vkey) ||
		fail "ledgerd vkey"
	ok "$SZKMCTL" device init --force --out $T/device.blob --ledger-key "$vkey" >/dev/null
	dev=$("$SZKMCTL" device identity | sed -n 's/^id: *//p')
	pub=$("$SZKMCTL" device identity | sed -n 's/^pubkey: *//p')
	[ ${#dev} = 64 ] && [ ${#pub} = 130 ] || fail "device identity: $dev $pub"
}
# The clients' ledger (t/63, t/64): the test listener hands over to
# ledgerd for a new device (ledgerd_device), which enrols the device and
# proves its journal; clients keep the checkpoint they saw in $T/seen.
ledgerd_client_up() {
	stop_listener
	ledgerd_device
	start_ledgerd
	ok "$L" -c /dev/null --control-socket $T/ctl enroll e2e-kernel "$pub" >/dev/null
	drained
	export XDG_STATE_HOME=$T/seen
}
# start_ledgerd [origin]: node key $T/node.pem, database $T/l.db, and any
# extra options in the LEDGERD_OPTS array.
LEDGERD_OPTS=()
start_ledgerd() {
	local from
	: >>$T/log
	from=$(wc -l <$T/log)
	"$L" -c /dev/null --db $T/l.db --key $T/node.pem --origin "${1:-e2e.example/ledger}" \
		--control-socket $T/ctl --http-port 0 --http-address 127.0.0.1 \
		--netlink yes "${LEDGERD_OPTS[@]}" 2>>$T/log </dev/null &
	LPID=$!
	until_ok 15 ledgerd_up "$from" || fail "ledgerd did not start: $(tail -5 $T/log)"
	URL=http://127.0.0.1:$(ledgerd_port "$from")
}
stop_ledgerd() {
	[ -n "$LPID" ] || return 0
	kill "$LPID"; wait "$LPID" 2>/dev/null || true; LPID=
}
get() { curl -sS --fail-with-body "$URL$1"; }
# Every event of device $1 in the ledger: seq 1..$2, each exactly once.
check_chain() {
	local seqs= want start=0 size
	size=$(get /metrics | sed -n 's/^ledgerd_entries \([0-9]*\)$/\1/p')
	[ -n "$size" ] || fail "no ledgerd_entries in /metrics"
	while [ "$start" -lt "$size" ]; do	# 1000 entries a request
		seqs+=$(get "/entries?start=$start&end=$((start + 1000 < size ? start + 1000 : size))" |
			jq -r --arg d "$1" '.entries[] | select(.type == "event" and .device_id == $d) | .seq')
		seqs+=$'\n'
		start=$((start + 1000))
	done
	seqs=$(grep -v '^$' <<<"$seqs")
	want=$(seq 1 "$2")
	[ "$seqs" = "$want" ] || fail "ledger seqs of the device are not 1..$2: $(echo $seqs)"
	[ "$(get /devices | jq -r --arg d "$1" '.devices[] | select(.device_id == $d) | .last_seq')" = "$2" ] ||
		fail "/devices: last_seq is not $2"
}
# Hand over from the test listener: let it ack what it has, then stop it.
stop_listener() {
	drained
	kill "$(cat /run/szkm-listen.pid)"; rm -f /run/szkm-listen.pid
}
