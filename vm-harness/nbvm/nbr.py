"""What nbr scenarios repeat: metadata, a connected pair, state and data.

    from nbvm import nbr, scenario

    @scenario(nodes=2)
    def run(c):
        a, b = c.a, c.b
        nbr.up_pair(c)                     # create-md, attach, net, connect
        nbr.uptodate_primary(c, a)         # both blank: skip the full sync
        ...
        assert nbr.data_sum(a) == nbr.data_sum(b)

Everything here runs ordinary commands in the guests (drbdmeta, drbdsetup,
drbdadm, /proc/drbd, /sys/block), so a failing step shows up in
commands.log like any other. Timeouts are generous: the guests run under
TCG on a shared 2-core host, where a ping can take seconds.
"""

import json
import re

ADDR = {"alpha": "10.99.0.1", "bravo": "10.99.0.2", "charlie": "10.99.0.3"}
PORT = 7788
SECRET = "s3cr3t"

# Net options every pair gets unless a scenario overrides them (keyword
# arguments of net(); None drops one). DRBD's defaults (ping-timeout 0.5 s,
# timeout 6 s) make a busy TCG host drop a healthy pair.
NET_DEFAULTS = {
    "cram_hmac_alg": "sha256",
    "shared_secret": SECRET,
    "ping_timeout": 50,      # 0.1 s units: 5 s
    "connect_int": 2,        # s: reconnect quickly after a heal
}

# The drbd.conf the drbdadm-based scenarios start from; format() fields:
# disk_opts / net_opts (option lines, may be empty).
CONF = """\
global {{ usage-count no; }}
resource r0 {{
  device    /dev/nb0;
  disk      /dev/vdb;
  meta-disk internal;
  disk      {{ {disk_opts} }}
  net       {{ protocol C; cram-hmac-alg sha256; shared-secret "{secret}";
              ping-int 2; ping-timeout 50; connect-int 2; {net_opts} }}
  on alpha  {{ address 10.99.0.1:{port}; }}
  on bravo  {{ address 10.99.0.2:{port}; }}
}}
"""


def conf(disk_opts="", net_opts=""):
    """drbd.conf text for r0 on alpha/bravo with the harness defaults."""
    return CONF.format(disk_opts=disk_opts, net_opts=net_opts, secret=SECRET, port=PORT)


def put_conf(c, text=None, nodes=None):
    """Write /etc/drbd.conf on the nodes (default: all)."""
    for n in nodes or c.nodes:
        n.put("/etc/drbd.conf", text if text is not None else conf())


# -- metadata ------------------------------------------------------------------

def create_md(node, disk="/dev/vdb", force=True, extra=""):
    """Write fresh nbr metadata at the end of `disk` (drbdmeta create-md)."""
    node.run(f"drbdmeta {disk} create-md{' --force' if force else ''}{' ' + extra if extra else ''}")


def dump_md(node, disk="/dev/vdb"):
    """drbdmeta dump-md as a dict of its rows ('data-size' -> '... sectors ...')."""
    rows = {}
    for line in node.out(f"drbdmeta {disk} dump-md").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        key, _, value = line.partition(" ")
        rows[key] = value.strip()
    return rows


def md_data_sectors(node, disk="/dev/vdb"):
    """Size of the data area of `disk` in 512-byte sectors, from its metadata."""
    row = dump_md(node, disk)["data-size"]
    return int(re.match(r"(\d+) sectors", row).group(1))


def md_oos_kib(node, disk="/dev/vdb"):
    """Out-of-sync KiB recorded in the on-disk bitmap (device must be down)."""
    return int(re.match(r"\d+ bits \((\d+) KiB\)", dump_md(node, disk)["out-of-sync"]).group(1))


# -- low-level setup (drbdsetup) --------------------------------------------------

def stallable_disk(node, name="slow", disk="/dev/vdb"):
    """A dm-linear device over `disk`, returned by path: `dmsetup suspend
    --nolockfs NAME` makes its I/O hang, `dmsetup resume NAME` lets it go on.
    Remove it with `dmsetup remove NAME` after detaching."""
    sectors = int(node.out(f"blockdev --getsz {disk}"))
    # No udev in the guests: make the device node ourselves.
    node.run(f"dmsetup create {name} --table '0 {sectors} linear {disk} 0' && "
             f"dmsetup mknodes {name}")
    return f"/dev/mapper/{name}"


