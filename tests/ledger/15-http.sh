#!/usr/bin/env bash
# The HTTP API at its edges (http_edge.py): requests with a body, %00 in a
# target, u64 fields at their largest, errors of the HTTP layer and
# /entries ranges beyond the tree, each answered with what ledgerd(8)
# says; and HEAD, which answers GET's headers without the body.
. "$(dirname "$0")/lib.sh"
start
"$B/ledger-testtool" keygen "$T/dev.pem"
"$B/ledger-testtool" events-u64 "$T/dev.pem" >"$T/ev"
"$B/ledgerd" -c /dev/null --control-socket "$CTL" enroll dev-a "$T/dev.pem" >/dev/null
feed "$T/ev" >"$T/acks"
[ "$(tail -n 1 "$T/acks")" = "ok 3 3" ] || fail "acks: $(cat "$T/acks")"
echo sync | feed >/dev/null
python3 "$top/tests/ledger/http_edge.py" "$URL" b1900000000000000000000000000000

curl -sS -I "$URL/checkpoint" >"$T/head"
grep -q '^HTTP/1.1 200' "$T/head" || fail "HEAD: $(cat "$T/head")"
len=$(sed -n 's/^Content-Length: \([0-9]*\).*/\1/p' "$T/head")
[ "$len" = "$(get /checkpoint | wc -c)" ] || fail "HEAD Content-Length $len"
echo "http ok"
