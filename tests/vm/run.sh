#!/usr/bin/env bash
# Boots the guest kernel under QEMU with a swtpm TPM 2.0, the host root
# read-only over 9p, loads kmod/szkm.ko and runs guest test scripts.
#
#   run.sh [--kver 6.1|6.12] [--tpm DIR | --no-tpm] [--share DIR] [--timeout S] [--kvm]
#          [--no-module | --module KO] [--params "modparams"] [--tpm-log FILE]
#          [--summary FILE] script...
#
# --tpm DIR keeps the TPM state in DIR (a reboot on the same TPM reuses it);
# without it every boot gets a fresh TPM; --no-tpm boots a guest with no
# TPM device at all. --share DIR is mounted read-write
# at /mnt/share in the guest. --module KO loads that szkm.ko (a test build)
# instead of kmod/szkm.ko. --tpm-log FILE appends every TPM command and
# response of the boot to FILE, as swtpm logs them at level 2: a line
# " SWTPM_IO_Read: length N" (command) or " SWTPM_IO_Write: length N"
# (response), then its N bytes in hex, 16 a line; the control channel's
# messages as " Ctrl Cmd: ..."/" Ctrl Rsp: ...".
# Prints "PASS name"/"FAIL name" per script and exits non-zero if any
# failed; a test passes only on its token line.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# Resolved: the guest sees the host through 9p, where a symlinked .cache
# (a worktree's) would point outside the shared root.
CACHE=$(realpath -m "${CACHE:-$top/.cache}")
kver=6.1 tpm= notpm=0 share= tmo=${SZKM_VM_TIMEOUT:-300} accel=tcg nomod=0 params= summary=
ko=$top/kmod/szkm.ko kname=szkm.ko tpmlog=
scripts=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kver) kver=$2; shift ;;
	--tpm) tpm=$2; shift ;;
	--no-tpm) notpm=1 ;;
	--share) share=$2; shift ;;
	--timeout) tmo=$2; shift ;;
	--kvm) accel=kvm ;;
	--no-module) nomod=1 ;;
	--module) ko=$(realpath "$2"); kname=$ko; shift ;;
	--tpm-log) tpmlog=$(realpath "$2"); shift ;;
	--params) params=$2; shift ;;
	--summary) summary=$2; shift ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) scripts+=("$(realpath "$1")") ;;
	esac
	shift
