# Step of h/20-keys-persist.sh. "make": a device and keys of every
# algorithm, with data made under each version, blobs kept in the share.
# "same" (same TPM, after reboot): unseal, load every blob: every version
# works as before. "other" (a fresh TPM): the device blob is refused, and
# the key blobs are refused too, before and after a new device exists.
sh=$SZKM_SHARE
mode=$(cat "$sh/mode")
case $mode in
make)
	ok "$SZKMCTL" device init --out "$sh/device.blob" >/dev/null
	head -c 3000 /dev/urandom >"$sh/m"
	sha256sum "$sh/m" | cut -c1-64 | xxd -r -p >"$sh/digest"
	a=$(ok keyctl add szkm pa "new aes256-gcm" @s)
	ok keyctl pkey_encrypt "$a" 0 "$sh/m" >"$sh/a1.ct"
	ok keyctl update "$a" rotate
	ok keyctl pkey_encrypt "$a" 0 "$sh/m" >"$sh/a2.ct"
	e=$(ok keyctl add szkm pe "new ecdsa-p256" @s)
	ok keyctl pkey_sign "$e" 0 "$sh/digest" hash=sha256 >"$sh/e1.sig"
	ok keyctl update "$e" rotate
	ok keyctl pkey_sign "$e" 0 "$sh/digest" hash=sha256 >"$sh/e2.sig"
	x=$(ok keyctl add szkm px "new ecdh-p256" @s)
	ok keyctl pkey_encrypt "$x" 0 "$sh/m" >"$sh/x1.ct"
	for n in pa pe px; do keyctl pipe "%szkm:$n" >"$sh/$n.blob"; done ;;
same)
	ok "$SZKMCTL" device unseal --in "$sh/device.blob" >/dev/null
	for n in pa pe px; do ok keyctl add szkm "$n" "load $(cat "$sh/$n.blob")" @s >/dev/null; done
	for c in a1 a2; do
		keyctl pkey_decrypt %szkm:pa 0 "$sh/$c.ct" | cmp -s - "$sh/m" || fail "$c does not decrypt after reboot"
	done
	for s in e1 e2; do
		ok keyctl pkey_verify %szkm:pe 0 "$sh/digest" "$sh/$s.sig" hash=sha256
	done
	keyctl pkey_decrypt %szkm:px 0 "$sh/x1.ct" | cmp -s - "$sh/m" || fail "ECIES data lost after reboot"
	grep "szkm" /proc/keys | grep -q 'pa: aes256-gcm v2' || fail "versions not restored" ;;
other)
	refuses "different TPM" "$SZKMCTL" device unseal --in "$sh/device.blob"
	refuses "Required key not available" keyctl add szkm pa "load $(cat "$sh/pa.blob")" @s
	ok "$SZKMCTL" device init --out $T/other.blob >/dev/null
	refuses "rejected" keyctl add szkm pa "load $(cat "$sh/pa.blob")" @s
	dmesg | grep -q "blob was sealed by another device" || fail "no clear message for a foreign blob" ;;
*) fail "unknown mode $mode" ;;
esac
dmesg_clean
