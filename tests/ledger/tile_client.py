#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""A tlog-tiles client written from the C2SP specs alone (tlog-tiles,
tlog-checkpoint, signed-note, RFC 6962), sharing no code with ledgerd
(the RFC 9162 proof check is the tests' own proofs.py).

  tile_client.py URL VKEY [--samples N] [--seed S] [--tamper PATH]
                 [--checkpoint FILE]

Fetches URL/checkpoint and verifies its signature with the verifier key
VKEY (type 0x02 ECDSA P-256 or 0x01 Ed25519, checked with the openssl
command), computes the root of the checkpoint's tree from hash tiles
and compares it with the signed root, then proves the inclusion of N
random entries (and the first and the last) from their entry bundles and
hash tiles only. --checkpoint reads the signed note from FILE (one
fetched earlier: the log has grown since). --tamper PATH flips one byte of the tile at PATH (e.g.
tile/1/000) when it arrives (its last byte), as a man in the middle would. Prints
"ok <size> <entries proved> <tiles fetched>", or "FAIL: <why>" and exits 1.
"""
import base64
import hashlib
import os
import random
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

# RFC 9162 verification, the tests' own (proofs.py), not ledgerd's.
from proofs import node, verify_inclusion

HASH = 32
WIDTH = 256
HEIGHT = 8


class Fail(Exception):
    pass


def check(cond, why):
    if not cond:
        raise Fail(why)


def get(url, want_type):
    """(status, body) of a GET; only a 200 of type @want_type is data."""
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            ctype = r.headers.get("Content-Type", "")
            body = r.read()
            check(ctype.startswith(want_type), f"{url}: Content-Type {ctype}")
            return 200, body
    except urllib.error.HTTPError as e:
        return e.code, e.read()


# signed-note and tlog-checkpoint.

def parse_vkey(vkey):
    name, idhex, b64 = vkey.split("+", 2)
    check(name and len(idhex) == 8, "verifier key: bad form")
    raw = base64.b64decode(b64, validate=True)
    kid = bytes.fromhex(idhex)
    typ, key = raw[0], raw[1:]
    if typ == 0x02:
        # ECDSA: the key is a DER SubjectPublicKeyInfo, its ID the first
        # four bytes of its SHA-256.
        check(hashlib.sha256(key).digest()[:4] == kid, "vkey: key ID")
        der = key
    elif typ == 0x01:
        check(len(key) == 32, "vkey: Ed25519 key length")
        check(hashlib.sha256(name.encode() + b"\n\x01" + key).digest()[:4]
              == kid, "vkey: key ID")
        der = bytes.fromhex("302a300506032b6570032100") + key
    else:
        raise Fail(f"vkey: signature type {typ} not supported here")
    return name, kid, typ, der


def openssl_verify(typ, der, text, sig):
    with tempfile.TemporaryDirectory() as d:
        paths = {n: os.path.join(d, n) for n in ("key", "msg", "sig")}
        for n, data in (("key", der), ("msg", text), ("sig", sig)):
            with open(paths[n], "wb") as f:
                f.write(data)
        if typ == 0x02:
            cmd = ["openssl", "dgst", "-sha256", "-keyform", "DER",
                   "-verify", paths["key"], "-signature", paths["sig"],
                   paths["msg"]]
        else:
            cmd = ["openssl", "pkeyutl", "-verify", "-pubin", "-keyform",
                   "DER", "-inkey", paths["key"], "-rawin", "-in",
                   paths["msg"], "-sigfile", paths["sig"]]
        return subprocess.run(cmd, capture_output=True).returncode == 0


def open_note(note, vkey):
    """The verified note text; a known key's bad signature fails it."""
    name, kid, typ, der = parse_vkey(vkey)
    check(note.endswith(b"\n"), "note: no final newline")
    s = note.decode("utf-8")
    check(all(c == "\n" or ord(c) >= 0x20 for c in s),
          "note: control character")
    cut = s.rfind("\n\n")
    check(cut >= 0, "note: no blank line before the signatures")
    text, sigs = s[:cut + 1], s[cut + 2:]
    good = False
    for line in sigs.splitlines():
        check(line.startswith("\u2014 "), f"note: signature line {line!r}")
        who, b64 = line[2:].split(" ")
        raw = base64.b64decode(b64, validate=True)
        if who != name or raw[:4] != kid:
            continue    # another key: ignored, as the spec says
        check(openssl_verify(typ, der, text.encode(), raw[4:]),
              "checkpoint: the signature of the known key does not verify")
        good = True
    check(good, "checkpoint: not signed by the verifier key")
    return text


def parse_checkpoint(text):
    lines = text.split("\n")
    check(len(lines) >= 4 and lines[-1] == "", "checkpoint: too short")
    origin, size, root = lines[0], lines[1], lines[2]
    check(origin != "", "checkpoint: empty origin")
    check(size.isdigit() and (size == "0" or size[0] != "0"),
          f"checkpoint: size {size!r}")
    r = base64.b64decode(root, validate=True)
    check(len(r) == HASH, "checkpoint: root length")
    return origin, int(size), r


# RFC 6962.

def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def split(n):
    """The largest power of two below n (n >= 2)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


# tlog-tiles.

def tile_path(level, n, width):
    """tile/<L>/<N>[.p/<W>], N in 3-digit elements, 'x' on all but the
    last; level None is an entry bundle."""
    elems = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        elems.insert(0, f"x{n % 1000:03d}")
        n //= 1000
    p = "tile/" + ("entries" if level is None else str(level)) + "/"
    p += "/".join(elems)
    return p + (f".p/{width}" if width < WIDTH else "")


class Tiles:
    def __init__(self, url, size, tamper=None):
        self.url, self.size, self.tamper = url, size, tamper
        self.cache = {}
        self.fetched = 0

    def width(self, level, n):
        """Width of tile n at level (None: a bundle, as level 0) in this
        tree (0: not in it)."""
        nodes = self.size >> (HEIGHT * (level or 0))
        if n < nodes // WIDTH:
            return WIDTH
        return nodes % WIDTH if n == nodes // WIDTH else 0

    def fetch(self, level, n, unit):
        """The tile as the tree of the checkpoint has it; a partial tile
        gone full in the meantime is read from the full one (the spec's
        fallback)."""
        key = (level, n)
        if key in self.cache:
            return self.cache[key]
        w = self.width(level, n)
        check(w > 0, f"tile {key} is not in a tree of size {self.size}")
        path, want = tile_path(level, n, w), w
        status, body = get(f"{self.url}/{path}", "application/octet-stream")
        if status == 404 and w < WIDTH:
            path, want = tile_path(level, n, WIDTH), WIDTH
            status, body = get(f"{self.url}/{path}",
                               "application/octet-stream")
        check(status == 200, f"{path}: HTTP {status}: {body[:200]!r}")
        self.fetched += 1
        if self.tamper == path:
            body = body[:-1] + bytes([body[-1] ^ 1])
        items = unit(body, path)
        check(len(items) == want, f"{path}: {len(items)} items, not {want}")
        self.cache[key] = items[:w]
        return self.cache[key]

    def hashes(self, level, n):
        def unit(body, path):
            check(len(body) % HASH == 0 and len(body) <= WIDTH * HASH,
                  f"{path}: {len(body)} bytes is no hash tile")
            return [body[i:i + HASH] for i in range(0, len(body), HASH)]
        return self.fetch(level, n, unit)

    def entries(self, n):
        def unit(body, path):
            out, i = [], 0
            while i < len(body):
                check(i + 2 <= len(body), f"{path}: truncated length")
                ln = int.from_bytes(body[i:i + 2], "big")
                check(i + 2 + ln <= len(body), f"{path}: truncated entry")
                out.append(body[i + 2:i + 2 + ln])
                i += 2 + ln
            check(len(out) <= WIDTH, f"{path}: more than 256 entries")
            return out
        return self.fetch(None, n, unit)

    def leaves(self, n):
        """The entries of bundle n, each checked against its leaf hash
        in level-0 tile n."""
        bundle, tile = self.entries(n), self.hashes(0, n)
        for i, data in enumerate(bundle):
            check(leaf_hash(data) == tile[i], f"entry {n * WIDTH + i}: its "
                  "bundle does not hash to its level-0 tile")
        return bundle

    def subtree(self, k, i):
        """MTH of the complete subtree of 2^k leaves at index i: 2^r
        hashes of tile level k // 8 hashed up r levels."""
        level, r = divmod(k, HEIGHT)
        first = i << r
        tile = self.hashes(level, first // WIDTH)
        hs = tile[first % WIDTH:first % WIDTH + (1 << r)]
        check(len(hs) == 1 << r, f"subtree ({k}, {i}) not in the tiles")
        while len(hs) > 1:
            hs = [node(hs[j], hs[j + 1]) for j in range(0, len(hs), 2)]
        return hs[0]

    def mth(self, start, end):
        """RFC 6962 MTH(D[start:end]) from complete subtrees."""
        n = end - start
        if n & (n - 1) == 0 and start % n == 0:
            return self.subtree(n.bit_length() - 1, start // n)
        k = split(n)
        return node(self.mth(start, start + k), self.mth(start + k, end))

    def path(self, m, start, end):
        """RFC 6962 2.1.1 PATH(m, D[start:end])."""
        n = end - start
        if n == 1:
            return []
        k = split(n)
        if m - start < k:
            return self.path(m, start, start + k) + [self.mth(start + k, end)]
        return self.path(m, start + k, end) + [self.mth(start, start + k)]


def main(argv):
    args = list(argv[1:])
    opts = {"--samples": "20", "--seed": "1", "--tamper": None,
            "--checkpoint": None}
    for o in list(opts):
        if o in args:
            i = args.index(o)
            opts[o] = args[i + 1]
            del args[i:i + 2]
    check(len(args) == 2, "usage: tile_client.py URL VKEY [--samples N] "
          "[--seed S] [--tamper PATH] [--checkpoint FILE]")
    url, vkey = args[0].rstrip("/"), args[1]
    if opts["--checkpoint"]:
        with open(opts["--checkpoint"], "rb") as f:
            note = f.read()
    else:
        status, note = get(url + "/checkpoint", "text/plain")
        check(status == 200, f"checkpoint: HTTP {status}")
    _, size, root = parse_checkpoint(open_note(note, vkey))
    check(size > 0, "empty tree")
    t = Tiles(url, size, opts["--tamper"])
    check(t.mth(0, size) == root,
          "the root computed from the tiles is not the checkpoint's")
    rnd = random.Random(int(opts["--seed"]))
    picks = {0, size - 1} | {rnd.randrange(size)
                             for _ in range(int(opts["--samples"]))}
    for m in sorted(picks):
        leaf = leaf_hash(t.leaves(m // WIDTH)[m % WIDTH])
        check(verify_inclusion(leaf, m, size, t.path(m, 0, size), root),
              f"entry {m}: inclusion does not verify")
    print(f"ok {size} {len(picks)} {t.fetched}")


if __name__ == "__main__":
    try:
        main(sys.argv)
    except (Fail, ValueError, OSError) as e:
        print(f"FAIL: {e}")
        sys.exit(1)
