# Step of h/15-tpm-interposer.sh, with a module built with
# -DSZKM_TPM2_TEST_BUS and lock_pcr=16. Attacker: an active interposer on
# the TPM bus, who sees and changes every command and response but holds no
# session key, at the commit of a membership step (szkmctl device members).
# It wants the device to follow the new membership while the TPM's
# rollback counter stays put (so that the blob of before, whose ledger key
# it may hold, would still open), or the device lost for good (no blob
# that opens). Each of its moves, on a fresh device following epoch 1:
#  - forge: it drops NV_Increment and answers success. The answer fails its
#    HMAC check; the commit is refused; counter and epoch stay; FILE still
#    opens and FILE.next is removed as never committed.
#  - hide: it lets NV_Increment run and answers TPM_RC_FAILURE. The commit
#    is refused and the epoch stays, but the counter moved: after a reboot
#    FILE is refused and FILE.next, kept, opens in its place.
#  - replay: it answers the NV_Read after the increment with the TPM's
#    answer to the NV_Read before it (the old value). Refused on its HMAC;
#    the kernel's commit of the same blob, tried again on a clean bus,
#    follows without a second increment. And it answers the commit's first
#    NV_Read with the re-seal's answer (the true value, an older session
#    message): refused too, the counter not moved.
# Each time the interposer's move is in the kernel log, nothing is left in
# the TPM, and device members on a clean bus then follows epoch 1.
# Then at an unseal: R's TPM2_Unseal answer replayed as E's, and a forged
# TPM2_Unseal answer: refused on their HMAC, the device not ready, the
# lock PCR capped all the same; after a reboot the blob opens.
. "$SZKM_TOP/tests/vm/lib-device.sh"
. "$SZKM_TOP/tests/vm/lib-ledgerd.sh"
p=/sys/module/szkm/parameters
NV_INCREMENT=0x134 NV_READ=0x14e
ORIGIN=bus.example/ledger
# The TPM's counter itself (status shows the value the device's blob is at).
counter() {
	local v
	v=$(TPM2TOOLS_TCTI=device:/dev/tpmrm0 tpm2_nvread 0x013A5A4D -C 0x013A5A4D -s 8 | xxd -p) ||
		fail "tpm2_nvread of the counter"
	echo $((16#$v))
}
epoch() { "$ctl" status --json | jq -r .members_epoch; }
members() { "$ctl" device members --ledger "$URL" --blob $T/device.blob 2>&1; }

# One node (key a, k 1) that serves epoch 1, the genesis: a alone.
LM() { "$L" -c /dev/null --origin $ORIGIN --control-socket $T/ctl --key $T/node.pem --key-name node-a "$@"; }
ok "$L" genkey $T/node.pem
va=$(LM vkey) || fail "vkey"
ok LM member propose $T/e1 --genesis --k 1 --key "$va" >/dev/null
cp $T/e1 $T/genesis
ok LM member approve $T/e1 >/dev/null
LEDGERD_OPTS=(--key-name node-a --genesis $T/genesis --netlink no)
start_ledgerd $ORIGIN
[ "$(LM member submit $T/e1)" = "member 0 1" ] || fail "genesis not appended"

# attack <mode> <cc> <at> <name>: a fresh device on key a, then device
# members with the interposer armed for one <mode> at the <at>-th command
# <cc> (the NV_Reads: the re-seal's, the commit's, after the increment;
# one NV_Increment): refused, the
# move logged, FILE.next kept, the device still on epoch 0 and ready, the
# TPM empty. Sets c0, the counter before, and out, what szkmctl said.
attack() {
	szkm_reload
	rm -f $T/device.blob.next
	ok "$ctl" device init --force --out $T/device.blob --ledger-key "$va" --ledger-threshold 1 >/dev/null
	cp $T/device.blob $T/old.blob
	c0=$(counter)
	echo "$2" >$p/test_bus_cc
	echo "$3" >$p/test_bus_at
	echo "$1" >$p/test_bus
	out=$(members) && fail "$4: the commit was accepted: $out"
	echo "$4: $out" | head -n 1
	[ "$(cat $p/test_bus)" = 0 ] || fail "$4: the interposer never acted"
	dmesg_since_load | grep -q "interposer: TPM command $2" || fail "$4: no interposer move logged"
	[[ $out == *"membership epoch 1 not committed"* && $out == *"$T/device.blob.next kept"* ]] ||
		fail "$4: $out"
	[ -e $T/device.blob.next ] || fail "$4: FILE.next removed"
	cmp -s $T/device.blob $T/old.blob || fail "$4: FILE replaced"
	[ "$(epoch)" = 0 ] || fail "$4: the device followed the membership anyway"
	expect_state ready
	transient_empty
}
# follows <name>: device members on a clean bus follows epoch 1, and the
# blob it stores opens after a reboot.
follows() {
	local out
	out=$(members) || fail "$1: device members on a clean bus: $out"
	[ "$out" = "epoch 1: followed (entry 0)" ] || fail "$1: $out"
	[ ! -e $T/device.blob.next ] || fail "$1: FILE.next left"
	szkm_reload
	ok "$ctl" device unseal --in $T/device.blob >/dev/null
	[ "$(epoch)" = 1 ] || fail "$1: the stored blob opened at epoch $(epoch)"
	transient_empty
}

attack 1 $NV_INCREMENT 1 forge
[[ $out == *"failed its HMAC check"* ]] || fail "forge: $out"
dmesg_since_load | grep -q "reply to TPM2_NV_Increment failed its HMAC check" ||
	fail "forge: the forged answer was not named"
[ "$(counter)" = "$c0" ] || fail "forge: the counter moved from $c0 to $(counter)"
szkm_reload
out=$("$ctl" device unseal --in $T/device.blob) || fail "forge: FILE refused after a reboot: $out"
[[ $out == *"removed $T/device.blob.next, re-sealed but never committed"* ]] || fail "forge: $out"
follows forge
echo "forge: a dropped increment answered 'success' was refused; FILE still opened"

attack 2 $NV_INCREMENT 1 hide
[ "$(counter)" = $((c0 + 1)) ] || fail "hide: the increment did not run ($(counter), from $c0)"
szkm_reload
refuses "not at the TPM's rollback counter" "$ctl" device unseal --in $T/old.blob
out=$("$ctl" device unseal --in $T/device.blob) || fail "hide: no blob opened after a reboot: $out"
[[ $out == *"trying $T/device.blob.next"* ]] || fail "hide: $out"
[ "$(epoch)" = 1 ] || fail "hide: the blob that opened is at epoch $(epoch)"
transient_empty
echo "hide: after a hidden increment the old blob was refused and FILE.next opened"

attack 3 $NV_READ 3 replay
[[ $out == *"failed its HMAC check"* ]] || fail "replay: $out"
dmesg_since_load | grep -q "reply to TPM2_NV_Read failed its HMAC check" ||
	fail "replay: the replayed answer was not named"
[ "$(counter)" = $((c0 + 1)) ] || fail "replay: the increment did not run ($(counter), from $c0)"
[ "$("$LT" commit $T/device.blob.next)" = accepted ] || fail "replay: the commit tried again was refused"
[ "$(counter)" = $((c0 + 1)) ] || fail "replay: the counter is $(counter), not $((c0 + 1))"
[ "$(epoch)" = 1 ] || fail "replay: after the commit the epoch is $(epoch)"
mv $T/device.blob.next $T/device.blob
szkm_reload
ok "$ctl" device unseal --in $T/device.blob >/dev/null
[ "$(epoch)" = 1 ] || fail "replay: the new blob opened at epoch $(epoch)"
echo "replay: a replayed counter read was refused; the commit tried again moved the counter no further"

attack 3 $NV_READ 2 "replay before the increment"
[[ $out == *"failed its HMAC check"* ]] || fail "replay before: $out"
[ "$(counter)" = "$c0" ] || fail "replay before: the counter moved from $c0 to $(counter)"
follows "replay before the increment"
echo "replay before the increment: refused, the counter not moved"

attack 2 $NV_INCREMENT 1 "hide, then device members again"
follows "hide, then device members again"
echo "hide, then device members again: followed epoch 1"

UNSEAL=0x15e
for move in "3 2 replay" "1 1 forge"; do
	read -r mode at name <<<"$move"
	szkm_reload
	echo $UNSEAL >$p/test_bus_cc
	echo "$at" >$p/test_bus_at
	echo "$mode" >$p/test_bus
	refuses "failed the session HMAC" "$ctl" device unseal --in $T/device.blob
	[ "$(cat $p/test_bus)" = 0 ] || fail "unseal, $name: the interposer never acted"
	dmesg_since_load | grep -q "reply to TPM2_Unseal failed its HMAC check" ||
		fail "unseal, $name: the tampered answer was not named"
	expect_state uninitialised
	refuses "lock PCR is capped" "$ctl" device unseal --in $T/device.blob
	transient_empty
	echo "unseal, $name: refused on its HMAC"
done
szkm_reload
ok "$ctl" device unseal --in $T/device.blob >/dev/null
expect_state ready
dmesg_clean
