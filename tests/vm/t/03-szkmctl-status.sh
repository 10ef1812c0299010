# szkmctl status reads the device over the generic netlink family: module
# version, no device yet, TPM 2.0, test mode off; JSON for scripts; refused
# to an unprivileged user; a clear message when the module is not loaded.
ctl=$SZKM_TOP/build/bin/szkmctl
out=$(ok "$ctl" status)
grep -q '^tpm: *2.0$' <<<"$out" || fail "status: $out"
grep -q '^state: *uninitialised$' <<<"$out" || fail "status: $out"
grep -q '^test mode: *off$' <<<"$out" || fail "status: $out"
"$ctl" status --json | grep -q '"tpm":"2.0"' || fail "json status"
refuses "CAP_SYS_ADMIN" setpriv --reuid=65534 --regid=65534 --clear-groups "$(szkmctl_for_nobody)" status
set +e; "$ctl" status extra >/dev/null 2>&1; rc=$?; set -e
[ $rc -eq 2 ] || fail "usage error exits $rc, not 2"
ok rmmod szkm
refuses "not loaded" "$ctl" status
ok szkm_load
