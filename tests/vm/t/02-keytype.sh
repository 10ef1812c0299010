# `keyctl add szkm` reaches the module's key type: with no device yet it is
# refused there (ENOKEY, with a log line that says what to do); an unknown
# key type would give ENODEV instead.
if "$SZKMCTL" status | grep -q '^state: *uninitialised'; then
	refuses "Required key not available" keyctl add szkm k1 "new aes256-gcm" @s
	dmesg | grep -q 'szkm: no device' || fail "the module did not say why"
fi
refuses "No such device" keyctl add szkm-nonexistent k1 "x" @s
dmesg_clean
