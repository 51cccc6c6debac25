// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bitmap math over little-endian 64-bit words; see nbr_bitmap.h.
 */
#include "nbr_bitmap.h"

#ifndef __KERNEL__
#define cpu_to_le64(x)	((__le64)htole64(x))
#define le64_to_cpu(x)	le64toh((__u64)(x))
#endif

#define SECTORS_PER_BIT	(NBR_BM_BYTES_PER_BIT / NBR_MD_SECTOR)

u64 nbr_bm_bits(u64 sectors)
{
	return sectors / SECTORS_PER_BIT + (sectors % SECTORS_PER_BIT != 0);
}

u64 nbr_bm_words(u64 nbits)
{
	return nbits / 64 + (nbits % 64 != 0);
}

bool nbr_bm_range(u64 sector, u64 bytes, u64 *first, u64 *last)
{
	u64 end;	/* last byte, inclusive */

	if (!bytes)
		return false;
	end = sector * NBR_MD_SECTOR + (bytes - 1);
	*first = sector / SECTORS_PER_BIT;
	*last = end >> NBR_BM_BIT_SHIFT;
	return true;
}

bool nbr_bm_range_inner(u64 sector, u64 bytes, u64 *first, u64 *last)
{
	u64 start = sector * NBR_MD_SECTOR;
	u64 f = (start + NBR_BM_BYTES_PER_BIT - 1) >> NBR_BM_BIT_SHIFT;
	u64 l = (start + bytes) >> NBR_BM_BIT_SHIFT;	/* exclusive */

	if (l <= f)
		return false;
	*first = f;
	*last = l - 1;
	return true;
}

/* Mask of bits [lo, hi] within one word, 0 <= lo <= hi <= 63. */
static u64 mask(unsigned int lo, unsigned int hi)
{
	u64 upper = hi == 63 ? ~0ull : (1ull << (hi + 1)) - 1;

	return upper & ~((1ull << lo) - 1);
}

static u64 popcount64(u64 x)
{
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (x * 0x0101010101010101ull) >> 56;
}

/* Clip [first, last] to the bitmap; false when nothing is left. */
static bool clip(u64 nbits, u64 first, u64 *last)
{
	if (!nbits || first >= nbits || first > *last)
		return false;
	if (*last >= nbits)
		*last = nbits - 1;
	return true;
}

enum op { OP_SET, OP_CLEAR, OP_COUNT };

/* Applies @o to bits [first, last]; returns bits changed (or counted). */
static u64 walk(__le64 *bm, u64 nbits, u64 first, u64 last, enum op o)
{
	u64 n = 0, w;

	if (!clip(nbits, first, &last))
		return 0;
	for (w = first / 64; w <= last / 64; w++) {
		unsigned int lo = w == first / 64 ? first % 64 : 0;
		unsigned int hi = w == last / 64 ? last % 64 : 63;
		u64 m = mask(lo, hi), v = le64_to_cpu(bm[w]);

		switch (o) {
		case OP_SET:
			n += popcount64(m & ~v);
			bm[w] = cpu_to_le64(v | m);
			break;
		case OP_CLEAR:
			n += popcount64(m & v);
			bm[w] = cpu_to_le64(v & ~m);
			break;
		case OP_COUNT:
			n += popcount64(m & v);
			break;
		}
	}
	return n;
}

u64 nbr_bits_set(__le64 *bm, u64 nbits, u64 first, u64 last)
{
	return walk(bm, nbits, first, last, OP_SET);
}

u64 nbr_bits_clear(__le64 *bm, u64 nbits, u64 first, u64 last)
{
	return walk(bm, nbits, first, last, OP_CLEAR);
}

u64 nbr_bm_count_range(const __le64 *bm, u64 nbits, u64 first, u64 last)
{
	/* OP_COUNT never writes. */
	return walk((__le64 *)bm, nbits, first, last, OP_COUNT);
}

u64 nbr_bm_count(const __le64 *bm, u64 nbits)
{
	return nbits ? nbr_bm_count_range(bm, nbits, 0, nbits - 1) : 0;
}

bool nbr_bits_test(const __le64 *bm, u64 nbits, u64 bit)
{
	if (bit >= nbits)
		return false;
	return (le64_to_cpu(bm[bit / 64]) >> (bit % 64)) & 1;
}

u64 nbr_bits_merge(__le64 *dst, const __le64 *src, u64 nbits)
{
	u64 words = nbr_bm_words(nbits), n = 0, w;

	for (w = 0; w < words; w++) {
		u64 s = le64_to_cpu(src[w]), d = le64_to_cpu(dst[w]);

		if (w == words - 1 && nbits % 64)
			s &= mask(0, (nbits % 64) - 1);
		n += popcount64(s & ~d);
		dst[w] = cpu_to_le64(d | s);
	}
	return n;
}

u64 nbr_bits_find_next(const __le64 *bm, u64 nbits, u64 from)
{
	u64 w, v;

	if (from >= nbits)
		return nbits;
	w = from / 64;
	v = le64_to_cpu(bm[w]) & mask(from % 64, 63);
	for (;;) {
		if (v) {
			u64 bit = w * 64;

			while (!(v & 1)) {
				v >>= 1;
				bit++;
			}
			return bit < nbits ? bit : nbits;
		}
		if (++w >= nbr_bm_words(nbits))
			return nbits;
		v = le64_to_cpu(bm[w]);
	}
}

u64 nbr_bits_next_run(const __le64 *bm, u64 nbits, u64 from, u64 max,
		      u64 *len)
{
	u64 first = nbr_bits_find_next(bm, nbits, from), n = 0;

	while (first + n < nbits && n < max &&
	       nbr_bits_test(bm, nbits, first + n))
		n++;
	*len = n;
	return first;
}
