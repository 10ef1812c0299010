# Rollback refused. Attackers: root in userspace holding old copies of a
# key's blobs (the state before a rotate, retire, destroy or policy
# change), loading one blob twice, and a follower that lies about the
# device's last event after a reboot, or that restores the chain with a
# stored signature swapped. Every state change makes the key's
# older blobs unloadable; a key id is live once at a time; after a module
# reload (the kernel forgets all, as at a reboot) nothing loads until the
# key registry is rebuilt from the ledger's chain and the ledger proved the
# resume, and old blobs stay refused; a follower that resumes at an older
# event never gets there.
szkm_device_up
. "$SZKM_TOP/tests/vm/lib-ledgerd.sh"

nkeys() { "$SZKMCTL" status --json | jq -r .keys; }
has_nkeys() { [ "$(nkeys)" = "$1" ]; }
drop() { # <key> <ring>: unlinks the key and waits until the kernel freed it
	local n
	n=$(nkeys)
	keyctl unlink "$1" "$2" >/dev/null
	until_ok 10 has_nkeys $((n - 1)) || fail "key $1 not freed (keys: $(nkeys))"
}
stale() { # <name> <blob file> <after what>: refused as an older blob
	refuses "rejected" keyctl add szkm "$1" "load $(cat "$2")" @s
	dmesg | tail -n 5 | grep -q "load '$1': blob is from event [0-9]*, the key's last change is event [0-9]*: an older blob (rollback refused)" ||
		fail "old blob after $3: no rollback message: $(dmesg | tail -n 2)"
}
kr=$(keyctl newring rollback @s)
head -c 1000 /dev/urandom >$T/m

a=$(szkm_add rb "new aes256-gcm" "$kr")
ok keyctl pkey_encrypt "$a" 0 $T/m >$T/c1
keyctl pipe "$a" >$T/b1
# One blob, one live key: the same blob elsewhere while the key lives.
refuses "File exists" keyctl add szkm rb "load $(cat $T/b1)" @s
dmesg | tail -n 5 | grep -q "load 'rb': the key is live already; one blob loads once" ||
	fail "no message for a second load"

# After a rotate: the v1-only blob is refused, the new one loads (once).
szkm_rotate "$a"
keyctl pipe "$a" >$T/b2
drop "$a" "$kr"
stale rb $T/b1 rotate
a=$(szkm_add rb "load $(cat $T/b2)" "$kr")
keyctl pkey_decrypt "$a" 0 $T/c1 | cmp -s - $T/m || fail "loaded blob lost v1"
refuses "File exists" keyctl add szkm rb "load $(cat $T/b2)" @s

# After a destroy and a policy change: each time the blob before it is
# refused. The destroyed version's material does not come back. (A retire
# of a version that is decrypt-only already changes nothing, records no
# event, and leaves the blob current.)
szkm_change "$a" "retire 1"
keyctl pipe "$a" >$T/b3
cmp -s $T/b2 $T/b3 && fail "blobs are not freshly wrapped"
drop "$a" "$kr"
a=$(szkm_add rb "load $(cat $T/b2)" "$kr")
szkm_change "$a" "destroy 1"
keyctl pipe "$a" >$T/b4
drop "$a" "$kr"
stale rb $T/b3 destroy
a=$(szkm_add rb "load $(cat $T/b4)" "$kr")
! keyctl pkey_decrypt "$a" 0 $T/c1 >/dev/null 2>&1 || fail "destroyed v1 decrypts again"
szkm_change "$a" "set max_uses=100000"
keyctl pipe "$a" >$T/b5
ok keyctl pkey_encrypt "$a" 0 $T/m >$T/c2
drop "$a" "$kr"
stale rb $T/b4 "policy change"
a=$(szkm_add rb "load $(cat $T/b5)" "$kr")
drop "$a" "$kr"

# A reload forgets everything: nothing loads until the follower restored
# the registry from the chain and the ledger proved the resume; then old
# blobs are still refused and the last one loads.
ok rmmod szkm
ok szkm_load
ok "$SZKMCTL" device unseal --in /run/szkm-device.blob >/dev/null
[ "$("$SZKMCTL" status --json | jq -r .registry)" = none ] || fail "registry known before the chain"
refuses "temporarily unavailable" keyctl add szkm rb "load $(cat $T/b5)" "$kr"
refuses "temporarily unavailable" keyctl add szkm rb-new "new aes256-gcm" "$kr"
mark=$(wc -l </run/szkm-listen.log)
szkm_listener_up
tail -n +$((mark + 1)) /run/szkm-listen.log | grep -q "restored the kernel's key registry from [0-9]* events" ||
	fail "listener did not restore the registry: $(tail -3 /run/szkm-listen.log)"
dmesg | grep -q "key registry ready: the ledger proved the resume" || fail "no registry-ready line"
for b in b1 b2 b3 b4; do stale rb $T/$b "reload ($b)"; done
a=$(szkm_add rb "load $(cat $T/b5)" "$kr")
keyctl pkey_decrypt "$a" 0 $T/c2 | cmp -s - $T/m || fail "v2 data lost across the reload"
drop "$a" "$kr"

