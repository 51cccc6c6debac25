// SPDX-License-Identifier: GPL-2.0-only
/*
 * The local backing device: attach (exclusive open, metadata, size, queue
 * limits) and detach (wait for in-flight I/O, write the metadata, then
 * let go).
 *
 * Attach reads and validates the metadata (md.c) before anything else
 * happens; a disk without valid metadata is refused and never written.
 * The device exports the data area only, never the metadata, and the
 * disk state comes from the metadata flags (nbr_md_disk_state()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>

#include "nbr_int.h"
#include "nbr_md.h"
#include "nbr_state_rules.h"

#define NBR_BACKING_MODE (FMODE_READ | FMODE_WRITE | FMODE_EXCL)

static void explain_open_error(struct nbr_device *dev, const char *path,
			       int err, struct netlink_ext_ack *extack)
{
	switch (err) {
	case -EBUSY:
		nbr_extack(extack, "%s is in use (mounted, opened exclusively, or attached elsewhere)",
			   path);
		break;
	case -ENOENT:
		nbr_extack(extack, "%s does not exist", path);
		break;
	case -ENOTBLK:
		nbr_extack(extack, "%s is not a block device", path);
		break;
	case -EMEDIUMTYPE:
		nbr_extack(extack, "%s refuses to open (a Secondary nb device?)",
			   path);
		break;
	default:
		nbr_extack(extack, "cannot open %s exclusively: error %d", path,
			   err);
		break;
	}
}

/* Our queue follows the backing device's block sizes. */
static void stack_limits(struct nbr_device *dev, struct block_device *bdev)
{
	struct request_queue *q = dev->disk->queue;

	blk_queue_logical_block_size(q, bdev_logical_block_size(bdev));
	blk_queue_physical_block_size(q, bdev_physical_block_size(bdev));
	blk_queue_io_min(q, bdev_io_min(bdev));
}

static int set_disk_state(struct nbr_device *dev, enum nbr_disk_state d,
			  const char *why, struct netlink_ext_ack *extack)
{
	struct nbr_state_req r;

	nbr_state_req_init(&r);
	r.disk = d;
	return nbr_change_state(dev, &r, why, extack);
}

/* Publish or withdraw the metadata (see struct nbr_device). */
static void set_md(struct nbr_device *dev, struct nbr_md *md)
{
	mutex_lock(&dev->state_mutex);
	spin_lock_irq(&dev->lock);
	dev->md = md;
	spin_unlock_irq(&dev->lock);
	mutex_unlock(&dev->state_mutex);
}

/*
 * The exported size: the data area, or less with size_limit, and never
 * more than the size last agreed with the peer. A node alone must not
 * grow: writes past the peer's end could not be replicated, and a
 * Primary that grew would refuse its peer when it comes back (the
 * device cannot shrink under a Primary). It grows when both nodes'
 * disks allow it, at connect (kernel/lib/handshake.c).
 */
static int data_size(struct nbr_device *dev, const char *path,
		     struct nbr_md *md, u64 size_limit, u64 *sectors,
		     struct netlink_ext_ack *extack)
{
	*sectors = md->sb.data_sectors;
	if (size_limit > *sectors) {
		nbr_extack(extack, "size %llu sectors is larger than the data area of %s (%llu sectors)",
			   size_limit, path, *sectors);
		return -EINVAL;
	}
	if (size_limit)
		*sectors = size_limit;
	if (md->sb.la_size_sect && md->sb.la_size_sect < *sectors) {
		nbr_info(dev, "%s: %llu sectors, the size last agreed with the peer (the disk allows %llu)\n",
			 path, md->sb.la_size_sect, *sectors);
		*sectors = md->sb.la_size_sect;
	}
	if (!*sectors) {
		nbr_extack(extack, "%s has no data area", path);
		return -EINVAL;
	}
	return 0;
}

/* Caller holds conf_lock. May sleep. */
int nbr_attach(struct nbr_device *dev, const char *path, u64 size_limit,
	       enum nbr_on_io_error on_io_error,
	       const struct nbr_disk_conf *dc,
	       struct netlink_ext_ack *extack)
{
	struct block_device *bdev;
	struct nbr_md *md = NULL;
	u64 sectors;
	int err;

	lockdep_assert_held(&dev->conf_lock);
	if (nbr_get_state(dev).disk != NBR_D_DISKLESS) {
		nbr_extack(extack, "nb%u has a disk attached (%s); detach it first",
			   dev->minor, dev->backing_path);
		return -EBUSY;
	}
	bdev = blkdev_get_by_path(path, NBR_BACKING_MODE, dev);
	if (IS_ERR(bdev)) {
		err = PTR_ERR(bdev);
		explain_open_error(dev, path, err, extack);
		return err;
	}
	if (!bdev_nr_sectors(bdev)) {
		nbr_extack(extack, "%s has no capacity", path);
		err = -EINVAL;
		goto out_put_bdev;
	}
	strscpy(dev->backing_path, path, sizeof(dev->backing_path));
	err = nbr_md_open(dev, bdev, dc, &md, extack);
	if (err)
		goto out_put_bdev;
	err = data_size(dev, path, md, size_limit, &sectors, extack);
	if (err)
		goto out_close_md;

