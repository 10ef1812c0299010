# The client that verifies (issue 11): before an application trusts a key,
# libszkm checks it against ledgerd (checkpoint signature, consistency with
# the checkpoint this client saw, inclusion and device signature of every
# event) and against the kernel's own view of the key. Attacker: a ledger
# node that lies by serving an older copy of its database (rollback). A
# client that saw a later checkpoint refuses it as a rollback; a client
# that never saw one finds that the kernel's key is not the ledger's. The
# application (userspace/examples/szkm-verified-sign, linked against
# libszkm.so) refuses to sign in both cases, and signs when all holds:
# OpenSSL verifies its signature with the verified public key.
szkm_device_up
. "$SZKM_TOP/tests/vm/lib-ledgerd.sh"
ledgerd_client_up
SIGN=$SZKM_TOP/build/bin/szkm-verified-sign

k=$(keyctl add szkm cv-sig "new ecdsa-p256" @s) || fail "keyctl add cv-sig"
wait_state "$k" 1 active
drained

# Honest ledger: the key verifies, the kernel agrees, the application signs.
"$SZKMCTL" verify --ledger "$URL" --key cv-sig --ledger-key "$vkey" >$T/v 2>&1 ||
	fail "verify of an honest ledger: $(cat $T/v)"
echo "data to sign" >$T/doc
"$SIGN" cv-sig "$URL" $T/doc "$vkey" >$T/s 2>&1 || fail "szkm-verified-sign: $(cat $T/s)"
openssl dgst -sha256 -verify $T/doc.pub.pem -signature $T/doc.sig $T/doc >/dev/null ||
	fail "OpenSSL does not verify the signature with the verified public key"
"$SZKMCTL" key pub cv-sig --version 1 >$T/kernel.pem || fail "key pub"
cmp -s $T/kernel.pem $T/doc.pub.pem || fail "the verified public key is not the kernel's"

# The attacker keeps a copy of the database as it is now.
stop_ledgerd
cp $T/l.db $T/l.db.old
start_ledgerd
ok keyctl update "$k" rotate
wait_state "$k" 2 active
drained
"$SZKMCTL" verify --ledger "$URL" --key cv-sig --ledger-key "$vkey" --json >$T/v 2>&1 ||
	fail "verify after the rotation: $(cat $T/v)"
# The kernel's mark is the ledger's last change of the key: the rotation.
mark=$("$SZKMCTL" key show cv-sig --json | jq .mark)
[ "$(jq -r '[.events[] | select(.event == "key-rotate")][-1].seq' $T/v)" = "$mark" ] &&
	[ "$(jq .kernel.mark $T/v)" = "$mark" ] || fail "mark $mark is not the rotation's event: $(cat $T/v)"
[ "$(jq -r .device_id $T/v)" = "$dev" ] || fail "the ledger's device is not this one"
cp -r $T/seen $T/seen-later
# Every key of the caller's keyrings, one line each.
"$SZKMCTL" verify --ledger "$URL" --all --ledger-key "$vkey" >$T/all 2>&1 || fail "verify --all: $(cat $T/all)"
grep -q "^key cv-sig (serial $k): .* v2 active, the kernel agrees$" $T/all || fail "verify --all: $(cat $T/all)"

# Rollback: ledgerd serves the older copy (signed by the same node key).
stop_ledgerd
cp $T/l.db.old $T/l.db
start_ledgerd
rm -f $T/doc.sig $T/doc.pub.pem
out=$("$SZKMCTL" verify --ledger "$URL" --key cv-sig --ledger-key "$vkey" 2>&1) &&
	fail "a rolled-back ledger verified: $out"
grep -q 'rollback or fork' <<<"$out" || fail "rollback not named: $out"
out=$("$SIGN" cv-sig "$URL" $T/doc "$vkey" 2>&1) && fail "the application signed against a rolled-back ledger"
grep -q 'rollback or fork' <<<"$out" || fail "application: rollback not named: $out"
[ ! -e $T/doc.sig ] || fail "a signature was written"
cmp -s $T/seen/szkm/checkpoint $T/seen-later/szkm/checkpoint || fail "a refusal changed the client's state"

# A client that never saw the later checkpoint: the ledger's story verifies
# on its own, but the kernel's key (v2 active) is not the ledger's.
export XDG_STATE_HOME=$T/fresh
out=$("$SZKMCTL" verify --ledger "$URL" --key cv-sig --ledger-key "$vkey" 2>&1) &&
	fail "a key that disagrees with the kernel verified: $out"
grep -qi 'kernel' <<<"$out" || fail "disagreement not named: $out"
out=$("$SIGN" cv-sig "$URL" $T/doc "$vkey" 2>&1) && fail "the application signed a key the ledger does not vouch for"
"$SZKMCTL" verify --ledger "$URL" --all --ledger-key "$vkey" >$T/all 2>&1 && fail "verify --all passed: $(cat $T/all)"
grep -q "^key cv-sig (serial $k): REFUSED: " $T/all || fail "verify --all: $(cat $T/all)"
[ ! -e $T/doc.sig ] || fail "a signature was written"
echo "client: rollback refused; disagreement: ${out##*: }"
stop_ledgerd