def attach(node, minor=0, disk="/dev/vdb", md=True, opts=""):
    """new-minor, metadata (unless md=False: keep what is there), disk."""
    node.run(f"drbdsetup new-minor {minor} --resource r{minor}")
    if md:
        create_md(node, disk)
    node.run(f"drbdsetup /dev/nb{minor} disk {disk} internal{' ' + opts if opts else ''}")


def net_args(node, peer, proto="C", addr=None, af="ipv4", **opts):
    """The arguments of `drbdsetup DEV net` between node and peer (addr:
    node name -> address, default ADDR; af "ipv6" for IPv6 addresses)."""
    addr = addr or ADDR
    merged = dict(NET_DEFAULTS)
    merged.update(opts)
    host = (lambda n: f"[{addr[n]}]") if af == "ipv6" else (lambda n: addr[n])
    words = [f"{af}:{host(node.name)}:{PORT}", f"{af}:{host(peer.name)}:{PORT}", proto,
             f"--peer-name={peer.name}"]
    for key, value in merged.items():
        if value is None or value is False:
            continue
        flag = "--" + key.replace("_", "-")
        words.append(flag if value is True else f"{flag}={value}")
    return " ".join(words)


def net(node, peer, proto="C", minor=0, **opts):
    """drbdsetup net from node to peer; keyword options override NET_DEFAULTS
    (ping_timeout=30, data_integrity_alg="crc32c", discard_my_data=True;
    addr=/af= as for net_args)."""
    node.run(f"drbdsetup /dev/nb{minor} net {net_args(node, peer, proto, **opts)}")


def up_pair(c, proto="C", nodes=None, wait=True, md=True, **opts):
    """Attach /dev/vdb with fresh metadata on both nodes, connect them, and
    (wait=True) wait until both are Connected. Returns (a, b)."""
    a, b = nodes or (c.a, c.b)
    for n in (a, b):
        attach(n, md=md)
    net(a, b, proto, **opts)
    net(b, a, proto, **opts)
    if wait:
        wait_connected(c, a, b)
    return a, b


def has_verb(node, verb):
    """True when this build's drbdsetup knows `verb` (interfaces arrive over
    time; scenarios must not guess)."""
    return node.ok(f"drbdsetup {verb} --help >/dev/null 2>&1")


def uptodate_primary(c, primary, peer=None):
    """Make `primary` Primary with both (blank, identical) disks UpToDate
    without a full sync: `new-current-uuid --clear-bitmap` while connected,
    then `primary`. Builds without that verb (no resync yet): each node
    declares its own disk good with `primary --force`, in turn."""
    peer = peer or (c.b if primary is c.a else c.a)
    if has_verb(primary, "new-current-uuid"):
        primary.run("drbdsetup /dev/nb0 new-current-uuid --clear-bitmap")
        c.wait_until(lambda: dstate(primary) == "UpToDate/UpToDate", 60,
                     "both disks UpToDate after new-current-uuid --clear-bitmap")
        primary.run("drbdsetup /dev/nb0 primary")
    else:
        peer.run("drbdsetup /dev/nb0 primary --force && drbdsetup /dev/nb0 secondary")
        primary.run("drbdsetup /dev/nb0 primary --force")


def teardown(node, minor=0, rmmod=True):
    """secondary (if it can), down, del-minor, rmmod."""
    node.run(f"drbdsetup /dev/nb{minor} secondary", check=False)
    node.run(f"drbdsetup /dev/nb{minor} down")
    node.run(f"drbdsetup del-minor {minor}")
    if rmmod:
        node.run("rmmod nbr")


def teardown_over_dm(nodes, dm_node, dm_name):
    """teardown() of every node, with the dm device `dm_name` on `dm_node`
    (the backing disk there) removed before the module goes."""
    for n in nodes:
        teardown(n, rmmod=False)
    dm_node.run(f"dmsetup remove {dm_name}")
    for n in nodes:
        n.run("rmmod nbr")


