# szkmctl tpm info reports the TPM; tpm provision persists the TCG SRK at
# 0x81000001 (once); the module checks that it is the key its own primary
# from the same template is (same name), so a blob sealed before
# provisioning unseals after it and the other way round. Leaves the TPM
# without the SRK, as it found it.
. "$SZKM_TOP/tests/vm/lib-device.sh"
export TPM2TOOLS_TCTI=device:/dev/tpmrm0
has_srk() { tpm2_getcap handles-persistent | grep -qi 0x81000001; }
# Whatever happens, leave no SRK behind for the tests after this one.
trap 'tpm2_evictcontrol -Q -T device:/dev/tpmrm0 -C o -c 0x81000001 >/dev/null 2>&1 || true' EXIT
szkm_reload
! has_srk || fail "the guest TPM starts with an SRK"

info=$(ok "$ctl" tpm info)
grep -q '^manufacturer:  IBM' <<<"$info" || fail "tpm info: $info"	# swtpm says IBM
grep -Eq '^firmware: +[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' <<<"$info" || fail "tpm info: $info"
grep -q '^pcr banks: .*sha256' <<<"$info" || fail "tpm info: $info"
grep -q '^storage key:   none' <<<"$info" || fail "tpm info: $info"
ok "$ctl" tpm info --json | grep -q '"srk":false' || fail "tpm info --json"

ok "$ctl" device init --out $T/p/before.blob >/dev/null
id=$(device_id)

out=$(ok "$ctl" tpm provision)
grep -q 'persisted at 0x81000001' <<<"$out" || fail "provision: $out"
has_srk || fail "no SRK at 0x81000001 after provision"
out=$(ok "$ctl" tpm provision)
grep -q 'already at 0x81000001' <<<"$out" || fail "second provision: $out"
ok "$ctl" tpm info | grep -q '^storage key:   0x81000001' || fail "tpm info after provision"
tpm2_readpublic -c 0x81000001 | grep -qi 'nist.p256' || fail "SRK is not P-256"

export TPM2TOOLS_TCTI=device:/dev/tpm0
szkm_reload
ok "$ctl" device unseal --in $T/p/before.blob >/dev/null
[ "$(device_id)" = "$id" ] || fail "unsealed another device"
dmesg_since_load | grep -q 'storage parent is a primary key made from the SRK template (checked' ||
	fail "module did not check the storage parent"
transient_empty

szkm_reload
ok "$ctl" device init --out $T/p/after.blob >/dev/null
id2=$(device_id)
transient_empty
szkm_reload
ok "$ctl" device unseal --in $T/p/after.blob >/dev/null
[ "$(device_id)" = "$id2" ] || fail "unsealed another device"

TPM2TOOLS_TCTI=device:/dev/tpmrm0 tpm2_evictcontrol -Q -C o -c 0x81000001 || fail "evict SRK"
# Without the SRK the module makes the same key again.
szkm_reload
ok "$ctl" device unseal --in $T/p/after.blob >/dev/null
[ "$(device_id)" = "$id2" ] || fail "blob sealed under the SRK did not unseal under the primary"
transient_empty
dmesg_clean
