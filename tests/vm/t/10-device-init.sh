# Device init: the kernel returns a blob laid out as include/szkm.h says
# (and nothing else), status says ready with the device id, the identity
# key parses in OpenSSL and hashes to the id; a second init is refused by
# szkmctl (blob file exists) and by the kernel (device exists); every
# transient TPM object is flushed; no command works for a non-root user.
. "$SZKM_TOP/tests/vm/lib-device.sh"
szkm_reload
expect_state uninitialised
[ "$(device_id)" = none ] || fail "a device id before init"
refuses "no device" "$ctl" device identity

out=$(ok "$ctl" device init --out $T/d/device.blob)
grep -q '^device initialised' <<<"$out" || fail "init: $out"
[ "$(stat -c %a $T/d/device.blob)" = 600 ] || fail "blob mode $(stat -c %a $T/d/device.blob)"
[ "$(stat -c %a $T/d)" = 700 ] || fail "blob folder mode"
ls $T/d | grep -v '^device.blob$' && fail "temporary files left next to the blob"
expect_state ready
id=$(device_id)
[[ $id =~ ^[0-9a-f]{64}$ ]] || fail "device id '$id'"
grep -q "^id:   $id$" <<<"$out" || fail "init printed another id: $out"
transient_empty
dmesg_since_load | grep -q 'storage parent is a primary key made from the SRK template' ||
	fail "module did not say which storage parent it used"

# The blob: magic, format 4, no flags; exact field sizes filling the file.
b=$T/d/device.blob
[ "$(xxd -l 8 -p $b)" = 535a4b4404000000 ] || fail "blob header $(xxd -l 8 -p $b)"
read -r off len <<<"$(blob_field $b 0)"; [ "$len" = 34 ] || fail "parent name length $len"
read -r off len <<<"$(blob_field $b 1)"; [ "$len" = 65 ] || fail "public key length $len"
pub=$(xxd -s "$off" -l 65 -p $b | tr -d '\n')
# The binding: lock PCR 16 (this suite's), no boot PCRs, the rollback
# counter (index and the value status reports), the policy digest.
read -r off len <<<"$(blob_field $b 2)"; [ "$len" = 49 ] || fail "binding length $len"
[ "$(xxd -s "$off" -l 9 -p $b)" = 1000000000013a5a4d ] || fail "binding $(xxd -s "$off" -l 9 -p $b)"
[ $((16#$(xxd -s $((off + 9)) -l 8 -p $b))) = "$(status_field 'tpm counter' | cut -d' ' -f1)" ] ||
	fail "status counter $(status_field 'tpm counter') is not the blob's"
policy=$(xxd -s $((off + 17)) -l 32 -p $b | tr -d '\n')
status_field 'tpm policy' | grep -qx "$policy" || fail "status policy is not the blob's"
# The ledger keys: threshold 1, one key, the test listener's (/etc/szkm/ledger-keys).
read -r off len <<<"$(blob_field $b 5)"; [ "$len" = $((2 + 1 + ${#SZKM_LISTEN_NAME} + 65)) ] || fail "ledger keys length $len"
[ "$(xxd -s "$off" -l 3 -p $b)" = "0101$(printf '%02x' ${#SZKM_LISTEN_NAME})" ] || fail "ledger keys $(xxd -s "$off" -l 3 -p $b)"
[ "$(dd if=$b bs=1 skip=$((off + 3)) count=${#SZKM_LISTEN_NAME} status=none)" = $SZKM_LISTEN_NAME ] || fail "ledger key name"
read -r off len <<<"$(blob_field $b 6)"; [ "$len" = 60 ] || fail "wrapped D length $len"
[ $((off + len)) = "$(stat -c %s $b)" ] || fail "blob has bytes after the wrapped D"

# Identity: the same key as in the blob; OpenSSL reads it; SHA-256 is the id.
idn=$(ok "$ctl" device identity)
grep -q "^id:     $id$" <<<"$idn" || fail "identity id: $idn"
grep -q "^pubkey: $pub$" <<<"$idn" || fail "identity key is not the blob's: $idn"
ok "$ctl" device identity --pem >$T/pub.pem
openssl pkey -pubin -in $T/pub.pem -noout -text | grep -q 'NIST CURVE: P-256' ||
	fail "openssl does not read the identity as a P-256 key"
der_id=$(openssl pkey -pubin -in $T/pub.pem -outform DER | tail -c 65 | sha256sum | cut -c1-64)
[ "$der_id" = "$id" ] || fail "id is not SHA-256 of the public key"

# A second init: szkmctl sees the blob file; the kernel sees the device.
refuses "exists" "$ctl" device init --out $T/d/device.blob
refuses "a device exists" "$ctl" device init --out $T/other.blob
[ ! -e $T/other.blob ] || fail "refused init wrote a blob"
[ "$(device_id)" = "$id" ] || fail "refused init changed the device"
cmp -s $T/d/device.blob $b || fail "refused init touched the blob"

# Not root: every command refused, and says why.
cp $b $T/pub.blob && chmod 644 $T/pub.blob
nctl=$(szkmctl_for_nobody)
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
refuses "CAP_SYS_ADMIN" nobody "$nctl" status
refuses "CAP_SYS_ADMIN" nobody "$nctl" device init --out $T/nobody.blob
refuses "CAP_SYS_ADMIN" nobody "$nctl" device unseal --in $T/pub.blob
refuses "CAP_SYS_ADMIN" nobody "$nctl" device identity
refuses "CAP_SYS_ADMIN" nobody "$nctl" device lock
expect_state ready

# --force makes a new device (and says so in its id).
ok "$ctl" device init --force --out $T/d/device.blob >/dev/null
expect_state ready
[ "$(device_id)" != "$id" ] || fail "forced init kept the old device"
transient_empty

# A device whose device-init event cannot be recorded (here: a journal
# with no room) is refused: no blob, and nothing can be made with it.
jm=/sys/module/szkm/parameters/journal_max
old=$(cat $jm)
echo 0 >$jm
refuses "could not be recorded" "$ctl" device init --force --out $T/d/unrecorded.blob
echo "$old" >$jm
[ ! -s $T/d/unrecorded.blob ] || fail "a blob for an unrecorded device"
"$ctl" status | grep -q '^events: *not' || fail "chain positioned without a device-init event"
refuses "temporarily unavailable" keyctl add szkm unrec "new aes256-gcm" @s
ok "$ctl" device init --force --out $T/d/device.blob >/dev/null
transient_empty
dmesg_clean
