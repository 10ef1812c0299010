#!/usr/bin/env python3
# The tests' own writer of ledgerd's etcd layout (ledgerd/etcd.h), for
# tests that play an attacker with write access to etcd:
#   etcd_block.py append URL PREFIX INDEX HEX...  one block of these
#       entries at INDEX, and the head moved past it (no compare: the
#       attacker writes what it likes)
#   etcd_block.py replace URL PREFIX I J  entry I, in its block, replaced
#       by entry J's bytes
#   etcd_block.py delete URL PREFIX I  the block holding entry I deleted
#   etcd_block.py overlap URL PREFIX  a block at I, inside the first
#       block of two entries or more, holding (the same bytes as) entries
#       I to that block's end; prints I
import base64, json, struct, sys, urllib.request

def call(url, api, req):
    return json.load(urllib.request.urlopen(url + api, json.dumps(req).encode()))

def b(x):
    return base64.b64encode(x if isinstance(x, bytes) else x.encode()).decode()

def key(prefix, i):
    return "%s/entries/%020d" % (prefix, i)

def pack(entries):
    return b"".join(struct.pack(">I", len(e)) + e for e in entries)

def unpack(v):
    out, off = [], 0
    while off < len(v):
        (n,) = struct.unpack_from(">I", v, off)
        out.append(v[off + 4:off + 4 + n])
        off += 4 + n
    return out

def blocks(url, prefix):
    kvs = call(url, "/v3/kv/range", {"key": b(prefix + "/entries/"),
                                      "range_end": b(prefix + "/entries0")}).get("kvs", [])
    for kv in kvs:
        first = int(base64.b64decode(kv["key"]).decode().rsplit("/", 1)[1])
        yield first, unpack(base64.b64decode(kv["value"]))

def main(cmd, url, prefix, *args):
    if cmd == "append":
        index, entries = int(args[0]), [bytes.fromhex(h) for h in args[1:]]
        r = call(url, "/v3/kv/txn", {"success": [
            {"request_put": {"key": b(key(prefix, index)), "value": b(pack(entries))}},
            {"request_put": {"key": b(prefix + "/head"), "value": b(str(index + len(entries)))}}]})
        assert r.get("succeeded"), r
    elif cmd == "overlap":
        first, es = next((f, x) for f, x in blocks(url, prefix) if len(x) > 1)
        call(url, "/v3/kv/put", {"key": b(key(prefix, first + 1)), "value": b(pack(es[1:]))})
        print(first + 1)
    elif cmd in ("replace", "delete"):
        i = int(args[0])
        every = dict(blocks(url, prefix))
        first = max(f for f in every if f <= i)
        es = every[first]
        if cmd == "replace":
            flat = {f + n: e for f, x in every.items() for n, e in enumerate(x)}
            es[i - first] = flat[int(args[1])]
            call(url, "/v3/kv/put", {"key": b(key(prefix, first)), "value": b(pack(es))})
        else:
            call(url, "/v3/kv/deleterange", {"key": b(key(prefix, first))})
    else:
        sys.exit("usage: etcd_block.py append|replace|delete|overlap URL PREFIX ...")

main(*sys.argv[1:])
