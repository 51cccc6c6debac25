"""Peer authentication: with different shared secrets the nodes never
connect and the failed authentication is logged; random bytes, a
hand-made challenge with a bogus response (what a replayed handshake
looks like to a node with a fresh nonce) and a silent client are dropped
without any guest warning; with the right secret the same nodes then
connect and replicate."""

import re
import time

from nbvm import nbr, scenario

# Sent from the LAN side to alpha's port. alpha (the lower name) is the
# node that authenticates the connections it accepts.
ATTACK = r'''
import os, socket, struct, sys
def packet(cmd, payload):
    return struct.pack(">IHHII", 0x4e425231, cmd, 0, len(payload), 0) + payload
def name(s):
    return s.encode().ljust(64, b"\0")
def send(data, wait_reply=True):
    s = socket.create_connection(("10.99.0.1", 7788), timeout=5)
    s.sendall(data)
    try:
        if wait_reply:
            s.recv(4096)
    except OSError:
        pass
    s.close()
send(os.urandom(4096), False)
send(b"NBR1" + os.urandom(60), False)
chal = os.urandom(32) + name("bravo") + name("r0") + struct.pack(">HHI", 1, 1, 0)
send(packet(1, chal) + packet(2, os.urandom(32)))
s = socket.create_connection(("10.99.0.1", 7788), timeout=5)
s.close()
print("sent")
'''


def net(node, peer, secret):
    nbr.net(node, peer, shared_secret=secret, connect_int=2)


def cstate(node):
    return nbr.cstate(node)


@scenario(nodes=2)
def run(c):
    a, b = c.a, c.b
    for n in (a, b):
        nbr.attach(n)

    net(a, b, "right-secret")
    net(b, a, "wrong-secret")
    c.wait_until(lambda: "failed authentication" in a.out("dmesg"), 60,
                 "alpha logs the failed authentication")
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        assert cstate(a) != "Connected" and cstate(b) != "Connected"
        time.sleep(1)

    c.host_run(f"python3 -c '{ATTACK}'", timeout=60)
    assert cstate(a) in ("WFConnection", "WFReportParams"), cstate(a)

    b.run("drbdsetup /dev/nb0 disconnect")
    net(b, a, "right-secret")
    c.wait_until(lambda: cstate(a) == "Connected" and cstate(b) == "Connected",
                 60, "connect with the right secret")
    nbr.uptodate_primary(c, a)
    a.run("dd if=/dev/urandom of=/dev/nb0 bs=64k count=16 oflag=direct")
    assert re.search(r"ns:1024\b", a.out("cat /proc/drbd"))
    for n in (a, b):
        nbr.teardown(n)
