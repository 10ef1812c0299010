# The operator's key commands, no keyctl payload typed: szkmctl key create
# (into @u by default, @s, or a keyring by serial), list, rotate, retire,
# destroy and policy, each checked with key show --json; a change that
# waits for the ledger says so (the listener paused), --wait waits for it
# or says that its deadline passed; bad input is one line and exit 2, a
# refusal one line and exit 1. Then the saved state: state save, a module
# reload (a reboot, with the resettable lock PCR), state restore: the
# device is unsealed, restore waits for the ledger to prove the resume (or
# says in one line that it did not by the deadline), every key comes back
# in its keyring and works on data from before (decrypt, verify, ECIES); a
# key live already is skipped; an old blob in the folder is refused with
# the reason while the others still load.
szkm_device_up
ctl=$SZKMCTL
lp=$(cat /run/szkm-listen.pid)
# As a login session (pam_keyinit) does: @u is linked into the session, so
# the keys made there are found by name and possessed.
ok keyctl link @u @s
# Root's @u outlives this test: take our keys out of it, and never leave
# the listener paused, whatever happens.
cleanup() {
	kill -CONT "$(cat /run/szkm-listen.pid 2>/dev/null)" 2>/dev/null || true
	for k in $(keyctl rlist @u 2>/dev/null); do
		keyctl rdescribe "$k" 2>/dev/null | grep -q '^szkm;.*;cli-' && keyctl unlink "$k" @u >/dev/null
	done
	true
}
trap cleanup EXIT
js() { "$ctl" key show "$1" --json | jq -r "$2"; }
# bad <text> <args...>: exit 2, one line on stderr naming what was wrong.
bad() {
	local want=$1 rc=0; shift
	"$ctl" "$@" >$T/out 2>$T/err || rc=$?
	[ $rc = 2 ] || fail "szkmctl $*: exit $rc, not 2 ($(cat $T/err))"
	[ "$(wc -l <$T/err)" = 1 ] && [ ! -s $T/out ] || fail "szkmctl $*: not one line: $(cat $T/out $T/err)"
	grep -qF -- "$want" $T/err || fail "szkmctl $*: expected '$want': $(cat $T/err)"
}
# refused <text> <args...>: exit 1, the text on stderr.
refused() {
	local want=$1 rc=0; shift
	"$ctl" "$@" >$T/out 2>$T/err || rc=$?
	[ $rc = 1 ] || fail "szkmctl $*: exit $rc, not 1 ($(cat $T/out $T/err))"
	grep -qF -- "$want" $T/err || fail "szkmctl $*: expected '$want': $(cat $T/err)"
}
head -c 1000 /dev/urandom >$T/m
openssl dgst -sha256 -binary $T/m >$T/dgst

# create: @u by default, and where --keyring says; --wait until active.
out=$(ok "$ctl" key create cli-aes --alg aes256-gcm --rotate 30d --wait 60)
grep -q "^cli-aes: created, serial [0-9]* in @u, aes256-gcm v1 active$" <<<"$out" || fail "create: $out"
a=$(js cli-aes .serial)
keyctl rlist @u | tr ' ' '\n' | grep -qx "$a" || fail "cli-aes is not in @u"
[ "$(js cli-aes '[.alg, .active, .versions[0].state, .waiting] | join(" ")')" = "aes256-gcm 1 active 0" ] ||
	fail "cli-aes: $("$ctl" key show cli-aes --json)"
ok "$ctl" key create cli-sig --alg ecdsa-p256 --keyring @s --max-uses 100000 --wait 60 >/dev/null
kr=$(keyctl newring cli-ring @s)
ok "$ctl" key create cli-ecdh --alg ecdh-p256 --keyring "$kr" --wait 60 >/dev/null
refused "@u holds a key of that name already" key create cli-aes --alg aes256-gcm
refused "Unable to find key \`cli-none'" key rotate cli-none
bad "--alg: 'rot13' is not aes256-gcm" key create cli-x --alg rot13
bad "'cli:x' is not a key name" key create cli:x --alg aes256-gcm
bad "--rotate: a period is a number and a unit" key create cli-x --alg aes256-gcm --rotate 10y
bad "'bogus=1': not a policy option" key policy cli-aes bogus=1
bad "VERSION: 'x' is not a number" key retire cli-aes x
bad "which key?" key rotate
! keyctl search @s szkm cli-x >/dev/null 2>&1 || fail "a refused create left a key"

# list: every key, its keyring, what waits.
"$ctl" key list >$T/list
head -1 $T/list | grep -q '^SERIAL  *NAME  *ALG  *ACTIVE  *VERSIONS  *WAITING  *KEYRING$' || fail "list: $(cat $T/list)"
for n in cli-aes cli-sig cli-ecdh; do
	awk '{ print $2 }' $T/list | grep -qx $n || fail "list lacks $n: $(cat $T/list)"
done
"$ctl" key list --json >$T/list.json
[ "$(jq -r '.[] | select(.name | startswith("cli-")) | "\(.name) \(.keyring)"' $T/list.json | sort | tr '\n' ' ')" = \
	"cli-aes @u cli-ecdh $kr cli-sig @s " ] || fail "list --json: $(cat $T/list.json)"
