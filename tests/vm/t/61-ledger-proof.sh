# The kernel believes the ledger's proof, not its word. A device made with
# the ledger node's verifier key (device init --ledger-key) frees an event
# from its journal, and activates a version, only on a checkpoint signed by
# that key plus the event's inclusion proof, consistent with the last
# checkpoint it accepted. Attackers tried here: root in userspace without
# the ledger's key (a bare ack, a bare resume, a checkpoint signed by its
# own key under the ledger's name), and a ledger node that lies (a spoilt
# inclusion proof, a forked tree signed with the real key). Each is refused
# with its reason, and the journal is unchanged. After a module reload the
# chain resumes only from the ledger's proof of the device's last event.
szkm_device_up
. "$SZKM_TOP/tests/vm/lib-ledgerd.sh"
stop_listener

ORIGIN=proof.example/ledger
ok "$L" genkey $T/node.pem
vkey=$("$L" -c /dev/null --key $T/node.pem --origin $ORIGIN vkey) || fail "ledgerd vkey"
[[ $vkey == $ORIGIN+*+A* ]] || fail "not an ECDSA verifier key: $vkey"

# Malformed verifier keys never make a device.
refuses "not a verifier key" "$SZKMCTL" device init --force --out $T/x.blob --ledger-key "nonsense"
rest=${vkey#*+}
refuses "id does not match" "$SZKMCTL" device init --force --out $T/x.blob \
	--ledger-key "$ORIGIN+00000000+${rest#*+}"
refuses "between 1 and the number" "$SZKMCTL" device init --force --out $T/x.blob \
	--ledger-key "$vkey" --ledger-threshold 2
# No key at all (none given, none in /etc/szkm/ledger-keys): refused by
# szkmctl, and by the kernel when asked directly.
mv /etc/szkm/ledger-keys $T/lk
refuses "No ledger key" "$SZKMCTL" device init --force --out $T/x.blob
mv $T/lk /etc/szkm/ledger-keys
refuses "a device needs the ledger's verifier key" "$LT" init-without-ledger
[ ! -e $T/x.blob ] || fail "a refused init wrote a blob"

ok "$SZKMCTL" device init --force --out $T/device.blob --ledger-key "$vkey" >$T/init
dev=$("$SZKMCTL" device identity | sed -n 's/^id: *//p')
pub=$("$SZKMCTL" device identity | sed -n 's/^pubkey: *//p')
"$SZKMCTL" status | grep -q "^ledger: *1 of $ORIGIN; proven up to size 0" ||
	fail "status: $("$SZKMCTL" status | grep ledger:)"

# Root without the ledger: a bare ack of the device-init event is refused.
raw=$SZKM_TOP/build/bin/genl_raw
le64() { local i; for i in 0 1 2 3 4 5 6 7; do printf '%02x' $((($1 >> (8 * i)) & 255)); done; }
refuses "believes the ledger's proof, not its word" "$raw" ack seq:$(le64 1) index:$(le64 0)
[ "$(waiting)" = 1 ] || fail "a refused ack changed the journal"

start_ledgerd $ORIGIN
ok "$L" -c /dev/null --control-socket $T/ctl enroll proof-kernel "$pub" >/dev/null
mark=$(wc -l <$T/log)
drained
a=$(keyctl add szkm proof-a "new aes256-gcm" @s) || fail "keyctl add proof-a"
wait_state "$a" 1 active
head -c 100 /dev/urandom >$T/m
ok keyctl pkey_encrypt "$a" 0 $T/m >$T/c1
drained
size=$("$SZKMCTL" status --json | jq -r .ledger_size)
[ "$size" -ge 3 ] || fail "kernel's proven size $size"
check_chain "$dev" "$(last_seq)"
! tail -n +$((mark + 1)) $T/log | grep 'rejected\|proving\|cannot prove' || fail "ledgerd complained"

# ledgerd away: a rotation waits, pending, in the journal.
stop_ledgerd
ok keyctl update "$a" rotate
[ "$(state_of "$a" 2)" = pending ] || fail "v2 not pending without ledgerd"
n=$(waiting); [ "$n" = 1 ] || fail "journal: $n waiting, expected 1"
seq=$(last_seq)

# Root's own key, named as the ledger: not enrolled, so not enough signers.
ok "$LT" keygen $T/attacker.pem
out=$("$LT" prove $T/attacker.pem $ORIGIN honest) && fail "forged checkpoint accepted: $out"
[[ $out == *"not signed by enough enrolled ledger keys"* ]] || fail "forged checkpoint: $out"
# The ledger's key, with spoilt audit paths (a lying ledger node).
out=$("$LT" prove $T/node.pem $ORIGIN bad-path $T/l.db) && fail "bad inclusion proof accepted: $out"
[[ $out == *"inclusion proof does not lead to the checkpoint's root"* ]] || fail "bad path: $out"
# The ledger's key, over a tree that does not extend the one the kernel saw.
out=$("$LT" prove $T/node.pem $ORIGIN fork) && fail "forked checkpoint accepted: $out"
[[ $out == *"not consistent with the last one accepted"* ]] || fail "fork: $out"
refuses "believes the ledger's proof" "$raw" ack seq:$(le64 "$seq") index:$(le64 0)
[ "$(waiting)" = 1 ] && [ "$(state_of "$a" 2)" = pending ] || fail "a refused proof changed the journal"
[ "$("$SZKMCTL" status --json | jq -r .ledger_size)" = "$size" ] || fail "a refused proof moved the kernel's checkpoint"
dmesg | grep -q 'ledger proof refused: checkpoint not signed by enough' || fail "no kernel log line for the refusal"

# ledgerd back: the rotation is proven, v2 becomes active.
start_ledgerd $ORIGIN
wait_state "$a" 2 active
drained
[ "$("$SZKMCTL" status --json | jq -r .ledger_size)" -gt "$size" ] || fail "proven size did not grow"

# ledgerd away again: a destroy is recorded and waits; v1 keeps working,
# the blob and other changes wait too, and no bare ack makes it happen.
stop_ledgerd
ok keyctl update "$a" "destroy 1"
[ "$(state_of "$a" 1)" = decrypt-only ] || fail "v1 destroyed before the ledger has the event"
keyctl pkey_decrypt "$a" 0 $T/c1 | cmp -s - $T/m || fail "v1 stopped working before the proof"
[ "$("$SZKMCTL" key show "$a" --json | jq -r .waiting)" = 1 ] || fail "key show: no change waiting"
refuses "busy" keyctl pipe "$a"
refuses "busy" keyctl update "$a" "set rotate=30d"
refuses "busy" keyctl update "$a" rotate
seq=$(last_seq)
refuses "believes the ledger's proof" "$raw" ack seq:$(le64 "$seq") index:$(le64 0)
[ "$(state_of "$a" 1)" = decrypt-only ] || fail "a bare ack applied the destroy"
# ledgerd back: the destroy is in the ledger, then it takes effect.
start_ledgerd $ORIGIN
wait_state "$a" 1 destroyed
! keyctl pkey_decrypt "$a" 0 $T/c1 >/dev/null 2>&1 || fail "v1 decrypts after its destroy was proven"
drained
check_chain "$dev" "$(last_seq)"
get "/keys/$("$SZKMCTL" key show "$a" --json | jq -r .id)" | jq -r '.entries[].event' | grep -qx key-destroy ||
	fail "no key-destroy in the ledger"
keyctl pipe "$a" >/dev/null || fail "no blob after the proof"

# Module reload: the chain is not positioned, and a bare resume is refused.
stop_ledgerd
keyctl unlink "$a" @s >/dev/null
head=$(last_seq)
ok rmmod szkm
ok szkm_load
ok "$SZKMCTL" device unseal --in $T/device.blob >/dev/null
! chained || fail "chain positioned before the ledger proved it"
refuses "believes the ledger's proof" "$raw" resume seq:$(le64 "$head") hash:$(printf '00%.0s' $(seq 32))
refuses "temporarily unavailable" keyctl add szkm proof-b "new aes256-gcm" @s
[ "$("$SZKMCTL" status --json | jq -r .ledger_size)" = 0 ] || fail "a fresh load has a proven size"
start_ledgerd $ORIGIN
until_ok 15 chained || fail "ledgerd did not resume the chain: $(tail -5 $T/log)"
until_ok 15 szkm_registry_ready || fail "key registry not restored: $(tail -5 $T/log)"
grep -q "resumed the kernel's event chain after seq $head, proven" $T/log ||
	fail "no proven resume: $(tail -5 $T/log)"
b=$(keyctl add szkm proof-b "new aes256-gcm" @s) || fail "keyctl add after the proven resume"
wait_state "$b" 1 active
drained
check_chain "$dev" "$(last_seq)"
stop_ledgerd
keyctl unlink "$b" @s >/dev/null

# Back to a device without ledger keys for the listener of later tests.
ok "$SZKMCTL" device init --force --out /run/szkm-device.blob >/dev/null
szkm_listener_up
dmesg_clean
