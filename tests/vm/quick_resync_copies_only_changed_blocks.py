"""Quick resync: a pair in sync, the Secondary disconnected, 1% of the 4 KiB
blocks written on the Primary. The Primary's bitmap counts exactly those
blocks; on reconnect the Primary is SyncSource and the resync transfers
those blocks and not much more (the amount it reports in status --json),
in that direction only, and the two data areas are then byte-identical.
`drbdadm wait-sync` returns on both nodes only once both see the pair in
sync, and gives up after its --timeout while there is no peer."""

from nbvm import nbr, scenario


@scenario(nodes=2, disks=("128M",))
def run(c):
    a, b = nbr.adm_synced_pair(c)
    blocks = nbr.data_sectors(a) // 8
    # Some data on both before the outage.
    a.run("dd if=/dev/urandom of=/dev/nb0 bs=1M count=8 oflag=direct")
    assert nbr.proc_fields(b)["nr"] >= 8192, nbr.proc(b)

    b.run("drbdadm disconnect r0")
    nbr.wait_cstate(c, (a,), ("WFConnection", "Unconnected"), 60,
                    "alpha waits for its peer")
    written = nbr.write_blocks(a, blocks // 100, seed=5, tag="quick")
    dirty_kib = 4 * len(written)
    assert len(set(written)) == len(written) and dirty_kib > 1000, dirty_kib
    # The bitmap holds exactly the blocks written while apart.
    assert nbr.oos_kib(a) == dirty_kib, (nbr.oos_kib(a), dirty_kib)
    assert nbr.dstate(a) == "UpToDate/DUnknown", nbr.proc(a)
    source_sum = nbr.data_sum(a)
    target_before = nbr.data_sum(b)
    assert source_sum != target_before
    late = b.run("drbdsetup /dev/nb0 wait-sync --timeout=2", check=False)
    assert late.rc == 5 and "not in sync after 2 s (StandAlone" in late.err, late

    sent0, recv0 = nbr.resync_sent_kib(a), nbr.resync_recv_kib(b)
    b.run("drbdadm connect r0")
    waiters = [n.spawn("drbdadm wait-sync --timeout=300 r0") for n in (a, b)]
    for w in waiters:
        assert w.wait(360).ok
    for n in (a, b):
        assert nbr.cstate(n) == "Connected", nbr.proc(n)
        assert nbr.dstate(n) == "UpToDate/UpToDate", nbr.proc(n)
        assert nbr.oos_kib(n) == 0, nbr.proc(n)

    sent = nbr.resync_sent_kib(a) - sent0
    recv = nbr.resync_recv_kib(b) - recv0
    # Every dirty block, and not much more (no full sync: 1% of the disk).
    assert dirty_kib <= sent <= dirty_kib * 1.05 + 64, (sent, dirty_kib)
    assert recv == sent, (recv, sent)
    # Right direction: alpha sent, bravo received, alpha's data unchanged.
    assert nbr.resync_recv_kib(a) == 0 and nbr.resync_sent_kib(b) == 0
    assert nbr.data_sum(a) == source_sum
    assert nbr.data_sum(b) == source_sum
    assert nbr.role(a) == "Primary/Secondary"

    # Replication goes on normally after the resync.
    a.run("dd if=/dev/urandom of=/dev/nb0 bs=4k count=16 seek=100 oflag=direct")
    assert nbr.oos_kib(a) == 0
    assert nbr.data_sum(b) == nbr.data_sum(a)
    a.run("drbdadm secondary r0")
    for n in (a, b):
        n.run("drbdadm down r0")
        n.run("rmmod nbr")
