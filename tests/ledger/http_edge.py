#!/usr/bin/env python3
"""The HTTP API's answers to requests at its edges, on raw sockets.

    http_edge.py URL KEYID [CHECK...]

Each check is a request the review of the API found mishandled (no answer
to a request with a body, %00 in a path ignored, u64 fields printed as
negative numbers, HTML errors from the HTTP layer, an /entries range cut
short instead of refused) with the answer it must get now. The ledger
behind URL holds an enrolment and the two events of
`ledger-testtool events-u64` (key id KEYID). The checks (all by default):
body, nul, u64, errors, range. Exits 1 on the first wrong answer."""
import json
import socket
import sys
import time
import urllib.parse

url = urllib.parse.urlsplit(sys.argv[1])
KEYID = sys.argv[2]
ADDR = (url.hostname, url.port)
DEADLINE = 10  # seconds for one exchange


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


class Conn:
    def __init__(self):
        self.s = socket.create_connection(ADDR, timeout=DEADLINE)
        self.buf = b""

    def send(self, raw):
        self.s.sendall(raw)

    def _more(self):
        try:
            d = self.s.recv(65536)
        except ConnectionResetError:
            fail(f"connection reset; so far {self.buf[:200]!r}")
        if not d:
            return False
        self.buf += d
        return True

    def response(self):
        """(status, headers, body) of the next final response; None at EOF."""
        while True:
            while b"\r\n\r\n" not in self.buf:
                if not self._more():
                    if self.buf:
                        fail(f"truncated response {self.buf[:200]!r}")
                    return None
            head, self.buf = self.buf.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            hdrs = {k.strip().lower(): v.strip() for k, v in
                    (l.split(":", 1) for l in lines[1:])}
            if 100 <= status < 200:
                continue
            n = int(hdrs.get("content-length", "0"))
            while len(self.buf) < n:
                if not self._more():
                    fail(f"body cut short: {self.buf!r}")
            body, self.buf = self.buf[:n], self.buf[n:]
            return status, hdrs, body

    def closed(self):
        """True when the server closes without sending more."""
        return self.response() is None


def get(path, host=True):
    return b"GET " + path + b" HTTP/1.1\r\n" + (b"Host: t\r\n" if host else b"") + b"\r\n"


def json_error(what, resp, code):
    if resp is None:
        fail(f"{what}: no answer at all")
    status, hdrs, body = resp
    if status != code:
        fail(f"{what}: status {status}, not {code}: {body[:200]!r}")
    if not hdrs.get("content-type", "").startswith("application/json"):
        fail(f"{what}: Content-Type {hdrs.get('content-type')!r}: {body[:200]!r}")
    try:
        why = json.loads(body)["error"]
    except (ValueError, KeyError):
        fail(f"{what}: not a JSON error: {body[:200]!r}")
    if not why:
        fail(f"{what}: an empty reason")


def one(what, raw, code, closes=None):
    c = Conn()
    c.send(raw)
    r = c.response()
    json_error(what, r, code)
    if closes is not None and c.closed() != closes:
        fail(f"{what}: the connection {'stayed open' if closes else 'was closed'}")
    return r


def ok(what, raw):
    c = Conn()
    c.send(raw)
    r = c.response()
    if r is None or r[0] != 200:
        fail(f"{what}: {r!r}")
    return json.loads(r[2]) if r[1]["content-type"] == "application/json" else r[2]


