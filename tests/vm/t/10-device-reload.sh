# After the module is reloaded, the device is gone from the kernel until
# its blob is handed back; unseal brings back the same device (same id),
# once: a second unseal is refused (the module holds it) and, after lock,
# an unseal needs a reboot (the lock PCR is capped); a reset of this
# suite's resettable lock PCR stands in for the reboot. Lock wipes the
# device to "sealed" (id still known). TPM transient objects are flushed
# every time.
. "$SZKM_TOP/tests/vm/lib-device.sh"
szkm_reload
ok "$ctl" device init --out $T/r/device.blob >/dev/null
id=$(device_id)
# The test listener proves the device-init event (its state in $T/r).
listen() { "$ctl" events listen --ack --state $T/r/listen.state --key "$SZKM_LISTEN_KEY" --name $SZKM_LISTEN_NAME "$@"; }
ok listen --count 1 >/dev/null

szkm_reload
expect_state uninitialised
refuses "no device" "$ctl" device identity
# Key operations wait for the device, and the log says what to do.
refuses "Required key not available" keyctl add szkm k1 "new aes256-gcm" @s
dmesg_since_load | grep -q 'no device: unseal the stored one (szkmctl device unseal) or run szkmctl device init' ||
	fail "key operation without a device: no hint in the log"
ok "$ctl" device unseal --in $T/r/device.blob >/dev/null
expect_state ready
[ "$(device_id)" = "$id" ] || fail "unsealed another device"
transient_empty
dmesg | grep -q "device unsealed: id $id" || fail "no unseal line in the log"
refuses "unsealed already" "$ctl" device unseal --in $T/r/device.blob
expect_state ready
transient_empty

ok "$ctl" device lock >/dev/null
expect_state sealed
refuses "Required key not available" keyctl add szkm k2 "new aes256-gcm" @s
dmesg_since_load | grep -q 'device is sealed: unseal it first (szkmctl device unseal)' ||
	fail "key operation on a sealed device: no hint in the log"
[ "$(device_id)" = "$id" ] || fail "locked device lost its id"
ok "$ctl" device identity >/dev/null
refuses "a device exists" "$ctl" device init --out $T/r/other.blob
# The TPM opened R once this boot: the lock PCR is capped.
refuses "a reboot is needed" "$ctl" device unseal --in $T/r/device.blob
expect_state sealed
tpm2_pcrreset -T device:/dev/tpmrm0 16 >/dev/null	# "reboot"
ok "$ctl" device unseal --in $T/r/device.blob >/dev/null
expect_state ready
[ "$(device_id)" = "$id" ] || fail "unsealed another device after lock"

# A blob of another device is refused while this one is ready, unless forced.
szkm_reload
ok "$ctl" device init --out $T/r/second.blob >/dev/null
id2=$(device_id)
refuses "another device is ready" "$ctl" device unseal --in $T/r/device.blob
[ "$(device_id)" = "$id2" ] || fail "refused unseal changed the device"
[ "$(status_field events)" = "chained, last 1, 1 waiting for the ledger" ] ||
	fail "second device's init event not journalled: $(status_field events)"
# Forced to another device: the TPM opens nothing twice a boot.
refuses "a reboot is needed" "$ctl" device unseal --force --in $T/r/device.blob
[ "$(device_id)" = "$id2" ] || fail "refused forced unseal changed the device"
tpm2_pcrreset -T device:/dev/tpmrm0 16 >/dev/null	# "reboot"
ok "$ctl" device unseal --force --in $T/r/device.blob >/dev/null
[ "$(device_id)" = "$id" ] || fail "forced unseal did not take the blob"
transient_empty
# The replaced device's events are dropped, never handed out as this one's:
# the chain waits to be resumed from the ledger, and changes wait for it.
[ "$(status_field events)" = "not resumed, last 0, 0 waiting for the ledger" ] ||
	fail "replaced device's chain kept: $(status_field events)"
dmesg_since_load | grep -q '1 events of the replaced device never reached the ledger: dropped' ||
	fail "no line for the dropped events"
refuses "temporarily unavailable" keyctl add szkm k3 "new aes256-gcm" @s
# The chain resumes only from the ledger's proof of this device's last event
# (the listener's, of the device-init event it proved above); the key
# registry is rebuilt from the chain the listener holds, the kernel records
# device-resume (seq 2), and keys are made once the listener proved it.
ok listen --count 1 >$T/ev
grep -q "^seq=2 device-resume .*verified$" $T/ev || fail "listener: $(cat $T/ev)"
until_ok 10 szkm_registry_ready || fail "registry: $("$ctl" status | grep registry:)"
k=$(ok keyctl add szkm k3 "new aes256-gcm" @s)
ok listen --count 1 >$T/ev
grep -q "^seq=3 key-create key=k3 .* verified$" $T/ev || fail "listener: $(cat $T/ev)"
szkm_wait_drained
# Later tests' listener starts with no state: give it a device of its own
# (its chain from seq 1), as a new machine would.
ok "$ctl" device init --force --out /run/szkm-device.blob >/dev/null
szkm_listener_up
dmesg_clean
