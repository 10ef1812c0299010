# dm-crypt through logon keys: a version provisioned as "logon" (32 bytes)
# or "logon-xts" (64 bytes), each derived with HKDF under its own label as
# include/szkm.h says, never the AEAD key itself, opens a dm-crypt
# mapping by keyring reference; the logon key is never readable; data
# survives removing and re-creating the mapping; after a rotation v1 still
# opens the old volume and v2 a new one; destroying v1 kills every key
# provisioned from it, and only those; a version tracks at most 8 copies;
# unloading the module (freeing the szkm key) leaves the copies working;
# bad provisions are refused.
szkm_device_up
modprobe -a dm-crypt loop
export DM_DISABLE_UDEV=1	# no udev in the guest: libdevmapper makes the nodes
s=$(keyctl id @s)

# An imported key with a known secret, so the test can check what the
# consumers receive; a generated key behaves the same.
secret=00112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210
k=$(szkm_add vol "import aes256-gcm $secret" @s)
hkdf() { # <info> <len>: HKDF-SHA256(no salt, secret, info) as hex
	python3 - "$secret" "$1" "$2" <<'PY'
import hashlib, hmac, sys
ikm, info, n = bytes.fromhex(sys.argv[1]), sys.argv[2].encode(), int(sys.argv[3])
prk = hmac.new(b"\0" * 32, ikm, hashlib.sha256).digest()
out, t, i = b"", b"", 1
while len(out) < n:
    t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest(); out += t; i += 1
print(out[:n].hex())
PY
}
info=$(sed -n 's/^#define SZKM_XTS_INFO[[:space:]]*"\([^"]*\)".*/\1/p' "$SZKM_TOP/include/szkm.h")
[ -n "$info" ] || fail "SZKM_XTS_INFO not found in include/szkm.h"
logon_info=$(sed -n 's/^#define SZKM_LOGON_INFO[[:space:]]*"\([^"]*\)".*/\1/p' "$SZKM_TOP/include/szkm.h")
[ -n "$logon_info" ] || fail "SZKM_LOGON_INFO not found in include/szkm.h"

new_loop() { # <file> <MiB>: a loop device over a fresh file
	truncate -s "$2M" "$1"
	losetup -f --show "$1"
}
sectors() { blockdev --getsz "$1"; }
mk() { # <name> <cipher> <key> <dev>
	dmsetup create "$1" --table "0 $(sectors "$4") crypt $2 $3 0 $4 0"
}
put() { dd if="$1" of="/dev/mapper/$2" bs=64k oflag=direct conv=fsync status=none; }
same() { # <file> <mapping>: the mapping starts with the file's bytes
	cmp -s -n "$(stat -c %s "$1")" "$1" "/dev/mapper/$2"
}
head -c 1048576 /dev/urandom >$T/data

# logon-xts: a 64-byte logon key, never readable.
ok keyctl update "$k" "provision 1 logon-xts $s"
id=$(ok keyctl search @s logon szkm:vol:v1)
keyctl rdescribe "$id" | grep -q '^logon;0;0;[0-9a-f]*;szkm:vol:v1$' || fail "describe: $(keyctl rdescribe "$id")"
grep "^$(printf %08x "$id") " /proc/keys | grep -q 'logon .*szkm:vol:v1: 64$' || fail "/proc/keys: $(grep szkm:vol /proc/keys)"
perm=$(keyctl rdescribe "$id" | cut -d';' -f4)
[ $((0x$perm & 0x02020202)) = 0 ] || fail "logon key grants Read (perm $perm)"
for op in read print pipe; do
	keyctl $op "$id" >$T/o 2>&1 && fail "keyctl $op of the logon key succeeded"
	grep -qi "${secret:0:16}" $T/o && fail "keyctl $op shows the secret"
done
dmesg | grep -qi "${secret:0:16}" && fail "the kernel log shows the secret"
dmesg | grep -q "provisioned 'vol' v1 as logon-xts key $id \"szkm:vol:v1\"" || fail "no provision message"
# The provision is on record: an event the ledger (here the listener) holds.
provision_recorded() { grep -q "key-provision-logon-xts key=vol v=1 .*verified$" /run/szkm-listen.log; }
until_ok 10 provision_recorded || fail "no key-provision-logon-xts event: $(tail -3 /run/szkm-listen.log)"

