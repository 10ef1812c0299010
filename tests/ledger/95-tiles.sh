#!/usr/bin/env bash
# The ledger as C2SP tlog-tiles. A tile client written from the specs
# (tile_client.py, Python, no code of ledgerd's) reads a 70,001-entry
# ledger, past 65,536 so that hash tiles of levels 0, 1 and 2 exist (full
# and partial): it verifies the checkpoint's signature with the node's
# verifier key, computes the tree's root from hash tiles alone and finds
# the signed one, and proves the inclusion of random entries from their
# entry bundles and tiles; once the log has grown, it still reads the tree
# of the checkpoint it holds. Attackers: a client sending malformed or
# non-canonical tile paths, tiles beyond the tree and partial widths the
# tree does not have gets a 4xx JSON error; a man in the middle flipping
# one byte of a tile or a bundle is caught by the client. Then every node
# of a three-node etcd ledger serves the same tiles and the client
# verifies them against each node's key.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-etcd.sh"
client() { python3 "$top/tests/ledger/tile_client.py" "$@"; }

start
"$B/ledger-testtool" keygen "$T/dev.pem"
"$B/ledger-testtool" events "$T/dev.pem" 70200 >"$T/all"
head -n 70000 "$T/all" >"$T/ev"
"$B/ledgerd" -c /dev/null --control-socket "$CTL" enroll dev-a "$T/dev.pem" >/dev/null
feed "$T/ev" >"$T/acks"
[ "$(grep -c '^ok ' "$T/acks")" = 70000 ] || fail "not 70000 acks: $(sort "$T/acks" | uniq -c | head)"
echo sync | feed >/dev/null
[ "$(get /checkpoint | sed -n 2p)" = 70001 ] || fail "checkpoint: $(get /checkpoint)"
VK=$(vkey)

out=$(client "$URL" "$VK" --samples 40 --seed "$RANDOM") || fail "tile client: $out"
[[ $out == "ok 70001 "* ]] || fail "tile client: $out"
echo "tile client: $out"

# Tiles are immutable, the checkpoint is not; HEAD gives GET's headers.
curl -sS -D "$T/h" -o "$T/t" "$URL/tile/0/273.p/113"
grep -qi '^Cache-Control: public, max-age=31536000, immutable' "$T/h" || fail "tile headers: $(cat "$T/h")"
grep -qi '^Content-Type: application/octet-stream' "$T/h" || fail "tile type: $(cat "$T/h")"
[ "$(wc -c <"$T/t")" = $((113 * 32)) ] || fail "partial tile of width 113: $(wc -c <"$T/t") bytes"
curl -sS -I "$URL/tile/entries/005" >"$T/h"
grep -q '^HTTP/1.1 200' "$T/h" || fail "HEAD of a bundle: $(cat "$T/h")"
curl -sS -D - -o /dev/null "$URL/checkpoint" | grep -qi '^Cache-Control: no-store' || fail "checkpoint cacheable"

# A client probing with paths the spec does not allow (400), tiles the
# tree does not have (404): each refused with a JSON error that says why.
refused() { # <code> <path> <words of the error>
	local got
	got=$(curl -s -o "$T/e" -w '%{http_code}' "$URL$2")
	[ "$got" = "$1" ] || fail "$2: HTTP $got, not $1: $(cat "$T/e")"
	python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["error"]
assert sys.argv[2] in e, e' "$T/e" "$3" || fail "$2: error $(cat "$T/e")"
}
refused 400 /tile/0/x000/001 "not canonical"
refused 400 /tile/entries/x000/x000/005 "not canonical"
refused 400 /tile/00/000 "tile level"
refused 400 /tile/64/000 "tile level"
refused 400 /tile/-1/000 "tile level"
refused 400 /tile/+0/000 "tile level"
refused 400 /tile/%200/000 "tile level"
refused 400 /tile//000 "tile level"
refused 400 /tile/0/1 "3 digits"
refused 400 /tile/0/0001 "3 digits"
refused 400 /tile/0/x001 "3 digits"
refused 400 /tile/0/x1000/000 "3 digits"
refused 400 /tile/0/001/x002 "only .p"
refused 400 /tile/0/000/ "only .p"
refused 400 /tile/0/0a0 "3 digits"
refused 400 /tile/0/x001/x002/x003/x004/x005/x006/x007/000 "too many"
refused 400 /tile/0/x999/x999/x999/x999/x999/x999/999 "too large"
refused 400 /tile/0/273.p/0 "width"
refused 400 /tile/0/273.p/256 "width"
refused 400 /tile/0/273.p/012 "width"
refused 400 /tile/0/273.p/12/ "width"
refused 400 /tile/0/273.p12 "only .p"
refused 400 /tile/entries/273.q/1 "only .p"
refused 400 /tile/entries "tile level"
refused 404 /tile/0/274 "beyond this tree"
refused 404 /tile/entries/x001/000 "beyond this tree"
refused 404 /tile/3/000.p/1 "beyond this tree"
refused 404 /tile/1/001 "is 17 wide"
refused 404 /tile/0/273 "is 113 wide"
refused 404 /tile/0/273.p/114 "is 113 wide"
refused 404 /tile/entries/273.p/200 "is 113 wide"
refused 404 /tile/1/001.p/18 "is 17 wide"
refused 404 /tile/2/000.p/2 "is 1 wide"
refused 404 /tile/0/005.p/7 "is full"
refused 404 /tile/1/000.p/255 "is full"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$URL/tile/0/000")" = 405 ] || fail "DELETE of a tile"

