// SPDX-License-Identifier: GPL-2.0-only
/*
 * The activity log: the 4 MiB extents that may have writes in flight, on
 * disk before any write to them is submitted (kernel/lib/al.c builds and
 * replays the transactions; docs/metadata-format.md has the format).
 *
 * In memory a table of al->size slots (the size the metadata was created
 * with), of which the first al->nr are used (al-extents). Each slot
 * holds an extent, a reference count of the writes in it, and a use
 * stamp for the least-recently-used choice of a slot to reuse.
 *
 * A write whose extents are all active only takes references. Otherwise
 * it takes al->mutex (one transaction at a time), picks unreferenced
 * slots (free ones first, then the least recently used), writes the
 * bitmap blocks of the extents it evicts, writes one transaction with the
 * new slot values, and only then makes the new extents visible and takes
 * its references. While a transaction is being written its slots are
 * visible as free (NBR_AL_EXTENT_NONE) in @active, so that nobody takes a
 * reference on an extent that is leaving or not yet on disk; such writers
 * wait for al->mutex and look again.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/gfp.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "nbr_int.h"
#include "nbr_md.h"
#include "nbr_al.h"

struct nbr_al {
	/*
	 * Held while a transaction is built and written: @disk, @seq,
	 * @txn and @page. Taken before md->mutex.
	 */
	struct mutex mutex;
	u32 *disk;		/* the table as the last transaction wrote it */
	u64 seq;		/* number of the next transaction */
	struct nbr_al_txn *txn;
	void *page;		/* one 4 KiB I/O buffer */

	/*
	 * Irq-safe (writes complete in interrupt context): @active, @refs,
	 * @stamp and @tick.
	 */
	spinlock_t lock;
	u32 *active;		/* extents writes may use now */
	u32 *refs;		/* writes in flight per slot */
	u64 *stamp;		/* @tick of the last use; 0 = never */
	u64 tick;
	wait_queue_head_t wait;	/* a slot's refs dropped to 0 */

	u32 size;		/* table size in the metadata */
	u32 nr;			/* slots in use (al-extents), <= @size */
};

int nbr_al_create(struct nbr_md *md, u32 al_extents)
{
	u32 size = md->sb.al_extents;
	struct nbr_al *al;

	if (!al_extents || al_extents > size)
		return -EINVAL;
	al = kzalloc(sizeof(*al), GFP_KERNEL);
	if (!al)
		return -ENOMEM;
	mutex_init(&al->mutex);
	spin_lock_init(&al->lock);
	init_waitqueue_head(&al->wait);
	al->size = size;
	al->nr = al_extents;
	al->disk = kvmalloc_array(size, sizeof(u32), GFP_KERNEL);
	al->active = kvmalloc_array(size, sizeof(u32), GFP_KERNEL);
	al->refs = kvcalloc(size, sizeof(u32), GFP_KERNEL);
	al->stamp = kvcalloc(size, sizeof(u64), GFP_KERNEL);
	al->txn = kvmalloc(sizeof(*al->txn), GFP_KERNEL);
	al->page = (void *)__get_free_page(GFP_KERNEL);
	md->al = al;
	if (!al->disk || !al->active || !al->refs || !al->stamp || !al->txn ||
	    !al->page)
		return -ENOMEM;	/* nbr_al_destroy() frees what there is */
	nbr_al_table_init(al->disk, size);
	nbr_al_table_init(al->active, size);
	return 0;
}

void nbr_al_destroy(struct nbr_md *md)
{
	struct nbr_al *al = md->al;

	if (!al)
		return;
	kvfree(al->disk);
	kvfree(al->active);
	kvfree(al->refs);
	kvfree(al->stamp);
	kvfree(al->txn);
	if (al->page)
		free_page((unsigned long)al->page);
	kfree(al);
	md->al = NULL;
}

