# make demo: the szkm story, told in a QEMU guest with a software TPM. Each
# step says what it did; the guest test helpers (tests/vm/lib.sh) are here.
say() { printf '\n== %s\n' "$*"; }
ctl=$SZKMCTL
# The story also goes to the share, for `make demo` to print on the host.
exec > >(tee "$SZKM_SHARE/demo.txt") 2>&1

say "The module is loaded; its known-answer self-tests ran at load"
dmesg | grep 'szkm:' | sed 's/^\[[^]]*\] /  /'

say "The TPM the module seals its root key with (szkmctl tpm info)"
"$ctl" tpm info | sed 's/^/  /'

say "A new device: R, E and D made in the kernel, R and E sealed by the TPM"
"$ctl" device init --out "$T/device.blob" | sed 's/^/  /'
echo "  sealed device blob: $(stat -c %s "$T/device.blob") bytes in $T/device.blob"

say "Root in userspace has the blob and the TPM, and still cannot unseal R: the lock PCR is capped"
. "$SZKM_TOP/tests/vm/lib-device.sh"
attack_refused "$T/device.blob"
echo "  tpm2_load + tpm2_unseal of sealed R and E: refused by the TPM"
grep -m1 '^ERROR: Esys' "$T/atk/err.nopolicy" | sed 's/^/    without a policy: /'
grep -m1 '^ERROR: Esys' "$T/atk/err.policypcr" | sed 's/^/    with PolicyPCR:   /'
"$ctl" status | grep -E '^(lock pcr|tpm policy|tpm session):' | sed 's/^/  /'

say "A listener checks every signed event (signature, sequence, chain) and acks it"
szkm_listener_up
"$ctl" status | sed 's/^/  /'

say "Keys made in the kernel (keyctl add szkm ... new)"
db=$(szkm_add db "new aes256-gcm rotate=30d" @s)
sig=$(szkm_add signer "new ecdsa-p256" @s)
grep szkm /proc/keys | sed 's/^/  /'

say "Encrypt and decrypt with keyctl; the key never leaves the kernel"
echo "the payroll file" >"$T/plain"
keyctl pkey_encrypt "$db" 0 "$T/plain" >"$T/ct"
echo "  ciphertext: $(stat -c %s "$T/ct") bytes, names version $(ct_version "$T/ct")"
echo "  decrypted:  $(keyctl pkey_decrypt "$db" 0 "$T/ct")"

say "Sign in the kernel, verify with OpenSSL against the exported public key"
openssl dgst -sha256 -binary "$T/plain" >"$T/digest"
keyctl pkey_sign "$sig" 0 "$T/digest" hash=sha256 >"$T/sig"
"$ctl" key pub signer >"$T/signer.pem"
openssl dgst -sha256 -verify "$T/signer.pem" -signature "$T/sig" "$T/plain" | sed 's/^/  openssl: /'

say "Rotate: new data under v2, old data still opens with v1"
szkm_rotate "$db"
keyctl pkey_encrypt "$db" 0 "$T/plain" >"$T/ct2"
echo "  new ciphertext names version $(ct_version "$T/ct2"); old one decrypts: $(keyctl pkey_decrypt "$db" 0 "$T/ct")"
"$ctl" key show db | sed 's/^/  /'

say "What userspace can read of the key: only the sealed blob"
echo "  keyctl pipe: $(keyctl pipe "$db" | head -c 60)..."

say "Every change above is a signed event in the chain"
sed 's/^/  /' /run/szkm-listen.log
