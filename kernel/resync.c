// SPDX-License-Identifier: GPL-2.0-only
/*
 * Resync data. The SyncSource's worker thread walks its dirty bitmap and
 * starts reading runs of dirty 4 KiB blocks from the local disk, several
 * at once; each run joins the sender's queue as RS_DATA when its read
 * completes, behind any application write queued before (one ordered
 * data stream). The target writes them and answers RS_ACK; the source
 * clears the bits then. Online verify runs in the same thread (verify.c).
 *
 * No stale block may reach the target: while a run is being read,
 * application writes to its range wait (nbr_wait_rs_range()), and the
 * worker submits the read only once no earlier application write to it
 * is in flight. The read's completion moves the run to the send queue in
 * the same step as it releases the range, so each block's RS_DATA leaves
 * either before a newer write's DATA or with the newer data; the target
 * applies overlapping writes in stream order (nbr_wait_peer_overlap()).
 *
 * Rate: with c-plan-ahead 0 the fixed resync-rate; otherwise up to
 * c-max-rate in runs of up to 1 MiB with at most 16 MiB unacknowledged;
 * while the application has I/O in flight, or had some in the last 0.1 s
 * (rs_yields()), up to half of c-max-rate (c-min-rate if higher) in runs
 * of up to 256 KiB with 512 KiB unacknowledged, so that its writes are
 * not queued behind a long train of resync data.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/crc32c.h>
#include <linux/slab.h>

#include "nbr_net.h"
#include "nbr_state_rules.h"

/*
 * Each run costs a read, a packet, a write and an ack, whatever its size:
 * an idle application gets the largest runs and a window that keeps
 * several of them moving. Full sync of 256 MiB in the bench VMs (median
 * of 3, one run): 113 MiB/s with 256 KiB runs and 4 MiB unacknowledged,
 * 142 with 1 MiB runs, 154 with 1 MiB runs and 16 MiB (32 MiB: 155).
 */
#define RS_RUN_BYTES		NBR_MAX_BIO_SIZE
#define RS_RUN_BYTES_BUSY	(256u << 10)	/* ... while the app writes */
#define RS_READS_MAX	64			/* runs being read at once */
/*
 * Runs unacknowledged. Scattered dirty blocks make many small runs, one
 * random read and one random write each: the more in flight, the more
 * the disks can overlap (1% of a 256 MiB disk, 655 runs: 96-132 ms with
 * 256, 124-190 ms with 64). Every run the target holds in flight is
 * scanned for overlaps, so not without bound; 1024 was no faster.
 */
#define RS_RUNS_MAX	256
#define RS_WINDOW	(16u << 20)		/* bytes unacked, idle app */
#define RS_WINDOW_BUSY	(512u << 10)		/* ... while the app writes */
#define RS_APP_QUIET	(HZ / 10)		/* app idle after this long */

static u64 rs_bits(struct nbr_conn *conn)
{
	return conn->agreed.dev_sectors >> (NBR_BM_BIT_SHIFT - SECTOR_SHIFT);
}

static bool ranges_overlap(u64 s1, u32 len1, u64 s2, u32 len2)
{
	return s1 < s2 + (len2 >> SECTOR_SHIFT) &&
	       s2 < s1 + (len1 >> SECTOR_SHIFT);
}

/* Blocks synced (or verified): progress and speed marks. Any context. */
void nbr_rs_count(struct nbr_conn *conn, u64 bits)
{
	struct nbr_resync *rs = &conn->rs;
	unsigned long flags;

	spin_lock_irqsave(&conn->lock, flags);
	rs->done_bits += bits;
	if (time_after_eq(jiffies, rs->mark_time[rs->mark_last] + HZ)) {
		rs->mark_last = (rs->mark_last + 1) % NBR_RS_MARKS;
		rs->mark_time[rs->mark_last] = jiffies;
		rs->mark_bits[rs->mark_last] = rs->done_bits;
	}
	spin_unlock_irqrestore(&conn->lock, flags);
}

