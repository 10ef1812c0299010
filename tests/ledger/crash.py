#!/usr/bin/env python3
"""The SIGKILL test's driver (40-crash.sh): ledgerd is killed at random
points while a feeder streams signed events, then restarted, ROUNDS times.

The feeder behaves like the kernel's journal: it keeps every event until
ledgerd acknowledges it and, after a restart, sends again from the first
unacknowledged one (ledgerd acknowledges a copy of an event it already
holds as "dup" with its index). At the end it checks that no acknowledged
event was lost or moved, none is in the ledger twice, the device's
events are exactly seq 1..n in order, every checkpoint seen verifies and
is consistent with every later one, and the last root is the Merkle root
of the entries as stored.

  crash.py BIN_DIR WORK_DIR EVENTS_FILE ROUNDS SEED
"""
import hashlib
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proofs import verify_consistency, h, node  # noqa: E402

B, T, EVFILE, ROUNDS, SEED = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
rnd = random.Random(SEED)
events = [l.rstrip("\n") for l in open(EVFILE)]
CTL = f"{T}/ctl"
ARGS = [f"{B}/ledgerd", "-c", "/dev/null", "--db", f"{T}/l.db", "--key", f"{T}/node.pem",
        "--origin", "test.example/ledger", "--control-socket", CTL, "--http-port", "0",
        "--netlink", "no"]
VKEY = subprocess.check_output(ARGS + ["vkey"], text=True).strip()


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def start():
    log = open(f"{T}/log", "w")
    p = subprocess.Popen(ARGS, stderr=log)
    for _ in range(500):
        txt = open(f"{T}/log").read()
        m = re.search(r"http 127\.0\.0\.1:(\d+),", txt)
        if m and os.path.exists(CTL):
            return p, f"http://127.0.0.1:{m.group(1)}"
        if p.poll() is not None:
            fail(f"ledgerd exited at start:\n{txt}")
        time.sleep(0.01)
    fail("ledgerd did not start")


def get(url, raw=False):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode() if raw else json.load(r)


def checkpoint(url):
    note = get(url + "/checkpoint", raw=True)
    with open(f"{T}/cp", "w") as f:
        f.write(note)
    out = subprocess.run([f"{B}/ledger-testtool", "verify-note", VKEY, f"{T}/cp"],
                         capture_output=True, text=True)
    if out.returncode:
        fail(f"checkpoint does not verify: {note!r}")
    size, root = out.stdout.split()
    return int(size), bytes.fromhex(root)


def control(lines):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(CTL)
    f = s.makefile("rw")
    for l in lines:
        f.write(l + "\n")
    f.flush()
    out = [f.readline().strip() for _ in lines]
    s.close()
    return out


acked = {}          # seq -> index
next_seq = 1        # first event not yet acknowledged
checkpoints = []    # (size, root) in the order seen
dups = 0            # appended before a kill, acknowledged only after it
devid = subprocess.check_output([f"{B}/ledger-testtool", "devid", f"{T}/dev.pem"], text=True).strip()
pub = subprocess.check_output([f"{B}/ledger-testtool", "pubhex", f"{T}/dev.pem"], text=True).strip()


def feeder(stop, window=8):
    """Streams from next_seq, at most `window` unacknowledged in flight."""
    global next_seq, dups
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(CTL)
        rf = s.makefile("r")
        seq = next_seq
        inflight = []
        while not stop.is_set() and (seq <= len(events) or inflight):
            while len(inflight) < window and seq <= len(events):
                s.sendall((events[seq - 1] + "\n").encode())
                inflight.append(seq)
                seq += 1
            line = rf.readline()
            if not line:
                return
            w = line.split()
            want = inflight.pop(0)
            if w[0] not in ("ok", "dup") or int(w[2]) != want:
                fail(f"seq {want}: reply {line.strip()}")
            idx = int(w[1])
            dups += w[0] == "dup"
            if want in acked and acked[want] != idx:
                fail(f"seq {want} acknowledged at {acked[want]} and now at {idx}")
            acked[want] = idx
            next_seq = want + 1
    except (ConnectionError, OSError):
        return


p, url = start()
if control([f"enroll dev-a {pub}"])[0] != f"enrolled 0 {devid}":
    fail("enrolment")
for r in range(ROUNDS):
    if r:
        p, url = start()
    head = control([f"head {devid}"])[0].split()
    if head[0] != "head":
        fail(f"head: {head}")
    if int(head[1]) < next_seq - 1:
        fail(f"round {r}: ledger head {head[1]} lost acknowledged seq {next_seq - 1}")
    checkpoints.append(checkpoint(url))
    stop = threading.Event()
    t = threading.Thread(target=feeder, args=(stop,))
    t.start()
    time.sleep(rnd.uniform(0.0, 0.08))
    p.send_signal(signal.SIGKILL)
    p.wait()
    stop.set()
    t.join()

# The last start: everything is checked against what it serves.
p, url = start()
size, root = checkpoint(url)
checkpoints.append((size, root))
leaves, seqs = [], []
for start_i in range(0, size, 1000):
    for e in get(f"{url}/entries?start={start_i}&end={min(size, start_i + 1000)}")["entries"]:
        leaf = h(b"\x00", bytes.fromhex(e["data"]))
        if leaf.hex() != e["leaf_hash"]:
            fail(f"entry {e['index']}: leaf hash")
        leaves.append(leaf)
        if e["type"] == "event":
            seqs.append((e["seq"], e["index"]))
if len(leaves) != size:
    fail("entry count")
if [s for s, _ in seqs] != list(range(1, len(seqs) + 1)):
    fail("the device's events are not exactly 1..n in order (lost or duplicated)")
at = dict(seqs)
for seq, idx in acked.items():
    if at.get(seq) != idx:
        fail(f"acknowledged seq {seq} at index {idx} is not there")


def mth(xs):
    if len(xs) == 1:
        return xs[0]
    k = 1
    while k * 2 < len(xs):
        k *= 2
    return node(mth(xs[:k]), mth(xs[k:]))


if mth(leaves) != root:
    fail("the checkpoint root is not the root of the stored entries")
# Every checkpoint against the last one, and each against the next.
pairs = [(c, checkpoints[-1]) for c in checkpoints] + list(zip(checkpoints, checkpoints[1:]))
for (n1, r1), (n2, r2) in pairs:
    if n1 > n2:
        fail(f"checkpoint sizes went back: {n1} then {n2}")
    if n1 == 0:
        continue
    pr = get(f"{url}/proof/consistency?old={n1}&new={n2}")
    if not verify_consistency(n1, n2, r1, r2, [bytes.fromhex(x) for x in pr["proof"]]):
        fail(f"checkpoint {n1} is not consistent with {n2}")
p.send_signal(signal.SIGTERM)
p.wait()
print(f"{ROUNDS} kills, {len(acked)} events acknowledged ({dups} appended before a kill and "
      f"acknowledged after it), "
      f"{size} entries, {len(checkpoints)} checkpoints consistent")
