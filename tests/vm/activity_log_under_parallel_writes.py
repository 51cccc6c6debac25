"""An activity log smaller than the working set: with al-extents 7, 16
writers in 16 different 4 MiB extents at once all finish (writes wait for
a free slot, none hangs), the data reads back identically, a file system
on top survives, and a clean detach leaves the log clean and exactly the
written blocks out of sync."""

import re

from nbvm import scenario


def proc(node):
    return node.out("cat /proc/drbd")


def counter(node, name):
    m = re.search(rf"\b{name}:(\d+)", proc(node))
    assert m, proc(node)
    return int(m.group(1))


@scenario(nodes=1)
def run(c):
    a = c.a
    a.run("drbdmeta /dev/vdb create-md --al-extents 7")
    a.run("drbdsetup new-minor 0 --resource r0")
    a.run("drbdsetup /dev/nb0 disk /dev/vdb internal")
    a.run("drbdsetup /dev/nb0 primary --force")

    # 16 writers, 1 MiB each (64 KiB direct writes), extent i at i * 4 MiB.
    a.run("head -c 16777216 /dev/urandom > /tmp/src")
    writers = [
        a.spawn(f"dd if=/tmp/src of=/dev/nb0 bs=64k count=16 skip={i * 16} "
                f"seek={i * 64} oflag=direct status=none")
        for i in range(16)
    ]
    for w in writers:
        assert w.wait(timeout=300).ok
    for i in range(16):
        want = a.out(f"dd if=/tmp/src bs=64k count=16 skip={i * 16} status=none | sha256sum")
        got = a.out(f"dd if=/dev/nb0 bs=64k count=16 skip={i * 64} iflag=direct status=none"
                    " | sha256sum")
        assert got == want, f"extent {i} differs"
    assert counter(a, "oos") == 16 * 1024, proc(a)
    assert counter(a, "al") >= 16, proc(a)
    assert counter(a, "lo") == 0 and counter(a, "ap") == 0, proc(a)

    # A file system on top, through the same small log.
    a.run("mkfs.ext4 -q /dev/nb0 && mkdir -p /mnt/d && mount /dev/nb0 /mnt/d")
    a.run("cp /tmp/src /mnt/d/src && sync && umount /mnt/d", timeout=300)
    a.run("drbdsetup /dev/nb0 secondary && drbdsetup /dev/nb0 down")

    d = a.out("drbdmeta /dev/vdb dump-md")
    assert re.search(r"^flags .*\bal-clean\b", d, re.M), d
    assert not re.search(r"^flags .*\bcrashed-primary\b", d, re.M), d
    a.run("drbdmeta /dev/vdb check")
    a.run("e2fsck -fn /dev/vdb")