/* Progress of the running resync or verify; false when none runs. */
bool nbr_rs_progress(struct nbr_device *dev, struct nbr_rs_progress *p)
{
	struct nbr_conn *conn = nbr_get_conn(dev);
	struct nbr_resync *rs;
	unsigned long now = jiffies, run, dt;
	unsigned int oldest;
	u64 left, kib_per_bit = NBR_RS_BLOCK / 1024;
	bool running;

	memset(p, 0, sizeof(*p));
	if (!conn)
		return false;
	rs = &conn->rs;
	spin_lock_irq(&conn->lock);
	running = rs->running;
	if (running) {
		p->verify = rs->verify;
		p->paused = rs->user_paused || rs->peer_paused;
		left = rs->total_bits > rs->done_bits ?
		       rs->total_bits - rs->done_bits : 0;
		p->total_kib = rs->total_bits * kib_per_bit;
		p->left_kib = left * kib_per_bit;
		p->oos_found_kib = rs->oos_found * kib_per_bit;
		run = now - rs->start - rs->paused_total;
		if (run >= HZ / 10)
			p->avg_speed_kib = div64_u64(rs->done_bits * kib_per_bit *
						     HZ, run);
		oldest = (rs->mark_last + 1) % NBR_RS_MARKS;
		if (!rs->mark_time[oldest])
			oldest = 0;
		dt = now - rs->mark_time[oldest];
		if (dt >= HZ / 10)
			p->speed_kib = div64_u64((rs->done_bits -
						  rs->mark_bits[oldest]) *
						 kib_per_bit * HZ, dt);
		else
			p->speed_kib = p->avg_speed_kib;
		if (p->speed_kib)
			p->eta_s = div64_u64(p->left_kib, p->speed_kib);
	}
	spin_unlock_irq(&conn->lock);
	nbr_put_conn(conn);
	return running;
}

/* A resync run or the verify request being read covers the range. */
static bool rs_range_busy(struct nbr_conn *conn, u64 sector, u32 size)
{
	struct nbr_req *req;

	lockdep_assert_held(&conn->lock);
	if (conn->rs.busy_size &&
	    ranges_overlap(sector, size, conn->rs.busy_sector,
			   conn->rs.busy_size))
		return true;
	list_for_each_entry(req, &conn->rs_reading, list)
		if (ranges_overlap(sector, size, req->sector, req->size))
			return true;
	return false;
}

/*
 * An application write waits while the resync worker reads its range.
 * Called and returns with conn->lock held, so that the caller queues the
 * write (and counts it in conn->active) in the same step. May sleep.
 */
void nbr_wait_rs_range(struct nbr_conn *conn, u64 sector, u32 size)
{
	lockdep_assert_held(&conn->lock);
	while (rs_range_busy(conn, sector, size)) {
		spin_unlock_irq(&conn->lock);
		wait_event(conn->wait, ({
			bool busy;

			spin_lock_irq(&conn->lock);
			busy = rs_range_busy(conn, sector, size);
			spin_unlock_irq(&conn->lock);
			!busy; }));
		spin_lock_irq(&conn->lock);
	}
}

static bool active_overlaps(struct nbr_conn *conn, u64 sector, u32 size)
{
	struct nbr_req *req;
	bool hit = false;

	spin_lock_irq(&conn->lock);
	list_for_each_entry(req, &conn->active, active_list) {
		if (ranges_overlap(sector, size, req->sector, req->size)) {
			hit = true;
			break;
		}
	}
	spin_unlock_irq(&conn->lock);
	return hit;
}

static bool peer_overlaps(struct nbr_conn *conn, struct nbr_peer_req *pr)
{
	struct nbr_peer_req *o;

	lockdep_assert_held(&conn->lock);
	list_for_each_entry(o, &conn->peer_active, active_list)
		if (ranges_overlap(pr->sector, pr->size, o->sector, o->size))
			return true;
	return false;
}

/*
 * Target side (and every peer write): wait until no earlier write to an
 * overlapping range is in flight, then count this one in. Receiver.
 */
void nbr_wait_peer_overlap(struct nbr_conn *conn, struct nbr_peer_req *pr)
{
	spin_lock_irq(&conn->lock);
	while (peer_overlaps(conn, pr)) {
		spin_unlock_irq(&conn->lock);
		wait_event(conn->wait, ({
			bool busy;

			spin_lock_irq(&conn->lock);
			busy = peer_overlaps(conn, pr);
			spin_unlock_irq(&conn->lock);
			!busy; }));
		spin_lock_irq(&conn->lock);
	}
	list_add_tail(&pr->active_list, &conn->peer_active);
	spin_unlock_irq(&conn->lock);
}

