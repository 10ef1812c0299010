# Guest side of the unseal figure in `make bench`: the time of
# `szkmctl device unseal` (the TPM round trips) with the module as it was
# before the TPM binding ($SZKM_SHARE/old/szkm.ko: password sessions, no
# policy, no cap) and as it is now (salted sessions with parameter
# encryption, the parent checked, a PCR policy, the lock PCR capped), in
# this one guest. The suite's resettable lock PCR 16 is reset before each
# unseal of the new module, as a reboot would.
. "$SZKM_TOP/tests/vm/lib-device.sh"
n=${SZKM_BENCH_UNSEALS:-10}
out=/dev/null
! grep -q " $SZKM_SHARE " /proc/mounts || out=$SZKM_SHARE/bench.txt
ms() { echo $(( $(date +%s%N) / 1000000 )); }

# per_unseal <before-each command>: mean ms of $n unseals of $T/u.blob,
# with the szkmctl in $ctl
per_unseal() {
	local i t total=0
	for ((i = 0; i < n; i++)); do
		"$ctl" device lock >/dev/null
		eval "$1"
		t=$(ms)
		"$ctl" device unseal --in $T/u.blob >/dev/null || fail "unseal $i failed"
		total=$((total + $(ms) - t))
	done
	echo $((total / n))
}

rmmod szkm
insmod "$SZKM_SHARE/old/szkm.ko" || fail "old module did not load"
new_ctl=$ctl ctl=$SZKM_SHARE/old/szkmctl
ok "$ctl" device init --out $T/u.blob >/dev/null
old=$(per_unseal :)
ctl=$new_ctl
rmmod szkm
rm -f $T/u.blob
SZKM_MODPARAMS=lock_pcr=16 szkm_load || fail "module did not load"
ok "$ctl" device init --out $T/u.blob >/dev/null
new=$(per_unseal 'tpm2_pcrreset -T device:/dev/tpmrm0 16 >/dev/null')
transient_empty
{
	echo "device unseal (TPM round trips, mean of $n, TCG guest): before the TPM binding $old ms, now $new ms"
	awk -v a="$old" -v b="$new" 'BEGIN { printf "device unseal now/before: %.2f\n", b / a }'
} | tee "$out"
dmesg_clean
