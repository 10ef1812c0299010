#!/usr/bin/env bash
# Builds the guest's first stage: busybox plus the virtio/9p/overlay modules
# of the guest kernel, and an /init that mounts the host root read-only over
# 9p under a tmpfs overlay and switch_roots into it (tests/vm/stage1-init).
#   initramfs.sh <image root> <release> <output.cpio.gz>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$1 rel=$2 out=$3
mods="virtio_pci 9pnet_virtio 9p overlay"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,dev,proc,sys,host,rw,newroot,lib/mod}
cp /bin/busybox "$work/bin/busybox"
install -m 0755 "$here/stage1-init" "$work/init"

# modprobe resolves the dependency order against the unpacked image; the
# initramfs gets plain .ko files (busybox insmod cannot decompress).
: >"$work/modules.order"
for m in $mods; do
	/sbin/modprobe -d "$root" -S "$rel" --show-depends "$m" | while read -r kind path _; do
		[ "$kind" = insmod ] || continue
		name=$(basename "$path"); name=${name%.xz}
		grep -qx "$name" "$work/modules.order" && continue
		case "$path" in
		*.xz) xz -dc "$path" >"$work/lib/mod/$name" ;;
		*) cp "$path" "$work/lib/mod/$name" ;;
		esac
		echo "$name" >>"$work/modules.order"
	done
done
(cd "$work" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
