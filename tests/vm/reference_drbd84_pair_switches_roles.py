"""Reference mode: two nodes with the mainline DRBD 8.4 driver and Debian's
drbd-utils connect over the harness LAN, one becomes Primary, and a file
system written there is read back intact on the other after a role switch.
This checks the harness (and its oracles) against a known-good system."""

from nbvm import scenario

CONF = """\
global { usage-count no; }
resource r0 {
  protocol C;
  device    /dev/drbd0;
  disk      /dev/vdb;
  meta-disk internal;
  net  { cram-hmac-alg sha256; shared-secret "nbvm-reference"; }
  disk { c-max-rate 200M; }
  on alpha { address 10.99.0.1:7788; }
  on bravo { address 10.99.0.2:7788; }
}
"""


def state(node):
    return (node.out("drbdadm cstate r0"), node.out("drbdadm role r0"),
            node.out("drbdadm dstate r0"))


@scenario(nodes=2, mode="reference")
def run(c):
    a, b = c.a, c.b
    for n in (a, b):
        assert "version: 8.4" in n.out("cat /proc/drbd")
        n.put("/etc/drbd.conf", CONF)
        n.run("drbdadm create-md --force r0")
        n.run("drbdadm up r0")
    c.wait_until(lambda: a.out("drbdadm cstate r0") == "Connected", 120, "the pair to connect")

    a.run("drbdadm primary --force r0")
    c.wait_until(lambda: state(b) == ("Connected", "Secondary/Primary", "UpToDate/UpToDate"),
                 300, "the initial full sync")

    a.run("mkfs.ext4 -q /dev/drbd0 && mkdir -p /data && mount /dev/drbd0 /data")
    a.run("mkdir /data/tree && for i in $(seq 1 20); do "
          "dd if=/dev/urandom of=/data/tree/f$i bs=4k count=$i status=none; done")
    a.run("(cd /data/tree && md5sum f* > /root/sums) && umount /data")
    sums = a.get("/root/sums")
    a.run("drbdadm secondary r0")

    b.run("drbdadm primary r0")
    assert state(b) == ("Connected", "Primary/Secondary", "UpToDate/UpToDate")
    b.run("e2fsck -f -n /dev/drbd0")
    b.put("/root/sums", sums)
    b.run("mkdir -p /data && mount /dev/drbd0 /data && cd /data/tree && md5sum -c /root/sums")
    b.run("umount /data && drbdadm secondary r0")
    for n in (a, b):
        n.run("drbdadm down r0 && rmmod drbd")
