#!/usr/bin/env bash
# make demo: the szkm story in one run, for a newcomer. The QEMU guest
# (tests/vm/run.sh) boots twice on one swtpm TPM and one shared folder,
# its disk: boot-1.sh makes a TPM-bound device, ledgerd, keys, a verified
# signature, a rotation and the saved state; boot-2.sh, after the reboot,
# brings it all back and catches tampering. The story is printed as the
# guest tells it; then tests/demo/html.sh renders it, with the key's
# proven history, as build/demo/index.html. Exits non-zero as soon as a
# step does not hold.
#
#   tests/demo/run.sh [KVER]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
kver=${1:-6.1}
# The guest reaches the kernel image through the host's root: give it the
# cache's real path (in a git worktree .cache is a symlink).
CACHE=$(readlink -f "${CACHE:-$top/.cache}")
export CACHE
out=$top/build/demo
d=$(mktemp -d /tmp/szkm-demo.XXXXXX)
trap 'rm -rf "$d"' EXIT
mkdir -p "$d/tpm" "$d/share" "$out"
rm -f "$out"/*

# The story so far, and the guest's own report when a boot failed, stay
# in build/demo for a look afterwards.
keep() { cp "$d"/share/story-*.txt "$d"/share/timing-*.txt "$d"/share/history*.json "$d"/run-*.log "$out/" 2>/dev/null || true; }

# boot N: runs boot-N.sh in the guest, printing its story as it grows.
secs=()
boot() {
	local n=$1 t0=$SECONDS rc=0 qpid tpid
	: >"$d/share/story-$n.txt"
	"$top/tests/vm/run.sh" --kver "$kver" --tpm "$d/tpm" --share "$d/share" --timeout 600 \
		"$top/tests/demo/boot-$n.sh" >"$d/run-$n.log" 2>&1 &
	qpid=$!
	tail -n +1 -s 0.5 -f --pid=$qpid "$d/share/story-$n.txt" &
	tpid=$!
	wait $qpid || rc=$?
	wait $tpid || true
	secs[n]=$((SECONDS - t0))
	if [ $rc != 0 ]; then
		keep
		echo
		echo "make demo: FAILED in the guest's boot $n; the harness says:"
		grep -v '^  | ' "$d/run-$n.log" | sed 's/^/  /'
		echo "make demo: the story so far and the harness's whole output (run-$n.log) are in ${out#"$top/"}/"
		exit 1
	fi
}

cat <<EOF
szkm, the whole story in one run: a QEMU guest (kernel $("$top/scripts/kernel.sh" release "$kver"))
with a software TPM 2.0 boots, makes a device and keys, reboots on the same
TPM and disk, and brings them back. Every step checks what it claims.
EOF
boot 1
cat <<'EOF'

-------- the guest shuts down; the same machine boots again --------
         (same TPM state, same disk; nothing kept in memory)
EOF
boot 2
keep
"$top/tests/demo/html.sh" "$d/share" "$out/index.html" \
	"$("$top/scripts/kernel.sh" release "$kver")" "${secs[1]}" "${secs[2]}"
steps=$(cat "$d"/share/story-*.txt | grep -c '^## ')
echo
echo "make demo: all $steps steps held, in $((secs[1] + secs[2])) s (first boot ${secs[1]} s, second ${secs[2]} s)."
echo "The story as a web page, with db's history as a timeline: ${out#"$top/"}/index.html"
