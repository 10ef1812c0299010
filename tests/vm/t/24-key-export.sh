# Public keys leave the kernel, secrets do not: szkmctl key show/pub read a
# key's metadata over netlink (View permission, as keyctl checks it); a
# signature from keyctl pkey_sign verifies with `openssl dgst -verify`
# against the exported PEM; data encrypted to an ecdh-p256 key by the
# OpenSSL-based encryptor (szkmctl key encrypt) decrypts with keyctl.
szkm_device_up
printf 'exported' >m
openssl dgst -sha256 -binary m >d
e=$(szkm_add signer "new ecdsa-p256" @s)
szkm_rotate "$e"
ok keyctl pkey_sign "$e" 0 d hash=sha256 >sig
ok "$SZKMCTL" key pub signer >pub.pem
openssl dgst -sha256 -verify pub.pem -signature sig m | grep -q 'Verified OK' ||
	fail "OpenSSL does not verify keyctl's signature with the exported key"
ok "$SZKMCTL" key pub "$e" --version 1 >pub1.pem
! openssl dgst -sha256 -verify pub1.pem -signature sig m >/dev/null 2>&1 ||
	fail "v1's public key verifies v2's signature"
out=$("$SZKMCTL" key show signer)
grep -q '^v1 *decrypt-only *generated' <<<"$out" || fail "show: $out"
grep -q '^v2 *active *generated' <<<"$out" || fail "show: $out"
"$SZKMCTL" key show signer --json | grep -q '"active":2' || fail "json show"

x=$(szkm_add inbox "new ecdh-p256" @s)
head -c 5000 /dev/urandom >plain
ok "$SZKMCTL" key encrypt inbox <plain >ct
keyctl pkey_decrypt "$x" 0 ct | cmp -s - plain || fail "kernel cannot open OpenSSL's ECIES"
flip_byte ct 100
! keyctl pkey_decrypt "$x" 0 ct >/dev/null 2>&1 || fail "tampered ECIES opened"

# aes keys have no public part; metadata only.
a=$(szkm_add sym "new aes256-gcm" @s)
refuses "no public key" "$SZKMCTL" key pub sym
"$SZKMCTL" key show sym | grep -q '^v1 *active .* -$' || fail "aes show"

# Without View permission the kernel refuses the metadata too.
ok keyctl setperm "$a" 0x3f000000
refuses "View permission" setpriv --reuid=65534 --regid=65534 --clear-groups \
	keyctl session - "$(szkmctl_for_nobody)" key show "$a"
refuses "Unable to find key" "$SZKMCTL" key show no-such-key
dmesg_clean
