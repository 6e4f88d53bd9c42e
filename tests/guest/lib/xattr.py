#!/usr/bin/env python3
"""xattr.py PATH OP [ARGS]: xattr system calls with exact buffer sizes and
flags, for tests of their errno paths.  Symlinks are not followed (the l*
calls).  A failing call prints the errno's name (ENODATA, ERANGE, ...) and
exits 1.

  set NAME VALUE [create|replace]  VALUE is text, or pat:N for N bytes of a
                                   pattern that depends on N
  get NAME [SIZE]                  print the value: text, or "N bytes <sha256>"
  size NAME                        getxattr with size 0: the value's length
  expect NAME VALUE                the value equals VALUE (as for set)
  list [SIZE]                      print the names, one a line
  listsize                         listxattr with size 0: the needed length
  remove NAME
  many N PREFIX                    set N xattrs PREFIX0..PREFIX<N-1>, value = name
  batch "OP ARGS" "OP ARGS"...     several ops in one process (start-up is slow
                                   in the guest): each prints as above, a failing
                                   one its errno name, and the batch goes on
"""
import ctypes
import errno
import hashlib
import os
import sys

libc = ctypes.CDLL(None, use_errno=True)
for fn in (libc.lgetxattr, libc.llistxattr):
    fn.restype = ctypes.c_ssize_t
XATTR_CREATE = 1
XATTR_REPLACE = 2


class Fail(Exception):
    pass


def fail():
    err = ctypes.get_errno()
    # EOPNOTSUPP and ENOTSUP are the same number: use the kernel's name
    raise Fail("EOPNOTSUPP" if err == errno.EOPNOTSUPP else errno.errorcode.get(err, str(err)))


def value_of(spec):
    if spec.startswith("pat:"):
        n = int(spec[4:])
        return bytes((i * 7 + n) % 251 for i in range(n))
    return spec.encode()


def show(val):
    if all(32 <= b < 127 for b in val):
        return val.decode()
    return "%d bytes %s" % (len(val), hashlib.sha256(val).hexdigest()[:16])


def getx(path, name, size):
    buf = ctypes.create_string_buffer(max(size, 1))
    n = libc.lgetxattr(path, name, buf if size else None, ctypes.c_size_t(size))
    if n < 0:
        fail()
    return buf.raw[:n] if size else n


def setx(path, name, val, flags=0):
    if libc.lsetxattr(path, name, val, ctypes.c_size_t(len(val)), flags) < 0:
        fail()


def run(path, op, args):
    name = args[0].encode() if args else None

    if op == "set":
        flags = {"create": XATTR_CREATE, "replace": XATTR_REPLACE}.get(
            args[2] if len(args) > 2 else "", 0)
        setx(path, name, value_of(args[1]), flags)
    elif op in ("get", "expect"):
        size = int(args[1]) if op == "get" and len(args) > 1 else None
        if size is None:
            size = getx(path, name, 0)
            size = max(size, 1)
        val = getx(path, name, size)
        if op == "get":
            print(show(val))
        elif val != value_of(args[1]):
            raise Fail("mismatch: got %s" % show(val))
    elif op == "size":
        print(getx(path, name, 0))
    elif op in ("list", "listsize"):
        size = int(args[0]) if args else None
        n = libc.llistxattr(path, None, ctypes.c_size_t(0))
        if n < 0:
            fail()
        if op == "listsize":
            print(n)
            return
        if size is None:
            size = n
        buf = ctypes.create_string_buffer(max(size, 1))
        n = libc.llistxattr(path, buf, ctypes.c_size_t(size))
        if n < 0:
            fail()
        for item in buf.raw[:n].split(b"\0")[:-1]:
            print(item.decode())
    elif op == "remove":
        if libc.lremovexattr(path, name) < 0:
            fail()
    elif op == "many":
        for i in range(int(args[0])):
            full = ("%s%d" % (args[1], i)).encode()
            setx(path, full, full)
    else:
        sys.exit("unknown op " + op)


def main():
    path = os.fsencode(sys.argv[1])
    if sys.argv[2] == "batch":
        for op in sys.argv[3:]:
            words = op.split()
            try:
                run(path, words[0], words[1:])
            except Fail as e:
                print(e)
        return
    try:
        run(path, sys.argv[2], sys.argv[3:])
    except Fail as e:
        print(e)
        sys.exit(1)


main()
