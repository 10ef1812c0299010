# Narration for the demo's guest scripts (tests/demo/boot-*.sh), sourced
# after tests/vm/lib.sh. The story is for people, and it is also what
# tests/demo/html.sh turns into build/demo/index.html, so its lines have
# five shapes:
#   "## N. TITLE"   a step
#   text            what happens and what it proves
#   "    $ CMD"     a command, as someone would type it
#   "      OUT"     that command's output (or "    (kernel log) ...")
#   "  ✓ TEXT"      an outcome the demo checked (a failed one is "  ✗ TEXT",
#                   and the demo stops there)
# Every step checks its outcome, as a test does: the demo fails as soon as
# one does not hold.
set -o pipefail
export PATH=$SZKM_TOP/build/bin:$PATH
SHARE=$SZKM_SHARE
# The story goes to the share as it is told (the host prints it as it
# grows); what a command says on stderr goes there too, so a failure is
# in the story with its reason.
exec >>"$SHARE/story-$DEMO_BOOT.txt" 2>&1

# Steps are numbered across both boots.
DEMO_STEP=$(cat "$SHARE"/story-*.txt | grep -c '^## ' || true)
# (When each step began goes to timing-N.txt, for whoever makes the
# demo faster.)
step() {
	DEMO_STEP=$((DEMO_STEP + 1))
	printf '\n## %d. %s\n' "$DEMO_STEP" "$*"
	printf '%4d s  %d. %s\n' "$SECONDS" "$DEMO_STEP" "$*" >>"$SHARE/timing-$DEMO_BOOT.txt"
}
say() { printf '%s\n' "$@"; }
indent() { sed 's/^/      /'; }
# fail replaces lib.sh's: the reason, in the story's own shape.
fail() { printf '  ✗ %s\n' "$*"; exit 1; }
# held TEXT: an outcome that was checked just before.
held() { printf '  ✓ %s\n' "$*"; }

# run 'CMD': shows CMD as typed ($URL, "$VKEY" and the like stay names),
# runs it in this shell and shows its output (kept in RUN_OUT); it must
# succeed.
run() {
	local out rc=0
	printf '    $ %s\n' "$1"
	out=$(eval "$1" 2>&1) || rc=$?
	RUN_OUT=$out
	[ -z "$out" ] || printf '%s\n' "$out" | indent
	[ $rc = 0 ] || fail "'$1' failed (exit $rc)"
}

# refused 'CMD' TEXT [WHAT]: CMD must fail and say TEXT; WHAT is what
# that proves (or the caller says it, after more evidence).
refused() {
	local out rc=0
	printf '    $ %s\n' "$1"
	out=$(eval "$1" 2>&1) || rc=$?
	[ -z "$out" ] || printf '%s\n' "$out" | indent
	[ $rc != 0 ] || fail "'$1' succeeded: not refused"
	grep -qiF -- "$2" <<<"$out" || fail "'$1' was refused without saying '$2'"
	[ -z "${3:-}" ] || held "$3"
}

# proves WHAT CMD...: a check that is not shown as a command.
proves() {
	local what=$1
	shift
	"$@" >/dev/null 2>&1 || fail "$what"
	held "$what"
}

# kernel_said PATTERN: the kernel log's latest szkm line matching PATTERN,
# as the kernel wrote it (for when that line is the point).
kernel_said() {
	local line
	line=$(dmesg | grep -E "szkm: .*$1" | tail -n 1 | sed 's/^\[[^]]*\] //')
	[ -n "$line" ] || fail "the kernel log has no line matching '$1'"
	printf '    (kernel log) %s\n' "$line"
}

# The ledger node: ledgerd with its HTTP API on 127.0.0.1:8587, talking to
# the kernel over netlink (as tests/vm/lib-ledgerd.sh runs it), set up by
# its configuration file so that its commands read as in ledgerd(8). Its
# node key is on the share; its database is in the guest's root, a tmpfs,
# and crosses the reboot on the share, as it would on a disk.
URL=http://127.0.0.1:8587
LPID=
ip link set lo up
mkdir -p /etc/ledgerd /var/lib/ledgerd /run/ledgerd "$SHARE/ledgerd"
printf '%s\n' "db = /var/lib/ledgerd/ledger.db" "key = $SHARE/ledgerd/node.pem" \
	"origin = demo.szkm.example/ledger" "http_address = 127.0.0.1" "http_port = 8587" \
	"netlink = yes" >/etc/ledgerd/ledgerd.conf
ledgerd_serving() { curl -sf "$URL/health" >/dev/null && [ -S /run/ledgerd/control ]; }
# ledgerd_start: shown as typed; returns once ledgerd serves.
ledgerd_start() {
	printf '    $ ledgerd &\n'
	ledgerd 2>>/run/ledgerd/log </dev/null &
	LPID=$!
	until_ok 15 ledgerd_serving || fail "ledgerd did not start: $(tail -3 /run/ledgerd/log)"
}
ledgerd_stop() {
	[ -n "$LPID" ] || return 0
	kill "$LPID"
	wait "$LPID" 2>/dev/null || true
	LPID=
}
trap '[ -z "$LPID" ] || kill $LPID 2>/dev/null; true' EXIT
# ledgerd_said PATTERN: ledgerd's latest log line matching PATTERN.
ledgerd_said() {
	local line
	line=$(grep -E "$1" /run/ledgerd/log | tail -n 1)
	[ -n "$line" ] || fail "ledgerd's log has no line matching '$1'"
	printf '    (ledgerd log) %s\n' "$line"
}

# The kernel's journal is empty: the ledger proved every event.
journal_empty() { [ "$(szkmctl status --json | jq .journal)" = 0 ]; }
wait_journal_empty() {
	until_ok 20 journal_empty || fail "events still wait for the ledger: $(szkmctl status | grep '^events:')"
}

# The verifying client remembers the last checkpoint it accepted; on the
# share, so that it remembers it across the reboot.
export XDG_STATE_HOME=$SHARE/client

# /var/lib/szkm, where szkmctl keeps the device blob and the saved state
# by default, is on the share: the machine's disk, kept across the reboot.
mkdir -p "$SHARE/var-lib-szkm"
rm -rf /var/lib/szkm
ln -s "$SHARE/var-lib-szkm" /var/lib/szkm

# A login session links the user keyring into its session keyring
# (pam_keyinit): keys in @u are found by name and possessed.
keyctl link @u @s >/dev/null
mkdir -p "$SHARE/data" "$SHARE/attacker"
cd "$SHARE/data" || exit 1
