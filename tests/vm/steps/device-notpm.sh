# Step of h/10-device-notpm.sh, in a guest with no TPM: init is refused
# ("no TPM") unless the module is loaded with test_mode=1, which it logs
# loudly; the blob then records test mode, status says so, and a module
# without test_mode refuses that blob.
. "$SZKM_TOP/tests/vm/lib-device.sh"
[ ! -e /dev/tpm0 ] || fail "this guest has a TPM"
ok "$ctl" status | grep -q '^tpm: *none$' || fail "status does not say 'no TPM'"
refuses "no TPM" "$ctl" device init --out $T/n/device.blob
[ ! -e $T/n/device.blob ] || fail "refused init wrote a blob"
expect_state uninitialised
dmesg | grep -q 'szkm: no TPM: device init refused' || fail "refusal not logged"

rmmod szkm
SZKM_MODPARAMS=test_mode=1 szkm_load || fail "load with test_mode=1"
dmesg_since_load | grep -q 'TEST MODE' || fail "test mode not announced at load"
ok "$ctl" status | grep -q '^test mode: *ON' || fail "status does not show test mode"
ok "$ctl" device init --out $T/n/device.blob >/dev/null
dmesg_since_load | grep -q 'TEST MODE: no TPM 2.0: the device root key is NOT protected' ||
	fail "insecure init not logged loudly"
[ "$(xxd -s 5 -l 1 -p $T/n/device.blob)" = 01 ] || fail "blob does not record test mode"
read -r _ plen <<<"$(blob_field $T/n/device.blob 0)"
[ "$plen" = 0 ] || fail "test-mode blob names a TPM parent"
id=$(device_id)

szkm_reload	# without test_mode
ok "$ctl" status | grep -q '^test mode: *off' || fail "test mode still on"
refuses "made in test mode" "$ctl" device unseal --in $T/n/device.blob
expect_state uninitialised

rmmod szkm
SZKM_MODPARAMS=test_mode=1 szkm_load
flip $T/n/device.blob $T/n/bad.blob 120
refuses "device blob" "$ctl" device unseal --in $T/n/bad.blob
expect_state uninitialised
ok "$ctl" device unseal --in $T/n/device.blob >/dev/null
[ "$(device_id)" = "$id" ] || fail "test-mode blob unsealed another device"
dmesg_since_load | grep -q 'TEST MODE: device unsealed from a blob made without a TPM' ||
	fail "insecure unseal not logged loudly"
refuses "unsealed already" "$ctl" device unseal --in $T/n/device.blob
dmesg_clean
