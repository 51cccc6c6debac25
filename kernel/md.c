// SPDX-License-Identifier: GPL-2.0-only
/*
 * The metadata of an attached disk: read and validate the superblock at
 * attach, read the bitmap and replay the activity log, write the
 * superblock when the state says so, and shut down cleanly at detach.
 * The format and its checks are kernel/lib/meta.c; this file only does
 * the I/O and decides when.
 *
 * Nothing is written to a device whose superblock or activity log does
 * not validate: every check runs before the first write.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "nbr_int.h"
#include "nbr_md.h"
#include "nbr_bitmap.h"
#include "nbr_state_rules.h"

#define NBR_META_MODE (FMODE_READ | FMODE_WRITE | FMODE_EXCL)

/*
 * One synchronous metadata I/O of whole pages at byte @offset. @buf is
 * page aligned: a page from the page allocator or a vmalloc area (the
 * bitmap). May sleep.
 */
int nbr_md_io(struct nbr_md *md, void *buf, u64 offset, size_t len,
	      blk_opf_t op)
{
	bool vm = is_vmalloc_addr(buf);
	void *start = buf;
	size_t total = len;
	int err = 0;

	if (!PAGE_ALIGNED(buf) || len % PAGE_SIZE || offset % NBR_MD_BLOCK)
		return -EINVAL;
	/* md-flushes no: the disk's write cache is trusted (battery-backed). */
	if (!md->conf.md_flushes)
		op &= ~(REQ_PREFLUSH | REQ_FUA);
	if (vm && op_is_write(op))
		flush_kernel_vmap_range(buf, len);
	while (len && !err) {
		unsigned int n = min_t(size_t, len >> PAGE_SHIFT, BIO_MAX_VECS);
		struct bio *bio;
		unsigned int i;

		bio = bio_alloc(md->bdev, n, op, GFP_NOIO);
		bio->bi_iter.bi_sector = offset >> SECTOR_SHIFT;
		for (i = 0; i < n; i++) {
			void *p = buf + (size_t)i * PAGE_SIZE;
			struct page *pg = vm ? vmalloc_to_page(p) :
					       virt_to_page(p);

			__bio_add_page(bio, pg, PAGE_SIZE, 0);
		}
		err = submit_bio_wait(bio);
		bio_put(bio);
		buf += (size_t)n * PAGE_SIZE;
		offset += (u64)n * PAGE_SIZE;
		len -= (size_t)n * PAGE_SIZE;
	}
	if (vm && !op_is_write(op))
		invalidate_kernel_vmap_range(start, total);
	return err;
}

/* Make completed metadata writes durable (not with md-flushes no). */
int nbr_md_flush(struct nbr_md *md)
{
	if (!md->conf.md_flushes)
		return 0;
	return blkdev_issue_flush(md->bdev);
}

static void snapshot(struct nbr_md *md)
{
	unsigned long flags;

	spin_lock_irqsave(&md->bm_lock, flags);
	md->snap_gi.uuid_current = md->sb.uuid_current;
	md->snap_gi.bitmap = md->sb.uuid_bitmap;
	md->snap_gi.history[0] = md->sb.uuid_history[0];
	md->snap_gi.history[1] = md->sb.uuid_history[1];
	md->snap_flags = md->sb.flags;
	spin_unlock_irqrestore(&md->bm_lock, flags);
}

/* Caller holds md->mutex. May sleep. */
int nbr_md_write_sb(struct nbr_device *dev, struct nbr_md *md)
{
	void *buf;
	int err;

	lockdep_assert_held(&md->mutex);
	buf = (void *)__get_free_page(GFP_NOIO);
	if (!buf)
		return -ENOMEM;
	nbr_md_sb_encode(buf, PAGE_SIZE, &md->sb);
	err = nbr_md_io(md, buf, md->sb.sb_offset, NBR_MD_BLOCK,
			REQ_OP_WRITE | REQ_SYNC | REQ_FUA | REQ_PREFLUSH);
	free_page((unsigned long)buf);
	if (err) {
		nbr_err(dev, "writing the superblock failed: error %d\n", err);
		return err;
	}
	snapshot(md);
	return 0;
}

enum nbr_disk_state nbr_md_disk_state(const struct nbr_md *md)
{
	u32 f = md->sb.flags;

	if (!(f & NBR_MDF_CONSISTENT))
		return NBR_D_INCONSISTENT;
	return f & NBR_MDF_WAS_UP_TO_DATE ? NBR_D_UPTODATE : NBR_D_OUTDATED;
}

