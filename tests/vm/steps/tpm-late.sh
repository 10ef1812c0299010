# Step of h/13-tpm-late.sh, with a module built with -DSZKM_TPM2_TEST_LATE
# and lock_pcr=16. Attacker: a busy machine, whose emulated TPM answers after
# the guest's driver gave up (-ETIME), though the command ran: its session
# nonces moved on, the object or session it made is loaded under a handle
# the module never learnt, a secret it unsealed is lost, the lock PCR it
# extended is capped. For every command of a device init, then of an unseal,
# one late answer at that command: the operation must still succeed (a new
# session, again from the start, the cap extended again), the lock PCR must
# be capped after it, and the TPM must hold no object or session after it.
# The same for a membership step, whose commit must move the TPM's rollback
# counter exactly once. A TPM whose every answer is late: refused with the
# reason, nothing left.
. "$SZKM_TOP/tests/vm/lib-device.sh"
p=/sys/module/szkm/parameters
lates() { dmesg_since_load | grep -c 'TPM answered late' || true; }
capped() { "$ctl" status --json | jq -e .pcr_capped >/dev/null || fail "lock PCR not capped after $1"; }

# late <what> <cmd...>: runs <cmd> once for each TPM command k it sends, with
# the k-th answer late, until a k past its last command; prints how many.
late() {
	local what=$1 k=1 out; shift
	while :; do
		szkm_reload
		echo $k >$p/test_late
		out=$("$@" 2>&1) || fail "$what with a late answer at TPM command $k: $out"
		[ "$(lates)" -gt 0 ] || break
		expect_state ready
		capped "$what"
		transient_empty
		k=$((k + 1))
	done
	[ $k -gt 5 ] || fail "$what sent only $((k - 1)) TPM commands"
	echo "$what: a late answer at each of its $((k - 1)) TPM commands: done every time"
}

late "device init" "$ctl" device init --force --out "$T/device.blob"
id=$(device_id)
late "device unseal" "$ctl" device unseal --in "$T/device.blob"
[ "$(device_id)" = "$id" ] || fail "unseal gave another device"

# A membership step (re-seal, then commit: the rollback counter's read,
# increment and read back), a late answer at each TPM command in turn: it
# succeeds, the counter moves exactly once (a retried increment would
# leave the new blob unopenable), and the new blob unseals after a reload.
L=$SZKM_TOP/build/bin/ledgerd LT=$SZKM_TOP/build/bin/ledger-testtool
ok "$L" genkey $T/a.pem
va=$("$L" -c /dev/null --origin late.example --key $T/a.pem --key-name node-a vkey) || fail "vkey"
ok "$L" -c /dev/null --origin late.example --key $T/a.pem --key-name node-a \
	member propose $T/e1 --genesis --k 1 --key "$va" >/dev/null
ok "$L" -c /dev/null --origin late.example --key $T/a.pem --key-name node-a member approve $T/e1 >/dev/null
k=1
while :; do
	szkm_reload
	ok "$ctl" device init --force --out "$T/m.blob" --ledger-key "$va" --ledger-threshold 1 >/dev/null
	c0=$("$ctl" status --json | jq -r .tpm_counter)
	echo $k >$p/test_late
	out=$("$LT" members - late.example $T/e1 honest $T/m1.blob $T/a.pem=node-a) ||
		fail "membership step with a late answer at TPM command $k: $out"
	n=$(lates)
	echo 0 >$p/test_late
	[ "$out" = accepted ] || fail "membership step, late at $k: $out"
	c1=$("$ctl" status --json | jq -r .tpm_counter)
	[ "$c1" = $((c0 + 1)) ] || fail "late at $k: the counter moved from $c0 to $c1"
	[ "$("$ctl" status --json | jq -r .members_epoch)" = 1 ] || fail "late at $k: epoch not followed"
	transient_empty
	[ "$n" -gt 0 ] || break
	k=$((k + 1))
done
[ $k -gt 10 ] || fail "the membership step sent only $((k - 1)) TPM commands"
echo "membership step: a late answer at each of its $((k - 1)) TPM commands: done every time"
szkm_reload
ok "$ctl" device unseal --in "$T/m1.blob" >/dev/null
ok "$ctl" device init --force --out "$T/device.blob" >/dev/null
id=$(device_id)

# Every answer late: a clear refusal, after a bounded number of tries.
szkm_reload
echo 1 >$p/test_late_all
refuses "did not answer in time" "$ctl" device unseal --in "$T/device.blob"
echo 0 >$p/test_late_all
expect_state uninitialised
transient_empty
ok "$ctl" device unseal --in "$T/device.blob" >/dev/null
[ "$(device_id)" = "$id" ] || fail "unseal after the late TPM gave another device"
dmesg_clean
