"""Automatic split-brain recovery with the after-sb policies of drbd.conf.

Twice the link is cut, bravo is promoted and both nodes write different
blocks; when the link heals the split brain is detected, logged and resolved
without an operator, by a bitmap resync of the blocks either side changed:

- after-sb-1pri discard-secondary (alpha still Primary, bravo demoted again):
  bravo loses although it wrote more, and gets alpha's data.
- after-sb-0pri discard-least-changes (both demoted before the heal): this
  time alpha wrote less, so alpha loses and gets bravo's data.

In both rounds the winner's data is untouched and the disks end identical."""

from nbvm import nbr, scenario

POLICIES = "after-sb-0pri discard-least-changes; after-sb-1pri discard-secondary;"
LOST = "split brain: after-sb policy discards this node's changes"
WON = "split brain: after-sb policy discards the peer's changes"


def apart_both_write(c, a, b, n_a, n_b, seed):
    """Cut the link, promote bravo, write n_a blocks on alpha and n_b on
    bravo. Returns the blocks each side has out of sync, in KiB."""
    c.cut(a, b)
    nbr.wait_gone(c, b, "bravo notices the silent link")
    nbr.wait_gone(c, a, "alpha notices the silent link")
    b.run("drbdadm primary r0")
    nbr.write_blocks(a, n_a, seed=seed, tag="alpha", start=0, count=16384)
    nbr.write_blocks(b, n_b, seed=seed + 1, tag="bravo", start=0, count=16384)
    oos_a, oos_b = nbr.oos_kib(a), nbr.oos_kib(b)
    assert oos_a == n_a * 4 and oos_b == n_b * 4, (oos_a, oos_b)
    return oos_a, oos_b


def log_count(node, text):
    """How many kernel log lines contain text."""
    return sum(text in line for line in node.out("dmesg").splitlines())


def heal_and_resync(c, winner, loser, oos, what):
    """Heal the link; the policy makes `loser` SyncTarget of `winner` with
    no command. Checks the amount synced and that the disks end equal to
    the winner's data as it was before the heal."""
    want = nbr.data_sum(winner)
    assert nbr.data_sum(loser) != want
    sent0, recv0 = nbr.resync_sent_kib(winner), nbr.resync_recv_kib(loser)
    lost0 = log_count(loser, LOST)
    won0 = log_count(winner, WON)
    c.heal(winner, loser)
    nbr.wait_synced(c, winner, loser, 300, what)
    # Each side logs the split brain and its own part in the verdict.
    assert log_count(loser, LOST) > lost0, loser.out("dmesg | tail -n 30")
    assert log_count(winner, WON) > won0, winner.out("dmesg | tail -n 30")
    sent = nbr.resync_sent_kib(winner) - sent0
    assert nbr.resync_recv_kib(loser) - recv0 == sent
    # A bitmap resync of the blocks either side changed, not a full sync.
    assert max(oos) <= sent <= sum(oos), (sent, oos)
    assert nbr.data_sum(winner) == want
    assert nbr.data_sum(loser) == want


@scenario(nodes=2, disks=("128M",))
def run(c):
    a, b = nbr.adm_synced_pair(c, net_opts=POLICIES)

    # One Primary at the heal: the Secondary's changes go, though they are more.
    oos = apart_both_write(c, a, b, n_a=150, n_b=300, seed=1)
    b.run("drbdadm secondary r0")
    heal_and_resync(c, a, b, oos, "discard-secondary: bravo resyncs from alpha")
    assert nbr.role(a) == "Primary/Secondary", nbr.proc(a)
    assert nbr.in_log(b, LOST + " (discard-secondary)")

    # No Primary at the heal: the node with fewer changes loses, here alpha.
    oos = apart_both_write(c, a, b, n_a=100, n_b=300, seed=3)
    a.run("drbdadm secondary r0")
    b.run("drbdadm secondary r0")
    heal_and_resync(c, b, a, oos, "discard-least-changes: alpha resyncs from bravo")
    assert nbr.in_log(a, LOST + " (discard-least-changes)")
    assert nbr.role(a) == "Secondary/Secondary", nbr.proc(a)

    for n in (a, b):
        n.run("drbdadm down r0")
        n.run("rmmod nbr")
