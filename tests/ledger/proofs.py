#!/usr/bin/env python3
"""RFC 9162 proof checks, written apart from ledgerd's C, for the tests.

  proofs.py all URL SIZE ROOTHEX      every inclusion proof at SIZE and the
                                      consistency proof from each smaller
                                      size, checked against ROOTHEX
  proofs.py consistent URL OLD OLDROOT NEW NEWROOT
"""
import hashlib
import json
import sys
import urllib.request


def h(*parts):
    return hashlib.sha256(b"".join(parts)).digest()


def node(l, r):
    return h(b"\x01", l, r)


def verify_inclusion(leaf, index, size, proof, root):
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(n1, n2, r1, r2, proof):
    if n1 == n2:
        return not proof and r1 == r2
    if n1 == 0 or n1 > n2 or not proof:
        return False
    if n1 & (n1 - 1) == 0:
        proof = [r1] + proof
    fn, sn = n1 - 1, n2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == r1 and sr == r2


def get(url):
    with urllib.request.urlopen(url) as r:
        return json.load(r)


def unhex(s):
    return bytes.fromhex(s)


def check_all(base, size, root):
    # Leaf hashes recomputed from the entries' data, not taken on trust.
    leaves = []
    for start in range(0, size, 1000):
        e = get(f"{base}/entries?start={start}&end={min(size, start + 1000)}")
        for x in e["entries"]:
            leaf = h(b"\x00", unhex(x["data"]))
            assert leaf.hex() == x["leaf_hash"], f"entry {x['index']}: leaf hash"
            leaves.append(leaf)
    assert len(leaves) == size
    for i in range(size):
        p = get(f"{base}/proof/inclusion?index={i}&size={size}")
        assert verify_inclusion(leaves[i], i, size, [unhex(x) for x in p["proof"]], root), f"inclusion {i}"
    for old in range(1, size + 1):
        p = get(f"{base}/proof/consistency?old={old}&new={size}")
        assert verify_consistency(old, size, unhex(p["old_root"]), root,
                                  [unhex(x) for x in p["proof"]]), f"consistency {old}"
    # A tampered proof must fail.
    if size > 1:
        p = get(f"{base}/proof/inclusion?index=0&size={size}")
        bad = [unhex(x) for x in p["proof"]]
        bad[0] = bytes([bad[0][0] ^ 1]) + bad[0][1:]
        assert not verify_inclusion(leaves[0], 0, size, bad, root)
    return size


def main():
    if sys.argv[1] == "all":
        n = check_all(sys.argv[2], int(sys.argv[3]), unhex(sys.argv[4]))
        print(f"{n} inclusion and {n} consistency proofs verified")
    elif sys.argv[1] == "consistent":
        base, old, oldroot, new, newroot = sys.argv[2:7]
        p = get(f"{base}/proof/consistency?old={old}&new={new}")
        ok = verify_consistency(int(old), int(new), unhex(oldroot), unhex(newroot),
                                [unhex(x) for x in p["proof"]])
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
