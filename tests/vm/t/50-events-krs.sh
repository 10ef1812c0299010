# The rotation service and the signed event journal: rotation by period,
# at the use limit and on request; ledger=required keeps a new version
# pending (the old one serving) until the ledger acknowledges its event;
# a full journal fails closed with EBUSY and drains when the listener is
# back, with nothing lost or duplicated; acknowledgements are checked.
szkm_device_up
log0=$(wc -l </run/szkm-listen.log)	# this test's part of the listener's log
ver_of() { "$SZKMCTL" key show "$1" --json | sed -n 's/.*"active":\([0-9]*\).*/\1/p'; }
wait_ver() { # <key> <version>: waits until that version is active
	local i
	for i in $(seq 150); do [ "$(ver_of "$1")" = "$2" ] && return 0; sleep 0.1; done
	fail "key $1 did not reach v$2 (at v$(ver_of "$1"))"
}
head -c 100 /dev/urandom >m

# Period: rotate=2s rotates by itself, again and again.
p=$(szkm_add per "new aes256-gcm rotate=2s" @s)
wait_ver "$p" 2
wait_ver "$p" 3
grep -q 'key-rotate key=per v=2' /run/szkm-listen.log || fail "no signed rotate event for per"

# Who did it: every event names its actor. The scheduled rotation is the
# kernel's own; the key's creation names root's keyctl (no login uid in
# the guest); a key made by uid 65534 after a login as 1000 names both.
grep -q 'key-rotate key=per v=2 .* by kernel verified' /run/szkm-listen.log ||
	fail "scheduled rotation not the kernel's: $(grep 'key=per v=2' /run/szkm-listen.log)"
grep -Eq 'key-create key=per v=1 .* by uid=0 auid=none pid=[0-9]+ comm=keyctl verified' /run/szkm-listen.log ||
	fail "creation's actor: $(grep 'key-create key=per' /run/szkm-listen.log)"
sh -c 'echo 1000 >/proc/self/loginuid && exec setpriv --reuid=65534 --regid=65534 --clear-groups keyctl session - keyctl add szkm nob "new aes256-gcm" @s' >/dev/null ||
	fail "uid 65534 could not make a key"
actor_logged() { grep -Eq 'key-create key=nob v=1 .* by uid=65534 auid=1000 pid=[0-9]+ comm=keyctl verified' /run/szkm-listen.log; }
until_ok 10 actor_logged || fail "uid 65534's key: $(grep 'key=nob' /run/szkm-listen.log)"

# Use limit: max_uses=16 rotates near the limit, before service stops.
u=$(szkm_add lim "new aes256-gcm max_uses=16" @s)
for i in $(seq 15); do ok keyctl pkey_encrypt "$u" 0 m >/dev/null; done
wait_ver "$u" 2
ok keyctl pkey_encrypt "$u" 0 m >c
[ "$(ct_version c)" = 2 ] || fail "use-limit rotation did not take over"

# ledger=required: without a listener the new version waits, v1 serves.
r=$(szkm_add req "new aes256-gcm" @s)
kill "$(cat /run/szkm-listen.pid)"; rm -f /run/szkm-listen.pid
ok keyctl update "$r" rotate
"$SZKMCTL" key show req | grep -q '^v2 *pending' || fail "v2 not pending: $("$SZKMCTL" key show req)"
ok keyctl pkey_encrypt "$r" 0 m >c
[ "$(ct_version c)" = 1 ] || fail "pending v2 was used before the ledger had it"
refuses "busy" keyctl update "$r" rotate

# Journal full: changes fail closed (EBUSY, a clear message), nothing lost.
echo 3 >/sys/module/szkm/parameters/journal_max
n=0
while keyctl add szkm "full$n" "new aes256-gcm ledger=async" @s >/dev/null 2>err; do
	n=$((n + 1)); [ $n -lt 10 ] || fail "journal never filled"
done
grep -q 'Device or resource busy' err || fail "full journal gave: $(cat err)"
dmesg | grep -q 'journal full' || fail "no 'journal full' message"
! keyctl search @s szkm "full$n" >/dev/null 2>&1 || fail "a key was made without its event"
echo 4096 >/sys/module/szkm/parameters/journal_max

# The listener comes back: replay from its last event, everything acked.
szkm_listener_up
szkm_wait_ledger "$r"
[ "$(ver_of "$r")" = 2 ] || fail "v2 not active after the ledger acked"
szkm_wait_drained

