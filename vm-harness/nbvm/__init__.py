"""nbvm: boots QEMU guests on a private LAN and runs test scenarios in them."""

from .cluster import Cluster, Node, q
from .scenario import scenario
from .vm import CommandFailed, NodeDown

__all__ = ["Cluster", "Node", "q", "scenario", "CommandFailed", "NodeDown"]
