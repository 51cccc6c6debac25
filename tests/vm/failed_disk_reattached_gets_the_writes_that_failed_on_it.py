"""A Primary's disk fails under a write that reached the peer: with
on-io-error detach the write succeeds (the peer holds it), the disk is
dropped, and the Primary goes on through its peer. The failed disk lacks
that write and every later one. When the same disk comes back (the fault
was transient), the resync must bring it all of them.

Three kinds of failure: bad sectors under the write only (the metadata is
still written at detach, and the disk's own bitmap records the write that
failed); the whole disk (nothing is written at detach; the next attach
treats the disk as crashed and resyncs its activity log, which holds the
failed write's extent); the metadata area only, under a write to an
extent that needs an activity-log update first (the write goes to the
peer alone, which records it as its only copy)."""

from nbvm import nbr, scenario

SECTORS = (64 << 20) // 512
FAILED_AT = 8   # MiB: where the write that fails on alpha's disk goes
BAD = (FAILED_AT * 2048, 2048)   # its sectors
LINEAR = f"0 {SECTORS} linear /dev/vdb 0"
BAD_SECTORS = (f"0 {BAD[0]} linear /dev/vdb 0\\n{BAD[0]} {BAD[1]} error\\n"
               f"{sum(BAD)} {SECTORS - sum(BAD)} linear /dev/vdb {sum(BAD)}")
WHOLE_DISK = f"0 {SECTORS} error"
COLD_AT = 40    # MiB: an extent no write since the last attach touched
ATTACH = "drbdsetup /dev/nb0 disk /dev/mapper/lower internal --on-io-error=detach"


def set_table(node, table):
    node.run(f"dmsetup suspend lower && printf '{table}\\n' | dmsetup load lower "
             "&& dmsetup resume lower")


def fail_and_come_back(c, a, b, table, seed, at=FAILED_AT, hot=True):
    if hot:
        # Old bytes where the failing write goes; its extent is now in the
        # activity log: that write needs no log update on the failing disk.
        a.run(f"head -c 1048576 /dev/urandom > /tmp/old && "
              f"dd if=/tmp/old of=/dev/nb0 bs=1M seek={at} oflag=direct")
    set_table(a, table)
    # The application sees no error: the peer has the data.
    a.run(f"head -c 1048576 /dev/urandom > /tmp/new && "
          f"dd if=/tmp/new of=/dev/nb0 bs=1M seek={at} oflag=direct")
    c.wait_until(lambda: nbr.dstate(a).startswith("Diskless"), 30,
                 "alpha drops its failed disk")
    # Later writes go elsewhere: the failed range must keep the new bytes.
    later = nbr.write_blocks(a, 50, seed=seed, tag=f"later{seed}",
                             start=(FAILED_AT + 1) * 256, count=4096)
    missed = set(range(at * 256, (at + 1) * 256)) | set(later)

    # alpha hands over, and gets its disk back, healthy again.
    a.run("drbdsetup /dev/nb0 secondary")
    b.run("drbdsetup /dev/nb0 primary")
    set_table(a, LINEAR)
    a.run("drbdsetup /dev/nb0 disconnect")
    a.run(ATTACH)
    nbr.net(a, b)
    nbr.wait_synced(c, a, b, what="alpha's disk to be resynced")
    assert nbr.resync_recv_kib(a) >= 4 * len(missed), nbr.status(a)
    want = a.out("sha256sum < /tmp/new").split()[0]
    assert nbr.block_sum(a, "/dev/mapper/lower", at * 256, 256) == want
    assert nbr.data_sum(a, dev="/dev/mapper/lower") == nbr.data_sum(b)
    b.run("drbdsetup /dev/nb0 secondary")
    a.run("drbdsetup /dev/nb0 primary")


@scenario(nodes=2, disks=("64M", "64M"))
def run(c):
    a, b = c.a, c.b
    nbr.create_md(a, "/dev/vdb")
    a.run(f"dmsetup create lower --table '{LINEAR}' && dmsetup mknodes lower")
    a.run("drbdsetup new-minor 0 --resource r0")
    a.run(ATTACH)
    nbr.attach(b)
    nbr.net(a, b)
    nbr.net(b, a)
    nbr.wait_connected(c, a, b)
    nbr.uptodate_primary(c, a)
    nbr.write_blocks(a, 100, seed=1, tag="before")

    fail_and_come_back(c, a, b, BAD_SECTORS, seed=2)
    fail_and_come_back(c, a, b, WHOLE_DISK, seed=3)
    data = nbr.data_sectors(a)
    md_area = (f"0 {data} linear /dev/vdb 0\\n{data} {SECTORS - data} error")
    fail_and_come_back(c, a, b, md_area, seed=4, at=COLD_AT, hot=False)
    assert "metadata I/O error" in a.out("dmesg")
    assert "local disk /dev/mapper/lower failed; detaching it" in a.out("dmesg")

    a.run("drbdsetup /dev/nb0 secondary")
    nbr.teardown_over_dm((a, b), a, "lower")
