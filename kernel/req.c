// SPDX-License-Identifier: GPL-2.0-only
/*
 * The I/O path: every bio on /dev/nbX is cloned onto the backing device.
 * Reads and unreplicated writes complete when the clone does, with the
 * clone's status. A write while connected also goes to the peer
 * (sender.c) and completes when both parts are done. Flush and FUA
 * travel in the clone's bi_opf unchanged.
 *
 * A bio holds a "local reference" (dev->local_cnt) from submission to
 * completion, so detach can wait until the backing device is idle before
 * it lets go of it (and of its metadata). A write with data also holds
 * activity-log references on its extents for as long, and marks its
 * blocks out of sync before dropping them when the peer does not get it.
 *
 * An empty flush completes at once when no disk it would go to has a
 * completed write to make durable (nbr_flush.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/workqueue.h>

#include "nbr_net.h"
#include "nbr_state_rules.h"
#include "nbr_md.h"

/* Clones only: no bvecs of our own, and a flush ticket in front. */
static struct bio_set nbr_bio_set;

struct nbr_clone {
	u64 flush_ticket;		/* of a PREFLUSH, for nbr_disk_io_done() */
	struct bio bio;			/* last: the bio_set's front_pad ends here */
};

static struct nbr_clone *to_clone(struct bio *bio)
{
	return container_of(bio, struct nbr_clone, bio);
}

static struct workqueue_struct *nbr_al_wq;

int nbr_req_init(void)
{
	int err;

	/* In the write-back path: it must make progress under reclaim. */
	nbr_al_wq = alloc_workqueue("nbr_al", WQ_MEM_RECLAIM, 0);
	if (!nbr_al_wq)
		return -ENOMEM;
	err = bioset_init(&nbr_bio_set, BIO_POOL_SIZE,
			  offsetof(struct nbr_clone, bio), 0);
	if (err)
		destroy_workqueue(nbr_al_wq);
	return err;
}

void nbr_req_exit(void)
{
	bioset_exit(&nbr_bio_set);
	destroy_workqueue(nbr_al_wq);
}

/*
 * Take a local reference when the backing device may be used. Any
 * context; @bdev is valid until nbr_put_local().
 */
bool nbr_get_local(struct nbr_device *dev, struct block_device **bdev)
{
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&dev->lock, flags);
	ok = dev->backing && nbr_disk_has_data(dev->st.disk);
	if (ok) {
		dev->local_cnt++;
		*bdev = dev->backing;
	}
	spin_unlock_irqrestore(&dev->lock, flags);
	return ok;
}

/*
 * Any context. The wake-up happens under dev->lock so that a waiter that
 * saw local_cnt == 0 (under the same lock) can free what it waited for
 * without racing this function.
 */
void nbr_put_local(struct nbr_device *dev)
{
	unsigned long flags;

	spin_lock_irqsave(&dev->lock, flags);
	if (!--dev->local_cnt)
		wake_up(&dev->local_wait);
	spin_unlock_irqrestore(&dev->lock, flags);
}

/* Wait until no bio is in flight on the backing device. May sleep. */
void nbr_wait_local_idle(struct nbr_device *dev)
{
	spin_lock_irq(&dev->lock);
	wait_event_lock_irq(dev->local_wait, !dev->local_cnt, dev->lock);
	spin_unlock_irq(&dev->lock);
}

/* A flush goes to the backing disk now; pass the ticket back when done. */
u64 nbr_disk_flush_issue(struct nbr_device *dev)
{
	unsigned long flags;
	u64 ticket;

	spin_lock_irqsave(&dev->lock, flags);
	ticket = nbr_flush_issue(&dev->disk_flush);
	spin_unlock_irqrestore(&dev->lock, flags);
	return ticket;
}

/*
 * A write to the backing disk ended: its data (@size bytes, with @fua)
 * and its PREFLUSH (@flush, issued with @ticket). Any context.
 */
void nbr_disk_io_done(struct nbr_device *dev, bool flush, u64 ticket,
		      u32 size, bool fua, blk_status_t status)
{
	unsigned long flags;

	spin_lock_irqsave(&dev->lock, flags);
	if (flush && !status)
		nbr_flush_done(&dev->disk_flush, ticket);
	if (size)
		nbr_flush_write_done(&dev->disk_flush, fua && !status);
	spin_unlock_irqrestore(&dev->lock, flags);
}

bool nbr_disk_flush_needed(struct nbr_device *dev)
{
	bool needed;

	spin_lock_irq(&dev->lock);
	needed = nbr_flush_needed(&dev->disk_flush);
	spin_unlock_irq(&dev->lock);
	return needed;
}

