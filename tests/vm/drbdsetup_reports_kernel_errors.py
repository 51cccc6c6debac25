"""Bad requests get a readable reason from the kernel and a non-zero exit,
and change nothing; every state change is announced on the event stream;
'show' prints the running configuration."""

from nbvm import nbr, scenario


def refused(node, cmd, text):
    r = node.fails(cmd)
    assert r.rc == 10, (cmd, r.rc)
    assert text in r.err, (cmd, r.err)


@scenario(nodes=1, disks=("64M", "64M"))
def run(c):
    a = c.a
    events = a.spawn("drbdsetup events --json > /tmp/events & echo $! > /tmp/events.pid; wait")
    a.wait_for("test -s /tmp/events.pid", 30)
    # Subscribed and done listing the (no) existing devices.
    a.wait_for("grep -q exists-end /tmp/events", 30)

    refused(a, "drbdsetup /dev/nb3 status", "no device nb3 (create it with new-minor)")
    refused(a, "drbdsetup new-minor 40 --resource r0",
            "minor 40 is out of range: the module was loaded with minor_count=32")
    nbr.create_md(a, "/dev/vdb")
    nbr.create_md(a, "/dev/vdc")
    a.run("drbdsetup new-minor 0 --resource r0")
    refused(a, "drbdsetup new-minor 0 --resource r9", "minor 0 exists already (resource r0)")
    refused(a, "drbdsetup /dev/nb0 disk /dev/nosuch internal", "/dev/nosuch does not exist")
    refused(a, "drbdsetup /dev/nb0 disk /etc/passwd internal", "not a block device")
    refused(a, "drbdsetup /dev/nb0 detach", "nb0 has no disk attached")
    refused(a, "drbdsetup /dev/nb0 disk /dev/vdb internal --size=1G",
            "is larger than the data area of /dev/vdb")
    a.run("drbdsetup /dev/nb0 disk /dev/vdb internal --on-io-error=pass_on")
    refused(a, "drbdsetup /dev/nb0 disk /dev/vdc internal", "nb0 has a disk attached")
    a.run("drbdsetup new-minor 1 --resource r1")
    refused(a, "drbdsetup /dev/nb1 disk /dev/vdb internal", "/dev/vdb is in use")

    show = a.out("drbdsetup /dev/nb0 show")
    assert "resource r0 {" in show and "on-io-error pass_on;" in show, show
    assert 'disk "/dev/vdb";' in show and "device minor 0;" in show, show
    a.run("drbdsetup /dev/nb0 show > /tmp/show.conf")

    # Not connected (no network yet): wait-connect gives up with code 5.
    r = a.fails("drbdsetup /dev/nb0 wait-connect --timeout=1")
    assert r.rc == 5 and "not connected after 1 s" in r.err, (r.rc, r.err)

    a.run("drbdsetup /dev/nb0 primary --force")
    refused(a, "drbdsetup /dev/nb0 detach", "make it Secondary first")
    a.run("drbdsetup /dev/nb0 secondary")
    a.run("drbdsetup /dev/nb0 down")
    a.run("drbdsetup del-minor 0")
    a.run("drbdsetup del-minor 1")

    a.run("kill $(cat /tmp/events.pid)")
    events.wait(check=False)
    out = a.out("cat /tmp/events").splitlines()
    # The listing of existing devices ends with one "exists-end" line;
    # every line after it is a change.
    assert out[0] == '{"event":"exists-end"}', out
    lines = out[1:]
    reasons = [l.split('"reason":"')[1].rstrip('"}') for l in lines]
    assert reasons == ["attach", "attached", "primary --force", "secondary", "detach"], lines
    seqs = [int(l.split('"seq":')[1].split(",")[0]) for l in lines]
    assert seqs == [1, 2, 3, 4, 5], seqs
    assert '"role":"Primary"' in lines[2] and '"disk":"UpToDate"' in lines[2], lines[2]
