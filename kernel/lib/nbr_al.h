/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Activity-log math: 4 MiB extents, which extents a write touches, the
 * active-extent table and its transactions (format in <nbr/meta.h>).
 *
 * The table is caller memory: u32 table[al_extents], each slot an extent
 * number or NBR_AL_EXTENT_NONE. Which slot to reuse (LRU or otherwise) is
 * the caller's policy; this file only records and replays. A writer:
 *   1. changes table slots (at most NBR_AL_UPDATES per transaction),
 *   2. nbr_al_txn_build(seq) and writes the block to ring slot
 *      seq % al_slots (flush/FUA), then seq + 1 next time,
 *   3. only then issues the data writes to the newly active extents.
 * After a crash nbr_al_replay() rebuilds the table from the ring, and the
 * extents in it are marked out of sync (nbr_al_extent_bits()).
 */
#ifndef NBR_AL_H
#define NBR_AL_H

#include "nbr_meta.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Extents of a data area of @data_sectors (last one may be partial). */
u64 nbr_al_extent_count(u64 data_sectors);
/* Extent holding @sector. */
u64 nbr_al_extent_of(u64 sector);
/* Extents a write of @bytes at @sector touches; false when @bytes is 0. */
bool nbr_al_extents_of(u64 sector, u64 bytes, u64 *first, u64 *last);
/* Bitmap bits [*first, *last] of @extent (clip to the bitmap yourself). */
void nbr_al_extent_bits(u64 extent, u64 *first, u64 *last);

void nbr_al_table_init(u32 *table, u32 al_extents);
/* Slot holding @extent, or -1. */
int nbr_al_table_find(const u32 *table, u32 al_extents, u32 extent);

/*
 * Fills @t for transaction @seq: the @n_updates slots listed in @slots
 * with their current table values, and the context slice for @seq.
 * Returns 0 or -EINVAL (too many updates, slot out of range).
 */
int nbr_al_txn_build(struct nbr_al_txn *t, u64 seq, const u32 *table,
		     u32 al_extents, const u16 *slots, u32 n_updates);

/*
 * Rebuilds @table from the ring: @ring[i] is the decoded block of ring
 * slot i, or NULL when it did not decode (blank, torn). The newest
 * transactions must be consecutive (one torn block, the oldest of the
 * window, is allowed); else -NBR_MD_E_AL_GAP. *@next_seq receives the
 * sequence number the next transaction must use.
 */
int nbr_al_replay(const struct nbr_al_txn *const *ring, u32 al_slots,
		  u32 *table, u32 al_extents, u64 *next_seq,
		  const char **reason);

#ifdef __cplusplus
}
#endif

#endif /* NBR_AL_H */
