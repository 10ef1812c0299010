# Trying to get secret bytes out, or to use a key without permission, fails:
# an imported key with a known secret never shows it through keyctl read,
# pipe, print, describe, /proc/keys or the kernel log; another uid cannot
# use a key it was not granted; unloading the module with keys alive is safe.
szkm_device_up
secret=5ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2
k=$(szkm_add known "import aes256-gcm $secret" @s)
raw=$(printf '%s' "$secret" | xxd -r -p | od -An -tx1 | tr -d ' \n')
check_clean() { # <what> <file>
	grep -qi "$secret" "$2" && fail "$1 shows the secret (hex)"
	od -An -tx1 "$2" | tr -d ' \n' | grep -qi "$raw" && fail "$1 shows the secret (raw)"
	return 0
}
keyctl read "$k" >$T/o 2>&1 || true; check_clean "keyctl read" $T/o
keyctl pipe "$k" >$T/o 2>&1 || true; check_clean "keyctl pipe" $T/o
keyctl print "$k" >$T/o 2>&1 || true; check_clean "keyctl print" $T/o
keyctl describe "$k" >$T/o 2>&1; check_clean "keyctl describe" $T/o
cat /proc/keys >$T/o; check_clean "/proc/keys" $T/o
dmesg >$T/o; check_clean "kernel log" $T/o
# The pipe output is the sealed blob: it decodes to the documented header.
keyctl pipe "$k" | head -c 8 | grep -qx 535a4b42 || fail "pipe is not an SZKB blob"

# Another uid, in its own session (so it does not possess our keys): no
# use. Opening the key's permissions to others (view+read+search) shares
# nothing either: a key object serves its own uid only, and only a grant,
# recorded by the ledger, shares a key (t/26-key-grant.sh).
u=$(szkm_add private "new aes256-gcm" @s)
ok keyctl setperm "$u" 0x3f010000
head -c 64 /dev/urandom >$T/m
chmod 644 $T/m
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups keyctl session - "$@"; }
refuses "Permission denied" as_nobody keyctl pkey_encrypt "$u" 0 $T/m
refuses "Permission denied" as_nobody keyctl pipe "$u"
ok keyctl setperm "$u" 0x3f01000b
refuses "Permission denied" as_nobody keyctl pkey_encrypt "$u" 0 $T/m
refuses "Permission denied" as_nobody keyctl pipe "$u"
dmesg | tail -n 5 | grep -q "'private': key $u serves uid 0, not uid 65534: only a grant (szkmctl key grant) shares a key" ||
	fail "no message for another uid's use: $(dmesg | tail -n 2)"

# Unloading the module while keys exist, with a pkey_sign loop running on
# another process (root unloading under a user): the hooks hold the key's
# semaphore for each whole operation, so the unload waits for the running
# one and the ones after are refused. Keys go dead, nothing breaks.
s=$(szkm_add rm-sign "new ecdsa-p256" @s)
head -c 32 /dev/urandom >$T/dg
: >$T/signed
( while keyctl pkey_sign "$s" 0 $T/dg hash=sha256 >/dev/null 2>&1; do echo >>$T/signed; done ) &
sp=$!
signing() { [ "$(wc -l <$T/signed)" -ge 3 ]; }
until_ok 10 signing || fail "the pkey_sign loop does not sign"
ok rmmod szkm
wait $sp || true
n=$(wc -l <$T/signed)
! keyctl pkey_sign "$s" 0 $T/dg hash=sha256 >/dev/null 2>&1 || fail "signed with an unloaded key type"
[ "$(wc -l <$T/signed)" = "$n" ] || fail "the loop went on signing after the unload"
keyctl describe "$k" >/dev/null 2>&1 && keyctl pkey_query "$k" 0 >/dev/null 2>&1 &&
	fail "a key of an unloaded type still works"
cat /proc/keys >/dev/null
ok szkm_load
dmesg_clean
