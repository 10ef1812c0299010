# Grants: a service user gets a key of root's by `szkmctl key grant`, not
# through a session or user keyring. Root makes the keys (in @u, as the
# restore unit does) and grants them from a session that then ends; in a
# new session of its own the service user (nobody) finds them by
# %szkm:NAME and in its keyring %:.szkm.65534, and uses them, while the
# grant waits for the ledger it cannot, and once proven it does, across
# a rotation, after root dropped the key from its keyrings, and after a
# module reload and state restore. The attackers: another uid (65533)
# finds and uses nothing, not even with root's permissions opened by
# setperm; the grantee cannot grant itself, change, read, pass on or
# drop its grant; root's grants and revokes are events in the ledger
# naming root; a revoked grant stops at once, and a state folder saved
# before the revoke no longer loads; revoking root's own object ends the
# grants made from it.
szkm_device_up
ctl=$SZKMCTL
nctl=$(szkmctl_for_nobody)
lp=$(cat /run/szkm-listen.pid)
ok keyctl link @u @s
cleanup() {
	kill -CONT "$(cat /run/szkm-listen.pid 2>/dev/null)" 2>/dev/null || true
	for n in grant-aes grant-sig; do
		"$ctl" key revoke $n nobody >/dev/null 2>&1 || true
	done
	for k in $(keyctl rlist @u 2>/dev/null); do
		keyctl rdescribe "$k" 2>/dev/null | grep -q '^szkm;.*;grant-' && keyctl unlink "$k" @u >/dev/null
	done
	true
}
trap cleanup EXIT
# as <uid> <cmd...>: a new session of that uid (no keyring of root's).
as() { local u=$1; shift; setpriv --reuid="$u" --regid="$u" --clear-groups keyctl session - "$@"; }
js() { "$ctl" key show "$1" --json | jq -r "$2"; }
head -c 200 /dev/urandom >$T/m
openssl dgst -sha256 -binary $T/m >$T/dgst
chmod 644 $T/m $T/dgst

ok "$ctl" key create grant-aes --alg aes256-gcm --wait 60 >/dev/null
ok "$ctl" key create grant-sig --alg ecdsa-p256 --wait 60 >/dev/null
a=$(js grant-aes .serial); s=$(js grant-sig .serial)
[ "$(js grant-aes .grants)" = "[]" ] || fail "a new key has grants: $(js grant-aes .grants)"

# No grant: nobody neither finds nor uses root's key.
refuses "Can't find 'szkm:" as 65534 keyctl pkey_encrypt %szkm:grant-aes 0 $T/m
refuses "Permission denied" as 65534 keyctl pkey_encrypt "$a" 0 $T/m
# Nobody cannot grant itself: by name or by serial, it cannot even read
# the key, and the kernel's grant command wants CAP_SYS_ADMIN.
rc=0; as 65534 "$nctl" key grant grant-aes nobody >$T/out 2>&1 || rc=$?
[ $rc = 1 ] || fail "nobody granted itself: $rc $(cat $T/out)"
rc=0; as 65534 "$nctl" key grant "$a" 65534 >$T/out 2>&1 || rc=$?
[ $rc = 1 ] || fail "nobody granted itself by serial: $rc $(cat $T/out)"
# Bad input: one line, exit 2.
rc=0; "$ctl" key grant grant-aes no-such-user-x >$T/out 2>&1 || rc=$?
[ $rc = 2 ] && grep -q "'no-such-user-x' is no user name and no uid" $T/out || fail "bad user: $rc $(cat $T/out)"
rc=0; "$ctl" key grant grant-aes >$T/out 2>&1 || rc=$?
[ $rc = 2 ] && grep -q "which user?" $T/out || fail "no user: $rc $(cat $T/out)"
refuses "that uid owns the key" "$ctl" key grant grant-aes 0
refuses "not granted to that uid" "$ctl" key revoke grant-aes nobody

# The grant, from a session that ends with the command; the ledger paused:
# it waits, and nobody cannot use the key meanwhile.
kill -STOP "$lp"
out=$(ok keyctl session - "$ctl" key grant grant-aes nobody)
[ "$out" = "grant-aes: the grant to uid 65534 (nobody) waits for the ledger's proof" ] || fail "grant: $out"
[ "$(js grant-aes '[.waiting, (.grants | length)] | join(" ")')" = "1 0" ] || fail "grant applied before the proof: $("$ctl" key show grant-aes --json)"
refuses "waits for the ledger's proof" "$ctl" key grant grant-aes 65533
refuses "Can't find 'szkm:" as 65534 keyctl pkey_encrypt %szkm:grant-aes 0 $T/m
kill -CONT "$lp"
until_ok 10 szkm_no_change_waits grant-aes || fail "the grant still waits: $(tail -3 /run/szkm-listen.log)"
[ "$(js grant-aes '.grants | join(" ")')" = 65534 ] || fail "grants: $(js grant-aes .grants)"
"$ctl" key show grant-aes | grep -q "^grants:  uid 65534 (nobody)$" || fail "key show: $("$ctl" key show grant-aes)"
out=$(ok keyctl session - "$ctl" key grant grant-sig nobody --wait 60)
[ "$out" = "grant-sig: granted to uid 65534 (nobody)" ] || fail "grant --wait: $out"
refuses "granted to that uid already" "$ctl" key grant grant-sig nobody

