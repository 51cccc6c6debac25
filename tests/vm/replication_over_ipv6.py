"""The pair connects and replicates over IPv6 (ipv6:[ADDR]:PORT addresses):
a pattern written on alpha reads back on bravo after a role switch, and
/proc/drbd and status show the connection up."""

from nbvm import nbr, scenario

ADDR6 = {"alpha": "fd00::1", "bravo": "fd00::2"}


def net(node, peer):
    nbr.net(node, peer, addr=ADDR6, af="ipv6")


def cstate(node):
    return nbr.cstate(node)


@scenario(nodes=2)
def run(c):
    a, b = c.a, c.b
    for n in (a, b):
        # The guests only have IPv4 on eth0; nodad: usable at once.
        n.run(f"ip -6 addr add {ADDR6[n.name]}/64 dev eth0 nodad")
        nbr.attach(n)
    a.run("ping -6 -c 1 -W 5 fd00::2")
    net(a, b)
    net(b, a)
    c.wait_until(lambda: cstate(a) == "Connected" and cstate(b) == "Connected",
                 60, "the pair connects over IPv6")
    nbr.uptodate_primary(c, a)
    # The data socket really is IPv6, between the configured addresses.
    # (/proc/net/tcp6 prints each 32-bit word of an address in host order.)
    tcp6 = a.out("cat /proc/net/tcp6")
    me, peer = "000000FD000000000000000001000000", "000000FD000000000000000002000000"
    established = [l for l in tcp6.splitlines()[1:]
                   if me in l and peer in l and l.split()[3] == "01"]
    assert len(established) >= 2, tcp6
    assert "fd00::1" in a.out("drbdsetup /dev/nb0 show")

    a.run("head -c 2097152 /dev/urandom > /tmp/p")
    want = a.out("sha256sum < /tmp/p")
    a.run("dd if=/tmp/p of=/dev/nb0 bs=1M oflag=direct")
    a.run("drbdsetup /dev/nb0 secondary")
    b.run("drbdsetup /dev/nb0 primary")
    got = b.out("dd if=/dev/nb0 bs=1M count=2 iflag=direct | sha256sum")
    assert got == want, (got, want)

    for n in (a, b):
        nbr.teardown(n)
