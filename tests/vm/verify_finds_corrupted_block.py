"""Online verify (`drbdadm verify r0`, verify-alg crc32c) compares every
block of a connected pair by digest: two blocks damaged on purpose on the
Secondary's backing disk (behind the module's back) are found, reported
(out of sync: 8 KiB) and marked; nothing else is. The damage is not
repaired by verify itself; a disconnect/connect resyncs exactly those
blocks, and both data areas end identical."""

from nbvm import nbr, scenario

DAMAGED = (1234, 7001)


@scenario(nodes=2, disks=("64M",))
def run(c):
    a, b = nbr.adm_synced_pair(c, net_opts="verify-alg crc32c;")
    a.run("dd if=/dev/urandom of=/dev/nb0 bs=1M count=32 oflag=direct")
    good = nbr.data_sum(a)
    assert nbr.data_sum(b) == good

    # Damage two blocks on bravo's disk, bypassing the module.
    for blk in DAMAGED:
        b.run(f"dd if=/dev/urandom of=/dev/vdb bs=4k count=1 seek={blk} "
              "oflag=direct conv=notrunc")
    assert nbr.data_sum(b) != good
    assert nbr.oos_kib(a) == 0

    a.run("drbdadm verify r0")
    c.wait_until(lambda: nbr.cstate(a) == "Connected" and nbr.oos_kib(a) > 0, 300,
                 "verify finishes and reports what it found")
    # Exactly the two damaged blocks are out of sync (the bitmap of the node
    # that ran verify; its peer may mark them too).
    assert nbr.oos_kib(a) == 8, nbr.proc(a)
    assert nbr.oos_kib(b) in (0, 8), nbr.proc(b)
    # Both disks are still UpToDate: verify reports, it does not repair.
    assert nbr.dstate(a) == "UpToDate/UpToDate", nbr.proc(a)
    for blk in DAMAGED:
        assert nbr.block_sum(b, "/dev/vdb", blk) != nbr.block_sum(a, "/dev/vdb", blk)
    # Verify read, it did not write (no resync traffic).
    assert nbr.resync_sent_kib(a) == 0 and nbr.resync_recv_kib(b) == 0

    b.run("drbdadm disconnect r0")
    b.run("drbdadm connect r0")
    nbr.wait_synced(c, a, b, 120, "the two blocks resync")
    assert nbr.resync_sent_kib(a) == 8
    assert nbr.data_sum(a) == good
    assert nbr.data_sum(b) == good

    a.run("drbdadm secondary r0")
    for n in (a, b):
        n.run("drbdadm down r0")
        n.run("rmmod nbr")