# A new session of nobody: it finds its grants and uses them.
as 65534 keyctl pkey_encrypt %szkm:grant-aes 0 $T/m >$T/c1 || fail "the grantee cannot encrypt"
keyctl pkey_decrypt "$a" 0 $T/c1 | cmp -s - $T/m || fail "root cannot open the grantee's ciphertext"
ok keyctl pkey_encrypt "$a" 0 $T/m >$T/c0
chmod 644 $T/c0
as 65534 keyctl pkey_decrypt %szkm:grant-aes 0 $T/c0 | cmp -s - $T/m || fail "the grantee cannot decrypt"
as 65534 keyctl pkey_sign %szkm:grant-sig 0 $T/dgst hash=sha256 >$T/sig || fail "the grantee cannot sign"
ok keyctl pkey_verify "$s" 0 $T/dgst $T/sig hash=sha256
# ... in its own keyring, by keyctl search, also once linked in its session.
g=$(as 65534 keyctl search %:.szkm.65534 szkm grant-aes) || fail "keyctl search in %:.szkm.65534"
[ "$g" != "$a" ] || fail "the grant is root's own key object"
[ "$(as 65534 sh -c 'keyctl link %:.szkm.65534 @s && keyctl search @s szkm grant-aes')" = "$g" ] ||
	fail "keyctl search @s after linking the grant keyring"
# Its grantee's, View and Search only, no possessor rights.
[ "$(as 65534 keyctl rdescribe "$g")" = "szkm;65534;0;00090000;grant-aes" ] ||
	fail "grant object: $(as 65534 keyctl rdescribe "$g")"
as 65534 "$nctl" key show grant-aes --json | jq -e '.active == 1 and .alg == "aes256-gcm"' >/dev/null ||
	fail "the grantee cannot see the key's metadata"
# ... but not who else holds a grant: that is root's to see.
ok "$ctl" key grant grant-aes 65532 --wait 60 >/dev/null
[ "$(js grant-aes '.grants | join(" ")')" = "65532 65534" ] || fail "root's view of the grants: $(js grant-aes .grants)"
[ "$(as 65534 "$nctl" key show grant-aes --json | jq -r '.grants | join(" ")')" = 65534 ] ||
	fail "the grantee sees others' grants: $(as 65534 "$nctl" key show grant-aes --json | jq -c .grants)"
ok "$ctl" key revoke grant-aes 65532 --wait 60 >/dev/null

# The grantee cannot change, read, pass on, drop or re-grant its grant.
refuses "Permission denied" as 65534 keyctl update "$g" rotate
refuses "Permission denied" as 65534 keyctl pipe "$g"
refuses "Permission denied" as 65534 keyctl setperm "$g" 0x3f3f3f3f
refuses "Permission denied" as 65534 keyctl link "$g" @s
refuses "Operation not permitted" as 65534 keyctl invalidate "$g"
refuses "Permission denied" as 65534 keyctl unlink "$g" %:.szkm.65534
refuses "Operation not permitted" as 65534 keyctl invalidate %:.szkm.65534
rc=0; as 65534 "$nctl" key grant grant-aes 65533 >$T/out 2>&1 || rc=$?
[ $rc = 1 ] && grep -q "need CAP_SYS_ADMIN" $T/out || fail "the grantee granted on: $rc $(cat $T/out)"

# Another uid: nothing to find, nothing to use, whatever root's key's
# permissions say (a key object serves its own uid only).
refuses "Can't find 'szkm:" as 65533 keyctl pkey_encrypt %szkm:grant-aes 0 $T/m
refuses "Permission denied" as 65533 keyctl pkey_encrypt "$g" 0 $T/m
refuses "" as 65533 keyctl search %:.szkm.65534 szkm grant-aes
ok keyctl setperm "$a" 0x3f3f003f
refuses "Permission denied" as 65533 keyctl pkey_encrypt "$a" 0 $T/m
dmesg | tail -n 20 | grep -q "'grant-aes': key $a serves uid 0, not uid 65533: only a grant (szkmctl key grant) shares a key" ||
	fail "no message for a use by another uid: $(dmesg | tail -n 3)"
ok keyctl setperm "$a" 0x3f010000

# A rotation of root's key is the grant's at once.
szkm_rotate "$a"
as 65534 keyctl pkey_encrypt %szkm:grant-aes 0 $T/m >$T/c2 || fail "the grantee cannot encrypt after the rotation"
[ "$(ct_version $T/c2)" = 2 ] || fail "the grantee encrypted under v$(ct_version $T/c2), not v2"

# Root's keyrings drop the key: the grant keeps it, and it keeps working.
ok "$ctl" state save --dir $T/s1 --device /run/szkm-device.blob >/dev/null
ids=$(js grant-sig .id)
ok keyctl unlink "$s" @u
ok keyctl clear @s
! keyctl search @s szkm grant-sig >/dev/null 2>&1 || fail "root still finds grant-sig in its keyrings"
as 65534 keyctl pkey_sign %szkm:grant-sig 0 $T/dgst hash=sha256 >$T/sig2 ||
	fail "the grant died with root's link"
