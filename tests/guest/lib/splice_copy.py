#!/usr/bin/env python3
"""splice_copy.py SRC DST: copy SRC to DST through a pipe with splice(2)."""
import os
import sys

src = os.open(sys.argv[1], os.O_RDONLY)
dst = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
r, w = os.pipe()
while True:
    n = os.splice(src, w, 65536)
    if n == 0:
        break
    while n:
        n -= os.splice(r, dst, n)
os.close(dst)
