"""Protocol C: a writer on alpha writes numbered 4 KiB blocks with O_DIRECT
and O_DSYNC and reports each completed block over TCP to a listener on the
LAN side (the ack log never lives on the node under test). alpha is powered
off hard mid-stream; bravo notices (ping-timeout), is promoted, and every
block alpha reported as completed is on bravo with its content."""

import re
import threading

from nbvm import nbr, scenario

WRITER = r'''
import mmap, os, socket, time
# The listener starts at the same time as this writer: wait for it.
for _ in range(300):
    try:
        log = socket.create_connection(("10.99.0.254", 9999))
        break
    except OSError:
        time.sleep(0.1)
else:
    raise SystemExit("no ack listener on 10.99.0.254:9999")
fd = os.open("/dev/nb0", os.O_WRONLY | os.O_DIRECT | os.O_DSYNC)
buf = mmap.mmap(-1, 4096)
for i in range(15000):
    buf.seek(0)
    buf.write((b"%08d" % i) * 512)
    if os.pwrite(fd, buf, i * 4096) != 4096:
        raise SystemExit("short write")
    log.sendall(b"%d\n" % i)
'''

LISTENER = r'''
import socket
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("10.99.0.254", 9999))
srv.listen(1)
srv.settimeout(60)
c, _ = srv.accept()
c.settimeout(8)
data = b""
try:
    while True:
        d = c.recv(65536)
        if not d:
            break
        data += d
except OSError:
    pass
print(data.decode(), end="")
'''

CHECK = r'''
import os, sys
ids = [int(x) for x in open("/tmp/acked").read().split()]
fd = os.open("/dev/nb0", os.O_RDONLY)
bad = [i for i in ids if os.pread(fd, 4096, i * 4096) != (b"%08d" % i) * 512]
print(len(ids), "acked", len(bad), "missing", bad[:10])
sys.exit(1 if bad else 0)
'''


def proc(node):
    return nbr.proc(node)


@scenario(nodes=2)
def run(c):
    # ping-timeout 5 s, not DRBD's 0.5 s: a busy 2-core TCG host delays
    # pings, and a spurious disconnect voids the test (see below).
    a, b = nbr.up_pair(c, ping_int=2, ping_timeout=50)
    nbr.uptodate_primary(c, a)

    got = {}
    listener = threading.Thread(
        target=lambda: got.setdefault("res", c.host_run(f"python3 -c '{LISTENER}'",
                                                        timeout=300)))
    listener.start()
    a.put("/tmp/writer.py", WRITER)
    a.spawn("python3 /tmp/writer.py")

    def received_kib():
        m = re.search(r"\bnr:(\d+)", proc(b))
        return int(m.group(1)) if m else 0
    c.wait_until(lambda: received_kib() >= 2048, 120, "bravo received 2 MiB")
    # The promise is about a connected pair: writes made while the link was
    # down reach the peer only by resync, which does not exist yet.
    assert "connection lost" not in b.out("dmesg"), \
        "the pair disconnected during the writes; the test needs a connected pair"
    a.poweroff()
    listener.join(120)
    acked = got["res"].out.split()
    assert len(acked) >= 400, len(acked)

    c.wait_until(lambda: "cs:Connected" not in proc(b), 60, "bravo notices the loss")
    b.run("drbdsetup /dev/nb0 primary --force")
    b.put("/tmp/acked", "\n".join(acked) + "\n")
    b.put("/tmp/check.py", CHECK)
    print(b.out("python3 /tmp/check.py"))
    b.run("drbdsetup /dev/nb0 disconnect")
    b.run("drbdsetup /dev/nb0 secondary")
    b.run("drbdsetup /dev/nb0 down")
    b.run("drbdsetup del-minor 0")
    b.run("rmmod nbr")