/*
 * The worker has marked the range busy: wait until every earlier
 * application write to it has completed (and so was sent to the peer).
 */
void nbr_wait_rs_idle(struct nbr_conn *conn, u64 sector, u32 size)
{
	wait_event(conn->wait, !active_overlaps(conn, sector, size) ||
		   READ_ONCE(conn->fail_state));
}

void nbr_rs_req_free(struct nbr_req *req)
{
	struct nbr_conn *conn = req->conn;
	struct bio_vec *bv;
	struct bvec_iter_all it;

	if (req->bio) {
		bio_for_each_segment_all(bv, req->bio, it)
			nbr_page_put(bv->bv_page);
		bio_put(req->bio);
	}
	kfree(req);
	nbr_put_conn(conn);
}

/* A resync request with a read bio for @nbits blocks from @bit. */
static struct nbr_req *rs_req_alloc(struct nbr_conn *conn,
				    struct block_device *bdev, u64 bit,
				    u32 nbits)
{
	struct nbr_req *req;
	struct page *page;
	struct bio *bio;
	u32 i;

	req = kzalloc(sizeof(*req), GFP_NOIO);
	if (!req)
		return ERR_PTR(-ENOMEM);
	atomic_inc(&conn->reqs_alive);
	req->conn = conn;
	req->resync = true;
	req->sector = bit << (NBR_BM_BIT_SHIFT - SECTOR_SHIFT);
	req->size = nbits * NBR_RS_BLOCK;
	bio = bio_alloc(bdev, nbits, REQ_OP_READ, GFP_NOIO);
	req->bio = bio;
	bio->bi_iter.bi_sector = req->sector;
	for (i = 0; i < nbits; i++) {
		page = nbr_page_get(GFP_NOIO);
		if (!page) {
			nbr_rs_req_free(req);
			return ERR_PTR(-ENOMEM);
		}
		__bio_add_page(bio, page, NBR_RS_BLOCK, 0);
	}
	return req;
}

/* Read @nbits blocks from @bit into a new resync request. May sleep. */
struct nbr_req *nbr_rs_read(struct nbr_conn *conn,
			    struct block_device *bdev, u64 bit, u32 nbits)
{
	struct bvec_iter iter;
	struct nbr_req *req;
	struct bio *bio;
	int err;

	req = rs_req_alloc(conn, bdev, bit, nbits);
	if (IS_ERR(req))
		return req;
	bio = req->bio;
	/* Completion consumes the iterator; the sender walks it again. */
	iter = bio->bi_iter;
	err = submit_bio_wait(bio);
	bio->bi_iter = iter;
	atomic64_add(req->size >> SECTOR_SHIFT, &conn->dev->disk_read_sect);
	if (err) {
		nbr_rs_req_free(req);
		return ERR_PTR(err);
	}
	return req;
}

/*
 * A resync run's read is over. In one step under conn->lock the run
 * leaves rs_reading and, read well, joins the send queue: a write to its
 * range that waited is queued behind it. A failed read is left to the
 * worker (its bits stay set). Any context.
 */
static void rs_read_done(struct nbr_req *req, int err)
{
	struct nbr_conn *conn = req->conn;
	unsigned long flags;
	bool drop;

	atomic_inc(&conn->reqs_alive);	/* until our wake-up is done */
	spin_lock_irqsave(&conn->lock, flags);
	list_del_init(&req->list);
	conn->rs.reading--;
	drop = err || conn->fail_state;
	if (drop) {
		conn->rs.inflight -= req->size;
		conn->rs.inflight_runs--;
		if (err && !conn->rs.read_err) {
			conn->rs.read_err = err;
			conn->rs.read_err_sector = req->sector;
		}
	} else {
		req->read_id = ++conn->rs.next_id;
		list_add_tail(&req->list, &conn->send_queue);
	}
	spin_unlock_irqrestore(&conn->lock, flags);
	if (drop)
		nbr_rs_req_free(req);
	else
		nbr_kick_sender(conn);
	wake_up_all(&conn->wait);
	nbr_put_conn(conn);
}

static void rs_read_endio(struct bio *bio)
{
	struct nbr_req *req = bio->bi_private;
	struct nbr_device *dev = req->conn->dev;
	int err = blk_status_to_errno(bio->bi_status);

	/* Completion consumed the iterator; the sender walks it again. */
	bio->bi_iter.bi_sector = req->sector;
	bio->bi_iter.bi_size = req->size;
	bio->bi_iter.bi_idx = 0;
	bio->bi_iter.bi_bvec_done = 0;
	atomic64_add(req->size >> SECTOR_SHIFT, &dev->disk_read_sect);
	if (err)
		nbr_local_io_error(dev);
	rs_read_done(req, err);
	nbr_put_local(dev);
}

