// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: arbitrary bytes as a compressed bitmap chunk. A
 * rejected chunk leaves the bitmap unchanged; an accepted one only sets
 * bits inside its range, and re-encoding the decoded range gives a chunk
 * that decodes to the same bits.
 */
#include "nbr_bitmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NBITS 4096u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static __le64 bm[NBITS / 64], again[NBITS / 64];
	static uint8_t out[2 * NBITS];
	u64 first, nbits, done = 0;
	int n;

	if (size < 4)
		return 0;
	first = (data[0] | data[1] << 8) % NBITS;
	nbits = 1 + (data[2] | data[3] << 8) % (NBITS - first);
	data += 4;
	size -= 4;
	memset(bm, 0, sizeof(bm));
	if (nbr_rle_decode(data, size, bm, NBITS, first, nbits, NULL)) {
		if (nbr_bm_count(bm, NBITS))
			abort();
		return 0;
	}
	if (nbr_bm_count(bm, NBITS) != nbr_bm_count_range(bm, NBITS, first,
							  first + nbits - 1))
		abort();
	n = nbr_rle_encode(bm, NBITS, first, nbits, out, sizeof(out), &done);
	if (n <= 0 || done != nbits)
		abort();
	memset(again, 0, sizeof(again));
	if (nbr_rle_decode(out, (size_t)n, again, NBITS, first, nbits, NULL) ||
	    memcmp(again, bm, sizeof(bm)))
		abort();
	return 0;
}
