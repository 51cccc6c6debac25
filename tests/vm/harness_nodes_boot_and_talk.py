"""Three guests boot and reach each other and the host side of the LAN; the
control channel carries commands, exit codes, stderr, files and timeouts;
/dev/fd exists (bash process substitution); a silent partition cuts
exactly one pair until healed; an unplugged cable cuts a node off; netem
delays its traffic."""

import re

from nbvm import scenario


def rtt_ms(node, ip):
    out = node.out(f"ping -c 1 -W 5 {ip}")
    return float(re.search(r"time=([\d.]+) ms", out).group(1))


@scenario(nodes=3, mode="plain")
def run(c):
    a, b, ch = c.a, c.b, c.c
    assert [n.out("hostname") for n in c.nodes] == ["alpha", "bravo", "charlie"]
    for x in c.nodes:
        for y in c.nodes:
            if x is not y:
                x.run(f"ping -c 1 -W 5 {y.ip}")
    c.host_run(f"ping -c 1 -W 5 {a.ip}")

    r = a.run("echo out; echo err >&2; exit 3", check=False)
    assert (r.rc, r.out, r.err) == (3, "out\n", "err\n"), r
    r = a.run("sleep 60", timeout=2, check=False)
    assert r.timed_out, r
    blob = bytes(range(256)) * 256
    a.put("/tmp/blob", blob)
    assert a.get("/tmp/blob") == blob
    assert a.out("blockdev --getsize64 /dev/vdb") == str(64 << 20)
    # /dev/fd as on any udev system: bash's <(...) and the bench's waits need it.
    assert a.out("bash -c 'cat <(echo via-dev-fd)'") == "via-dev-fd"
    assert a.out("bash -c 'exec 9<> <(:); read -t 0.2 -u 9; echo $?'") == "142"

    c.cut(a, b)
    a.fails(f"ping -c 1 -W 2 {b.ip}")
    b.fails(f"ping -c 1 -W 2 {a.ip}")
    a.run(f"ping -c 1 -W 5 {ch.ip}")
    b.run(f"ping -c 1 -W 5 {ch.ip}")
    c.heal(a, b)
    a.run(f"ping -c 1 -W 5 {b.ip}")

    b.unplug()
    a.fails(f"ping -c 1 -W 2 {b.ip}")
    ch.fails(f"ping -c 1 -W 2 {b.ip}")
    b.plug()
    a.wait_for(f"ping -c 1 -W 2 {b.ip}", 30)

    a.netem("delay 200ms")
    assert rtt_ms(a, ch.ip) >= 200
    a.netem(None)
    assert rtt_ms(a, ch.ip) < 200
