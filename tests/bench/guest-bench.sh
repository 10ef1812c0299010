# Guest side of `make bench` (tests/bench.sh boots it with --share): szkm
# keys through keyctl against OpenSSL in the same process
# (build/bin/bench_keyctl); the lines go to the console and to
# $SZKM_SHARE/bench.txt for the host to print. The last lines name what
# the kernel's gcm(aes) runs on and whether allocations are zeroed, which
# the figures depend on.
# On a real machine udev loads aesni_intel from the CPU's modalias; the
# guest has no udev, and gcm(aes) would fall back to the table-driven
# aes-generic (the built-in "aes" satisfies the lookup without a module).
modprobe aesni_intel 2>/dev/null || echo "bench: no aesni_intel for this CPU"
szkm_device_up

# events_proven N: the listener paused (SIGSTOP), N events wait in the
# journal; then it runs on: it takes them all (its socket overran, so by
# a replay), verifies and records them, signs one checkpoint per batch,
# and the kernel checks that checkpoint, its consistency and every
# inclusion proof before it frees them. The rate is N over the time from
# SIGCONT to an empty journal: the follower's steady state, not its start.
events_proven() {
	local n=$1 pid i t0 t1
	pid=$(cat /run/szkm-listen.pid)
	kill -STOP "$pid"
	for i in $(seq "$n"); do
		keyctl add szkm "proven$i" "new aes256-gcm ledger=async" @s >/dev/null ||
			fail "key $i for the proof bench"
	done
	t0=$(date +%s.%N)
	kill -CONT "$pid"
	until_ok 120 szkm_drained || fail "journal did not drain: $("$SZKMCTL" status | grep '^events:')"
	t1=$(date +%s.%N)
	awk -v n="$n" -v a="$t0" -v b="$t1" \
		'BEGIN { printf "events proven end to end (listener: one signature check and one checkpoint per batch, kernel verifies the checkpoint and each inclusion proof): %d in %.2f s, %.0f/s\n", n, b - a, n / (b - a) }'
}

out=/dev/null
! grep -q " $SZKM_SHARE " /proc/mounts || out=$SZKM_SHARE/bench.txt
{
	"$SZKM_TOP/build/bin/bench_keyctl"
	# 10,000 keys make 20,000 events in a burst: let the journal hold them.
	echo 100000 >/sys/module/szkm/parameters/journal_max
	"$SZKM_TOP/build/bin/bench_krs" 10000
	# Enough events that the wait's polling is small beside the run.
	events_proven 4000
	echo 4096 >/sys/module/szkm/parameters/journal_max
	echo "kernel $(uname -r): gcm(aes) driver $(awk '/^name/{n=$3} /^driver/{if (n=="gcm(aes)") print $3}' /proc/crypto | head -1);" \
		"$(dmesg | grep -o 'mem auto-init:.*' | head -1)"
} | tee "$out"
dmesg_clean
