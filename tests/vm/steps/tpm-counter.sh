# Step of h/14-tpm-counter.sh, on a fresh TPM. Attacker: root with the TPM
# (and its owner password), before and after device init.
# - An NV index root planted at the counter's handle (an ordinary one it
#   can write, or a counter with other attributes): init refuses it, by
#   name, and makes nothing.
# - An owner password stops init (its storage parent and the counter are
#   the owner hierarchy's) and says so; without it the blob is sealed at
#   the counter's value and unseals after a reload.
# - Root increments the counter: the blob stops opening (a denial of
#   service, said as such). Root undefines and redefines it: the new
#   counter starts above the old value, so the blob still does not open.
. "$SZKM_TOP/tests/vm/lib-device.sh"
rm_tpm() { TPM2TOOLS_TCTI=device:/dev/tpmrm0 "$@"; }
idx=0x013A5A4D
counter_now() { rm_tpm tpm2_nvread $idx -C $idx -s 8 | xxd -p; }
blob_counter() {
	local off
	read -r off _ <<<"$(blob_field "$1" 2)"
	xxd -s $((off + 9)) -l 8 -p "$1"
}

szkm_reload
for attrs in 'ownerwrite|ownerread|authwrite|authread' 'nt=counter|authwrite|authread'; do
	rm_tpm tpm2_nvdefine $idx -C o -s 8 -a "$attrs" >/dev/null
	refuses "rollback counter could not be defined or read" "$ctl" device init --out $T/x.blob
	dmesg_since_load | grep -q "0x013a5a4d is not szkm's rollback counter" ||
		fail "no log line naming the planted index ($attrs)"
	expect_state uninitialised
	[ ! -e $T/x.blob ] || fail "a refused init wrote a blob"
	rm_tpm tpm2_nvundefine $idx -C o
done
transient_empty

# An owner password: szkm's storage parent is a primary key under the
# owner hierarchy, so init stops, and says why (not "wrong PIN").
rm_tpm tpm2_changeauth -c o ownerpw
refuses "its owner hierarchy: it has a password" "$ctl" device init --out $T/x.blob
expect_state uninitialised
rm_tpm tpm2_changeauth -c o -p ownerpw
ok "$ctl" device init --out $T/d.blob >/dev/null
[ "$(blob_counter $T/d.blob)" = "$(counter_now)" ] || fail "blob sealed at $(blob_counter $T/d.blob), counter at $(counter_now)"
szkm_reload
ok "$ctl" device unseal --in $T/d.blob >/dev/null
expect_state ready

# Root moves the counter on: the blob no longer opens.
szkm_reload
rm_tpm tpm2_nvincrement -C $idx $idx
refuses "not at the TPM's rollback counter" "$ctl" device unseal --in $T/d.blob
expect_state uninitialised
# Root redefines it: a new counter starts above every value counters held.
rm_tpm tpm2_nvundefine $idx -C o
rm_tpm tpm2_nvdefine $idx -C o -s 8 -a 'nt=counter|authwrite|authread|no_da' >/dev/null
szkm_reload
refuses "refused its policy" "$ctl" device unseal --in $T/d.blob
dmesg_since_load | grep -q "no written rollback counter at 0x013a5a4d" || fail "no log line for the unwritten counter"
rm_tpm tpm2_nvincrement -C $idx $idx
[ $((16#$(counter_now))) -gt $((16#$(blob_counter $T/d.blob))) ] ||
	fail "a redefined counter is at $(counter_now), the blob at $(blob_counter $T/d.blob)"
szkm_reload
refuses "not at the TPM's rollback counter" "$ctl" device unseal --in $T/d.blob
expect_state uninitialised
transient_empty
dmesg_clean
