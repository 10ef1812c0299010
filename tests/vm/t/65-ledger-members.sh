# The device follows the ledger's membership (include/szkm.h, "Ledger
# membership"): from the ledger keys of device init (a, b, c; 2 must sign)
# through epoch 1 (the genesis, the same set) to epoch 2 (d and e, 2 must
# sign), each entry proven under a checkpoint signed by the threshold of
# the keys the device holds and approved by them. Then it believes only
# checkpoints of the new set, also after a module reload with the blob
# the kernel re-sealed. Attackers tried, each refused with its reason and
# nothing changed: an unprivileged user; a lying ledger (its tree extends
# the real one, signed by the current keys) that proves an entry approved
# by one current key of the two needed, a truncated entry, or a skipped
# epoch; a replay of an older epoch; the incoming keys proving their own
# entry; a modified entry and a spoilt audit path. Rollback: root hands
# back the blob of an older epoch after a reboot, and the TPM's counter
# refuses it. The crashes of a membership change: before its commit the
# stored blob opens, after it the re-sealed one; a counter someone else
# moved makes the commit fail.
szkm_device_up
. "$SZKM_TOP/tests/vm/lib-ledgerd.sh"
stop_listener

ORIGIN=members.example/ledger
LM() { "$L" -c /dev/null --origin $ORIGIN --control-socket $T/ctl "$@"; }
as() { local n=$1; shift; LM --key $T/$n.pem --key-name node-$n "$@"; }
declare -A V
for n in a b c d e; do
	ok "$L" genkey $T/$n.pem
	V[$n]=$(as $n vkey) || fail "vkey $n"
done
key() { echo "$T/$1.pem=node-$1"; }

# The genesis: a, b and c, 2 of them; what the node is configured with.
ok as a member propose $T/e1 --genesis --k 2 --key "${V[a]}" --key "${V[b]}" --key "${V[c]}" >/dev/null
cp $T/e1 $T/genesis
ok as a member approve $T/e1 >/dev/null
ok as b member approve $T/e1 >/dev/null

ok "$SZKMCTL" device init --force --out $T/device.blob --ledger-key "${V[a]}" \
	--ledger-key "${V[b]}" --ledger-key "${V[c]}" --ledger-threshold 2 >/dev/null
cp $T/device.blob $T/device0.blob
"$SZKMCTL" status | grep -q '^members: *epoch 0 ' || fail "status: $("$SZKMCTL" status | grep members:)"

# One node (node-a's key) that leaves the kernel alone: the test proves.
cp $T/a.pem $T/node.pem
LEDGERD_OPTS=(--key-name node-a --genesis $T/genesis --netlink no)
start_ledgerd $ORIGIN
[ "$(LM member submit $T/e1)" = "member 0 1" ] || fail "genesis not appended"
# Epoch 2: d and e replace a, b and c, approved by a and b.
ok as a member propose $T/e2 --k 2 --key "${V[d]}" --key "${V[e]}" >/dev/null
cp $T/e2 $T/e2-few
ok as a member approve $T/e2 >/dev/null
ok as b member approve $T/e2 >/dev/null
ok as a member approve $T/e2-few >/dev/null
[ "$(LM member submit $T/e2)" = "member 1 2" ] || fail "epoch 2 not appended"
# An epoch 3 (a and b again), approved by a and b, that the ledger refuses
# (they are not epoch 2's): only a lying ledger proves it.
ok as a member propose $T/e3 --k 2 --key "${V[a]}" --key "${V[b]}" >/dev/null
ok as a member approve $T/e3 >/dev/null
ok as b member approve $T/e3 >/dev/null
# The honest epoch 3 (a and b back, approved by d and e), for later.
ok as d member propose $T/e4 --k 2 --key "${V[a]}" --key "${V[b]}" >/dev/null
ok as d member approve $T/e4 >/dev/null
ok as e member approve $T/e4 >/dev/null

members() { "$LT" members $T/l.db $ORIGIN "$@"; }
# refused_with <reason> <members args...>: refused, the device unchanged.
refused_with() {
	local want=$1 out; shift
	out=$(members "$@") && fail "accepted: $*"
	[[ $out == *"$want"* ]] || fail "$*: got '$out', want '$want'"
	[ "$("$SZKMCTL" status --json | jq -r .members_epoch)" = "$epoch" ] ||
		fail "a refused entry moved the epoch"
}
epoch=0

# Attacker: an unprivileged user.
pubd=$(mktemp -d); chmod 755 $pubd
install -m 755 "$LT" $pubd/lt
install -m 644 $T/e1 $T/a.pem $T/b.pem $pubd/
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups $pubd/lt members - $ORIGIN $pubd/e1 \
	honest $pubd/x.blob $pubd/a.pem=node-a $pubd/b.pem=node-b) && fail "nobody accepted"
