// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reads through the peer (NBR_FEAT_REMOTE_READ, docs/wire-protocol.md
 * 5.5): a Primary whose local disk failed or was detached keeps serving
 * reads from the peer's UpToDate disk.
 *
 * Requester (Primary): nbr_net_submit_read() queues an nbr_req with
 * @read set behind the writes already queued; the sender numbers it and
 * sends READ_REQ; the receiver matches READ_REPLY by block_id in
 * conn->read_tl and receives the bytes straight into the bio.
 *
 * Server (peer): READ_REQ waits until every earlier write of the peer is
 * done, so a read never overtakes a write sent before it, then reads its
 * disk; the reply leaves from a work item, because the read completes in
 * bio completion context.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/crc32c.h>
#include <linux/slab.h>

#include "nbr_net.h"

/* May this connection carry reads for us now? Caller holds conn->lock. */
static bool __can_read_remote(struct nbr_conn *conn)
{
	lockdep_assert_held(&conn->lock);
	return conn->replicating &&
	       (conn->agreed.features & NBR_FEAT_REMOTE_READ);
}

/*
 * Read @bio from the peer if it has UpToDate data and we are connected.
 * On true the bio completes from the reply (or with EIO when the
 * connection breaks first). Any context with the matching @gfp.
 */
bool nbr_net_submit_read(struct nbr_device *dev, struct bio *bio, gfp_t gfp)
{
	struct nbr_conn *conn;
	struct nbr_req *req;
	unsigned long flags;
	bool queued = false;

	/* Only UpToDate data is worth reading (dev->lock, not with ours). */
	if (nbr_get_state(dev).peer_disk != NBR_D_UPTODATE)
		return false;
	conn = nbr_get_conn(dev);
	if (!conn)
		return false;
	req = kzalloc(sizeof(*req), gfp);
	if (!req)
		goto out_put;
	req->conn = conn;
	req->bio = bio;
	req->read = true;
	req->sector = bio->bi_iter.bi_sector;
	req->size = bio->bi_iter.bi_size;
	atomic_set(&req->pending, 1);
	spin_lock_irqsave(&conn->lock, flags);
	if (__can_read_remote(conn)) {
		list_add_tail(&req->list, &conn->send_queue);
		queued = true;
	}
	spin_unlock_irqrestore(&conn->lock, flags);
	if (!queued) {
		kfree(req);
		goto out_put;
	}
	nbr_kick_sender(conn);
	return true;

out_put:
	nbr_put_conn(conn);
	return false;
}

/* Sender thread: the request is in conn->read_tl already. */
int nbr_send_read_req(struct nbr_conn *conn, struct nbr_req *req)
{
	u8 buf[sizeof(struct nbr_header) + sizeof(struct nbr_p_read_req)];
	struct nbr_read_req r = { .sector = req->sector,
				  .block_id = req->read_id,
				  .size = req->size };

	return nbr_send_packet(conn, NBR_SOCK_DATA, buf,
			       nbr_encode_read_req(buf, sizeof(buf), &r));
}

/* The outstanding read with this block_id, taken off read_tl. */
static struct nbr_req *take_read(struct nbr_conn *conn, u64 block_id)
{
	struct nbr_req *req, *found = NULL;

	spin_lock_irq(&conn->lock);
	list_for_each_entry(req, &conn->read_tl, list) {
		if (req->read_id == block_id) {
			found = req;
			list_del_init(&req->list);
			break;
		}
	}
	spin_unlock_irq(&conn->lock);
	return found;
}

static int reply_into_bio(struct nbr_conn *conn, struct nbr_req *req,
			  const struct nbr_read_reply *r, const char **reason)
{
	int err;

	err = nbr_recv_bio(conn->data, req->bio);
	if (err)
		return err;
	if ((r->flags & NBR_RR_CRC32C) && nbr_bio_crc32c(req->bio) != r->crc) {
		nbr_err(conn->dev, "data-integrity: crc32c mismatch in the read of %u bytes at sector %llu\n",
			req->size, req->sector);
		*reason = "data-integrity crc32c mismatch in a read reply";
		return -EBADMSG;
	}
	atomic64_add(req->size >> SECTOR_SHIFT, &conn->recv_sect);
	return 0;
}

/* Receiver (requester): the answer to one of our READ_REQs. */
int nbr_receive_read_reply(struct nbr_conn *conn, const void *p, u32 len,
			   const char **reason)
{
	struct nbr_read_reply r;
	struct nbr_req *req;
	int err;

	if (!(conn->agreed.features & NBR_FEAT_REMOTE_READ)) {
		*reason = "read reply without the remote-read feature";
		return -EPROTO;
	}
	err = nbr_decode_read_reply(p, sizeof(struct nbr_p_read_reply), len,
				    &r, reason);
	if (err)
		return err;
	req = take_read(conn, r.block_id);
	if (!req) {
		*reason = "read reply for no outstanding read";
		return -EPROTO;
	}
	if (req->sector != r.sector ||
	    (!(r.flags & NBR_RR_EIO) && req->size != r.size)) {
		*reason = "read reply does not match its request";
		err = -EPROTO;
	} else if (conn->conf.integrity == NBR_INTEGRITY_CRC32C &&
		   !(r.flags & (NBR_RR_CRC32C | NBR_RR_EIO))) {
		*reason = "read reply without the agreed checksum";
		err = -EPROTO;
	} else if (!(r.flags & NBR_RR_EIO)) {
		err = reply_into_bio(conn, req, &r, reason);
	}
	if (r.flags & NBR_RR_EIO)
		nbr_warn_rl(conn->dev, "the peer could not read sector %llu\n",
			    req->sector);
	nbr_req_net_done(req, !err && !(r.flags & NBR_RR_EIO));
	return err;
}

