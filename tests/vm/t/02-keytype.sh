# `keyctl add szkm` reaches the module's key type (refused there with
# EOPNOTSUPP while key commands are not implemented); an unknown key type
# would give ENODEV instead, so this proves the type is registered.
refuses "Operation not supported" keyctl add szkm k1 "new aes256-gcm" @s
refuses "No such device" keyctl add szkm-nonexistent k1 "x" @s
dmesg | grep -q 'szkm: key commands are not implemented yet' || fail "the module did not see the request"
dmesg_clean
