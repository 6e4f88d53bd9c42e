#!/usr/bin/env python3
"""Fill a filesystem from one process, for the ENOSPC tests.

  fill.py meta DIR      create files DIR/f<N>, each with a 60 KiB user.fill
                        xattr, until ENOSPC; print "files N" (how many got
                        their xattr) and "errno NAME" of the failure
  fill.py data DIR MIB  write files DIR/d<N> of MIB MiB until ENOSPC;
                        print "files N" (complete files), "bytes B" (all
                        bytes written) and "errno NAME"

Any error other than ENOSPC is printed the same way, so the test sees it.
"""
import errno
import os
import sys

VALUE = b"x" * (60 * 1024)
CHUNK = b"\0" * (1 << 20)


def fill_meta(d):
    n = 0
    try:
        while True:
            p = os.path.join(d, "f%d" % n)
            fd = os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            os.close(fd)
            os.setxattr(p, "user.fill", VALUE)
            n += 1
    except OSError as e:
        print("files %d" % n)
        print("errno %s" % errno.errorcode.get(e.errno, str(e.errno)))


def fill_data(d, mib):
    n = 0
    total = 0
    try:
        while True:
            fd = os.open(os.path.join(d, "d%d" % n), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            try:
                for _ in range(mib):
                    total += os.write(fd, CHUNK)
                os.fsync(fd)
            finally:
                os.close(fd)
            n += 1
    except OSError as e:
        print("files %d" % n)
        print("bytes %d" % total)
        print("errno %s" % errno.errorcode.get(e.errno, str(e.errno)))


if __name__ == "__main__":
    if sys.argv[1] == "meta":
        fill_meta(sys.argv[2])
    else:
        fill_data(sys.argv[2], int(sys.argv[3]))
