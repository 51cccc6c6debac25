"""Protocol A completes a write once its data is in the local TCP send
buffer. When the link dies before the peer confirmed those writes (the
BARRIER_ACK of their epoch), the Primary marks them out of sync, so the
quick resync after the link returns brings them to the Secondary and both
data areas end identical."""

from nbvm import nbr, scenario

BLOCKS = 200


@scenario(nodes=2)
def run(c):
    a, b = nbr.up_pair(c, proto="A")
    assert nbr.dstate(a) == "Inconsistent/Inconsistent", nbr.proc(a)
    a.run("drbdsetup /dev/nb0 new-current-uuid --clear-bitmap")
    c.wait_until(lambda: nbr.dstate(a) == nbr.dstate(b) == "UpToDate/UpToDate", 60,
                 "both disks UpToDate without a sync")
    a.run("drbdsetup /dev/nb0 primary")

    # A silent partition: the writes complete under protocol A while their
    # packets never leave alpha.
    c.cut(a, b)
    written = nbr.write_blocks(a, BLOCKS, seed=11, tag="unconfirmed")
    assert len(set(written)) == BLOCKS, written
    nbr.wait_gone(c, a, "alpha notices the partition")
    # Every one of them is out of sync now, confirmed by nobody.
    assert nbr.oos_kib(a) >= BLOCKS * 4, (nbr.oos_kib(a), nbr.proc(a))
    source_sum = nbr.data_sum(a)

    c.heal(a, b)
    nbr.wait_synced(c, a, b, 300, "the quick resync after the heal")
    assert nbr.resync_sent_kib(a) >= BLOCKS * 4, nbr.proc(a)
    assert nbr.data_sum(a) == source_sum
    assert nbr.data_sum(b) == source_sum

    a.run("drbdsetup /dev/nb0 secondary")
    for n in (a, b):
        n.run("drbdsetup /dev/nb0 down")
        n.run("rmmod nbr")