[ "$(jq -r '.[] | select(.name == "cli-aes") | .serial' $T/list.json)" = "$a" ] || fail "list: cli-aes serial"
s=$(js cli-sig .serial)
e=$(js cli-ecdh .serial)

# Data under v1 of each.
ok keyctl pkey_encrypt "$a" 0 $T/m >$T/c1
ok keyctl pkey_sign "$s" 0 $T/dgst hash=sha256 >$T/sig
ok "$ctl" key encrypt cli-ecdh <$T/m >$T/ecies

# With the ledger paused, changes wait, and say so.
kill -STOP "$lp"
out=$(ok "$ctl" key rotate cli-aes)
[ "$out" = "cli-aes: v2 made, pending until the ledger proves it (v1 stays active)" ] || fail "rotate: $out"
[ "$(js cli-aes '[.active, .versions[1].state] | join(" ")')" = "1 pending" ] || fail "rotate: $("$ctl" key show cli-aes)"
out=$(ok "$ctl" key policy cli-sig min_version=1)
[ "$out" = "cli-sig: the policy change (min_version=1) waits for the ledger's proof" ] || fail "policy: $out"
[ "$(js cli-sig .waiting)" = 1 ] || fail "policy: waiting $(js cli-sig .waiting)"
"$ctl" key list | awk '$2 == "cli-sig" || $2 == "cli-aes"' >$T/list
grep -q "cli-aes .* 1 version " $T/list && grep -q "cli-sig .* 1 change " $T/list || fail "list: $(cat $T/list)"
refused "waits for the ledger's proof" key policy cli-sig max_uses=5000
rc=0; "$ctl" key create cli-tmp --alg aes256-gcm --wait 1 >$T/out 2>$T/err || rc=$?
[ $rc = 1 ] && grep -q "cli-tmp: created, .* v1 pending until the ledger proves it" $T/out &&
	grep -q "cli-tmp: still waits for the ledger's proof after 1 s" $T/err || fail "create --wait 1: $rc $(cat $T/out $T/err)"
kill -CONT "$lp"
szkm_wait_ledger cli-aes
until_ok 10 szkm_no_change_waits cli-sig || fail "cli-sig policy still waits"
[ "$(js cli-aes '[.active, .versions[0].state, .versions[1].state] | join(" ")')" = "2 decrypt-only active" ] ||
	fail "after the proof: $("$ctl" key show cli-aes)"
szkm_wait_ledger cli-tmp
keyctl unlink "$(js cli-tmp .serial)" @u >/dev/null
ok keyctl pkey_encrypt "$a" 0 $T/m >$T/c2

# retire: a rotated version is decrypt-only already; the active one and a
# missing one are refused, plainly.
out=$(ok "$ctl" key retire cli-aes 1)
[ "$out" = "cli-aes: v1 is decrypt-only already" ] || fail "retire 1: $out"
refused "cli-aes v2 is the active version: rotate first" key retire cli-aes 2
refused "cli-aes has no version 9" key destroy cli-aes 9
# destroy, waited for: v1 no longer decrypts, v2 does.
out=$(ok "$ctl" key destroy cli-aes 1 --wait 60)
[ "$out" = "cli-aes: v1 destroyed" ] || fail "destroy: $out"
[ "$(js cli-aes '.versions[0].state')" = destroyed ] || fail "destroy: $("$ctl" key show cli-aes)"
! keyctl pkey_decrypt "$a" 0 $T/c1 >/dev/null 2>&1 || fail "destroyed v1 decrypts"
keyctl pkey_decrypt "$a" 0 $T/c2 | cmp -s - $T/m || fail "v2 lost"
# policy, waited for: ledger=async (a test device) makes the next version
# active at once.
out=$(ok "$ctl" key policy cli-aes ledger=async max_uses=1000000 --wait 60)
[ "$out" = "cli-aes: policy changed (ledger=async max_uses=1000000)" ] || fail "policy: $out"
out=$(ok "$ctl" key rotate cli-aes)
[ "$out" = "cli-aes: v3 active" ] || fail "rotate under ledger=async: $out"
[ "$(js cli-aes .active)" = 3 ] || fail "rotate: $("$ctl" key show cli-aes)"

# state save: the device blob and each key's blob, the manifest last.
out=$(ok "$ctl" state save --dir $T/s1 --device /run/szkm-device.blob)
grep -q "^saved the device blob and [0-9]* keys to $T/s1$" <<<"$out" || fail "save: $out"
cmp -s /run/szkm-device.blob $T/s1/device.blob || fail "device blob not copied"
ida=$(js cli-aes .id)
for n in cli-aes cli-sig cli-ecdh; do
	id=$(js $n .id)
	grep -q "^key $id [^ ]* $n$" $T/s1/manifest || fail "manifest lacks $n: $(cat $T/s1/manifest)"
	# Each pipe wraps afresh: the same length, the same hex header.
	keyctl pipe "$(js $n .serial)" >$T/pipe
	[ "$(stat -c %s $T/pipe)" = "$(stat -c %s $T/s1/$id.blob)" ] && cmp -s -n 120 $T/pipe $T/s1/$id.blob ||
		fail "$n: saved blob is not what keyctl pipe gives"
	[ "$(stat -c %a $T/s1/$id.blob)" = 600 ] || fail "$n: blob mode $(stat -c %a $T/s1/$id.blob)"
