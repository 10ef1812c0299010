# Step of h/10-device-reboot.sh, with the default lock PCR (13) and real
# reboots. Mode "init": make a device, keep its blob and id in the share;
# root's own tpm2_unseal of R and E fails (the lock PCR is capped). "same"
# (the same TPM state, a new boot): the blob unseals to the same device,
# once: root's attack fails again and a second unseal needs a reboot. "other" (a fresh TPM): the blob is refused as sealed by a
# different TPM, the module says so in its log, and nothing stays loaded.
. "$SZKM_TOP/tests/vm/lib-device.sh"
mode=$(cat "$SZKM_SHARE/mode")
case $mode in
init)
	ok "$ctl" device init --out "$SZKM_SHARE/device.blob" >/dev/null
	[ "$(status_field 'lock pcr')" = "13, capped (no unseal until reboot)" ] ||
		fail "status lock pcr: $(status_field 'lock pcr')"
	attack_refused "$SZKM_SHARE/device.blob"
	device_id >"$SZKM_SHARE/id" ;;
same)
	expect_state uninitialised
	ok "$ctl" device unseal --in "$SZKM_SHARE/device.blob" >/dev/null
	expect_state ready
	[ "$(device_id)" = "$(cat "$SZKM_SHARE/id")" ] || fail "another device after reboot"
	attack_refused "$SZKM_SHARE/device.blob"
	refuses "unsealed already" "$ctl" device unseal --in "$SZKM_SHARE/device.blob"
	ok "$ctl" device lock >/dev/null
	refuses "a reboot is needed" "$ctl" device unseal --in "$SZKM_SHARE/device.blob"
	expect_state sealed ;;
other)
	refuses "sealed by a different TPM" "$ctl" device unseal --in "$SZKM_SHARE/device.blob"
	dmesg | grep -q 'szkm: device blob was sealed by a different TPM' ||
		fail "no 'different TPM' line in the kernel log"
	expect_state uninitialised ;;
*) fail "unknown mode $mode" ;;
esac
transient_empty
dmesg_clean
