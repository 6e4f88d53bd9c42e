#!/usr/bin/env python3
"""net_malformed.py PORT FSID CASE: talk to a scoutfs server on
127.0.0.1:PORT (FSID in hex) over a fresh TCP connection, the way CASE
says (see CASES), and check how the server reacts.

Prints the connection's local port (dmesg names the peer as
127.0.0.1:<that port>) and exits 0 when the server behaved: it closed
the connection for a malformed CASE, or answered correctly for a good
one.  The message framing is docs/wire.md."""
import os
import socket
import struct
import sys
import time

MAGIC = 0x5C0F7E17
VERSION = 4
PORT = 0  # the server's, set by main()
HDR = struct.Struct("<IIQQQIBBBB")  # crc magic fsid id seq data_len version cmd flags error
GREETING = struct.Struct("<QQQBBB5x")  # fsid rid flags version_min version_max quorum_slot
GREETING_RESP = struct.Struct("<QQQB7x")  # server_term server_rid flags version

CMD_GREETING, CMD_ALLOC_INODES, CMD_FAREWELL = 1, 2, 6
FLAG_RESPONSE = 0x01
ERR_NONE, ERR_INVAL = 0, 1
MAX_DATA_LEN = 65536

POLY = 0x82F63B78
TABLE = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ POLY if c & 1 else c >> 1
    TABLE.append(c)


def crc32c(data, crc=0xFFFFFFFF):
    for b in data:
        crc = TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def message(fsid, cmd, payload=b"", msg_id=1, seq=1, flags=0, error=0,
            data_len=None, magic=MAGIC, bad_crc=False):
    if data_len is None:
        data_len = len(payload)
    hdr = HDR.pack(0, magic, fsid, msg_id, seq, data_len, VERSION, cmd, flags, error)
    crc = crc32c(payload, crc32c(hdr[4:])) ^ 0xFFFFFFFF
    if bad_crc:
        crc ^= 0x1
    return struct.pack("<I", crc) + hdr[4:] + payload


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        part = sock.recv(n - len(buf))
        if not part:
            raise EOFError("closed after %d of %d bytes" % (len(buf), n))
        buf += part
    return buf


def recv_message(sock):
    hdr = recv_exact(sock, HDR.size)
    fields = HDR.unpack(hdr)
    payload = recv_exact(sock, fields[5])
    crc = crc32c(payload, crc32c(hdr[4:])) ^ 0xFFFFFFFF
    if crc != fields[0] or fields[1] != MAGIC:
        raise ValueError("bad response framing")
    return fields, payload


def closed_by_server(sock, timeout=10.0):
    """True if the server closes the connection within timeout."""
    sock.settimeout(timeout)
    end = time.monotonic() + timeout
    try:
        while time.monotonic() < end:
            if not sock.recv(65536):
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
    return False


def greeting(fsid, rid):
    return GREETING.pack(fsid, rid, 0, VERSION, VERSION, 0xFF)


def case_garbage(sock, fsid):
    sock.sendall(b"GET / HTTP/1.0\r\nHost: scoutfs\r\nUser-Agent: test\r\n\r\n")
    return closed_by_server(sock)


def case_bad_magic(sock, fsid):
    sock.sendall(message(fsid, CMD_GREETING, greeting(fsid, 1), magic=0x12345678))
    return closed_by_server(sock)


def case_bad_crc(sock, fsid):
    sock.sendall(message(fsid, CMD_GREETING, greeting(fsid, 1), bad_crc=True))
    return closed_by_server(sock)


def case_oversized(sock, fsid):
    # only the header: the server must refuse it before waiting for a payload
    sock.sendall(message(fsid, CMD_GREETING, data_len=MAX_DATA_LEN + 1))
    return closed_by_server(sock)


def case_unknown_cmd(sock, fsid):
    sock.sendall(message(fsid, 99))
    return closed_by_server(sock)


def case_truncated(sock, fsid):
    sock.sendall(message(fsid, CMD_GREETING, greeting(fsid, 1))[:20])
    sock.shutdown(socket.SHUT_WR)
    return closed_by_server(sock)


def case_unknown_response(sock, fsid):
    sock.sendall(message(fsid, CMD_GREETING, msg_id=4242, flags=FLAG_RESPONSE))
    return closed_by_server(sock)


