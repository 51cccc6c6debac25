"""With data-integrity-alg crc32c, a DATA payload damaged after TCP (the
fault_corrupt_rx module parameter on the Secondary) is caught: the
connection drops, the event says why, the corrupt bytes never reach the
Secondary's backing disk, and the pair reconnects and replicates again."""

import re

from nbvm import scenario

ADDR = {"alpha": "10.99.0.1", "bravo": "10.99.0.2"}
PARAM = "/sys/module/nbr/parameters/fault_corrupt_rx"


def net(node, peer):
    node.run(f"drbdsetup /dev/nb0 net ipv4:{ADDR[node.name]}:7788 "
             f"ipv4:{ADDR[peer.name]}:7788 C --peer-name={peer.name} "
             "--cram-hmac-alg=sha256 --shared-secret=s3cr3t --ping-timeout=50 "
             "--data-integrity-alg=crc32c --connect-int=2")


def cstate(node):
    m = re.search(r" 0: cs:(\w+)", node.out("cat /proc/drbd"))
    return m.group(1) if m else None


def block_sum(node, dev, blk):
    return node.out(f"dd if={dev} bs=4k skip={blk} count=1 iflag=direct "
                    "2>/dev/null | sha256sum")


@scenario(nodes=2)
def run(c):
    a, b = c.a, c.b
    for n in (a, b):
        n.run("drbdsetup new-minor 0 --resource r0")
        n.run("drbdsetup /dev/nb0 disk /dev/vdb internal")
    a.run("drbdsetup /dev/nb0 primary --force")
    net(a, b)
    net(b, a)
    both = lambda: cstate(a) == "Connected" and cstate(b) == "Connected"
    c.wait_until(both, 60, "the pair connects")

    # A clean write gets through with the checksum on.
    a.run("head -c 4096 /dev/urandom > /tmp/good")
    a.run("dd if=/tmp/good of=/dev/nb0 bs=4k seek=10 oflag=direct")
    want = a.out("sha256sum < /tmp/good")
    assert block_sum(b, "/dev/vdb", 10) == want

    # Every payload bravo receives is damaged from now on.
    zeros = block_sum(b, "/dev/vdb", 20)
    events = b.spawn("echo $$ > /tmp/events.pid; "
                     "exec timeout 60 drbdsetup events > /tmp/events")
    b.run(f"echo 1 > {PARAM}")
    a.run("head -c 4096 /dev/urandom > /tmp/bad")
    # The write completes on the Primary (its disk has it; the peer is
    # counted out of sync).
    a.run("dd if=/tmp/bad of=/dev/nb0 bs=4k seek=20 oflag=direct")
    c.wait_until(lambda: "crc32c mismatch" in b.out("dmesg"), 30,
                 "bravo reports the mismatch")
    b.run(f"echo 0 > {PARAM}")
    assert "fault_corrupt_rx: corrupted the write to sector 160" in b.out("dmesg")
    assert "write of 4096 bytes to sector 160; not written" in b.out("dmesg")
    # Neither the corrupt nor the good bytes: the block was never written.
    assert block_sum(b, "/dev/vdb", 20) == zeros
    assert int(re.search(r"\boos:(\d+)", a.out("cat /proc/drbd")).group(1)) >= 4

    c.wait_until(both, 60, "the pair reconnects")
    b.run("kill -INT $(cat /tmp/events.pid)")
    events.wait(check=False)
    ev = b.out("cat /tmp/events")
    assert re.search(r"cstate:ProtocolError .*reason:ProtocolError: "
                     r"data-integrity crc32c mismatch", ev), ev

    # Replication works again, checksummed.
    a.run("dd if=/tmp/good of=/dev/nb0 bs=4k seek=30 oflag=direct")
    assert block_sum(b, "/dev/vdb", 30) == want

    for n in (a, b):
        n.run("drbdsetup /dev/nb0 down")
        n.run("drbdsetup del-minor 0")
        n.run("rmmod nbr")
