// SPDX-License-Identifier: GPL-2.0-only
/*
 * crc32c, four bits at a time from a 16-entry table: small enough to check
 * by eye and fast enough for 4 KiB metadata blocks.
 */
#include "nbr_crc32c.h"

/* crc of the nibble i, reflected polynomial 0x82f63b78. */
static const u32 nibble_table[16] = {
	0x00000000u, 0x105ec76fu, 0x20bd8edeu, 0x30e349b1u,
	0x417b1dbcu, 0x5125dad3u, 0x61c69362u, 0x7198540du,
	0x82f63b78u, 0x92a8fc17u, 0xa24bb5a6u, 0xb21572c9u,
	0xc38d26c4u, 0xd3d3e1abu, 0xe330a81au, 0xf36e6f75u,
};

u32 nbr_crc32c(u32 crc, const void *data, size_t len)
{
	const u8 *p = data;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		crc = (crc >> 4) ^ nibble_table[crc & 15];
		crc = (crc >> 4) ^ nibble_table[crc & 15];
	}
	return ~crc;
}
