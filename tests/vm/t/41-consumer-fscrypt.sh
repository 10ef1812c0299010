# fscrypt through fscrypt-provisioning keys: a version provisioned as
# "fscrypt" is added to an ext4 filesystem by key id (FS_IOC_ADD_ENCRYPTION_KEY,
# v2 policy); with the key removed, names and contents are unreadable; added
# again, they read back. The key is never readable, is refused as a logon
# key, and each version gives its own fscrypt key. Destroying a version
# kills its fscrypt-provisioning key; the other version's still adds.
szkm_device_up
modprobe -a loop ext4 2>/dev/null || modprobe loop
tool=$SZKM_TOP/build/bin/fscrypt_tool
s=$(keyctl id @s)

k=$(szkm_add home "new aes256-gcm" @s)
ok keyctl update "$k" "provision 1 fscrypt $s"
kid=$(ok keyctl search @s fscrypt-provisioning szkm:home:v1)
grep "^$(printf %08x "$kid") " /proc/keys | grep -q 'fscrypt-p szkm:home:v1: 72 \[2\]$' ||
	fail "/proc/keys: $(grep szkm:home /proc/keys)"
for op in read print pipe; do
	keyctl $op "$kid" >/dev/null 2>&1 && fail "keyctl $op of the fscrypt key succeeded"
done
perm=$(keyctl rdescribe "$kid" | cut -d';' -f4)
[ $((0x$perm & 0x02020202)) = 0 ] || fail "fscrypt key grants Read (perm $perm)"

truncate -s 64M $T/fs.img
ok mkfs.ext4 -q -F -b 4096 -E nodiscard -O encrypt $T/fs.img
l=$(ok losetup -f --show $T/fs.img)
mkdir $T/mnt
ok mount -t ext4 "$l" $T/mnt
m=$T/mnt

id=$(ok "$tool" add $m "$kid")
[[ $id =~ ^[0-9a-f]{32}$ ]] || fail "identifier: $id"
[ "$("$tool" status $m "$id")" = present ] || fail "key not present after add"
mkdir $m/d
ok "$tool" set_policy $m/d "$id"
[ "$("$tool" get_policy $m/d)" = "$id" ] || fail "policy does not name the key"
head -c 100000 /dev/urandom >$T/blob
echo "secret words in a file" >$m/d/letter.txt
cp $T/blob $m/d/blob.bin
mkdir $m/d/sub && echo nested >$m/d/sub/n.txt
sync

# Key removed: names become no-key names, contents and new files refused.
# An inode still held (writeback under load) leaves the removal incomplete;
# as fscrypt(1) does, drop the caches and remove again to finish it.
r=$("$tool" remove $m "$id")
if [ "$r" = "removed, but files still in use" ]; then
	echo "key removal incomplete (files still in use): dropping caches, removing again"
	sync; echo 2 >/proc/sys/vm/drop_caches
	r=$("$tool" remove $m "$id")
fi
[ "$r" = removed ] || fail "key removal incomplete: $r"
[ "$("$tool" status $m "$id")" = absent ] || fail "key still present after remove"
ls $m/d >$T/names
[ "$(wc -l <$T/names)" = 3 ] || fail "listing without key: $(cat $T/names)"
grep -qE 'letter|blob|sub' $T/names && fail "plaintext names visible without the key: $(cat $T/names)"
# A regular file's no-key name (listing order varies; "sub" is a directory).
enc=$(cd $m/d && find . -maxdepth 1 -type f | head -1 | cut -c3-)
refuses "Required key not available" cat "$m/d/$enc"
for f in $(cat $T/names); do
	cat "$m/d/$f" 2>/dev/null | grep -q "secret words" && fail "contents readable without the key"
done
refuses "Required key not available" touch $m/d/new.txt
grep -rq "secret words" $T/mnt 2>/dev/null && fail "plaintext found without the key"

# Added again by key id: everything reads back.
[ "$("$tool" add $m "$kid")" = "$id" ] || fail "re-added key has another identifier"
[ "$(cat $m/d/letter.txt)" = "secret words in a file" ] || fail "letter unreadable after re-adding the key"
cmp -s $T/blob $m/d/blob.bin || fail "blob differs after re-adding the key"
[ "$(cat $m/d/sub/n.txt)" = nested ] || fail "nested file lost"

# Unmount and mount again (keys in the filesystem keyring are gone): the
# provisioned key restores access.
ok umount $m
ok mount -t ext4 "$l" $m
[ "$("$tool" status $m "$id")" = absent ] || fail "key survived unmount"
ok "$tool" add $m "$kid" >/dev/null
cmp -s $T/blob $m/d/blob.bin || fail "blob differs after remount"

# Versions: after rotation v1 gives the same fscrypt key, v2 another one.
szkm_rotate "$k"
ok keyctl update "$k" "provision 1 fscrypt $s"
kid1=$(ok keyctl search @s fscrypt-provisioning szkm:home:v1)
[ "$("$tool" add $m "$kid1")" = "$id" ] || fail "v1 after rotation gives another key"
ok keyctl update "$k" "provision 2 fscrypt $s"
kid2=$(ok keyctl search @s fscrypt-provisioning szkm:home:v2)
id2=$(ok "$tool" add $m "$kid2")
[ "$id2" != "$id" ] || fail "v2 gives the same fscrypt key as v1"
mkdir $m/d2 && ok "$tool" set_policy $m/d2 "$id2"
echo v2 >$m/d2/f && sync
ok "$tool" remove $m "$id2" >/dev/null
refuses "Required key not available" cat $m/d2/"$(ls $m/d2)"
[ "$(cat $m/d/letter.txt)" = "secret words in a file" ] || fail "v1 files lost when v2 key removed"

# A logon key is no fscrypt key: fscrypt refuses it.
ok keyctl update "$k" "provision 2 logon $s"
lid=$(ok keyctl search @s logon szkm:home:v2)
refuses "Key was rejected" "$tool" add $m "$lid"

# Destroying v1: its provisioned key is gone, by name and by key id, so
# FS_IOC_ADD_ENCRYPTION_KEY cannot add v1's key any more; v2's still adds
# and opens v2's files.
szkm_change "$k" "destroy 1"
keyctl search @s fscrypt-provisioning szkm:home:v1 >/dev/null 2>&1 &&
	fail "v1's fscrypt key still found after destroy 1"
refuses "Required key not available" keyctl describe "$kid1"
refuses "Required key not available" "$tool" add $m "$kid1"
dmesg | grep -q "invalidated fscrypt-provisioning key $kid1 \"szkm:home:v1\": its version is destroyed" ||
	fail "no kernel message for key $kid1"
[ "$("$tool" add $m "$kid2")" = "$id2" ] || fail "v2's key no longer adds after destroy 1"
[ "$(cat $m/d2/f)" = v2 ] || fail "v2 files unreadable after destroy 1"

ok umount $m
losetup -d "$l"
dmesg_clean
