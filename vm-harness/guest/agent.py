#!/usr/bin/python3
"""Guest agent: runs the host's requests, answers over a virtio-serial port.

One JSON object per line in each direction; binary data is base64. Every
request carries an id and is served in its own thread, so the host may have
several commands running at once (a writer in the background while it
powers off the peer, say). Requests:

  {"id": N, "op": "run", "cmd": "...", "timeout": S, "stdin": B64, "env": {...}}
      -> {"id": N, "rc": RC, "out": B64, "err": B64, "timed_out": false}
  {"id": N, "op": "put", "path": P, "data": B64, "mode": 0o644}  -> {"id": N}
  {"id": N, "op": "get", "path": P}                             -> {"id": N, "data": B64}
  {"id": N, "op": "ping"}                                       -> {"id": N, "uptime": S}

Any failure of the agent itself answers {"id": N, "error": "text"}. On start
the agent says {"id": 0, "hello": HOSTNAME}.
"""

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import threading

write_lock = threading.Lock()


def send(fd, obj):
    data = (json.dumps(obj) + "\n").encode()
    with write_lock:
        while data:
            n = os.write(fd, data)
            data = data[n:]


def b64(data):
    return base64.b64encode(data).decode()


def op_run(req):
    env = dict(os.environ)
    env.update(req.get("env") or {})
    stdin = base64.b64decode(req["stdin"]) if req.get("stdin") else b""
    proc = subprocess.Popen(["/bin/sh", "-c", req["cmd"]], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, cwd="/root", start_new_session=True)
    timed_out = False
    try:
        out, err = proc.communicate(stdin, timeout=req.get("timeout"))
    except subprocess.TimeoutExpired:
        timed_out = True
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = proc.communicate()
    return {"rc": proc.returncode, "out": b64(out), "err": b64(err), "timed_out": timed_out}


def op_put(req):
    path = req["path"]
    tmp = f"{path}.nbvm-tmp"
    with open(tmp, "wb") as f:
        f.write(base64.b64decode(req["data"]))
    os.chmod(tmp, req.get("mode", 0o644))
    os.replace(tmp, path)
    return {}


def op_get(req):
    with open(req["path"], "rb") as f:
        return {"data": b64(f.read())}


def op_ping(_req):
    with open("/proc/uptime") as f:
        return {"uptime": float(f.read().split()[0])}


OPS = {"run": op_run, "put": op_put, "get": op_get, "ping": op_ping}


def serve(fd, req):
    try:
        reply = OPS[req["op"]](req)
    except Exception as e:  # reported to the host, never fatal here
        reply = {"error": f"{type(e).__name__}: {e}"}
    reply["id"] = req.get("id")
    send(fd, reply)


def main():
    fd = os.open(sys.argv[1], os.O_RDWR)
    send(fd, {"id": 0, "hello": socket.gethostname()})
    buf = b""
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            # The host side is not connected yet (or went away): wait for it.
            threading.Event().wait(0.2)
            continue
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            try:
                req = json.loads(line)
            except ValueError:
                send(fd, {"id": None, "error": "malformed request"})
                continue
            threading.Thread(target=serve, args=(fd, req), daemon=True).start()


if __name__ == "__main__":
    main()
