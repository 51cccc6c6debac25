"""Split brain: the link is cut, both nodes are promoted and write different
blocks. When the link heals, the handshake detects the split brain, both
nodes log it and, with the default after-sb policies (disconnect), nothing
is synced: both keep their data and stay apart. `drbdadm connect
--discard-my-data r0` on the victim (after `disconnect` and `secondary`)
recovers by hand: the victim becomes SyncTarget of the blocks changed on
either side, the survivor's data is untouched, and both end identical."""

import time

from nbvm import nbr, scenario

APART = ("StandAlone", "WFConnection", "Unconnected")


@scenario(nodes=2, disks=("128M",))
def run(c):
    a, b = nbr.adm_synced_pair(c)
    data_kib = nbr.data_sectors(a) // 2
    a.run("dd if=/dev/urandom of=/dev/nb0 bs=1M count=4 oflag=direct")

    c.cut(a, b)
    nbr.wait_gone(c, b, "bravo notices the silent link")
    a.run("dd if=/dev/urandom of=/dev/nb0 bs=4k count=1 seek=9000 oflag=direct", timeout=120)
    nbr.wait_gone(c, a, "alpha notices the silent link")
    # bravo is promoted (it cannot know alpha lives): two Primaries.
    b.run("drbdadm primary r0")
    nbr.write_blocks(a, 150, seed=1, tag="alpha", start=0, count=16384)
    nbr.write_blocks(b, 250, seed=2, tag="bravo", start=0, count=16384)
    oos_a, oos_b = nbr.oos_kib(a), nbr.oos_kib(b)
    assert oos_a >= 150 * 4 and oos_b == 250 * 4, (oos_a, oos_b)
    sum_a, sum_b = nbr.data_sum(a), nbr.data_sum(b)
    assert sum_a != sum_b

    c.heal(a, b)
    c.wait_until(lambda: nbr.split_brain_logged(a) and nbr.split_brain_logged(b), 120,
                 "both nodes log the split brain")
    # Default policy: no automatic resolution. For a while, neither syncs
    # nor connects, and each keeps its own data.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        assert nbr.cstate(a) in APART and nbr.cstate(b) in APART, (nbr.proc(a), nbr.proc(b))
        time.sleep(1)
    assert "StandAlone" in (nbr.cstate(a), nbr.cstate(b))
    assert nbr.role(a).startswith("Primary") and nbr.role(b).startswith("Primary")
    for n in (a, b):
        assert nbr.resync_sent_kib(n) == 0 and nbr.resync_recv_kib(n) == 0
    assert nbr.data_sum(a) == sum_a and nbr.data_sum(b) == sum_b

    # Manual recovery: bravo's changes are thrown away.
    b.run("drbdadm disconnect r0")
    b.run("drbdadm secondary r0")
    b.run("drbdadm connect --discard-my-data r0")
    if nbr.cstate(a) == "StandAlone":
        a.run("drbdadm connect r0")
    nbr.wait_synced(c, a, b, 300, "bravo resyncs from alpha")
    sent = nbr.resync_sent_kib(a)
    assert nbr.resync_recv_kib(b) == sent and nbr.resync_sent_kib(b) == 0
    # The blocks either side changed (a bitmap sync), not the whole disk.
    assert max(oos_a, oos_b) <= sent <= oos_a + oos_b, (sent, oos_a, oos_b)
    assert sent < data_kib // 4, (sent, data_kib)
    assert nbr.data_sum(a) == sum_a
    assert nbr.data_sum(b) == sum_a
    assert nbr.role(a) == "Primary/Secondary"

    a.run("drbdadm secondary r0")
    for n in (a, b):
        n.run("drbdadm down r0")
        n.run("rmmod nbr")
