"""The log scanner flags every kind of kernel report and nothing else."""
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from nbvm.logscan import scan  # noqa: E402

CLEAN_BOOT = """\
[    0.000000] Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org)
[    1.234567] virtio_blk virtio1: [vda] 1048576 512-byte logical blocks
[    2.000000] EXT4-fs (vda): mounted filesystem with ordered data mode.
[    3.100000] nbr: loading out-of-tree module taints kernel.
[    4.000000] drbd: initialized. Version: 8.4.11 (api:1/proto:86-101)
[    5.000000] block drbd0: Warning: disk sizes differ
"""


class LogScan(unittest.TestCase):
    def assertFlags(self, line, meaning):
        found = scan(CLEAN_BOOT + line + "\n")
        self.assertEqual([(7, meaning)], [(n, m) for n, m, _ in found], line)

    def test_clean_boot_log_has_no_findings(self):
        self.assertEqual([], scan(CLEAN_BOOT))

    def test_bug_is_flagged(self):
        self.assertFlags("[ 9.1] BUG: kernel NULL pointer dereference, address: 0000000000000008",
                         "kernel BUG")

    def test_warning_is_flagged(self):
        self.assertFlags("[ 9.1] WARNING: CPU: 0 PID: 12 at fs/proc/generic.c:381 proc_register",
                         "kernel warning")

    def test_oops_is_flagged(self):
        self.assertFlags("[ 9.1] Oops: 0000 [#1] PREEMPT SMP NOPTI", "oops")

    def test_general_protection_fault_is_flagged(self):
        self.assertFlags("[ 9.1] general protection fault, probably for non-canonical address",
                         "general protection fault")

    def test_slub_poison_report_is_flagged(self):
        self.assertFlags("[ 9.1] BUG kmalloc-128 (Tainted: G           OE     ): Poison overwritten",
                         "slab corruption")

    def test_list_corruption_is_flagged(self):
        self.assertFlags("[ 9.1] list_del corruption. next->prev should be ffff8880", "list corruption")

    def test_hung_task_is_flagged(self):
        self.assertFlags("[ 99.1] INFO: task nbr_worker:123 blocked for more than 60 seconds.",
                         "hung task")

    def test_panic_is_flagged(self):
        self.assertFlags("[ 9.1] Kernel panic - not syncing: Fatal exception", "kernel panic")


if __name__ == "__main__":
    unittest.main()
