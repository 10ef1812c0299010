#!/usr/bin/env bash
# szkmctl verify against a real ledgerd: an honest key's history verifies,
# and the saved checkpoint moves with the ledger; a checkpoint signed by
# no configured key, or by fewer than the threshold, is refused; so is an
# entry changed under the node, a rolled-back ledger, a node that signs a
# tree over an event whose device signature was changed (and, to a client
# that saw the honest tree, that tree as a fork); a bad URL or an
# unreachable ledger is one clear line. Every refusal exits 1 with one
# line naming what failed and leaves the state file as it was.
. "$(dirname "$0")/lib.sh"
key_history

verify() { "$B/szkmctl" verify --ledger "$URL" --key-id "$kid" "$@"; }

# verified <state> <events> <size> [args]: exit 0, the final line, the
# state file then holding the checkpoint of <size>.
verified() {
	local state=$1 n=$2 size=$3; shift 3
	verify --state "$state" "$@" >"$T/out" 2>"$T/err" || fail "verify $*: $(cat "$T/err")"
	[ "$(tail -n 1 "$T/out")" = "key $kid: $n events verified against checkpoint of size $size (1 of the configured keys)" ] ||
		fail "verify $*: $(tail -n 1 "$T/out")"
	[ "$(sed -n 2p "$state")" = "$size" ] || fail "the state file holds size $(sed -n 2p "$state"), not $size"
}

# refused <code> <message> <state> [args]: exit <code>, <message> (fixed
# text) in one line on stderr, nothing on stdout, the state file unchanged.
refused() {
	local code=$1 msg=$2 state=$3 rc=0; shift 3
	rm -f "$T/state.was"
	[ ! -e "$state" ] || cp "$state" "$T/state.was"
	verify --state "$state" "$@" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = "$code" ] || fail "verify $*: exit $rc, not $code: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "verify $*: not one line: $(cat "$T/err")"
	grep -qF -- "$msg" "$T/err" || fail "verify $*: said '$(cat "$T/err")', not '$msg'"
	[ ! -s "$T/out" ] || fail "verify $*: printed $(cat "$T/out")"
	if [ -e "$T/state.was" ]; then
		cmp -s "$state" "$T/state.was" || fail "verify $*: the state file changed"
	else
		[ ! -e "$state" ] || fail "verify $*: a state file was written"
	fi
}

# (a) The honest key: 13 events (create, 12 rotations), in a table.
verified "$T/state" 13 41 --ledger-key "$VK"
[ "$(grep -c ' key-rotate ' "$T/out")" = 12 ] || fail "table: $(cat "$T/out")"
grep -q '^3  *3  *key-create  *v1  *active ' "$T/out" || fail "table: $(cat "$T/out")"
verify --state "$T/state" --ledger-key "$VK" --json | python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j["verified"] and j["checkpoint"]["size"] == 41 and j["previous_size"] == 41, j
assert [e["seq"] for e in j["events"]] == list(range(3, 40, 3)), j["events"]
assert j["checkpoint"]["signers"] == 1 and j["checkpoint"]["threshold"] == 1, j' || fail "--json"
# The default state file: $XDG_STATE_HOME/szkm/checkpoint, else
# ~/.local/state/szkm/checkpoint.
HOME=$T/home XDG_STATE_HOME= verify --ledger-key "$VK" >/dev/null || fail "no default state"
[ "$(sed -n 2p "$T/home/.local/state/szkm/checkpoint")" = 41 ] || fail "~/.local/state"
HOME=$T/home XDG_STATE_HOME=$T/xdg verify --ledger-key "$VK" >/dev/null || fail "no XDG state"
cmp -s "$T/xdg/szkm/checkpoint" "$T/state" || fail "\$XDG_STATE_HOME"
# The database as it was, for the rollback below.
stop
cp "$T/l.db" "$T/before.db"
start

# (b) Twenty more events: the key verifies at the new size, the saved
# checkpoint moves (its consistency with size 41 proven).
feed "$T/ev2" >/dev/null
echo sync | feed >/dev/null
verified "$T/state" 20 61 --ledger-key "$VK"
grep -q 'consistent with size 41 seen before' "$T/out" || fail "no consistency: $(head -n 1 "$T/out")"

# (c) A checkpoint signed by a key that is not configured.
refused 1 "checkpoint: signed by 0 of the configured keys, 1 needed" "$T/state" --ledger-key "$OTHER"
# (d) Two keys configured, the node signs with one: --threshold 2, and the
# default (a majority of 2), are refused; --threshold 1 passes. More than
# the keys given is a usage error.
refused 1 "checkpoint: signed by 1 of the configured keys, 2 needed" "$T/state" \
	--ledger-key "$VK" --ledger-key "$OTHER" --threshold 2
refused 1 "checkpoint: signed by 1 of the configured keys, 2 needed" "$T/state" \
	--ledger-key "$VK" --ledger-key "$OTHER"
verified "$T/state" 20 61 --ledger-key "$VK" --ledger-key "$OTHER" --threshold 1
refused 2 "--threshold: a number from 1 to 1" "$T/state" --ledger-key "$VK" --threshold 2

