"""A Secondary that is not in sync when the Primary dies refuses promotion
unless forced, so no one serves stale data by accident:

1. The link is cut, the Primary goes on writing, and the Secondary is
   marked Outdated (`drbdadm outdate r0`, what a fence-peer handler such
   as dopd runs). The Primary dies. `drbdadm primary r0` on the Secondary
   is refused and says why; the Outdated mark survives a power cycle.
2. The old Primary returns; the Outdated node becomes SyncTarget and is
   Inconsistent while the (rate-limited) resync runs. The Primary dies
   again mid-resync: the half-synced node refuses promotion too.
3. `drbdadm primary --force r0` is the administrator's explicit override.
"""

from nbvm import nbr, scenario

DIRTY_MIB = 16


def refused(node, text):
    r = node.fails("drbdadm primary r0")
    assert text in r.err.lower(), r.err
    assert nbr.role(node).startswith("Secondary"), nbr.proc(node)


@scenario(nodes=2, disks=("64M",))
def run(c):
    a, b = nbr.adm_synced_pair(c, disk_opts="c-plan-ahead 0; resync-rate 1M;")

    # 1. Apart, the Primary writes; bravo is fenced (Outdated); alpha dies.
    c.cut(a, b)
    a.run(f"dd if=/dev/urandom of=/dev/nb0 bs=1M count={DIRTY_MIB} oflag=direct",
          timeout=180)
    nbr.wait_gone(c, b, "bravo notices the cut")
    b.run("drbdadm outdate r0")
    assert nbr.dstate(b) == "Outdated/DUnknown", nbr.proc(b)
    a.poweroff()
    refused(b, "outdated")
    assert nbr.dstate(b) == "Outdated/DUnknown", nbr.proc(b)
    # The mark is on disk: a power cycle does not forget it.
    b.poweroff()
    nbr.boot(c, b)
    b.run("drbdadm up r0")
    assert nbr.dstate(b) == "Outdated/DUnknown", nbr.proc(b)
    refused(b, "outdated")

    # 2. alpha returns (crashed Primary, newer data): bravo becomes its
    # SyncTarget, Inconsistent until done; alpha dies again in the middle.
    nbr.boot(c, a)
    a.run("drbdadm up r0")
    c.wait_until(lambda: nbr.cstate(b) in ("SyncTarget", "PausedSyncT")
                 and nbr.oos_kib(b) < DIRTY_MIB * 1024, 120,
                 "bravo resyncs from alpha")
    assert nbr.dstate(b) == "Inconsistent/UpToDate", nbr.proc(b)
    a.poweroff()
    nbr.wait_gone(c, b, "bravo notices alpha is gone again")
    assert nbr.dstate(b) == "Inconsistent/DUnknown", nbr.proc(b)
    assert nbr.oos_kib(b) > 0
    r = b.fails("drbdadm primary r0")
    assert "uptodate" in r.err.lower() or "inconsistent" in r.err.lower(), r.err
    assert nbr.role(b).startswith("Secondary"), nbr.proc(b)

    # 3. The administrator decides to go on with what bravo has.
    b.run("drbdadm primary --force r0")
    assert nbr.role(b).startswith("Primary") and nbr.dstate(b).startswith("UpToDate"), \
        nbr.proc(b)
    b.run("dd if=/dev/nb0 of=/dev/null bs=1M count=4 iflag=direct")
    b.run("drbdadm secondary r0")
    b.run("drbdadm down r0")
    b.run("rmmod nbr")
