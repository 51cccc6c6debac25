"""drbdadm runs the pair from one config file: `create-md` and `up` on both
nodes connect them, `primary` on one works, `adjust` after an edit of a net
option applies only that change, after an edit of a disk option it attaches
the disk again between a disconnect and a connect (a disk attaches only
while not connected) and the pair ends in sync, and `down` leaves no
device, connection or module use behind."""

from nbvm import scenario

CONF = """\
global {{ usage-count no; }}
common {{ net {{ cram-hmac-alg sha256; shared-secret "one-config"; }} }}
resource r0 {{
  device    /dev/nb0;
  disk      /dev/vdb;
  meta-disk internal;
  net       {{ protocol C; ping-int {ping_int}; }}{disk}
  on alpha  {{ address 10.99.0.1:7788; }}
  on bravo  {{ address 10.99.0.2:7788; }}
}}
"""


def connected(c):
    return all(n.run("drbdadm cstate r0", check=False).out.strip() == "Connected"
               for n in c.nodes)


@scenario(nodes=2)
def run(c):
    a, b = c.a, c.b
    for n in (a, b):
        n.put("/etc/drbd.conf", CONF.format(ping_int=10, disk=""))
        n.run("drbdadm create-md r0")
        n.run("drbdadm up r0")
    c.wait_until(lambda: connected(c), 120, "drbdadm up to connect the pair")

    a.run("drbdadm primary --force r0")
    assert a.out("drbdadm role r0") == "Primary/Secondary"
    assert b.out("drbdadm role r0") == "Secondary/Primary"

    # Nothing changed: adjust has nothing to do.
    assert a.out("drbdadm -d adjust r0") == ""
    for n in (a, b):
        n.put("/etc/drbd.conf", CONF.format(ping_int=7, disk=""))
    plan = a.out("drbdadm -d adjust r0")
    assert "--ping-int=7" in plan and " disk " not in plan, plan
    for n in (a, b):
        n.run("drbdadm adjust r0")
    c.wait_until(lambda: connected(c), 120, "the pair to reconnect after adjust")
    assert "ping-int 7;" in a.out("drbdsetup /dev/nb0 show")
    assert a.out("drbdadm -d adjust r0") == ""

    for n in (a, b):
        n.put("/etc/drbd.conf", CONF.format(ping_int=7, disk="\n  disk      { c-min-rate 2M; }"))
    plan = [line.split()[2] for line in b.out("drbdadm -d adjust r0").splitlines()]
    assert plan == ["disconnect", "detach", "disk", "net"], plan
    b.run("drbdadm adjust r0")
    c.wait_until(lambda: connected(c) and all(
        n.out("drbdadm dstate r0") == "UpToDate/UpToDate" for n in c.nodes), 180,
        "the pair to be in sync after bravo's adjust")
    assert b.out("drbdadm -d adjust r0") == ""

    a.run("drbdadm secondary r0")
    for n in (a, b):
        n.run("drbdadm down r0")
        n.fails("test -e /dev/nb0")
        n.run("rmmod nbr")
