// SPDX-License-Identifier: GPL-2.0-only
/*
 * The in-memory dirty bitmap of an attached disk: one bit per 4 KiB of
 * the data area, in the on-disk representation (kernel/lib/bitmap.c does
 * the math), and its write-back in runs of 4 KiB blocks.
 *
 * Locking: md->bm_lock (irq-safe: bits are set and cleared in bio
 * completion) protects md->bm, md->bm_set and md->bm_dirty. A block is
 * written from a copy taken under the lock; its dirty bit is cleared when
 * the copy is taken, so a change made while the write is in flight marks
 * it dirty again. Writers of blocks need no other lock: two writers of
 * one block each write a copy at least as new as the clean mark.
 *
 * Setting a bit is always safe to write. Clearing one says "this block is
 * on both disks", which is true only once the data write is durable: a
 * block whose cleared bit reached the disk before its data would be
 * skipped by the resync after a power loss (a SyncTarget acks resync
 * data when its write completes, and the source forgets the block then).
 * So a block copy that includes clears is written only after a flush of
 * the backing disk issued after them (md->bm_clears).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/blkdev.h>
#include <linux/gfp.h>

#include "nbr_int.h"
#include "nbr_md.h"
#include "nbr_bitmap.h"

#define BITS_PER_BM_BLOCK ((u64)NBR_BM_BITS_PER_BLOCK)

/* Caller holds bm_lock: bitmap blocks holding bits [first, last]. */
static void mark_blocks_dirty(struct nbr_md *md, u64 first, u64 last)
{
	u64 b;

	for (b = first / BITS_PER_BM_BLOCK; b <= last / BITS_PER_BM_BLOCK &&
	     b < md->bm_blocks; b++)
		__set_bit(b, md->bm_dirty);
}

u64 nbr_bm_set_bits(struct nbr_md *md, u64 first, u64 end)
{
	unsigned long flags;
	u64 n;

	end = min(end, md->bm_bits);
	if (first >= end)
		return 0;
	spin_lock_irqsave(&md->bm_lock, flags);
	n = nbr_bits_set(md->bm, md->bm_bits, first, end - 1);
	if (n) {
		md->bm_set += n;
		mark_blocks_dirty(md, first, end - 1);
	}
	spin_unlock_irqrestore(&md->bm_lock, flags);
	return n;
}

u64 nbr_bm_mark(struct nbr_md *md, u64 sector, u32 size)
{
	u64 first, last;

	if (!nbr_bm_range(sector, size, &first, &last))
		return 0;
	return nbr_bm_set_bits(md, first, last + 1);
}

u64 nbr_bm_clear(struct nbr_md *md, u64 sector, u32 size)
{
	unsigned long flags;
	u64 first, last, n;

	if (!nbr_bm_range_inner(sector, size, &first, &last))
		return 0;
	spin_lock_irqsave(&md->bm_lock, flags);
	n = nbr_bits_clear(md->bm, md->bm_bits, first, last);
	if (n) {
		md->bm_set -= n;
		mark_blocks_dirty(md, first, last);
		nbr_flush_write_done(&md->bm_clears, false);
	}
	spin_unlock_irqrestore(&md->bm_lock, flags);
	return n;
}

void nbr_bm_set_all(struct nbr_md *md)
{
	unsigned long flags;

	if (!md->bm_bits)
		return;
	spin_lock_irqsave(&md->bm_lock, flags);
	nbr_bits_set(md->bm, md->bm_bits, 0, md->bm_bits - 1);
	md->bm_set = md->bm_bits;
	bitmap_fill(md->bm_dirty, md->bm_blocks);
	spin_unlock_irqrestore(&md->bm_lock, flags);
}

void nbr_bm_clear_all(struct nbr_md *md)
{
	unsigned long flags;

	if (!md->bm_bits)
		return;
	spin_lock_irqsave(&md->bm_lock, flags);
	nbr_bits_clear(md->bm, md->bm_bits, 0, md->bm_bits - 1);
	md->bm_set = 0;
	bitmap_fill(md->bm_dirty, md->bm_blocks);
	nbr_flush_write_done(&md->bm_clears, false);
	spin_unlock_irqrestore(&md->bm_lock, flags);
}

