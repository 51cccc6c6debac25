"""External metadata: 'meta-disk DEV' (flexible, at byte 0) and
'meta-disk DEV [I]' (the I-th 128 MiB slot) attach with the whole data
disk as the device, show where the metadata is and the al-extents in use,
and keep their flags through a detach. A wrong place (internal on a disk
whose metadata is elsewhere, an index past the end or an empty slot) is
refused without writing to either disk.

Needs drbdsetup's external syntax 'disk LOWER META {flexible|N}'."""

import re

from nbvm import scenario


def sums(node):
    return node.out("sha256sum < /dev/vdb; sha256sum < /dev/vdc; sha256sum < /dev/vdd")


def refused(node, args, *expect):
    before = sums(node)
    r = node.run(f"drbdsetup /dev/nb0 disk {args}", check=False)
    assert not r.ok, f"attach {args} succeeded"
    for e in expect:
        assert e in r.err, (e, r.err)
    assert sums(node) == before, f"attach {args} wrote to a disk"


@scenario(nodes=1, disks=("64M", "64M", "300M"))
def run(c):
    a = c.a
    a.run("drbdsetup new-minor 0 --resource r0")
    a.run("drbdmeta /dev/vdb create-md --meta-disk /dev/vdc")

    refused(a, "/dev/vdb internal", "/dev/vdb has no nbr metadata (blank)")
    refused(a, "/dev/vdb /dev/vdc 2", "/dev/vdc is too small to hold nbr metadata at that index")
    refused(a, "/dev/vdb /dev/vdd 1", "/dev/vdd has no nbr metadata at that index (blank)",
            "--meta-disk /dev/vdd --meta-index 1")

    a.run("drbdsetup /dev/nb0 disk /dev/vdb /dev/vdc flexible --al-extents=100")
    assert a.out("cat /sys/block/nb0/size") == str((64 << 20) // 512)
    show = a.out("drbdsetup /dev/nb0 show")
    assert "meta-disk /dev/vdc;" in show and "al-extents 100;" in show, show
    a.run("drbdsetup /dev/nb0 primary --force")
    a.run("dd if=/dev/urandom of=/dev/nb0 bs=1M count=64 oflag=direct")
    assert "oos:65536" in a.out("cat /proc/drbd"), a.out("cat /proc/drbd")
    a.run("drbdsetup /dev/nb0 secondary")
    a.run("drbdsetup /dev/nb0 down")
    d = a.out("drbdmeta /dev/vdb dump-md --meta-disk /dev/vdc")
    assert re.search(r"^flags .*\bconsistent was-up-to-date\b.*\bal-clean\b", d, re.M), d
    assert re.search(r"^out-of-sync +16384 bits", d, re.M), d

    a.run("drbdmeta /dev/vdb create-md --meta-disk /dev/vdd --meta-index 1")
    a.run("drbdsetup /dev/nb0 disk /dev/vdb /dev/vdd 1")
    show = a.out("drbdsetup /dev/nb0 show")
    assert "meta-disk /dev/vdd [1];" in show and "al-extents 1237;" in show, show
    assert "ds:Inconsistent" in a.out("cat /proc/drbd")
    a.run("drbdsetup /dev/nb0 down")
    a.run("drbdmeta /dev/vdb check --meta-disk /dev/vdd --meta-index 1")