/* The peer's read is done (or failed): its reply is due. Any context. */
static void peer_read_done(struct nbr_peer_req *pr, blk_status_t status)
{
	struct nbr_conn *conn = pr->conn;
	unsigned long flags;

	pr->status = status;
	spin_lock_irqsave(&conn->lock, flags);
	list_add_tail(&pr->list, &conn->read_queue);
	conn->peer_pending--;
	spin_unlock_irqrestore(&conn->lock, flags);
	queue_work(system_wq, &conn->read_work);
	wake_up_all(&conn->wait);
}

static void peer_read_endio(struct bio *bio)
{
	struct nbr_peer_req *pr = bio->bi_private;
	struct nbr_device *dev = pr->conn->dev;
	blk_status_t status = bio->bi_status;

	if (status) {
		nbr_warn_rl(dev, "read for the peer failed at sector %llu: %d\n",
			    pr->sector, blk_status_to_errno(status));
		nbr_local_io_error(dev);
	}
	bio_put(bio);
	nbr_put_local(dev);
	peer_read_done(pr, status);
}

static void submit_peer_read(struct nbr_conn *conn, struct nbr_peer_req *pr)
{
	struct block_device *bdev;
	u32 left = pr->size, len;
	struct bio *bio;
	unsigned int i;

	spin_lock_irq(&conn->lock);
	conn->peer_pending++;
	spin_unlock_irq(&conn->lock);
	if (!nbr_get_local(conn->dev, &bdev)) {
		peer_read_done(pr, BLK_STS_IOERR);
		return;
	}
	bio = bio_alloc(bdev, pr->nr_pages, REQ_OP_READ, GFP_NOIO);
	bio->bi_iter.bi_sector = pr->sector;
	bio->bi_private = pr;
	bio->bi_end_io = peer_read_endio;
	for (i = 0; i < pr->nr_pages; i++) {
		len = min_t(u32, left, PAGE_SIZE);
		__bio_add_page(bio, pr->pages[i], len, 0);
		left -= len;
	}
	atomic64_add(pr->size >> SECTOR_SHIFT, &conn->dev->disk_read_sect);
	submit_bio(bio);
}

/* Receiver (server): the peer wants data from our disk. */
int nbr_receive_read_req(struct nbr_conn *conn, const void *p,
			 const char **reason)
{
	struct nbr_peer_req *pr;
	struct nbr_read_req r;
	int err;

	if (!(conn->agreed.features & NBR_FEAT_REMOTE_READ)) {
		*reason = "read request without the remote-read feature";
		return -EPROTO;
	}
	err = nbr_decode_read_req(p, sizeof(struct nbr_p_read_req), &r, reason);
	if (!err)
		err = nbr_read_check_range(&r, conn->agreed.dev_sectors,
					   conn->agreed.max_bio, reason);
	if (err)
		return err;
	/* Never let the read overtake a write the peer sent before it. */
	if (wait_event_interruptible(conn->wait, nbr_peer_writes_done(conn)))
		return -EINTR;
	pr = nbr_peer_req_alloc(conn, r.sector, r.block_id, r.size);
	if (!pr) {
		*reason = "out of memory";
		return -ENOMEM;
	}
	pr->read = true;
	submit_peer_read(conn, pr);
	return 0;
}

static int send_read_reply(struct nbr_conn *conn, struct nbr_peer_req *pr)
{
	u8 buf[sizeof(struct nbr_header) + sizeof(struct nbr_p_read_reply)];
	struct nbr_read_reply r = { .sector = pr->sector,
				    .block_id = pr->block_id };
	u32 left = pr->size, len, crc = ~0u;
	unsigned int i;
	int n, err;

	if (pr->status) {
		r.flags = NBR_RR_EIO;
	} else {
		r.size = pr->size;
		if (conn->conf.integrity == NBR_INTEGRITY_CRC32C) {
			for (i = 0; i < pr->nr_pages; i++, left -= len) {
				len = min_t(u32, left, PAGE_SIZE);
				crc = crc32c(crc, page_address(pr->pages[i]),
					     len);
			}
			r.flags = NBR_RR_CRC32C;
			r.crc = ~crc;
		}
	}
	n = nbr_encode_read_reply(buf, sizeof(buf), &r);
	if (n < 0)
		return n;
	mutex_lock(&conn->data_send_mutex);
	err = nbr_send_all(conn->data, buf, n, r.size ? MSG_MORE : 0);
	for (i = 0, left = r.size; !err && left; i++, left -= len) {
		len = min_t(u32, left, PAGE_SIZE);
		err = nbr_send_all(conn->data, page_address(pr->pages[i]), len,
				   left > len ? MSG_MORE : 0);
	}
	mutex_unlock(&conn->data_send_mutex);
	if (err)
		nbr_conn_fail(conn, err == -ETIMEDOUT ? NBR_C_TIMEOUT :
			      NBR_C_BROKENPIPE, "sending a read reply failed");
	else
		atomic64_add(r.size >> SECTOR_SHIFT, &conn->sent_sect);
	return err;
}

/*
 * Send due read replies and free their requests; after a failure (and at
 * teardown) only free them.
 */
void nbr_read_work(struct work_struct *work)
{
	struct nbr_conn *conn = container_of(work, struct nbr_conn, read_work);
	struct nbr_peer_req *pr, *tmp;
	LIST_HEAD(done);
	bool live;

	spin_lock_irq(&conn->lock);
	list_splice_init(&conn->read_queue, &done);
	live = !conn->fail_state;
	spin_unlock_irq(&conn->lock);
	list_for_each_entry_safe(pr, tmp, &done, list) {
		list_del(&pr->list);
		if (live)
			live = !send_read_reply(conn, pr);
		nbr_peer_req_free(pr);
	}
}
