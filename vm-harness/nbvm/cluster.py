"""A set of guests on one LAN, with the helpers scenarios are written in.

Node names and addresses are fixed so that configurations in tests read like
real ones: alpha 10.99.0.1, bravo 10.99.0.2, charlie 10.99.0.3; each node's
data disks appear in the guest as /dev/vdb, /dev/vdc, ...
"""

import shlex
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import lan as lanmod
from . import logscan, paths
from .vm import VM, CommandFailed, Result, probe_accel

NAMES = ["alpha", "bravo", "charlie"]

_SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# For each mode: the guest PATH (whose drbdadm/drbdsetup a scenario gets)
# and the module loaded after every boot.
MODES = {
    # this project's tools and module
    "nbr": ("/opt/nbr/bin:" + _SYSTEM_PATH, "nbr"),
    # mainline DRBD 8.4 (drbd.ko of the guest kernel) with Debian's drbd-utils
    "reference": (_SYSTEM_PATH, "drbd"),
    # nothing loaded: harness self-tests
    "plain": (_SYSTEM_PATH, None),
}


@dataclass
class NodeSpec:
    name: str
    ip: str
    mac: str
    tap: str
    workdir: Path
    memory: int
    slab_debug: bool = True
    disks: list = field(default_factory=list)
    peers: list = field(default_factory=list)


def _size_bytes(size):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(size[:-1]) * units[size[-1].upper()] if size[-1].upper() in units else int(size)


class Node:
    """A guest as scenarios see it: run commands, move files, inject faults."""

    def __init__(self, cluster, vm, ip):
        self.cluster = cluster
        self.vm = vm
        self.name = vm.name
        self.ip = ip

    def __repr__(self):
        return f"<Node {self.name} {self.ip}>"

    # -- commands ------------------------------------------------------------

    def run(self, cmd, timeout=120, check=True, stdin=None):
        """Run `cmd` with /bin/sh in the guest; return a Result.

        With check=True (the default) a non-zero exit or a timeout raises
        CommandFailed carrying the output. NodeDown when the guest is off.
        """
        self.cluster.log(f"{self.name}$ {cmd}")
        data = stdin.encode() if isinstance(stdin, str) else stdin
        res = self.vm.run(cmd, timeout, stdin=data, env={"PATH": self.cluster.path})
        self.cluster.log_result(res)
        if check and not res.ok:
            raise CommandFailed(self.name, cmd, res)
        return res

    def out(self, cmd, timeout=120):
        """stdout of a command that must succeed, stripped."""
        return self.run(cmd, timeout).out.strip()

    def ok(self, cmd, timeout=120):
        """True when the command exits 0 (for conditions)."""
        return self.run(cmd, timeout, check=False).ok

    def fails(self, cmd, timeout=120):
        """Run a command that must fail; return its Result."""
        res = self.run(cmd, timeout, check=False)
        if res.ok:
            raise AssertionError(f"{self.name}$ {cmd}\n  succeeded but was expected to fail\n"
                                 f"  stdout: {res.out.strip()[-1000:]}")
        return res

    def spawn(self, cmd, timeout=600):
        """Start `cmd` in the background; returns a Job to wait() on."""
        return Job(self, cmd, timeout)

    def wait_for(self, cmd, timeout=60, what=None):
        """Wait until `cmd` succeeds in the guest."""
        self.cluster.wait_until(lambda: self.ok(cmd, timeout=30), timeout,
                                what or f"{self.name}$ {cmd}")

    def put(self, path, data, mode=0o644):
        self.cluster.log(f"{self.name}: put {path}")
        self.vm.put(path, data.encode() if isinstance(data, str) else data, mode)

    def get(self, path):
        self.cluster.log(f"{self.name}: get {path}")
        return self.vm.get(path)

    # -- faults --------------------------------------------------------------

    @property
    def alive(self):
        return self.vm.running

    def poweroff(self):
        """Pull the plug: QEMU quits, nothing in the guest runs afterwards."""
        self.cluster.log(f"{self.name}: POWER OFF")
        self.vm.poweroff()

    def boot(self):
        """Power on again after poweroff(), same disks; waits for the agent."""
        self.cluster.log(f"{self.name}: power on")
        self.vm.start()
        self.vm.wait_booted()
        self.cluster._after_boot(self)

    def reset(self):
        self.cluster.log(f"{self.name}: RESET")
        self.vm.reset()
        self.cluster._after_boot(self)

    def pause(self):
        self.cluster.log(f"{self.name}: pause (frozen)")
        self.vm.pause()

    def resume(self):
        self.cluster.log(f"{self.name}: resume")
        self.vm.resume()

    def unplug(self):
        """Network cable out: the guest sees carrier loss."""
        self.cluster.log(f"{self.name}: cable unplugged")
        self.vm.set_link(False)

    def plug(self):
        self.cluster.log(f"{self.name}: cable plugged")
        self.vm.set_link(True)

    def netem(self, spec):
        """Impair this node's outgoing traffic, e.g. netem('delay 20ms loss 1%');
        netem(None) removes it."""
        if spec is None:
            self.run("tc qdisc del dev eth0 root 2>/dev/null || true")
        else:
            self.run(f"tc qdisc replace dev eth0 root netem {spec}")


