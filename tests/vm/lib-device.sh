# Helpers for the device lifecycle tests (sourced by t/10-device-*.sh and
# steps/device-*.sh, after lib.sh).
ctl=$SZKM_TOP/build/bin/szkmctl
# The raw TPM, not the resource manager: it shows every transient object
# loaded in the TPM, the module's included.
export TPM2TOOLS_TCTI=device:/dev/tpm0

# Unload and load the module: a fresh kernel-side device state.
szkm_reload() {
	rmmod szkm || fail "rmmod szkm"
	szkm_load || fail "reload szkm"
}

# status_field <name>: a field of `szkmctl status`.
status_field() { "$ctl" status | sed -n "s/^$1: *//p"; }

expect_state() {
	local st; st=$(status_field state)
	[ "$st" = "$1" ] || fail "device state is '$st', expected '$1'"
}

device_id() { status_field 'device id'; }

# The module left no transient object or session in the TPM.
transient_empty() {
	local h
	h=$(tpm2_getcap handles-transient; tpm2_getcap handles-loaded-session)
	[ -z "$h" ] || fail "TPM handles left loaded: $h"
}

# blob_field <file> <n>: offset and length of field n (0 parent name,
# 1 public key, 2 TPM binding, 3 sealed R, 4 sealed E, 5 ledger keys,
# 6 wrapped D), as "off len".
blob_field() {
	local f=$1 n=$2 off=8 i len
	for ((i = 0; i <= n; i++)); do
		len=$(xxd -s "$off" -l 2 -p "$f")
		len=$((16#$len))
		[ $i -eq "$n" ] && { echo "$((off + 2)) $len"; return; }
		off=$((off + 2 + len))
	done
}

# flip <in> <out> <offset>: a copy of <in> with one bit of one byte flipped.
flip() {
	local b
	cp "$1" "$2"
	b=$(xxd -s "$3" -l 1 -p "$1")
	printf "$(printf '\\x%02x' $((16#$b ^ 0x01)))" |
		dd of="$2" bs=1 seek="$3" conv=notrunc status=none
}

# The kernel log since the module was last loaded.
dmesg_since_load() { dmesg | awk '/szkm: loading/ { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }'; }

# split_sealed <blob> <n> <prefix>: field n (3 sealed R, 4 sealed E) as
# <prefix>.priv (TPM2B_PRIVATE) and <prefix>.pub (TPM2B_PUBLIC), the files
# tpm2_load takes.
split_sealed() {
	local off len plen
	read -r off len <<<"$(blob_field "$1" "$2")"
	plen=$((16#$(xxd -s "$off" -l 2 -p "$1") + 2))
	dd if="$1" of="$3.priv" bs=1 skip="$off" count="$plen" status=none
	dd if="$1" of="$3.pub" bs=1 skip=$((off + plen)) count=$((len - plen)) status=none
}

# The TCG SRK template, as tpm2-tools spells it: unique is a TPMS_ECC_POINT
# of two 32-byte zero coordinates, which tpm2-tools reads as tpm2-tss's C
# struct (a little-endian size, then a 128-byte buffer, for x and for y).
# srk_primary <ctx> [<name file>]
srk_primary() {
	{ printf '\x20\x00'; head -c 128 /dev/zero; printf '\x20\x00'; head -c 128 /dev/zero; } \
		>"$T/srk-unique"
	tpm2_createprimary -Q -C o -g sha256 -G ecc256:aes128cfb -u "$T/srk-unique" \
		-a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|restricted|decrypt' \
		-c "$1" || return 1
	[ -z "${2:-}" ] || tpm2_readpublic -Q -c "$1" -n "$2"
}

# attack <blob> <field>: root in userspace unseals a sealed object (3: R,
# 4: E) of a device blob by itself, with tpm2-tools: without a policy and,
# failing that, in a policy session over the blob's lock PCR at its reset
# value and its rollback counter at the blob's value. Prints the secret's hex and returns 0 on success; returns 1
# when the TPM refused (the reasons in $T/atk/err.*), 2 when the attack
# could not be set up.
attack() {
	local a=$T/atk
	rm -rf $a; mkdir -p $a
	(
		export TPM2TOOLS_TCTI=device:/dev/tpmrm0
		srk_primary $a/srk.ctx $a/srk.name >/dev/null
		read -r off len <<<"$(blob_field "$1" 0)"
		[ "$(xxd -p -c 64 $a/srk.name)" = "$(xxd -s "$off" -l "$len" -p -c 64 "$1")" ] ||
			{ echo "attack: the SRK template made another parent" >&2; exit 2; }
		split_sealed "$1" "$2" $a/obj
		tpm2_load -Q -C $a/srk.ctx -u $a/obj.pub -r $a/obj.priv -c $a/obj.ctx
		if tpm2_unseal -c $a/obj.ctx -o $a/plain 2>$a/err.nopolicy; then
			xxd -p -c 64 $a/plain; exit 0
		fi
		head -c 32 /dev/zero >$a/zeros
		tpm2_startauthsession -Q --policy-session -S $a/s.ctx
		read -r off _ <<<"$(blob_field "$1" 2)"
		lock=$((16#$(xxd -s "$off" -l 1 -p "$1")))
		dd if="$1" of=$a/counter bs=1 skip=$((off + 9)) count=8 status=none
		if tpm2_policypcr -Q -S $a/s.ctx -l sha256:$lock -f $a/zeros 2>$a/err.policypcr &&
		   tpm2_policynv -Q -S $a/s.ctx -i $a/counter 0x013A5A4D eq 2>$a/err.policynv &&
		   tpm2_unseal -c $a/obj.ctx -p session:$a/s.ctx -o $a/plain 2>$a/err.unseal; then
			xxd -p -c 64 $a/plain; exit 0
		fi
		tpm2_flushcontext $a/s.ctx 2>/dev/null
		exit 1
	)
}

# attack_refused <blob>: root's attack on sealed R and on sealed E fails,
# and for the reasons the policy gives (no userWithAuth; the lock PCR is
# not at its reset value), not because the attack broke.
attack_refused() {
	local f rc
	for f in 3 4; do
		rc=0; attack "$1" $f >/dev/null || rc=$?
		[ $rc = 1 ] || fail "attack on field $f: $([ $rc = 0 ] && echo "root UNSEALED it" || echo "did not run")"
		grep -qi 'auth_unavailable\|authorization is not available\|0x12f' $T/atk/err.nopolicy ||
			fail "no-policy unseal failed for another reason: $(cat $T/atk/err.nopolicy)"
		grep -qi 'value\|0x1c4\|policy' $T/atk/err.policypcr ||
			fail "policy attempt failed for another reason: $(cat $T/atk/err.policypcr)"
	done
}