/* Caller holds al->lock. Slot of @extent among the used ones, or -1. */
static int __find(struct nbr_al *al, u32 extent)
{
	return nbr_al_table_find(al->active, al->nr, extent);
}

/* Caller holds al->lock: references on [first, last] if all active. */
static bool __try_get(struct nbr_al *al, u64 first, u64 last)
{
	u64 e;
	int slot;

	for (e = first; e <= last; e++)
		if (__find(al, (u32)e) < 0)
			return false;
	al->tick++;
	for (e = first; e <= last; e++) {
		slot = __find(al, (u32)e);
		al->refs[slot]++;
		al->stamp[slot] = al->tick;
	}
	return true;
}

/*
 * Caller holds al->lock: @n unreferenced slots, least recently used
 * first, none holding an extent of [first, last], into @slots; false
 * when there are not enough.
 */
static bool __pick(struct nbr_al *al, u64 first, u64 last, u16 *slots,
		   u32 n)
{
	u32 i, j, k;

	for (i = 0; i < n; i++) {
		int best = -1;

		for (j = 0; j < al->nr; j++) {
			/* Busy, or an extent this write needs. */
			if (al->refs[j] || (al->active[j] >= first &&
					    al->active[j] <= last))
				continue;
			for (k = 0; k < i && slots[k] != j; k++)
				;
			if (k < i)
				continue;
			if (best < 0 || al->stamp[j] < al->stamp[best])
				best = j;
		}
		if (best < 0)
			return false;
		slots[i] = best;
	}
	return true;
}

/* Could __pick() find @n slots now? */
static bool enough_free(struct nbr_al *al, u64 first, u64 last, u32 n)
{
	unsigned long flags;
	u32 i, free = 0;

	spin_lock_irqsave(&al->lock, flags);
	for (i = 0; i < al->nr && free < n; i++)
		if (!al->refs[i] &&
		    (al->active[i] < first || al->active[i] > last))
			free++;
	spin_unlock_irqrestore(&al->lock, flags);
	return free >= n;
}

/* Caller holds al->mutex. Write transaction al->seq. May sleep. */
static int write_txn(struct nbr_device *dev, struct nbr_md *md,
		     const u16 *slots, u32 n)
{
	struct nbr_al *al = md->al;
	u64 at;
	int err;

	lockdep_assert_held(&al->mutex);
	err = nbr_al_txn_build(al->txn, al->seq, al->disk, al->size, slots, n);
	if (err)
		return err;
	nbr_al_encode(al->page, PAGE_SIZE, al->txn);
	at = md->sb.al_offset + (al->seq % md->sb.al_slots) * NBR_MD_BLOCK;
	err = nbr_md_io(md, al->page, at, NBR_MD_BLOCK,
			REQ_OP_WRITE | REQ_SYNC | REQ_FUA);
	if (err) {
		nbr_err(dev, "writing activity-log transaction %llu failed: error %d\n",
			al->seq, err);
		return err;
	}
	al->seq++;
	atomic64_inc(&md->al_writes);
	return 0;
}

/* Before the first transaction after a clean attach: the log is live. */
static int mark_al_live(struct nbr_device *dev, struct nbr_md *md)
{
	int err = 0;

	mutex_lock(&md->mutex);
	if (md->sb.flags & NBR_MDF_AL_CLEAN) {
		md->sb.flags &= ~NBR_MDF_AL_CLEAN;
		err = nbr_md_write_sb(dev, md);
		if (err)
			md->sb.flags |= NBR_MDF_AL_CLEAN;
	}
	mutex_unlock(&md->mutex);
	return err;
}

