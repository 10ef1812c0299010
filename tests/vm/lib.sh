# Helpers for guest test scripts (sourced by tests/vm/guest.sh, which runs
# each test with `bash -e` in a fresh session keyring). A helper that finds a
# broken expectation prints why and exits non-zero.

szkm_load() {
	local ko=${SZKM_KO:-$SZKM_TOP/kmod/szkm.ko} dep
	# A listener of an earlier load of the module hears nothing now.
	[ -f /run/szkm-listen.pid ] && kill "$(cat /run/szkm-listen.pid)" 2>/dev/null || true
	rm -f /run/szkm-listen.pid
	# Load what szkm.ko needs (crypto/ecc on 6.1) by name; a guest-wide
	# depmod over 9p costs tens of seconds under TCG.
	for dep in $(modinfo -F depends "$ko" | tr , ' '); do
		modprobe "$dep" || return 1
	done
	# The one-boot suite runs with lock_pcr=16, the resettable debug PCR:
	# resetting it stands in for the reboot that a module reload needs
	# before the same device unseals again (tests only; see szkmctl(8)).
	if [[ " ${SZKM_MODPARAMS:-} " == *" lock_pcr=16 "* ]] && [ -e /dev/tpmrm0 ]; then
		tpm2_pcrreset -T device:/dev/tpmrm0 16 >/dev/null || return 1
	fi
	insmod "$ko" ${SZKM_MODPARAMS:-} || return 1
	szkm_selftests_passed
}

# After a failed test (guest.sh): the next test starts from a fresh module
# and no device, not from what the failure left (a device that never came
# up, a locked one, a dead listener, a full journal), so one failure stays
# one failure. The device blob and the listener's chain state go with it:
# the next szkm_device_up makes a new device.
szkm_fresh() {
	local pid
	for pid in $(pgrep -x ledgerd; pgrep -f 'szkmctl events listen'); do
		kill "$pid" 2>/dev/null || true
	done
	keyctl clear @u >/dev/null 2>&1 || true
	if grep -q '^szkm ' /proc/modules; then
		until_ok 30 rmmod szkm 2>/dev/null || { echo "szkm-vm: cannot unload szkm after a failure"; return 1; }
	fi
	rm -f /run/szkm-device.blob /run/szkm-listen.pid "$SZKM_LISTEN_STATE"
	szkm_ledger_keys_up && szkm_load
}

# Every self-test line the module printed at its last load says "pass".
szkm_selftests_passed() {
	local lines
	lines=$(dmesg | tac | sed '/szkm: loading/q' | grep 'self-test' || true)
	[ -n "$lines" ] || { echo "no szkm self-test lines in the kernel log"; return 1; }
	if grep -v ': pass$' <<<"$lines"; then
		echo "a self-test did not pass"; return 1
	fi
}

fail() { echo "FAIL: $*" >&2; exit 1; }

# ok <cmd...>: the command must succeed.
ok() { "$@" || fail "expected success: $*"; }

# refuses <stderr text> <cmd...>: the command must fail and say <text>.
refuses() {
	local want=$1 out; shift
	if out=$("$@" 2>&1); then fail "expected failure: $*"; fi
	grep -qiF -- "$want" <<<"$out" || fail "expected '$want' from: $* (got: $out)"
}

# The kernel log since boot has no warning, oops or BUG.
dmesg_clean() {
	! dmesg | grep -E 'WARNING:|BUG:|Oops|general protection|Call Trace' || fail "kernel log shows a problem"
}

SZKMCTL=$SZKM_TOP/build/bin/szkmctl

# szkmctl for an unprivileged user: a copy in $T, since the checkout may
# sit in a folder only root can enter (a mktemp -d clone).
szkmctl_for_nobody() {
	[ -x "$T/szkmctl" ] || install -m 755 "$SZKMCTL" "$T/szkmctl"
	echo "$T/szkmctl"
}

# Initialises the device once per boot (fresh TPM), keeping its blob;
# after a module reload, unseals that blob again.
szkm_device_up() {
	local b=/run/szkm-device.blob
	if "$SZKMCTL" status | grep -q '^state: *\(uninitialised\|sealed\)'; then
		if [ -f $b ]; then
			"$SZKMCTL" device unseal --in $b >/dev/null || fail "device unseal failed"
		else
			"$SZKMCTL" device init --out $b >/dev/null || fail "device init failed"
		fi
	fi
	"$SZKMCTL" status | grep -q '^state: *ready' || fail "device not ready"
	szkm_listener_up
}

# The test listener's signing key: a fixture, the same in every boot, so
# multi-boot tests resume with it. TEST ONLY: it is public in the repository.
SZKM_LISTEN_KEY=$SZKM_TOP/tests/vm/fixtures/listener-test-key.pem
SZKM_LISTEN_NAME=szkm-test-listener
szkm_ledger_keys_up() {
	mkdir -p /etc/szkm &&
	"$SZKMCTL" events listen --vkey --key "$SZKM_LISTEN_KEY" --name $SZKM_LISTEN_NAME \
		>/etc/szkm/ledger-keys
}

