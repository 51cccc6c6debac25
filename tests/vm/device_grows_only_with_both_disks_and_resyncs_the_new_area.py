"""The device is as large as the smaller disk, and its metadata records
that size (dump-md: last-agreed-size).

A node started alone exports the recorded size, not its whole disk: a
Primary alone never grows past its peer's disk, so the peer can still
connect when it returns (a device never shrinks under a Primary).

The device grows when both disks allow more, at connect. Nothing in the
new area was ever replicated, so it is resynced, from the Primary or,
with two Secondaries, from the tie-breaker's peer: after it the data
areas are identical over the new size. Here bravo's size limit is raised
twice, with random bytes on bravo's disk in the area that is added."""

import re

from nbvm import nbr, scenario

MIB = 2048  # sectors


def last_agreed(node):
    row = nbr.dump_md(node)["last-agreed-size"]
    return int(re.match(r"(\d+) sectors", row).group(1))


def restart_alone(node, size=None):
    """down, then attach the same metadata again, not connected."""
    nbr.teardown(node, rmmod=False)
    nbr.attach(node, md=False, opts=f"--size={size}" if size else "")


def scribble(node, first_mib, mib):
    node.run(f"dd if=/dev/urandom of=/dev/vdb bs=1M seek={first_mib} count={mib} "
             "oflag=direct status=none")


def synced_over(c, a, b, sectors):
    nbr.wait_synced(c, a, b)
    assert nbr.data_sectors(a) == nbr.data_sectors(b) == sectors, nbr.status(a)
    assert nbr.data_sum(a, sectors=sectors) == nbr.data_sum(b, sectors=sectors)


@scenario(nodes=2, disks=("64M", "64M"))
def run(c):
    a, b = c.a, c.b
    nbr.attach(a)
    nbr.attach(b, opts=f"--size={32 * MIB}")
    nbr.net(a, b)
    nbr.net(b, a)
    nbr.wait_connected(c, a, b)
    assert nbr.data_sectors(a) == nbr.data_sectors(b) == 32 * MIB
    nbr.uptodate_primary(c, a)
    nbr.write_blocks(a, 300, seed=1, tag="first")

    # Alpha restarted alone keeps the agreed size; Primary, it still
    # lets bravo connect.
    a.run("drbdsetup /dev/nb0 secondary")
    restart_alone(a)
    assert nbr.data_sectors(a) == 32 * MIB, nbr.data_sectors(a)
    a.run("drbdsetup /dev/nb0 primary")
    nbr.write_blocks(a, 300, seed=2, tag="alone")
    nbr.net(a, b)
    synced_over(c, a, b, 32 * MIB)

    # Two Secondaries; bravo's limit goes to 48 MiB.
    a.run("drbdsetup /dev/nb0 secondary")
    nbr.teardown(b, rmmod=False)
    scribble(b, 32, 8)
    nbr.attach(b, md=False, opts=f"--size={48 * MIB}")
    assert nbr.data_sectors(b) == 32 * MIB, "a node alone grew past the agreed size"
    recv_a = nbr.resync_recv_kib(a)  # bravo's counters start with its net
    nbr.net(b, a)
    synced_over(c, a, b, 48 * MIB)
    assert nbr.resync_recv_kib(a) - recv_a + nbr.resync_recv_kib(b) >= 16 * 1024, (
        nbr.status(a), nbr.status(b))

    # Alpha Primary; bravo's limit goes: the device grows under it.
    a.run("drbdsetup /dev/nb0 primary")
    nbr.teardown(b, rmmod=False)
    scribble(b, 48, 8)
    nbr.attach(b, md=False)
    assert nbr.data_sectors(b) == 48 * MIB
    nbr.net(b, a)
    nbr.wait_synced(c, a, b)
    full = nbr.data_sectors(a)
    assert full > 48 * MIB, full
    synced_over(c, a, b, full)
    assert nbr.resync_recv_kib(b) >= (full - 48 * MIB) // 2, nbr.status(b)
    # The Primary's users can write at the new end, and it is replicated.
    a.run(f"dd if=/dev/urandom of=/dev/nb0 bs=4k seek={full // 8 - 1} count=1 "
          "oflag=direct status=none")
    synced_over(c, a, b, full)

    a.run("drbdsetup /dev/nb0 secondary")
    for n in (a, b):
        nbr.teardown(n)
    for n in (a, b):
        assert last_agreed(n) == full, (n.name, last_agreed(n), full)