/* Caller holds al->mutex: make [first, last] active. May sleep. */
static int activate(struct nbr_device *dev, struct nbr_md *md, u64 first,
		    u64 last)
{
	struct nbr_al *al = md->al;
	u32 old[NBR_AL_UPDATES], miss[NBR_AL_UPDATES];
	u16 slots[NBR_AL_UPDATES];
	u32 n, i;
	u64 e;
	int err = 0;

	for (;;) {
		spin_lock_irq(&al->lock);
		if (__try_get(al, first, last)) {
			spin_unlock_irq(&al->lock);
			return 0;
		}
		n = 0;
		for (e = first; e <= last; e++)
			if (__find(al, (u32)e) < 0)
				miss[n++] = (u32)e;
		if (__pick(al, first, last, slots, n))
			break;
		spin_unlock_irq(&al->lock);
		/* Every slot is busy: wait for writes to complete. */
		wait_event(al->wait, enough_free(al, first, last, n));
	}
	for (i = 0; i < n; i++) {
		old[i] = al->active[slots[i]];
		al->active[slots[i]] = NBR_AL_EXTENT_NONE;
	}
	spin_unlock_irq(&al->lock);

	/* An evicted extent's bits reach the disk before it leaves the log. */
	for (i = 0; i < n && !err; i++) {
		u64 bf, bl;

		if (old[i] == NBR_AL_EXTENT_NONE)
			continue;
		nbr_al_extent_bits(old[i], &bf, &bl);
		err = nbr_bm_write_range(dev, md, bf, bl);
	}
	if (!err)
		err = mark_al_live(dev, md);
	if (!err) {
		for (i = 0; i < n; i++)
			al->disk[slots[i]] = miss[i];
		err = write_txn(dev, md, slots, n);
		if (err)	/* unknown on disk: treat as evicted */
			for (i = 0; i < n; i++)
				al->disk[slots[i]] = NBR_AL_EXTENT_NONE;
	}
	spin_lock_irq(&al->lock);
	for (i = 0; i < n; i++) {
		al->active[slots[i]] = err ? NBR_AL_EXTENT_NONE : miss[i];
		al->stamp[slots[i]] = 0;
	}
	if (!err && !__try_get(al, first, last))
		err = -EIO;	/* cannot happen: the slots were ours */
	spin_unlock_irq(&al->lock);
	return err;
}

bool nbr_al_try_begin_io(struct nbr_md *md, u64 sector, u32 size)
{
	struct nbr_al *al = md->al;
	unsigned long flags;
	u64 first, last;
	bool got;

	if (!nbr_al_extents_of(sector, size, &first, &last))
		return true;
	if (last - first >= NBR_AL_UPDATES || last - first >= al->nr)
		return false;
	spin_lock_irqsave(&al->lock, flags);
	got = __try_get(al, first, last);
	spin_unlock_irqrestore(&al->lock, flags);
	return got;
}

int nbr_al_begin_io(struct nbr_device *dev, struct nbr_md *md, u64 sector,
		    u32 size)
{
	struct nbr_al *al = md->al;
	u64 first, last;
	bool got;
	int err;

	might_sleep();
	if (!nbr_al_extents_of(sector, size, &first, &last))
		return 0;
	if (last - first >= NBR_AL_UPDATES || last - first >= al->nr)
		return -E2BIG;
	spin_lock_irq(&al->lock);
	got = __try_get(al, first, last);
	spin_unlock_irq(&al->lock);
	if (got)
		return 0;
	mutex_lock(&al->mutex);
	err = activate(dev, md, first, last);
	mutex_unlock(&al->mutex);
	return err;
}

void nbr_al_complete_io(struct nbr_md *md, u64 sector, u32 size)
{
	struct nbr_al *al = md->al;
	unsigned long flags;
	bool wake = false;
	u64 first, last, e;
	int slot;

	if (!nbr_al_extents_of(sector, size, &first, &last))
		return;
	spin_lock_irqsave(&al->lock, flags);
	for (e = first; e <= last; e++) {
		slot = __find(al, (u32)e);
		if (WARN_ON_ONCE(slot < 0 || !al->refs[slot]))
			continue;
		if (!--al->refs[slot])
			wake = true;
	}
	spin_unlock_irqrestore(&al->lock, flags);
	if (wake)
		wake_up(&al->wait);
}

