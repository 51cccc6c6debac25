"""A Secondary whose disk hangs while its network lives (it still answers
pings) holds the Primary's writes. With ko-count N the Primary drops it
after N times `timeout`, the write completes and the block is resynced when
the disk is back; with ko-count 0 the Primary waits as long as it takes.
The net options sndbuf-size and rcvbuf-size reach both TCP connections."""

import time

from nbvm import nbr, scenario

TIMEOUT_DS = 30  # `timeout`, 0.1 s units: 3 s
SNDBUF, RCVBUF = 1 << 20, 512 << 10


def connect(c, a, b, ko_count):
    for n, peer in ((a, b), (b, a)):
        nbr.net(n, peer, ping_int=1, ping_timeout=20, timeout=TIMEOUT_DS, ko_count=ko_count,
                sndbuf_size=SNDBUF, rcvbuf_size=RCVBUF)
    nbr.wait_connected(c, a, b)


def disconnect(c, a, b):
    for n in (a, b):
        n.run("drbdsetup /dev/nb0 disconnect")
    nbr.wait_cstate(c, (a, b), "StandAlone")


def socket_buffers(node):
    """(sndbuf, rcvbuf) of every TCP connection to or from the nbr port."""
    out = node.out(f"ss -tmnH state established '( sport = :{nbr.PORT} or dport = :{nbr.PORT} )'")
    found = []
    for line in out.splitlines():
        if "skmem:(" not in line:
            continue
        mem = {}
        for field in line.split("skmem:(")[1].split(")")[0].split(","):
            name = field.rstrip("0123456789")
            mem[name] = int(field[len(name):])
        found.append((mem["tb"], mem["rb"]))
    return found


@scenario(nodes=2)
def run(c):
    a, b = c.a, c.b
    # bravo's disk goes through a dm device that `dmsetup suspend` stalls.
    nbr.attach(a)
    nbr.attach(b, disk=nbr.stallable_disk(b, "slow"))
    connect(c, a, b, ko_count=0)
    nbr.uptodate_primary(c, a)
    assert "ko-count 0;" in a.out("drbdsetup /dev/nb0 show")

    for n in (a, b):
        bufs = socket_buffers(n)
        assert len(bufs) == 2, (n.name, bufs)  # data and meta
        assert all(buf == (SNDBUF, RCVBUF) for buf in bufs), (n.name, bufs)

    # ko-count 0: a write waits for the stalled peer (here three times
    # `timeout`) and completes when the disk is back.
    b.run("dmsetup suspend --nolockfs slow")
    writer = a.spawn("dd if=/dev/urandom of=/dev/nb0 bs=4k seek=100 count=1 oflag=direct")
    deadline = time.monotonic() + 3 * TIMEOUT_DS / 10
    while time.monotonic() < deadline:
        assert nbr.cstate(a) == "Connected" and not writer.done(), nbr.proc(a)
        time.sleep(1)
    b.run("dmsetup resume slow")
    assert writer.wait(120).ok
    assert nbr.cstate(a) == "Connected" and nbr.oos_kib(a) == 0, nbr.proc(a)

    # ko-count 2: the peer is dropped after 2 x timeout, not before, and
    # not by the pings it keeps answering.
    disconnect(c, a, b)
    connect(c, a, b, ko_count=2)
    b.run("dmsetup suspend --nolockfs slow")
    t0 = time.monotonic()
    writer = a.spawn("dd if=/dev/urandom of=/dev/nb0 bs=4k seek=200 count=1 oflag=direct")
    c.wait_until(lambda: nbr.cstate(a) != "Connected", 120, "alpha drops the stalled peer")
    waited = time.monotonic() - t0
    assert writer.wait(120).ok
    assert waited >= 2 * TIMEOUT_DS / 10, waited
    assert nbr.in_log(a, "did not answer a request within ko-count * timeout"), \
        a.out("dmesg | tail -n 20")
    assert nbr.oos_kib(a) >= 4, nbr.proc(a)

    # The disk is back: the pair reconnects and resyncs the dropped write.
    b.run("dmsetup resume slow")
    nbr.wait_synced(c, a, b, 120, "the pair reconnects and resyncs")
    assert nbr.data_sum(a) == nbr.data_sum(b, dev="/dev/mapper/slow")

    for n in (a, b):
        nbr.teardown(n)
    b.run("dmsetup remove slow")
