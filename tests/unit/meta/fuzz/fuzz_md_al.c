// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: a ring of arbitrary AL blocks through decode and
 * replay. Accepted blocks re-encode to the same bytes; the replay never
 * writes outside the table, whatever the ring holds.
 */
#include "nbr_al.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 4
#define EXTENTS 67

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t blk[NBR_MD_BLOCK], out[NBR_MD_BLOCK];
	static struct nbr_al_txn txn[SLOTS];
	const struct nbr_al_txn *ring[SLOTS];
	uint32_t table[EXTENTS + 1];
	u64 next;
	size_t i, off;

	for (i = 0; i < SLOTS; i++) {
		/* Slot i is bytes [i * 4096, (i + 1) * 4096) of the input. */
		memset(blk, 0, sizeof(blk));
		off = i * NBR_MD_BLOCK;
		if (off < size)
			memcpy(blk, data + off, size - off < sizeof(blk) ?
			       size - off : sizeof(blk));
		ring[i] = NULL;
		if (nbr_al_decode(blk, sizeof(blk), (u32)i, SLOTS, EXTENTS,
				  &txn[i], NULL))
			continue;
		if (nbr_al_encode(out, sizeof(out), &txn[i]) != NBR_MD_BLOCK ||
		    memcmp(out, blk, sizeof(blk)))
			abort();
		ring[i] = &txn[i];
	}
	table[EXTENTS] = 0x5a5a5a5au;
	(void)nbr_al_replay(ring, SLOTS, table, EXTENTS, &next, NULL);
	if (table[EXTENTS] != 0x5a5a5a5au)
		abort();
	return 0;
}