done
[ ${#scripts[@]} -gt 0 ] || { echo "run.sh: no test script given" >&2; exit 2; }
[ -z "$tpmlog" ] || [ $notpm = 0 ] || { echo "run.sh: --tpm-log needs a TPM (not --no-tpm)" >&2; exit 2; }

rel=$("$top/scripts/kernel.sh" release "$kver")
img=$("$top/scripts/kernel.sh" root "$kver") || { echo "run.sh: guest kernel missing; run make deps" >&2; exit 1; }
[ -f "$ko" ] || [ $nomod = 1 ] || { echo "run.sh: ${ko#"$top/"} not built" >&2; exit 1; }
if [ $nomod = 0 ]; then
	built=$(/sbin/modinfo -F vermagic "$ko" | cut -d' ' -f1)
	[ "$built" = "$rel" ] || { echo "run.sh: $kname was built for $built, not $rel (make KVER=$kver)" >&2; exit 1; }
fi

initrd=$CACHE/initramfs-$rel-$(cat "$top/tests/vm/initramfs.sh" "$top/tests/vm/stage1-init" | sha256sum | cut -c1-12).cpio.gz
[ -f "$initrd" ] || "$top/tests/vm/initramfs.sh" "$img" "$rel" "$initrd"

run=$(mktemp -d /tmp/szkm-vm.XXXXXX)
cleanup() {
	stop_swtpm
	rm -rf "$run"
}
trap cleanup EXIT
stop_swtpm() {
	local pid
	# swtpm removes its pid file when QEMU's shutdown ends it: it may be
	# gone between a test for it and the read (seen on a busy host).
	pid=$(cat "$run/swtpm.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null || true
	# Gone (or a zombie) before we go on: its TPM state and log are final.
	for _ in $(seq 100); do
		case $(ps -o stat= -p "$pid") in ''|Z*) break ;; esac
		sleep 0.05
	done
	rm -f "$run/swtpm.pid" "$run/tpm.sock"
}
tpm_args=()
start_swtpm() {
	[ $notpm = 0 ] || return 0
	if [ -z "$tpm" ]; then tpm=$run/tpm; fi
	mkdir -p "$tpm"
	log_args=()
	[ -n "$tpmlog" ] && log_args=(--log "file=$tpmlog,level=2")
	swtpm socket --tpm2 --tpmstate dir="$tpm" --ctrl type=unixio,path="$run/tpm.sock" \
		--flags startup-clear --pid file="$run/swtpm.pid" "${log_args[@]}" -d
	for _ in $(seq 100); do [ -S "$run/tpm.sock" ] && break; sleep 0.05; done
	tpm_args=(-chardev socket,id=c,path="$run/tpm.sock" -tpmdev emulator,id=t,chardev=c
		-device tpm-tis,tpmdev=t)
}

token=$(head -c 12 /dev/urandom | base64 | tr '+/' '-_')
list=$(IFS=,; echo "${scripts[*]}")
append="console=ttyS0 panic_on_warn=1 oops=panic panic=-1 loglevel=7 8250.nr_uarts=2"
append+=" szkmvm.token=$token szkmvm.top=$top szkmvm.tests=$list"
append+=" szkmvm.moddir=$img/lib/modules/$rel szkmvm.init=$top/tests/vm/guest.sh"
[ $nomod = 1 ] && append+=" szkmvm.nomodule=1"
[ "$ko" != "$top/kmod/szkm.ko" ] && append+=" szkmvm.module=$ko"
[ -n "$params" ] && append+=" szkmvm.params=$(tr ' ' ',' <<<"$params")"
# The host's vectors folder, when not beside the checkout (same path in the guest).
[ -n "${SZKM_VECTORS:-}" ] && append+=" szkmvm.vectors=$SZKM_VECTORS"
share_args=()
if [ -n "$share" ]; then
	mkdir -p "$share"
	share_args=(-fsdev "local,id=s,path=$(realpath "$share"),security_model=none,multidevs=remap"
		-device virtio-9p-pci,fsdev=s,mount_tag=share)
	append+=" szkmvm.share=1"
fi

log=$run/console.log
t0=$(date +%s.%N)
# A guest kernel that panics while it boots, before any szkm code or test
# ran (no module loaded, no test started; seen under TCG on 6.12 as an
# "int3" oops in the kernel's own initcalls), is booted once more: that
# crash says nothing about szkm. Anything later counts as it is.
for attempt in 1 2; do
	start_swtpm
	rm -f "$log" "$run/results"
	set +e
	timeout --foreground --kill-after=5 "$tmo" qemu-system-x86_64 \
		-accel "$accel" -cpu max -m 1024 -smp 2 -nodefaults -display none -no-reboot \
		-kernel "$img/boot/vmlinuz-$rel" -initrd "$initrd" -append "$append" \
		-serial "file:$log" -serial "file:$run/results" \
		-fsdev local,id=r,path=/,security_model=none,readonly=on,multidevs=remap \
		-device virtio-9p-pci,fsdev=r,mount_tag=hostroot "${share_args[@]}" "${tpm_args[@]}"
	qrc=$?
	set -e
	stop_swtpm
	if [ $attempt = 1 ] && [ -s "$log" ] && grep -aq 'Kernel panic' "$log" &&
	   ! grep -aq -e 'szkm: ' -e '^=== RUN' "$log" && ! [ -s "$run/results" ]; then
		echo "run.sh: the guest kernel panicked while booting, before any szkm code ran; booting again"
		grep -a -m3 -E 'Oops|RIP:|Kernel panic' "$log" | sed 's/^/run.sh: guest log: /'
		continue
	fi
	break
done
secs=$(echo "$(date +%s.%N) - $t0" | bc)
# The guest's tty turns \n into \r\n.
touch "$run/results"
tr -d '\r' <"$run/results" >"$run/results.txt"

pass=0 failn=0 failed=()
for s in "${scripts[@]}"; do
	n=$(basename "$s" .sh)
	if grep -qx "SZKM-RESULT $token $n pass" "$run/results.txt"; then
		echo "PASS $n"; pass=$((pass + 1))
	else
		echo "FAIL $n"; failn=$((failn + 1)); failed+=("$n")
	fi
done
if ! grep -qx "SZKM-DONE $token" "$run/results.txt"; then
	[ $qrc -eq 124 ] && why="timed out after ${tmo}s" || why="died (qemu exit $qrc)"
	echo "run.sh: guest $why before finishing"
	grep -m1 -E 'Kernel panic|BUG:|WARNING:' "$log" | sed 's/^/run.sh: guest log: /' || true
	[ $failn -gt 0 ] || failn=1
fi
printf 'run.sh: %s boot, %.1f s, %d passed, %d failed\n' "$rel" "$secs" $pass $failn
if [ $failn -gt 0 ]; then
	mkdir -p "$top/build/vm-logs"
	keep=$top/build/vm-logs/$(date +%Y%m%d-%H%M%S)-$rel.log
	cp "$log" "$keep"
	# Each failed test's own output, so the reason is in the run's output.
	for n in "${failed[@]}"; do
		echo "run.sh: output of $n (last 60 lines):"
		tr -d '\r' <"$log" | sed -n "/^=== RUN $n\$/,/^=== FAIL $n /p" |
			tail -n 60 | sed 's/^/  | /'
	done
	echo "run.sh: guest log kept in $keep; its end:"
	tail -n 40 "$log" | sed 's/^/  | /'
fi
[ -n "$summary" ] && echo "$pass $failn" >"$summary"
[ $failn -eq 0 ]