ok keyctl pkey_verify %szkm:grant-sig 0 $T/dgst $T/sig2 hash=sha256
ok keyctl link @u @s

# The revoke: proven, the grantee's object stops at once and goes.
out=$(ok "$ctl" key revoke grant-aes nobody --wait 60)
[ "$out" = "grant-aes: revoked from uid 65534 (nobody)" ] || fail "revoke: $out"
[ "$(js grant-aes .grants)" = "[]" ] || fail "grants after the revoke: $(js grant-aes .grants)"
! as 65534 keyctl pkey_encrypt "$g" 0 $T/m >/dev/null 2>&1 || fail "the revoked grant still encrypts"
grant_gone() { ! grep -q "^$(printf %08x "$g") " /proc/keys; }
until_ok 10 grant_gone || fail "the revoked grant object is still there: $(grep "^$(printf %08x "$g") " /proc/keys)"
refuses "Can't find 'szkm:" as 65534 keyctl pkey_encrypt %szkm:grant-aes 0 $T/m

# The ledger has both, with who did it.
szkm_wait_drained
grep -q "key-grant key=grant-aes v=1 alg=aes256-gcm state=active grantee=65534 by uid=0 auid=[0-9a-z]* pid=[0-9]* comm=szkmctl verified" /run/szkm-listen.log &&
	grep -q "key-revoke key=grant-aes v=2 alg=aes256-gcm state=active grantee=65534 by uid=0 .*comm=szkmctl verified" /run/szkm-listen.log ||
	fail "grant events: $(grep -E 'key-(grant|revoke)' /run/szkm-listen.log)"

# A state folder from before the revoke: its blob is refused (rollback),
# so it cannot bring the grant back; the current one loads without it.
# (grant-sig, in no keyring of root's now, is saved too: into @u.)
ok "$ctl" state save --dir $T/s2 --device /run/szkm-device.blob >/dev/null
grep -q "^key $ids @u grant-sig$" $T/s2/manifest || fail "grant-sig not saved: $(cat $T/s2/manifest)"
ida=$(js grant-aes .id)
nkeys() { "$ctl" status --json | jq -r .keys; }
n=$(nkeys)
ok keyctl unlink "$a" @u
freed() { [ "$(nkeys)" = $((n - 1)) ]; }
until_ok 10 freed || fail "grant-aes was not freed after its last link went"
refuses "rejected" keyctl add szkm grant-aes "load $(cat $T/s1/$ida.blob)" @s
dmesg | tail -n 5 | grep -q "load 'grant-aes': blob is from event [0-9]*, the key's last change is event [0-9]*: an older blob (rollback refused)" ||
	fail "no rollback message for the blob from before the revoke"
a=$(szkm_add grant-aes "load $(cat $T/s2/$ida.blob)" @u)
[ "$(js grant-aes .grants)" = "[]" ] || fail "the current blob brought a grant back: $(js grant-aes .grants)"

# A module reload (a reboot) and state restore: grant-sig's grant is back
# for a new session of nobody; grant-aes has none.
szkm_wait_drained
ok rmmod szkm
ok szkm_load
"$ctl" state restore --dir $T/s2 --keyring @u --timeout 60 >$T/r 2>&1 &
rp=$!
# The listener resumes the chain once restore has unsealed the device.
dev_ready() { "$ctl" status | grep -q '^state: *ready'; }
until_ok 30 dev_ready || fail "restore did not unseal: $(cat $T/r)"
szkm_listener_up
wait $rp || fail "restore: $(cat $T/r)"
grep -q "^key grant-sig: loaded into @u" $T/r || fail "restore: $(cat $T/r)"
[ "$(js grant-sig '.grants | join(" ")')" = 65534 ] && [ "$(js grant-aes '.grants | length')" = 0 ] ||
	fail "grants after the restore: $(js grant-sig ".grants|tostring") $(js grant-aes ".grants|tostring")"
signs() { as 65534 keyctl pkey_sign %szkm:grant-sig 0 $T/dgst hash=sha256 >$T/sig3; }
until_ok 10 signs || fail "the restored grant does not sign"
ok keyctl pkey_verify %szkm:grant-sig 0 $T/dgst $T/sig3 hash=sha256
refuses "Can't find 'szkm:" as 65534 keyctl pkey_encrypt %szkm:grant-aes 0 $T/m
# Root revokes its own object: every grant made from it ends at once,
# though the grantee still holds its object.
sig=$(keyctl search @u szkm grant-sig)
ok keyctl revoke "$sig"
refuses "Key has been revoked" as 65534 keyctl pkey_sign %szkm:grant-sig 0 $T/dgst hash=sha256
dmesg | tail -n 5 | grep -q "'grant-sig': grant key [0-9]*: its owner's key $sig was revoked or invalidated (-128): its grants end with it" ||
	fail "no message for a grant whose owner was revoked: $(dmesg | tail -n 3)"
dmesg_clean