done
grep -q "^key $ida @u cli-aes$" $T/s1/manifest && grep -q "^key $(js cli-ecdh .id) $kr cli-ecdh$" $T/s1/manifest ||
	fail "manifest keyrings: $(cat $T/s1/manifest)"
# A change after that save: the saved cli-aes blob is an old one now.
ok "$ctl" key rotate cli-aes >/dev/null
ok keyctl pkey_encrypt "$a" 0 $T/m >$T/c4
for n in cli-aes cli-sig cli-ecdh; do js $n .versions >$T/$n.before; done
ok "$ctl" state save --dir $T/s2 --device /run/szkm-device.blob >/dev/null
! ls $T/s2 | grep -v '^\(manifest\|device.blob\|[0-9a-f]\{32\}.blob\)$' || fail "save left other files"
cp -r $T/s2 $T/s3
cp $T/s1/$ida.blob $T/s3/$ida.blob

# A module reload: everything in the kernel is gone, as after a reboot
# (the ledger has every event first: cli-aes's async rotations too).
szkm_wait_drained
ok rmmod szkm
ok szkm_load
[ "$("$ctl" key list --json | jq '[.[] | select(.name | startswith("cli-"))] | length')" = 0 ] ||
	fail "keys survived the reload"
# No ledger running: restore unseals, then says the registry is not ready.
rc=0; "$ctl" state restore --dir $T/s3 --timeout 2 >$T/out 2>$T/err || rc=$?
[ $rc = 1 ] && [ "$(wc -l <$T/err)" = 1 ] &&
	grep -q "^The key registry is not ready after 2 s (registry: none): ledgerd or szkmctl events listen --ack must prove the resume" $T/err ||
	fail "restore without a ledger: $rc $(cat $T/out $T/err)"
grep -q "^device unsealed$" $T/out || fail "restore did not unseal: $(cat $T/out)"
# With the ledger back, restore waits for the proof, then loads the keys:
# the old cli-aes blob is refused with the reason, the others load.
"$ctl" state restore --dir $T/s3 --timeout 60 >$T/r3 2>&1 &
rp=$!
szkm_listener_up
rc=0; wait $rp || rc=$?
[ $rc = 1 ] || fail "restore with an old blob: exit $rc: $(cat $T/r3)"
grep -q "^key cli-aes: the kernel refused $T/s3/$ida.blob: it is older than the key's last change (rollback refused" $T/r3 &&
	grep -q "^key cli-sig: loaded into @s (serial [0-9]*)$" $T/r3 &&
	grep -q "^key cli-ecdh: loaded into $kr (serial [0-9]*)$" $T/r3 &&
	grep -q "^restored 2 of 3 keys from $T/s3 (0 live already, 1 refused)$" $T/r3 || fail "restore: $(cat $T/r3)"
dmesg | grep -q "load 'cli-aes': blob is from event [0-9]*, the key's last change is event [0-9]*: an older blob (rollback refused)" ||
	fail "no rollback line in the kernel log"
# The current folder: cli-aes loads, the live ones are skipped.
out=$(ok "$ctl" state restore --dir $T/s2)
grep -q "^key cli-aes: loaded into @u (serial [0-9]*)$" <<<"$out" &&
	grep -q "^key cli-sig: live already (serial [0-9]*); skipped$" <<<"$out" &&
	grep -q "^restored 1 of 3 keys from $T/s2 (2 live already, 0 refused)$" <<<"$out" || fail "restore: $out"

# Every key back, in its keyring, as it was, and working on old data.
"$ctl" key list --json >$T/list.json
[ "$(jq -r '.[] | select(.name | startswith("cli-")) | "\(.name) \(.keyring)"' $T/list.json | sort | tr '\n' ' ')" = \
	"cli-aes @u cli-ecdh $kr cli-sig @s " ] || fail "after restore: $(cat $T/list.json)"
for n in cli-aes cli-sig cli-ecdh; do
	js $n .versions | cmp -s - $T/$n.before || fail "$n changed: $(js $n .versions)"
done
a=$(js cli-aes .serial); s=$(js cli-sig .serial); e=$(js cli-ecdh .serial)
keyctl pkey_decrypt "$a" 0 $T/c2 | cmp -s - $T/m || fail "v2 data lost across the restore"
keyctl pkey_decrypt "$a" 0 $T/c4 | cmp -s - $T/m || fail "v4 data lost across the restore"
! keyctl pkey_decrypt "$a" 0 $T/c1 >/dev/null 2>&1 || fail "destroyed v1 came back"
ok keyctl pkey_verify "$s" 0 $T/dgst $T/sig hash=sha256
keyctl pkey_decrypt "$e" 0 $T/ecies | cmp -s - $T/m || fail "ECIES data lost across the restore"
ok "$ctl" key rotate cli-sig --wait 60 >/dev/null
dmesg_clean
