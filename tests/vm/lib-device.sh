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
# 1 public key, 2 sealed R, 3 sealed E, 4 wrapped D), as "off len".
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
