# The module loaded with every self-test passing, registered its key type
# and its generic netlink family, saw the TPM 2.0, and unloads and reloads
# cleanly with no taint other than out-of-tree/unsigned.
szkm_selftests_passed
grep -qw szkm /proc/modules || fail "szkm not in /proc/modules"
genl ctrl get name szkm | grep -q 'Name: szkm' || fail "genl family szkm not registered"
genl ctrl get name szkm | grep -q 'events' || fail "multicast group events missing"
dmesg | grep -q 'szkm: TPM 2.0 found' || fail "module did not see the TPM 2.0"
[ "$(cat /sys/class/tpm/tpm0/tpm_version_major)" = 2 ] || fail "guest TPM is not 2.0"

ok rmmod szkm
! grep -qw szkm /proc/modules || fail "szkm still loaded after rmmod"
! genl ctrl get name szkm >/dev/null 2>&1 || fail "family still registered after unload"
dmesg | grep -q 'szkm: unloaded' || fail "no unload message"
ok szkm_load
szkm_selftests_passed

# A failing known-answer test keeps the module from loading at all.
ok rmmod szkm
for t in aes256-gcm hkdf-sha256 p256 tpm2-session ledger-proof; do
	! insmod "$SZKM_KO" selftest_fault=$t 2>/dev/null || fail "loaded with $t failing"
	dmesg | grep -q "szkm: $t self-tests: FAIL" || fail "no FAIL line for $t"
	! grep -qw szkm /proc/modules || fail "module present after a failed self-test"
done
ok szkm_load
dmesg_clean
