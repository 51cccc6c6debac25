"""The Primary loses power in the middle of writes; the Secondary is
promoted and the application goes on writing there. When the old Primary
returns it attaches as a crashed Primary (its activity log marks the
extents where writes may have been in flight), connects, and becomes
SyncTarget of exactly those extents plus what the new Primary wrote: the
new Primary's data is never touched (nothing the dead Primary wrote without
an acknowledgement leaks back) and both data areas end identical."""

import re

from nbvm import nbr, scenario

HOT = 2048          # alpha writes blocks [0, 2048): two 4 MiB AL extents
EXTENT_KIB = 4096


@scenario(nodes=2, disks=("128M",))
def run(c):
    a, b = nbr.adm_synced_pair(c)
    data_kib = nbr.data_sectors(a) // 2

    nbr.spawn_writer(a, 0, HOT, tag="alpha", seconds=240)
    c.wait_until(lambda: nbr.proc_fields(b).get("nr", 0) >= 1024, 120,
                 "bravo received 1 MiB of alpha's writes")
    a.poweroff()
    nbr.wait_gone(c, b, "bravo notices alpha is gone")
    assert nbr.dstate(b) == "UpToDate/DUnknown", nbr.proc(b)

    # The cluster manager promotes bravo; writes continue there, over part
    # of alpha's hot area and elsewhere.
    b.run("drbdadm primary r0")
    nbr.write_blocks(b, 200, seed=7, tag="bravo", start=0, count=HOT)
    nbr.write_blocks(b, 300, seed=8, tag="bravo", start=8192, count=8192)
    oos_b = nbr.oos_kib(b)
    assert oos_b == 4 * 500, oos_b
    survivor = nbr.data_sum(b)

    nbr.boot(c, a)
    # The metadata says alpha went down as Primary (show-gi flags
    # c:u:p:x:o:f - p primary or x crashed-primary).
    gi = re.search(r"^[0-9A-F]{16}(?::[0-9A-F]{16}){3}((?::[01]){6})$",
                   a.out("drbdadm show-gi r0"), re.MULTILINE)
    assert gi, a.out("drbdadm show-gi r0")
    flags = gi.group(1).split(":")[1:]
    assert flags[2] == "1" or flags[3] == "1", flags
    a.run("drbdadm attach r0")
    # The activity log made alpha's hot extents dirty, and only those.
    oos_a = nbr.oos_kib(a)
    assert EXTENT_KIB <= oos_a <= 2 * EXTENT_KIB, oos_a
    assert nbr.role(a).startswith("Secondary"), nbr.proc(a)
    a.run("drbdadm connect r0")
    nbr.wait_synced(c, a, b, 300, "alpha resynced from bravo")

    # Direction: bravo sent, alpha received, bravo's data unchanged.
    sent = nbr.resync_sent_kib(b)
    assert nbr.resync_recv_kib(a) == sent and nbr.resync_sent_kib(a) == 0
    # The right blocks: the union of both bitmaps, not the whole disk.
    assert max(oos_a, oos_b) <= sent <= oos_a + oos_b, (sent, oos_a, oos_b)
    assert sent < data_kib // 4, (sent, data_kib)
    assert nbr.data_sum(b) == survivor
    assert nbr.data_sum(a) == survivor
    assert nbr.role(b) == "Primary/Secondary"

    b.run("drbdadm secondary r0")
    for n in (a, b):
        n.run("drbdadm down r0")
        n.run("rmmod nbr")