# A dm-crypt aes-xts volume keyed by it: data written, the mapping removed
# and re-created, the same data read back; the disk holds ciphertext.
l1=$(ok new_loop $T/disk1 8)
ok mk x1 aes-xts-plain64 :64:logon:szkm:vol:v1 "$l1"
ok put $T/data x1
ok dmsetup remove x1
! cmp -s -n 1048576 $T/data "$l1" || fail "the disk holds plaintext"
ok mk x1 aes-xts-plain64 :64:logon:szkm:vol:v1 "$l1"
same $T/data x1 || fail "aes-xts volume lost its data"
dmsetup table --showkeys x1 | grep -q ':64:logon:szkm:vol:v1 ' || fail "table: $(dmsetup table --showkeys x1)"
ok dmsetup remove x1
# The logon key is HKDF(secret, SZKM_XTS_INFO): the hex key opens the volume too.
ok mk x1h aes-xts-plain64 "$(hkdf "$info" 64)" "$l1"
same $T/data x1h || fail "logon-xts key is not HKDF-SHA256(secret, \"$info\")"
ok dmsetup remove x1h
# A 32-byte table does not take the 64-byte key.
! mk bad aes-cbc-essiv:sha256 :32:logon:szkm:vol:v1 "$l1" 2>/dev/null || fail "size mismatch accepted"

# logon: the same description, now 32 bytes (provisioning replaces it);
# the keyring named as keyctl(1) names it.
ok keyctl update "$k" "provision 1 logon @s"
[ "$(keyctl search @s logon szkm:vol:v1)" = "$id" ] || fail "provision did not update the logon key in place"
grep "^$(printf %08x "$id") " /proc/keys | grep -q 'szkm:vol:v1: 32$' || fail "logon key is not 32 bytes"
l2=$(ok new_loop $T/disk2 8)
ok mk c1 aes-cbc-essiv:sha256 :32:logon:szkm:vol:v1 "$l2"
ok put $T/data c1
ok dmsetup remove c1
ok mk c1 aes-cbc-essiv:sha256 :32:logon:szkm:vol:v1 "$l2"
same $T/data c1 || fail "aes-cbc-essiv volume lost its data"
ok dmsetup remove c1
# The logon key is HKDF(secret, SZKM_LOGON_INFO), never the AEAD key: the
# derived key opens the volume, the version's secret itself does not.
ok mk c1h aes-cbc-essiv:sha256 "$(hkdf "$logon_info" 32)" "$l2"
same $T/data c1h || fail "logon key is not HKDF(secret, SZKM_LOGON_INFO)"
ok dmsetup remove c1h
ok mk c1s aes-cbc-essiv:sha256 "$secret" "$l2"
! same $T/data c1s || fail "the logon key is the AEAD key itself"
ok dmsetup remove c1s

# Rotation: v1 (now decrypt-only) still opens the old volume; v2 a new one.
szkm_rotate "$k"
ok keyctl unlink "$id" @s
ok keyctl update "$k" "provision 1 logon-xts $s"
ok mk x1 aes-xts-plain64 :64:logon:szkm:vol:v1 "$l1"
same $T/data x1 || fail "v1 no longer opens the old volume after rotation"
ok dmsetup remove x1
ok keyctl update "$k" "provision 2 logon-xts $s"
ok keyctl search @s logon szkm:vol:v2 >/dev/null
l3=$(ok new_loop $T/disk3 8)
ok mk x2 aes-xts-plain64 :64:logon:szkm:vol:v2 "$l3"
ok put $T/data x2
ok dmsetup remove x2
ok mk x2 aes-xts-plain64 :64:logon:szkm:vol:v2 "$l3"
same $T/data x2 || fail "v2 volume lost its data"
ok dmsetup remove x2
ok mk x2old aes-xts-plain64 :64:logon:szkm:vol:v2 "$l1"
! same $T/data x2old || fail "v2 opens the v1 volume: versions share a key"
ok dmsetup remove x2old

# A provisioned key in another keyring, named by its serial.
kr=$(ok keyctl newring consumers @s)
ok keyctl update "$k" "provision 2 logon $kr"
ok keyctl search "$kr" logon szkm:vol:v2 >/dev/null

# Destroying v1 kills each of its copies wherever it went: provisioned into
# @s and into another keyring, linked by hand into a third, provisioned and
# then unlinked from everywhere (known only by its serial), and the first
# one, unlinked after the rotation. dm-crypt no longer loads v1, nothing
# links a copy back; v2's copies and volume are untouched.
ok keyctl update "$k" "provision 1 logon-xts $s"
v1=$(ok keyctl search @s logon szkm:vol:v1)
kr1=$(ok keyctl newring v1-copies @s)
ok keyctl update "$k" "provision 1 logon-xts $kr1"
c1=$(ok keyctl search "$kr1" logon szkm:vol:v1)
[ "$c1" != "$v1" ] || fail "two keyrings share one provisioned key"
kl=$(ok keyctl newring v1-linked @s)
ok keyctl link "$v1" "$kl"
hide=$(ok keyctl newring v1-hidden @s)
ok keyctl update "$k" "provision 1 logon $hide"
h=$(ok keyctl search "$hide" logon szkm:vol:v1)
ok keyctl unlink "$h" "$hide"
ok mk x1 aes-xts-plain64 :64:logon:szkm:vol:v1 "$l1"
same $T/data x1 || fail "v1 does not open its volume before the destroy"
szkm_change "$k" "destroy 1"
# A mapping made before holds its own copy of the key (see szkmctl(8)).
dd if=/dev/mapper/x1 bs=64k count=16 iflag=direct status=none | cmp -s - $T/data ||
	fail "the open v1 mapping lost its data at destroy 1"
