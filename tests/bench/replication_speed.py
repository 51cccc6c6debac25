#!/usr/bin/python3
"""make bench: replication speed next to its references, in one run.

Boots one VM pair and measures, on the same guests and the same disks:
the raw VM-to-VM TCP stream, the raw virtio disk, the 4 KiB network round
trip, the mainline DRBD 8.4 driver with protocol C, and nbr with
protocols A, B and C. Prints a table of values and ratios and writes it to
build/bench/replication.md. A row that cannot be measured says why; nothing
is estimated or carried over from another run.
"""

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "vm-harness"))
from nbvm import Cluster, CommandFailed  # noqa: E402

DISK = "/dev/vdb"
PORT = 7788
SEQ_SIZE = "128M"   # sequential 1 MiB O_DIRECT writes
SYNC_IOS = 1000     # 4 KiB O_DSYNC writes for the latency percentiles

CONF = """\
global {{ usage-count no; }}
resource r0 {{
  protocol {protocol};
  device    {device};
  disk      {disk};
  meta-disk internal;
  net {{ cram-hmac-alg sha256; shared-secret "bench"; }}
  on alpha {{ address 10.99.0.1:{port}; }}
  on bravo {{ address 10.99.0.2:{port}; }}
}}
"""


def fio(node, dev, bs, extra):
    out = node.out(f"fio --name=bench --filename={dev} --rw=write --bs={bs} --direct=1 "
                   f"--ioengine=psync --output-format=json {extra}", timeout=900)
    return json.loads(out[out.index("{"):])["jobs"][0]["write"]


def seq_mib_s(node, dev):
    return fio(node, dev, "1M", f"--size={SEQ_SIZE}")["bw_bytes"] / 2**20


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

    def up(self, protocol):
        conf = CONF.format(protocol=protocol, device=self.device, disk=DISK, port=PORT)
        for n in self.c.nodes:
            n.put("/etc/drbd.conf", conf)
            if self.module == "drbd":
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
            a.run(f"{self.tools}/drbdadm primary --force r0")

    def down(self):
        for n in self.c.nodes:
            n.run(f"{self.tools}/drbdadm down r0", check=False)


def measure_replicated(c, rows, label, pair, protocol, refs):
    try:
        pair.up(protocol)
        pair.promote_without_sync()
        seq = seq_mib_s(c.a, pair.device)
        lat = dsync_p50_ms(c.a, pair.device)
    except CommandFailed as e:
        reason = (e.result.err or e.result.out).strip().splitlines()
        rows.append((label, "not measured", reason[-1] if reason else str(e).splitlines()[0]))
        return None
    finally:
        pair.down()
    local_plus_rtt = refs["disk_p50"] + refs["rtt"]
    ratio_seq = f"{seq / refs['tcp']:.2f}x raw TCP"
    ratio_lat = f"{lat / local_plus_rtt:.2f}x (disk + RTT)"
    if "drbd_seq" in refs:
        ratio_seq += f", {seq / refs['drbd_seq']:.2f}x DRBD 8.4"
        ratio_lat += f", {lat / refs['drbd_p50']:.2f}x DRBD 8.4"
    rows.append((f"{label}: seq 1 MiB O_DIRECT write", f"{seq:.1f} MiB/s", ratio_seq))
    rows.append((f"{label}: 4 KiB O_DSYNC write p50", f"{lat:.2f} ms", ratio_lat))
    return seq, lat


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
    args = ap.parse_args()
    rows = []
    refs = {}
    with Cluster("bench", nodes=2, mode="plain", disks=("256M",), build=args.build,
                 quiet=True) as c:
        a, b = c.a, c.b
        print("measuring the raw references ...", flush=True)
        refs["tcp"] = tcp_stream_mib_s(a, b)
        refs["rtt"] = rtt_4k_p50_ms(a, b)
        refs["disk_seq"] = seq_mib_s(a, DISK)
        refs["disk_p50"] = dsync_p50_ms(a, DISK)
        rows += [("raw TCP stream alpha -> bravo", f"{refs['tcp']:.1f} MiB/s", ""),
                 ("4 KiB network round trip p50", f"{refs['rtt']:.2f} ms", ""),
                 ("raw disk: seq 1 MiB O_DIRECT write", f"{refs['disk_seq']:.1f} MiB/s", ""),
                 ("raw disk: 4 KiB O_DSYNC write p50", f"{refs['disk_p50']:.2f} ms", "")]

        print("measuring mainline DRBD 8.4, protocol C ...", flush=True)
        for n in c.nodes:
            n.run("modprobe drbd")
        drbd = measure_replicated(c, rows, "DRBD 8.4 protocol C",
                                  Pair(c, "/usr/sbin", "/dev/drbd0", "drbd"), "C", refs)
        for n in c.nodes:
            n.run("rmmod drbd")
        if drbd:
            refs["drbd_seq"], refs["drbd_p50"] = drbd

        for n in c.nodes:
            n.run("dd if=/dev/zero of=/dev/vdb bs=1M count=16 oflag=direct status=none")
        loaded = all(n.ok("modprobe nbr") for n in c.nodes)
        for protocol in "CBA":
            label = f"nbr protocol {protocol}"
            print(f"measuring {label} ...", flush=True)
            if not loaded:
                rows.append((label, "not measured", "nbr.ko does not load in this build"))
                continue
            measure_replicated(c, rows, label, Pair(c, "/opt/nbr/bin", "/dev/nb0", "nbr"),
                               protocol, refs)

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
