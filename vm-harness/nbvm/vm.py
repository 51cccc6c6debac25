"""One QEMU guest: its process, its QMP monitor and its agent channel.

QEMU is started inside the harness's network namespace and connects, as a
client, to two Unix sockets the harness listens on: QMP (power, reset,
pause, link) and the guest agent's virtio-serial port (commands, files).
QEMU dies with the harness (PR_SET_PDEATHSIG) should the harness itself be
killed, so no guest outlives its test.
"""

import base64
import ctypes
import json
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path


class NodeDown(Exception):
    """The guest is not running (powered off, crashed or never booted)."""


class CommandFailed(AssertionError):
    def __init__(self, node, cmd, result):
        self.result = result
        what = "timed out" if result.timed_out else f"exited {result.rc}"
        super().__init__(f"{node}$ {cmd}\n  {what}\n"
                         f"  stdout: {result.out.strip()[-2000:]}\n"
                         f"  stderr: {result.err.strip()[-2000:]}")


class Result:
    def __init__(self, rc, out, err, timed_out=False):
        self.rc, self.out, self.err, self.timed_out = rc, out, err, timed_out

    @property
    def ok(self):
        return self.rc == 0 and not self.timed_out

    def __repr__(self):
        return f"Result(rc={self.rc}, out={self.out[:60]!r}, err={self.err[:60]!r})"


def _die_with_parent():
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _accept(listener, timeout, what):
    listener.settimeout(timeout)
    try:
        conn, _ = listener.accept()
    except socket.timeout:
        raise NodeDown(f"QEMU did not connect to the {what} socket within {timeout}s")
    conn.settimeout(None)
    return conn


class LineChannel:
    """JSON lines over a socket, read by a thread that hands replies out.

    `on_message(obj)` is called for every message read; when the socket
    closes, `closed` is set and every waiter wakes up.
    """

    def __init__(self, conn, on_message):
        self.conn = conn
        self.closed = threading.Event()
        self._on_message = on_message
        self._wlock = threading.Lock()
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        buf = b""
        try:
            while True:
                chunk = self.conn.recv(1 << 16)
                if not chunk:
                    break
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    if line.strip():
                        self._on_message(json.loads(line))
        except (OSError, ValueError):
            pass
        finally:
            self.closed.set()
            self._on_message(None)

    def send(self, obj):
        with self._wlock:
            self.conn.sendall((json.dumps(obj) + "\n").encode())

    def close(self):
        try:
            self.conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()


class Agent:
    """Host side of the guest agent protocol (see guest/agent.py)."""

    def __init__(self, conn):
        self._cv = threading.Condition()
        self._replies = {}
        self._next = 1
        self._hellos = 0
        self._chan = LineChannel(conn, self._on_message)

    def _on_message(self, msg):
        with self._cv:
            if msg is not None:
                if "hello" in msg:
                    self._hellos += 1
                else:
                    self._replies[msg.get("id")] = msg
            self._cv.notify_all()

    def hellos(self):
        with self._cv:
            return self._hellos

    def wait_hello(self, count, deadline):
        """Wait until the agent has said hello `count` times (once per boot)."""
        with self._cv:
            while self._hellos < count:
                left = deadline - time.monotonic()
                if self._chan.closed.is_set():
                    raise NodeDown("the guest went away while booting")
                if left <= 0:
                    raise NodeDown("the guest agent did not start in time")
                self._cv.wait(left)

    def request(self, req, timeout):
        with self._cv:
            rid = self._next
            self._next += 1
        req = dict(req, id=rid)
        deadline = time.monotonic() + timeout
        try:
            self._chan.send(req)
        except OSError as e:
            raise NodeDown(f"agent channel: {e}")
        with self._cv:
            while rid not in self._replies:
                if self._chan.closed.is_set():
                    raise NodeDown("the guest went away during the request")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no answer from the guest agent within {timeout:.0f}s")
                self._cv.wait(left)
            reply = self._replies.pop(rid)
        if "error" in reply:
            raise RuntimeError(f"guest agent: {reply['error']}")
        return reply

    def close(self):
        self._chan.close()


