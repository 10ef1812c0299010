# A device blob with one flipped bit anywhere (header, parent name, public
# key, TPM binding, sealed R's private and public parts, sealed E, wrapped
# D's length, ciphertext and tag), a truncated or oversized blob, or junk,
# is refused with a message that says what is wrong, and leaves the device
# state as it was; then the intact blob still unseals. A format 1 blob
# (sealed without a policy) is refused. An unseal that fails after the TPM
# unsealed R (E spoilt) caps the lock PCR all the same, so root cannot
# open the intact blob itself afterwards. No TPM object stays loaded.
. "$SZKM_TOP/tests/vm/lib-device.sh"
szkm_reload
ok "$ctl" device init --out $T/t/device.blob >/dev/null
id=$(device_id)
b=$T/t/device.blob
size=$(stat -c %s $b)
szkm_reload

read -r poff _ <<<"$(blob_field $b 0)"
read -r koff _ <<<"$(blob_field $b 1)"
read -r boff _ <<<"$(blob_field $b 2)"
read -r roff rlen <<<"$(blob_field $b 3)"
read -r eoff elen <<<"$(blob_field $b 4)"
read -r loff _ <<<"$(blob_field $b 5)"
read -r doff _ <<<"$(blob_field $b 6)"
# name:offset:what the kernel must say
cases=(
	"magic:0:bad magic"
	"format:4:format version not supported"
	"flags:5:does not match its mode"
	"reserved:7:reserved"
	"parent-name-length:9:wrong length"
	"parent-name:$((poff + 10)):different TPM"
	"public-key:$((koff + 20)):does not authenticate"
	"binding-length:$((boff - 1)):device blob"
	"binding-lock-pcr:$boff:binding is malformed"
	"binding-boot-pcrs:$((boff + 4)):binding is malformed"
	"binding-counter-index:$((boff + 8)):binding is malformed"
	"binding-counter-value:$((boff + 16)):does not match its policy digest"
	"binding-policy:$((boff + 20)):does not match its policy digest"
	"sealed-R-length:$((roff - 1)):device blob"
	"sealed-R-private:$((roff + 40)):TPM refused a sealed object"
	"sealed-R-public:$((roff + rlen - 3)):TPM refused a sealed object"
	"sealed-E-private:$((eoff + 60)):TPM refused a sealed object"
	"ledger-keys-length:$((loff - 1)):device blob"
	"ledger-threshold:$loff:ledger keys are malformed"
	"wrapped-D-length:$((doff - 1)):wrong length"
	"wrapped-D-iv:$((doff + 3)):does not authenticate"
	"wrapped-D-ciphertext:$((doff + 30)):does not authenticate"
	"wrapped-D-tag:$((size - 1)):does not authenticate"
)
for c in "${cases[@]}"; do
	IFS=: read -r name pos want <<<"$c"
	flip $b $T/t/bad.blob "$pos"
	echo "flip $name at $pos"
	# Each try as in a fresh boot: a blob whose R and E unseal but whose
	# D does not authenticate has capped the lock PCR all the same.
	tpm2_pcrreset -T device:/dev/tpmrm0 16 >/dev/null
	refuses "$want" "$ctl" device unseal --in $T/t/bad.blob
	expect_state uninitialised
done
transient_empty

# Truncated, extended, oversized, empty, junk.
head -c 7 $b >$T/t/short.blob
refuses "wrong size" "$ctl" device unseal --in $T/t/short.blob
head -c $((size - 1)) $b >$T/t/short.blob
refuses "truncated" "$ctl" device unseal --in $T/t/short.blob
head -c 200 $b >$T/t/short.blob
refuses "truncated" "$ctl" device unseal --in $T/t/short.blob
: >$T/t/empty.blob
refuses "wrong size" "$ctl" device unseal --in $T/t/empty.blob
{ cat $b; printf x; } >$T/t/long.blob
refuses "trailing bytes" "$ctl" device unseal --in $T/t/long.blob
head -c 2000 /dev/urandom >$T/t/big.blob
refuses "Unable to unseal" "$ctl" device unseal --in $T/t/big.blob
head -c 100000 /dev/urandom >$T/t/huge.blob
refuses "not a device blob" "$ctl" device unseal --in $T/t/huge.blob
head -c 300 /dev/urandom >$T/t/junk.blob
refuses "bad magic" "$ctl" device unseal --in $T/t/junk.blob
expect_state uninitialised

tpm2_pcrreset -T device:/dev/tpmrm0 16 >/dev/null
# A blob of format 1 (no policy) is refused for what it is.
cp $b $T/t/v1.blob
printf '\001' | dd of=$T/t/v1.blob bs=1 seek=4 conv=notrunc status=none
refuses "format 1 was sealed without a PCR policy" "$ctl" device unseal --in $T/t/v1.blob
# Nor is one of format 3 (no rollback counter).
printf '\003' | dd of=$T/t/v1.blob bs=1 seek=4 conv=notrunc status=none
refuses "format 3 has no rollback counter" "$ctl" device unseal --in $T/t/v1.blob

# Root fails the module's unseal on purpose, to unseal R and E with
# tpm2-tools afterwards, before anything caps the lock PCR: a blob whose
# R is intact and whose E is spoilt. The TPM unsealed R, so the lock PCR
# is capped all the same: root's own unseal of the intact blob is refused
# by the policy, and so is the module's, until the next boot.
capped_notes() { dmesg | grep -c "lock PCR 16 capped all the same" || true; }
tpm2_pcrreset -T device:/dev/tpmrm0 16 >/dev/null
flip $b $T/t/bad.blob $((eoff + 60))
n=$(capped_notes)
refuses "TPM refused a sealed object" "$ctl" device unseal --in $T/t/bad.blob
[ "$(capped_notes)" -gt "$n" ] || fail "no cap after a failed unseal"
attack_refused $b
refuses "lock PCR is capped" "$ctl" device unseal --in $b
expect_state uninitialised
transient_empty

# The intact blob still works; a flipped one is refused while ready too.
tpm2_pcrreset -T device:/dev/tpmrm0 16 >/dev/null
ok "$ctl" device unseal --in $b >/dev/null
expect_state ready
[ "$(device_id)" = "$id" ] || fail "unsealed another device"
flip $b $T/t/bad.blob $((roff + 40))
refuses "unsealed already" "$ctl" device unseal --in $T/t/bad.blob
expect_state ready
[ "$(device_id)" = "$id" ] || fail "refused unseal changed the device"
transient_empty
dmesg_clean
