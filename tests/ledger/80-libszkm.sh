#!/usr/bin/env bash
# libszkm.so verifies a key against a real ledgerd, as an application
# linked with it does (build/bin/libszkm-client): an honest key verifies
# and the state file takes the checkpoint, replaced atomically (a new file
# renamed over the old, mode 0600, no temporary left) and only on
# success; a checkpoint signed by an unknown key or by fewer keys than
# the threshold, an entry changed in the node's storage and a ledger
# rolled back under a client that saw it larger are each refused with
# their own errno and one line saying why. The library exports only its
# API, and an install under another prefix builds and runs the example
# through szkm.pc.
. "$(dirname "$0")/lib.sh"
C=$B/libszkm-client
key_history

# client <state> <threshold> <vkey>...: the library's verdict, one line.
client() { local s=$1 k=$2; shift 2; "$C" "$URL" "$kid" "$s" "$k" "$@"; }

# accepted <state> <want> <threshold> <vkey>...: exit 0, a line starting
# with <want>.
accepted() {
	local s=$1 want=$2 out; shift 2
	out=$(client "$s" "$@") || fail "refused: $out"
	[[ $out == "$want"* ]] || fail "said '$out', not '$want...'"
}

# refused <state> <errno> <reason> <threshold> <vkey>...: exit 1 with
# "refused <errno>: ...<reason>...", the state file as it was (or absent).
refused() {
	local s=$1 err=$2 why=$3 rc=0 out; shift 3
	rm -f "$T/state.was"
	[ ! -e "$s" ] || cp -p "$s" "$T/state.was"
	out=$(client "$s" "$@") || rc=$?
	[ "$rc" = 1 ] || fail "exit $rc, not 1: $out"
	[[ $out == "refused $err: "*"$why"* ]] || fail "said '$out', not '$err: ...$why...'"
	if [ -e "$T/state.was" ]; then
		cmp -s "$s" "$T/state.was" || fail "$err: the state file changed"
	else
		[ ! -e "$s" ] || fail "$err: a state file was written"
	fi
}

# (a) The honest key: 13 events, v13 active, the twelve before it
# decrypt-only; the state file holds the checkpoint, alone in its folder.
states=$(seq 1 12 | sed 's/.*/v&:decrypt-only/' | paste -sd, -),v13:active
accepted "$T/st/checkpoint" "ok events=13 size=41 signers=1 previous=none active=v13 states=$states" 0 "$VK"
[ "$(sed -n 2p "$T/st/checkpoint")" = 41 ] || fail "the state file holds no checkpoint of size 41"
[ "$(stat -c %a "$T/st/checkpoint")" = 600 ] || fail "state mode $(stat -c %a "$T/st/checkpoint")"
[ "$(ls -A "$T/st")" = checkpoint ] || fail "left in the state folder: $(ls -A "$T/st")"
ino=$(stat -c %i "$T/st/checkpoint")
# The same checkpoint again: verified, the file left alone.
accepted "$T/st/checkpoint" "ok events=13 size=41 signers=1 previous=41" 0 "$VK"
[ "$(stat -c %i "$T/st/checkpoint")" = "$ino" ] || fail "an unchanged checkpoint was rewritten"
stop
cp "$T/l.db" "$T/before.db"
start

# (b) A checkpoint signed by a key not configured; two keys configured and
# one signing, with the default threshold (a majority: 2) or 2 asked for.
refused "$T/st/checkpoint" ENOKEY "checkpoint: signed by 0 of the configured keys, 1 needed" 0 "$OTHER"
refused "$T/st/checkpoint" ENOKEY "checkpoint: signed by 1 of the configured keys, 2 needed" 0 "$VK" "$OTHER"
refused "$T/st/checkpoint" ENOKEY "checkpoint: signed by 1 of the configured keys, 2 needed" 2 "$VK" "$OTHER"
refused "$T/st/checkpoint" EINVAL "threshold 3: more than the 2 ledger keys given" 3 "$VK" "$OTHER"
refused "$T/fresh/checkpoint" ENOKEY "signed by 0 of the configured keys" 1 "$OTHER"
[ ! -e "$T/fresh/checkpoint" ] || fail "a refused first verification left a state file"

# (c) Twenty more events: the checkpoint moves, proven consistent with 41;
# the state file is a new one renamed over the old.
feed "$T/ev2" >/dev/null
echo sync | feed >/dev/null
accepted "$T/st/checkpoint" "ok events=20 size=61 signers=1 previous=41 active=v20" 1 "$VK" "$OTHER"
[ "$(sed -n 2p "$T/st/checkpoint")" = 61 ] || fail "the state file did not move to 61"
[ "$(stat -c %i "$T/st/checkpoint")" != "$ino" ] || fail "the state file was rewritten in place"
[ "$(ls -A "$T/st")" = checkpoint ] || fail "left in the state folder: $(ls -A "$T/st")"

