"""'down' then 'del-minor' then rmmod leaves nothing behind (no /proc/drbd,
no device, backing disks free again); rmmod with configured devices tears
them down too; the module loads again afterwards."""

from nbvm import nbr, scenario


@scenario(nodes=1, disks=("64M", "64M"))
def run(c):
    a = c.a
    for minor, disk in ((0, "/dev/vdb"), (1, "/dev/vdc")):
        nbr.attach(a, minor, disk)
    a.run("drbdsetup /dev/nb0 primary --force")
    a.run("dd if=/dev/urandom of=/dev/nb0 bs=64k count=16 oflag=direct")

    # The backing disk is held exclusively while attached.
    a.fails("mkfs.ext4 -q -F /dev/vdb")
    # del-minor refuses a configured device and changes nothing.
    r = a.fails("drbdsetup del-minor 0")
    assert "still configured" in r.err, r.err
    assert '"role":"Primary"' in a.out("drbdsetup /dev/nb0 status --json")

    for minor in (0, 1):
        a.run(f"drbdsetup /dev/nb{minor} down")
        a.run(f"drbdsetup del-minor {minor}")
    a.run("test ! -e /sys/block/nb0 && test ! -e /sys/block/nb1")
    a.run("mkfs.ext4 -q -F /dev/vdb")  # free again
    a.run("rmmod nbr")
    a.run("test ! -e /proc/drbd")

    # Again, but unload with devices still configured (one attached
    # Secondary, one bare minor).
    a.run("modprobe nbr")
    nbr.attach(a, 0, "/dev/vdb")  # new metadata: mkfs went over the old
    a.run("drbdsetup new-minor 5 --resource r5")
    a.run("rmmod nbr")
    a.run("test ! -e /proc/drbd && test ! -e /sys/block/nb0")
    a.run("mkfs.ext4 -q -F /dev/vdb")
    a.run("modprobe nbr && cat /proc/drbd")
