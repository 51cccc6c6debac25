"""For protocols A, B and C in turn: alpha and bravo connect (authenticated
with a shared secret), alpha writes a known pattern with O_DIRECT on
/dev/nb0, the roles switch, and bravo reads the same bytes. Each round ends
with a disconnect, so connect/disconnect cycles run too; then down and
rmmod on both nodes, with no warning in either guest log."""

import re

from nbvm import nbr, scenario


def net(node, peer, proto):
    nbr.net(node, peer, proto)


def cstate(node):
    return nbr.cstate(node)


def counters(node):
    text = node.out("cat /proc/drbd")
    return {k: int(v) for k, v in re.findall(r"\b(ns|nr|dw|pe|ua|ap|oos):(\d+)", text)}


@scenario(nodes=2)
def run(c):
    a, b = c.a, c.b
    for n in (a, b):
        nbr.attach(n)
    primary, secondary = a, b
    for i, proto in enumerate("ABC"):
        net(a, b, proto)
        net(b, a, proto)
        c.wait_until(lambda: cstate(a) == "Connected" and cstate(b) == "Connected",
                     60, f"protocol {proto} connects")
        if i == 0:
            nbr.uptodate_primary(c, a)
        proc = primary.out("cat /proc/drbd")
        assert re.search(rf"ro:Primary/Secondary ds:\w+/\w+ {proto} ", proc), proc

        # 4 MiB at a distinct offset per round, in 1 MiB O_DIRECT writes.
        primary.run(f"head -c 4194304 /dev/urandom > /tmp/p{proto}")
        want = primary.out(f"sha256sum < /tmp/p{proto}")
        primary.run(f"dd if=/tmp/p{proto} of=/dev/nb0 bs=1M seek={4 * i} "
                    "oflag=direct conv=fsync")
        n = counters(primary)
        assert n["ns"] >= 4096, n
        # Protocol A completes before the peer has it: wait for it there.
        c.wait_until(lambda: counters(secondary)["nr"] >= 4096
                     and counters(secondary)["ua"] == 0, 30, "peer received")

        primary.run("drbdsetup /dev/nb0 secondary")
        secondary.run("drbdsetup /dev/nb0 primary")
        # Two Primaries are refused while connected.
        primary.fails("drbdsetup /dev/nb0 primary")
        got = secondary.out(f"dd if=/dev/nb0 bs=1M skip={4 * i} count=4 iflag=direct "
                            "| sha256sum")
        assert got == want, (proto, got, want)
        primary, secondary = secondary, primary

        for n in (a, b):
            n.run("drbdsetup /dev/nb0 disconnect")
        assert cstate(a) == "StandAlone" and cstate(b) == "StandAlone"

    for n in (a, b):
        nbr.teardown(n)
