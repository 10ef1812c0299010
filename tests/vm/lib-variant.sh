# build_variant <flag> <dir>: szkm.ko again, from the same sources, built
# with the test-only -D<flag> in <dir>; prints its path. kmod/szkm.ko must
# be the same module but for the flag: for the same kernel ($KVER), and
# from the same sources (modpost sums kmod/'s sources into srcversion; not
# the flags, nor include/). Sourced by host tests (h/*.sh) after they
# define fail() and $top.
build_variant() {
	local flag=$1 src=$2/src-$1 kdir
	kdir=$("$top/scripts/kernel.sh" kdir "$KVER") || fail "no kernel headers for $KVER (make deps)"
	mkdir -p "$src"
	cp -r "$top/Kbuild" "$top/kmod" "$top/include" "$top/VERSION" "$src/"
	make -s -C "$kdir" M="$src" clean >/dev/null
	make -s -j2 -C "$kdir" M="$src" modules KCFLAGS="-D$flag" >"$2/build-$flag.log" 2>&1 ||
		{ tail -20 "$2/build-$flag.log" >&2; fail "building the module with -D$flag failed"; }
	field() { /sbin/modinfo -F "$1" "$2" | cut -d' ' -f1; }
	[ "$(field vermagic "$src/kmod/szkm.ko")" = "$(field vermagic "$top/kmod/szkm.ko")" ] ||
		fail "kmod/szkm.ko was built for $(field vermagic "$top/kmod/szkm.ko"), not $(field vermagic "$src/kmod/szkm.ko") (make KVER=$KVER)"
	[ "$(field srcversion "$src/kmod/szkm.ko")" = "$(field srcversion "$top/kmod/szkm.ko")" ] ||
		fail "kmod/szkm.ko is not built from the sources now in kmod/ (make KVER=$KVER)"
	echo "$src/kmod/szkm.ko"
}

# variant_step <flag> <step>: tests/vm/steps/<step>.sh in one boot of this
# module built with -D<flag> (lock_pcr=16), in a folder removed on exit.
variant_step() {
	local d ko
	d=$(mktemp -d); trap 'rm -rf "'"$d"'"' EXIT
	ko=$(build_variant "$1" "$d")
	"$top/tests/vm/run.sh" --kver "$KVER" --module "$ko" --params lock_pcr=16 --timeout 1500 \
		"$top/tests/vm/steps/$2.sh"
}
