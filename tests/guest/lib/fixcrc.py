#!/usr/bin/env python3
"""fixcrc.py DEVICE OFFSET SIZE: recompute the crc32c of the block of SIZE
bytes at byte OFFSET (the first 4 bytes, over the bytes after them), as
scoutfs does.  Tests use it to corrupt a block's contents while keeping
its checksum valid, so that the deeper checks are the ones exercised."""
import struct
import sys

POLY = 0x82F63B78
TABLE = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ POLY if c & 1 else c >> 1
    TABLE.append(c)


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def main():
    dev, off, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with open(dev, "r+b", buffering=0) as f:
        f.seek(off)
        blk = bytearray(f.read(size))
        blk[0:4] = struct.pack("<I", crc32c(bytes(blk[4:])))
        f.seek(off)
        f.write(blk)


if __name__ == "__main__":
    main()