# (e) Entry 12 (key-1's seq 12) changed in the database under the running
# node, which serves it as it is (ledgerd would refuse to start on it:
# 30-tamper.sh). One byte of the event's time, with the sqlite3 CLI.
orig=$(sqlite3 "$T/l.db" 'select hex(data) from entries where idx = 12')
flip=${orig:0:170}$(printf '%02X' $((0x${orig:170:2} ^ 1)))${orig:172}
sqlite3 -cmd '.timeout 5000' "$T/l.db" "update entries set data = X'$flip' where idx = 12"
[ "$(get '/entries?start=12&end=13' | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"][0]["data"].upper())')" = "$flip" ] ||
	fail "the node does not serve the changed entry"
refused 1 "entry 12: inclusion proof does not lead to the checkpoint's root" "$T/state" --ledger-key "$VK"
sqlite3 -cmd '.timeout 5000' "$T/l.db" "update entries set data = X'$orig' where idx = 12"
verified "$T/state" 20 61 --ledger-key "$VK"
stop
cp "$T/l.db" "$T/after.db"

# (f) The ledger rolled back to its copy from before the twenty events: a
# client that saw size 61 refuses it; a new client cannot tell.
cp "$T/before.db" "$T/l.db"
rm -f "$T/l.db-wal" "$T/l.db-shm"
start
refused 1 "checkpoint: the ledger is smaller than the checkpoint seen before (size 61, now 41): rollback or fork" \
	"$T/state" --ledger-key "$VK"
verified "$T/fresh" 13 41 --ledger-key "$VK"
stop

# (h) A node that lies with its own key: entry 60's device signature
# changed, the leaf hash, the tree and a checkpoint made again and signed
# with the node key, so that ledgerd starts on it (it checks event
# signatures only past its last checkpoint). Entry 60 is the device's
# last event: an earlier one's signature is covered by the next event's
# prev hash (format 3), so ledgerd would refuse to start (30-tamper.sh).
cp "$T/after.db" "$T/l.db"
rm -f "$T/l.db-wal" "$T/l.db-shm"
python3 - "$T/l.db" "$T/node.pem" "$VK" 60 <<'PY'
import base64, hashlib, sqlite3, subprocess, sys, time
db, key, vkey, idx = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
h = lambda *p: hashlib.sha256(b"".join(p)).digest()
c = sqlite3.connect(db)
d = bytearray(c.execute("select data from entries where idx = ?", (idx,)).fetchone()[0])
d[-1] ^= 1
c.execute("update entries set data = ?, leaf = ? where idx = ?", (bytes(d), h(b"\0", bytes(d)), idx))
# The device's head is the last event's link, which covers the signature.
c.execute("update devices set last_hash = ? where last_idx = ?", (h(bytes(d[1:])), idx))
leaves = [r[0] for r in c.execute("select leaf from entries order by idx")]
c.execute("delete from nodes")
level, lv = leaves, 0
while level:
    c.executemany("insert into nodes(level, idx, hash) values (?, ?, ?)",
                  [(lv, i, x) for i, x in enumerate(level)])
    level = [h(b"\1", level[2 * i], level[2 * i + 1]) for i in range(len(level) // 2)]
    lv += 1
def mth(l):
    if len(l) == 1:
        return l[0]
    k = 1
    while 2 * k < len(l):
        k *= 2
    return h(b"\1", mth(l[:k]), mth(l[k:]))
root = mth(leaves)
origin = c.execute("select note from checkpoints order by size desc limit 1").fetchone()[0].split("\n")[0]
name, keyid, _ = vkey.split("+", 2)
text = f"{origin}\n{len(leaves)}\n{base64.b64encode(root).decode()}\n".encode()
sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=text,
                     capture_output=True, check=True).stdout
note = text + b"\n\xe2\x80\x94 " + name.encode() + b" " + base64.b64encode(bytes.fromhex(keyid) + sig) + b"\n"
c.execute("delete from checkpoints")
c.execute("insert into checkpoints(size, root, note, time) values (?, ?, ?, ?)",
          (len(leaves), root, note.decode(), int(time.time())))
c.commit()
PY
start
refused 1 "entry 60: device signature invalid" "$T/new" --ledger-key "$VK"
refused 1 "checkpoint: not consistent with the one seen before (size 61): fork" "$T/state" --ledger-key "$VK"
dead=$URL
stop

# (g) A malformed URL, a scheme other than http(s), a ledger that is gone.
URL='http://[::1'
refused 1 "ledger http://[::1: GET /checkpoint: URL using bad/illegal format" "$T/state" --ledger-key "$VK"
URL=ftp://127.0.0.1/
refused 1 'GET /checkpoint: Protocol "ftp" not supported' "$T/state" --ledger-key "$VK"
URL=$dead
refused 1 "ledger $dead: GET /checkpoint: Failed to connect" "$T/state" --ledger-key "$VK"

# No --ledger-key: the keys of /etc/szkm/ledger-keys, as device init takes them.
[ -e /etc/szkm/ledger-keys ] ||
	refused 1 "No ledger key: give --ledger-key" "$T/state"

# Usage: exit 2.
refused 2 "--key-id: a key id is 32 hex digits" "$T/state" --ledger-key "$VK" --key-id 12
"$B/szkmctl" verify --help | grep -q '^Usage: szkmctl verify --ledger URL --key-id HEX32' || fail "--help"
echo "verify ok: 8 cases"