/* The clone of a write ended: tell the flush tracker. */
static void clone_write_done(struct nbr_device *dev, struct bio *clone,
			     struct bio *orig)
{
	nbr_disk_io_done(dev, orig->bi_opf & REQ_PREFLUSH,
			 to_clone(clone)->flush_ticket, orig->bi_iter.bi_size,
			 orig->bi_opf & REQ_FUA, clone->bi_status);
}

/*
 * A failed local read with on-io-error detach is read again from the
 * peer when it has UpToDate data: the disk is on its way out anyway.
 */
static bool retry_read_remote(struct nbr_device *dev, struct bio *orig)
{
	if (op_is_write(bio_op(orig)) ||
	    READ_ONCE(dev->on_io_error) != NBR_IOERR_DETACH)
		return false;
	return nbr_net_submit_read(dev, orig, GFP_ATOMIC);
}

/* Writes with data go through the activity log (nbr_md.h). */
static bool uses_al(struct bio *bio)
{
	return op_is_write(bio_op(bio)) && bio->bi_iter.bi_size;
}

static void nbr_local_endio(struct bio *clone)
{
	struct bio *orig = clone->bi_private;
	struct nbr_device *dev = orig->bi_bdev->bd_disk->private_data;
	blk_status_t status = clone->bi_status;

	if (op_is_write(bio_op(orig)))
		clone_write_done(dev, clone, orig);
	bio_put(clone);
	/* Its bits were set at submission; the extent may go now. */
	if (uses_al(orig))
		nbr_al_complete_io(READ_ONCE(dev->md), orig->bi_iter.bi_sector,
				   orig->bi_iter.bi_size);
	nbr_put_local(dev);
	if (status) {
		nbr_warn_rl(dev, "local %s error %d at sector %llu\n",
			    op_is_write(bio_op(orig)) ? "write" : "read",
			    blk_status_to_errno(status),
			    (unsigned long long)orig->bi_iter.bi_sector);
		nbr_local_io_error(dev);
		if (retry_read_remote(dev, orig))
			return;		/* completes from the peer's reply */
	}
	orig->bi_status = status;
	atomic_dec(&dev->app_pending);
	bio_endio(orig);
}

/*
 * Local part of a replicated write. The local reference and the activity
 * log reference stay until the whole request completes (req_complete()),
 * which decides whether the blocks are in sync.
 */
static void nbr_req_local_endio(struct bio *clone)
{
	struct nbr_req *req = clone->bi_private;
	struct nbr_device *dev = req->conn->dev;

	req->local_status = clone->bi_status;
	if (clone->bi_status) {
		nbr_warn_rl(dev, "local write error %d at sector %llu\n",
			    blk_status_to_errno(clone->bi_status), req->sector);
		nbr_local_io_error(dev);
	}
	clone_write_done(dev, clone, req->bio);
	bio_put(clone);
	nbr_req_put(req);
}

/* Writes the peer will see; anything else only diverges the pair. */
static bool replicable(struct bio *bio)
{
	if (bio_op(bio) != REQ_OP_WRITE)
		return false;
	return bio->bi_iter.bi_size || (bio->bi_opf & REQ_PREFLUSH);
}

static void count_io(struct nbr_device *dev, struct bio *bio)
{
	unsigned int sectors = bio_sectors(bio);

	if (!sectors)
		return;
	if (op_is_write(bio_op(bio)))
		atomic64_add(sectors, &dev->disk_write_sect);
	else
		atomic64_add(sectors, &dev->disk_read_sect);
}

/*
 * No usable local disk: a Primary whose peer has the data reads and
 * writes through it (the disk failed, or was detached). May sleep.
 */
static bool submit_peer_only(struct nbr_device *dev, struct bio *bio)
{
	struct nbr_req *req;

	if (!op_is_write(bio_op(bio)))
		return bio_op(bio) == REQ_OP_READ &&
		       nbr_net_submit_read(dev, bio, GFP_NOIO);
	return replicable(bio) && nbr_net_submit_write(dev, bio, false, &req);
}

/*
 * The local part, after the write's extents are active: clone onto the
 * backing device, hand a write to the peer, or mark it out of sync.
 * The caller holds a local reference and, for a write with data, the
 * activity-log references. May sleep.
 */
static void submit_local(struct nbr_device *dev, struct bio *bio,
			 struct block_device *bdev, struct nbr_md *md)
{
	struct nbr_req *req;
	struct bio *clone;