static u64 bdev_bytes(struct block_device *bdev)
{
	return bdev_nr_sectors(bdev) << SECTOR_SHIFT;
}

/* The advice for a superblock that failed check @err. */
static void explain_sb_error(struct nbr_device *dev,
			     const struct nbr_disk_conf *dc, const char *path,
			     int err, const char *reason,
			     struct netlink_ext_ack *extack)
{
	char where[NBR_PATH_MAX + 40] = "";

	if (dc->meta_path[0] && dc->meta_index >= 0)
		snprintf(where, sizeof(where), " --meta-disk %s --meta-index %d",
			 dc->meta_path, dc->meta_index);
	else if (dc->meta_path[0])
		snprintf(where, sizeof(where), " --meta-disk %s",
			 dc->meta_path);
	switch (-err) {
	case NBR_MD_E_BLANK:
	case NBR_MD_E_MAGIC:
		nbr_extack(extack, "%s has no nbr metadata%s (%s): run 'drbdadm create-md %s' (or drbdmeta %s create-md%s); nothing was written",
			   path, dc->meta_index > 0 ? " at that index" : "",
			   -err == NBR_MD_E_BLANK ? "blank" :
			   "it holds something else", dev->resource,
			   dev->backing_path, where);
		break;
	case NBR_MD_E_VERSION:
		nbr_extack(extack, "metadata on %s has an unknown format version (made by a newer nbr?); nothing was written",
			   path);
		break;
	case NBR_MD_E_DEVICE:
	case NBR_MD_E_DATA_DEVICE:
	case NBR_MD_E_LOCATION:
		nbr_extack(extack, "metadata on %s does not match the device (%s): %s; nothing was written",
			   path, nbr_md_strerror(err), reason);
		break;
	default:
		nbr_extack(extack, "metadata on %s is corrupt (%s): %s; inspect it with 'drbdadm dump-md %s', recreate it with 'drbdadm create-md --force %s'; nothing was written",
			   path, nbr_md_strerror(err), reason, dev->resource,
			   dev->resource);
		break;
	}
}

/* Where the superblock is, by the layout asked for. */
static int sb_location(struct nbr_md *md, const struct nbr_disk_conf *dc,
		       const char *path, u64 *at,
		       struct netlink_ext_ack *extack)
{
	u64 bytes = bdev_bytes(md->bdev);

	if (!dc->meta_path[0])
		*at = (bytes & ~(u64)(NBR_MD_BLOCK - 1)) - NBR_MD_BLOCK;
	else if (dc->meta_index < 0)
		*at = 0;
	else
		*at = (u64)dc->meta_index * NBR_MD_INDEXED_SIZE;
	if (bytes < NBR_MD_BLOCK || *at > bytes - NBR_MD_BLOCK) {
		nbr_extack(extack, "%s is too small to hold nbr metadata%s; nothing was written",
			   path, dc->meta_index >= 0 ? " at that index" : "");
		return -EINVAL;
	}
	return 0;
}

/* Read, decode and check the superblock. Writes nothing. */
static int read_sb(struct nbr_device *dev, struct nbr_md *md,
		   const struct nbr_disk_conf *dc, u64 data_bytes,
		   struct netlink_ext_ack *extack)
{
	const char *path = dc->meta_path[0] ? dc->meta_path :
					      dev->backing_path;
	const char *reason = "";
	void *buf;
	u64 at;
	int err;

	err = sb_location(md, dc, path, &at, extack);
	if (err)
		return err;
	buf = (void *)__get_free_page(GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	err = nbr_md_io(md, buf, at, NBR_MD_BLOCK, REQ_OP_READ | REQ_SYNC);
	if (err) {
		nbr_extack(extack, "cannot read the metadata of %s: I/O error %d; nothing was written",
			   path, err);
		goto out;
	}
	err = nbr_md_sb_decode(buf, NBR_MD_BLOCK, at, &md->sb, &reason);
	if (!err)
		err = nbr_md_sb_check_devices(&md->sb, bdev_bytes(md->bdev),
					      data_bytes, &reason);
	if (!err && (md->sb.layout == NBR_MD_INTERNAL) != !dc->meta_path[0]) {
		nbr_extack(extack, "metadata on %s is %s but the configuration says %s; nothing was written",
			   path, md->sb.layout == NBR_MD_INTERNAL ?
			   "internal" : "external",
			   dc->meta_path[0] ? "meta-disk" : "internal");
		err = -EINVAL;
		goto out;
	}
	if (err) {
		explain_sb_error(dev, dc, path, err, reason, extack);
		err = -EINVAL;
	}
out:
	free_page((unsigned long)buf);
	return err;
}

/* The in-memory bitmap, read from the bitmap area. */
static int read_bitmap(struct nbr_md *md, const char *path,
		       struct netlink_ext_ack *extack)
{
	u64 bytes, w;
	int err;

