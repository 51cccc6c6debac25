/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Dirty-bitmap math over the on-disk representation: an array of
 * little-endian 64-bit words, bit i = 4 KiB data block i (bit i % 64 of
 * word i / 64). The same buffer is what the metadata area holds, so a
 * bitmap read from disk is used without conversion on any endianness.
 * Bits at and beyond @nbits are never set by these functions and are
 * ignored by the counters.
 *
 * And the run-length code that carries a bitmap over the wire (rle.c):
 *
 *   byte 0      flags: bit 0 = the first run is of set bits; others 0
 *   bytes 1..   run lengths, alternately set/clear, each an unsigned
 *               LEB128 varint (7 bits per byte, low first, at most 10
 *               bytes, minimal: no trailing zero group), >= 1
 *
 * A chunk covers exactly the bits [first, first + nbits) its packet
 * announces; the runs must add up to nbits exactly.
 */
#ifndef NBR_BITMAP_H
#define NBR_BITMAP_H

#include "nbr_lib_compat.h"
#include <nbr/meta.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Number of bits for a data area of @sectors (rounded up to 4 KiB). */
u64 nbr_bm_bits(u64 sectors);
/* Number of 64-bit words for @nbits. */
u64 nbr_bm_words(u64 nbits);

/*
 * Bits touched by an I/O of @bytes at @sector: [*first, *last] inclusive.
 * Returns false (and leaves first and last alone) when @bytes is 0.
 */
bool nbr_bm_range(u64 sector, u64 bytes, u64 *first, u64 *last);

/*
 * Bits wholly covered by an I/O (what a completed resync write may clear:
 * a partial 4 KiB block stays dirty). Returns false when none is.
 */
bool nbr_bm_range_inner(u64 sector, u64 bytes, u64 *first, u64 *last);

/* Set/clear bits [first, last] (clipped to @nbits); return how many changed. */
u64 nbr_bits_set(__le64 *bm, u64 nbits, u64 first, u64 last);
u64 nbr_bits_clear(__le64 *bm, u64 nbits, u64 first, u64 last);
bool nbr_bits_test(const __le64 *bm, u64 nbits, u64 bit);
/* Set bits in [first, last] (clipped), and in all of it. */
u64 nbr_bm_count_range(const __le64 *bm, u64 nbits, u64 first, u64 last);
u64 nbr_bm_count(const __le64 *bm, u64 nbits);
/* dst |= src over @nbits; returns how many bits of dst were newly set. */
u64 nbr_bits_merge(__le64 *dst, const __le64 *src, u64 nbits);
/* First set bit at or after @from, or @nbits when none. */
u64 nbr_bits_find_next(const __le64 *bm, u64 nbits, u64 from);
/*
 * The next run of set bits at or after @from: returns its first bit (or
 * @nbits when none) and its length in *@len, at most @max bits. The cap
 * is on the length only, wherever the run starts.
 */
u64 nbr_bits_next_run(const __le64 *bm, u64 nbits, u64 from, u64 max,
		      u64 *len);

#define NBR_RLE_FIRST_SET	0x01u
#define NBR_RLE_VARINT_MAX	10

/*
 * Encodes bits [first, first + nbits) of @bm into @out as whole runs, as
 * many as fit. Returns the bytes written and sets *@done to the number of
 * bits covered (the packet's nbits); -EINVAL for a bad range, -ENOSPC when
 * not even the flags byte and one run fit.
 */
int nbr_rle_encode(const __le64 *bm, u64 bm_bits, u64 first, u64 nbits,
		   u8 *out, size_t out_len, u64 *done);

/*
 * Decodes a chunk for bits [first, first + nbits) and ORs its set runs
 * into @bm (merge). Validates everything before changing @bm. Returns 0
 * or -EPROTO with @reason; -EINVAL for a bad range.
 */
int nbr_rle_decode(const u8 *in, size_t len, __le64 *bm, u64 bm_bits,
		   u64 first, u64 nbits, const char **reason);

#ifdef __cplusplus
}
#endif

#endif /* NBR_BITMAP_H */