[[ $out == *"Operation not permitted"* ]] || fail "nobody: $out"
rm -rf $pubd
# Attacker: the incoming keys prove the entry that brings them in.
refused_with "not signed by enough enrolled ledger keys" $T/e2 honest $T/x.blob $(key d) $(key e)
# Attacker: one current key signs alone.
refused_with "not signed by enough enrolled ledger keys" $T/e1 honest $T/x.blob $(key a)
# Attacker: a lying ledger (signed by a and b) with an entry only a approved.
refused_with "approved by fewer than the device's threshold" $T/e2-few honest $T/x.blob $(key a) $(key b)
# ... with a truncated entry in its tree.
refused_with "membership entry is malformed" $T/e1 truncated $T/x.blob $(key a) $(key b)
# A modified entry, and a spoilt audit path.
refused_with "inclusion proof does not lead to the checkpoint's root" $T/e1 corrupt $T/x.blob $(key a) $(key b)
refused_with "inclusion proof does not lead to the checkpoint's root" $T/e1 bad-path $T/x.blob $(key a) $(key b)
[ ! -e $T/x.blob ] || fail "a refused entry wrote a blob"
[ "$("$SZKMCTL" status --json | jq -r .ledger_size)" = 0 ] || fail "a refused entry moved the kernel's checkpoint"

# Epoch 1, proven under a checkpoint a and b signed.
[ "$(members $T/e1 honest $T/device.blob $(key a) $(key b))" = accepted ] || fail "epoch 1 refused"
cp $T/device.blob $T/device1.blob
epoch=1
"$SZKMCTL" status | grep -q '^members: *epoch 1, entry ' || fail "status: $("$SZKMCTL" status | grep members:)"
# Attacker: a replay of epoch 1, and a lying ledger's epoch 3.
refused_with "not newer than the device's" $T/e1 honest $T/x.blob $(key a) $(key b)
refused_with "skips an epoch" $T/e3 honest $T/x.blob $(key a) $(key b)

# Epoch 2 through szkmctl: /members and the proofs from the node, under a
# checkpoint a and b cosigned (the node alone signs with a: not enough).
out=$("$SZKMCTL" device members --ledger "$URL" --blob $T/device.blob 2>&1) && fail "node's lone signature accepted: $out"
[[ $out == *"not signed by enough enrolled ledger keys"* ]] || fail "node alone: $out"
ok "$LT" checkpoint $T/l.db $ORIGIN $(key a) $(key b) >$T/cp-ab
out=$("$SZKMCTL" device members --ledger "$URL" --checkpoint $T/cp-ab --blob $T/device.blob) ||
	fail "device members: $out"
[ "$out" = "epoch 2: followed (entry 1)" ] || fail "device members: $out"
epoch=2
"$SZKMCTL" status | grep -q '^ledger: *2 of node-d, node-e;' || fail "status: $("$SZKMCTL" status | grep ledger:)"
"$SZKMCTL" status | grep -q '^members: *epoch 2, entry ' || fail "status: $("$SZKMCTL" status | grep members:)"
out=$("$SZKMCTL" device members --ledger "$URL" --checkpoint $T/cp-ab --blob $T/device.blob) ||
	fail "device members again: $out"
[[ $out == "epoch 2: nothing newer"* ]] || fail "device members again: $out"

# Only the new set signs now: the old keys' checkpoint is refused, the new
# keys' is believed (and the replay then refused for what it is).
new_set_only() {
	refused_with "not signed by enough enrolled ledger keys" $T/e2 honest $T/x.blob $(key a) $(key b)
	refused_with "not newer than the device's" $T/e2 honest $T/x.blob $(key d) $(key e)
}
new_set_only
stop_ledgerd

# Module reload with the re-sealed blob: the new trust holds.
ok rmmod szkm
ok szkm_load
ok "$SZKMCTL" device unseal --in $T/device.blob >/dev/null
"$SZKMCTL" status | grep -q '^members: *epoch 2, entry ' || fail "after reload: $("$SZKMCTL" status | grep members:)"
"$SZKMCTL" status | grep -q '^ledger: *2 of node-d, node-e;' || fail "after reload: $("$SZKMCTL" status | grep ledger:)"
new_set_only
# Attacker: the blob re-sealed, one byte of its epoch changed.
cp $T/device.blob $T/bad.blob
flip_byte $T/bad.blob $(($(stat -c %s $T/bad.blob) - 62 - 40 + 7))
ok rmmod szkm
ok szkm_load
refuses "modified" "$SZKMCTL" device unseal --in $T/bad.blob
dmesg | grep -q 'ledger membership refused: membership entry is approved by fewer' ||
	fail "no kernel log line for a refusal"