/* Send one queued resync run (sender thread); @more as for DATA. */
int nbr_send_rs_data(struct nbr_conn *conn, struct nbr_req *req, bool more)
{
	u8 buf[sizeof(struct nbr_header) + sizeof(struct nbr_p_rs_data)];
	struct nbr_rs_data d = {
		.sector = req->sector, .block_id = req->read_id,
		.size = req->size,
	};
	int len, err;

	if (conn->conf.integrity == NBR_INTEGRITY_CRC32C) {
		d.flags = NBR_DP_CRC32C;
		d.crc = nbr_bio_crc32c(req->bio);
	}
	len = nbr_encode_rs_data(buf, sizeof(buf), &d);
	if (len < 0)
		return len;
	mutex_lock(&conn->data_send_mutex);
	err = nbr_send_all(conn->data, buf, len, MSG_MORE);
	if (!err)
		err = nbr_send_bio_zc(conn->data, req->bio,
				      more ? MSG_MORE : 0);
	mutex_unlock(&conn->data_send_mutex);
	if (err)
		nbr_conn_fail(conn, err == -ETIMEDOUT ? NBR_C_TIMEOUT :
			      NBR_C_BROKENPIPE, "sending resync data failed");
	else
		atomic64_add(req->size >> SECTOR_SHIFT, &conn->rs_sent_sect);
	return err;
}

/* RS_ACK / RS_NEG_ACK from the target (asender). */
int nbr_got_rs_ack(struct nbr_conn *conn, unsigned int cmd,
		   const struct nbr_block_ack *a)
{
	struct nbr_device *dev = conn->dev;
	struct nbr_req *req, *found = NULL;
	struct block_device *bdev;

	spin_lock_irq(&conn->lock);
	list_for_each_entry(req, &conn->rs_tl, list) {
		if (req->read_id == a->block_id) {
			if (req->sector == a->sector && req->size == a->size)
				found = req;
			break;
		}
	}
	if (found) {
		list_del_init(&found->list);
		conn->rs.inflight -= found->size;
		conn->rs.inflight_runs--;
		/*
		 * Not counted in conn->peer_flush: an application flush
		 * covers application writes, and resync data is durable on
		 * the target when it writes its bitmap (the flush after the
		 * bitmap write) and before it becomes UpToDate. Counting it
		 * made every O_DSYNC write during a resync pay a round trip
		 * and a flush of the target's cache.
		 */
	}
	spin_unlock_irq(&conn->lock);
	if (!found)
		return -EPROTO;
	if (cmd == NBR_P_RS_ACK && nbr_get_local(dev, &bdev)) {
		if (dev->md)
			nbr_bm_clear(dev->md, found->sector, found->size);
		nbr_put_local(dev);
		nbr_rs_count(conn, found->size / NBR_RS_BLOCK);
	} else if (cmd == NBR_P_RS_NEG_ACK) {
		nbr_warn_rl(dev, "peer failed to write resync data at sector %llu; the blocks stay out of sync\n",
			    found->sector);
	}
	nbr_rs_req_free(found);
	wake_up_all(&conn->wait);
	return 0;
}

/* RS_DATA on the target: write it like a peer write, ack with RS_ACK. */
int nbr_receive_rs_data(struct nbr_conn *conn, const void *p, u32 len,
			const char **reason)
{
	enum nbr_conn_state c = nbr_get_state(conn->dev).conn;
	struct nbr_peer_req *pr;
	struct nbr_rs_data d;
	int err;

	err = nbr_decode_rs_data(p, sizeof(struct nbr_p_rs_data), len, &d,
				 reason);
	if (!err)
		err = nbr_rs_check_range(&d, conn->agreed.dev_sectors,
					 conn->agreed.max_bio, reason);
	if (err)
		return err;
	if (c != NBR_C_SYNCTARGET && c != NBR_C_PAUSEDSYNCT) {
		*reason = "resync data while not SyncTarget";
		return -EPROTO;
	}
	pr = nbr_peer_req_alloc(conn, d.sector, d.block_id, d.size);
	if (!pr) {
		*reason = "out of memory";
		return -ENOMEM;
	}
	pr->resync = true;
	pr->flags = d.flags;
	pr->crc = d.crc;
	err = nbr_recv_peer_payload(conn, pr);
	if (err) {
		if (err == -EBADMSG)
			*reason = "data-integrity crc32c mismatch in resync data; not written";
		nbr_peer_req_free(pr);
		return err;
	}
	atomic64_add(d.size >> SECTOR_SHIFT, &conn->recv_sect);
	atomic64_add(d.size >> SECTOR_SHIFT, &conn->rs_recv_sect);
	nbr_submit_peer_write(conn, pr);
	return 0;
}

