# make demo, second boot: the same TPM (its state kept by swtpm) and the
# same disk (the share), nothing in the kernel. ledgerd starts on its
# database, the restore unit's command brings the device and every key
# back, they work on the data of the first boot, and tampering is caught:
# a modified key blob, an old key blob, a rolled-back ledger.
DEMO_BOOT=2
. "$SZKM_TOP/tests/demo/lib.sh"
VKEY=$(cat "$SHARE/ledger-vkey")
export TPM2TOOLS_TCTI=device:/dev/tpmrm0
echo "$VKEY" >/etc/szkm/ledger-keys

step "The machine rebooted"
say "A new boot of the same machine: the TPM kept its state (so PCR 13 is at" \
	"its reset value again) and the disk kept /var/lib/szkm. The kernel knows" \
	"nothing: no device, no key."
proves "the module loaded again, every self-test passed" szkm_selftests_passed
run "szkmctl status | grep -E '^(state|keys|events|registry):'"
[ "$(szkmctl status --json | jq -r .state)" = uninitialised ] || fail "a device survived the reboot in the kernel"
run "tpm2_pcrread sha256:13"
pcr13_is() { tpm2_pcrread sha256:13 | grep -q "13: 0x$1\$"; }
pcr13_is "$(printf '0%.0s' {1..64})" || fail "PCR 13 is not at its reset value"
run "ls /var/lib/szkm/state"

step "ledgerd starts again on its saved database"
say "(The guest's root is in memory: ledgerd's database comes back from the" \
	"share.) At start ledgerd re-checks the whole ledger before it serves" \
	"anything: every entry re-hashed, the tree rebuilt, the checkpoint's" \
	"signature verified."
run "cp $SHARE/ledgerd/ledger.db /var/lib/ledgerd/ledger.db"
ledgerd_start
ledgerd_said 'ledger .*entries, origin'

step "szkm-restore.service brings the device and every key back"
say "At boot szkm-restore.service runs after ledgerd.service. Its command" \
	"unseals the device (the TPM opens R and E once, and the module caps PCR 13" \
	"again), waits for ledgerd to prove the kernel's resume (the key registry" \
	"is rebuilt from the ledger's chain of this device) and loads every saved" \
	"key. This is the unit's ExecStart, as shipped:"
unit=$SZKM_TOP/userspace/szkmctl/szkm-restore.service
restore=$(sed -n 's|^ExecStart=/usr/sbin/||p' "$unit")
[ -n "$restore" ] || fail "no ExecStart in $unit"
say "    ExecStart=$(sed -n 's/^ExecStart=//p' "$unit")"
run "$restore"
grep -qx "restored 3 of 3 keys from /var/lib/szkm/state (0 live already, 0 refused)" <<<"$RUN_OUT" ||
	fail "the restore did not bring back the three keys"
ledgerd_said "restored the kernel's key registry from [0-9]+ events"
run "szkmctl status | grep -E '^(state|events|registry|lock pcr):'"
run "tpm2_pcrread sha256:13"
! pcr13_is "$(printf '0%.0s' {1..64})" || fail "PCR 13 is still at its reset value after the unseal"
[ "$(szkmctl status --json | jq -r '"\(.state) \(.registry) \(.lock_pcr) \(.pcr_capped)"')" = "ready ready 13 true" ] ||
	fail "device not ready, registry not ready, or PCR 13 not capped"
run "szkmctl key list"
szkmctl key list --json | jq -S '[.[] | {name, alg, active, versions: [.versions[] | {version, state}]}] | sort_by(.name)' \
	>"$T/keys-after.json"
cmp -s "$SHARE/keys-before.json" "$T/keys-after.json" || fail "the keys are not as they were saved: $(cat "$T/keys-after.json")"
held "the device and its three keys are back, every version in the state it was saved in"

step "Old data still decrypts"
run "keyctl pkey_decrypt %szkm:db 0 payroll.v1.ct"
run "keyctl pkey_decrypt %szkm:db 0 payroll.v2.ct"
run "keyctl pkey_decrypt %szkm:inbox 0 note.ct"
proves "the first boot's ciphertexts, under db v1 and v2 and inbox, decrypt as before" eval \
	"keyctl pkey_decrypt %szkm:db 0 payroll.v1.ct | cmp -s - payroll.txt &&
	 keyctl pkey_decrypt %szkm:db 0 payroll.v2.ct | cmp -s - payroll.txt &&
	 keyctl pkey_decrypt %szkm:inbox 0 note.ct | cmp -s - note.txt"

step "The application verifies the signing key again, and signs"
say "The client remembers the checkpoint it accepted before the reboot: the" \
	"ledger's tree now must extend it (a consistency proof), and the key must" \
	"still be the one the ledger records."
echo "release 1.1: 77b01e" >release-2.txt
run "szkm-verified-sign signer \$URL release-2.txt \"\$VKEY\""
run "openssl dgst -sha256 -verify release-2.txt.pub.pem -signature release-2.txt.sig release-2.txt"
proves "the same public key as before the reboot" cmp -s release.txt.pub.pem release-2.txt.pub.pem

