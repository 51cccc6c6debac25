"""A StandAlone Primary that loses power keeps track of what it wrote: its
activity log names the 4 MiB extents that had writes, and the next attach
marks them out of sync, sets crashed-primary and cleans the log. While it
ran, /proc/drbd counted exactly the written 4 KiB blocks as out of sync
and the AL transactions it wrote. With a log of 7 extents and writes in
13, the 6 evicted extents keep their bits through the crash because their
bitmap block was written when they left the log."""

import re

from nbvm import scenario

MIB = 1 << 20
# (offset, length) of the writes: extents 0, 2 and 10, 18 blocks of 4 KiB.
WRITES = [(0, 4096), (10 * MIB, 64 * 1024), (40 * MIB + 8192, 4096)]
EXTENTS = {off // (4 * MIB) for off, _ in WRITES}


def proc_counter(node, name, minor=0):
    text = node.out("cat /proc/drbd")
    dev = re.search(rf"^ {minor}: cs:.*\n.*$", text, re.M)
    assert dev, text
    m = re.search(rf"\b{name}:(\d+)", dev.group(0))
    assert m, text
    return int(m.group(1))


def flags(node, disk="/dev/vdb"):
    d = node.out(f"drbdmeta {disk} dump-md")
    m = re.search(r"^flags +0x[0-9a-f]+ (.*)$", d, re.M)
    assert m, d
    return set(m.group(1).split()), d


def oos_bits(dump):
    m = re.search(r"^out-of-sync +(\d+) bits", dump, re.M)
    assert m, dump
    return int(m.group(1))


def small_log_before(a):
    """nb1 on /dev/vdc with al-extents 7: 4 KiB in each of 13 extents."""
    a.run("drbdmeta /dev/vdc create-md --al-extents 7")
    a.run("drbdsetup new-minor 1 --resource r1")
    a.run("drbdsetup /dev/nb1 disk /dev/vdc internal")
    a.run("drbdsetup /dev/nb1 primary --force")
    for e in range(13):
        a.run(f"head -c 4096 /dev/urandom | dd of=/dev/nb1 bs=4096 seek={e * 1024} "
              "oflag=direct status=none")
    # One transaction per new extent, one bitmap block write per eviction.
    assert proc_counter(a, "oos", 1) == 13 * 4, a.out("cat /proc/drbd")
    assert proc_counter(a, "al", 1) == 13, a.out("cat /proc/drbd")
    assert proc_counter(a, "bm", 1) == 6, a.out("cat /proc/drbd")


def small_log_after(a):
    a.run("drbdsetup new-minor 1 --resource r1")
    a.run("drbdsetup /dev/nb1 disk /dev/vdc internal")
    # Extents 6..12 from the log, one block each of 0..5 from the bitmap.
    want = 7 * 1024 + 6
    assert proc_counter(a, "oos", 1) == want * 4, a.out("cat /proc/drbd")
    a.run("drbdsetup /dev/nb1 down")
    f, d = flags(a, "/dev/vdc")
    assert "crashed-primary" in f and "al-clean" in f, d
    assert oos_bits(d) == want, d


@scenario(nodes=1, disks=("64M", "64M"))
def run(c):
    a = c.a
    a.run("drbdmeta /dev/vdb create-md")
    a.run("drbdsetup new-minor 0 --resource r0")
    a.run("drbdsetup /dev/nb0 disk /dev/vdb internal")
    a.run("drbdsetup /dev/nb0 primary --force")
    assert proc_counter(a, "oos") == 0

    for off, n in WRITES:
        a.run(f"head -c {n} /dev/urandom | dd of=/dev/nb0 bs={n} seek={off} "
              "oflag=direct,seek_bytes status=none")
    blocks = sum(n // 4096 for _, n in WRITES)
    assert proc_counter(a, "oos") == blocks * 4, a.out("cat /proc/drbd")
    assert proc_counter(a, "al") >= 1, a.out("cat /proc/drbd")

    # While running: the superblock says Primary, the log is live.
    f, d = flags(a)
    assert "primary" in f and "al-clean" not in f, d

    small_log_before(a)

    a.poweroff()
    a.boot()

    small_log_after(a)

    f, d = flags(a)
    assert "primary" in f and "al-clean" not in f, d
    a.run("drbdsetup new-minor 0 --resource r0")
    a.run("drbdsetup /dev/nb0 disk /dev/vdb internal")
    proc = a.out("cat /proc/drbd")
    # UpToDate from the flags; every written extent is out of sync.
    assert re.search(r" 0: cs:StandAlone ro:Secondary/Unknown ds:UpToDate/DUnknown", proc), proc
    assert proc_counter(a, "oos") == len(EXTENTS) * 4096, proc
    a.run("drbdsetup /dev/nb0 down")

    f, d = flags(a)
    assert "crashed-primary" in f and "primary" not in f and "al-clean" in f, d
    assert oos_bits(d) == len(EXTENTS) * 1024, d
    gi = a.out("drbdmeta /dev/vdb show-gi")
    c.log(gi)
    # The next attach is clean: nothing more is marked.
    a.run("drbdsetup /dev/nb0 disk /dev/vdb internal")
    assert proc_counter(a, "oos") == len(EXTENTS) * 4096
    a.run("drbdsetup /dev/nb0 down")
