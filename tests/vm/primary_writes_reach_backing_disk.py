"""Writes on a Primary /dev/nb0 (O_DIRECT, with flushes) land on the backing
disk at the same offsets, read back identically through /dev/nb0, and show
up in the dw/dr counters of /proc/drbd; the device has the size of the
backing disk's data area (the disk minus its internal metadata)."""

import re

from nbvm import nbr, scenario


def counters(node):
    text = node.out("cat /proc/drbd")
    return {k: int(v) for k, v in re.findall(r"\b(dw|dr|lo|ap):(\d+)", text)}


@scenario(nodes=1)
def run(c):
    a = c.a
    a.run("drbdsetup new-minor 0 --resource r0")
    assert " 0: cs:Unconfigured" in a.out("cat /proc/drbd")
    nbr.create_md(a, "/dev/vdb")
    data = nbr.md_data_sectors(a, "/dev/vdb")
    assert 0 < data < (64 << 20) // 512, data
    a.run("drbdsetup /dev/nb0 disk /dev/vdb internal")
    assert nbr.data_sectors(a) == data
    a.run("drbdsetup /dev/nb0 primary --force")
    proc = a.out("cat /proc/drbd")
    assert re.search(r" 0: cs:StandAlone ro:Primary/Unknown ds:UpToDate/DUnknown +r-----", proc), proc

    # 4 MiB of random data at 1 MiB, written with O_DIRECT and a final fsync.
    a.run("head -c 4194304 /dev/urandom > /tmp/pattern")
    a.run("dd if=/tmp/pattern of=/dev/nb0 bs=1M seek=1 oflag=direct conv=fsync")
    want = a.out("sha256sum < /tmp/pattern")
    assert a.out("dd if=/dev/vdb bs=1M skip=1 count=4 iflag=direct | sha256sum") == want
    assert a.out("dd if=/dev/nb0 bs=1M skip=1 count=4 iflag=direct | sha256sum") == want
    n = counters(a)
    assert n["dw"] >= 4096 and n["dr"] >= 4096, n
    assert n["lo"] == 0 and n["ap"] == 0, n

    # A write with FUA/flush through a file system on top works end to end.
    a.run("mkfs.ext4 -q /dev/nb0")
    a.run("mkdir -p /mnt/d && mount /dev/nb0 /mnt/d")
    a.run("cp /tmp/pattern /mnt/d/p && sync /mnt/d/p")
    a.run("umount /mnt/d")

    a.run("drbdsetup /dev/nb0 down")
    a.run("drbdsetup del-minor 0")
    # The file system went to the backing disk whole.
    a.run("e2fsck -fn /dev/vdb")
    a.run("mount -o ro /dev/vdb /mnt/d && cmp /mnt/d/p /tmp/pattern && umount /mnt/d")