/*
 * Empty the table and write it whole (one transaction per context
 * slice), so that a replay finds no active extent. The caller made sure
 * no write is in flight. May sleep.
 */
int nbr_al_write_clean(struct nbr_device *dev, struct nbr_md *md)
{
	struct nbr_al *al = md->al;
	u32 chunks = DIV_ROUND_UP(al->size, NBR_AL_CONTEXT), i;
	int err = 0;

	mutex_lock(&al->mutex);
	spin_lock_irq(&al->lock);
	nbr_al_table_init(al->active, al->size);
	spin_unlock_irq(&al->lock);
	nbr_al_table_init(al->disk, al->size);
	for (i = 0; i < chunks && !err; i++)
		err = write_txn(dev, md, NULL, 0);
	mutex_unlock(&al->mutex);
	return err;
}

/* Read and decode the ring into @ring (NULL for blank or torn blocks). */
static int read_ring(struct nbr_md *md, struct nbr_al_txn *txns,
		     const struct nbr_al_txn **ring, bool clean,
		     const char **reason)
{
	struct nbr_al *al = md->al;
	u32 i;
	int err;

	for (i = 0; i < md->sb.al_slots; i++) {
		err = nbr_md_io(md, al->page,
				md->sb.al_offset + (u64)i * NBR_MD_BLOCK,
				NBR_MD_BLOCK, REQ_OP_READ | REQ_SYNC);
		if (err) {
			*reason = "I/O error reading the activity log";
			return err;
		}
		err = nbr_al_decode(al->page, NBR_MD_BLOCK, i,
				    md->sb.al_slots, al->size, &txns[i],
				    reason);
		ring[i] = err ? NULL : &txns[i];
		/* Unused and torn blocks are expected; others are not ours. */
		if (err && err != -NBR_MD_E_BLANK && err != -NBR_MD_E_CRC &&
		    !clean)
			return err;
	}
	return 0;
}

int nbr_al_read_and_apply(struct nbr_device *dev, struct nbr_md *md,
			  const char **reason)
{
	bool clean = md->sb.flags & NBR_MDF_AL_CLEAN;
	struct nbr_al *al = md->al;
	const struct nbr_al_txn **ring;
	struct nbr_al_txn *txns;
	u32 *table = NULL, i, n = 0;
	int err;

	txns = kvmalloc_array(md->sb.al_slots, sizeof(*txns), GFP_KERNEL);
	ring = kcalloc(md->sb.al_slots, sizeof(*ring), GFP_KERNEL);
	table = kvmalloc_array(al->size, sizeof(u32), GFP_KERNEL);
	err = -ENOMEM;
	*reason = "out of memory";
	if (!txns || !ring || !table)
		goto out;
	err = read_ring(md, txns, ring, clean, reason);
	if (err)
		goto out;
	if (clean) {
		/* Only the sequence number matters: continue after it. */
		for (i = 0; i < md->sb.al_slots; i++)
			if (ring[i] && ring[i]->seq >= al->seq)
				al->seq = ring[i]->seq + 1;
		goto out;
	}
	err = nbr_al_replay(ring, md->sb.al_slots, table, al->size, &al->seq,
			    reason);
	if (err)
		goto out;
	for (i = 0; i < al->size; i++) {
		if (table[i] == NBR_AL_EXTENT_NONE)
			continue;
		nbr_bm_mark(md, (u64)table[i] << (NBR_AL_EXTENT_SHIFT - 9),
			    NBR_AL_EXTENT_SIZE);
		n++;
	}
	nbr_warn(dev, "activity log was not clean: %u extents (%u MiB) marked out of sync\n",
		 n, n * (NBR_AL_EXTENT_SIZE >> 20));
out:
	kvfree(table);
	kfree(ring);
	kvfree(txns);
	return err;
}
