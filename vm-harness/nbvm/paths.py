"""Where things are: the source tree, the harness and the build outputs."""

from pathlib import Path

HARNESS = Path(__file__).resolve().parent.parent
SOURCE = HARNESS.parent

# Userspace programs the guests get under /opt/nbr/bin, by build-tree path.
GUEST_TOOLS = ["drbdsetup/drbdsetup", "drbdadm/drbdadm", "drbdmeta/drbdmeta"]


def guest_tools(build):
    """The tools that exist in this build (components arrive over time)."""
    return [p for p in (Path(build) / t for t in GUEST_TOOLS) if p.is_file()]
