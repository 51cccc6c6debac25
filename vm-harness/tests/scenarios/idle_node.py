"""Boots one node and idles, so that the teardown test can interrupt it."""

import time

from nbvm import scenario


@scenario(nodes=1, mode="plain")
def run(c):
    print("NBVM-IDLE-READY", flush=True)
    time.sleep(600)
