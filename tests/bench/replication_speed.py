#!/usr/bin/python3
"""make bench: replication speed next to its references, in one run.

Boots one VM pair (without the tests' slab debugging, which costs a lot
under TCG) and measures, on the same guests and the same disks:
the raw VM-to-VM TCP stream, the raw virtio disk, the 4 KiB network round
trip, the mainline DRBD 8.4 driver with protocol C, and nbr with
protocols A, B and C (sequential 1 MiB writes one at a time and 8 in
flight, 4 KiB O_DSYNC write latency); then, for DRBD 8.4 and nbr alike, the full initial
sync of a 256 MiB disk (c-max-rate raised to C_MAX_RATE), the quick resync of the same number of 4 KiB
blocks (1% and 10% of the 256 MiB disk) written while disconnected on a
256 MiB and on a 1 GiB disk, and a quick resync and a full sync under a
concurrent writer.
The raw references, the sequential and latency rows, the full sync and the
quick resyncs are the median of three runs, shown with their spread (TCG
guests on a shared host vary from run to run); the resyncs under a writer are
single runs. Prints a table of values and
ratios and writes it to
build/bench/replication.md. A row that cannot be measured says why; nothing
is estimated or carried over from another run.
"""

import argparse
import json
import re
import shlex
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "vm-harness"))
from nbvm import Cluster, CommandFailed, nbr  # noqa: E402

DISK = "/dev/vdb"
BIG_DISK = "/dev/vdc"      # 1 GiB, for resync time against device size
DISKS = ("256M", "1G")
DIRTY = (0.01, 0.10)       # of the 256 MiB disk's blocks, on both disks
CONCURRENT_DIRTY = 0.02    # resync under a writer
# A resync that gives way to a writer may crawl (DRBD 8.4 falls to c-min-rate):
# its rate is then measured over this long, on what it synced by then.
UNDER_WRITER_LIMIT_S = 90
SYNC_LIMIT_S = 420
PORT = 7788
SEQ_SIZE = "128M"   # sequential 1 MiB O_DIRECT writes
SEQ_DEPTH = 8       # ... also with this many in flight (libaio), as a database or dd
                    # with oflag=direct and several writers would have them
SYNC_IOS = 1000     # 4 KiB O_DSYNC writes for the latency percentiles
REPEAT = 3          # the stream, disk and device rows: median of this many runs
# The resync rate ceiling, for DRBD 8.4 and nbr alike. The default, 100M,
# is below this link's speed and would be what the full sync measures;
# DRBD's guide says to set it to the link's capacity on a dedicated link.
C_MAX_RATE = "4G"

CONF = """\
global {{ usage-count no; }}
resource r0 {{
  protocol {protocol};
  device    {device};
  disk      {disk};
  meta-disk internal;
  disk {{ c-max-rate {c_max_rate}; }}
  net {{ cram-hmac-alg sha256; shared-secret "bench"; }}
  on alpha {{ address 10.99.0.1:{port}; }}
  on bravo {{ address 10.99.0.2:{port}; }}
}}
"""


def fio(node, dev, bs, extra, depth=1):
    engine = "--ioengine=psync" if depth == 1 else f"--ioengine=libaio --iodepth={depth}"
    out = node.out(f"fio --name=bench --filename={dev} --rw=write --bs={bs} --direct=1 "
                   f"{engine} --output-format=json {extra}", timeout=900)
    return json.loads(out[out.index("{"):])["jobs"][0]["write"]


class Sample:
    """The median of repeated runs of one measurement, and their spread:
    TCG guests on a shared host vary by a third from run to run."""

    def __init__(self, fn=None, n=REPEAT, runs=None):
        self.runs = sorted(runs if runs is not None else (fn() for _ in range(n)))
        self.value = statistics.median(self.runs)

    def text(self, fmt, unit):
        spread = f"{fmt.format(self.runs[0])}-{fmt.format(self.runs[-1])}"
        return f"{fmt.format(self.value)} {unit} (median of {len(self.runs)}: {spread})"


