// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: arbitrary bytes as a superblock read from a device.
 * Beyond "no crash": an accepted block re-encodes to exactly the same
 * bytes (one encoding per value), passes the geometry check again, and
 * the device check never crashes for any device size.
 */
#include "nbr_meta.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t blk[NBR_MD_BLOCK], out[NBR_MD_BLOCK];
	struct nbr_md_sb sb;
	const char *why = NULL;
	uint64_t at = 0, dev = 0;

	if (size < 16)
		return 0;
	memcpy(&at, data, 8);
	memcpy(&dev, data + 8, 8);
	data += 16;
	size -= 16;
	memset(blk, 0, sizeof(blk));
	memcpy(blk, data, size < sizeof(blk) ? size : sizeof(blk));
	if (nbr_md_sb_decode(blk, sizeof(blk), at, &sb, &why)) {
		if (!why)
			abort();
		return 0;
	}
	if (nbr_md_sb_encode(out, sizeof(out), &sb) != NBR_MD_BLOCK ||
	    memcmp(out, blk, sizeof(blk)))
		abort();
	if (nbr_md_sb_check(&sb, &why))
		abort();
	(void)nbr_md_sb_check_devices(&sb, dev, dev, &why);
	return 0;
}
