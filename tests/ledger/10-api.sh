#!/usr/bin/env bash
# The HTTP API end to end: enrol a device, feed its signed events, then
# check every route: the checkpoint verifies with the node's verifier key,
# entries decode, every inclusion and consistency proof checks out in an
# independent verifier (proofs.py), key history, devices, health, metrics,
# and bad requests get 4xx with a reason.
. "$(dirname "$0")/lib.sh"
start
"$B/ledger-testtool" keygen "$T/dev.pem"
"$B/ledger-testtool" events "$T/dev.pem" 40 3 >"$T/ev"
out=$("$B/ledgerd" -c /dev/null --control-socket "$CTL" enroll dev-a "$T/dev.pem")
[[ $out == "enrolled 0 $("$B/ledger-testtool" devid "$T/dev.pem")" ]] || fail "enrol: $out"
feed "$T/ev" >"$T/acks"
[ "$(grep -c '^ok ' "$T/acks")" = 40 ] || fail "not 40 acks: $(sort "$T/acks" | uniq -c | head)"
[ "$(tail -n 1 "$T/acks")" = "ok 40 40" ] || fail "last ack $(tail -n 1 "$T/acks")"

get /checkpoint >"$T/cp"
read -r size root < <("$B/ledger-testtool" verify-note "$(vkey)" "$T/cp") || fail "checkpoint does not verify"
[ "$size" = 41 ] || fail "checkpoint size $size"
python3 "$top/tests/ledger/proofs.py" all "$URL" "$size" "$root"

# Inclusion by entry hash gives the same proof as by index.
leaf=$(get '/entries?start=7&end=8' | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"][0]["leaf_hash"])')
[ "$(get "/proof/inclusion?hash=$leaf" | python3 -c 'import json,sys; print(json.load(sys.stdin)["index"])')" = 7 ] || fail "by hash"

# Entries decode into the event's fields.
get '/entries?start=1&end=3' | python3 -c '
import hashlib, json, sys
e = json.load(sys.stdin)["entries"]
assert e[0]["type"] == "event" and e[0]["event"] == "device-init" and e[0]["seq"] == 1, e[0]
assert e[1]["event"] == "key-create" and e[1]["name"] == "key-0" and e[1]["alg"] == "aes256-gcm", e[1]
# Format 4: the chain names the link, SHA-256 of body and signature.
data = bytes.fromhex(e[0]["data"])
assert data[5] == 4 and e[0]["link"] == hashlib.sha256(data[1:]).hexdigest(), e[0]
# ... and the signature has the low S of its two ECDSA twins.
n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551
for x in e:
    assert 0 < int.from_bytes(bytes.fromhex(x["signature"])[32:], "big") <= (n - 1) // 2, x
assert e[0]["event_hash"] == hashlib.sha256(data[1:-64]).hexdigest(), e[0]
assert e[1]["prev_hash"] == e[0]["link"] != e[0]["event_hash"]'

# A key's full history: key-1 was created once and rotated on every round.
kid=$(get '/entries?start=3&end=4' | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"][0]["key_id"])')
get "/keys/$kid" | python3 -c '
import json, sys
h = json.load(sys.stdin)["entries"]
assert len(h) == 13, len(h)
assert [x["version"] for x in h] == list(range(1, 14))
assert h[0]["event"] == "key-create" and all(x["event"] == "key-rotate" for x in h[1:])
assert all(x["name"] == "key-1" for x in h)'

get /devices | python3 -c '
import json, sys
d = json.load(sys.stdin)["devices"]
assert len(d) == 1 and d[0]["name"] == "dev-a" and d[0]["last_seq"] == 40, d'
get /health | python3 -c '
import json, sys
h = json.load(sys.stdin)
assert h["status"] == "ok" and h["size"] == 41 and h["checkpoint_size"] == 41, h'
get /metrics >"$T/metrics"
grep -q '^ledgerd_entries 41$' "$T/metrics" || fail "metrics: entries"
grep -q '^ledgerd_appends_total 41$' "$T/metrics" || fail "metrics: appends"
grep -q '^ledgerd_last_checkpoint_age_seconds ' "$T/metrics" || fail "metrics: age"
grep -q '^ledgerd_appends_per_second ' "$T/metrics" || fail "metrics: rate"

# Bad requests: 4xx with a JSON reason.
for q in '/proof/inclusion?index=41' '/proof/inclusion?index=x' '/proof/inclusion' \
	'/proof/inclusion?index=1&size=99' '/proof/consistency?old=0&new=5' \
	'/proof/consistency?old=9&new=5' '/entries?start=500' '/entries?start=0&end=5000' \
	'/keys/xyz' '/proof/inclusion?hash=00' '/entries?start=-1'; do
	c=$(code "$URL$q")
	[ "$c" = 400 ] || fail "$q gave $c, not 400"
	curl -s "$URL$q" | python3 -c 'import json,sys; assert json.load(sys.stdin)["error"]' || fail "$q: no reason"
done
[ "$(code "$URL/nowhere")" = 404 ] || fail "unknown path"
[ "$(code "$URL/keys/00000000000000000000000000000000")" = 404 ] || fail "unknown key"
[ "$(code "$URL/proof/inclusion?hash=$(printf '%064d' 0)")" = 404 ] || fail "unknown hash"
[ "$(code -X POST "$URL/checkpoint")" = 405 ] || fail "POST"
echo "api ok: $size entries"