/*
 * The dynamic controller makes room for the application while it has I/O
 * in flight or had some in the last RS_APP_QUIET: a writer that waits for
 * each write keeps nothing in flight between two writes, and a full
 * window of resync data sent in that gap is what its next write waits
 * behind.
 */
static bool rs_yields(struct nbr_device *dev)
{
	if (!READ_ONCE(dev->rs_conf.c_plan_ahead))
		return false;
	return atomic_read(&dev->app_pending) ||
	       time_before(jiffies, READ_ONCE(dev->app_last) + RS_APP_QUIET);
}

/* The window of unacknowledged resync bytes. */
static u32 rs_window(struct nbr_device *dev)
{
	return rs_yields(dev) ? RS_WINDOW_BUSY : RS_WINDOW;
}

/* Blocks in the next run at most: no more than the peer accepts. */
static u64 rs_run_blocks(struct nbr_conn *conn)
{
	u32 bytes = rs_yields(conn->dev) ? RS_RUN_BYTES_BUSY : RS_RUN_BYTES;

	return min(bytes, conn->agreed.max_bio) / NBR_RS_BLOCK;
}

/* KiB/s the worker may send now. */
static u32 rs_rate(struct nbr_device *dev)
{
	const struct nbr_rs_conf *c = &dev->rs_conf;
	u32 rate;

	if (!READ_ONCE(c->c_plan_ahead))
		rate = READ_ONCE(c->resync_rate);
	else if (rs_yields(dev))
		rate = max(READ_ONCE(c->c_min_rate),
			   READ_ONCE(c->c_max_rate) / 2);
	else
		rate = READ_ONCE(c->c_max_rate);
	return max(rate, 1u);
}

/* Jiffies to wait before sending more at the configured rate. */
static long rate_delay(struct nbr_conn *conn)
{
	struct nbr_resync *rs = &conn->rs;
	u64 rate = (u64)rs_rate(conn->dev) * 1024;
	unsigned long now = jiffies, el;
	u64 allowed;

	spin_lock_irq(&conn->lock);
	el = now - rs->rate_start;
	/* A fresh window every 2 s: a pause earns no burst afterwards. */
	if (el > 2 * HZ) {
		rs->rate_start = now;
		rs->rate_bytes = 0;
		el = 0;
	}
	allowed = div64_u64(rate * el, HZ);
	el = 0;
	if (rs->rate_bytes > allowed)
		el = (unsigned long)div64_u64((rs->rate_bytes - allowed) * HZ,
					      rate) + 1;
	spin_unlock_irq(&conn->lock);
	return el;
}

enum rs_step { RS_IDLE, RS_SEND, RS_FINISH, RS_READ_ERROR };

static enum rs_step rs_next(struct nbr_conn *conn)
{
	struct nbr_resync *rs = &conn->rs;
	enum rs_step step = RS_IDLE;

	spin_lock_irq(&conn->lock);
	if (conn->fail_state || !rs->running || !rs->source ||
	    rs->done_sent)
		goto out;
	if (rs->read_err) {
		step = RS_READ_ERROR;
		goto out;
	}
	if (!rs->verify && (rs->user_paused || rs->peer_paused))
		goto out;
	if (rs->cursor < rs_bits(conn)) {
		if (rs->inflight < rs_window(conn->dev) &&
		    rs->reading < RS_READS_MAX &&
		    rs->inflight_runs < RS_RUNS_MAX)
			step = RS_SEND;
	} else if (!rs->inflight) {
		step = RS_FINISH;
	}
out:
	spin_unlock_irq(&conn->lock);
	return step;
}

