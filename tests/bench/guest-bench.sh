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
out=/dev/null
! grep -q " $SZKM_SHARE " /proc/mounts || out=$SZKM_SHARE/bench.txt
{
	"$SZKM_TOP/build/bin/bench_keyctl"
	# 10,000 keys make 20,000 events in a burst: let the journal hold them.
	echo 100000 >/sys/module/szkm/parameters/journal_max
	"$SZKM_TOP/build/bin/bench_krs" 10000
	echo 4096 >/sys/module/szkm/parameters/journal_max
	echo "kernel $(uname -r): gcm(aes) driver $(awk '/^name/{n=$3} /^driver/{if (n=="gcm(aes)") print $3}' /proc/crypto | head -1);" \
		"$(dmesg | grep -o 'mem auto-init:.*' | head -1)"
} | tee "$out"
dmesg_clean
