// SPDX-License-Identifier: GPL-2.0-only
/*
 * Activity-log extent math, transaction building and replay; see nbr_al.h.
 */
#include "nbr_al.h"

#define EXT_SECTOR_SHIFT	(NBR_AL_EXTENT_SHIFT - 9)
#define EXT_BIT_SHIFT		(NBR_AL_EXTENT_SHIFT - NBR_BM_BIT_SHIFT)

u64 nbr_al_extent_count(u64 data_sectors)
{
	u64 per = 1ull << EXT_SECTOR_SHIFT;

	return data_sectors / per + (data_sectors % per != 0);
}

u64 nbr_al_extent_of(u64 sector)
{
	return sector >> EXT_SECTOR_SHIFT;
}

bool nbr_al_extents_of(u64 sector, u64 bytes, u64 *first, u64 *last)
{
	if (!bytes)
		return false;
	*first = sector >> EXT_SECTOR_SHIFT;
	*last = (sector * NBR_MD_SECTOR + bytes - 1) >> NBR_AL_EXTENT_SHIFT;
	return true;
}

void nbr_al_extent_bits(u64 extent, u64 *first, u64 *last)
{
	*first = extent << EXT_BIT_SHIFT;
	*last = *first + (1ull << EXT_BIT_SHIFT) - 1;
}

void nbr_al_table_init(u32 *table, u32 al_extents)
{
	u32 i;

	for (i = 0; i < al_extents; i++)
		table[i] = NBR_AL_EXTENT_NONE;
}

int nbr_al_table_find(const u32 *table, u32 al_extents, u32 extent)
{
	u32 i;

	for (i = 0; i < al_extents; i++)
		if (table[i] == extent)
			return (int)i;
	return -1;
}

int nbr_al_txn_build(struct nbr_al_txn *t, u64 seq, const u32 *table,
		     u32 al_extents, const u16 *slots, u32 n_updates)
{
	u32 chunks, i;

	if (!al_extents || n_updates > NBR_AL_UPDATES)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	t->seq = seq;
	t->al_extents = al_extents;
	t->n_updates = n_updates;
	for (i = 0; i < n_updates; i++) {
		if (slots[i] >= al_extents)
			return -EINVAL;
		t->update_slot[i] = slots[i];
		t->update_extent[i] = table[slots[i]];
	}
	/* The context slice rotates so that every slot is copied regularly. */
	chunks = (al_extents + NBR_AL_CONTEXT - 1) / NBR_AL_CONTEXT;
	t->context_start = (u32)(seq % chunks) * NBR_AL_CONTEXT;
	t->n_context = al_extents - t->context_start;
	if (t->n_context > NBR_AL_CONTEXT)
		t->n_context = NBR_AL_CONTEXT;
	for (i = 0; i < t->n_context; i++)
		t->context[i] = table[t->context_start + i];
	return 0;
}

static void apply(const struct nbr_al_txn *t, u32 *table)
{
	u32 i;

	for (i = 0; i < t->n_updates; i++)
		table[t->update_slot[i]] = t->update_extent[i];
	/* The context was taken after the updates: it agrees with them. */
	for (i = 0; i < t->n_context; i++)
		table[t->context_start + i] = t->context[i];
}

int nbr_al_replay(const struct nbr_al_txn *const *ring, u32 al_slots,
		  u32 *table, u32 al_extents, u64 *next_seq,
		  const char **reason)
{
	u64 newest = 0, lo, s;
	bool any = false;
	u32 i;

	nbr_al_table_init(table, al_extents);
	for (i = 0; i < al_slots; i++)
		if (ring[i] && (!any || ring[i]->seq > newest)) {
			newest = ring[i]->seq;
			any = true;
		}
	*next_seq = any ? newest + 1 : 0;
	if (!any)
		return 0;
	/* The window: the last al_slots transactions, or all since seq 0. */
	lo = newest + 1 >= al_slots ? newest + 1 - al_slots : 0;
	for (i = 0; i < al_slots; i++) {
		const struct nbr_al_txn *t = ring[i];
		bool oldest = newest + 1 >= al_slots && i == lo % al_slots;

		if (t ? t->seq < lo : !oldest && i <= newest) {
			if (reason)
				*reason = "activity log: transactions missing between the oldest and the newest";
			return -NBR_MD_E_AL_GAP;
		}
	}
	for (s = lo; s <= newest; s++)
		if (ring[s % al_slots])
			apply(ring[s % al_slots], table);
	return 0;
}
