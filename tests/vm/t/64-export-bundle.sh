# The seed's public-key export (issue 11): the kernel hands out a key's
# public key and metadata as a bundle sealed (AES-256-GCM) under a key it
# derives with HKDF from the device's export key E, bound to the device,
# the key and its version; the client has the kernel open it (View
# permission on the key) and accepts it only when the ledger agrees.
# Attackers: root in userspace without kernel code execution (edits,
# truncates or moves bundle files; never holds E), an unprivileged local
# user (uid 65534, no View permission on the key), and an old copy of a
# bundle file (replayed after a rotation or a destroy). Each attack is
# refused, exit 1, with the kernel's reason, and changes nothing.
szkm_device_up
. "$SZKM_TOP/tests/vm/lib-ledgerd.sh"
ledgerd_client_up

bundle_verify() { "$SZKMCTL" verify --ledger "$URL" --ledger-key "$vkey" --bundle "$@"; }
# The key as the kernel shows it, use counts left out.
key_now() { "$SZKMCTL" key show ex-sig --json | jq -c 'del(.versions[].uses)'; }
# refused <reason> <cmd...>: exit 1, the reason said, the key unchanged.
refused() {
	local want=$1 rc=0 out before; shift
	before=$(key_now)
	out=$("$@" 2>&1) || rc=$?
	[ $rc = 1 ] || fail "$*: exit $rc, not 1: $out"
	grep -qF -- "$want" <<<"$out" || fail "$*: expected '$want', got: $out"
	[ "$(key_now)" = "$before" ] || fail "$*: a refused bundle changed the key"
	echo "refused: ${out##*: the kernel refused it: }"
}

k=$(keyctl add szkm ex-sig "new ecdsa-p256" @s) || fail "keyctl add ex-sig"
wait_state "$k" 1 active
drained

# The bundle: the header names this device in clear; the public key is
# only inside the ciphertext.
out=$("$SZKMCTL" key export ex-sig --out $T/b1) || fail "key export: $out"
grep -q "^key $k: bundle of v1 active, mark [0-9]*, written to $T/b1 " <<<"$out" || fail "key export: $out"
[ "$(head -c 4 $T/b1)" = SZKX ] || fail "no bundle magic"
[ "$(xxd -s 8 -l 32 -p -c 64 $T/b1)" = "$dev" ] || fail "the header does not name this device"
pub=$("$SZKMCTL" key show ex-sig --json | jq -r '.versions[0].pubkey')
! xxd -p $T/b1 | tr -d "\n" | grep -q "${pub:2:40}" || fail "the public key is in clear in the bundle"

# Honest: the kernel opens it (found by the key id in its header), the
# ledger agrees; the same with --key and as JSON.
bundle_verify $T/b1 >$T/v 2>&1 || fail "verify of a fresh bundle: $(cat $T/v)"
mark=$("$SZKMCTL" key show ex-sig --json | jq .mark)
grep -q "^bundle: key 'ex-sig' (serial $k, v1 active, mark $mark): opened by the kernel" $T/v ||
	fail "verify --bundle: $(cat $T/v)"
bundle_verify $T/b1 --key "$k" --json >$T/v 2>&1 || fail "verify --bundle --key: $(cat $T/v)"
jq -e ".verified and .bundle.agrees and .bundle.active == 1 and .bundle.mark == $mark" $T/v >/dev/null ||
	fail "verify --bundle --json: $(cat $T/v)"

# Root edits the file: a bit of the ciphertext, a bit of the header's
# mark (the associated data: an old bundle cannot be made to look new).
len=$(stat -c %s $T/b1)
cp $T/b1 $T/flip && flip_byte $T/flip $((len - 20))
refused "does not authenticate" bundle_verify $T/flip
cp $T/b1 $T/flipmark && flip_byte $T/flipmark 67
refused "does not authenticate" bundle_verify $T/flipmark
# ... truncates it: the tag cut off, and shorter than any bundle.
head -c $((len - 16)) $T/b1 >$T/cut
refused "(modified or truncated)" bundle_verify $T/cut
head -c 100 $T/b1 >$T/short
refused "bundle is truncated" bundle_verify $T/short --key ex-sig
refused "not an szkm export bundle (truncated" bundle_verify $T/short

# An unprivileged user without View permission on the key (its owner
# keeps it to possessors; the user has its own session keyring, not
# root's; the bundle file is readable to all): the kernel
# refuses to open it; and a bundle named for another key than its own
# opens for neither.
ok keyctl setperm "$k" 0x3f000000
install -m 644 $T/b1 $T/b1-public
install -d -o 65534 -g 65534 $T/nobody
refused "no View permission" setpriv --reuid=65534 --regid=65534 --clear-groups \
	env XDG_STATE_HOME=$T/nobody keyctl session - "$(szkmctl_for_nobody)" verify --ledger "$URL" \
	--ledger-key "$vkey" --bundle $T/b1-public --key "$k"
o=$(keyctl add szkm ex-other "new aes256-gcm" @s) || fail "keyctl add ex-other"
refused "bundle is for another key than the one named" bundle_verify $T/b1 --key "$o"

# An old copy: the bundle from before a rotation, replayed after it.
ok keyctl update "$k" rotate
wait_state "$k" 2 active
drained
refused "bundle is older than the key's current state (replayed)" bundle_verify $T/b1
ok "$SZKMCTL" key export ex-sig --out $T/b2 >/dev/null
bundle_verify $T/b2 >$T/v 2>&1 || fail "verify of the bundle after the rotation: $(cat $T/v)"
grep -q "^bundle: key 'ex-sig' (serial $k, v2 active" $T/v || fail "verify --bundle: $(cat $T/v)"
# ... and from before v1 was destroyed.
ok keyctl update "$k" "destroy 1"
until_ok 15 has_state "$k" 1 destroyed || fail "v1 not destroyed: $(state_of "$k" 1)"
drained
refused "bundle is older than the key's current state (replayed)" bundle_verify $T/b2
ok "$SZKMCTL" key export ex-sig --out $T/b3 >/dev/null
bundle_verify $T/b3 >$T/v 2>&1 || fail "verify of the bundle after the destroy: $(cat $T/v)"

# A bundle of a key that is gone: nothing opens it.
ok "$SZKMCTL" key export ex-other --out $T/bo >/dev/null
keyctl invalidate "$o"
refused "no such key, or no View permission" bundle_verify $T/bo --key "$o"
refused "which is in none of your keyrings" bundle_verify $T/bo

# Moved to another device: a new device (init --force; new R, E and D)
# refuses the old device's bundle, though its key object is still here.
# The new device believes the test listener, as later tests expect (as
# t/10-device-reload leaves it).
stop_ledgerd
ok "$SZKMCTL" device init --force --out /run/szkm-device.blob >/dev/null
szkm_listener_up
[ "$("$SZKMCTL" device identity | sed -n 's/^id: *//p')" != "$dev" ] || fail "the device did not change"
rc=0; out=$(bundle_verify $T/b3 2>&1) || rc=$?
[ $rc = 1 ] && grep -qF "bundle was made by another device" <<<"$out" ||
	fail "the old device's bundle on a new device: exit $rc: $out"
echo "refused: ${out##*: the kernel refused it: }"
dmesg_clean