# A listener that checks every event and proves it to the kernel with its
# own small ledger (the stand-in for ledgerd), resuming the chain from its
# state file after a module reload; returns once the chain is positioned.
SZKM_LISTEN_STATE=${SZKM_LISTEN_STATE:-/run/szkm-listen.state}
szkm_listener_up() {
	local pid
	pid=$(cat /run/szkm-listen.pid 2>/dev/null || true)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && szkm_keys_ready; then
		return 0
	fi
	# Gone, or listening to a module that was unloaded since: start anew.
	[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	setsid "$SZKMCTL" events listen --ack --state "$SZKM_LISTEN_STATE" \
		--key "$SZKM_LISTEN_KEY" --name $SZKM_LISTEN_NAME \
		>>/run/szkm-listen.log 2>&1 </dev/null &
	echo $! >/run/szkm-listen.pid
	until_ok 10 szkm_keys_ready ||
		fail "event chain or key registry not ready: $("$SZKMCTL" status | grep -E '^(events|registry):' | tr '\n' ' '); $(tail -3 /run/szkm-listen.log)"
}

# The chain is positioned and the key registry ready: keys can be made
# and loaded (after an unseal, once the ledger proved the resume).
szkm_registry_ready() { [ "$("$SZKMCTL" status --json | jq -r .registry)" = ready ]; }
szkm_keys_ready() { "$SZKMCTL" status | grep -q '^events: *chained' && szkm_registry_ready; }

. "$SZKM_TOP/tests/until.sh"

# tpm2-tools on a busy host: the guest's TPM driver gives up on a command
# the emulated TPM answers late (the tool fails with errno 62, "Timer
# expired"), which says nothing of what the test asks the TPM; the command
# runs again, until a deadline that scales with the load. Every tool the
# tests use goes through this; any other failure is the tool's own.
tpm_patient() {
	local err rc=0
	err=$(mktemp)
	tpm_try() { rc=0; command "$@" 2>"$err" || rc=$?; [ $rc = 0 ] || ! grep -q 'Timer expired' "$err"; }
	until_ok 60 tpm_try "$@" || true
	cat "$err" >&2
	rm -f "$err"
	return $rc
}
for _t in tpm2_create tpm2_createprimary tpm2_dictionarylockout tpm2_evictcontrol \
	tpm2_flushcontext tpm2_getcap tpm2_getrandom tpm2_load tpm2_pcrextend tpm2_pcrread \
	tpm2_pcrreset tpm2_policypcr tpm2_readpublic tpm2_startauthsession tpm2_unseal; do
	eval "$_t() { tpm_patient $_t \"\$@\"; }"
done
unset _t

# Waits until key $1 has no version waiting for the ledger.
szkm_no_pending() { ! timeout 10 "$SZKMCTL" key show "$1" --json | grep -q '"state":"pending"'; }
szkm_wait_ledger() {
	until_ok 10 szkm_no_pending "$1" || fail "key $1 still waits for the ledger: $(tail -3 /run/szkm-listen.log)"
}

# Wait until the listener has proven every journalled event.
szkm_drained() { "$SZKMCTL" status | grep -q ', 0 waiting for the ledger$'; }
szkm_wait_drained() {
	until_ok 10 szkm_drained || fail "journal did not drain: $("$SZKMCTL" status | grep '^events:')"
}

# keyctl update KEY CHANGE (retire, destroy, set): a ledger=required key
# applies it once the ledger proved its event; wait for that.
szkm_no_change_waits() { [ "$(timeout 10 "$SZKMCTL" key show "$1" --json | jq -r .waiting)" = 0 ]; }
szkm_change() {
	ok keyctl update "$1" "$2"
	until_ok 10 szkm_no_change_waits "$1" ||
		fail "key $1: '$2' still waits for the ledger: $(tail -3 /run/szkm-listen.log)"
}

# keyctl add szkm <args>, then wait for the ledger; prints the id.
szkm_add() {
	local id
	id=$(keyctl add szkm "$@") || fail "expected success: keyctl add szkm $*"
	szkm_wait_ledger "$id"
	echo "$id"
}

szkm_rotate() {
	ok keyctl update "$1" rotate
	szkm_wait_ledger "$1"
}

# Version number in an szkm ciphertext header (bytes 4..7, big-endian).
ct_version() { od -An -tu1 -j4 -N4 "$1" | awk '{print $1*16777216 + $2*65536 + $3*256 + $4}'; }

# Flips one bit of byte <offset> of <file> in place.
flip_byte() {
	local b
	b=$(od -An -tu1 -j"$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
