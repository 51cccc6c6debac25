"""Scenario files and the runner that gives each one a fresh cluster.

A scenario is a Python file in tests/vm/ named after the behaviour it
checks, holding one function decorated with @scenario:

    @scenario(nodes=2, mode="reference")
    def run(c):
        c.a.run("...")

The runner boots the cluster, calls the function, and fails the test when
the function raises, when any guest log shows a kernel report (logscan), or
when teardown leaves a process or the namespace behind.
"""

import importlib.util
import signal
import time
import traceback
from pathlib import Path

from .cluster import Cluster

_registered = []


def scenario(nodes=2, mode="nbr", disks=("64M",), memory=1024, timeout=900):
    """Mark the function a file's scenario; options go to Cluster."""
    def mark(fn):
        fn.nbvm_options = dict(nodes=nodes, mode=mode, disks=disks, memory=memory)
        fn.nbvm_timeout = timeout
        _registered.append(fn)
        return fn
    return mark


class Interrupted(BaseException):
    """SIGTERM/SIGALRM: unwind through teardown, then exit non-zero."""


def _raise(signum, _frame):
    raise Interrupted(signal.Signals(signum).name)


def load(path):
    _registered.clear()
    spec = importlib.util.spec_from_file_location(Path(path).stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if len(_registered) != 1:
        raise RuntimeError(f"{path}: expected exactly one @scenario function, "
                           f"found {len(_registered)}")
    fn = _registered[0]
    fn.nbvm_doc = " ".join((fn.__doc__ or module.__doc__ or "").split())
    return fn


def run_file(path, build=None):
    """Run one scenario file; return the process exit code (0 = pass)."""
    name = Path(path).stem
    fn = load(path)
    signal.signal(signal.SIGTERM, _raise)
    signal.signal(signal.SIGALRM, _raise)
    signal.alarm(fn.nbvm_timeout)
    print(f"=== scenario {name}: {fn.nbvm_doc}", flush=True)
    t0 = time.monotonic()
    failure = None
    cluster = Cluster(name, build=build, **fn.nbvm_options)
    try:
        with cluster:
            fn(cluster)
    except Interrupted as e:
        failure = f"interrupted by {e} (scenario timeout {fn.nbvm_timeout}s or ctest)"
    except BaseException:  # any failure, including assertion errors
        failure = traceback.format_exc()
    finally:
        signal.alarm(0)
    reports = cluster.kernel_reports() if cluster.workdir.exists() else []
    left = cluster.leftovers()
    if reports:
        failure = (failure or "") + "\nkernel reports in guest logs:\n  " + "\n  ".join(reports)
    if left:
        failure = (failure or "") + "\nteardown left behind: " + ", ".join(left)
    took = time.monotonic() - t0
    if failure:
        print(cluster.console_tails(), flush=True)
        print(f"=== FAIL {name} after {took:.0f}s\n{failure}", flush=True)
        return 1
    print(f"=== PASS {name} in {took:.0f}s (logs: {cluster.workdir})", flush=True)
    return 0
