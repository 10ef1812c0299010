# make demo: the szkm story, told in a QEMU guest with a software TPM. It
# grows with each part; each step says what it did.
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
ctl=$SZKM_TOP/build/bin/szkmctl

say "The module is loaded; its known-answer self-tests ran at load"
dmesg | grep 'szkm:' | sed 's/^\[[^]]*\] /  /'

say "The kernel's view of the device (szkmctl status)"
"$ctl" status

say "The TPM the module will seal its root key with"
TPM2TOOLS_TCTI=device:/dev/tpmrm0 tpm2_getcap properties-fixed | grep -A1 -E 'TPM2_PT_(MANUFACTURER|FIRMWARE_VERSION_1):' | grep -E 'PT_|raw' | sed 's/^/  /'

say "The key type 'szkm' is registered (keyctl add reaches the module)"
keyctl add szkm demo "new aes256-gcm" @s 2>&1 | sed 's/^/  /' || true
echo "  (key commands arrive with the secure-zone part)"