# -- state -----------------------------------------------------------------------

def proc(node):
    return node.out("cat /proc/drbd")


_PROGRESS = re.compile(r"\[([=>.]{20})\] (sync'ed|verified): +([\d.]+)% \((\d+)/(\d+)\)([KM])")
_FINISH = re.compile(r"finish: (\d+):(\d\d):(\d\d) speed: ([\d,]+) \(([\d,]+)\)")


def proc_fields(node, minor=0, text=None):
    """One minor's block of /proc/drbd as a dict: cs, ro, ds, proto, the
    counters (ints) and, while syncing, the progress: bar, kind
    ("sync'ed"/"verified"), percent, left_kib, total_kib, finish_s, speed,
    avg_speed. Missing minor: {}."""
    text = text if text is not None else proc(node)
    lines = text.splitlines()
    head = re.compile(rf"^ ?{minor}: cs:(\w+)")
    for i, line in enumerate(lines):
        m = head.match(line)
        if not m:
            continue
        block = [line]
        for more in lines[i + 1:]:
            if re.match(r"^ ?\d+: cs:", more):
                break
            block.append(more)
        out = {"cs": m.group(1)}
        m = re.search(r"ro:(\S+) ds:(\S+)(?: ([ABC]))?", line)
        if m:
            out.update(ro=m.group(1), ds=m.group(2), proto=m.group(3))
        body = "\n".join(block[1:])
        out.update({k: int(v) for k, v in re.findall(r"\b([a-z]{2,3}):(\d+)\b", body)})
        m = _PROGRESS.search(body)
        if m:
            unit = 1024 if m.group(6) == "M" else 1
            out.update(bar=m.group(1), kind=m.group(2), percent=float(m.group(3)),
                       left_kib=int(m.group(4)) * unit, total_kib=int(m.group(5)) * unit)
        m = _FINISH.search(body)
        if m:
            h, mi, s = (int(x) for x in m.group(1, 2, 3))
            out.update(finish_s=h * 3600 + mi * 60 + s,
                       speed=int(m.group(4).replace(",", "")),
                       avg_speed=int(m.group(5).replace(",", "")))
        return out
    return {}


def cstate(node, minor=0):
    """Connection state from /proc/drbd (None when the minor is missing)."""
    return proc_fields(node, minor).get("cs")


def dstate(node, minor=0):
    """'local/peer' disk states from /proc/drbd, e.g. 'UpToDate/Inconsistent'."""
    return proc_fields(node, minor).get("ds")


def role(node, minor=0):
    return proc_fields(node, minor).get("ro")


def status(node, minor=0):
    """`drbdsetup /dev/nbN status --json`, parsed."""
    return json.loads(node.out(f"drbdsetup /dev/nb{minor} status --json"))


# Names of the resync counters in status --json "stats" (NBR_S_RESYNC_*).
RESYNC_SENT_NAMES = ("rs_sent", "resync_sent", "resync_sent_kib", "rs")
RESYNC_RECV_NAMES = ("rs_recv", "resync_recv", "resync_recv_kib", "rr")


def stat(node, names, minor=0):
    """A counter from status --json; `names` is one name or the spellings to
    try. Fails naming the counters the build does report."""
    stats = status(node, minor).get("stats", {})
    for name in (names,) if isinstance(names, str) else names:
        if name in stats:
            return int(stats[name])
    raise AssertionError(f"{node.name}: status --json has none of {names}; stats: {stats}")


def resync_sent_kib(node, minor=0):
    return stat(node, RESYNC_SENT_NAMES, minor)


def resync_recv_kib(node, minor=0):
    return stat(node, RESYNC_RECV_NAMES, minor)


def oos_kib(node, minor=0):
    return proc_fields(node, minor)["oos"]


def wait_cstate(c, nodes, states, timeout=60, what=None, minor=0):
    """Wait until every node's connection state is one of `states`."""
    states = (states,) if isinstance(states, str) else tuple(states)
    c.wait_until(lambda: all(cstate(n, minor) in states for n in nodes), timeout,
                 what or f"{', '.join(n.name for n in nodes)} in {'/'.join(states)}")