# A follower that lies: with ledgerd as the ledger (its key out of root's
# reach), root resumes the chain after a reload at an older event, with
# the ledger's real checkpoint and proof, and restores the chain up to it.
# The kernel records DEVICE_RESUME after that event; the ledger refuses it
# (its chain has moved on), so the registry never becomes ready and the
# old blob stays refused. A reload and the honest resume recover.
stop_listener
ledgerd_device
start_ledgerd
"$L" -c /dev/null --control-socket $T/ctl enroll rb-kernel "$pub" >$T/enrol || fail "enroll: $(cat $T/enrol)"
drained
x=$(keyctl add szkm lx "new ecdsa-p256" "$kr") || fail "keyctl add lx"
wait_state "$x" 1 active
keyctl pipe "$x" >$T/x1
old=$(last_seq)
ok keyctl update "$x" rotate
wait_state "$x" 2 active
keyctl pipe "$x" >$T/x2
drained
drop "$x" "$kr"
stop_ledgerd
# A reboot stood in by a reload: the device unsealed, its chain unpositioned.
reboot_unsealed() {
	ok rmmod szkm
	ok szkm_load
	ok "$SZKMCTL" device unseal --in $T/device.blob >/dev/null
}
reboot_unsealed
out=$("$LT" resume-at "$old" $T/l.db) || fail "lying resume: $out"
[ "$("$SZKMCTL" status --json | jq -r .registry)" = proving ] || fail "registry not waiting for the ledger"
mark=$(wc -l <$T/log)
start_ledgerd
rejected() { tail -n +$((mark + 1)) $T/log | grep -q "rejected event seq $((old + 1)) of device"; }
until_ok 15 rejected || fail "ledgerd took the forked resume: $(tail -5 $T/log)"
[ "$("$SZKMCTL" status --json | jq -r .registry)" = proving ] || fail "registry ready after a lying resume"
refuses "temporarily unavailable" keyctl add szkm lx "load $(cat $T/x1)" "$kr"
stop_ledgerd
reboot_unsealed
start_ledgerd
until_ok 15 szkm_registry_ready || fail "honest resume did not restore the registry: $(tail -5 $T/log)"
refuses "rejected" keyctl add szkm lx "load $(cat $T/x1)" "$kr"
x=$(keyctl add szkm lx "load $(cat $T/x2)" "$kr") || fail "latest blob after the honest resume"
drained
stop_ledgerd
drop "$x" "$kr"

# Root in userspace as a follower that resumes at the device's real last
# event but restores the chain with one event's stored signature swapped:
# the next event names the link, which covers the signature (format 3, 4),
# so the kernel refuses the restore and takes the honest one after it.
last=$(last_seq)
reboot_unsealed
out=$("$LT" resume-at "$last" $T/l.db swap-sig) && fail "a restore with a swapped signature was taken: $out"
case $out in *"does not chain to the one before it"*) ;; *) fail "swapped signature: $out" ;; esac
[ "$("$SZKMCTL" status --json | jq -r .registry)" = restoring ] || fail "registry not restoring after a refused restore"
start_ledgerd
until_ok 15 szkm_registry_ready || fail "honest restore after a refused one: $(tail -5 $T/log)"
x=$(keyctl add szkm lx "load $(cat $T/x2)" "$kr") || fail "latest blob after the honest restore"
drained
stop_ledgerd
drop "$x" "$kr"

# The same follower with the twin (r, n - s) of a stored signature: a valid
# ECDSA signature, but not the one the next event's link names. The kernel
# signs format 4 with the low S only and refuses the twin, at the resume
# point and in the restore, before anything else is checked.
last=$(last_seq)
reboot_unsealed
out=$("$LT" resume-at "$last" $T/l.db twin-resume) && fail "a resume at a signature's twin was taken: $out"
case $out in *"resume point's signature has a high S"*) ;; *) fail "twin at the resume point: $out" ;; esac
"$SZKMCTL" status | grep -q '^events: *not' || fail "chain positioned by a refused resume: $("$SZKMCTL" status | grep events:)"
out=$("$LT" resume-at "$last" $T/l.db twin-sig) && fail "a restore with a signature's twin was taken: $out"
case $out in *"restored event's signature has a high S"*) ;; *) fail "twin in the restore: $out" ;; esac
start_ledgerd
until_ok 15 szkm_registry_ready || fail "honest restore after the twins: $(tail -5 $T/log)"
x=$(keyctl add szkm lx "load $(cat $T/x2)" "$kr") || fail "latest blob after the honest restore"
drained
stop_ledgerd
drop "$x" "$kr"

# Back to a device for the listener of later tests.
ok "$SZKMCTL" device init --force --out /run/szkm-device.blob >/dev/null
szkm_listener_up
dmesg_clean