	md->bm_bits = nbr_bm_bits(md->sb.data_sectors);
	bytes = nbr_md_bm_bytes(md->sb.data_sectors);
	md->bm_blocks = bytes / NBR_MD_BLOCK;
	md->bm = vzalloc(bytes);
	md->bm_dirty = bitmap_zalloc(md->bm_blocks, GFP_KERNEL);
	if (!md->bm || !md->bm_dirty)
		return -ENOMEM;
	err = nbr_md_io(md, md->bm, md->sb.bm_offset, bytes,
			REQ_OP_READ | REQ_SYNC);
	if (err) {
		nbr_extack(extack, "cannot read the bitmap of %s: I/O error %d; nothing was written",
			   path, err);
		return err;
	}
	/* Bits past the data area mean nothing; keep them zero. */
	for (w = md->bm_bits; w < bytes * 8 && w % 64; w++)
		md->bm[w / 64] &= ~cpu_to_le64(1ull << (w % 64));
	for (w = DIV_ROUND_UP(md->bm_bits, 64); w < bytes / 8; w++)
		md->bm[w] = 0;
	md->bm_set = nbr_bm_count(md->bm, md->bm_bits);
	return 0;
}

static void md_free(struct nbr_md *md)
{
	nbr_al_destroy(md);
	vfree(md->bm);
	bitmap_free(md->bm_dirty);
	if (md->own_bdev)
		blkdev_put(md->bdev, NBR_META_MODE);
	kfree(md);
}

/* External metadata: its own device, opened exclusively. */
static int open_meta_dev(struct nbr_device *dev, struct nbr_md *md,
			 struct block_device *data,
			 const struct nbr_disk_conf *dc,
			 struct netlink_ext_ack *extack)
{
	struct block_device *bdev;

	if (!dc->meta_path[0]) {
		md->bdev = data;
		return 0;
	}
	bdev = blkdev_get_by_path(dc->meta_path, NBR_META_MODE, dev);
	if (IS_ERR(bdev)) {
		nbr_extack(extack, "cannot open meta-disk %s exclusively: error %ld (%s)",
			   dc->meta_path, PTR_ERR(bdev),
			   PTR_ERR(bdev) == -EBUSY ? "in use" :
			   PTR_ERR(bdev) == -ENOENT ? "does not exist" :
			   "see the kernel log");
		return PTR_ERR(bdev);
	}
	md->bdev = bdev;
	md->own_bdev = true;
	if (bdev == data) {
		nbr_extack(extack, "meta-disk %s is the data disk itself: use internal metadata",
			   dc->meta_path);
		return -EINVAL;
	}
	return 0;
}

/*
 * What a previous life left to do: an unclean AL, FULL_SYNC and a crashed
 * Primary. Called after every check passed; writes the bitmap and the
 * superblock when something changed.
 */
static int apply_leftovers(struct nbr_device *dev, struct nbr_md *md)
{
	u32 old = md->sb.flags;
	int err = 0;

	if (md->sb.flags & NBR_MDF_FULL_SYNC) {
		nbr_bm_set_all(md);
		md->sb.flags &= ~NBR_MDF_FULL_SYNC;
		nbr_info(dev, "metadata asked for a full sync: all %llu blocks marked out of sync\n",
			 md->bm_bits);
	}
	if (md->sb.flags & NBR_MDF_PRIMARY_IND) {
		md->sb.flags &= ~NBR_MDF_PRIMARY_IND;
		md->sb.flags |= NBR_MDF_CRASHED_PRIMARY;
		nbr_warn(dev, "the disk was Primary when it stopped (crashed Primary)\n");
	}
	if (!(old & NBR_MDF_AL_CLEAN))
		md->sb.flags |= NBR_MDF_AL_CLEAN;	/* applied to the bitmap */
	if (md->sb.flags == old)
		return 0;
	/* The bits first; only then may the log forget its extents. */
	err = nbr_bm_write_dirty(dev, md);
	if (!err && !(old & NBR_MDF_AL_CLEAN))
		err = nbr_al_write_clean(dev, md);
	if (!err) {
		mutex_lock(&md->mutex);
		err = nbr_md_write_sb(dev, md);
		mutex_unlock(&md->mutex);
	}
	return err;
}

int nbr_md_open(struct nbr_device *dev, struct block_device *bdev,
		const struct nbr_disk_conf *dc, struct nbr_md **res,
		struct netlink_ext_ack *extack)
{
	const char *path = dc->meta_path[0] ? dc->meta_path : "";
	const char *reason = "";
	struct nbr_md *md;
	u32 al_extents;
	int err;

