"""With data-integrity-alg crc32c, a DATA payload damaged after TCP (the
fault_corrupt_rx module parameter on the Secondary) is caught: the
connection drops, the event says why, the corrupt bytes never reach the
Secondary's backing disk, and the pair reconnects and replicates again."""

import re

from nbvm import nbr, scenario

PARAM = "/sys/module/nbr/parameters/fault_corrupt_rx"


def sha(node, path):
    return node.out(f"sha256sum < {path}").split()[0]


@scenario(nodes=2)
def run(c):
    a, b = nbr.up_pair(c, data_integrity_alg="crc32c")
    nbr.uptodate_primary(c, a)
    both = lambda: nbr.cstate(a) == "Connected" and nbr.cstate(b) == "Connected"

    # A clean write gets through with the checksum on.
    a.run("head -c 4096 /dev/urandom > /tmp/good")
    a.run("dd if=/tmp/good of=/dev/nb0 bs=4k seek=10 oflag=direct")
    want = sha(a, "/tmp/good")
    assert nbr.block_sum(b, "/dev/vdb", 10) == want

    # Every payload bravo receives is damaged from now on.
    zeros = nbr.block_sum(b, "/dev/vdb", 20)
    events = b.spawn("echo $$ > /tmp/events.pid; "
                     "exec timeout 60 drbdsetup events > /tmp/events")
    b.run(f"echo 1 > {PARAM}")
    a.run("head -c 4096 /dev/urandom > /tmp/bad")
    # The write completes on the Primary (its disk has it; the peer is
    # counted out of sync).
    a.run("dd if=/tmp/bad of=/dev/nb0 bs=4k seek=20 oflag=direct")
    # (At once: a reconnect, connect-int 2 s, may resync it soon after.)
    assert nbr.oos_kib(a) >= 4
    c.wait_until(lambda: "crc32c mismatch" in b.out("dmesg"), 30,
                 "bravo reports the mismatch")
    b.run(f"echo 0 > {PARAM}")
    assert "fault_corrupt_rx: corrupted the write to sector 160" in b.out("dmesg")
    assert "write of 4096 bytes to sector 160; not written" in b.out("dmesg")
    # The corrupt bytes never reach the disk: the block is as it was, or
    # (once the pair has reconnected and resynced it) alpha's data.
    assert nbr.block_sum(b, "/dev/vdb", 20) in (zeros, sha(a, "/tmp/bad"))

    c.wait_until(both, 60, "the pair reconnects")
    b.run("kill -INT $(cat /tmp/events.pid)")
    events.wait(check=False)
    ev = b.out("cat /tmp/events")
    assert re.search(r"cstate:ProtocolError .*reason:ProtocolError: "
                     r"data-integrity crc32c mismatch", ev), ev

    # Replication works again, checksummed.
    a.run("dd if=/tmp/good of=/dev/nb0 bs=4k seek=30 oflag=direct")
    assert nbr.block_sum(b, "/dev/vdb", 30) == want

    for n in (a, b):
        nbr.teardown(n)
