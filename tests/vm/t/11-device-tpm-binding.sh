# The TPM binding holds against root in userspace with the blob and the
# TPM (and an unprivileged user reaches neither the TPM nor the unseal), and against a key planted at 0x81000001:
# - after device init and after an unseal, root's own tpm2_load +
#   tpm2_unseal of sealed R or E fails (no policy: userWithAuth is clear;
#   with a PCR policy session: the lock PCR is capped). The same attack
#   succeeds once this suite's resettable lock PCR is reset, which shows
#   the attack is real and why PCR 16 is for tests only;
# - a non-restricted or a duplicable key at 0x81000001 makes init fail,
#   and a key swapped in there after init makes unseal fail;
# - bound to boot PCR 7: a changed PCR 7 makes unseal fail, naming it;
# - with a PIN: a wrong one fails and counts towards the TPM's lockout,
#   the right one works (also one whose SHA-256 ends in a zero byte, which
#   the TPM trims), and the PIN is never in the kernel log.
# The init event records the binding. No TPM object stays loaded.
. "$SZKM_TOP/tests/vm/lib-device.sh"
rm_tpm() { TPM2TOOLS_TCTI=device:/dev/tpmrm0 "$@"; }
lockout_counter() { rm_tpm tpm2_getcap properties-variable | awk '/TPM2_PT_LOCKOUT_COUNTER/ { print $2 }'; }
trap 'rm_tpm tpm2_evictcontrol -Q -C o -c 0x81000001 >/dev/null 2>&1 || true' EXIT

szkm_reload
ok "$ctl" device init --out $T/b/device.blob >/dev/null
b=$T/b/device.blob
attack_refused $b
# An unprivileged user with a copy of the blob reaches neither the TPM nor
# the module's unseal.
cp $b $T/pub.blob && chmod 644 $T/pub.blob
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
for dev in /dev/tpmrm0 /dev/tpm0; do
	nobody env TPM2TOOLS_TCTI=device:$dev tpm2_getrandom 8 >/dev/null 2>&1 &&
		fail "uid 65534 sent a command to $dev"
done
refuses "CAP_SYS_ADMIN" nobody "$(szkmctl_for_nobody)" device unseal --in $T/pub.blob
transient_empty

