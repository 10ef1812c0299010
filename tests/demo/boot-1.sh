# make demo, first boot (tests/demo/run.sh boots the guest twice on one
# swtpm TPM): a device bound to the TPM, ledgerd enrolling it, keys of
# each algorithm, an application that checks its key against the ledger
# before it signs, encryption, a scheduled rotation, the key's proven
# history, and the state saved for the reboot.
DEMO_BOOT=1
. "$SZKM_TOP/tests/demo/lib.sh"
. "$SZKM_TOP/tests/vm/lib-device.sh"

step "The kernel module is loaded, and its self-tests passed"
say "szkm.ko runs known-answer tests of its own crypto when it loads, and" \
	"refuses to load if one fails (as a FIPS power-on self-test would)."
run "dmesg | grep -o 'szkm: .*self-tests: pass'"
proves "every self-test passed; the module found the TPM" \
	eval "szkm_selftests_passed && dmesg | grep -q 'szkm: TPM 2.0 found'"

step "The TPM"
say "The machine's TPM 2.0 (here swtpm, a software TPM whose state the host" \
	"keeps for the second boot). The module seals its root key with it."
run "szkmctl tpm info"

step "The ledger node's key"
say "ledgerd keeps every key's history in a Merkle log and signs checkpoints" \
	"of it. The kernel will believe only proofs under this node's key:" \
	"its verifier key goes into /etc/szkm/ledger-keys before the device exists."
run "cat /etc/ledgerd/ledgerd.conf"
run "ledgerd genkey $SHARE/ledgerd/node.pem"
run "ledgerd vkey | tee /etc/szkm/ledger-keys"
VKEY=$(cat /etc/szkm/ledger-keys)
echo "$VKEY" >"$SHARE/ledger-vkey"

step "A device bound to this TPM"
say "The kernel makes the device's root key R, export key E and identity key D." \
	"R and E are sealed by the TPM under a policy that needs PCR 13 at its reset" \
	"value; right after, the module extends PCR 13 with random bytes. So the TPM" \
	"opens them once per boot, for the module, and for nobody else."
run "szkmctl device init"
run "szkmctl status | grep -E '^(state|lock pcr|tpm session|ledger):'"
[ "$(szkmctl status --json | jq -r '"\(.lock_pcr) \(.pcr_capped)"')" = "13 true" ] ||
	fail "the device is not bound to PCR 13, capped"
held "a real TPM-bound device: lock PCR 13 (the module's default), capped until the next boot"

step "Root cannot unseal the device's root key"
say "An attacker with root, the blob and the TPM loads sealed R and E with" \
	"tpm2-tools and asks the TPM to unseal them: without a policy, and in a" \
	"policy session over PCR 13 at its reset value."
attack_refused /var/lib/szkm/device.blob
# The TPM's response code in a tpm2-tools error, by name.
tpm_rc() {
	local rc
	rc=$(grep -o 'ErrorCode (0x[0-9a-f]*)' "$1" | head -n 1 | grep -o '0x[0-9a-f]*')
	case $rc in
	*12f) echo "TPM_RC_AUTH_UNAVAILABLE ($rc): no password opens R or E, only their policy" ;;
	*1c4) echo "TPM_RC_VALUE ($rc): PCR 13 is not at that value, the module capped it" ;;
	*) grep -m1 ERROR "$1" ;;
	esac
}
say "    tpm2_unseal, no policy session:  $(tpm_rc "$T/atk/err.nopolicy")" \
	"    tpm2_policypcr, PCR 13 at reset: $(tpm_rc "$T/atk/err.policypcr")"
held "the TPM refused both: R and E are the module's, once per boot"

step "ledgerd starts and enrols the device"
say "ledgerd listens to the kernel's signed events over generic netlink. It" \
	"refuses the events of a device nobody enrolled; the administrator enrols" \
	"this one by its public key, and ledgerd takes its first event" \
	"(device-init), checks the device's signature, appends it and proves it" \
	"to the kernel with a signed checkpoint and an inclusion proof."
