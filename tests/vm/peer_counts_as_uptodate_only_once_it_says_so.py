"""`new-current-uuid --clear-bitmap` on a connected fresh pair: the node
that ran it shows the peer's disk UpToDate only once the peer has written
the new identifiers and said so, never on its own guess. So
UpToDate/UpToDate means both copies carry the new generation on disk, and
the peer can be promoted at once. The peer's disk is stalled (a dm device
that `dmsetup suspend` holds) while it should be writing them."""

import time

from nbvm import nbr, scenario

STALL_S = 3


def current_gi(node):
    return nbr.status(node)["gi"].split(":")[0]


@scenario(nodes=2)
def run(c):
    a, b = c.a, c.b
    nbr.attach(a)
    nbr.attach(b, disk=nbr.stallable_disk(b, "slow"))
    for n, peer in ((a, b), (b, a)):
        nbr.net(n, peer, ping_int=1, ping_timeout=20)
    nbr.wait_connected(c, a, b)
    assert nbr.dstate(a) == "Inconsistent/Inconsistent", nbr.proc(a)

    b.run("dmsetup suspend --nolockfs slow")
    a.run("drbdsetup /dev/nb0 new-current-uuid --clear-bitmap")
    assert nbr.dstate(a).startswith("UpToDate/"), nbr.proc(a)
    deadline = time.monotonic() + STALL_S
    while time.monotonic() < deadline:
        assert nbr.dstate(a) == "UpToDate/Inconsistent", (
            "alpha took bravo as UpToDate before bravo's disk had the new identifiers",
            nbr.proc(a))
        time.sleep(0.5)
    assert nbr.cstate(a) == "Connected", nbr.proc(a)

    b.run("dmsetup resume slow")
    c.wait_until(lambda: nbr.dstate(a) == nbr.dstate(b) == "UpToDate/UpToDate", 60,
                 "bravo writes the identifiers and says UpToDate")
    assert current_gi(a) == current_gi(b), (nbr.status(a), nbr.status(b))
    assert nbr.oos_kib(a) == nbr.oos_kib(b) == 0, (nbr.proc(a), nbr.proc(b))
    # bravo's data counts: it can take over at once.
    b.run("drbdsetup /dev/nb0 primary")
    b.run("drbdsetup /dev/nb0 secondary")
    nbr.teardown_over_dm((a, b), b, "slow")
