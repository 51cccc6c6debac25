"""Attach refuses a disk without valid nbr metadata - blank, an ext4 file
system, a superblock with one byte flipped, foreign bytes where the magic
should be - with a message that names the problem, and writes nothing to
it (checksum of the whole disk before and after). Intact metadata
attaches, and /dev/nb0 is the data area only: the metadata stays out of
reach, and detach leaves metadata that drbdmeta still accepts."""

import re

from nbvm import scenario

DISK = 64 << 20
SB = DISK - 4096  # internal superblock: the last 4 KiB block


def disk_sum(node, dev):
    return node.out(f"sha256sum < {dev}")


def poke(node, dev, offset, octal):
    """Overwrite one byte of @dev (printf octal escape, e.g. '377')."""
    node.run(f"printf '\\{octal}' | dd of={dev} bs=1 seek={offset} conv=notrunc status=none")
    node.run("sync")


def refused(node, dev, *expect):
    """Attach fails with every string of @expect in its message; @dev unchanged."""
    before = disk_sum(node, dev)
    r = node.run(f"drbdsetup /dev/nb0 disk {dev} internal", check=False)
    assert not r.ok, f"attach of {dev} succeeded:\n{r.out}"
    msg = r.err + r.out
    for e in expect:
        assert e in msg, f"expected {e!r} in: {msg}"
    assert "nothing was written" in msg, msg
    assert disk_sum(node, dev) == before, f"{dev} changed by a refused attach"
    assert "ds:Diskless" in node.out("cat /proc/drbd") or " 0: cs:Unconfigured" in node.out(
        "cat /proc/drbd"), node.out("cat /proc/drbd")
    assert node.out("cat /sys/block/nb0/size") == "0"
    return msg


def dump(node, dev):
    return node.out(f"drbdmeta {dev} dump-md")


@scenario(nodes=1, disks=("64M", "64M"))
def run(c):
    a = c.a
    a.run("drbdsetup new-minor 0 --resource r0")

    # A blank disk: no metadata, and the advice to create it.
    refused(a, "/dev/vdb", "/dev/vdb has no nbr metadata (blank)", "drbdadm create-md r0",
            "drbdmeta /dev/vdb create-md")

    # An ext4 file system is not metadata either.
    a.run("mkfs.ext4 -q -F /dev/vdc")
    refused(a, "/dev/vdc", "/dev/vdc has no nbr metadata", "create-md")
    a.run("e2fsck -fn /dev/vdc")

    # Fresh metadata on vdb, then one byte of the superblock flipped.
    a.run("drbdmeta /dev/vdb create-md")
    good = disk_sum(a, "/dev/vdb")
    poke(a, "/dev/vdb", SB + 1000, "377")  # a reserved byte, zero before
    refused(a, "/dev/vdb", "metadata on /dev/vdb is corrupt (crc-mismatch)")
    poke(a, "/dev/vdb", SB + 1000, "000")
    assert disk_sum(a, "/dev/vdb") == good

    # Something else than nbr metadata where the magic is.
    poke(a, "/dev/vdb", SB, "101")
    refused(a, "/dev/vdb", "/dev/vdb has no nbr metadata (it holds something else)")
    poke(a, "/dev/vdb", SB, "116")  # 'N' of "NBRM" back
    assert disk_sum(a, "/dev/vdb") == good

    # Intact: attaches, Inconsistent (never synced), size = the data area.
    m = re.search(r"^data-size +(\d+) sectors", dump(a, "/dev/vdb"), re.M)
    assert m, dump(a, "/dev/vdb")
    data = int(m.group(1))
    assert 0 < data < DISK // 512, data
    a.run("drbdsetup /dev/nb0 disk /dev/vdb internal")
    assert a.out("cat /sys/block/nb0/size") == str(data)
    proc = a.out("cat /proc/drbd")
    assert re.search(r" 0: cs:StandAlone ro:Secondary/Unknown ds:Inconsistent/DUnknown", proc), proc

    # The end of /dev/nb0 is the end of the data area: writes cannot
    # reach the metadata.
    a.run("drbdsetup /dev/nb0 primary --force")
    a.run(f"dd if=/dev/urandom of=/dev/nb0 bs=4096 seek={data // 8 - 1} count=1 oflag=direct")
    r = a.run(f"dd if=/dev/zero of=/dev/nb0 bs=4096 seek={data // 8} count=1 oflag=direct",
              check=False)
    assert not r.ok, "a write past the data area succeeded"
    a.run("drbdsetup /dev/nb0 secondary")
    a.run("drbdsetup /dev/nb0 detach")

    # Metadata is valid after the clean detach, and says what happened.
    a.run("drbdmeta /dev/vdb check")
    d = dump(a, "/dev/vdb")
    assert re.search(r"^flags .*\bconsistent\b.*\bwas-up-to-date\b", d, re.M), d
    assert re.search(r"^flags .*\bal-clean\b", d, re.M), d
    assert not re.search(r"^flags .*\b(primary|crashed-primary)\b", d, re.M), d
    assert not re.search(r"^current-uuid +0000000000000004$", d, re.M), d
    # Attach again: UpToDate now, from the flags.
    a.run("drbdsetup /dev/nb0 disk /dev/vdb internal")
    proc = a.out("cat /proc/drbd")
    assert re.search(r" 0: cs:StandAlone ro:Secondary/Unknown ds:UpToDate/DUnknown", proc), proc
    a.run("drbdsetup /dev/nb0 down")
