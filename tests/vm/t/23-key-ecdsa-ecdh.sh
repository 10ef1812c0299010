# ecdsa-p256 and ecdh-p256 through keyctl: query, sign/verify on SHA-256
# digests (DER), verification with every version still allowed to verify,
# a verify-only imported public key, ECIES encrypt/decrypt in the kernel,
# and interop with OpenSSL (imported private key, OpenSSL verifies the
# kernel's signature and the kernel verifies OpenSSL's).
szkm_device_up
printf 'the message' >$T/msg
openssl dgst -sha256 -binary $T/msg >$T/d
e=$(szkm_add sig "new ecdsa-p256" @s)
q=$(keyctl pkey_query "$e" 0)
grep -q 'sign=y' <<<"$q" && grep -q 'verify=y' <<<"$q" && grep -q 'max_sig_size=72' <<<"$q" || fail "query: $q"
ok keyctl pkey_sign "$e" 0 $T/d hash=sha256 >$T/s1
ok keyctl pkey_verify "$e" 0 $T/d $T/s1 hash=sha256
cp $T/s1 $T/s1b; flip_byte $T/s1b 20
refuses "rejected" keyctl pkey_verify "$e" 0 $T/d $T/s1b hash=sha256
head -c 32 /dev/urandom >$T/d2
refuses "rejected" keyctl pkey_verify "$e" 0 $T/d2 $T/s1 hash=sha256
refuses "Invalid argument" keyctl pkey_sign "$e" 0 $T/msg hash=sha256
refuses "not installed" keyctl pkey_sign "$e" 0 $T/d hash=sha1
# Deterministic nonces (RFC 6979): same key and digest, same signature.
keyctl pkey_sign "$e" 0 $T/d hash=sha256 | cmp -s - $T/s1 || fail "signatures are not deterministic"
szkm_rotate "$e"
ok keyctl pkey_sign "$e" 0 $T/d hash=sha256 >$T/s2
! cmp -s $T/s1 $T/s2 || fail "v2 signs like v1"
ok keyctl pkey_verify "$e" 0 $T/d $T/s1 hash=sha256
# Verify honours min_version as decrypt does: v1's signature stops counting.
szkm_change "$e" "set min_version=2"
szkm_wait_ledger "$e"
refuses "rejected" keyctl pkey_verify "$e" 0 $T/d $T/s1 hash=sha256
ok keyctl pkey_verify "$e" 0 $T/d $T/s2 hash=sha256
szkm_change "$e" "set min_version=0"
szkm_wait_ledger "$e"
ok keyctl pkey_verify "$e" 0 $T/d $T/s1 hash=sha256
szkm_change "$e" "destroy 1"
# A key with many versions (each with its public key) is still shown whole:
# the reply is sized for the most versions a key keeps.
for i in $(seq 70); do szkm_rotate "$e"; done
[ "$("$SZKMCTL" key show "$e" --json | jq '.versions | length')" = 72 ] ||
	fail "key show of 72 versions: $("$SZKMCTL" key show "$e" --json 2>&1 | head -c 200)"
refuses "rejected" keyctl pkey_verify "$e" 0 $T/d $T/s1 hash=sha256

# Interop with OpenSSL through an imported private key.
openssl ecparam -name prime256v1 -genkey -noout -out $T/k.pem 2>/dev/null
priv=$(openssl ec -in $T/k.pem -outform DER 2>/dev/null | od -An -tx1 -j7 -N32 | tr -d ' \n')
openssl ec -in $T/k.pem -pubout -out $T/pub.pem 2>/dev/null
i=$(szkm_add imp "import ecdsa-p256 $priv" @s)
ok keyctl pkey_sign "$i" 0 $T/d hash=sha256 >$T/ks
openssl dgst -sha256 -verify $T/pub.pem -signature $T/ks $T/msg >/dev/null ||
	fail "OpenSSL does not verify the kernel's signature"
openssl dgst -sha256 -sign $T/k.pem -out $T/os $T/msg
ok keyctl pkey_verify "$i" 0 $T/d $T/os hash=sha256
# A verify-only key from the public point.
pub=$(openssl ec -in $T/k.pem -pubout -outform DER 2>/dev/null | tail -c 65 | od -An -tx1 | tr -d ' \n')
p=$(szkm_add vonly "import ecdsa-p256 pub:$pub" @s)
keyctl pkey_query "$p" 0 | grep -q 'sign=n' || fail "public-only key claims to sign"
ok keyctl pkey_verify "$p" 0 $T/d $T/os hash=sha256
! keyctl pkey_sign "$p" 0 $T/d hash=sha256 >/dev/null 2>&1 || fail "public-only key signed"
refuses "Invalid argument" keyctl add szkm bad "import ecdsa-p256 pub:04$(printf '11%.0s' $(seq 64))" @s

# ECIES: encrypt to the key in the kernel, decrypt there; tamper refused.
x=$(szkm_add box "new ecdh-p256" @s)
head -c 1000 /dev/urandom >$T/m
ok keyctl pkey_encrypt "$x" 0 $T/m >$T/xc
[ "$(stat -c %s $T/xc)" = $((1000 + 89)) ] || fail "ECIES size $(stat -c %s $T/xc)"
keyctl pkey_decrypt "$x" 0 $T/xc | cmp -s - $T/m || fail "ECIES round trip"
for off in 2 9 40 80 500; do
	cp $T/xc $T/xt; flip_byte $T/xt $off
	! keyctl pkey_decrypt "$x" 0 $T/xt >/dev/null 2>&1 || fail "tampered ECIES (byte $off) opened"
done
dmesg_clean
