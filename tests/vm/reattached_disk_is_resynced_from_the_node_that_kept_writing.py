"""A disk that was detached holds what it held when it left; the writes
made meanwhile reached the other node only. When it comes back it must
not count as UpToDate until a resync copied those writes to it; then the
data areas are equal.

Attaching it while the connection is up is refused (the identifiers and
bitmaps are compared only when the nodes connect): disconnect, attach,
connect. First bravo, the Secondary, leaves; then alpha, the Primary,
which goes on reading and writing through bravo while diskless (and may
not disconnect then): bravo records those writes in its bitmap and
starts a new data generation, so that alpha becomes its SyncTarget when
it returns."""

from nbvm import nbr, scenario

ATTACH = "drbdsetup /dev/nb0 disk /dev/vdb internal"


def write_while_away(c, primary, leaving, seed):
    leaving.run("drbdsetup /dev/nb0 detach")
    c.wait_until(lambda: "Diskless" in nbr.dstate(primary), 30,
                 f"{primary.name} sees {leaving.name}'s disk gone")
    written = set(nbr.write_blocks(primary, 300, seed=seed, tag=f"away{seed}"))
    r = leaving.fails(ATTACH)
    assert "connected to its peer" in r.err, (r.out, r.err)
    assert nbr.dstate(leaving).startswith("Diskless"), nbr.proc(leaving)
    return written


def come_back(c, leaving, other):
    leaving.run("drbdsetup /dev/nb0 disconnect")
    leaving.run(ATTACH)
    nbr.net(leaving, other)
    nbr.wait_synced(c, leaving, other, what=f"{leaving.name}'s disk to be resynced")


@scenario(nodes=2, disks=("64M", "64M"))
def run(c):
    a, b = nbr.up_pair(c)
    nbr.uptodate_primary(c, a)
    nbr.write_blocks(a, 200, seed=1, tag="before")

    written = write_while_away(c, a, b, seed=2)
    come_back(c, b, a)
    assert nbr.resync_recv_kib(b) >= 4 * len(written), nbr.status(b)
    assert nbr.data_sum(a) == nbr.data_sum(b)

    # The Primary leaves: no --force needed while its peer is UpToDate.
    written = write_while_away(c, a, a, seed=3)
    assert nbr.oos_kib(b) == 4 * len(written), nbr.proc(b)
    r = a.fails("drbdsetup /dev/nb0 disconnect")
    assert "its data is on the peer" in r.err, r.err
    a.run("drbdsetup /dev/nb0 secondary")
    b.run("drbdsetup /dev/nb0 primary")
    come_back(c, a, b)
    assert nbr.resync_recv_kib(a) >= 4 * len(written), nbr.status(a)
    assert nbr.data_sum(a) == nbr.data_sum(b)

    b.run("drbdsetup /dev/nb0 secondary")
    for n in (a, b):
        nbr.teardown(n)
