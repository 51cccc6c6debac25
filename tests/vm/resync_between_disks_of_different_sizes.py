"""Two nodes whose data areas differ in size: alpha's disk has internal
metadata, bravo's whole disk holds data (external metadata on another
disk). The device is the smaller size on both, and a resync either way
covers exactly that: the bitmap exchange stops at the agreed size, and
nothing stays out of sync past it.

Also: a SyncTarget acks resync data when its write completes, which may be
in the disk's volatile cache, and the source forgets those blocks then. So
the target flushes its data disk before its bitmap says the blocks are in
sync and before it calls itself UpToDate, also when its metadata is on
another disk, where flushing the metadata does not flush the data."""

from nbvm import nbr, scenario

BLOCKS = 2000


def wait_sync(*nodes):
    for w in [n.spawn("drbdsetup /dev/nb0 wait-sync --timeout=300") for n in nodes]:
        w.wait(360)
    for n in nodes:
        assert nbr.oos_kib(n) == 0, nbr.proc(n)


@scenario(nodes=2, disks=("64M", "64M"))
def run(c):
    a, b = c.a, c.b
    nbr.attach(a)
    b.run("drbdsetup new-minor 0 --resource r0")
    b.run("drbdmeta /dev/vdb create-md --meta-disk /dev/vdc --force")
    b.run("drbdsetup /dev/nb0 disk /dev/vdb /dev/vdc flexible")
    smaller = nbr.data_sectors(a)
    assert nbr.data_sectors(b) > smaller
    for n, peer in ((a, b), (b, a)):
        nbr.net(n, peer)
    nbr.wait_connected(c, a, b)
    assert nbr.data_sectors(a) == nbr.data_sectors(b) == smaller
    nbr.uptodate_primary(c, a)

    # Quick resync onto the larger disk.
    b.run("drbdsetup /dev/nb0 disconnect")
    written = nbr.write_blocks(a, BLOCKS, seed=3, tag="apart")
    assert nbr.oos_kib(a) == 4 * len(set(written)), nbr.proc(a)
    flushes = nbr.disk_flushes(b, "vdb")
    nbr.net(b, a)
    wait_sync(a, b)
    assert nbr.resync_recv_kib(b) >= 4 * len(set(written)), nbr.status(b)
    assert nbr.disk_flushes(b, "vdb") > flushes, (
        "bravo became UpToDate without flushing the resynced data to its disk",
        nbr.disk_flushes(b, "vdb"), flushes)
    assert nbr.data_sum(b, sectors=smaller) == nbr.data_sum(a, sectors=smaller)

    # Full sync from the larger disk.
    a.run("drbdsetup /dev/nb0 secondary")
    b.run("drbdsetup /dev/nb0 primary")
    b.run("dd if=/dev/urandom of=/dev/nb0 bs=4k count=64 seek=1000 oflag=direct")
    b.run("drbdsetup /dev/nb0 invalidate-remote")
    wait_sync(a, b)
    assert nbr.data_sum(b, sectors=smaller) == nbr.data_sum(a, sectors=smaller)

    b.run("drbdsetup /dev/nb0 secondary")
    for n in (a, b):
        nbr.teardown(n)
