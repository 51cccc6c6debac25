"""A fresh pair whose disks differ: `drbdadm primary --force` on one node
makes its data the pair's and copies all of it to the other (the initial
full sync); `drbdadm invalidate` on the Secondary and `drbdadm
invalidate-remote` on the Primary each copy the whole data area again from
the Primary, and both data areas end identical every time. Full syncs
started back to back, each as soon as the previous one ends on the
source, keep the connection."""

import shlex

from nbvm import nbr, scenario

DATA_MIB = 8
BACK_TO_BACK = 5

# On alpha: invalidate-remote as soon as alpha is Connected again after the
# previous full sync, before bravo's last STATE of it has arrived (bravo
# sends it after writing its metadata). A refusal while the previous one
# finishes is retried at once; /proc/drbd is polled without a new process;
# every wait is bounded.
BACK_TO_BACK_LOOP = f"""
for i in $(seq {BACK_TO_BACK}); do
  n=0
  until drbdadm invalidate-remote r0 2>/dev/null; do
    n=$((n + 1)); [ $n -lt 500 ] || exit 2
  done
  n=0
  while :; do
    mapfile -t p < /proc/drbd
    case "${{p[*]}}" in *"cs:Connected "*) break;; esac
    n=$((n + 1)); [ $n -lt 200000 ] || exit 3
  done
done
"""


def full_sync(c, a, b, node, cmd, what):
    """Runs `cmd` on `node` and waits for the full sync a -> b it starts;
    returns the KiB sent and received."""
    sent_before, recv_before = nbr.resync_sent_kib(a), nbr.resync_recv_kib(b)
    node.run(cmd)
    nbr.wait_synced(c, a, b, 300, what)
    return nbr.resync_sent_kib(a) - sent_before, nbr.resync_recv_kib(b) - recv_before


@scenario(nodes=2, disks=("64M",))
def run(c):
    a, b = c.a, c.b
    # Alpha's disk holds data before the pair exists; bravo's is blank.
    a.run(f"dd if=/dev/urandom of=/dev/vdb bs=1M count={DATA_MIB} oflag=direct")
    nbr.adm_up(c)
    nbr.wait_connected(c, a, b)
    assert nbr.dstate(a) == "Inconsistent/Inconsistent", nbr.proc(a)
    data_kib = nbr.data_sectors(a) // 2
    assert nbr.data_sum(a) != nbr.data_sum(b)

    # Promoting without good data needs --force, which starts the full sync.
    r = a.fails("drbdadm primary r0")
    assert "uptodate" in r.err.lower(), r.err
    sent, recv = full_sync(c, a, b, a, "drbdadm primary --force r0", "the initial full sync")
    assert sent == recv == data_kib, (sent, recv, data_kib)
    assert nbr.data_sum(a) == nbr.data_sum(b)

    # The Secondary throws its copy away and takes all of it again.
    sent, recv = full_sync(c, a, b, b, "drbdadm invalidate r0", "the resync after invalidate")
    assert sent == recv == data_kib, (sent, recv, data_kib)
    assert nbr.role(a) == "Primary/Secondary", nbr.proc(a)

    # Memory pressure empties the module's cache of data pages
    # (drop_caches runs every shrinker); the next sync refills it.
    for n in (a, b):
        n.run("echo 3 > /proc/sys/vm/drop_caches")

    # The same from the Primary's side, while it keeps its file data.
    a.run("dd if=/dev/urandom of=/dev/nb0 bs=1M count=2 seek=20 oflag=direct")
    sent, recv = full_sync(c, a, b, a, "drbdadm invalidate-remote r0",
                           "the resync after invalidate-remote")
    assert sent == recv == data_kib, (sent, recv, data_kib)
    assert nbr.data_sum(a) == nbr.data_sum(b)

    # Back to back: bravo's STATE from the end of one full sync may cross
    # the next SYNC_UUID on the wire; alpha must not take it as a conflict.
    sent_before = nbr.resync_sent_kib(a)
    a.run("dmesg -C")
    a.run(f"bash -c {shlex.quote(BACK_TO_BACK_LOOP)}", timeout=600)
    nbr.wait_synced(c, a, b, 300, "the back-to-back full syncs")
    assert not nbr.in_log(a, "connection lost"), a.out("dmesg | grep nbr")
    assert nbr.resync_sent_kib(a) - sent_before == BACK_TO_BACK * data_kib
    assert nbr.data_sum(a) == nbr.data_sum(b)

    # Invalidating the Primary's own data is refused and changes nothing.
    r = a.fails("drbdadm invalidate r0")
    assert "secondary" in r.err.lower(), r.err
    assert nbr.dstate(a) == "UpToDate/UpToDate", nbr.proc(a)

    a.run("drbdadm secondary r0")
    for n in (a, b):
        n.run("drbdadm down r0")
        n.run("rmmod nbr")
