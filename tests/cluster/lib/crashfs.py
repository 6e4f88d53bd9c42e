#!/usr/bin/env python3
"""A metadata workload whose every prefix is known, for crash tests.

    crashfs.py run DIR PROGRESS      apply ops to DIR forever; after every
                                     SYNC_EVERY ops, sync(2) and append the
                                     number of ops done to PROGRESS
    crashfs.py verify DIR PROGRESS...  each DIR must hold exactly the state after
                                     some number of ops at or past the last
                                     recorded one: synced ops are all there
                                     and no op is half done

Op i is chosen from a generator seeded with i and the model state, so the
verifier replays the same sequence without any log from the workload.
"""
import os
import random
import stat
import sys

SYNC_EVERY = 20
# how far past the last recorded sync a crash may have left the directory
SLACK = 4 * SYNC_EVERY


class Model:
    def __init__(self):
        # relative path -> ("d", mode) | ("f", mode, inode id) | ("l", target)
        self.ents = {}
        self.next_id = 0

    def dirs(self):
        return sorted(p for p, e in self.ents.items() if e[0] == "d")

    def files(self):
        return sorted(p for p, e in self.ents.items() if e[0] == "f")

    def empty_dirs(self):
        full = {os.path.dirname(p) for p in self.ents}
        return [d for d in self.dirs() if d not in full and d.count("/") > 0]

    def choose(self, i):
        """the op for step i, as a tuple, applied to the model"""
        rng = random.Random(i * 7919 + len(self.ents))
        if i < 4:
            op = ("mkdir", f"d{i}", 0o755)
        else:
            kind = rng.choice(["create", "create", "mkdir", "rename", "unlink",
                               "link", "symlink", "rmdir", "chmod"])
            parent = rng.choice(self.dirs())
            name = f"{parent}/{kind[0]}{i}"
            files = self.files()
            if kind == "create":
                op = ("create", name, 0o644)
            elif kind == "mkdir":
                op = ("mkdir", name, 0o750)
            elif kind == "symlink":
                op = ("symlink", name, f"target-{i}")
            elif kind == "rmdir" and self.empty_dirs():
                op = ("rmdir", rng.choice(self.empty_dirs()))
            elif kind in ("rename", "unlink", "link", "chmod") and files:
                src = rng.choice(files)
                if kind == "rename":
                    # sometimes over an existing file
                    dst = rng.choice(files) if rng.random() < 0.3 else name
                    op = ("rename", src, dst) if dst != src else ("create", name, 0o600)
                elif kind == "unlink":
                    op = ("unlink", src)
                elif kind == "link":
                    op = ("link", src, name)
                else:
                    op = ("chmod", src, rng.choice([0o600, 0o640, 0o444]))
            else:
                op = ("create", name, 0o644)
        self.apply(op)
        return op

    def apply(self, op):
        kind, path = op[0], op[1]
        if kind == "mkdir":
            self.ents[path] = ("d", op[2])
        elif kind == "create":
            self.ents[path] = ("f", op[2], self.next_id)
            self.next_id += 1
        elif kind == "symlink":
            self.ents[path] = ("l", op[2])
        elif kind == "rmdir" or kind == "unlink":
            del self.ents[path]
        elif kind == "rename":
            # renaming a name over another link of the same inode does nothing
            if self.ents.get(op[2]) != self.ents[path]:
                self.ents[op[2]] = self.ents.pop(path)
        elif kind == "link":
            self.ents[op[2]] = self.ents[path]
        elif kind == "chmod":
            e = self.ents[path]
            for p, other in list(self.ents.items()):
                if other == e:
                    self.ents[p] = ("f", op[2], e[2])

    def view(self):
        """what a directory walk should find: path -> comparable tuple"""
        links = {}
        for e in self.ents.values():
            if e[0] == "f":
                links[e[2]] = links.get(e[2], 0) + 1
        out = {}
        for p, e in self.ents.items():
            if e[0] == "f":
                out[p] = ("f", e[1], links[e[2]])
            else:
                out[p] = e
        return out


def do(root, op):
    kind, path = op[0], os.path.join(root, op[1])
    if kind == "mkdir":
        os.mkdir(path, op[2])
        os.chmod(path, op[2])
    elif kind == "create":
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, op[2]))
        os.chmod(path, op[2])
    elif kind == "symlink":
        os.symlink(op[2], path)
    elif kind == "rmdir":
        os.rmdir(path)
    elif kind == "unlink":
        os.unlink(path)
    elif kind == "rename":
        os.rename(path, os.path.join(root, op[2]))
    elif kind == "link":
        os.link(path, os.path.join(root, op[2]))
    elif kind == "chmod":
        os.chmod(path, op[2])


def walk(root):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            full = os.path.join(dirpath, n)
            rel = os.path.relpath(full, root)
            st = os.lstat(full)
            if stat.S_ISDIR(st.st_mode):
                out[rel] = ("d", stat.S_IMODE(st.st_mode))
            elif stat.S_ISLNK(st.st_mode):
                out[rel] = ("l", os.readlink(full))
            else:
                out[rel] = ("f", stat.S_IMODE(st.st_mode), st.st_nlink)
    return out


def run(root, progress):
    model = Model()
    os.makedirs(root, exist_ok=True)
    i = 0
    with open(progress, "a") as prog:
        while True:
            do(root, model.choose(i))
            i += 1
            if i % SYNC_EVERY == 0:
                os.sync()
                prog.write(f"{i}\n")
                prog.flush()
                os.fsync(prog.fileno())


def verify(root, progress):
    # killed before the workload recorded anything: nothing was synced
    try:
        with open(progress) as f:
            lines = f.read().split()
    except FileNotFoundError:
        lines = []
    synced = int(lines[-1]) if lines else 0
    have = walk(root) if os.path.isdir(root) else {}
    model = Model()
    for i in range(synced):
        model.choose(i)
    for n in range(synced, synced + SLACK + 1):
        if have == model.view():
            print(f"state after {n} ops ({synced} synced)")
            return 0
        model.choose(n)
    print(f"no state from {synced} to {synced + SLACK} ops matches", file=sys.stderr)
    missing = {p: e for p, e in model.view().items() if have.get(p) != e}
    extra = {p: e for p, e in have.items() if p not in model.view()}
    print(f"last model differs: {sorted(missing.items())[:10]} extra {sorted(extra.items())[:10]}",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    from crashmain import main
    main(run, verify)