def seq_mib_s(node, dev, depth=1):
    return fio(node, dev, "1M", f"--size={SEQ_SIZE}", depth)["bw_bytes"] / 2**20


def dsync_p50_ms(node, dev):
    w = fio(node, dev, "4k", f"--sync=dsync --number_ios={SYNC_IOS} --size=64M")
    return w["clat_ns"]["percentile"]["50.000000"] / 1e6


def tcp_stream_mib_s(a, b):
    b.run("iperf3 -s -1 -D -p 5201")
    time.sleep(1)
    out = a.out(f"iperf3 -c {b.ip} -p 5201 -t 8 -J", timeout=120)
    return json.loads(out)["end"]["sum_received"]["bits_per_second"] / 8 / 2**20


def rtt_4k_p50_ms(a, b):
    out = a.out(f"ping -c 30 -i 0.2 -s 4068 {b.ip}", timeout=120)
    return statistics.median(float(t) for t in re.findall(r"time=([\d.]+) ms", out))


class Pair:
    """Bring a replicated resource up on both nodes with one tool set."""

    def __init__(self, c, tools, device, module):
        self.c, self.tools, self.device, self.module = c, tools, device, module

    def up(self, protocol, disk=DISK):
        conf = CONF.format(protocol=protocol, device=self.device, disk=disk, port=PORT,
                           c_max_rate=C_MAX_RATE)
        for n in self.c.nodes:
            n.put("/etc/drbd.conf", conf)
            n.run(f"{self.tools}/drbdadm create-md --force r0")
            n.run(f"{self.tools}/drbdadm up r0")
        self.c.wait_until(lambda: self.c.a.out(f"{self.tools}/drbdadm cstate r0") == "Connected",
                          120, f"{self.module} to connect")

    def promote_without_sync(self):
        a = self.c.a
        if self.module == "drbd":
            # Both disks were just zeroed alike: skip the initial sync.
            a.run(f"{self.tools}/drbdadm -- --clear-bitmap new-current-uuid r0")
            a.run(f"{self.tools}/drbdadm primary r0")
        else:
            a.run(f"{self.tools}/drbdadm new-current-uuid --clear-bitmap r0")
            a.run(f"{self.tools}/drbdadm primary r0")

    def adm(self, args):
        return f"{self.tools}/drbdadm {args}"

    def sectors(self):
        return int(self.c.a.out(f"cat /sys/block/{Path(self.device).name}/size"))

    def down(self):
        for n in self.c.nodes:
            n.run(f"{self.tools}/drbdadm down r0", check=False)


def measure_replicated(c, rows, name, pair, protocols, refs):
    """Sequential and latency rows per protocol. The protocols take turns,
    REPEAT rounds of one run each, so that a slow phase of the host does
    not fall on one protocol only. Returns {protocol: {"seq", "seq_deep", "p50"}}."""
    kinds = ("seq", "seq_deep", "p50")
    runs = {p: {k: [] for k in kinds} for p in protocols}
    failed = {}
    for _ in range(REPEAT):
        for p in protocols:
            if p in failed:
                continue
            try:
                pair.up(p)
                pair.promote_without_sync()
                runs[p]["seq"].append(seq_mib_s(c.a, pair.device))
                runs[p]["seq_deep"].append(seq_mib_s(c.a, pair.device, SEQ_DEPTH))
                runs[p]["p50"].append(dsync_p50_ms(c.a, pair.device))
            except CommandFailed as e:
                reason = (e.result.err or e.result.out).strip().splitlines()
                failed[p] = reason[-1] if reason else str(e).splitlines()[0]
            finally:
                pair.down()
    results = {}
    local_plus_rtt = refs["disk_p50"] + refs["rtt"]
    for p in protocols:
        label = f"{name} protocol {p}"
        if p in failed:
            rows.append((label, "not measured", failed[p]))
            continue
        s = {k: Sample(runs=runs[p][k]) for k in kinds}
        drbd = refs.get("drbd_c")
        for k, what, fmt, unit, ref, ref_name in (
                ("seq", "seq 1 MiB O_DIRECT write", "{:.1f}", "MiB/s", refs["tcp"], "raw TCP"),
                ("seq_deep", f"seq 1 MiB O_DIRECT write, {SEQ_DEPTH} in flight", "{:.1f}",
                 "MiB/s", refs["tcp"], "raw TCP"),
                ("p50", "4 KiB O_DSYNC write p50", "{:.2f}", "ms", local_plus_rtt,
                 "(disk + RTT)")):
            ratio = f"{s[k].value / ref:.2f}x {ref_name}"
            if drbd:
                ratio += f", {s[k].value / drbd[k]:.2f}x DRBD 8.4"
            rows.append((f"{label}: {what}", s[k].text(fmt, unit), ratio))
        results[p] = {k: s[k].value for k in kinds}
    return results