ledgerd_start
until_ok 15 grep -q 'rejected event seq 1 .*unenrolled-device' /run/ledgerd/log ||
	fail "ledgerd did not refuse the unenrolled device's event: $(tail -3 /run/ledgerd/log)"
ledgerd_said 'rejected event seq 1 .*unenrolled-device'
run "szkmctl device identity --pem >device.pem"
run "ledgerd enroll demo-device device.pem"
wait_journal_empty
run "szkmctl status | grep -E '^(events|ledger):'"
held "the kernel's journal is empty: the ledger holds and proved the device's first event"

step "Keys of each algorithm, made in the kernel"
say "Key material is generated inside the kernel and never leaves it. A new" \
	"version is 'pending' until the ledger proves its signed event (--wait" \
	"waits for that)."
run "szkmctl key create db --alg aes256-gcm --rotate 30d --wait 60"
run "szkmctl key create signer --alg ecdsa-p256 --wait 60"
run "szkmctl key create inbox --alg ecdh-p256 --wait 60"
run "szkmctl key list"
[ "$(szkmctl key list --json | jq -r '[.[] | "\(.name):\(.alg):\(.active)"] | sort | join(" ")')" = \
	"db:aes256-gcm:1 inbox:ecdh-p256:1 signer:ecdsa-p256:1" ] || fail "the three keys are not v1 active"
held "three keys, v1 active: the ledger proved each one's creation"

step "An application checks the signing key against the ledger, then signs"
say "szkm-verified-sign (userspace/examples, linked with libszkm.so) asks" \
	"the ledger for the key's history, checks the checkpoint's signature," \
	"every inclusion proof and device signature, and that the kernel's key" \
	"is the one the ledger records. Only then does it sign, in the kernel." \
	"OpenSSL checks the signature with the public key that was verified." \
	"(\$URL is ledgerd's HTTP API, $URL; \$VKEY its verifier key, printed above.)"
echo "release 1.0: 3f2a9c" >release.txt
run "szkm-verified-sign signer \$URL release.txt \"\$VKEY\""
run "openssl dgst -sha256 -verify release.txt.pub.pem -signature release.txt.sig release.txt"
proves "the verified public key is the kernel's key (szkmctl key pub signer)" \
	eval "szkmctl key pub signer | cmp -s - release.txt.pub.pem"

step "Data encrypted"
say "db encrypts with AES-256-GCM inside the kernel; the ciphertext names the" \
	"key version. inbox is an ECDH key: anyone encrypts to its public key" \
	"(ECIES), only the kernel decrypts."
echo "payroll, March: 42 people, 171 000 EUR" >payroll.txt
echo "the new door code is 8642" >note.txt
run "keyctl pkey_encrypt %szkm:db 0 payroll.txt >payroll.v1.ct"
run "szkmctl key encrypt inbox <note.txt >note.ct"
run "keyctl pkey_decrypt %szkm:db 0 payroll.v1.ct"
run "keyctl pkey_decrypt %szkm:inbox 0 note.ct"
[ "$(ct_version payroll.v1.ct)" = 1 ] || fail "payroll.v1.ct is not under v1"
proves "both decrypt to what was encrypted" eval \
	"keyctl pkey_decrypt %szkm:db 0 payroll.v1.ct | cmp -s - payroll.txt &&
	 keyctl pkey_decrypt %szkm:inbox 0 note.ct | cmp -s - note.txt"
# An attacker keeps db's sealed blob as it is now, to try it after the reboot.
keyctl pipe %szkm:db >"$SHARE/attacker/db-before-rotation.blob"

step "The rotation service rotates db on a schedule"
say "The kernel's rotation service rotates keys by schedule or usage. db" \
	"is set to rotate every 5 seconds; the kernel makes v2 by itself, the" \
	"ledger proves it, v2 becomes active and v1 decrypt-only (old data still" \
	"opens). Then db goes back to a monthly schedule."