def wait_connected(c, a, b, timeout=90, what="the pair connects"):
    wait_cstate(c, (a, b), "Connected", timeout, what)


def wait_synced(c, a, b, timeout=300, what="the resync to finish"):
    """Both Connected and UpToDate/UpToDate, nothing out of sync."""
    def done():
        fa, fb = proc_fields(a), proc_fields(b)
        return all(f.get("cs") == "Connected" and f.get("ds") == "UpToDate/UpToDate"
                   and f.get("oos") == 0 for f in (fa, fb))
    c.wait_until(done, timeout, what)


def disk_flushes(node, disk="vdb"):
    """Flush requests the disk completed (field 18 of /proc/diskstats)."""
    for line in node.out("cat /proc/diskstats").splitlines():
        f = line.split()
        if f[2] == disk:
            return int(f[18])
    raise AssertionError(f"{disk} not in /proc/diskstats")


def in_log(node, text):
    """True when the guest's kernel log has `text`."""
    return text in node.out("dmesg")


# -- data ------------------------------------------------------------------------

def data_sectors(node, minor=0):
    """Size of /dev/nbN in sectors (= the data area once attached)."""
    return int(node.out(f"cat /sys/block/nb{minor}/size"))


def data_sum(node, dev="/dev/vdb", sectors=None, minor=0):
    """sha256 of the data area of a backing disk: its first `sectors`
    (default: the size of /dev/nbN while attached, else from dump-md)."""
    if sectors is None:
        if node.ok(f"test -e /sys/block/nb{minor}/size") and data_sectors(node, minor) > 0:
            sectors = data_sectors(node, minor)
        else:
            sectors = md_data_sectors(node, dev)
    assert sectors % 8 == 0, sectors
    # 1 MiB reads: 4 KiB ones made this take 18 s instead of 4 under TCG.
    return node.out(f"dd if={dev} bs=1M count={sectors * 512} iflag=direct,count_bytes "
                    "status=none | sha256sum", timeout=300).split()[0]


def block_sum(node, dev, block, count=1):
    """sha256 of 4 KiB blocks [block, block+count) of dev (O_DIRECT)."""
    return node.out(f"dd if={dev} bs=4k skip={block} count={count} iflag=direct "
                    "status=none | sha256sum").split()[0]


# A writer of distinct 4 KiB blocks: `python3 /tmp/blocks.py DEV TAG N SEED
# [START COUNT]` writes N blocks chosen at random (seeded) among [START,
# START+COUNT) - default the whole device - with O_DIRECT, each holding TAG,
# its block number and random bytes, and prints the block numbers.
BLOCKS = r'''
import mmap, os, random, sys
dev, tag, n, seed = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3]), int(sys.argv[4])
fd = os.open(dev, os.O_WRONLY | os.O_DIRECT)
size = os.lseek(fd, 0, os.SEEK_END) // 4096
start = int(sys.argv[5]) if len(sys.argv) > 5 else 0
count = int(sys.argv[6]) if len(sys.argv) > 6 else size - start
rng = random.Random(seed)
blocks = sorted(rng.sample(range(start, start + count), n))
buf = mmap.mmap(-1, 4096)
for b in blocks:
    buf.seek(0)
    buf.write((tag + b":%d:" % b).ljust(64, b"-") + rng.randbytes(4096 - 64))
    if os.pwrite(fd, buf, b * 4096) != 4096:
        raise SystemExit("short write at block %d" % b)
os.fsync(fd)
print(" ".join(map(str, blocks)))
'''


def write_blocks(node, n, seed, tag="nbr", dev="/dev/nb0", start=None, count=None, timeout=300):
    """Write n distinct random 4 KiB blocks on dev; return their numbers."""
    node.put("/tmp/blocks.py", BLOCKS)
    rng = f" {start} {count}" if start is not None else ""
    out = node.out(f"python3 /tmp/blocks.py {dev} {tag} {n} {seed}{rng}", timeout=timeout)
    return [int(x) for x in out.split()]


