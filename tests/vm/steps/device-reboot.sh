# Step of h/10-device-reboot.sh. Mode "init": make a device, keep its blob
# and id in the share. "same" (the same TPM state): the blob unseals to the
# same device. "other" (a fresh TPM): the blob is refused as sealed by a
# different TPM, the module says so in its log, and nothing stays loaded.
. "$SZKM_TOP/tests/vm/lib-device.sh"
mode=$(cat "$SZKM_SHARE/mode")
case $mode in
init)
	ok "$ctl" device init --out "$SZKM_SHARE/device.blob" >/dev/null
	device_id >"$SZKM_SHARE/id" ;;
same)
	expect_state uninitialised
	ok "$ctl" device unseal --in "$SZKM_SHARE/device.blob" >/dev/null
	expect_state ready
	[ "$(device_id)" = "$(cat "$SZKM_SHARE/id")" ] || fail "another device after reboot" ;;
other)
	refuses "sealed by a different TPM" "$ctl" device unseal --in "$SZKM_SHARE/device.blob"
	dmesg | grep -q 'szkm: device blob was sealed by a different TPM' ||
		fail "no 'different TPM' line in the kernel log"
	expect_state uninitialised ;;
*) fail "unknown mode $mode" ;;
esac
transient_empty
dmesg_clean
