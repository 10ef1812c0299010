# The rotation service and the signed event journal: rotation by period,
# at the use limit and on request; ledger=required keeps a new version
# pending (the old one serving) until the ledger acknowledges its event;
# a full journal fails closed with EBUSY and drains when the listener is
# back, with nothing lost or duplicated; acknowledgements are checked.
szkm_device_up
log0=$(wc -l </run/szkm-listen.log)	# this test's part of the listener's log
ver_of() { "$SZKMCTL" key show "$1" --json | sed -n 's/.*"active":\([0-9]*\).*/\1/p'; }
wait_ver() { # <key> <version>: waits until that version is active
	local i
	for i in $(seq 150); do [ "$(ver_of "$1")" = "$2" ] && return 0; sleep 0.1; done
	fail "key $1 did not reach v$2 (at v$(ver_of "$1"))"
}
head -c 100 /dev/urandom >m

# Period: rotate=2s rotates by itself, again and again.
p=$(szkm_add per "new aes256-gcm rotate=2s" @s)
wait_ver "$p" 2
wait_ver "$p" 3
grep -q 'key-rotate key=per v=2' /run/szkm-listen.log || fail "no signed rotate event for per"

# Use limit: max_uses=16 rotates near the limit, before service stops.
u=$(szkm_add lim "new aes256-gcm max_uses=16" @s)
for i in $(seq 15); do ok keyctl pkey_encrypt "$u" 0 m >/dev/null; done
wait_ver "$u" 2
ok keyctl pkey_encrypt "$u" 0 m >c
[ "$(ct_version c)" = 2 ] || fail "use-limit rotation did not take over"

# ledger=required: without a listener the new version waits, v1 serves.
r=$(szkm_add req "new aes256-gcm" @s)
kill "$(cat /run/szkm-listen.pid)"; rm -f /run/szkm-listen.pid
ok keyctl update "$r" rotate
"$SZKMCTL" key show req | grep -q '^v2 *pending' || fail "v2 not pending: $("$SZKMCTL" key show req)"
ok keyctl pkey_encrypt "$r" 0 m >c
[ "$(ct_version c)" = 1 ] || fail "pending v2 was used before the ledger had it"
refuses "busy" keyctl update "$r" rotate

# Journal full: changes fail closed (EBUSY, a clear message), nothing lost.
echo 3 >/sys/module/szkm/parameters/journal_max
n=0
while keyctl add szkm "full$n" "new aes256-gcm ledger=async" @s >/dev/null 2>err; do
	n=$((n + 1)); [ $n -lt 10 ] || fail "journal never filled"
done
grep -q 'Device or resource busy' err || fail "full journal gave: $(cat err)"
dmesg | grep -q 'journal full' || fail "no 'journal full' message"
! keyctl search @s szkm "full$n" >/dev/null 2>&1 || fail "a key was made without its event"
echo 4096 >/sys/module/szkm/parameters/journal_max

# The listener comes back: replay from its last event, everything acked.
szkm_listener_up
szkm_wait_ledger "$r"
[ "$(ver_of "$r")" = 2 ] || fail "v2 not active after the ledger acked"
szkm_wait_drained
# Every event seen once, in order, each verified (signature and chain).
tail -n +$((log0 + 1)) /run/szkm-listen.log | awk -F'[= ]' '
	/^new device/ { last = 0; next }
	/^seq=/ { if (last != "" && $2 != last + 1) { print "gap or duplicate at " $2; exit 1 } last = $2 }' ||
	fail "listener saw a gap or a duplicate"
! grep -q REJECT /run/szkm-listen.log || fail "listener rejected an event"

# Acknowledgements: only for events sent, once, only by root, well formed.
last=$("$SZKMCTL" status --json | sed -n 's/.*"seq":\([0-9]*\).*/\1/p')
refuses "was ever sent" "$SZKMCTL" events ack $((last + 100)) 1
refuses "already acknowledged" "$SZKMCTL" events ack 1 0
refuses "CAP_SYS_ADMIN" setpriv --reuid=65534 --regid=65534 --clear-groups "$(szkmctl_for_nobody)" events ack "$last" 0
refuses "already positioned" "$SZKMCTL" events resume 1 $(printf '0%.0s' $(seq 64))
# Malformed ones, built by hand: refused for what is wrong, journal as it was.
raw=$SZKM_TOP/build/bin/genl_raw
le64() { local i; for i in 0 1 2 3 4 5 6 7; do printf '%02x' $((($1 >> (8 * i)) & 255)); done; }
# Quiet first: no rotation due, every event acknowledged.
ok keyctl update "$p" "set rotate=3650d"
szkm_wait_drained
before=$("$SZKMCTL" status --json)
# An attribute of the wrong size fails the family's policy (EINVAL or ERANGE).
bad_size() {
	local out
	out=$("$raw" "$@") && fail "accepted: $*"
	grep -qE "Invalid argument|Numerical result out of range" <<<"$out" || fail "$*: $out"
}
refuses "ack needs SZKM_A_SEQ and SZKM_A_LEDGER_INDEX" "$raw" ack seq:$(le64 "$last")
refuses "ack needs SZKM_A_SEQ and SZKM_A_LEDGER_INDEX" "$raw" ack index:$(le64 0)
bad_size ack seq:0102 index:$(le64 0)
refuses "events of another device" "$raw" ack seq:$(le64 "$last") index:$(le64 0) device:$(printf '00%.0s' $(seq 32))
bad_size ack seq:$(le64 "$last") index:$(le64 0) device:0011
refuses "resume needs SZKM_A_SEQ and SZKM_A_EVENT_HASH" "$raw" resume seq:$(le64 1)
bad_size resume seq:$(le64 1) hash:00
[ "$("$SZKMCTL" status --json)" = "$before" ] || fail "a malformed ack changed the journal"
# The periodic key would rotate for the rest of the boot: let it go.
ok keyctl unlink "$p" @s
dmesg_clean