# After a reload (the suite's stand-in for a reboot: PCR 16 reset) the
# module unseals, and the same attack fails again.
szkm_reload
ok "$ctl" device unseal --in $b >/dev/null
attack_refused $b
refuses "unsealed already" "$ctl" device unseal --in $b
# The control: with the lock PCR reset, the attack works (so it is a real
# one, and a resettable lock PCR protects nothing).
rm_tpm tpm2_pcrreset 16 >/dev/null
r=$(attack $b 3) || fail "control attack with the lock PCR reset did not unseal R"
[ ${#r} = 64 ] || fail "control attack gave '$r'"
rm -rf $T/atk
transient_empty

# The device-init event names the binding and carries the policy digest.
szkm_reload
ok "$ctl" device init --out $T/b/ev.blob >/dev/null
ok "$ctl" events listen --count 1 >$T/ev
grep -q "^seq=1 device-init .*tpm.lock-pcr-16.boot-pcrs-0000.no-pin" $T/ev ||
	fail "init event does not name the binding: $(cat $T/ev)"

# A key planted at 0x81000001 before init: not restricted, or duplicable.
szkm_reload
rm_tpm tpm2_createprimary -Q -C o -G ecc256 -c $T/bad.ctx \
	-a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|decrypt'
rm_tpm tpm2_evictcontrol -Q -C o -c $T/bad.ctx 0x81000001
refuses "not the standard storage key" "$ctl" device init --out $T/b/planted.blob
dmesg_since_load | grep -q 'not a storage key szkm can trust (not restricted' ||
	fail "no log line naming the non-restricted key"
expect_state uninitialised
rm_tpm tpm2_evictcontrol -Q -C o -c 0x81000001
(
	export TPM2TOOLS_TCTI=device:/dev/tpmrm0
	srk_primary $T/srk.ctx
	tpm2_create -Q -C $T/srk.ctx -G ecc256:aes128cfb -u $T/dup.pub -r $T/dup.priv \
		-a 'sensitivedataorigin|userwithauth|restricted|decrypt'
	tpm2_load -Q -C $T/srk.ctx -u $T/dup.pub -r $T/dup.priv -c $T/dup.ctx
	tpm2_evictcontrol -Q -C o -c $T/dup.ctx 0x81000001
) || fail "could not plant a duplicable key"
refuses "not the standard storage key" "$ctl" device init --out $T/b/planted.blob
dmesg_since_load | grep -q 'duplicable: fixedTPM clear' ||
	fail "no log line naming the duplicable key"
rm_tpm tpm2_evictcontrol -Q -C o -c 0x81000001
[ ! -e $T/b/planted.blob ] || fail "refused init wrote a blob"

# The standard SRK there is fine; swapped for another key after init,
# unseal is refused.
ok "$ctl" tpm provision >/dev/null
ok "$ctl" device init --out $T/b/srk.blob >/dev/null
rm_tpm tpm2_evictcontrol -Q -C o -c 0x81000001
rm_tpm tpm2_createprimary -Q -C o -G ecc256 -c $T/bad2.ctx \
	-a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|decrypt'
rm_tpm tpm2_evictcontrol -Q -C o -c $T/bad2.ctx 0x81000001
szkm_reload
refuses "not the standard storage key" "$ctl" device unseal --in $T/b/srk.blob
expect_state uninitialised
rm_tpm tpm2_evictcontrol -Q -C o -c 0x81000001
ok "$ctl" device unseal --in $T/b/srk.blob >/dev/null
transient_empty

# Bound to PCR 7 too: unchanged, it unseals; extended, unseal names it.
szkm_reload
ok "$ctl" device init --boot-pcrs 7 --out $T/b/p7.blob >/dev/null
[ "$(status_field 'boot pcrs')" = 7 ] || fail "status boot pcrs: $(status_field 'boot pcrs')"
read -r off len <<<"$(blob_field $T/b/p7.blob 2)"
[ "$len" = 81 ] || fail "binding with one boot PCR has length $len"
szkm_reload
ok "$ctl" device unseal --in $T/b/p7.blob >/dev/null
szkm_reload
rm_tpm tpm2_pcrextend 7:sha256=$(head -c 32 /dev/urandom | xxd -p -c 64)
refuses "boot PCR 7 changed since device init" "$ctl" device unseal --in $T/b/p7.blob
dmesg_since_load | grep -q 'boot PCR 7 changed since device init' || fail "log does not name PCR 7"
expect_state uninitialised
transient_empty

# A PIN: never on the command line (stdin here), never in the kernel log;
# wrong ones count towards the lockout; the blob says it needs one.
pin=szkm-test-pin-4711
szkm_reload
echo "$pin" | ok "$ctl" device init --pin --out $T/b/pin.blob >/dev/null
[ "$(status_field pin)" = yes ] || fail "status pin: $(status_field pin)"
[ "$(xxd -s 5 -l 1 -p $T/b/pin.blob)" = 02 ] || fail "blob does not record the PIN"
szkm_reload
refuses "PIN" "$ctl" device unseal --in $T/b/pin.blob
lc0=$(lockout_counter)
echo wrong-pin | refuses "wrong PIN" "$ctl" device unseal --pin --in $T/b/pin.blob
lc1=$(lockout_counter)
[ $((lc1)) -eq $((lc0 + 1)) ] || fail "lockout counter $lc0 -> $lc1 after a wrong PIN"
expect_state uninitialised
echo "$pin" | ok "$ctl" device unseal --pin --in $T/b/pin.blob >/dev/null
expect_state ready
# One whose SHA-256 ends in 00 (the TPM trims an authValue's trailing zeros).
szkm_reload
echo pin191 | ok "$ctl" device init --pin --out $T/b/pin0.blob >/dev/null
szkm_reload
echo pin191 | ok "$ctl" device unseal --pin --in $T/b/pin0.blob >/dev/null
! dmesg | grep -qF -e "$pin" -e wrong-pin -e pin191 || fail "a PIN is in the kernel log"
rm_tpm tpm2_dictionarylockout -Q -c || fail "could not clear the lockout counter"
transient_empty
szkm_reload
dmesg_clean
