"""A connected Primary whose backing disk starts failing (a dm error table)
with on-io-error detach: the first failed read is served from the peer,
the disk is dropped (Diskless), and the Primary goes on reading and writing
through the peer. After a role switch the peer holds every byte."""

from nbvm import nbr, scenario

SECTORS = (64 << 20) // 512


def proc(node):
    return nbr.proc(node)


def sums(node, skip_mib, count_mib):
    return node.out(f"dd if=/dev/nb0 bs=1M skip={skip_mib} count={count_mib} "
                    "iflag=direct 2>/dev/null | sha256sum")


@scenario(nodes=2)
def run(c):
    a, b = c.a, c.b
    # alpha's disk is a dm device over /dev/vdb (metadata at its end).
    nbr.create_md(a, "/dev/vdb")
    a.run(f"dmsetup create lower --table '0 {SECTORS} linear /dev/vdb 0' "
          "&& dmsetup mknodes lower")
    a.run("drbdsetup new-minor 0 --resource r0")
    a.run("drbdsetup /dev/nb0 disk /dev/mapper/lower internal")
    nbr.attach(b)
    nbr.net(a, b, data_integrity_alg="crc32c")
    nbr.net(b, a, data_integrity_alg="crc32c")
    nbr.wait_connected(c, a, b)
    # Two blank disks: both copies are UpToDate without a sync.
    nbr.uptodate_primary(c, a)
    assert "ds:UpToDate/UpToDate" in proc(a), proc(a)

    a.run("head -c 4194304 /dev/urandom > /tmp/p1")
    a.run("head -c 4194304 /dev/urandom > /tmp/p2")
    want1 = a.out("sha256sum < /tmp/p1")
    want2 = a.out("sha256sum < /tmp/p2")
    a.run("dd if=/tmp/p1 of=/dev/nb0 bs=1M oflag=direct")

    a.run(f"dmsetup suspend lower && dmsetup load lower --table '0 {SECTORS} error' "
          "&& dmsetup resume lower")
    # The local read fails; the data comes from bravo instead.
    assert sums(a, 0, 4) == want1
    c.wait_until(lambda: "ds:Diskless/UpToDate" in proc(a), 30,
                 "alpha drops its failed disk")
    assert "local disk /dev/mapper/lower failed; detaching it" in a.out("dmesg")
    assert nbr.cstate(a) == "Connected" and "ro:Primary/Secondary" in proc(a)

    # Diskless Primary: writes go to bravo alone, reads come from bravo.
    a.run("dd if=/tmp/p2 of=/dev/nb0 bs=1M seek=4 oflag=direct")
    a.run("dd if=/tmp/p2 of=/dev/nb0 bs=4k seek=3000 count=10 oflag=direct,dsync")
    assert sums(a, 4, 4) == want2
    assert sums(a, 0, 4) == want1
    assert a.out("dd if=/dev/nb0 bs=4k skip=3000 count=10 iflag=direct 2>/dev/null "
                 "| sha256sum") == \
        a.out("head -c 40960 /tmp/p2 | sha256sum")
    assert "Input/output error" not in a.out("dmesg")

    # Role switch: bravo has every byte alpha wrote.
    a.run("drbdsetup /dev/nb0 secondary")
    b.run("drbdsetup /dev/nb0 primary")
    assert sums(b, 0, 4) == want1
    assert sums(b, 4, 4) == want2

    nbr.teardown_over_dm((a, b), a, "lower")