# A writer that runs until /tmp/stop-writer exists (or `seconds` pass):
# random 4 KiB blocks in [START, START+COUNT) with O_DIRECT|O_DSYNC, each
# holding TAG and its block number; prints how many it wrote and in how
# many seconds.
LOOP_WRITER = r'''
import mmap, os, random, sys, time
dev, start, count, tag, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    sys.argv[4].encode(), float(sys.argv[5])
fd = os.open(dev, os.O_WRONLY | os.O_DIRECT | os.O_DSYNC)
buf = mmap.mmap(-1, 4096)
rng = random.Random()
t0 = time.monotonic()
end = t0 + seconds
n = 0
while time.monotonic() < end and not os.path.exists("/tmp/stop-writer"):
    b = rng.randrange(start, start + count)
    buf.seek(0)
    buf.write((tag + b":%d:%d:" % (b, n)).ljust(64, b"-") + os.urandom(4096 - 64))
    if os.pwrite(fd, buf, b * 4096) != 4096:
        raise SystemExit("short write at block %d" % b)
    n += 1
print(n, "%.3f" % (time.monotonic() - t0))
'''


def spawn_writer(node, start, count, tag="w", seconds=120, dev="/dev/nb0"):
    """Start LOOP_WRITER in the background; stop it with stop_writer()."""
    node.put("/tmp/loop_writer.py", LOOP_WRITER)
    node.run("rm -f /tmp/stop-writer")
    return node.spawn(f"python3 /tmp/loop_writer.py {dev} {start} {count} {tag} {seconds}",
                      timeout=seconds + 120)


def stop_writer(node, job, elapsed=False):
    """Stop a spawn_writer() job; return how many blocks it wrote (and,
    with elapsed=True, in how many seconds)."""
    node.run("touch /tmp/stop-writer")
    n, secs = job.wait(timeout=120).out.split()[-2:]
    return (int(n), float(secs)) if elapsed else int(n)


# -- drbdadm with a drbd.conf -------------------------------------------------------

def adm_up(c, disk_opts="", net_opts="", nodes=None, create_md=True):
    """drbd.conf on the nodes, `drbdadm create-md --force r0` (fresh
    metadata) and `drbdadm up r0`."""
    nodes = nodes or (c.a, c.b)
    c.nbr_conf = conf(disk_opts, net_opts)
    put_conf(c, c.nbr_conf, nodes)
    for n in nodes:
        if create_md:
            n.run("drbdadm create-md --force r0")
        n.run("drbdadm up r0")


def adm_synced_pair(c, disk_opts="", net_opts=""):
    """A connected pair from drbd.conf, both blank disks UpToDate without a
    sync (`new-current-uuid --clear-bitmap`), alpha Primary. Returns (a, b)."""
    a, b = c.a, c.b
    adm_up(c, disk_opts, net_opts)
    wait_connected(c, a, b)
    assert dstate(a) == "Inconsistent/Inconsistent", proc(a)
    a.run("drbdadm new-current-uuid --clear-bitmap r0")
    c.wait_until(lambda: dstate(a) == dstate(b) == "UpToDate/UpToDate", 60,
                 "both disks UpToDate without a sync")
    assert cstate(a) == "Connected" and oos_kib(a) == 0, proc(a)
    a.run("drbdadm primary r0")
    return a, b


def boot(c, node):
    """Power a node on again; the root file system is a fresh snapshot at
    every boot, so /etc/drbd.conf (from adm_up) is put back. The backing
    disks keep everything."""
    node.boot()
    if getattr(c, "nbr_conf", None):
        node.put("/etc/drbd.conf", c.nbr_conf)


def wait_gone(c, node, what=None, timeout=60):
    """Wait until node no longer sees a connected peer (ping-timeout)."""
    c.wait_until(lambda: cstate(node) not in ("Connected", "SyncSource", "SyncTarget",
                                               "PausedSyncS", "PausedSyncT", "VerifyS",
                                               "VerifyT"),
                 timeout, what or f"{node.name} notices the peer is gone")


def split_brain_logged(node):
    """The kernel log reports a split brain (any capitalisation/hyphen)."""
    return re.search(r"split[- ]brain", node.out("dmesg"), re.IGNORECASE) is not None
