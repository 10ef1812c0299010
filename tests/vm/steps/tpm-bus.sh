# Step of h/12-tpm-bus.sh, on a TPM whose every command and response the
# host logs. Mode "init": make a device (R and E sealed: TPM2_Create) and keep
# its blob in the share; reload the module and unseal the blob again in this
# boot if its sealed objects have no policy (a blob without a TPM binding),
# else that unseal must be refused: the module capped the lock PCR at init,
# so R and E open again only after a reboot. Mode "same" (the same TPM,
# rebooted): the blob unseals (TPM2_Load, TPM2_Unseal of R and E) to the same
# device; a second unseal after a reload goes as in "init".
. "$SZKM_TOP/tests/vm/lib-device.sh"
sh=$SZKM_SHARE
mode=$(cat "$sh/mode")

# 1 when the blob has a non-empty TPM binding (formats 2 to 4: the third
# field; a format-1 blob has five fields, none of them that).
bound() {
	local f=$1 off=8 n=0 size len binding=0
	size=$(stat -c %s "$f")
	while [ "$off" -lt "$size" ]; do
		len=$((16#$(xxd -s "$off" -l 2 -p "$f")))
		[ $n -eq 2 ] && [ "$len" -gt 0 ] && binding=1
		off=$((off + 2 + len)); n=$((n + 1))
	done
	[ "$off" -eq "$size" ] || fail "device blob: its last field runs past its end"
	case $n in
	5) echo 0 ;;
	6|7) echo $binding ;;
	*) fail "device blob has $n fields, not 5 (format 1), 6 (format 2) or 7 (formats 3, 4)" ;;
	esac
}

# After a reload: a second unseal in this boot.
again() {
	local pinned
	pinned=$(bound "$sh/device.blob")
	szkm_reload
	if [ "$pinned" = 1 ]; then
		if "$ctl" device unseal --in "$sh/device.blob" >/dev/null 2>&1; then
			fail "a second unseal in one boot was not refused (lock PCR not capped?)"
		fi
		expect_state uninitialised
	else
		ok "$ctl" device unseal --in "$sh/device.blob" >/dev/null
		[ "$(device_id)" = "$(cat "$sh/id")" ] || fail "unseal after reload gave another device"
	fi
}

case $mode in
init)
	ok "$ctl" device init --out "$sh/device.blob" >/dev/null
	device_id >"$sh/id"
	again ;;
same)
	expect_state uninitialised
	ok "$ctl" device unseal --in "$sh/device.blob" >/dev/null
	expect_state ready
	[ "$(device_id)" = "$(cat "$sh/id")" ] || fail "another device after reboot"
	again ;;
*) fail "unknown mode $mode" ;;
esac
transient_empty
dmesg_clean
