"""Find kernel reports in guest logs that fail a test whatever it asserted.

A scenario fails when a guest's console or dmesg shows a kernel bug, a
warning, an oops, memory corruption (SLUB debug, list debugging) or a hung
task: our module must never cause one, and a test that passes while the
kernel complains is not a pass.
"""

import re

# Each entry: (what it means, pattern). Patterns match one console line.
BAD = [
    ("kernel BUG", re.compile(r"\bBUG: ")),
    ("kernel warning", re.compile(r"\bWARNING: ")),
    ("oops", re.compile(r"\bOops\b")),
    ("general protection fault", re.compile(r"general protection")),
    ("kernel panic", re.compile(r"Kernel panic")),
    ("slab corruption", re.compile(r"\bBUG [\w.:-]+ \(.*\): ")),
    ("slab corruption", re.compile(r"(Poison|Redzone|Padding|Object padding) overwritten")),
    ("list corruption", re.compile(r"list_(add|del) corruption")),
    ("hung task", re.compile(r"INFO: task .* blocked for more than")),
    ("soft lockup", re.compile(r"soft lockup")),
    ("RCU stall", re.compile(r"rcu.*(self-detected )?stall")),
    ("lockdep report", re.compile(r"possible (circular|recursive) locking|inconsistent lock state")),
]


def scan(text):
    """Return [(line_number, meaning, line)] for every bad line in `text`."""
    found = []
    for n, line in enumerate(text.splitlines(), 1):
        for meaning, pattern in BAD:
            if pattern.search(line):
                found.append((n, meaning, line.strip()))
                break
    return found