def until_synced_s(node, cmd, limit=SYNC_LIMIT_S):
    """Run cmd in the guest, then poll /proc/drbd there every 10 ms until
    the pair is Connected, UpToDate/UpToDate and nothing is out of sync;
    return the seconds from the start of cmd (a 50 ms poll added 25 ms on
    average, a tenth of a quick resync's time). The loop uses bash builtins
    only: a guest has one emulated CPU, and a process started per poll
    would take it from the resync being measured."""
    script = f"""t0=${{EPOCHREALTIME/./}}; {cmd} || exit 2
exec 9<> <(:) || {{ echo "cannot set up the 10 ms wait" >&2; exit 4; }}
while :; do
  mapfile -t p < /proc/drbd
  case "${{p[*]}}" in *"cs:Connected "*"ds:UpToDate/UpToDate"*"oos:0"*) break;; esac
  if (( ${{EPOCHREALTIME/./}} - t0 >= {limit} * 1000000 )); then
    echo "not in sync after {limit} s:" "${{p[@]:2}}" >&2; exit 3
  fi
  read -t 0.01 -u 9
done
echo $(( (${{EPOCHREALTIME/./}} - t0) / 1000 ))"""
    return int(node.out(f"bash -c {shlex.quote(script)}", timeout=limit + 60)) / 1000.0


def failed(rows, label, e):
    reason = (e.result.err or e.result.out).strip().splitlines()
    rows.append((label, "not measured", reason[-1] if reason else str(e).splitlines()[0]))


def vs(value, ref, what, fmt="{:.2f}x"):
    return f"{fmt.format(value / ref)} {what}" if ref else None


def ratio_text(*parts):
    return ", ".join(p for p in parts if p)