u64 nbr_bm_weight(struct nbr_md *md)
{
	return READ_ONCE(md->bm_set);
}

u64 nbr_bm_weight_below(struct nbr_md *md, u64 end)
{
	unsigned long flags;
	u64 n;

	if (end >= md->bm_bits)
		return READ_ONCE(md->bm_set);
	spin_lock_irqsave(&md->bm_lock, flags);
	n = md->bm_set - nbr_bm_count_range(md->bm, md->bm_bits, end,
					    md->bm_bits - 1);
	spin_unlock_irqrestore(&md->bm_lock, flags);
	return n;
}

u64 nbr_bm_find_next(struct nbr_md *md, u64 from)
{
	unsigned long flags;
	u64 bit;

	spin_lock_irqsave(&md->bm_lock, flags);
	bit = nbr_bits_find_next(md->bm, md->bm_bits, from);
	spin_unlock_irqrestore(&md->bm_lock, flags);
	return bit;
}

u64 nbr_bm_next_run(struct nbr_md *md, u64 from, u64 max, u64 *len)
{
	unsigned long flags;
	u64 bit;

	spin_lock_irqsave(&md->bm_lock, flags);
	bit = nbr_bits_next_run(md->bm, md->bm_bits, from, max, len);
	spin_unlock_irqrestore(&md->bm_lock, flags);
	return bit;
}

/* Bitmap blocks per write: up to 64 KiB of consecutive blocks at once. */
#define BM_WRITE_ORDER 4

/*
 * Take a copy of block @b into @dst if it is dirty (or @force) and mark
 * it clean; false when it needs no write.
 */
static bool copy_block(struct nbr_md *md, u64 b, void *dst, bool force)
{
	unsigned long flags;
	bool take;

	spin_lock_irqsave(&md->bm_lock, flags);
	take = force || test_bit(b, md->bm_dirty);
	if (take) {
		__clear_bit(b, md->bm_dirty);
		memcpy(dst, (u8 *)md->bm + b * NBR_MD_BLOCK, NBR_MD_BLOCK);
	}
	spin_unlock_irqrestore(&md->bm_lock, flags);
	return take;
}

/* Blocks [b0, b1) are not known to be on disk: write them again next time. */
static void redirty(struct nbr_md *md, u64 b0, u64 b1)
{
	unsigned long flags;

	spin_lock_irqsave(&md->bm_lock, flags);
	mark_blocks_dirty(md, b0 * BITS_PER_BM_BLOCK,
			  b1 * BITS_PER_BM_BLOCK - 1);
	spin_unlock_irqrestore(&md->bm_lock, flags);
}

/*
 * Before a copy of bitmap blocks is written: if bits were cleared since
 * the issue of the last flush that covered clears, the data writes they
 * vouch for become durable first. The backing disk is flushed only if it
 * has volatile writes at all (dev->disk_flush). May sleep.
 */
static int flush_before_clears(struct nbr_device *dev, struct nbr_md *md)
{
	unsigned long flags;
	u64 ticket, disk_ticket;
	bool needed;
	int err;

	if (!md->conf.md_flushes)
		return 0;
	spin_lock_irqsave(&md->bm_lock, flags);
	needed = nbr_flush_needed(&md->bm_clears);
	if (needed)
		ticket = nbr_flush_issue(&md->bm_clears);
	spin_unlock_irqrestore(&md->bm_lock, flags);
	if (!needed)
		return 0;
	if (nbr_disk_flush_needed(dev)) {
		disk_ticket = nbr_disk_flush_issue(dev);
		err = blkdev_issue_flush(md->data_bdev);
		if (err)
			return err;
		nbr_disk_io_done(dev, true, disk_ticket, 0, false, BLK_STS_OK);
	}
	spin_lock_irqsave(&md->bm_lock, flags);
	nbr_flush_done(&md->bm_clears, ticket);
	spin_unlock_irqrestore(&md->bm_lock, flags);
	return 0;
}

/*
 * Write the blocks [b0, b1) that are dirty (all of them with @force).
 * Consecutive blocks go out as one write without FUA, and one cache
 * flush at the end makes them all durable: a 1 TiB disk's 8192 bitmap
 * blocks cost one flush, not one each. May sleep.
 */