class Job:
    """A command running in the background on a node."""

    def __init__(self, node, cmd, timeout):
        self.node, self.cmd = node, cmd
        self.result = None
        self.error = None
        node.cluster.log(f"{node.name}$ {cmd} &")

        def body():
            try:
                self.result = node.vm.run(cmd, timeout, env={"PATH": node.cluster.path})
            except Exception as e:  # handed to wait()
                self.error = e
        self._thread = threading.Thread(target=body, daemon=True)
        self._thread.start()

    def done(self):
        return not self._thread.is_alive()

    def wait(self, timeout=600, check=True):
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"{self.node.name}$ {self.cmd} still running after {timeout}s")
        if self.error is not None:
            raise self.error
        self.node.cluster.log(f"{self.node.name}: background job finished: {self.cmd}")
        self.node.cluster.log_result(self.result)
        if check and not self.result.ok:
            raise CommandFailed(self.node.name, self.cmd, self.result)
        return self.result


class Cluster:
    """Boots `nodes` guests on one LAN; use as a context manager.

    mode: a key of MODES; load_module=False leaves loading to the caller.
    slab_debug=False boots without slab poisoning and red zones: for
    benchmarks, which measure the configuration users run.
    """

    def __init__(self, name, nodes=2, mode="nbr", disks=("64M",), memory=1024,
                 build=None, quiet=False, load_module=True, slab_debug=True):
        if not 1 <= nodes <= len(NAMES):
            raise ValueError(f"nodes must be 1..{len(NAMES)}")
        self.name = name
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        self.mode = mode
        self.path, self.module = MODES[mode]
        if not load_module:
            self.module = None
        self.build = Path(build or paths.SOURCE / "build").resolve()
        self.workdir = self.build / "vm" / "runs" / name
        self.quiet = quiet
        self.t0 = time.monotonic()
        self.lan = lanmod.Lan()
        self.nodes = []
        self._n = nodes
        self._disks = disks
        self._memory = memory
        self._slab_debug = slab_debug
        self._sockdir = None
        self._log = None

    # -- logging ---------------------------------------------------------------

    def log(self, msg):
        self._emit(f"[{time.monotonic() - self.t0:6.1f}s] {msg}")

    def log_result(self, res):
        self._emit("    -> " + ("timed out" if res.timed_out else f"rc={res.rc}"))
        for label, text in (("out", res.out), ("err", res.err)):
            text = text.rstrip()
            if len(text) > 1500:
                text = text[:700] + "\n...\n" + text[-700:]
            for line in text.splitlines():
                self._emit(f"    {label}| {line}")

    def _emit(self, line):
        if self._log:
            self._log.write(line + "\n")
            self._log.flush()
        if not self.quiet:
            print(line, flush=True)

    # -- lifecycle -------------------------------------------------------------

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        images = read_images(self.build)
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.workdir.mkdir(parents=True)
        self._log = open(self.workdir / "commands.log", "w")
        self._sockdir = tempfile.mkdtemp(prefix="nbvm-")
        accel = probe_accel(images, self.build / "vm-cache")
        specs = []
        for i in range(self._n):
            name = NAMES[i]
            spec = NodeSpec(name=name, ip=f"{lanmod.SUBNET}.{i + 1}", mac=f"52:54:00:99:00:{i + 1:02x}",
                            tap=f"tap-{name}", workdir=self.workdir, memory=self._memory,
                            slab_debug=self._slab_debug)
            for d, size in enumerate(self._disks):
                path = self.workdir / f"{name}-vd{chr(ord('b') + d)}.img"
                with open(path, "wb") as f:
                    f.truncate(_size_bytes(size))
                spec.disks.append(path)
            specs.append(spec)
        for spec in specs:
            spec.peers = [(s.name, s.ip) for s in specs]
        self.lan.create([s.tap for s in specs])
        self.log(f"LAN {self.lan.ns}: {', '.join(f'{s.name} {s.ip}' for s in specs)}; accel {accel}")
        vms = [VM(s, images, self.lan, self._sockdir, accel) for s in specs]
        self.nodes = [Node(self, vm, s.ip) for vm, s in zip(vms, specs)]
        for vm in vms:
            vm.start()
            self.log(f"{vm.name}: QEMU pid {vm.proc.pid}")
        for node in self.nodes:
            node.vm.wait_booted()
            self._after_boot(node)
        self.log(f"{len(self.nodes)} node(s) up")

    def _after_boot(self, node):
        up = node.run("cut -d' ' -f1 /proc/uptime").out.strip()
        self.log(f"{node.name}: booted (guest uptime {up}s)")
        if self.module:
            node.run(f"modprobe {self.module}")

    def stop(self):
        """Always safe to call: collects logs, stops every guest by PID,
        removes the namespace."""
        for node in self.nodes:
            if node.alive:
                try:
                    dmesg = node.vm.run("dmesg", 30).out
                    (self.workdir / f"{node.name}.dmesg").write_text(dmesg)
                except Exception as e:  # best effort: the console log remains
                    self.log(f"{node.name}: could not collect dmesg: {e}")
        for node in self.nodes:
            node.vm.kill()
        self.lan.destroy()
        if self._sockdir:
            shutil.rmtree(self._sockdir, ignore_errors=True)
        if self._log:
            self.log(f"stopped; logs in {self.workdir}")
            self._log.close()
            self._log = None

    def leftovers(self):
        """What teardown failed to remove (for the harness's own checks)."""
        left = [f"QEMU pid {n.vm.proc.pid} ({n.name})" for n in self.nodes
                if n.vm.proc is not None and n.vm.proc.poll() is None]
        if self.lan.exists():
            left.append(f"network namespace {self.lan.ns}")
        return left

    def kernel_reports(self):
        """Bad kernel messages in any node's console or dmesg."""
        found = []
        for path in sorted(self.workdir.glob("*.console")) + sorted(self.workdir.glob("*.dmesg")):
            for n, meaning, line in logscan.scan(path.read_text(errors="replace")):
                found.append(f"{path.name}:{n}: {meaning}: {line}")
        return found

    def console_tails(self, lines=40):
        out = []
        for path in sorted(self.workdir.glob("*.console")):
            tail = path.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"----- last {len(tail)} lines of {path} -----")
            out.extend(tail)
        return "\n".join(out)

    # -- helpers for scenarios ---------------------------------------------------

    @property
    def a(self):
        return self.nodes[0]

    @property
    def b(self):
        return self.nodes[1]

    @property
    def c(self):
        return self.nodes[2]

    def wait_until(self, predicate, timeout, what):
        """Poll `predicate` until it is true; fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            if predicate():
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            time.sleep(0.5)

    def cut(self, x, y):
        """Silent partition between two nodes: packets dropped both ways,
        no carrier change, no reset (so timeouts must detect it)."""
        self.log(f"cut {x.name} <-> {y.name}")
        for me, other in ((x, y), (y, x)):
            me.run("nft add table inet nbvm; "
                   "nft 'add chain inet nbvm in { type filter hook input priority 0; }'; "
                   "nft 'add chain inet nbvm out { type filter hook output priority 0; }'; "
                   f"nft add rule inet nbvm in ip saddr {other.ip} drop; "
                   f"nft add rule inet nbvm out ip daddr {other.ip} drop")

    def heal(self, x, y):
        """Undo every cut() involving these nodes."""
        self.log(f"heal {x.name} <-> {y.name}")
        for me in (x, y):
            me.run("nft delete table inet nbvm 2>/dev/null || true")

    host_ip = lanmod.HOST_IP

    def host_run(self, cmd, timeout=60, check=True):
        """Run a shell command on the host side of the LAN (the 'client',
        address host_ip), inside the namespace."""
        self.log(f"lan$ {cmd}")
        p = self.lan.run("sh", "-c", cmd, timeout=timeout)
        res = Result(p.returncode, p.stdout, p.stderr)
        self.log_result(res)
        if check and not res.ok:
            raise CommandFailed("lan", cmd, res)
        return res


def read_images(build):
    manifest = Path(build) / "vm" / "images"
    if not manifest.exists():
        raise RuntimeError(f"no guest images in {build}: run 'make image' first")
    images = dict(line.split("=", 1) for line in manifest.read_text().split())
    for key in ("kernel", "rootfs", "initrd"):
        if not Path(images[key]).exists():
            raise RuntimeError(f"{images[key]} is missing: run 'make image'")
    return images


def q(s):
    """Shell-quote for commands built in scenarios."""
    return shlex.quote(str(s))
