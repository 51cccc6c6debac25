"""A resync (rate-limited with resync-rate, fixed-rate controller) shows its
progress in /proc/drbd like DRBD (bar, sync'ed percentage, left/total,
finish and speed); pause-sync holds it and resume-sync continues it; when
the link is cut in the middle, the Primary keeps the blocks not yet synced
in its bitmap, and after the heal the resync resumes where it stopped
(it does not start over) and both data areas end identical."""

import time

from nbvm import nbr, scenario

DIRTY_MIB = 24
RATE_KIB = 1024


def progress(node):
    f = nbr.proc_fields(node)
    return f if "percent" in f else None


@scenario(nodes=2, disks=("128M",))
def run(c):
    a, b = nbr.adm_synced_pair(c, disk_opts=f"c-plan-ahead 0; resync-rate {RATE_KIB}K;")
    dirty_kib = DIRTY_MIB * 1024

    b.run("drbdadm disconnect r0")
    a.run(f"dd if=/dev/urandom of=/dev/nb0 bs=1M count={DIRTY_MIB} seek=16 oflag=direct")
    assert nbr.oos_kib(a) == dirty_kib, nbr.proc(a)
    source_sum = nbr.data_sum(a)
    b.run("drbdadm connect r0")

    # Progress as DRBD 8.4 prints it, on both sides.
    c.wait_until(lambda: (progress(a) or {}).get("percent", 0) >= 10, 120,
                 "the resync passes 10%")
    p = progress(a)
    assert p["cs"] == "SyncSource" and p["kind"] == "sync'ed", p
    assert p["total_kib"] == dirty_kib and 0 < p["left_kib"] < dirty_kib, p
    assert p["bar"].startswith("=") and ">" in p["bar"], p
    assert "finish_s" in p and 0 < p["speed"] <= 4 * RATE_KIB, p
    q = progress(b)
    assert q and q["cs"] == "SyncTarget" and q["ds"] == "Inconsistent/UpToDate", q

    # pause-sync holds the resync; resume-sync continues it.
    a.run("drbdadm pause-sync r0")
    c.wait_until(lambda: nbr.cstate(a) == "PausedSyncS", 30, "the resync pauses")
    left = nbr.oos_kib(a)
    time.sleep(4)
    assert nbr.oos_kib(a) == left, (left, nbr.proc(a))
    assert nbr.cstate(b) == "PausedSyncT", nbr.proc(b)
    a.run("drbdadm resume-sync r0")
    c.wait_until(lambda: nbr.cstate(a) == "SyncSource" and nbr.oos_kib(a) < left, 60,
                 "the resync continues")

    # Cut the link in the middle.
    c.wait_until(lambda: nbr.oos_kib(a) <= dirty_kib * 0.6, 120, "40% synced")
    c.cut(a, b)
    nbr.wait_gone(c, a, "alpha notices the cut")
    nbr.wait_gone(c, b, "bravo notices the cut")
    left = nbr.oos_kib(a)
    sent_before = nbr.resync_sent_kib(a)
    assert 0 < left < dirty_kib * 0.6 + 1024, (left, dirty_kib)
    # bravo stays Inconsistent: a half-synced disk is not good data.
    assert nbr.dstate(b).startswith("Inconsistent"), nbr.proc(b)

    c.heal(a, b)
    c.wait_until(lambda: progress(a) is not None or nbr.cstate(a) == "Connected", 120,
                 "the resync starts again")
    p = progress(a)
    if p:  # the second round counts only what was left
        assert p["total_kib"] <= left, (p, left)
    nbr.wait_synced(c, a, b, 300, "the resumed resync")
    sent = nbr.resync_sent_kib(a)
    # Resumed, not restarted: the two rounds together sent about the dirty
    # amount, not the dirty amount plus what was done before the cut.
    assert sent - sent_before <= left + 1024, (sent, sent_before, left)
    assert dirty_kib <= sent <= dirty_kib + 2048, (sent, dirty_kib)
    assert nbr.data_sum(a) == source_sum
    assert nbr.data_sum(b) == source_sum

    a.run("drbdadm secondary r0")
    for n in (a, b):
        n.run("drbdadm down r0")
        n.run("rmmod nbr")
