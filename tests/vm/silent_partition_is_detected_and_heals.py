"""A silent partition (packets dropped both ways, no reset, no carrier
change) between a connected pair: the Primary notices it within its
ping-timeout/timeout, keeps serving writes (counted out of sync), and when
the network heals the pair reconnects by itself. No guest warning."""

from nbvm import nbr, scenario


def net(node, peer):
    # ping-int 2 s, ping-timeout 3 s (not 0.5 s: a busy TCG host delays
    # pings), timeout 6 s, connect-int 3 s: a silent peer is noticed
    # within about 6 s.
    nbr.net(node, peer, ping_int=2, ping_timeout=30, timeout=60, connect_int=3)


def cstate(node):
    return nbr.cstate(node)


def oos(node):
    return nbr.oos_kib(node)


def write(node, seek, count=16):
    node.run(f"dd if=/dev/urandom of=/dev/nb0 bs=4k seek={seek} count={count} "
             "oflag=direct", timeout=60)


@scenario(nodes=2)
def run(c):
    a, b = c.a, c.b
    for n in (a, b):
        nbr.attach(n)
    net(a, b)
    net(b, a)
    both = lambda: cstate(a) == "Connected" and cstate(b) == "Connected"
    c.wait_until(both, 60, "the pair connects")
    nbr.uptodate_primary(c, a)
    write(a, 0)
    assert oos(a) == 0

    c.cut(a, b)
    # A write in flight when the link goes silent must not hang: it
    # completes once the Primary gives up on the peer.
    writer = a.spawn("dd if=/dev/urandom of=/dev/nb0 bs=4k seek=100 count=4 "
                     "oflag=direct")
    c.wait_until(lambda: cstate(a) != "Connected", 20,
                 "the Primary notices the silent peer")
    assert writer.wait().ok
    c.wait_until(lambda: cstate(b) != "Connected", 20,
                 "the Secondary notices the silent peer")
    before = oos(a)
    write(a, 200)
    assert oos(a) >= before + 64, (before, oos(a))
    assert "ro:Primary/Unknown" in a.out("cat /proc/drbd")
    assert "no answer to ping within ping-timeout" in a.out("dmesg") or \
        "did not answer a request within" in a.out("dmesg")

    c.heal(a, b)
    c.wait_until(both, 60, "the pair reconnects after the heal")
    write(a, 300)
    c.wait_until(lambda: "ua:0" in b.out("cat /proc/drbd"), 30, "peer acked")

    for n in (a, b):
        nbr.teardown(n)