def case_huge_stream(sock, fsid):
    # a header promising the largest payload, then far more than that
    sock.sendall(message(fsid, CMD_ALLOC_INODES, data_len=MAX_DATA_LEN, msg_id=7))
    chunk = os.urandom(65536)
    sock.settimeout(10.0)
    try:
        for _ in range(256):  # 16 MiB
            sock.sendall(chunk)
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        pass  # the server stopped reading: it must have closed
    return closed_by_server(sock)


def expect_response(sock, cmd, msg_id, error):
    fields, payload = recv_message(sock)
    _, _, _, rid, _, _, _, rcmd, rflags, rerror = fields
    if (rcmd, rid, rflags, rerror) != (cmd, msg_id, FLAG_RESPONSE, error):
        raise ValueError("response cmd %d id %d flags %d error %d, expected %d %d %d %d"
                         % (rcmd, rid, rflags, rerror, cmd, msg_id, FLAG_RESPONSE, error))
    return payload


def case_good_session(sock, fsid):
    """A well-behaved client: greet, get INVAL for a request too short to
    mean anything (and stay connected), get inode numbers, say farewell."""
    rid = int.from_bytes(os.urandom(8), "little") | 1
    print("rid %016x" % rid)
    sock.settimeout(10.0)
    # the first header's fsid isn't checked, the greeting's payload is
    sock.sendall(message(0, CMD_GREETING, greeting(fsid, rid), msg_id=1, seq=1))
    payload = expect_response(sock, CMD_GREETING, 1, ERR_NONE)
    term, server_rid, flags, version = GREETING_RESP.unpack(payload[:GREETING_RESP.size])
    print("term %d server_rid %016x version %d" % (term, server_rid, version))
    if version != VERSION or flags != 0:
        return False
    sock.sendall(message(fsid, CMD_ALLOC_INODES, b"", msg_id=2, seq=2))
    expect_response(sock, CMD_ALLOC_INODES, 2, ERR_INVAL)
    sock.sendall(message(fsid, CMD_ALLOC_INODES, struct.pack("<Q", 8), msg_id=3, seq=3))
    first, nr = struct.unpack("<QQ", expect_response(sock, CMD_ALLOC_INODES, 3, ERR_NONE)[:16])
    print("inodes %d %d" % (first, nr))
    if first < 16 or nr != 8:
        return False
    sock.sendall(message(fsid, CMD_FAREWELL, msg_id=4, seq=4))
    expect_response(sock, CMD_FAREWELL, 4, ERR_NONE)
    return True


def case_wrong_fsid_greeting(sock, fsid):
    """A mount of another filesystem is refused with an answer."""
    other = fsid ^ 0xFFFF
    sock.settimeout(10.0)
    sock.sendall(message(other, CMD_GREETING, greeting(other, 5), msg_id=1))
    expect_response(sock, CMD_GREETING, 1, ERR_INVAL)
    return True


def case_wrong_fsid_after_greeting(sock, fsid):
    """After the greeting every header must carry the filesystem's fsid."""
    rid = int.from_bytes(os.urandom(8), "little") | 1
    sock.settimeout(10.0)
    sock.sendall(message(fsid, CMD_GREETING, greeting(fsid, rid), msg_id=1))
    expect_response(sock, CMD_GREETING, 1, ERR_NONE)
    sock.sendall(message(fsid ^ 1, CMD_ALLOC_INODES, msg_id=2, seq=2))
    if not closed_by_server(sock):
        return False
    # it is recorded as mounted: come back and leave cleanly, or the next
    # server would wait for it to resend its locks (or be fenced)
    with socket.create_connection(("127.0.0.1", PORT), timeout=10.0) as again:
        again.sendall(message(fsid, CMD_GREETING, greeting(fsid, rid), msg_id=1))
        expect_response(again, CMD_GREETING, 1, ERR_NONE)
        again.sendall(message(fsid, CMD_FAREWELL, msg_id=2, seq=2))
        expect_response(again, CMD_FAREWELL, 2, ERR_NONE)
    return True


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def main():
    if len(sys.argv) != 4 or sys.argv[3] not in CASES:
        sys.exit("usage: net_malformed.py PORT FSID CASE (%s)" % " ".join(sorted(CASES)))
    global PORT
    port, fsid, case = int(sys.argv[1]), int(sys.argv[2], 16), sys.argv[3]
    PORT = port
    sock = socket.create_connection(("127.0.0.1", port), timeout=10.0)
    print("port %d" % sock.getsockname()[1])
    sys.stdout.flush()
    ok = CASES[case](sock, fsid)
    sock.close()
    print("ok" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