/* Start reading the next dirty run; false when the link broke. */
static bool send_next_run(struct nbr_conn *conn, struct nbr_md *md,
			  struct block_device *bdev)
{
	u64 end = rs_bits(conn), bit, n;
	struct block_device *rbdev;
	struct nbr_req *req;

	bit = nbr_bm_next_run(md, READ_ONCE(conn->rs.cursor),
			      rs_run_blocks(conn), &n);
	if (bit >= end) {
		spin_lock_irq(&conn->lock);
		conn->rs.cursor = end;
		spin_unlock_irq(&conn->lock);
		return true;
	}
	n = min(n, end - bit);
	req = rs_req_alloc(conn, bdev, bit, n);
	if (IS_ERR(req)) {
		nbr_conn_fail(conn, NBR_C_NETWORKFAILURE,
			      "resync: out of memory");
		return false;
	}
	req->bio->bi_end_io = rs_read_endio;
	req->bio->bi_private = req;
	spin_lock_irq(&conn->lock);
	conn->rs.cursor = bit + n;
	conn->rs.inflight += req->size;
	conn->rs.inflight_runs++;
	conn->rs.rate_bytes += req->size;
	conn->rs.reading++;
	list_add_tail(&req->list, &conn->rs_reading);
	spin_unlock_irq(&conn->lock);
	nbr_wait_rs_idle(conn, req->sector, req->size);
	/* The read's own reference to the disk, dropped at completion. */
	if (!nbr_get_local(conn->dev, &rbdev)) {
		rs_read_done(req, -ENODEV);
		return true;
	}
	submit_bio(req->bio);
	return true;
}

/*
 * Start the reads of as many runs as the window and the rate allow under
 * one plug, so the disk is notified once for the batch, not per run.
 */
static bool send_runs(struct nbr_conn *conn, struct nbr_md *md,
		      struct block_device *bdev)
{
	struct blk_plug plug;
	unsigned int i;
	bool ok = true;

	blk_start_plug(&plug);
	for (i = 0; ok && i < RS_READS_MAX; i++) {
		ok = send_next_run(conn, md, bdev);
		if (rs_next(conn) != RS_SEND || rate_delay(conn))
			break;
	}
	blk_finish_plug(&plug);
	return ok;
}

/* All sent and acked: a last look at the bitmap, then RS_DONE. */
static void finish_source(struct nbr_conn *conn, struct nbr_md *md)
{
	u8 buf[sizeof(struct nbr_header) + sizeof(struct nbr_p_uuids)];
	struct nbr_device *dev = conn->dev;
	struct nbr_state_req r;
	struct nbr_uuids u = {};
	unsigned long secs;
	struct nbr_gi gi;
	u64 left = 0, bit;
	int err;

	/* Bits set behind the cursor (a failed resync write): again. */
	bit = nbr_bm_find_next(md, 0);
	if (bit < rs_bits(conn))
		left = 1;
	if (left) {
		spin_lock_irq(&conn->lock);
		conn->rs.cursor = bit;
		spin_unlock_irq(&conn->lock);
		return;
	}
	err = nbr_bm_write_dirty(dev, md);
	if (!err) {
		mutex_lock(&md->mutex);
		gi.uuid_current = md->sb.uuid_current;
		gi.bitmap = md->sb.uuid_bitmap;
		gi.history[0] = md->sb.uuid_history[0];
		gi.history[1] = md->sb.uuid_history[1];
		nbr_gi_sync_done_source(&gi);
		md->sb.uuid_bitmap = gi.bitmap;
		md->sb.uuid_history[0] = gi.history[0];
		md->sb.uuid_history[1] = gi.history[1];
		err = nbr_md_write_sb(dev, md);
		u.md_flags = md->sb.flags;
		mutex_unlock(&md->mutex);
	}
	if (err) {
		nbr_conn_fail(conn, NBR_C_NETWORKFAILURE,
			      "cannot write metadata at the end of the resync");
		return;
	}
	u.uuid_current = gi.uuid_current;
	u.bitmap = gi.bitmap;
	u.history[0] = gi.history[0];
	u.history[1] = gi.history[1];
	spin_lock_irq(&conn->lock);
	conn->rs.done_sent = true;
	secs = (jiffies - conn->rs.start) / HZ;
	spin_unlock_irq(&conn->lock);
	/*
	 * Connected before RS_DONE leaves, the peer's disk still
	 * Inconsistent: it is UpToDate when its STATE says so, once the
	 * data and its metadata are durable there. That STATE must not find
	 * us SyncSource, where it would look older than the resync
	 * (nbr_peer_state_predates_sync()). rs.running stays set until
	 * RS_DONE is out, so no new resync starts in between.
	 */
	nbr_state_req_init(&r);
	r.conn = NBR_C_CONNECTED;
	nbr_change_state(dev, &r, "resync done", NULL);
	err = nbr_send_packet(conn, NBR_SOCK_DATA, buf,
			      nbr_encode_uuids(buf, sizeof(buf), NBR_P_RS_DONE,
					       &u));
	spin_lock_irq(&conn->lock);
	conn->rs.running = false;
	spin_unlock_irq(&conn->lock);
	if (err)
		return;
	nbr_info(dev, "resync done as SyncSource: %llu KiB sent in %lu s\n",
		 conn->rs.done_bits * (NBR_RS_BLOCK / 1024), secs);
}