static int write_blocks(struct nbr_device *dev, struct nbr_md *md, u64 b0,
			u64 b1, bool force)
{
	unsigned int order = BM_WRITE_ORDER, n;
	bool wrote = false;
	u64 b = b0, start;
	void *buf;
	int err = 0;

	b1 = min(b1, md->bm_blocks);
	if (b0 >= b1)
		return 0;
	buf = (void *)__get_free_pages(GFP_NOIO | __GFP_NOWARN, order);
	if (!buf) {
		order = 0;
		buf = (void *)__get_free_page(GFP_NOIO);
		if (!buf)
			return -ENOMEM;
	}
	while (b < b1 && !err) {
		start = b;
		for (n = 0; b < b1 && n < (1u << order); n++, b++)
			if (!copy_block(md, b, buf + n * NBR_MD_BLOCK, force))
				break;
		if (!n) {
			b++;
			continue;
		}
		err = flush_before_clears(dev, md);
		if (err) {
			redirty(md, start, start + n);
			nbr_err(dev, "flushing the data before bitmap blocks %llu-%llu failed: error %d\n",
				start, start + n - 1, err);
			break;
		}
		err = nbr_md_io(md, buf, md->sb.bm_offset + start * NBR_MD_BLOCK,
				n * NBR_MD_BLOCK, REQ_OP_WRITE | REQ_SYNC);
		if (err) {
			redirty(md, start, start + n);
			nbr_err(dev, "writing bitmap blocks %llu-%llu failed: error %d\n",
				start, start + n - 1, err);
			break;
		}
		atomic64_add(n, &md->bm_writes);
		wrote = true;
	}
	free_pages((unsigned long)buf, order);
	if (err || !wrote)
		return err;
	err = nbr_md_flush(md);
	if (err) {
		redirty(md, b0, b1);
		nbr_err(dev, "flushing the bitmap failed: error %d\n", err);
	}
	return err;
}

/* Write the blocks of bits [first, last] that changed. May sleep. */
int nbr_bm_write_range(struct nbr_device *dev, struct nbr_md *md, u64 first,
		       u64 last)
{
	if (!md->bm_blocks || first >= md->bm_bits)
		return 0;
	return write_blocks(dev, md, first / BITS_PER_BM_BLOCK,
			    last / BITS_PER_BM_BLOCK + 1, false);
}

int nbr_bm_write_dirty(struct nbr_device *dev, struct nbr_md *md)
{
	return write_blocks(dev, md, 0, md->bm_blocks, false);
}

int nbr_bm_write_all(struct nbr_device *dev, struct nbr_md *md)
{
	return write_blocks(dev, md, 0, md->bm_blocks, true);
}

int nbr_bm_encode(struct nbr_md *md, u64 first, u64 end, u8 *out,
		  size_t len, u64 *done)
{
	unsigned long flags;
	int ret;

	end = min(end, md->bm_bits);
	if (first >= end)
		return -EINVAL;
	spin_lock_irqsave(&md->bm_lock, flags);
	ret = nbr_rle_encode(md->bm, md->bm_bits, first, end - first, out, len,
			     done);
	spin_unlock_irqrestore(&md->bm_lock, flags);
	return ret;
}

int nbr_bm_merge(struct nbr_md *md, const u8 *in, size_t len, u64 first,
		 u64 nbits, const char **reason)
{
	unsigned long flags;
	u64 before;
	int ret;

	spin_lock_irqsave(&md->bm_lock, flags);
	before = nbr_bm_count_range(md->bm, md->bm_bits, first,
				    first + nbits - 1);
	ret = nbr_rle_decode(in, len, md->bm, md->bm_bits, first, nbits,
			     reason);
	if (!ret) {
		u64 after = nbr_bm_count_range(md->bm, md->bm_bits, first,
					       first + nbits - 1);

		if (after != before) {
			md->bm_set += after - before;
			mark_blocks_dirty(md, first, first + nbits - 1);
		}
	}
	spin_unlock_irqrestore(&md->bm_lock, flags);
	return ret;
}