run "szkmctl key policy db rotate=5s --wait 60"
db_rotated() { [ "$(szkmctl key show db --json | jq .active)" -ge 2 ]; }
t0=$SECONDS
until_ok 30 db_rotated || fail "the rotation service did not rotate db: $(szkmctl key show db)"
say "(the kernel rotated db, and the ledger proved it, $((SECONDS - t0)) s later)"
# A scheduled rotation may wait for the ledger at that moment: a policy
# change waits its turn.
back_to_monthly() { szkmctl key policy db rotate=30d --wait 60 >"$T/policy" 2>&1; }
until_ok 30 back_to_monthly || fail "db's policy: $(cat "$T/policy")"
printf '    $ %s\n' "szkmctl key policy db rotate=30d --wait 60"
indent <"$T/policy"
run "szkmctl key show db"
run "keyctl pkey_encrypt %szkm:db 0 payroll.txt >payroll.v2.ct"
run "keyctl pkey_decrypt %szkm:db 0 payroll.v1.ct"
v=$(szkmctl key show db --json | jq .active)
[ "$(ct_version payroll.v2.ct)" = "$v" ] || fail "new data is not under the active version v$v"
[ "$(szkmctl key show db --json | jq -r '.versions[0].state')" = decrypt-only ] || fail "v1 is not decrypt-only"
proves "new data is under v$v, and v1's data still decrypts" \
	eval "keyctl pkey_decrypt %szkm:db 0 payroll.v1.ct | cmp -s - payroll.txt"

step "The ledger shows db's history, with proofs"
say "szkmctl verify checks db's history as the ledger node serves it (which" \
	"may lie): the checkpoint's signature, its consistency with the one this" \
	"user saw before, each event's inclusion proof and device signature, and" \
	"that the kernel's key agrees. The rotation's actor is 'kernel'."
run "szkmctl verify --ledger \$URL --key db --ledger-key \"\$VKEY\""
szkmctl verify --ledger "$URL" --key db --ledger-key "$VKEY" --json >"$SHARE/history-1.json" ||
	fail "szkmctl verify --json"
jq -e '.verified and .kernel.agrees' "$SHARE/history-1.json" >/dev/null || fail "db's history did not verify"
jq -e '[.events[] | select(.event == "key-rotate" and .actor == "kernel")] | length > 0' \
	"$SHARE/history-1.json" >/dev/null || fail "no rotation by the kernel in db's history"
held "$(jq -r '"\(.events | length) events verified against checkpoint \(.checkpoint.size); the kernel rotated db"' "$SHARE/history-1.json")"
say "The same, raw, from ledgerd's HTTP API: the signed checkpoint, and" \
	"db's entries (GET /keys/<key id>)."
ID=$(szkmctl key show db --json | jq -r .id)
say "(\$ID is db's key id, $ID.)"
run "curl -s \$URL/checkpoint"
run "curl -s \$URL/keys/\$ID | jq -c '.entries[] | {index, event, version, actor}'"

step "The state saved, for the next boot"
say "szkmctl state save writes the device blob and every key's sealed blob" \
	"to /var/lib/szkm/state. Nothing in it is secret in the clear: every" \
	"blob is sealed under R, which only this TPM opens, once per boot."
run "szkmctl state save"
run "cat /var/lib/szkm/state/manifest"
szkmctl key list --json | jq -S '[.[] | {name, alg, active, versions: [.versions[] | {version, state}]}] | sort_by(.name)' \
	>"$SHARE/keys-before.json"
wait_journal_empty
say "The machine shuts down: ledgerd stops, and its database checks sound."
ledgerd_stop
cp /var/lib/ledgerd/ledger.db "$SHARE/ledgerd/ledger.db"
run "ledgerd check"
held "every key saved, every event in the ledger"
dmesg_clean
