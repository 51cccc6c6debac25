"""Teardown leaves nothing behind, however the harness is stopped.

SIGTERM (what ctest and CI send on timeout) unwinds through teardown: QEMU
is gone and so is the network namespace. SIGKILL cannot be caught: QEMU
still dies with the harness (PDEATHSIG) and the next run removes the
orphaned namespace.
"""
import os
import re
import signal
import subprocess
import sys
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from nbvm import lan  # noqa: E402

RUNNER = HERE.parent / "run-scenario"
IDLE = HERE / "scenarios/idle_node.py"
BUILD = os.environ.get("NBVM_BUILD", str(HERE.parent.parent / "build"))


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return Path(f"/proc/{pid}/status").read_text().find("State:\tZ") < 0
    except ProcessLookupError:
        return False


def start_idle():
    """Start the idle scenario; return (process, QEMU pid) once booted."""
    proc = subprocess.Popen([str(RUNNER), "--build", BUILD, str(IDLE)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    qemu = None
    deadline = time.monotonic() + 300
    for line in proc.stdout:
        print(line, end="", flush=True)
        m = re.search(r"QEMU pid (\d+)", line)
        if m:
            qemu = int(m.group(1))
        if "NBVM-IDLE-READY" in line or time.monotonic() > deadline:
            break
    if qemu is None:
        proc.kill()
        raise AssertionError("the idle scenario did not boot")
    return proc, qemu


def namespace_exists(name):
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return any(line.split()[0] == name for line in out.splitlines() if line)


def wait_gone(pid, seconds=30):
    deadline = time.monotonic() + seconds
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    return not pid_alive(pid)


class Teardown(unittest.TestCase):
    def test_sigterm_stops_qemu_and_removes_the_namespace(self):
        proc, qemu = start_idle()
        ns = f"{lan.PREFIX}{proc.pid}"
        self.assertTrue(namespace_exists(ns))
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=120)
        print(rest)
        self.assertNotEqual(0, proc.returncode, "an interrupted scenario must fail")
        self.assertIn("interrupted by SIGTERM", rest)
        self.assertTrue(wait_gone(qemu), f"QEMU {qemu} survived teardown")
        self.assertFalse(namespace_exists(ns), f"namespace {ns} survived teardown")

    def test_sigkill_takes_qemu_along_and_the_namespace_is_swept_later(self):
        proc, qemu = start_idle()
        ns = f"{lan.PREFIX}{proc.pid}"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        self.assertTrue(wait_gone(qemu), f"QEMU {qemu} outlived a killed harness")
        self.assertTrue(namespace_exists(ns))
        lan.sweep_stale()
        self.assertFalse(namespace_exists(ns), f"stale namespace {ns} was not swept")


if __name__ == "__main__":
    unittest.main(verbosity=2)
