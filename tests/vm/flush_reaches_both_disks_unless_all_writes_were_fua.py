"""A flush on /dev/nb0 makes every completed write durable on both nodes:
after plain writes, fsync flushes the cache of both backing disks (the
guest counts flushes per disk in /proc/diskstats). A flush with nothing to
make durable is skipped instead of crossing the network: O_DSYNC writes
are FUA writes followed by an empty flush, and each must cost each disk at
most the one flush its FUA write needs (virtio emulates FUA with a flush),
not two. Checked under protocols C, B and A."""

from nbvm import nbr, scenario

N = 20  # writes per step
BLOCKS = f"bs=4k count={N}"  # all in the first activity-log extent


def flush_counts(a, b):
    return nbr.disk_flushes(a), nbr.disk_flushes(b)


def wait_flushed(c, b, before, what):
    """The peer's flush follows the Primary's under A and B (they do not
    wait for it), so wait for bravo's count to move."""
    c.wait_until(lambda: nbr.disk_flushes(b) > before, 30, what)


def check_protocol(c, a, b, proto):
    # Plain writes, then fsync: both disk caches are flushed.
    fa, fb = flush_counts(a, b)
    a.run(f"dd if=/dev/urandom of=/dev/nb0 {BLOCKS} oflag=direct conv=fsync status=none")
    assert nbr.disk_flushes(a) > fa, f"{proto}: fsync did not flush alpha's disk"
    wait_flushed(c, b, fb, f"{proto}: fsync flushes bravo's disk")

    # FUA writes with empty flushes: nothing left for the flushes to do.
    a.run("sleep 1")  # let the asynchronous peer flush of A/B land first
    fa, fb = flush_counts(a, b)
    a.run(f"dd if=/dev/urandom of=/dev/nb0 {BLOCKS} oflag=direct,dsync status=none")
    da, db = nbr.disk_flushes(a) - fa, nbr.disk_flushes(b) - fb
    assert da <= N and db <= N, f"{proto}: {N} O_DSYNC writes cost {da}/{db} flushes"

    # One plain write makes the next flush necessary again, on both.
    fa, fb = flush_counts(a, b)
    a.run("dd if=/dev/urandom of=/dev/nb0 bs=4k count=1 oflag=direct conv=fsync status=none")
    assert nbr.disk_flushes(a) > fa, f"{proto}: fsync after a plain write skipped alpha"
    wait_flushed(c, b, fb, f"{proto}: fsync after a plain write flushes bravo's disk")


@scenario(nodes=2)
def run(c):
    a, b = nbr.up_pair(c, "C")
    nbr.uptodate_primary(c, a)
    for proto in ("C", "B", "A"):
        if proto != "C":
            for n in (a, b):
                n.run("drbdsetup /dev/nb0 disconnect")
            nbr.net(a, b, proto)
            nbr.net(b, a, proto)
            nbr.wait_connected(c, a, b)
        check_protocol(c, a, b, proto)
    a.run("drbdsetup /dev/nb0 secondary")
    assert nbr.data_sum(a) == nbr.data_sum(b), "the disks differ"
    for n in (a, b):
        nbr.teardown(n)
