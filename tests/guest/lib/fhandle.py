#!/usr/bin/python3
"""File handles from the command line, for export.bats.

  fhandle.py get PATH              print PATH's handle: TYPE:HEX
  fhandle.py need PATH             the handle size name_to_handle_at asks for
  fhandle.py read MNT HANDLE       open the handle, print the file's bytes
  fhandle.py stat MNT HANDLE       open the handle, print "ino type"
  fhandle.py path MNT HANDLE       open the handle, print the path it has
  fhandle.py errors MNT HANDLE...  open each handle, print OK or the errno's name

HANDLE is TYPE:HEX as printed by get (TYPE in decimal or 0x hex).  A
failing call prints the errno's name (ESTALE, ...) on stderr and exits 1.
"""
import ctypes
import errno
import os
import stat
import sys

AT_FDCWD = -100
MAX_HANDLE_SZ = 128

libc = ctypes.CDLL(None, use_errno=True)


class FileHandle(ctypes.Structure):
    _fields_ = [("handle_bytes", ctypes.c_uint),
                ("handle_type", ctypes.c_int),
                ("f_handle", ctypes.c_ubyte * MAX_HANDLE_SZ)]


def fail(what):
    err = ctypes.get_errno()
    print(f"{what}: {errno.errorcode.get(err, err)}", file=sys.stderr)
    sys.exit(1)


def name_to_handle(path, size=MAX_HANDLE_SZ):
    fh = FileHandle(handle_bytes=size)
    mount_id = ctypes.c_int()
    ret = libc.name_to_handle_at(AT_FDCWD, os.fsencode(path), ctypes.byref(fh),
                                 ctypes.byref(mount_id), 0)
    return ret, fh


def parse(text):
    htype, _, hexbytes = text.partition(":")
    raw = bytes.fromhex(hexbytes)
    fh = FileHandle(handle_bytes=len(raw), handle_type=int(htype, 0))
    ctypes.memmove(fh.f_handle, raw, len(raw))
    return fh


def try_open(mnt, text, flags):
    mfd = os.open(mnt, os.O_RDONLY | os.O_DIRECTORY)
    fh = parse(text)
    fd = libc.open_by_handle_at(mfd, ctypes.byref(fh), flags)
    err = ctypes.get_errno()
    os.close(mfd)
    return fd, err


def open_handle(mnt, text, flags):
    fd, err = try_open(mnt, text, flags)
    if fd < 0:
        ctypes.set_errno(err)
        fail("open_by_handle_at")
    return fd


def main(argv):
    cmd = argv[1]
    if cmd == "get":
        ret, fh = name_to_handle(argv[2])
        if ret:
            fail("name_to_handle_at")
        raw = bytes(fh.f_handle[:fh.handle_bytes])
        print(f"{fh.handle_type:#x}:{raw.hex()}")
    elif cmd == "need":
        ret, fh = name_to_handle(argv[2], 0)
        if ret == 0 or ctypes.get_errno() != errno.EOVERFLOW:
            fail("name_to_handle_at with no room")
        print(fh.handle_bytes)
    elif cmd == "read":
        fd = open_handle(argv[2], argv[3], os.O_RDONLY)
        with os.fdopen(fd, "rb") as f:
            sys.stdout.buffer.write(f.read())
    elif cmd == "stat":
        fd = open_handle(argv[2], argv[3], os.O_RDONLY)
        st = os.fstat(fd)
        kind = "dir" if stat.S_ISDIR(st.st_mode) else \
            "file" if stat.S_ISREG(st.st_mode) else "other"
        print(st.st_ino, kind)
        os.close(fd)
    elif cmd == "path":
        fd = open_handle(argv[2], argv[3], os.O_PATH)
        print(os.readlink(f"/proc/self/fd/{fd}"))
        os.close(fd)
    elif cmd == "errors":
        for text in argv[3:]:
            fd, err = try_open(argv[2], text, os.O_RDONLY)
            if fd < 0:
                print(errno.errorcode.get(err, err))
            else:
                print("OK")
                os.close(fd)
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv)