# A man in the middle flips the last byte of what the client fetches: a
# tile that the root is made of (the root no longer matches), a full
# level-1 tile that proofs use (entry 0's proof no longer holds), a
# level-0 tile or an entry bundle (entry 255 no longer hashes to its leaf
# in the level-0 tile). The client refuses each.
tampered() { # <tile path> <words of the failure>
	local out
	if out=$(client "$URL" "$VK" --samples 5 --tamper "$1"); then
		fail "tampered $1 accepted: $out"
	fi
	[[ $out == *"$2"* ]] || fail "tampered $1: $out"
}
tampered tile/1/001.p/17 "root computed from the tiles is not the checkpoint's"
tampered tile/2/000.p/1 "root computed from the tiles is not the checkpoint's"
tampered tile/0/273.p/113 "root computed from the tiles is not the checkpoint's"
tampered tile/1/000 "entry 0: inclusion does not verify"
tampered tile/0/000 "entry 255: its bundle does not hash to its level-0 tile"
tampered tile/entries/000 "entry 255: its bundle does not hash to its level-0 tile"
# The log grows to 70,201 entries: level-0 tile 273 is full now, level-1
# tile 1 18 wide. A client holding the checkpoint of 70,001 still reads
# that tree: 273.p/113 is gone (404, the spec allows it once the full tile
# exists) and the client takes its first 113 hashes from the full tile;
# 1/001.p/17, a width of an older tree, is still served.
get /checkpoint >"$T/cp70001"
tail -n 200 "$T/all" | feed >/dev/null
echo sync | feed >/dev/null
[ "$(get /checkpoint | sed -n 2p)" = 70201 ] || fail "checkpoint: $(get /checkpoint)"
refused 404 /tile/0/273.p/113 "is full"
[ "$(curl -s "$URL/tile/1/001.p/17" | wc -c)" = $((17 * 32)) ] || fail "older partial width 17"
out=$(client "$URL" "$VK" --samples 10 --checkpoint "$T/cp70001") || fail "old checkpoint: $out"
[[ $out == "ok 70001 "* ]] || fail "old checkpoint: $out"
out=$(client "$URL" "$VK" --samples 10) || fail "tile client at 70201: $out"
[[ $out == "ok 70201 "* ]] || fail "tile client at 70201: $out"

# A client that trusts another key (an impostor log) gets nothing.
"$B/ledgerd" genkey "$T/other.pem"
OTHER=$("$B/ledgerd" -c /dev/null --key "$T/other.pem" --origin test.example/ledger vkey)
if out=$(client "$URL" "$OTHER"); then fail "checkpoint accepted under another key: $out"; fi
[[ $out == *"not signed by the verifier key"* ]] || fail "other key: $out"
stop

# Every node of a multi-node ledger serves the tiles of its validated tree,
# verified against the cosigned checkpoint with that node's key.
start_etcd
for i in 1 2 3; do start_node "$i"; done
# The same device's first 300 events: enrolled through node 2, fed
# through node 1.
"$B/ledgerd" -c /dev/null --control-socket "$T/c2" enroll dev-a "$T/dev.pem" >/dev/null
head -n 300 "$T/ev" | feed_to 1 >/dev/null
expect_converged 301
for i in 1 2 3; do
	out=$(client "http://127.0.0.1:${PORTS[i]}" "${VK[i]}" --samples 20) || fail "node $i: $out"
	[[ $out == "ok 301 "* ]] || fail "node $i: $out"
	cmp <(hget 1 /tile/0/001.p/45) <(hget "$i" /tile/0/001.p/45) || fail "node $i: another partial tile"
done
echo "tiles ok"
