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
# use without a grant; with view+read+search granted to others, it can.
u=$(szkm_add private "new aes256-gcm" @s)
ok keyctl setperm "$u" 0x3f010000
head -c 64 /dev/urandom >$T/m
chmod 644 $T/m
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups keyctl session - "$@"; }
refuses "Permission denied" as_nobody keyctl pkey_encrypt "$u" 0 $T/m
refuses "Permission denied" as_nobody keyctl pipe "$u"
ok keyctl setperm "$u" 0x3f01000b
as_nobody keyctl pkey_encrypt "$u" 0 $T/m >/dev/null || fail "granted uid cannot encrypt"

# Unloading the module while keys exist: keys go dead, nothing breaks.
ok rmmod szkm
keyctl describe "$k" >/dev/null 2>&1 && keyctl pkey_query "$k" 0 >/dev/null 2>&1 &&
	fail "a key of an unloaded type still works"
cat /proc/keys >/dev/null
ok szkm_load
dmesg_clean
