"""A Secondary refuses every open (read-only too, so nothing mounts the
passive copy by mistake) with a clear error and a log line; a Primary opens;
becoming Secondary fails while the device is open and works once closed."""

from nbvm import nbr, scenario


@scenario(nodes=1)
def run(c):
    a = c.a
    nbr.attach(a)
    assert '"role":"Secondary"' in a.out("drbdsetup /dev/nb0 status --json")

    r = a.fails("dd if=/dev/nb0 of=/dev/null bs=4k count=1")
    assert "Wrong medium type" in r.err, r.err
    r = a.fails("dd if=/dev/zero of=/dev/nb0 bs=4k count=1 oflag=direct")
    assert "Wrong medium type" in r.err, r.err
    a.run("mkdir -p /mnt/x")
    a.fails("mount -t ext4 /dev/nb0 /mnt/x")
    assert "refusing open by dd" in a.out("dmesg")
    assert "device is Secondary" in a.out("dmesg")

    # Without data known to be good, promotion needs --force.
    r = a.fails("drbdsetup /dev/nb0 primary")
    assert "Need access to UpToDate data" in r.err, r.err
    a.run("drbdsetup /dev/nb0 primary --force")
    a.run("dd if=/dev/nb0 of=/dev/null bs=4k count=1 iflag=direct")

    # A reader keeps /dev/nb0 open (fd 3 of the sleep) until killed.
    holder = a.spawn("exec 3</dev/nb0; echo $$ > /tmp/holder.pid; exec sleep 600")
    a.wait_for("test -s /tmp/holder.pid", 30)
    r = a.fails("drbdsetup /dev/nb0 secondary")
    assert "nb0 is open (1 users); close it first" in r.err, r.err
    assert '"role":"Primary"' in a.out("drbdsetup /dev/nb0 status --json")
    a.run("kill $(cat /tmp/holder.pid)")
    holder.wait(check=False)
    a.run("drbdsetup /dev/nb0 secondary")
    a.fails("dd if=/dev/nb0 of=/dev/null bs=4k count=1")

    a.run("drbdsetup /dev/nb0 down")
    a.run("drbdsetup del-minor 0")
