"""A hard power-off is noticed at once (the node is down, commands to it fail
with NodeDown, its peer cannot reach it), a guest that switches itself off is
noticed too, and data written with O_DIRECT survives power-off and reset."""

from nbvm import NodeDown, scenario

MARK = "dd if=/dev/vdb bs=4096 count=1 iflag=direct 2>/dev/null | head -c 16"


@scenario(nodes=2, mode="plain")
def run(c):
    a, b = c.a, c.b
    b.run("printf 'nbvm-mark-bravo!' | dd of=/dev/vdb bs=4096 conv=sync oflag=direct")
    b.poweroff()
    assert not b.alive
    try:
        b.run("true")
        raise AssertionError("a command ran on a powered-off node")
    except NodeDown:
        pass
    a.fails(f"ping -c 1 -W 2 {b.ip}")

    b.boot()
    assert b.out(MARK) == "nbvm-mark-bravo!"
    a.run(f"ping -c 1 -W 5 {b.ip}")

    a.run("printf 'nbvm-mark-alpha!' | dd of=/dev/vdb bs=4096 conv=sync oflag=direct")
    before = float(a.out("cut -d' ' -f1 /proc/uptime"))
    a.reset()
    assert float(a.out("cut -d' ' -f1 /proc/uptime")) < before + 1
    assert a.out(MARK) == "nbvm-mark-alpha!"

    # The guest switches itself off: the harness sees QEMU exit.
    a.run("(sleep 1; echo o > /proc/sysrq-trigger) >/dev/null 2>&1 &")
    c.wait_until(lambda: not a.alive, 60, "alpha to power itself off")
