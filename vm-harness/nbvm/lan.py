"""The guests' Ethernet segment: a bridge and tap devices in a namespace.

Everything lives in a network namespace the harness creates (named after
the harness PID), so nothing a guest sends can leave it, and ARP, gratuitous
ARP and IP takeover behave as on a real LAN. The host side of the segment
has an address too (HOST_IP), for checks made "from the client's side".
"""

import os
import re
import subprocess

SUBNET = "10.99.0"
HOST_IP = f"{SUBNET}.254"
PREFIX = "nbvm-"


def _ip(*args, check=True):
    res = subprocess.run(["ip", *args], capture_output=True, text=True)
    if check and res.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {res.stderr.strip()}")
    return res


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale():
    """Remove namespaces left by harness processes that no longer exist
    (a harness killed with SIGKILL cannot clean up after itself)."""
    for line in _ip("netns", "list", check=False).stdout.splitlines():
        m = re.match(rf"{PREFIX}(\d+)\b", line)
        if m and not _pid_alive(int(m.group(1))):
            _ip("netns", "del", m.group(0), check=False)


class Lan:
    def __init__(self):
        self.ns = f"{PREFIX}{os.getpid()}"
        self.taps = []
        self.up = False

    def exec_prefix(self):
        return ["ip", "netns", "exec", self.ns]

    def create(self, taps):
        sweep_stale()
        _ip("netns", "add", self.ns)
        self.up = True
        n = ["-n", self.ns]
        _ip(*n, "link", "set", "lo", "up")
        _ip(*n, "link", "add", "br0", "type", "bridge", "stp_state", "0", "forward_delay", "0")
        _ip(*n, "addr", "add", f"{HOST_IP}/24", "dev", "br0")
        _ip(*n, "link", "set", "br0", "up")
        for tap in taps:
            _ip(*n, "tuntap", "add", "dev", tap, "mode", "tap")
            _ip(*n, "link", "set", tap, "master", "br0")
            _ip(*n, "link", "set", tap, "up")
            self.taps.append(tap)

    def run(self, *cmd, timeout=60):
        """Run a command on the host side of the LAN (in the namespace)."""
        return subprocess.run(self.exec_prefix() + list(cmd), capture_output=True, text=True,
                              timeout=timeout)

    def destroy(self):
        if self.up:
            _ip("netns", "del", self.ns, check=False)
            self.up = False

    def exists(self):
        return any(line.split()[0] == self.ns
                   for line in _ip("netns", "list", check=False).stdout.splitlines() if line)