	md = kzalloc(sizeof(*md), GFP_KERNEL);
	if (!md)
		return -ENOMEM;
	mutex_init(&md->mutex);
	spin_lock_init(&md->bm_lock);
	md->data_bdev = bdev;
	atomic64_set(&md->al_writes, 0);
	atomic64_set(&md->bm_writes, 0);
	err = open_meta_dev(dev, md, bdev, dc, extack);
	if (err)
		goto out_free;
	if (!path[0])
		path = dev->backing_path;
	err = read_sb(dev, md, dc, bdev_bytes(bdev), extack);
	if (err)
		goto out_free;
	err = read_bitmap(md, path, extack);
	if (err)
		goto out_free;
	al_extents = md->sb.al_extents;
	if (dc->al_extents && dc->al_extents < al_extents)
		al_extents = dc->al_extents;
	else if (dc->al_extents > al_extents)
		nbr_warn(dev, "al-extents %u is more than the metadata holds; using %u\n",
			 dc->al_extents, al_extents);
	md->conf = *dc;
	md->conf.al_extents = al_extents;
	err = nbr_al_create(md, al_extents);
	if (err)
		goto out_free;
	err = nbr_al_read_and_apply(dev, md, &reason);
	if (err) {
		nbr_extack(extack, "activity log on %s cannot be used: %s; 'drbdmeta %s check' tells more, create-md --force starts over; nothing was written",
			   path, reason, dev->backing_path);
		err = -EINVAL;
		goto out_free;
	}
	err = apply_leftovers(dev, md);
	if (err) {
		nbr_extack(extack, "cannot write the metadata of %s: error %d",
			   path, err);
		goto out_free;
	}
	snapshot(md);
	nbr_info(dev, "metadata of %s: %s, current %016llx, %llu KiB out of sync\n",
		 path, md->sb.layout == NBR_MD_INTERNAL ? "internal" : "external",
		 md->sb.uuid_current, md->bm_set * 4);
	*res = md;
	return 0;

out_free:
	md_free(md);
	return err;
}

void nbr_md_discard(struct nbr_md *md)
{
	md_free(md);
}

void nbr_md_close(struct nbr_device *dev, struct nbr_md *md)
{
	int err;

	err = nbr_bm_write_dirty(dev, md);
	/* A log that never went live since attach is clean on disk. */
	if (!err && !(md->sb.flags & NBR_MDF_AL_CLEAN))
		err = nbr_al_write_clean(dev, md);
	mutex_lock(&md->mutex);
	if (!err)
		md->sb.flags |= NBR_MDF_AL_CLEAN;
	if (!err)
		err = nbr_md_write_sb(dev, md);
	else
		nbr_md_write_sb(dev, md);	/* the log stays not clean */
	if (err)
		nbr_err(dev, "metadata not written cleanly at detach (error %d): the next attach treats the disk as crashed\n",
			err);
	mutex_unlock(&md->mutex);
	md_free(md);
}

/* The consistency flags the local disk state gives; false: keep them. */
static bool disk_flags(enum nbr_disk_state d, u32 *flags)
{
	switch (d) {
	case NBR_D_INCONSISTENT:
		*flags &= ~(NBR_MDF_CONSISTENT | NBR_MDF_WAS_UP_TO_DATE);
		return true;
	case NBR_D_OUTDATED:
		*flags |= NBR_MDF_CONSISTENT;
		*flags &= ~NBR_MDF_WAS_UP_TO_DATE;
		return true;
	case NBR_D_CONSISTENT:
		*flags |= NBR_MDF_CONSISTENT;
		return true;
	case NBR_D_UPTODATE:
		*flags |= NBR_MDF_CONSISTENT | NBR_MDF_WAS_UP_TO_DATE;
		return true;
	case NBR_D_DISKLESS:
	case NBR_D_ATTACHING:
	case NBR_D_FAILED:
	case NBR_D_NEGOTIATING:
	case NBR_D_DUNKNOWN:
	case NBR_D_COUNT:
		break;
	}
	return false;
}

static u64 new_uuid(void)
{
	u64 u;

	do {
		u = get_random_u64();
	} while (u == NBR_UUID_NONE || u == NBR_UUID_JUST_CREATED);
	return u;
}

void nbr_md_after_state(struct nbr_device *dev, const struct nbr_state *os,
			const struct nbr_state *ns)
{
	struct nbr_md *md = dev->md;	/* stable under state_mutex */
	struct nbr_gi gi;
	bool changed;
	u32 flags = 0;

	lockdep_assert_held(&dev->state_mutex);
	if (!md || !disk_flags(ns->disk, &flags))
		return;
	mutex_lock(&md->mutex);
	flags = md->sb.flags;
	disk_flags(ns->disk, &flags);
	if (ns->role == NBR_R_PRIMARY)
		flags |= NBR_MDF_PRIMARY_IND;
	else
		flags &= ~NBR_MDF_PRIMARY_IND;
	if (ns->conn >= NBR_C_CONNECTED)
		flags |= NBR_MDF_CONNECTED_IND;
	else if (os->conn >= NBR_C_CONNECTED)
		flags &= ~NBR_MDF_CONNECTED_IND;
	gi.uuid_current = md->sb.uuid_current;
	gi.bitmap = md->sb.uuid_bitmap;
	gi.history[0] = md->sb.uuid_history[0];
	gi.history[1] = md->sb.uuid_history[1];
	if (nbr_needs_new_current(os, ns)) {
		nbr_gi_new_current(&gi, &flags, new_uuid(),
				   ns->role == NBR_R_PRIMARY);
		nbr_info(dev, "new data generation %016llx (bitmap %016llx)\n",
			 gi.uuid_current, gi.bitmap);
	}
	changed = flags != md->sb.flags || gi.uuid_current != md->sb.uuid_current ||
		  gi.bitmap != md->sb.uuid_bitmap;
	if (changed) {
		md->sb.flags = flags;
		md->sb.uuid_current = gi.uuid_current;
		md->sb.uuid_bitmap = gi.bitmap;
		md->sb.uuid_history[0] = gi.history[0];
		md->sb.uuid_history[1] = gi.history[1];
		if (nbr_md_write_sb(dev, md))
			nbr_local_io_error(dev);
	}
	mutex_unlock(&md->mutex);
}

bool nbr_md_get_gi(struct nbr_device *dev, struct nbr_gi *gi, u32 *flags)
{
	unsigned long irq;
	struct nbr_md *md;

	spin_lock_irqsave(&dev->lock, irq);
	md = dev->md;
	if (md) {
		spin_lock(&md->bm_lock);
		*gi = md->snap_gi;
		*flags = md->snap_flags;
		spin_unlock(&md->bm_lock);
	}
	spin_unlock_irqrestore(&dev->lock, irq);
	return md;
}

bool nbr_md_get_conf(struct nbr_device *dev, struct nbr_disk_conf *dc)
{
	unsigned long irq;
	struct nbr_md *md;

	spin_lock_irqsave(&dev->lock, irq);
	md = dev->md;
	if (md)
		*dc = md->conf;
	spin_unlock_irqrestore(&dev->lock, irq);
	return md;
}

void nbr_md_counters(struct nbr_device *dev, u64 *oos_kib, u64 *al_writes,
		     u64 *bm_writes)
{
	unsigned long irq;
	struct nbr_md *md;
	u64 bits;

	*oos_kib = 0;
	*al_writes = 0;
	*bm_writes = 0;
	/* The device as it is now: a peer's disk may be smaller. */
	bits = nbr_bm_bits(get_capacity(dev->disk));
	spin_lock_irqsave(&dev->lock, irq);
	md = dev->md;
	if (md) {
		*oos_kib = nbr_bm_weight_below(md, bits) * 4;
		*al_writes = atomic64_read(&md->al_writes);
		*bm_writes = atomic64_read(&md->bm_writes);
	}
	spin_unlock_irqrestore(&dev->lock, irq);
}

void nbr_md_mark_oos(struct nbr_device *dev, u64 sector, u32 size)
{
	struct block_device *bdev;
	struct nbr_md *md;

	if (!nbr_get_local(dev, &bdev))
		return;
	md = READ_ONCE(dev->md);
	if (md)
		nbr_bm_mark(md, sector, size);
	nbr_put_local(dev);
}