# Fair use: with the ledger away, uid 65534 fills its share of the journal
# and is refused (EDQUOT, the limit named), while root's rotation still
# goes in.
kill "$(cat /run/szkm-listen.pid)"; rm -f /run/szkm-listen.pid
echo 2 >/sys/module/szkm/parameters/journal_per_uid
# nobody_adds PREFIX ERRFILE: uid 65534 adds szkm keys PREFIX0, PREFIX1, ...
# in a session of its own until one is refused (the error in ERRFILE);
# fails when ten go in.
nobody_adds() {
	: >"$2" && chmod 666 "$2"
	setpriv --reuid=65534 --regid=65534 --clear-groups keyctl session - sh -c \
		'i=0; while keyctl add szkm "$1$i" "new aes256-gcm" @s >/dev/null 2>$0; do i=$((i + 1)); [ $i -lt 10 ] || exit 3; done' "$2" "$1"
}
nobody_adds flood /run/szkm-flood.err || fail "uid 65534 was never refused"
grep -q 'Disk quota exceeded' /run/szkm-flood.err || fail "flood refused with: $(cat /run/szkm-flood.err)"
dmesg | grep -q 'uid 65534 has 2 events waiting for the ledger: journal_per_uid reached' || fail "no log line naming the limit"
ok keyctl update "$r" rotate
echo 1024 >/sys/module/szkm/parameters/journal_per_uid
szkm_listener_up
szkm_wait_ledger "$r"
[ "$(ver_of "$r")" = 3 ] || fail "root's rotation did not go through the flood"
szkm_wait_drained
# Keys too: uid 65534 holds at most keys_per_uid szkm keys (EDQUOT, the
# limit named; the flood's keys went with their session), while root still
# makes its own.
echo 3 >/sys/module/szkm/parameters/keys_per_uid
nobody_adds many /run/szkm-keys.err || fail "uid 65534 was never refused a key"
grep -q 'Disk quota exceeded' /run/szkm-keys.err || fail "keys refused with: $(cat /run/szkm-keys.err)"
dmesg | grep -q "uid 65534 holds [0-3] szkm keys: keys_per_uid reached" || fail "no log line naming keys_per_uid"
rk=$(szkm_add root-more "new aes256-gcm" @s)
echo 1024 >/sys/module/szkm/parameters/keys_per_uid
# Every event seen once, in order, each verified (signature and chain).
tail -n +$((log0 + 1)) /run/szkm-listen.log | awk -F'[= ]' '
	/^new device/ { last = 0; next }
	/^seq=/ { if (last != "" && $2 != last + 1) { print "gap or duplicate at " $2; exit 1 } last = $2 }' ||
	fail "listener saw a gap or a duplicate"
! grep -q REJECT /run/szkm-listen.log || fail "listener rejected an event"

# Acknowledgements: the ledger's word is never enough. A bare ack or resume
# (root, by hand) is refused; a proof message must be well formed and come
# from root. Built by hand, each is refused for what is wrong, and the
# journal stays as it was.
last=$("$SZKMCTL" status --json | sed -n 's/.*"seq":\([0-9]*\).*/\1/p')
raw=$SZKM_TOP/build/bin/genl_raw
le64() { local i; for i in 0 1 2 3 4 5 6 7; do printf '%02x' $((($1 >> (8 * i)) & 255)); done; }
# Quiet first: no rotation due, every event proven.
szkm_change "$p" "set rotate=3650d"
szkm_wait_drained
before=$("$SZKMCTL" status --json)
refuses "believes the ledger's proof, not its word" "$raw" ack seq:$(le64 "$last") index:$(le64 0)
refuses "believes the ledger's proof, not its word" "$raw" resume seq:$(le64 1) hash:$(printf '00%.0s' $(seq 32))
cp "$raw" $T/genl_raw && chmod 755 $T $T/genl_raw
refuses "Operation not permitted" setpriv --reuid=65534 --regid=65534 --clear-groups $T/genl_raw prove checkpoint:00
# Events name every user's keys: an unprivileged user cannot join the group.
refuses "Operation not permitted" setpriv --reuid=65534 --regid=65534 --clear-groups $T/genl_raw subscribe
ok "$raw" subscribe >/dev/null
refuses "a signed checkpoint (SZKM_A_CHECKPOINT) is needed" "$raw" prove
refuses "not a well-formed signed note" "$raw" prove checkpoint:$(printf 'x\n1\n\n' | xxd -p)
refuses "not a list of 32-byte hashes" "$raw" prove checkpoint:00 consistency:$(printf '00%.0s' $(seq 31))
refuses "events of another device" "$raw" prove checkpoint:00 device:$(printf '00%.0s' $(seq 32))
# An attribute of the wrong size fails the family's policy (EINVAL or ERANGE).
bad_size() {
	local out
	out=$("$raw" "$@") && fail "accepted: $*"
	grep -qE "Invalid argument|Numerical result out of range" <<<"$out" || fail "$*: $out"
}
bad_size prove checkpoint:00 device:0011
bad_size resume checkpoint:00 seq:0102
[ "$("$SZKMCTL" status --json)" = "$before" ] || fail "a refused ack or proof changed the journal"
# The periodic key would rotate for the rest of the boot: let it go.
ok keyctl unlink "$p" @s
dmesg_clean
