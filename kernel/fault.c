// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault injection for the VM tests (docs/fault-injection.md). TCP's own
 * checksum repairs what a cable or netem damages, so the data-integrity
 * check can only be proven by damaging a payload after the socket handed
 * it over. Off (0) unless set through the module parameter.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/moduleparam.h>

#include "nbr_int.h"

static unsigned int fault_corrupt_rx;
module_param(fault_corrupt_rx, uint, 0644);
MODULE_PARM_DESC(fault_corrupt_rx,
		 "Corrupt every Nth received DATA payload before the integrity check (0 = off; testing only)");

/* Received DATA payloads while fault_corrupt_rx was set. */
static atomic_t corrupt_rx_count = ATOMIC_INIT(0);

/*
 * Flip the bits of the first byte of a received payload when its turn
 * has come. Returns true when it did, so the caller can log it.
 */
bool nbr_fault_corrupt_rx(void *buf, size_t len)
{
	unsigned int every = READ_ONCE(fault_corrupt_rx);

	if (!every || !len)
		return false;
	if (atomic_inc_return(&corrupt_rx_count) % every)
		return false;
	*(u8 *)buf ^= 0xff;
	return true;
}
