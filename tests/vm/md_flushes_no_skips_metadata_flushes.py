"""md-flushes: by default every metadata write (activity log, bitmap,
superblock) reaches stable storage through cache flushes, which the guest
counts per disk in /proc/diskstats. With md-flushes no the same kind of
work issues no flush at all (for battery-backed write caches), and the
metadata is still written: after a re-attach the bitmap has every bit."""

from nbvm import nbr, scenario

EXTENT_BLOCKS = 1024  # 4 MiB activity-log extents of 4 KiB blocks


def write_extents(node, first, count):
    """One 4 KiB O_DIRECT write into each of `count` extents from `first`:
    every one needs an activity-log transaction (with no peer, the bits
    it sets are written back lazily; the log covers them until then)."""
    for i in range(first, first + count):
        node.run(f"dd if=/dev/urandom of=/dev/nb0 bs=4k count=1 seek={i * EXTENT_BLOCKS} "
                 "oflag=direct status=none")


def metadata_writes(node):
    """Activity-log and bitmap writes so far (/proc/drbd al: and bm:)."""
    f = nbr.proc_fields(node)
    return f["al"], f["bm"]


@scenario(nodes=2)
def run(c):
    a, b = nbr.up_pair(c)
    assert "md-flushes yes;" in a.out("drbdsetup /dev/nb0 show")
    nbr.uptodate_primary(c, a)
    a.run("drbdsetup /dev/nb0 disconnect")
    f0, (al0, bm0) = nbr.disk_flushes(a), metadata_writes(a)
    write_extents(a, 0, 8)
    f1, (al1, bm1) = nbr.disk_flushes(a), metadata_writes(a)
    assert al1 >= al0 + 8, (al0, al1)
    assert f1 - f0 >= 8, (f0, f1)

    # Resync, then the same with md-flushes no.
    a.run("drbdsetup /dev/nb0 secondary")
    nbr.net(a, b)
    nbr.wait_synced(c, a, b, 120, "the pair resyncs")
    a.run("drbdsetup /dev/nb0 disconnect && drbdsetup /dev/nb0 detach")
    a.run("drbdsetup /dev/nb0 disk /dev/vdb internal --md-flushes=no")
    assert "md-flushes no;" in a.out("drbdsetup /dev/nb0 show")
    a.run("drbdsetup /dev/nb0 primary")
    f2, (al2, bm2) = nbr.disk_flushes(a), metadata_writes(a)
    write_extents(a, 8, 8)
    f3, (al3, bm3) = nbr.disk_flushes(a), metadata_writes(a)
    assert al3 >= al2 + 8, (al2, al3)
    assert f3 == f2, (f2, f3)

    # What was written without flushes is on the disk all the same.
    a.run("drbdsetup /dev/nb0 secondary && drbdsetup /dev/nb0 detach")
    a.run("drbdsetup /dev/nb0 disk /dev/vdb internal")
    assert nbr.oos_kib(a) == 8 * 4, nbr.proc(a)
    for n in (a, b):
        nbr.teardown(n)
