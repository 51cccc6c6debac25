// SPDX-License-Identifier: GPL-2.0-only
/*
 * Run-length code for bitmap transfer; the format is in nbr_bitmap.h.
 * The decoder validates the whole chunk before it merges anything, so a
 * bad packet never leaves a half-applied bitmap behind.
 */
#include "nbr_bitmap.h"

/* Length of the run of bits equal to bit @from, up to @end (exclusive). */
static u64 run_length(const __le64 *bm, u64 bm_bits, u64 from, u64 end)
{
	bool set = nbr_bits_test(bm, bm_bits, from);
	u64 i = from + 1;

	/* Whole words of the same value are skipped at once. */
	while (i < end) {
		if (i % 64 == 0 && end - i >= 64) {
			u64 word = ((const u64 *)bm)[i / 64];

			if (word == (set ? ~0ull : 0ull)) {
				i += 64;
				continue;
			}
		}
		if (nbr_bits_test(bm, bm_bits, i) != set)
			break;
		i++;
	}
	return i - from;
}

static size_t varint_len(u64 v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static size_t put_varint(u8 *out, u64 v)
{
	size_t n = 0;

	while (v >= 0x80) {
		out[n++] = (u8)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (u8)v;
	return n;
}

int nbr_rle_encode(const __le64 *bm, u64 bm_bits, u64 first, u64 nbits,
		   u8 *out, size_t out_len, u64 *done)
{
	u64 pos = first, end;
	size_t n = 1;

	if (!nbits || first > bm_bits || nbits > bm_bits - first)
		return -EINVAL;
	end = first + nbits;
	if (out_len < 2)
		return -ENOSPC;
	out[0] = nbr_bits_test(bm, bm_bits, first) ? NBR_RLE_FIRST_SET : 0;
	while (pos < end) {
		u64 run = run_length(bm, bm_bits, pos, end);

		if (varint_len(run) > out_len - n)
			break;
		n += put_varint(out + n, run);
		pos += run;
	}
	if (pos == first)
		return -ENOSPC;
	*done = pos - first;
	return (int)n;
}

/* One varint at in[*pos]; -EPROTO when truncated, too long or not minimal. */
static int get_varint(const u8 *in, size_t len, size_t *pos, u64 *v,
		      const char **reason)
{
	u64 val = 0;
	unsigned int shift = 0, i;

	for (i = 0; i < NBR_RLE_VARINT_MAX; i++, shift += 7) {
		u8 b;

		if (*pos >= len) {
			*reason = "bitmap chunk truncated inside a run length";
			return -EPROTO;
		}
		b = in[(*pos)++];
		if (i == NBR_RLE_VARINT_MAX - 1 && b > 1) {
			*reason = "bitmap run length does not fit 64 bits";
			return -EPROTO;
		}
		val |= (u64)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			if (i > 0 && b == 0) {
				*reason = "bitmap run length not minimally encoded";
				return -EPROTO;
			}
			*v = val;
			return 0;
		}
	}
	*reason = "bitmap run length longer than 10 bytes";
	return -EPROTO;
}

/* Walks the chunk; merges set runs into @bm only when @apply. */
static int walk_runs(const u8 *in, size_t len, __le64 *bm, u64 bm_bits,
		     u64 first, u64 nbits, bool apply, const char **reason)
{
	bool set = in[0] & NBR_RLE_FIRST_SET;
	size_t pos = 1;
	u64 total = 0;

	while (pos < len) {
		u64 run;
		int ret = get_varint(in, len, &pos, &run, reason);

		if (ret)
			return ret;
		if (run == 0) {
			*reason = "bitmap run of length zero";
			return -EPROTO;
		}
		if (run > nbits - total) {
			*reason = "bitmap runs exceed the chunk size";
			return -EPROTO;
		}
		if (apply && set)
			nbr_bits_set(bm, bm_bits, first + total,
				   first + total + run - 1);
		total += run;
		set = !set;
	}
	if (total != nbits) {
		*reason = "bitmap runs do not add up to the chunk size";
		return -EPROTO;
	}
	return 0;
}

int nbr_rle_decode(const u8 *in, size_t len, __le64 *bm, u64 bm_bits,
		   u64 first, u64 nbits, const char **reason)
{
	const char *why = NULL;
	int ret;

	if (!reason)
		reason = &why;
	if (!nbits || first > bm_bits || nbits > bm_bits - first)
		return -EINVAL;
	if (len < 1) {
		*reason = "empty bitmap chunk";
		return -EPROTO;
	}
	if (in[0] & ~NBR_RLE_FIRST_SET) {
		*reason = "unknown bitmap chunk flags";
		return -EPROTO;
	}
	ret = walk_runs(in, len, bm, bm_bits, first, nbits, false, reason);
	if (ret)
		return ret;
	return walk_runs(in, len, bm, bm_bits, first, nbits, true, reason);
}