/* One step of a resync run; false when the connection broke. */
static bool resync_round(struct nbr_conn *conn)
{
	struct nbr_device *dev = conn->dev;
	struct block_device *bdev;
	enum rs_step step;
	long delay;
	bool ok = true;

	step = rs_next(conn);
	if (step == RS_IDLE)
		return true;
	if (step == RS_READ_ERROR) {
		nbr_err(dev, "resync: cannot read at sector %llu (%d); stopping the resync\n",
			conn->rs.read_err_sector, conn->rs.read_err);
		nbr_conn_fail(conn, NBR_C_NETWORKFAILURE, "resync read error");
		return false;
	}
	if (!nbr_get_local(dev, &bdev)) {
		nbr_conn_fail(conn, NBR_C_NETWORKFAILURE,
			      "resync source lost its disk");
		return false;
	}
	if (step == RS_SEND) {
		delay = rate_delay(conn);
		if (delay)
			schedule_timeout_interruptible(delay);
		else
			ok = send_runs(conn, dev->md, bdev);
	} else {
		finish_source(conn, dev->md);
	}
	nbr_put_local(dev);
	return ok;
}

static bool rs_has_work(struct nbr_conn *conn)
{
	return kthread_should_stop() || rs_next(conn) != RS_IDLE;
}

static int resync_thread(void *arg)
{
	struct nbr_conn *conn = arg;
	unsigned long last_flush = jiffies;
	bool verify;

	while (!kthread_should_stop()) {
		wait_event_interruptible_timeout(conn->wait,
						 rs_has_work(conn), HZ);
		if (kthread_should_stop())
			break;
		spin_lock_irq(&conn->lock);
		verify = conn->rs.running && conn->rs.verify;
		spin_unlock_irq(&conn->lock);
		if (verify ? nbr_verify_round(conn) : !resync_round(conn))
			break;
		/* Cleared bits reach the disk now and then: a resumed
		 * resync does not start over.
		 */
		if (time_after(jiffies, last_flush + 2 * HZ)) {
			struct block_device *bdev;

			last_flush = jiffies;
			if (nbr_get_local(conn->dev, &bdev)) {
				if (conn->dev->md)
					nbr_bm_write_dirty(conn->dev,
							   conn->dev->md);
				nbr_put_local(conn->dev);
			}
		}
	}
	/* Idle until teardown stops us. */
	while (!kthread_should_stop())
		wait_event_interruptible(conn->wait, kthread_should_stop());
	return 0;
}

int nbr_resync_start(struct nbr_conn *conn)
{
	struct task_struct *t;

	t = kthread_run(resync_thread, conn, "nbr_rs/%u", conn->dev->minor);
	if (IS_ERR(t))
		return PTR_ERR(t);
	conn->resync = t;
	return 0;
}

void nbr_resync_stop(struct nbr_conn *conn)
{
	if (conn->resync)
		kthread_stop(conn->resync);
	conn->resync = NULL;
	/* Reads still in flight drop their runs (fail_state is set). */
	wait_event(conn->wait, !READ_ONCE(conn->rs.reading));
	spin_lock_irq(&conn->lock);
	conn->rs.running = false;
	conn->rs.busy_size = 0;
	spin_unlock_irq(&conn->lock);
	wake_up_all(&conn->wait);
}

void nbr_resync_kick(struct nbr_conn *conn)
{
	wake_up_all(&conn->wait);
}
