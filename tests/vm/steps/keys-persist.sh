# Step of h/20-keys-persist.sh. "make": a device and keys of every
# algorithm, with data made under each version, blobs kept in the share.
# "same" (same TPM, after reboot): unseal, load every blob: every version
# works as before, and a blob from before a rotation stays refused (the
# listener rebuilt the key registry from the chain: rollback). "other"
# (a fresh TPM): the device blob is refused, and
# the key blobs are refused too, before and after a new device exists.
# A granted key: "make" grants pg to nobody and saves the state as the
# restore unit finds it; "same" runs the unit's own command: pg is back,
# with its grant, for a new session of nobody.
sh=$SZKM_SHARE
mode=$(cat "$sh/mode")
# The listener's state (last event seen) survives the reboot with the blobs.
SZKM_LISTEN_STATE=$sh/listen.state
case $mode in
make)
	ok "$SZKMCTL" device init --out "$sh/device.blob" >/dev/null
	szkm_listener_up
	head -c 3000 /dev/urandom >"$sh/m"
	sha256sum "$sh/m" | cut -c1-64 | xxd -r -p >"$sh/digest"
	a=$(szkm_add pa "new aes256-gcm" @s)
	ok keyctl pkey_encrypt "$a" 0 "$sh/m" >"$sh/a1.ct"
	keyctl pipe "$a" >"$sh/pa-v1.blob"
	szkm_rotate "$a"
	ok keyctl pkey_encrypt "$a" 0 "$sh/m" >"$sh/a2.ct"
	e=$(szkm_add pe "new ecdsa-p256" @s)
	ok keyctl pkey_sign "$e" 0 "$sh/digest" hash=sha256 >"$sh/e1.sig"
	szkm_rotate "$e"
	ok keyctl pkey_sign "$e" 0 "$sh/digest" hash=sha256 >"$sh/e2.sig"
	x=$(szkm_add px "new ecdh-p256" @s)
	ok keyctl pkey_encrypt "$x" 0 "$sh/m" >"$sh/x1.ct"
	for n in pa pe px; do keyctl pipe "%szkm:$n" >"$sh/$n.blob"; done
	ok "$SZKMCTL" key create pg --alg ecdsa-p256 --keyring @u --wait 60 >/dev/null
	ok keyctl session - "$SZKMCTL" key grant pg nobody --wait 60 >/dev/null
	ok "$SZKMCTL" state save --dir "$sh/state" --device "$sh/device.blob" >/dev/null ;;
same)
	ok "$SZKMCTL" device unseal --in "$sh/device.blob" >/dev/null
	szkm_listener_up
	refuses "rejected" keyctl add szkm pa "load $(cat "$sh/pa-v1.blob")" @s
	dmesg | grep -q "load 'pa': blob is from event .*an older blob (rollback refused)" ||
		fail "no rollback message after the reboot"
	for n in pa pe px; do szkm_add "$n" "load $(cat "$sh/$n.blob")" @s >/dev/null; done
	for c in a1 a2; do
		keyctl pkey_decrypt %szkm:pa 0 "$sh/$c.ct" | cmp -s - "$sh/m" || fail "$c does not decrypt after reboot"
	done
	for s in e1 e2; do
		ok keyctl pkey_verify %szkm:pe 0 "$sh/digest" "$sh/$s.sig" hash=sha256
	done
	keyctl pkey_decrypt %szkm:px 0 "$sh/x1.ct" | cmp -s - "$sh/m" || fail "ECIES data lost after reboot"
	grep "szkm" /proc/keys | grep -q 'pa: aes256-gcm v2' || fail "versions not restored"
	# The restore unit's command, as shipped, on the saved state.
	unit=$SZKM_TOP/userspace/szkmctl/szkm-restore.service
	args=$(sed -n 's|^ExecStart=/usr/sbin/szkmctl ||p' "$unit")
	[ -n "$args" ] || fail "no ExecStart in $unit"
	mkdir -p /var/lib/szkm && cp -r "$sh/state" /var/lib/szkm/state
	# shellcheck disable=SC2086
	"$SZKMCTL" $args >$T/r 2>&1 || fail "the unit's restore: $(cat $T/r)"
	grep -q "^key pg: loaded into @u" $T/r || fail "pg not restored: $(cat $T/r)"
	head -c 32 /dev/urandom >$T/dg; chmod 644 $T/dg
	signs() { setpriv --reuid=65534 --regid=65534 --clear-groups keyctl session - \
		keyctl pkey_sign %szkm:pg 0 $T/dg hash=sha256 >$T/pg.sig; }
	until_ok 10 signs || fail "nobody cannot sign with pg after the reboot"
	ok keyctl pkey_verify %szkm:pg 0 $T/dg $T/pg.sig hash=sha256 ;;
other)
	refuses "different TPM" "$SZKMCTL" device unseal --in "$sh/device.blob"
	refuses "Required key not available" keyctl add szkm pa "load $(cat "$sh/pa.blob")" @s
	ok "$SZKMCTL" device init --out $T/other.blob >/dev/null
	refuses "rejected" keyctl add szkm pa "load $(cat "$sh/pa.blob")" @s
	dmesg | grep -q "blob was sealed by another device" || fail "no clear message for a foreign blob" ;;
*) fail "unknown mode $mode" ;;
esac
dmesg_clean