	clone = bio_alloc_clone(bdev, bio, GFP_NOIO, &nbr_bio_set);
	if (!clone) {
		if (uses_al(bio))
			nbr_al_complete_io(md, bio->bi_iter.bi_sector,
					   bio->bi_iter.bi_size);
		atomic_dec(&dev->app_pending);
		nbr_put_local(dev);
		bio->bi_status = BLK_STS_RESOURCE;
		bio_endio(bio);
		return;
	}
	clone->bi_private = bio;
	clone->bi_end_io = nbr_local_endio;
	if (op_is_write(bio_op(bio)) && (bio->bi_opf & REQ_PREFLUSH))
		to_clone(clone)->flush_ticket = nbr_disk_flush_issue(dev);
	if (op_is_write(bio_op(bio))) {
		if (replicable(bio) &&
		    nbr_net_submit_write(dev, bio, true, &req)) {
			clone->bi_private = req;
			clone->bi_end_io = nbr_req_local_endio;
		} else if (bio->bi_iter.bi_size) {
			/* The peer will not get it: the pair diverges. */
			nbr_bm_mark(md, bio->bi_iter.bi_sector,
				    bio->bi_iter.bi_size);
		}
	}
	count_io(dev, bio);
	submit_bio_noacct(clone);
}

/*
 * The activity log could not be written for @bio, which holds a local
 * reference (-E2BIG: it spans more extents than one update may add, no
 * I/O error): with on-io-error detach the disk fails, and the write goes
 * to the peer alone when it has the data (which records the blocks as
 * its own only copy); else it fails. May sleep.
 */
static void al_failed(struct nbr_device *dev, struct bio *bio, int err)
{
	bool disk_gone = err != -E2BIG && nbr_md_io_error(dev);

	nbr_put_local(dev);
	if (disk_gone && submit_peer_only(dev, bio))
		return;
	atomic_dec(&dev->app_pending);
	nbr_warn_rl(dev, "I/O error: activity log not written\n");
	bio_io_error(bio);
}

/*
 * Writes that need an activity-log transaction first. The transaction is
 * written synchronously, which a ->submit_bio call must not do (bios it
 * submits are only queued until it returns), so it happens here, on
 * nbr_al_wq. Each bio holds a local reference. Runs in process context.
 */
void nbr_al_work(struct work_struct *work)
{
	struct nbr_device *dev = container_of(work, struct nbr_device,
					      al_work);
	struct block_device *bdev;
	struct nbr_md *md;
	struct bio *bio;
	int err;

	for (;;) {
		spin_lock_irq(&dev->lock);
		bio = bio_list_pop(&dev->al_bios);
		bdev = dev->backing;
		spin_unlock_irq(&dev->lock);
		if (!bio)
			return;
		md = READ_ONCE(dev->md);
		err = nbr_al_begin_io(dev, md, bio->bi_iter.bi_sector,
				      bio->bi_iter.bi_size);
		if (err)
			al_failed(dev, bio, err);
		else
			submit_local(dev, bio, bdev, md);
	}
}

/*
 * An empty flush while neither our disk nor the peer's has a completed
 * write that is not durable yet. The caller holds a local reference.
 */
static bool flush_has_nothing_to_do(struct nbr_device *dev, struct bio *bio)
{
	if (bio_op(bio) != REQ_OP_WRITE || bio->bi_iter.bi_size ||
	    !(bio->bi_opf & REQ_PREFLUSH))
		return false;
	return !nbr_disk_flush_needed(dev) && !nbr_net_flush_needed(dev);
}

/* May sleep (GFP_NOIO allocation from the mempool never fails). */
void nbr_submit_bio(struct bio *bio)
{
	struct nbr_device *dev = bio->bi_bdev->bd_disk->private_data;
	struct block_device *bdev;
	struct nbr_md *md;

	bio = bio_split_to_limits(bio);
	if (!bio)
		return;
	atomic_inc(&dev->app_pending);
	WRITE_ONCE(dev->app_last, jiffies);
	if (!nbr_get_local(dev, &bdev)) {
		if (submit_peer_only(dev, bio))
			return;
		atomic_dec(&dev->app_pending);
		nbr_warn_rl(dev, "I/O error: no usable local disk\n");
		bio_io_error(bio);
		return;
	}
	if (flush_has_nothing_to_do(dev, bio)) {
		atomic_dec(&dev->app_pending);
		nbr_put_local(dev);
		bio_endio(bio);
		return;
	}
	/* The extents of a write are in the on-disk log before it starts. */
	md = READ_ONCE(dev->md);
	if (uses_al(bio) && !nbr_al_try_begin_io(md, bio->bi_iter.bi_sector,
						 bio->bi_iter.bi_size)) {
		spin_lock_irq(&dev->lock);
		bio_list_add(&dev->al_bios, bio);
		spin_unlock_irq(&dev->lock);
		queue_work(nbr_al_wq, &dev->al_work);
		return;
	}
	submit_local(dev, bio, bdev, md);
}
