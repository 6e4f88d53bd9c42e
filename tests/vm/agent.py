#!/usr/bin/env python3
"""Guest side of the host's command channel (a virtio-serial port).

The host sends one JSON object per line:
    {"id": N, "cmd": "shell command", "timeout": seconds}
and gets back one line per request:
    {"id": N, "rc": exit_status, "out": base64, "err": base64}
rc is 124 when the command timed out.  Commands run one at a time with
bash in /src, like a test would run them by hand.
"""
import base64
import glob
import json
import os
import select
import subprocess
import sys
import time

PORT_NAME = "scoutfs.agent"


def find_port():
    for d in glob.glob("/sys/class/virtio-ports/vport*"):
        with open(os.path.join(d, "name")) as f:
            if f.read().strip() == PORT_NAME:
                return "/dev/" + os.path.basename(d)
    sys.exit("agent: no virtio port named " + PORT_NAME)


def run(req):
    env = dict(os.environ, HOME="/root")
    try:
        p = subprocess.run(["bash", "-c", req["cmd"]], cwd="/src", env=env,
                           stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=req.get("timeout", 300))
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = 124, e.stdout or b"", (e.stderr or b"") + b"agent: timeout\n"
    if rc < 0:  # killed by a signal: report it the way a shell would
        rc = 128 - rc
    return {"id": req["id"], "rc": rc,
            "out": base64.b64encode(out).decode(),
            "err": base64.b64encode(err).decode()}


def write_all(fd, data):
    """Write all of data to fd.

    One write to a virtio-serial port takes at most 32 KB, so a large
    reply needs several.  If the fd is non-blocking, wait until the port
    can take more.  Returns False if the port failed: the host then gets
    no complete reply line for this request and gives up on it.
    """
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except BlockingIOError:
            select.select([], [fd], [], 1.0)
            continue
        except OSError as e:
            print("agent: reply write failed: " + os.strerror(e.errno),
                  file=sys.stderr, flush=True)
            return False
        if n == 0:
            # The port took nothing: wait for room instead of spinning.
            select.select([], [fd], [], 1.0)
            continue
        view = view[n:]
    return True


def main():
    fd = os.open(find_port(), os.O_RDWR)
    print("agent: listening", flush=True)
    buf = b""
    # After a failed write the host may hold part of a line; a newline
    # ends it so that the next reply starts a line of its own.
    cut = False
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            chunk = b""
        if not chunk:
            # No host connected yet (or it went away): poll again.
            time.sleep(0.05)
            continue
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            try:
                req = json.loads(line)
                reply = run(req)
            except (ValueError, KeyError, TypeError) as e:
                reply = {"id": None, "rc": 2, "out": "",
                         "err": base64.b64encode(str(e).encode()).decode()}
            data = json.dumps(reply).encode() + b"\n"
            if cut:
                data = b"\n" + data
            cut = not write_all(fd, data)


if __name__ == "__main__":
    main()