class Qmp:
    """Minimal synchronous QMP client; asynchronous events are kept aside."""

    def __init__(self, conn):
        self._cv = threading.Condition()
        self._msgs = []
        self.events = []
        self._chan = LineChannel(conn, self._on_message)
        self._wait(lambda m: "QMP" in m, 30)
        self.command("qmp_capabilities")

    def _on_message(self, msg):
        with self._cv:
            if msg is not None:
                (self.events if "event" in msg else self._msgs).append(msg)
            self._cv.notify_all()

    def _wait(self, match, timeout):
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                for m in self._msgs:
                    if match(m):
                        self._msgs.remove(m)
                        return m
                if self._chan.closed.is_set():
                    raise NodeDown("QEMU closed its monitor")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("QMP did not answer")
                self._cv.wait(left)

    def command(self, execute, timeout=30, **args):
        self._chan.send({"execute": execute, "arguments": args} if args else {"execute": execute})
        reply = self._wait(lambda m: "return" in m or "error" in m, timeout)
        if "error" in reply:
            raise RuntimeError(f"QMP {execute}: {reply['error'].get('desc')}")
        return reply["return"]

    def close(self):
        self._chan.close()


class VM:
    """A guest. `spec` holds what the cluster decided; see cluster.py."""

    BOOT_TIMEOUT = 240  # TCG on a busy 2-core host; a boot is ~10 s when idle

    def __init__(self, spec, images, lan, sockdir, accel):
        self.spec = spec
        self.name = spec.name
        self.images = images
        self.lan = lan
        self.sockdir = Path(sockdir)
        self.accel = accel
        self.console = spec.workdir / f"{self.name}.console"
        self.proc = None
        self.agent = None
        self.qmp = None
        self.boots = 0
        self._hello_target = 1  # agent hellos that mean "booted" (one per boot)

    # -- lifecycle ---------------------------------------------------------

    def _cmdline(self, agent_sock, qmp_sock):
        s = self.spec
        # Catch memory corruption: sanity checks, red zones and poisoning on
        # every slab cache; allocation/free tracking (costly under TCG) on
        # the caches our module allocates from.
        slab = ["slub_debug=FZP;FZPU,kmalloc-*,nbr*,bio*"] if s.slab_debug else []
        append = " ".join([
            "console=ttyS0", "loglevel=5", "panic=0", *slab,
            "mitigations=off", "random.trust_cpu=on", "tsc=reliable", "no_timer_check",
            f"nbvm.host={s.name}", f"nbvm.ip={s.ip}/24",
            "nbvm.peer=" + " nbvm.peer=".join(f"{ip},{n}" for n, ip in s.peers),
        ])
        cmd = [
            "qemu-system-x86_64", "-name", s.name, "-nodefaults", "-no-user-config",
            "-display", "none",
            # A guest panic (reported by pvpanic) ends QEMU, so the harness
            # sees the node die; resets and guest reboots just reboot it.
            "-device", "pvpanic-pci", "-action", "panic=shutdown",
            "-accel", self.accel, "-cpu", "max" if self.accel == "tcg" else "host",
            "-smp", "1", "-m", str(s.memory),
            "-kernel", str(self.images["kernel"]), "-initrd", str(self.images["initrd"]),
            "-append", append,
            "-chardev", f"file,id=con,path={self.console},append=on", "-serial", "chardev:con",
            "-chardev", f"socket,id=qmp,path={qmp_sock},server=off",
            "-mon", "chardev=qmp,mode=control",
            "-device", "virtio-serial-pci",
            "-chardev", f"socket,id=agent,path={agent_sock},server=off",
            "-device", "virtserialport,chardev=agent,name=nbvm.agent",
            "-drive", f"file={self.images['rootfs']},format=raw,if=virtio,snapshot=on",
        ]
        for disk in s.disks:
            cmd += ["-drive", f"file={disk},format=raw,if=virtio,cache=writeback"]
        cmd += ["-netdev", f"tap,id=net0,ifname={s.tap},script=no,downscript=no",
                "-device", f"virtio-net-pci,id=nic0,netdev=net0,mac={s.mac}"]
        return cmd

    def start(self):
        """Start QEMU; returns at once. Call wait_booted() next."""
        if self.running:
            raise RuntimeError(f"{self.name} is already running")
        agent_sock = self.sockdir / f"{self.name}.agent"
        qmp_sock = self.sockdir / f"{self.name}.qmp"
        listeners = []
        for path in (agent_sock, qmp_sock):
            path.unlink(missing_ok=True)
            ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            ls.bind(str(path))
            ls.listen(1)
            listeners.append(ls)
        with open(self.console, "a") as f:
            f.write(f"\n===== nbvm: boot {self.boots + 1} of {self.name} =====\n")
        cmd = self.lan.exec_prefix() + self._cmdline(agent_sock, qmp_sock)
        qemu_log = open(self.spec.workdir / f"{self.name}.qemu.log", "a")
        # Popen from the main thread only: PDEATHSIG fires when the thread
        # that forked QEMU exits.
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=qemu_log,
                                     stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        qemu_log.close()
        try:
            self.agent = Agent(_accept(listeners[0], 30, "agent"))
            self.qmp = Qmp(_accept(listeners[1], 30, "QMP"))
        except Exception:
            self.kill()
            raise
        finally:
            for ls in listeners:
                ls.close()
        self.boots += 1
        self._hello_target = 1

    def wait_booted(self, timeout=None):
        deadline = time.monotonic() + (timeout or self.BOOT_TIMEOUT)
        try:
            self.agent.wait_hello(self._hello_target, deadline)
        except NodeDown as e:
            raise NodeDown(f"{self.name}: {e}; console: {self.console}") from None

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        """Stop QEMU for good (teardown): SIGKILL by PID and reap it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait()
        self._close_channels()

    def _close_channels(self):
        for ch in (self.agent, self.qmp):
            if ch is not None:
                ch.close()
        self.agent = self.qmp = None

    # -- fault controls ------------------------------------------------------

    def poweroff(self):
        """Hard power-off: QEMU quits at once, the guest gets no warning."""
        self._require_running()
        try:
            self.qmp.command("quit")
        except (NodeDown, OSError):
            pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._close_channels()

    def reset(self):
        """Hard reset (like the reset button); returns once it booted again."""
        self._require_running()
        self._hello_target = self.agent.hellos() + 1
        self.qmp.command("system_reset")
        # The agent says hello again once the guest is up.
        self.wait_booted()

    def pause(self):
        self._require_running()
        self.qmp.command("stop")

    def resume(self):
        self._require_running()
        self.qmp.command("cont")

    def set_link(self, up):
        """Unplug (False) or plug (True) the network cable: carrier changes."""
        self._require_running()
        self.qmp.command("set_link", name="nic0", up=bool(up))

    def _require_running(self):
        if not self.running:
            raise NodeDown(f"{self.name} is not running")

    # -- agent ---------------------------------------------------------------

    def run(self, cmd, timeout, stdin=None, env=None):
        if not self.running or self.agent is None:
            raise NodeDown(f"{self.name} is not running")
        req = {"op": "run", "cmd": cmd, "timeout": timeout, "env": env or {}}
        if stdin is not None:
            req["stdin"] = base64.b64encode(stdin).decode()
        reply = self.agent.request(req, timeout + 30)
        return Result(reply["rc"], base64.b64decode(reply["out"]).decode(errors="replace"),
                      base64.b64decode(reply["err"]).decode(errors="replace"),
                      reply.get("timed_out", False))

    def put(self, path, data, mode=0o644):
        if not self.running or self.agent is None:
            raise NodeDown(f"{self.name} is not running")
        self.agent.request({"op": "put", "path": path, "mode": mode,
                            "data": base64.b64encode(data).decode()}, 120)

    def get(self, path):
        if not self.running or self.agent is None:
            raise NodeDown(f"{self.name} is not running")
        return base64.b64decode(self.agent.request({"op": "get", "path": path}, 120)["data"])


def probe_accel(images, cache):
    """'kvm' only when a guest really boots with it here, else 'tcg'.

    The answer is cached per kernel: a probe costs a boot attempt.
    """
    forced = os.environ.get("NBVM_ACCEL")
    if forced:
        return forced
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "tcg"
    marker = Path(cache) / f"accel-{Path(images['kernel']).parent.name}"
    if marker.exists():
        return marker.read_text().strip()
    cmd = ["qemu-system-x86_64", "-nodefaults", "-display", "none", "-no-reboot",
           "-accel", "kvm", "-cpu", "host", "-m", "256", "-serial", "stdio",
           "-kernel", str(images["kernel"]), "-initrd", str(images["initrd"]),
           "-append", "console=ttyS0 nbvm.probe"]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout
        accel = "kvm" if "NBVM-PROBE-OK" in out else "tcg"
    except subprocess.TimeoutExpired:
        accel = "tcg"
    marker.write_text(accel + "\n")
    return accel
