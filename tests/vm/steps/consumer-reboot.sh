# Step of h/40-consumer-reboot.sh. "make": a device, an aes256-gcm key, a
# dm-crypt aes-xts volume under v1, a rotation, an aes-cbc-essiv volume
# under v2 and an fscrypt directory under v1, all on files in the share,
# with the device and key blobs. "same" (same TPM, after reboot): unseal,
# load the key, provision the versions again: every volume opens with its
# data, the fscrypt files read back.
sh=$SZKM_SHARE
mode=$(cat "$sh/mode")
# The listener's state (last event seen) survives the reboot with the blobs.
SZKM_LISTEN_STATE=$sh/listen.state
s=$(keyctl id @s)
tool=$SZKM_TOP/build/bin/fscrypt_tool
export DM_DISABLE_UDEV=1
modprobe -a dm-crypt loop
modprobe ext4 2>/dev/null || true
vol() { # <file> <mapping> <cipher> <key>: maps the volume, echoes the loop device
	local l
	l=$(losetup -f --show "$1") || return 1
	dmsetup create "$2" --table "0 $(blockdev --getsz "$l") crypt $3 $4 0 $l 0" || return 1
	echo "$l"
}
unvol() { dmsetup remove "$1" && losetup -d "$2"; }
same() { cmp -s -n "$(stat -c %s "$1")" "$1" "/dev/mapper/$2"; }
case $mode in
make)
	ok "$SZKMCTL" device init --out "$sh/device.blob" >/dev/null
	szkm_listener_up
	k=$(szkm_add disk "new aes256-gcm" @s)
	head -c 1048576 /dev/urandom >"$sh/data"
	truncate -s 4M "$sh/v1.img" "$sh/v2.img"
	ok keyctl update "$k" "provision 1 logon-xts $s"
	l=$(ok vol "$sh/v1.img" v1 aes-xts-plain64 :64:logon:szkm:disk:v1)
	ok dd if="$sh/data" of=/dev/mapper/v1 bs=64k oflag=direct conv=fsync status=none
	ok unvol v1 "$l"
	szkm_rotate "$k"
	ok keyctl update "$k" "provision 2 logon $s"
	l=$(ok vol "$sh/v2.img" v2 aes-cbc-essiv:sha256 :32:logon:szkm:disk:v2)
	ok dd if="$sh/data" of=/dev/mapper/v2 bs=64k oflag=direct conv=fsync status=none
	ok unvol v2 "$l"
	# fscrypt: an ext4 image with a directory under v1 (decrypt-only now).
	truncate -s 32M "$sh/fs.img"
	ok mkfs.ext4 -q -F -b 4096 -E nodiscard -O encrypt "$sh/fs.img"
	l=$(ok losetup -f --show "$sh/fs.img")
	mkdir -p /mnt/fs && ok mount -t ext4 "$l" /mnt/fs
	ok keyctl update "$k" "provision 1 fscrypt $s"
	id=$(ok "$tool" add /mnt/fs "$(keyctl search @s fscrypt-provisioning szkm:disk:v1)")
	mkdir /mnt/fs/d && ok "$tool" set_policy /mnt/fs/d "$id"
	cp "$sh/data" /mnt/fs/d/data
	ok umount /mnt/fs && losetup -d "$l"
	keyctl pipe "$k" >"$sh/disk.blob"
	sync ;;
same)
	ok "$SZKMCTL" device unseal --in "$sh/device.blob" >/dev/null
	szkm_listener_up
	k=$(szkm_add disk "load $(cat "$sh/disk.blob")" @s)
	ok keyctl update "$k" "provision 1 logon-xts $s"
	l=$(ok vol "$sh/v1.img" v1 aes-xts-plain64 :64:logon:szkm:disk:v1)
	same "$sh/data" v1 || fail "v1 volume differs after reboot"
	ok unvol v1 "$l"
	ok keyctl update "$k" "provision 2 logon $s"
	l=$(ok vol "$sh/v2.img" v2 aes-cbc-essiv:sha256 :32:logon:szkm:disk:v2)
	same "$sh/data" v2 || fail "v2 volume differs after reboot"
	ok unvol v2 "$l"
	l=$(ok losetup -f --show "$sh/fs.img")
	mkdir -p /mnt/fs && ok mount -t ext4 "$l" /mnt/fs
	refuses "Required key not available" cat /mnt/fs/d/"$(ls /mnt/fs/d)"
	ok keyctl update "$k" "provision 1 fscrypt $s"
	ok "$tool" add /mnt/fs "$(keyctl search @s fscrypt-provisioning szkm:disk:v1)" >/dev/null
	cmp -s "$sh/data" /mnt/fs/d/data || fail "fscrypt file differs after reboot"
	ok umount /mnt/fs && losetup -d "$l" ;;
*) fail "unknown mode $mode" ;;
esac
dmesg_clean
