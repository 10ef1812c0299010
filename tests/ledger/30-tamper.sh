#!/usr/bin/env bash
# A database with one entry changed behind ledgerd's back is refused at
# start, with an error that names the entry, and so is one whose change
# was covered up by recomputing the stored leaf hash, and one whose last
# entry was deleted (named missing, not changed).
. "$(dirname "$0")/lib.sh"
start
"$B/ledger-testtool" keygen "$T/dev.pem"
"$B/ledger-testtool" events "$T/dev.pem" 30 >"$T/ev"
"$B/ledgerd" -c /dev/null --control-socket "$CTL" enroll dev-a "$T/dev.pem" >/dev/null
feed "$T/ev" >/dev/null
stop
"$B/ledgerd" "${LEDGERD_ARGS[@]}" check | grep -q 'integrity ok' || fail "clean ledger refused"
cp "$T/l.db" "$T/clean.db"

# One byte of entry 17's event time changed.
python3 - "$T/l.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
d = bytearray(c.execute("select data from entries where idx = 17").fetchone()[0])
d[85] ^= 0x01
c.execute("update entries set data = ? where idx = 17", (bytes(d),))
c.commit()
PY
if "$B/ledgerd" "${LEDGERD_ARGS[@]}" 2>"$T/err"; then fail "tampered ledger started"; fi
grep -q 'integrity check failed: entry 17 was changed' "$T/err" || fail "error: $(cat "$T/err")"

# A signature changed, with the stored leaf hash recomputed to match
# (the attacker: root with the database file). In entry 23 the next
# event's prev hash, the link of a format-3 event, covers it: the chain
# breaks at 24. In the last entry nothing covers it: the tree does.
# With verify_all, the check (by run) names the signature that fails.
tamper_sig() {
	cp "$T/clean.db" "$T/l.db"
	python3 - "$T/l.db" "$1" <<'PY'
import hashlib, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
i = int(sys.argv[2])
d = bytearray(c.execute("select data from entries where idx = ?", (i,)).fetchone()[0])
d[-1] ^= 0x01   # inside the signature
c.execute("update entries set data = ?, leaf = ? where idx = ?",
          (bytes(d), hashlib.sha256(b"\0" + bytes(d)).digest(), i))
c.commit()
PY
	if "$B/ledgerd" "${LEDGERD_ARGS[@]}" 2>"$T/err"; then fail "tampered ledger started"; fi
	if "$B/ledgerd" "${LEDGERD_ARGS[@]}" --verify-all yes check 2>"$T/err-all"; then
		fail "tampered ledger passed the check with verify_all"
	fi
	grep -q "integrity check failed: entry $1: the signature of device .* does not verify" "$T/err-all" ||
		fail "verify_all error: $(cat "$T/err-all")"
}
tamper_sig 23
grep -q 'integrity check failed: entry 24 was changed or forged: it breaks the chain .*prev-hash-mismatch' "$T/err" ||
	fail "error: $(cat "$T/err")"
tamper_sig 30
grep -q 'integrity check failed: entry 30 was changed' "$T/err" || fail "error: $(cat "$T/err")"

# The last entry deleted: missing, not changed.
cp "$T/clean.db" "$T/l.db"
python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("delete from entries where idx = 30"); c.commit()' "$T/l.db"
if "$B/ledgerd" "${LEDGERD_ARGS[@]}" 2>"$T/err"; then fail "a ledger without its last entry started"; fi
grep -q 'integrity check failed: entry 30 is missing' "$T/err" || fail "error: $(cat "$T/err")"

# The clean copy still starts; verify_all takes one signature for the
# device's 30 format-3 events.
cp "$T/clean.db" "$T/l.db"
"$B/ledgerd" "${LEDGERD_ARGS[@]}" check | grep -q 'integrity ok' || fail "clean copy refused"
"$B/ledgerd" "${LEDGERD_ARGS[@]}" --verify-all yes check >"$T/out"
grep -q 'integrity ok (event signatures verified: 1)' "$T/out" || fail "verify_all: $(cat "$T/out")"
echo "tamper ok"
