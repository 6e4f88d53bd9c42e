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


def main():
    fd = os.open(find_port(), os.O_RDWR)
    print("agent: listening", flush=True)
    buf = b""
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
            os.write(fd, json.dumps(reply).encode() + b"\n")


if __name__ == "__main__":
    main()