	set_md(dev, md);
	spin_lock_irq(&dev->lock);
	dev->backing = bdev;
	nbr_flush_track_init(&dev->disk_flush);
	spin_unlock_irq(&dev->lock);
	dev->size_limit = size_limit;
	WRITE_ONCE(dev->on_io_error, on_io_error);
	err = set_disk_state(dev, NBR_D_ATTACHING, "attach", extack);
	if (err)
		goto out_clear_backing;

	stack_limits(dev, bdev);
	set_capacity_and_notify(dev->disk, sectors);

	err = set_disk_state(dev, nbr_md_disk_state(md), "attached", extack);
	if (err)
		goto out_diskless;
	nbr_info(dev, "attached %s, %llu sectors of data\n", path, sectors);
	return 0;

out_diskless:
	set_capacity_and_notify(dev->disk, 0);
	set_disk_state(dev, NBR_D_DISKLESS, "attach failed", NULL);
out_clear_backing:
	spin_lock_irq(&dev->lock);
	dev->backing = NULL;
	spin_unlock_irq(&dev->lock);
	set_md(dev, NULL);
out_close_md:
	nbr_md_discard(md);
out_put_bdev:
	dev->backing_path[0] = '\0';
	blkdev_put(bdev, NBR_BACKING_MODE);
	return err;
}

/*
 * Let go of the backing device. Without @force a Primary keeps its disk
 * unless it is connected to a peer with UpToDate data, through which it
 * then reads and writes; otherwise the disk is its only copy.
 * Caller holds conf_lock; @extack may be NULL (module unload). May sleep.
 */
int nbr_detach(struct nbr_device *dev, bool force,
	       struct netlink_ext_ack *extack)
{
	struct block_device *bdev;
	struct nbr_state st;
	struct nbr_md *md;
	int err;

	lockdep_assert_held(&dev->conf_lock);
	st = nbr_get_state(dev);
	if (st.disk == NBR_D_DISKLESS && !dev->backing)
		return 0;
	if (st.role == NBR_R_PRIMARY && !force &&
	    !(st.conn >= NBR_C_CONNECTED && st.peer_disk == NBR_D_UPTODATE)) {
		nbr_extack(extack, "nb%u is Primary and its disk holds the only copy of the data; make it Secondary first (or detach --force: I/O then fails)",
			   dev->minor);
		return -EBUSY;
	}
	err = set_disk_state(dev, NBR_D_DISKLESS, "detach", extack);
	if (err)
		return err;
	/* No new bio takes a local reference now; wait for the old ones. */
	nbr_wait_local_idle(dev);

	md = dev->md;
	set_md(dev, NULL);
	/* Bitmap, clean activity log, superblock: a clean stop. */
	if (md)
		nbr_md_close(dev, md);
	spin_lock_irq(&dev->lock);
	bdev = dev->backing;
	dev->backing = NULL;
	spin_unlock_irq(&dev->lock);
	if (st.role != NBR_R_PRIMARY)
		set_capacity_and_notify(dev->disk, 0);
	blkdev_put(bdev, NBR_BACKING_MODE);
	nbr_info(dev, "detached %s\n", dev->backing_path);
	dev->backing_path[0] = '\0';
	dev->size_limit = 0;
	return 0;
}

/*
 * A bio on the backing device failed. With on-io-error detach the disk is
 * dropped (Failed, then Diskless) from a work item, because state changes
 * sleep; with pass_on the error only goes up to the caller. Any context.
 */
void nbr_local_io_error(struct nbr_device *dev)
{
	if (READ_ONCE(dev->on_io_error) == NBR_IOERR_DETACH)
		queue_work(system_wq, &dev->io_error_work);
}

/*
 * The disk's metadata could not be written (an activity-log update for
 * a write): with on-io-error detach the disk is Failed at once, so that
 * the write can go to the peer alone instead of failing, and the detach
 * follows from the work item. True when the disk is out of use now. No
 * conf_lock: this is the I/O path, and a detach holding conf_lock waits
 * for the caller's local reference. May sleep.
 */
bool nbr_md_io_error(struct nbr_device *dev)
{
	if (READ_ONCE(dev->on_io_error) != NBR_IOERR_DETACH)
		return false;
	/* Several writes may find out; the first one fails the disk. */
	if (nbr_disk_has_data(nbr_get_state(dev).disk)) {
		set_disk_state(dev, NBR_D_FAILED, "metadata I/O error", NULL);
		queue_work(system_wq, &dev->io_error_work);
	}
	return !nbr_disk_has_data(nbr_get_state(dev).disk);
}

/*
 * Runs outside every lock; takes conf_lock like an admin request. The
 * device cannot be freed under it: nbr_free_device() cancels this work
 * first, and never with conf_lock held.
 */
void nbr_io_error_work(struct work_struct *work)
{
	struct nbr_device *dev = container_of(work, struct nbr_device,
					      io_error_work);

	mutex_lock(&dev->conf_lock);
	if (dev->backing && set_disk_state(dev, NBR_D_FAILED,
					   "local I/O error", NULL) == 0) {
		nbr_err(dev, "local disk %s failed; detaching it (on-io-error detach)\n",
			dev->backing_path);
		nbr_detach(dev, true, NULL);
	}
	mutex_unlock(&dev->conf_lock);
}
