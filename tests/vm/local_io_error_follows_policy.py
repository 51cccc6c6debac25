"""A failing backing disk: with on-io-error detach the device drops it
(Failed, then Diskless, announced and logged) and later I/O fails cleanly;
with pass_on the error reaches the writer and the disk stays attached.
Either way the module unloads cleanly afterwards."""

from nbvm import nbr, scenario

SECTORS = (64 << 20) // 512


def set_table(node, table):
    node.run(f"dmsetup suspend lower && dmsetup load lower --table '{table}' "
             "&& dmsetup resume lower")


@scenario(nodes=1)
def run(c):
    a = c.a
    # Metadata at the end of /dev/vdb, which the dm device maps whole. No
    # udev in the guests: make the node ourselves.
    nbr.create_md(a, "/dev/vdb")
    a.run(f"dmsetup create lower --table '0 {SECTORS} linear /dev/vdb 0' && dmsetup mknodes lower")
    a.run("drbdsetup new-minor 0 --resource r0")

    # on-io-error detach (the default)
    a.run("drbdsetup /dev/nb0 disk /dev/mapper/lower internal")
    a.run("drbdsetup /dev/nb0 primary --force")
    a.run("dd if=/dev/zero of=/dev/nb0 bs=4k count=4 oflag=direct")
    set_table(a, f"0 {SECTORS} error")
    a.fails("dd if=/dev/zero of=/dev/nb0 bs=4k count=1 oflag=direct")
    c.wait_until(lambda: '"disk":"Diskless"' in a.out("drbdsetup /dev/nb0 status --json"),
                 30, "nb0 drops its failed disk")
    assert "local disk /dev/mapper/lower failed; detaching it" in a.out("dmesg")
    r = a.fails("dd if=/dev/nb0 of=/dev/null bs=4k count=1 iflag=direct")
    assert "Input/output error" in r.err, r.err
    a.run("drbdsetup /dev/nb0 secondary")

    # on-io-error pass_on
    set_table(a, f"0 {SECTORS} linear /dev/vdb 0")
    a.run("drbdsetup /dev/nb0 disk /dev/mapper/lower internal --on-io-error=pass_on")
    a.run("drbdsetup /dev/nb0 primary --force")
    set_table(a, f"0 {SECTORS} error")
    r = a.fails("dd if=/dev/zero of=/dev/nb0 bs=4k count=1 oflag=direct")
    assert "Input/output error" in r.err, r.err
    assert '"disk":"UpToDate"' in a.out("drbdsetup /dev/nb0 status --json")
    set_table(a, f"0 {SECTORS} linear /dev/vdb 0")
    a.run("dd if=/dev/zero of=/dev/nb0 bs=4k count=1 oflag=direct")

    a.run("drbdsetup /dev/nb0 down")
    a.run("drbdsetup del-minor 0")
    a.run("dmsetup remove lower")
    a.run("rmmod nbr")