def measure_resync(c, rows, name, pair, refs, key):
    """Full sync, quick resyncs at two device sizes, resync under a writer.
    refs[key] collects this module's results for the DRBD 8.4 ratios."""
    a = c.a
    mine = refs.setdefault(key, {})
    other = refs.get("drbd") if key != "drbd" else None

    label = f"{name}: full sync of a 256 MiB disk, c-max-rate {C_MAX_RATE}"
    try:
        pair.up("C")
        mib = pair.sectors() / 2048
        # The initial sync, then full syncs of the peer again.
        runs = [until_synced_s(a, pair.adm("primary --force r0"))]
        runs += [until_synced_s(a, pair.adm("invalidate-remote r0")) for _ in range(REPEAT - 1)]
        s = Sample(runs=[mib / t for t in runs])
        t = mib / s.value
        mine["full_s"], mine["full_rate"] = t, s.value
        rows.append((f"{label} ({mib:.0f} MiB data)", f"{s.text('{:.1f}', 'MiB/s')}, {t:.1f} s",
                     ratio_text(vs(mib / t, refs["tcp"], "raw TCP"),
                                other and other.get("full_rate") and
                                vs(mib / t, other["full_rate"], "DRBD 8.4"))))
    except CommandFailed as e:
        failed(rows, label, e)
    finally:
        pair.down()

    blocks256 = None
    for size, disk in zip(DISKS, (DISK, BIG_DISK)):
        try:
            pair.up("C", disk)
            pair.promote_without_sync()
            sectors = pair.sectors()
            blocks256 = blocks256 or sectors // 8
            for frac in DIRTY:
                n = int(blocks256 * frac)
                label = (f"{name}: quick resync, {n} dirty 4 KiB blocks "
                         f"({frac:.0%} of 256M) on the {size} disk")
                try:
                    runs = []
                    for rep in range(REPEAT):
                        a.run(pair.adm("disconnect r0"))
                        nbr.write_blocks(a, n, seed=int(frac * 1000) + rep, tag="bench",
                                         dev=pair.device, timeout=600)
                        runs.append(until_synced_s(a, pair.adm("connect r0")))
                except CommandFailed as e:
                    failed(rows, label, e)
                    break
                s = Sample(runs=runs)
                t = s.value
                mine[(size, frac)] = t
                ratios = []
                if size == DISKS[0]:
                    ratios.append(mine.get("full_s") and
                                  vs(t * 100, mine["full_s"], "of a full sync", "{:.0f}%"))
                else:
                    ratios.append(mine.get((DISKS[0], frac)) and
                                  vs(t, mine[(DISKS[0], frac)], f"the time on the {DISKS[0]} disk"))
                if other and other.get((size, frac)):
                    ratios.append(vs(t, other[(size, frac)], "DRBD 8.4's time"))
                rows.append((label, f"{s.text('{:.2f}', 's')}, {n * 4 / t / 1024:.1f} MiB/s",
                             ratio_text(*ratios)))
        except CommandFailed as e:
            failed(rows, f"{name}: quick resync on the {size} disk", e)
        finally:
            pair.down()

    for kind in ("quick", "full"):
        measure_under_writer(c, rows, name, pair, mine, other, kind)


def measure_under_writer(c, rows, name, pair, mine, other, kind):
    """A 4 KiB O_DSYNC writer on the Primary during a resync: the quick
    resync of CONCURRENT_DIRTY of the blocks (scattered), or a full sync
    (invalidate-remote). Its rate is compared with its rate alone."""
    a = c.a
    what = (f"quick resync of {CONCURRENT_DIRTY:.0%}" if kind == "quick"
            else "full sync")
    label = f"{name}: {what} under a concurrent 4 KiB O_DSYNC writer (256M disk)"
    key = f"under_writer_{kind}"
    try:
        pair.up("C")
        pair.promote_without_sync()
        blocks = pair.sectors() // 8
        job = nbr.spawn_writer(a, 0, blocks, tag="idle", seconds=8, dev=pair.device)
        n_idle, s_idle = job.wait(60).out.split()[-2:]
        idle = int(n_idle) * 4 / 1024 / float(s_idle)
        if kind == "quick":
            a.run(pair.adm("disconnect r0"))
            n = int(blocks * CONCURRENT_DIRTY)
            nbr.write_blocks(a, n, seed=77, tag="bench", dev=pair.device, timeout=600)
            start = pair.adm("connect r0")
        else:
            n = blocks
            start = pair.adm("invalidate-remote r0")
        job = nbr.spawn_writer(a, 0, blocks, tag="app", seconds=SYNC_LIMIT_S, dev=pair.device)
        try:
            t, done, left = until_synced_s(a, start, UNDER_WRITER_LIMIT_S), n, ""
        except CommandFailed as e:
            if e.result.rc != 3:        # 3: not in sync by the limit
                raise
            t, left = UNDER_WRITER_LIMIT_S, ", not finished"
            done = n - nbr.oos_kib(a) // 4
        n_app, s_app = nbr.stop_writer(a, job, elapsed=True)
        app = n_app * 4 / 1024 / s_app
        resync = done * 4 / 1024 / t
        rows.append((label, f"resync {resync:.1f} MiB/s ({done} of {n} blocks in {t:.1f} s{left}), "
                            f"writer {app:.2f} MiB/s",
                     ratio_text(vs(app, idle, "the writer's rate without resync"),
                                other and other.get(key) and
                                vs(resync, other[key], "DRBD 8.4's resync rate"))))
        mine[key] = resync
    except CommandFailed as e:
        failed(rows, label, e)
    finally:
        pair.down()


