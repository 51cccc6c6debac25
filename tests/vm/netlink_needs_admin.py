"""Only root configures nbr: an unprivileged user's mutating requests fail
with a permission error and change nothing; reading the status is allowed."""

from nbvm import nbr, scenario

NOBODY = "setpriv --reuid=65534 --regid=65534 --clear-groups"


@scenario(nodes=1)
def run(c):
    a = c.a
    r = a.fails(f"{NOBODY} /opt/nbr/bin/drbdsetup new-minor 0 --resource r0")
    assert "Operation not permitted" in r.err, r.err
    a.run("test ! -e /sys/block/nb0")

    nbr.attach(a)
    for cmd in ("/dev/nb0 primary --force", "/dev/nb0 detach", "/dev/nb0 down",
                "del-minor 0", "/dev/nb0 disk /dev/vdc internal"):
        r = a.fails(f"{NOBODY} /opt/nbr/bin/drbdsetup {cmd}")
        assert "Operation not permitted" in r.err, (cmd, r.err)
    status = a.out(f"{NOBODY} /opt/nbr/bin/drbdsetup /dev/nb0 status --json")
    assert '"role":"Secondary"' in status and '"disk":"Inconsistent"' in status, status
    a.run("drbdsetup /dev/nb0 down")
    a.run("drbdsetup del-minor 0")
