"""A file system made and filled on alpha (protocol C) is clean on bravo
after a role switch: e2fsck -f finds nothing and every file's checksum
matches."""

from nbvm import nbr, scenario


@scenario(nodes=2)
def run(c):
    a, b = nbr.up_pair(c)
    nbr.uptodate_primary(c, a)

    a.run("mkfs.ext4 -q /dev/nb0 && mkdir -p /mnt/d && mount /dev/nb0 /mnt/d")
    a.run("for d in 1 2 3 4; do mkdir -p /mnt/d/dir$d; for f in 1 2 3 4 5 6 7 8; do "
          "head -c $((f * 37000)) /dev/urandom > /mnt/d/dir$d/f$f; done; done")
    a.run("mkdir /mnt/d/tree && cp -a /usr/share/doc /usr/lib/python3 /mnt/d/tree/", timeout=300)
    a.run("cd /mnt/d && find . -type f -print0 | sort -z | xargs -0 sha256sum > /tmp/sums")
    a.run("umount /mnt/d")
    a.run("drbdsetup /dev/nb0 secondary")

    b.run("drbdsetup /dev/nb0 primary")
    b.run("e2fsck -fn /dev/nb0")
    b.run("mkdir -p /mnt/d && mount -o ro /dev/nb0 /mnt/d")
    b.put("/tmp/sums", a.get("/tmp/sums"))
    b.run("cd /mnt/d && sha256sum --quiet -c /tmp/sums")
    b.run("umount /mnt/d")
    for n in (b, a):
        nbr.teardown(n)