# Rollback: root keeps the blobs of epochs 0 and 1 (they trust a, b and c,
# whose keys the attacker may hold) and hands one back after a reboot.
# Each was a good blob (it opened before), but the TPM's rollback counter
# has moved past both: refused, and the device stays sealed.
counter() { "$SZKMCTL" status --json | jq -r .tpm_counter; }
ok rmmod szkm
ok szkm_load
ok "$SZKMCTL" device unseal --in $T/device.blob >/dev/null
c2=$(counter)
[ "$c2" -ge 3 ] || fail "counter $c2 after init and two commits"
for old in device0 device1; do
	ok rmmod szkm
	ok szkm_load
	refuses "not at the TPM's rollback counter" "$SZKMCTL" device unseal --in $T/$old.blob
	dmesg | grep -q "rollback counter 0x013a5a4d is not at" || fail "no kernel log line for the rollback"
	[ "$("$SZKMCTL" status --json | jq -r .state)" != ready ] || fail "$old.blob made the device ready"
done
ok rmmod szkm
ok szkm_load
ok "$SZKMCTL" device unseal --in $T/device.blob >/dev/null

# Epoch 3, proven under d's and e's checkpoint: re-sealed but, as if the machine crashed, not committed.
# The device stays on epoch 2, its stored blob still opens, the pending
# one never does: a crash before the commit loses nothing.
[ "$(members $T/e4 uncommitted $T/p3.blob $(key d) $(key e))" = accepted ] || fail "epoch 3 re-seal refused"
[ "$("$SZKMCTL" status --json | jq -r .members_epoch)" = 2 ] || fail "an uncommitted blob moved the epoch"
[ "$(counter)" = "$c2" ] || fail "an uncommitted blob moved the counter"
# Not the pending blob: nothing committed.
out=$("$LT" commit $T/device.blob) && fail "committed a blob that is not pending"
[[ $out == *"not the device's pending re-sealed blob"* ]] || fail "commit of another blob: $out"
cp $T/p3.blob $T/device.blob.next
ok rmmod szkm
ok szkm_load
out=$("$SZKMCTL" device unseal --in $T/device.blob) || fail "stored blob after an uncommitted re-seal: $out"
[[ $out == *"removed $T/device.blob.next, re-sealed but never committed"* ]] || fail "stale .next: $out"
[ ! -e $T/device.blob.next ] || fail "stale .next kept"
refuses "unsealed already" "$SZKMCTL" device unseal --in $T/p3.blob
ok rmmod szkm
ok szkm_load
refuses "not at the TPM's rollback counter" "$SZKMCTL" device unseal --in $T/p3.blob
ok "$SZKMCTL" device unseal --in $T/device.blob >/dev/null

# Someone else (root with the TPM) increments the counter twice between
# the re-seal and the commit (once would be the commit's own step, and
# opens only the blob the kernel re-sealed): the commit is refused and the
# device stays on epoch 2; that is a denial of service (the stored blob no
# longer opens either), as clearing the TPM would be, and it is said.
# Following the entry again, before the reboot, heals it.
[ "$(members $T/e4 uncommitted $T/p3.blob $(key d) $(key e))" = accepted ] || fail "epoch 3 re-seal refused"
for i in 1 2; do
	TPM2TOOLS_TCTI=device:/dev/tpmrm0 tpm2_nvincrement -C 0x013A5A4D 0x013A5A4D || fail "tpm2_nvincrement"
done
out=$("$LT" commit $T/p3.blob) && fail "committed past a moved counter"
[[ $out == *"moved past the pending blob"* ]] || fail "moved counter: $out"
[ "$("$SZKMCTL" status --json | jq -r .members_epoch)" = 2 ] || fail "a refused commit moved the epoch"
[ "$(members $T/e4 honest $T/device.blob $(key d) $(key e))" = accepted ] || fail "epoch 3 again refused"
[ "$("$SZKMCTL" status --json | jq -r .members_epoch)" = 3 ] || fail "epoch 3 not followed"
c3=$(counter)
[ "$c3" = $((c2 + 3)) ] || fail "counter $c2 -> $c3"

# A crash after the commit, before the rename: the stored blob is older
# than the counter and FILE.next opens in its place.
cp $T/device.blob $T/d3.blob
cp $T/device1.blob $T/device.blob
cp $T/d3.blob $T/device.blob.next
ok rmmod szkm
ok szkm_load
out=$("$SZKMCTL" device unseal --in $T/device.blob) || fail "unseal after a crash before the rename: $out"
[[ $out == *"trying $T/device.blob.next"* && $out == *"replaces $T/device.blob"* ]] ||
	fail "unseal after a crash before the rename: $out"
cmp -s $T/device.blob $T/d3.blob || fail ".next did not replace the stored blob"
[ "$("$SZKMCTL" status --json | jq -r .members_epoch)" = 3 ] || fail "after the rename: not epoch 3"

# Back to a device for the listener of later tests.
ok "$SZKMCTL" device init --force --out /run/szkm-device.blob >/dev/null
szkm_listener_up
dmesg_clean
