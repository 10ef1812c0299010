# ledgerd end to end against the real kernel: the kernel's signed events
# reach ledgerd over generic netlink, are appended, acknowledged (the journal
# drains, a pending version becomes active); after a SIGKILL the replay
# fills the ledger with no gap and no duplicate; after a module reload and
# an unseal ledgerd resumes the kernel's chain from its last event.
szkm_device_up
. "$SZKM_TOP/tests/vm/lib-ledgerd.sh"
stop_listener

ledgerd_device
[ "$(last_seq)" = 1 ] && [ "$(waiting)" = 1 ] || fail "new device: $("$SZKMCTL" status | grep events:)"

start_ledgerd
grep -q 'listening to the kernel' $T/log || fail "ledgerd does not listen: $(cat $T/log)"
grep -q "device $dev is not enrolled" $T/log || fail "no 'not enrolled' notice: $(cat $T/log)"

# Not enrolled yet: the kernel's events wait; a new key's v1 stays pending.
a=$(keyctl add szkm e2e-a "new aes256-gcm" @s) || fail "keyctl add e2e-a"
aid=$("$SZKMCTL" key show "$a" --json | jq -r .id)
[ "$(state_of "$a" 1)" = pending ] || fail "e2e-a v1 not pending before enrolment"
[ "$(waiting)" = 2 ] || fail "expected 2 events waiting, $(waiting)"

# Enrolment: ledgerd replays from the start, appends and acknowledges.
"$L" -c /dev/null --control-socket $T/ctl enroll e2e-kernel "$pub" >$T/enrol || fail "enroll: $(cat $T/enrol)"
grep -q "^enrolled [0-9]* $dev" $T/enrol || fail "enroll said: $(cat $T/enrol)"
drained
wait_state "$a" 1 active
check_chain "$dev" 2

# Live: a rotation is appended and acked, the new version becomes active.
mark=$(wc -l <$T/log)
ok keyctl update "$a" rotate
wait_state "$a" 2 active
drained
get "/keys/$aid" | jq -r '.entries[].event' >$T/ka
[ "$(cat $T/ka | tr '\n' ' ')" = "key-create key-rotate " ] || fail "/keys/$aid: $(cat $T/ka)"
check_chain "$dev" "$(last_seq)"
! tail -n +$((mark + 1)) $T/log | grep 'rejected\|acknowledging\|failed' || fail "ledgerd complained"

# SIGKILL: events made meanwhile wait in the kernel's journal, pending.
kill -9 $LPID; wait $LPID 2>/dev/null || true; LPID=
b=$(keyctl add szkm e2e-b "new aes256-gcm" @s) || fail "keyctl add e2e-b"
ok keyctl update "$a" rotate
d=$(keyctl add szkm e2e-d "new aes256-gcm ledger=async" @s) || fail "keyctl add e2e-d"
refuses "busy" keyctl update "$b" rotate
[ "$(state_of "$a" 3)" = pending ] || fail "e2e-a v3 not pending without ledgerd"
[ "$(waiting)" -ge 3 ] || fail "journal: $(waiting) waiting, expected at least 3"
start_ledgerd
drained
wait_state "$a" 3 active
wait_state "$b" 1 active
check_chain "$dev" "$(last_seq)"
[ "$(get /devices | jq -r '.devices[0].last_seq')" = "$(last_seq)" ] || fail "ledger behind the kernel"

# Module reload and unseal: the chain is not positioned until ledgerd
# resumes it from its last event; then events continue without a gap.
kill $LPID; wait $LPID 2>/dev/null || true; LPID=
keyctl unlink "$a" @s >/dev/null; keyctl unlink "$b" @s >/dev/null; keyctl unlink "$d" @s >/dev/null
ok rmmod szkm
ok szkm_load
ok "$SZKMCTL" device unseal --in $T/device.blob >/dev/null
"$SZKMCTL" status | grep -q '^events: *not' || fail "chain positioned before resume: $("$SZKMCTL" status | grep events:)"
refuses "temporarily unavailable" keyctl add szkm e2e-c "new aes256-gcm" @s
start_ledgerd
until_ok 10 chained || fail "ledgerd did not resume the chain: $(tail -5 $T/log)"
until_ok 10 szkm_registry_ready || fail "key registry not restored: $(tail -5 $T/log)"
grep -q 'resumed the kernel' $T/log || fail "no resume line: $(tail -5 $T/log)"
c=$(keyctl add szkm e2e-c "new aes256-gcm" @s) || fail "keyctl add e2e-c after resume"
wait_state "$c" 1 active
drained
check_chain "$dev" "$(last_seq)"
! tail -n +$((mark + 1)) $T/log | grep 'rejected\|acknowledging\|failed' || fail "ledgerd complained"

# The same with ledgerd running through the reload: it notices the family
# is gone, opens the new one and resumes the chain by itself.
mark=$(wc -l <$T/log)
keyctl unlink "$c" @s >/dev/null
ok rmmod szkm
ok szkm_load
ok "$SZKMCTL" device unseal --in $T/device.blob >/dev/null
until_ok 30 chained || fail "running ledgerd did not resume the chain: $(tail -5 $T/log)"
until_ok 30 szkm_registry_ready || fail "key registry not restored: $(tail -5 $T/log)"
e=$(keyctl add szkm e2e-e "new aes256-gcm" @s) || fail "keyctl add e2e-e after the live resume"
wait_state "$e" 1 active
drained
check_chain "$dev" "$(last_seq)"
! tail -n +$((mark + 1)) $T/log | grep 'rejected\|acknowledging' || fail "ledgerd complained"

# Hand back to the test listener for the tests after this one: a device
# that enrols its key.
stop_ledgerd
ok "$SZKMCTL" device init --force --out /run/szkm-device.blob >/dev/null
szkm_listener_up
dmesg_clean