# (d) Entry 12 (key-1's seq 12) changed in the database under the running
# node: one byte of the event's time.
orig=$(sqlite3 "$T/l.db" 'select hex(data) from entries where idx = 12')
flip=${orig:0:170}$(printf '%02X' $((0x${orig:170:2} ^ 1)))${orig:172}
sqlite3 -cmd '.timeout 5000' "$T/l.db" "update entries set data = X'$flip' where idx = 12"
refused "$T/st/checkpoint" EUCLEAN "entry 12: inclusion proof does not lead to the checkpoint's root" 0 "$VK"
sqlite3 -cmd '.timeout 5000' "$T/l.db" "update entries set data = X'$orig' where idx = 12"
accepted "$T/st/checkpoint" "ok events=20 size=61" 0 "$VK"
stop

# (e) The database restored to its copy from before the twenty events: the
# client that saw size 61 refuses it; a new client cannot tell.
cp "$T/before.db" "$T/l.db"
rm -f "$T/l.db-wal" "$T/l.db-shm"
start
refused "$T/st/checkpoint" ESTALE "checkpoint: the ledger is smaller than the checkpoint seen before (size 61, now 41): rollback or fork" 0 "$VK"
accepted "$T/new/checkpoint" "ok events=13 size=41" 0 "$VK"
stop
# ... and a node that is gone.
refused "$T/st/checkpoint" EIO "GET /checkpoint: " 0 "$VK"

# (f) libszkm.so: its SONAME, only szkm_* exported (no ledger_* of the
# proof code inside it), the client linked to it.
# (Whole outputs first: grep -q closing a pipe early would fail it.)
out=$(readelf -d "$top/build/lib/libszkm.so")
grep -q 'SONAME.*\[libszkm\.so\.0\]' <<<"$out" || fail "no SONAME libszkm.so.0"
out=$(nm -D --defined-only "$top/build/lib/libszkm.so")
! awk '$3 !~ /^szkm_/ && $3 != "LIBSZKM_0"' <<<"$out" | grep . || fail "exports more than szkm_*"
# Debian's symbols file (dpkg-gensymbols checks the package against it)
# names every exported symbol: a new one is added there with its version.
have=$(awk '{ sub(/@.*/, "", $3); print $3 }' <<<"$out" | sort)
! sed 1d "$top/debian/libszkm0.symbols" | grep -v '^ [A-Za-z0-9_]*@LIBSZKM_0 [0-9.]*$' ||
	fail "debian/libszkm0.symbols has lines that are not symbols"
listed=$(sed -n 's/^ \([^@]*\)@.*/\1/p' "$top/debian/libszkm0.symbols" | sort)
[ "$have" = "$listed" ] || fail "debian/libszkm0.symbols is not the exported symbols: $(diff <(echo "$listed") <(echo "$have") | grep '^[<>]' | tr '\n' ' ')"
out=$(ldd "$C")
grep -q "libszkm.so.0 => $top/build/bin/../lib/libszkm.so.0" <<<"$out" || fail "the client does not use build/lib/libszkm.so.0"

# (g) An install under another prefix (what `make install PREFIX=P` will
# lay out), used through szkm.pc: the example builds and runs against it.
P=$T/prefix
mkdir -p "$P/lib/pkgconfig" "$P/include/szkm"
cp -P "$top"/build/lib/libszkm.so* "$P/lib/"
cp "$top/build/lib/pkgconfig/szkm.pc" "$P/lib/pkgconfig/"
cp "$top/userspace/lib/libszkm.h" "$top/include/szkm.h" "$P/include/szkm/"
pc() { PKG_CONFIG_PATH=$P/lib/pkgconfig pkg-config --define-variable=prefix="$P" "$@" szkm; }
[ "$(pc --modversion)" = 0.1.0 ] || fail "szkm.pc version $(pc --modversion)"
# shellcheck disable=SC2046 # the flags are words
cc -std=c11 -Wall -Wextra -Werror $(pc --cflags) -o "$T/sign" "$top/userspace/examples/szkm-verified-sign.c" \
	$(pc --libs) -lkeyutils -lcrypto || fail "the example does not build against the installed library"
rc=0
LD_LIBRARY_PATH=$P/lib "$T/sign" >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "the example against the installed library: exit $rc"
out=$(LD_LIBRARY_PATH=$P/lib ldd "$T/sign")
grep -q "libszkm.so.0 => $P/lib/libszkm.so.0" <<<"$out" || fail "not the installed libszkm"
echo "libszkm ok: 7 cases"