step "Tampering: one byte changed in a saved key blob"
say "An attacker changes one byte of signer's sealed blob on the disk and asks" \
	"the kernel to load it. The blob is authenticated under the device's root" \
	"key: the kernel refuses it and its log says why."
sid=$(szkmctl key show signer --json | jq -r .id)
b=$(cat "/var/lib/szkm/state/$sid.blob")
c=${b:200:1}
[ "$c" = 0 ] && d=1 || d=0
printf '%s' "${b:0:200}$d${b:201}" >"$SHARE/attacker/signer-modified.blob"
say "(../attacker/signer-modified.blob: hex digit 201 of $sid.blob changed from $c to $d)"
refused "keyctl add szkm signer \"load \$(cat ../attacker/signer-modified.blob)\" @s" "rejected"
kernel_said "load 'signer': blob failed authentication"
held "the kernel refused the modified blob, and said why"

step "Tampering: an old key blob"
say "The attacker kept db's blob from before the rotation (v1 active). Old" \
	"blobs stay dead: the kernel's key registry, rebuilt from the ledger after" \
	"the reboot, knows db's last change. db is taken out of the keyring, as" \
	"at the next boot, and the old blob is offered instead of the saved one."
run "keyctl unlink %szkm:db @u"
db_gone() { [ "$(szkmctl status --json | jq .keys)" = 2 ]; }
until_ok 15 db_gone || fail "db is still in the kernel"
refused "keyctl add szkm db \"load \$(cat ../attacker/db-before-rotation.blob)\" @u" "rejected"
kernel_said "load 'db': .*rollback refused"
held "the kernel refused the old blob: rollback"
say "The restore unit's command loads the current blob; the other two keys are live already."
run "$restore"
grep -qx "restored 1 of 3 keys from /var/lib/szkm/state (2 live already, 0 refused)" <<<"$RUN_OUT" ||
	fail "the restore did not bring db back"
proves "db is back and decrypts v1's data" \
	eval "keyctl pkey_decrypt %szkm:db 0 payroll.v1.ct | cmp -s - payroll.txt"

step "Tampering: a rolled-back ledger"
say "An attacker with root on the ledger's machine puts back ledgerd's database" \
	"as it was before the reboot and restarts it: the node serves an older" \
	"tree, signed by the same node key. The client has seen a later" \
	"checkpoint, and refuses."
ledgerd_stop
run "cp /var/lib/ledgerd/ledger.db /var/lib/ledgerd/ledger.db.real"
run "cp $SHARE/ledgerd/ledger.db /var/lib/ledgerd/ledger.db"
ledgerd_start
echo "release 1.2: c0ffee" >release-3.txt
refused "szkm-verified-sign signer \$URL release-3.txt \"\$VKEY\"" "rollback or fork" \
	"the application refused to sign: rollback or fork"
proves "no signature was written" test ! -e release-3.txt.sig
refused "szkmctl verify --ledger \$URL --key db --ledger-key \"\$VKEY\"" "rollback or fork" \
	"szkmctl verify refused the same ledger"
say "The real database back, the client signs again."
ledgerd_stop
run "cp /var/lib/ledgerd/ledger.db.real /var/lib/ledgerd/ledger.db"
ledgerd_start
run "szkm-verified-sign signer \$URL release-3.txt \"\$VKEY\""
proves "OpenSSL verifies it" openssl dgst -sha256 -verify release-3.txt.pub.pem -signature release-3.txt.sig release-3.txt
wait_journal_empty

step "db's whole history, across the reboot"
say "Every change of db since its creation, each signed by the device and" \
	"proven in the ledger, with who made it: szkmctl, the kernel's rotation" \
	"service, and the restores after the reboot (key-load). The refused" \
	"blobs left no trace: a refused load changes nothing."
run "szkmctl verify --ledger \$URL --key db --ledger-key \"\$VKEY\""
szkmctl verify --ledger "$URL" --key db --ledger-key "$VKEY" --json >"$SHARE/history.json" ||
	fail "szkmctl verify --json"
jq -e '.verified and .kernel.agrees and .previous_size != null' "$SHARE/history.json" >/dev/null ||
	fail "db's history did not verify"
held "$(jq -r '"\(.events | length) events verified against checkpoint \(.checkpoint.size), consistent with size \(.previous_size) seen before; the kernel agrees"' "$SHARE/history.json")"
dmesg_clean
held "the kernel log has no warning, oops or BUG"

step "What this run showed"
say "The device's root key is sealed by the TPM and opens once per boot, for" \
	"the module only. Keys are made and used in the kernel; every change is an" \
	"event the device signs, that ledgerd records and proves, and that takes" \
	"effect only then. Applications check a key against the ledger before" \
	"they trust it. After a reboot the saved state brings every key back, and" \
	"a modified blob, an old blob or a rolled-back ledger is refused, by name."