def table(rows):
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    lines = [f"| {'measurement':<{w0}} | {'value':<{w1}} | ratio |",
             f"|{'-' * (w0 + 2)}|{'-' * (w1 + 2)}|-------|"]
    lines += [f"| {a:<{w0}} | {b:<{w1}} | {r} |" for a, b, r in rows]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--skip-drbd", action="store_true",
                    help="measure nbr and the raw references only (no DRBD 8.4 rows)")
    args = ap.parse_args()
    rows = []
    refs = {}
    with Cluster("bench", nodes=2, mode="plain", disks=DISKS, build=args.build,
                 quiet=True, slab_debug=False) as c:
        a, b = c.a, c.b
        print("measuring the raw references ...", flush=True)
        tcp = Sample(lambda: tcp_stream_mib_s(a, b))
        rtt = Sample(lambda: rtt_4k_p50_ms(a, b))
        disk_seq = Sample(lambda: seq_mib_s(a, DISK))
        disk_seq_deep = Sample(lambda: seq_mib_s(a, DISK, SEQ_DEPTH))
        disk_p50 = Sample(lambda: dsync_p50_ms(a, DISK))
        refs.update(tcp=tcp.value, rtt=rtt.value, disk_seq=disk_seq.value,
                    disk_p50=disk_p50.value)
        rows += [("raw TCP stream alpha -> bravo", tcp.text("{:.1f}", "MiB/s"), ""),
                 ("4 KiB network round trip p50", rtt.text("{:.2f}", "ms"), ""),
                 ("raw disk: seq 1 MiB O_DIRECT write", disk_seq.text("{:.1f}", "MiB/s"), ""),
                 (f"raw disk: seq 1 MiB O_DIRECT write, {SEQ_DEPTH} in flight",
                  disk_seq_deep.text("{:.1f}", "MiB/s"), ""),
                 ("raw disk: 4 KiB O_DSYNC write p50", disk_p50.text("{:.2f}", "ms"), "")]

        if not args.skip_drbd:
            print("measuring mainline DRBD 8.4, protocol C ...", flush=True)
            for n in c.nodes:
                n.run("modprobe drbd")
            drbd_pair = Pair(c, "/usr/sbin", "/dev/drbd0", "drbd")
            drbd = measure_replicated(c, rows, "DRBD 8.4", drbd_pair, "C", refs)
            if "C" in drbd:
                refs["drbd_c"] = drbd["C"]
            print("measuring DRBD 8.4 full sync and resync ...", flush=True)
            measure_resync(c, rows, "DRBD 8.4", drbd_pair, refs, "drbd")
            for n in c.nodes:
                n.run("rmmod drbd")

        for n in c.nodes:
            n.run("dd if=/dev/zero of=/dev/vdb bs=1M count=16 oflag=direct status=none")
        loaded = all(n.ok("modprobe nbr") for n in c.nodes)
        print("measuring nbr protocols C, B and A ...", flush=True)
        if loaded:
            measure_replicated(c, rows, "nbr", Pair(c, "/opt/nbr/bin", "/dev/nb0", "nbr"),
                               "CBA", refs)
        else:
            rows.append(("nbr protocols C, B, A", "not measured",
                         "nbr.ko does not load in this build"))
        print("measuring nbr full sync and resync ...", flush=True)
        if loaded:
            measure_resync(c, rows, "nbr", Pair(c, "/opt/nbr/bin", "/dev/nb0", "nbr"), refs,
                           "nbr")
        else:
            rows.append(("nbr: full sync and resync", "not measured",
                         "nbr.ko does not load in this build"))

    text = table(rows)
    out = Path(args.build) / "bench" / "replication.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f"Measured {time.strftime('%Y-%m-%d %H:%M')} in two TCG guests, one run.\n\n"
                   f"{text}\n")
    print()
    print(text)
    print(f"\n(written to {out})")


if __name__ == "__main__":
    main()
