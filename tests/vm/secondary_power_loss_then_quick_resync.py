"""The Secondary loses power in the middle of the Primary's writes. The
Primary notices, keeps writing (its bitmap records what the Secondary
misses). The Secondary boots, `drbdadm up` brings back its disk as it was
(consistent, the same generation), and on reconnect a quick resync from
the Primary - the blocks in the Primary's bitmap, not the whole disk -
makes both data areas identical."""

from nbvm import nbr, scenario

REGION = 8192       # the writer touches blocks [0, 8192): 32 MiB


@scenario(nodes=2, disks=("128M",))
def run(c):
    a, b = nbr.adm_synced_pair(c)
    data_kib = nbr.data_sectors(a) // 2

    writer = nbr.spawn_writer(a, 0, REGION, tag="before", seconds=240)
    c.wait_until(lambda: nbr.proc_fields(b).get("nr", 0) >= 2048, 120,
                 "bravo received 2 MiB of the writes")
    b.poweroff()
    nbr.wait_gone(c, a, "alpha notices bravo is gone")
    # The writes go on without the peer for a while.
    dw = nbr.proc_fields(a)["dw"]
    c.wait_until(lambda: nbr.proc_fields(a)["dw"] >= dw + 2048, 120,
                 "alpha writes 2 MiB more alone")
    n = nbr.stop_writer(a, writer)
    assert n > 0
    oos = nbr.oos_kib(a)
    assert 2048 <= oos <= REGION * 4, oos
    assert nbr.dstate(a) == "UpToDate/DUnknown", nbr.proc(a)
    source_sum = nbr.data_sum(a)

    nbr.boot(c, b)
    # Nothing of the outage is lost on bravo: its metadata is intact.
    b.run("drbdadm dump-md r0")
    b.run("drbdadm up r0")
    nbr.wait_synced(c, a, b, 300, "the quick resync after bravo's return")
    sent = nbr.resync_sent_kib(a)
    # The resync covers the blocks alpha wrote without bravo (plus the few
    # in flight when bravo died, already counted in alpha's bitmap), far
    # less than a full sync.
    assert oos <= sent <= oos * 1.05 + 64, (sent, oos)
    assert sent < data_kib // 3, (sent, data_kib)
    assert nbr.resync_recv_kib(b) == sent
    assert nbr.data_sum(a) == source_sum
    assert nbr.data_sum(b) == source_sum

    a.run("drbdadm secondary r0")
    for node in (a, b):
        node.run("drbdadm down r0")
        node.run("rmmod nbr")