ok dmsetup remove x1
for ring in "$s" "$kr1" "$kl"; do
	keyctl search "$ring" logon szkm:vol:v1 >/dev/null 2>&1 &&
		fail "keyring $ring still gives v1's logon key after destroy 1"
done
for key in "$v1" "$c1" "$h" "$id"; do
	refuses "Required key not available" keyctl describe "$key"
	keyctl link "$key" @s 2>/dev/null && fail "v1's key $key linked back after destroy 1"
done
! mk x1 aes-xts-plain64 :64:logon:szkm:vol:v1 "$l1" 2>/dev/null ||
	fail "dm-crypt loaded v1's key after destroy 1"
for key in "$v1" "$c1"; do
	dmesg | grep -q "invalidated logon key $key \"szkm:vol:v1\": its version is destroyed" ||
		fail "no kernel message for key $key"
done
ok keyctl search @s logon szkm:vol:v2 >/dev/null
ok keyctl search "$kr" logon szkm:vol:v2 >/dev/null
ok mk x2 aes-xts-plain64 :64:logon:szkm:vol:v2 "$l3"
same $T/data x2 || fail "v2 volume unreadable after destroy 1"
ok dmsetup remove x2

# Refused, each with a clear message.
reason() { dmesg | tail -5 | grep -qF "$1" || fail "no kernel message '$1'"; }
refuses "Invalid argument" keyctl update "$k" "provision 9 logon $s"
reason "provision 'vol': no version 9"
refuses "Invalid argument" keyctl update "$k" "provision 1 logon $s"
reason "provision 'vol': version 1 is destroyed"
e=$(szkm_add sig "new ecdsa-p256" @s)
refuses "Invalid argument" keyctl update "$e" "provision 1 logon $s"
reason "only aes256-gcm keys can be provisioned, this one is ecdsa-p256"
ro=$(ok keyctl newring readonly @s)
ok keyctl setperm "$ro" 0x3b000000	# possessor: all but Write
refuses "Permission denied" keyctl update "$k" "provision 2 logon $ro"
reason "does not grant Write permission"
refuses "Not a directory" keyctl update "$k" "provision 2 logon $k"
reason "is not a keyring"
refuses "Required key not available" keyctl update "$k" "provision 2 logon 123456789"
for bad in "provision" "provision 2" "provision 2 logon" "provision x logon $s" \
	   "provision 0 logon $s" "provision 2 tape $s" "provision 2 logon @x" "provision 2 logon @" \
	   "provision 2 logon $s extra" "provision -1 logon $s"; do
	refuses "Invalid argument" keyctl update "$k" "$bad"
done
keyctl search @s logon szkm:vol:v9 >/dev/null 2>&1 && fail "a refused provision left a key"

# A version tracks at most 8 copies (SZKM_PROV_MAX): provisioning into the
# same keyring again takes no new place, a ninth keyring is refused and
# keeps no key, and a copy its owner revoked makes room.
m=$(szkm_add many "new aes256-gcm" @s)
for i in 1 2 3 4 5 6 7 8; do
	r=$(ok keyctl newring "many$i" @s)
	ok keyctl update "$m" "provision 1 logon $r"
	[ "$i" = 1 ] && r1=$r
done
ok keyctl update "$m" "provision 1 logon $r1"
r9=$(ok keyctl newring many9 @s)
refuses "No space left on device" keyctl update "$m" "provision 1 logon $r9"
reason "provision 'many' v1: 8 copies of it are in use already"
keyctl search "$r9" logon szkm:many:v1 >/dev/null 2>&1 && fail "a refused ninth copy is usable"
ok keyctl revoke "$(keyctl search "$r1" logon szkm:many:v1)"
ok keyctl update "$m" "provision 1 logon $r9"
ok keyctl search "$r9" logon szkm:many:v1 >/dev/null

# Unloading the module frees every szkm key (synchronously, before rmmod
# returns): that is no destroy, and v2's logon keys still open its volume.
ok rmmod szkm
ok keyctl search "$kr" logon szkm:vol:v2 >/dev/null
ok mk x2 aes-xts-plain64 :64:logon:szkm:vol:v2 "$l3"
same $T/data x2 || fail "v2 volume unreadable after the szkm key was freed"
ok dmsetup remove x2
cat /proc/keys >/dev/null
ok szkm_load

for l in $l1 $l2 $l3; do losetup -d "$l"; done
dmesg_clean