# 1. A request with a body is answered (the body read and dropped first),
# and the connection serves the next request.
def check_body():
    for method in (b"GET", b"POST"):
        c = Conn()
        c.send(method + b" /health HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello" +
               get(b"/health"))
        json_error(f"{method.decode()} with a body", c.response(), 400)
        r = c.response()
        if r is None or r[0] != 200 or json.loads(r[2])["status"] != "ok":
            fail(f"the request after a body got {r!r}")
    c = Conn()
    c.send(b"GET /health HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
    first = c.s.recv(100)
    if not first.startswith(b"HTTP/1.1 100 "):
        fail(f"Expect: 100-continue got {first!r}")
    c.send(b"abc")
    json_error("a body after 100 Continue", c.response(), 400)
    one("a body over 1 MiB", b"GET /health HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n\r\n" +
        b"x" * 1000, 413, closes=True)
    one("a chunked body", b"GET /health HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nabc\r\n0\r\n\r\n", 501, closes=True)


# 2. %00 is refused wherever it is, not read as the end of the string.
def check_nul():
    ok("/checkpoint", get(b"/checkpoint"))
    one("%00 in the path", get(b"/checkpoint%00x"), 400)
    one("%00 in a query value", get(b"/entries?start=0%00"), 400)
    one("%00 in a query name", get(b"/entries?start%00=0"), 400)
    one("a bad percent-escape", get(b"/checkpoint%zz"), 400)
    one("an argument given twice", get(b"/entries?start=0&start=1"), 400)
    if ok("an escaped path", get(b"/%63heckpoint")) != ok("/checkpoint", get(b"/checkpoint")):
        fail("/%63heckpoint is not /checkpoint")


# 3. u64 fields print as the unsigned numbers they are.
def check_u64():
    e = ok("entries", get(b"/entries?start=0&end=3"))["entries"]
    big = e[2]
    for k, want in (("time_ns", 2**64 - 1), ("max_uses", 2**64 - 1), ("rotate_seconds", 2**63)):
        if big.get(k) != want:
            fail(f"{k} is {big.get(k)!r}, not {want}")
    if "grantee" in e[2]:
        fail(f"a key-create names a grantee: {e[2]!r}")
    g = ok("entries", get(b"/entries?start=3&end=4"))["entries"][0]
    if g.get("event") != "key-grant" or g.get("grantee") != 2**32 - 1:
        fail(f"the key-grant's grantee: {g!r}")
    h = ok("key history", get(b"/keys/" + KEYID.encode()))["entries"]
    if h[0]["max_uses"] != 2**64 - 1:
        fail(f"/keys: max_uses {h[0]['max_uses']!r}")


# 4. Errors of the HTTP layer are the API's JSON errors.
def check_errors():
    one("a header without a colon", b"GET /health HTTP/1.1\r\nHost: t\r\nbad header\r\n\r\n", 400)
    one("a malformed request line", b"GET  /health HTTP/1.1\r\nHost: t\r\n\r\n", 400)
    one("a request line over 8 KiB", get(b"/" + b"a" * 10000), 414, closes=True)
    one("a head over 16 KiB", b"GET /health HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 20000 +
        b"\r\n\r\n", 431, closes=True)
    one("101 header fields", b"GET /health HTTP/1.1\r\nHost: t\r\n" +
        b"".join(b"X-%d: y\r\n" % i for i in range(101)) + b"\r\n", 431)
    one("HTTP/1.1 without Host", get(b"/health", host=False), 400, closes=True)
    one("HTTP/2.0", b"GET /health HTTP/2.0\r\nHost: t\r\n\r\n", 505)
    one("a target that is not a path", b"GET health HTTP/1.1\r\nHost: t\r\n\r\n", 400)
    one("DELETE", b"DELETE /health HTTP/1.1\r\nHost: t\r\n\r\n", 405)
    r = ok("HTTP/1.0", b"GET /health HTTP/1.0\r\n\r\n")
    if r["status"] != "ok":
        fail(f"HTTP/1.0: {r!r}")


# 5. /entries refuses an end beyond the tree, instead of cutting it.
def check_range():
    one("end beyond the tree", get(b"/entries?start=0&end=5"), 400)
    one("start beyond the tree", get(b"/entries?start=4"), 400)
    if len(ok("the whole tree", get(b"/entries?start=0&end=4"))["entries"]) != 4:
        fail("start=0&end=4 is not 4 entries")
    if len(ok("a default end", get(b"/entries?start=1"))["entries"]) != 3:
        fail("start=1 (end by default) is not 3 entries")


CHECKS = {"body": check_body, "nul": check_nul, "u64": check_u64,
          "errors": check_errors, "range": check_range}
for name in sys.argv[3:] or CHECKS:
    CHECKS[name]()
    print(f"{name}: ok")
print("http edges ok")
