#!/usr/bin/env python3
"""A file data workload whose every prefix is known, for crash tests.

    crashdata.py run DIR PROGRESS     write, truncate and punch blocks of a few
                                      files forever; after each fsync append
                                      the number of ops done to PROGRESS
    crashdata.py verify DIR PROGRESS...  every block of every file must be zeros or
                                      a block this workload wrote there (never
                                      garbage), and the files must be in the
                                      state after some number of ops at or past
                                      the last fsync'd one, except that blocks
                                      may already hold data written later (the
                                      page cache writes back before a commit)

Every block written carries a header naming its file, block and generation
(the op number + 1), and a body derived from them, so a block from anywhere
else, or a torn or stale one, is recognised.  Op i is chosen from a
generator seeded with i, so the verifier replays the workload without a log.
"""
import ctypes
import os
import random
import struct
import sys

BLOCK = 4096
NFILES = 6
MAX_BLOCKS = 512
# how far past the last fsync'd op a crash may have left the files
SLACK = 40
# ops replayed past the last fsync for data written back early
LOOKAHEAD = 20000
MAGIC = 0x43525348


def block_bytes(f, b, gen):
    head = struct.pack("<IIIQ", MAGIC, f, b, gen)
    word = struct.pack("<Q", (f << 56) ^ (b << 32) ^ gen)
    body = word * ((BLOCK - len(head)) // 8 + 1)
    return head + body[:BLOCK - len(head)]


def parse(data, f, b):
    """the generation a block holds: 0 for zeros, None for garbage"""
    if data == bytes(BLOCK):
        return 0
    magic, pf, pb, gen = struct.unpack_from("<IIIQ", data)
    if magic != MAGIC or pf != f or pb != b or data != block_bytes(f, b, gen):
        return None
    return gen


def choose(i):
    rng = random.Random(i * 104729 + 17)
    f = rng.randrange(NFILES)
    kind = rng.choices(["write", "write", "write", "truncate", "punch", "fsync"],
                       [4, 4, 4, 1, 1, 2])[0]
    if kind == "write":
        start = rng.randrange(MAX_BLOCKS)
        return ("write", f, start, min(rng.randint(1, 32), MAX_BLOCKS - start))
    if kind == "truncate":
        return ("truncate", f, rng.randrange(MAX_BLOCKS + 1))
    if kind == "punch":
        start = rng.randrange(MAX_BLOCKS)
        return ("punch", f, start, min(rng.randint(1, 64), MAX_BLOCKS - start))
    return ("fsync", f)


class Model:
    def __init__(self):
        self.size = [0] * NFILES         # in blocks
        self.blocks = [dict() for _ in range(NFILES)]

    def apply(self, i, op):
        f = op[1]
        if op[0] == "write":
            for b in range(op[2], op[2] + op[3]):
                self.blocks[f][b] = i + 1
            self.size[f] = max(self.size[f], op[2] + op[3])
        elif op[0] == "truncate":
            for b in [b for b in self.blocks[f] if b >= op[2]]:
                del self.blocks[f][b]
            self.size[f] = op[2]
        elif op[0] == "punch":
            for b in range(op[2], op[2] + op[3]):
                self.blocks[f].pop(b, None)


def name(root, f):
    return os.path.join(root, f"f{f}")


def run(root, progress):
    os.makedirs(root, exist_ok=True)
    fds = [os.open(name(root, f), os.O_CREAT | os.O_RDWR, 0o644) for f in range(NFILES)]
    os.sync()
    with open(progress, "a") as prog:
        def record(n):
            prog.write(f"{n}\n")
            prog.flush()
            os.fsync(prog.fileno())

        record(0)
        i = 0
        while True:
            op = choose(i)
            fd = fds[op[1]]
            if op[0] == "write":
                data = b"".join(block_bytes(op[1], b, i + 1)
                                for b in range(op[2], op[2] + op[3]))
                os.pwrite(fd, data, op[2] * BLOCK)
            elif op[0] == "truncate":
                os.ftruncate(fd, op[2] * BLOCK)
            elif op[0] == "punch":
                punch(fd, op[2] * BLOCK, op[3] * BLOCK)
            i += 1
            if op[0] == "fsync":
                os.fsync(fd)
                record(i)


def punch(fd, off, length):
    """fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)"""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_long, ctypes.c_long]
    if libc.fallocate(fd, 0x02 | 0x01, off, length) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def verify(root, progress):
    # killed before the workload recorded anything: nothing was synced
    try:
        with open(progress) as f:
            lines = f.read().split()
    except FileNotFoundError:
        lines = []
    synced = int(lines[-1]) if lines else 0

    # what each file holds now
    have = []
    for f in range(NFILES):
        try:
            with open(name(root, f), "rb") as fh:
                data = fh.read()
        except FileNotFoundError:
            data = b""      # not created yet: the model starts with empty files
        if len(data) % BLOCK:
            print(f"f{f}: size {len(data)} is not a whole number of blocks", file=sys.stderr)
            return 1
        gens = []
        for b in range(len(data) // BLOCK):
            g = parse(data[b * BLOCK:(b + 1) * BLOCK], f, b)
            if g is None:
                print(f"f{f} block {b}: garbage (not zeros, not a block written there)",
                      file=sys.stderr)
                return 1
            gens.append(g)
        have.append(gens)

    # every generation written to each block by the ops after the start
    model = Model()
    for i in range(synced):
        model.apply(i, choose(i))
    later = {}
    for i in range(synced, synced + LOOKAHEAD):
        op = choose(i)
        if op[0] == "write":
            for b in range(op[2], op[2] + op[3]):
                later.setdefault((op[1], b), set()).add(i + 1)

    why = ""
    for c in range(synced, synced + SLACK + 1):
        ok = True
        for f in range(NFILES):
            if len(have[f]) != model.size[f]:
                ok, why = False, f"f{f} has {len(have[f])} blocks, {model.size[f]} after {c} ops"
                break
            for b, g in enumerate(have[f]):
                want = model.blocks[f].get(b, 0)
                if g == want:
                    continue
                # written back early by a later op to a block already allocated
                if want and g > c and g in later.get((f, b), ()):
                    continue
                ok, why = False, f"f{f} block {b} holds gen {g}, {want} after {c} ops"
                break
            if not ok:
                break
        if ok:
            print(f"state after {c} ops ({synced} fsync'd)")
            return 0
        model.apply(c, choose(c))
    print(f"no state from {synced} to {synced + SLACK} ops matches; last: {why}",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    from crashmain import main
    main(run, verify)
