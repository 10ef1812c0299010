# aes256-gcm keys through keyctl: encrypt/decrypt round trip, the version
# in the ciphertext header, rotation keeping old versions for old data,
# retire/destroy, the sealed blob (pipe -> load) and tampering refused.
szkm_device_up
k=$(szkm_add db "new aes256-gcm" @s)
keyctl pkey_query "$k" 0 | grep -q 'encrypt=y' || fail "query: $(keyctl pkey_query "$k" 0)"
keyctl pkey_query "$k" 0 | grep -q 'decrypt=y' || fail "query"
head -c 4096 /dev/urandom >$T/m
ok keyctl pkey_encrypt "$k" 0 $T/m >$T/c1
[ "$(stat -c %s $T/c1)" = $((4096 + 36)) ] || fail "ciphertext size $(stat -c %s $T/c1)"
[ "$(ct_version $T/c1)" = 1 ] || fail "ciphertext does not name v1"
keyctl pkey_decrypt "$k" 0 $T/c1 >$T/p1
cmp -s $T/m $T/p1 || fail "round trip differs"
ok keyctl pkey_encrypt "$k" 0 $T/m >$T/c1b
! cmp -s $T/c1 $T/c1b || fail "two encryptions gave the same ciphertext"

# Tampering with any part of the ciphertext is refused.
for off in 0 2 5 10 30 4100; do
	cp $T/c1 $T/ct; flip_byte $T/ct $off
	! keyctl pkey_decrypt "$k" 0 $T/ct >/dev/null 2>&1 || fail "tampered ciphertext (byte $off) decrypted"
done

# Rotation: new data under v2, old data still opens with v1.
szkm_rotate "$k"
grep "^$(printf %08x "$k") " /proc/keys | grep -q 'db: aes256-gcm v2 id=' || fail "/proc/keys: $(grep szkm /proc/keys)"
ok keyctl pkey_encrypt "$k" 0 $T/m >$T/c2
[ "$(ct_version $T/c2)" = 2 ] || fail "new ciphertext does not name v2"
keyctl pkey_decrypt "$k" 0 $T/c1 | cmp -s - $T/m || fail "v1 data lost after rotation"
refuses "Device or resource busy" keyctl update "$k" "destroy 2"
refuses "No such file" keyctl update "$k" "destroy 9"

# The blob: hex; while the key is live it loads nowhere else (one key
# object per key id: t/62-rollback.sh has the round trip), nor under
# another name.
keyctl pipe "$k" >$T/blob
grep -qE '^[0-9a-f]+$' $T/blob || fail "blob is not hex"
kr=$(keyctl newring r2 @s)
refuses "File exists" keyctl add szkm db "load $(cat $T/blob)" "$kr"
dmesg | grep -q "load 'db': the key is live already; one blob loads once" || fail "no clear message for a live key"
refuses "rejected" keyctl add szkm other "load $(cat $T/blob)" "$kr"

# One flipped byte anywhere in the blob: refused, nothing created.
n=$(($(stat -c %s $T/blob) / 2))
for off in 0 5 12 40 70 $((n - 1)); do
	python3 - "$off" "$T/blob" <<'PY' >$T/bad
import sys
b = bytearray(bytes.fromhex(open(sys.argv[2]).read()))
b[int(sys.argv[1])] ^= 1
print(b.hex(), end='')
PY
	! keyctl add szkm db "load $(cat $T/bad)" "$kr" >/dev/null 2>&1 || fail "blob with byte $off flipped was loaded"
done
refuses "Invalid argument" keyctl add szkm db "load $(head -c 100 $T/blob)" "$kr"

# Destroy v1: its data no longer opens, v2 still does; metadata kept.
szkm_change "$k" "destroy 1"
! keyctl pkey_decrypt "$k" 0 $T/c1 >/dev/null 2>&1 || fail "destroyed v1 still decrypts"
keyctl pkey_decrypt "$k" 0 $T/c2 | cmp -s - $T/m || fail "v2 lost"
dmesg | grep -q "decrypt 'db': version 1 is destroyed" || fail "no clear message for destroyed version"

# min_version refuses older versions.
szkm_rotate "$k"
szkm_change "$k" "set min_version=3"
! keyctl pkey_decrypt "$k" 0 $T/c2 >/dev/null 2>&1 || fail "min_version not enforced"
dmesg_clean
