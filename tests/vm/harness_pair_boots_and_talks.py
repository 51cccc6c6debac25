"""Both guests boot, reach each other and the host side of the LAN, and the
control channel carries commands, exit codes, stderr, files and timeouts;
a silent partition between the two stops traffic until it is healed."""

from nbvm import scenario


@scenario(nodes=2, mode="plain")
def run(c):
    a, b = c.a, c.b
    assert a.out("hostname") == "alpha" and b.out("hostname") == "bravo"
    a.run(f"ping -c 1 -W 5 {b.ip}")
    b.run(f"ping -c 1 -W 5 {a.ip}")
    c.host_run(f"ping -c 1 -W 5 {a.ip}")

    r = a.run("echo out; echo err >&2; exit 3", check=False)
    assert (r.rc, r.out, r.err) == (3, "out\n", "err\n"), r

    r = a.run("sleep 60", timeout=2, check=False)
    assert r.timed_out, r

    blob = bytes(range(256)) * 256
    a.put("/tmp/blob", blob)
    assert a.get("/tmp/blob") == blob
    assert a.out("blockdev --getsize64 /dev/vdb") == str(64 << 20)

    c.cut(a, b)
    a.fails(f"ping -c 1 -W 2 {b.ip}")
    a.run(f"ping -c 1 -W 5 {c.host_ip}")
    c.heal(a, b)
    a.run(f"ping -c 1 -W 5 {b.ip}")
