// SPDX-License-Identifier: GPL-2.0-only
/*
 * The data socket's receiver (the worker thread while connected): DATA
 * packets become writes on our backing disk, BARRIER waits until every
 * write of the epoch is done, STATE updates the peer's state.
 *
 * Every packet is validated before use: header and phase by
 * nbr_recv_packet(), the fixed part by the codec, the write's range
 * against the agreed size and max_bio, its epoch against ours, and its
 * crc32c when configured. A bad packet breaks the connection; it is
 * never written.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/crc32c.h>
#include <linux/slab.h>

#include "nbr_net.h"
#include "nbr_state_rules.h"

void nbr_peer_req_free(struct nbr_peer_req *pr)
{
	unsigned int i;

	for (i = 0; i < pr->nr_pages; i++)
		nbr_page_put(pr->pages[i]);
	kfree(pr);
}

/* A peer request with pages for @size bytes. May sleep. */
struct nbr_peer_req *nbr_peer_req_alloc(struct nbr_conn *conn, u64 sector,
					u64 block_id, u32 size)
{
	unsigned int n = DIV_ROUND_UP(size, PAGE_SIZE), i;
	struct nbr_peer_req *pr;

	pr = kzalloc(struct_size(pr, pages, n), GFP_NOIO);
	if (!pr)
		return NULL;
	pr->conn = conn;
	INIT_LIST_HEAD(&pr->active_list);
	pr->sector = sector;
	pr->block_id = block_id;
	pr->size = size;
	for (i = 0; i < n; i++) {
		pr->pages[i] = nbr_page_get(GFP_NOIO);
		if (!pr->pages[i]) {
			nbr_peer_req_free(pr);
			return NULL;
		}
		pr->nr_pages++;
	}
	return pr;
}

/* The data bytes of a DATA or RS_DATA packet, checked. Receiver. */
int nbr_recv_peer_payload(struct nbr_conn *conn, struct nbr_peer_req *pr)
{
	u32 left = pr->size, len, crc = ~0u;
	unsigned int i;
	int err;

	err = nbr_recv_pages(conn->data, pr->pages, pr->size);
	if (err)
		return err;
	if (pr->size && nbr_fault_corrupt_rx(page_address(pr->pages[0]),
					     min_t(u32, pr->size, PAGE_SIZE)))
		nbr_warn_rl(conn->dev, "fault_corrupt_rx: corrupted the write to sector %llu\n",
			    pr->sector);
	if (!(pr->flags & NBR_DP_CRC32C))
		return 0;
	for (i = 0; i < pr->nr_pages; i++) {
		len = min_t(u32, left, PAGE_SIZE);
		crc = crc32c(crc, page_address(pr->pages[i]), len);
		left -= len;
	}
	if (~crc != pr->crc) {
		nbr_err(conn->dev, "data-integrity: crc32c mismatch in the write of %u bytes to sector %llu; not written\n",
			pr->size, pr->sector);
		return -EBADMSG;
	}
	return 0;
}

/* A block ack on the meta socket (RECV_ACK, WRITE_ACK, NEG_ACK). */
int nbr_send_block_ack(struct nbr_conn *conn, unsigned int cmd,
		       const struct nbr_peer_req *pr)
{
	u8 buf[sizeof(struct nbr_header) + sizeof(struct nbr_p_block_ack)];
	struct nbr_block_ack a = { .sector = pr->sector,
				   .block_id = pr->block_id,
				   .size = pr->size, .seq = pr->seq };

	return nbr_send_packet(conn, NBR_SOCK_META, buf,
			       nbr_encode_block_ack(buf, sizeof(buf), cmd, &a));
}

/* The write is done (or failed): its ack is due. Any context. */
static void peer_req_done(struct nbr_peer_req *pr, blk_status_t status)
{
	struct nbr_conn *conn = pr->conn;
	unsigned long flags;

	pr->status = status;
	spin_lock_irqsave(&conn->lock, flags);
	list_del_init(&pr->active_list);
	list_add_tail(&pr->list, &conn->ack_queue);
	conn->peer_pending--;
	spin_unlock_irqrestore(&conn->lock, flags);
	queue_work(system_highpri_wq, &conn->ack_work);
	wake_up_all(&conn->wait);
}

static void peer_write_endio(struct bio *bio)
{
	struct nbr_peer_req *pr = bio->bi_private;
	struct nbr_device *dev = pr->conn->dev;
	blk_status_t status = bio->bi_status;

	if (status) {
		nbr_warn_rl(dev, "peer write failed at sector %llu: %d\n",
			    pr->sector, blk_status_to_errno(status));
		nbr_local_io_error(dev);
	}
	nbr_disk_io_done(dev, pr->flags & NBR_DP_FLUSH, pr->flush_ticket,
			 pr->size, pr->flags & NBR_DP_FUA, status);
	if (pr->only_copy)
		nbr_al_complete_io(READ_ONCE(dev->md), pr->sector, pr->size);
	bio_put(bio);
	nbr_put_local(dev);
	peer_req_done(pr, status);
}

/*
 * A write of a Primary without a usable disk lands on this disk only:
 * its blocks are out of sync, and, as for the Primary's own writes, the
 * activity log makes that survive a crash before the bitmap is written.
 * The caller holds a local reference.
 */
static int only_copy_begin(struct nbr_device *dev, struct nbr_peer_req *pr)
{
	struct nbr_md *md = READ_ONCE(dev->md);
	int err;

	if (!md) {
		pr->only_copy = false;
		return 0;
	}
	err = nbr_al_begin_io(dev, md, pr->sector, pr->size);
	if (err) {
		pr->only_copy = false;
		nbr_warn_rl(dev, "I/O error: activity log not written\n");
		if (err != -E2BIG)
			nbr_md_io_error(dev);
		return err;
	}
	nbr_bm_mark(md, pr->sector, pr->size);
	return 0;
}

/*
 * Submit a received write (DATA or RS_DATA) after any earlier one to an
 * overlapping range; NEG_ACK when we have no usable disk. Receiver.
 */
void nbr_submit_peer_write(struct nbr_conn *conn, struct nbr_peer_req *pr)
{
	blk_opf_t opf = REQ_OP_WRITE;
	struct block_device *bdev;
	u32 left = pr->size, len;
	struct bio *bio;
	unsigned int i;

	if (pr->flags & NBR_DP_FLUSH)
		opf |= REQ_PREFLUSH;
	if (pr->flags & NBR_DP_FUA)
		opf |= REQ_FUA;
	/*
	 * Under protocols A and B the Primary counts this flush done before
	 * the writes sent ahead of it completed here; it covers them only
	 * when it starts after them.
	 */
	if ((pr->flags & NBR_DP_FLUSH) && !(pr->flags & NBR_DP_SEND_WRITE_ACK))
		nbr_wait_peer_writes(conn);
	spin_lock_irq(&conn->lock);
	conn->peer_pending++;
	spin_unlock_irq(&conn->lock);
	atomic_inc(&conn->unacked);
	if (!nbr_get_local(conn->dev, &bdev)) {
		peer_req_done(pr, BLK_STS_IOERR);
		return;
	}
	/* An empty flush with nothing to make durable is done already. */
	if (!pr->size && (pr->flags & NBR_DP_FLUSH) &&
	    !nbr_disk_flush_needed(conn->dev)) {
		nbr_put_local(conn->dev);
		peer_req_done(pr, BLK_STS_OK);
		return;
	}
	if (pr->only_copy && only_copy_begin(conn->dev, pr)) {
		nbr_put_local(conn->dev);
		peer_req_done(pr, BLK_STS_IOERR);
		return;
	}
	if (pr->flags & NBR_DP_FLUSH)
		pr->flush_ticket = nbr_disk_flush_issue(conn->dev);
	nbr_wait_peer_overlap(conn, pr);
	bio = bio_alloc(bdev, pr->nr_pages, opf, GFP_NOIO);
	bio->bi_iter.bi_sector = pr->sector;
	bio->bi_private = pr;
	bio->bi_end_io = peer_write_endio;
	for (i = 0; i < pr->nr_pages; i++) {
		len = min_t(u32, left, PAGE_SIZE);
		__bio_add_page(bio, pr->pages[i], len, 0);
		left -= len;
	}
	atomic64_add(pr->size >> SECTOR_SHIFT, &conn->dev->disk_write_sect);
	submit_bio(bio);
}

static int receive_data(struct nbr_conn *conn, const void *p, u32 len,
			const char **reason)
{
	struct nbr_peer_req *pr;
	struct nbr_data d;
	int err;

	err = nbr_decode_data(p, sizeof(struct nbr_p_data), len, &d, reason);
	if (!err)
		err = nbr_data_check_range(&d, conn->agreed.dev_sectors,
					   conn->agreed.max_bio, reason);
	if (err)
		return err;
	if (d.epoch != conn->peer_epoch) {
		*reason = "write of an epoch that is not open";
		return -EPROTO;
	}
	if ((d.flags & NBR_DP_ONLY_COPY) &&
	    !(conn->agreed.features & NBR_FEAT_ONLY_COPY)) {
		*reason = "only-copy write without the feature agreed";
		return -EPROTO;
	}
	pr = nbr_peer_req_alloc(conn, d.sector, d.block_id, d.size);
	if (!pr) {
		*reason = "out of memory";
		return -ENOMEM;
	}
	pr->seq = d.seq;
	pr->flags = d.flags;
	pr->crc = d.crc;
	/*
	 * The Primary's disk misses this write: it says so in the write, and
	 * a STATE without usable disk may have come first.
	 */
	pr->only_copy = d.size &&
			((d.flags & NBR_DP_ONLY_COPY) ||
			 !nbr_disk_has_data(nbr_get_state(conn->dev).peer_disk));
	err = nbr_recv_peer_payload(conn, pr);
	if (err) {
		if (err == -EBADMSG)
			*reason = "data-integrity crc32c mismatch; not written";
		nbr_peer_req_free(pr);
		return err;
	}
	atomic64_add(d.size >> SECTOR_SHIFT, &conn->recv_sect);
	conn->peer_epoch_writes++;
	if ((d.flags & NBR_DP_SEND_RECV_ACK) &&
	    nbr_send_block_ack(conn, NBR_P_RECV_ACK, pr)) {
		nbr_peer_req_free(pr);
		return -EPIPE;
	}
	nbr_submit_peer_write(conn, pr);
	return 0;
}

/*
 * Every peer request submitted before now (writes, and reads served for
 * the peer) is done.
 */
bool nbr_peer_writes_done(struct nbr_conn *conn)
{
	bool done;

	spin_lock_irq(&conn->lock);
	done = !conn->peer_pending;
	spin_unlock_irq(&conn->lock);
	return done;
}

void nbr_wait_peer_writes(struct nbr_conn *conn)
{
	wait_event(conn->wait, nbr_peer_writes_done(conn));
}

/*
 * BARRIER(n): epoch n is complete once all its writes are done; only then
 * do we read on, so no write of n+1 can overtake one of n. Flush and FUA
 * are honoured per write (DP_FLUSH, DP_FUA), so draining is enough here.
 */
static int receive_barrier(struct nbr_conn *conn, const void *p,
			   const char **reason)
{
	u8 buf[sizeof(struct nbr_header) + sizeof(struct nbr_p_barrier_ack)];
	struct nbr_barrier_ack ack;
	struct nbr_barrier b;
	int err;

	err = nbr_decode_barrier(p, sizeof(struct nbr_p_barrier), &b, reason);
	if (err)
		return err;
	if (b.epoch != conn->peer_epoch) {
		*reason = "barrier for an epoch that is not open";
		return -EPROTO;
	}
	if (wait_event_interruptible(conn->wait, nbr_peer_writes_done(conn)))
		return -EINTR;
	ack.epoch = b.epoch;
	ack.set_size = conn->peer_epoch_writes;
	conn->peer_epoch++;
	conn->peer_epoch_writes = 0;
	return nbr_send_packet(conn, NBR_SOCK_META, buf,
			       nbr_encode_barrier_ack(buf, sizeof(buf), &ack));
}

static int receive_state(struct nbr_conn *conn, const void *p,
			 const char **reason)
{
	struct nbr_state_msg s;
	int err;

	err = nbr_decode_state(p, sizeof(struct nbr_p_state), &s, reason);
	if (err)
		return err;
	if (nbr_conn_set_peer_state(conn, &s)) {
		*reason = "peer state conflicts with ours";
		return -EPROTO;
	}
	nbr_sync_peer_state(conn, &s);
	return 0;
}

static void receive_failed(struct nbr_conn *conn, int err, const char *reason)
{
	if (kthread_should_stop())
		err = -EINTR;
	switch (err) {
	case -EPROTO:
	case -EBADMSG:
		nbr_conn_fail(conn, NBR_C_PROTOCOLERROR, reason);
		break;
	case -ECONNRESET:
	case -EPIPE:
		nbr_conn_fail(conn, NBR_C_BROKENPIPE, "peer closed the connection");
		break;
	default:
		nbr_conn_fail(conn, NBR_C_NETWORKFAILURE, "receive failed");
		break;
	}
}

void nbr_receive_data(struct nbr_conn *conn)
{
	union {
		struct nbr_p_data data;
		struct nbr_p_barrier barrier;
		struct nbr_p_state state;
		struct nbr_p_read_req read_req;
		struct nbr_p_read_reply read_reply;
		struct nbr_p_sync_uuid sync_uuid;
		struct nbr_p_uuids uuids;
		struct nbr_p_sync_req sync_req;
		struct nbr_p_rs_data rs_data;
		u8 var[sizeof(struct nbr_p_bitmap) + NBR_BM_CHUNK_MAX];
	} *buf;
	const char *reason = "?";
	struct nbr_hdr hdr;
	int err;

	buf = kmalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf) {
		nbr_conn_fail(conn, NBR_C_NETWORKFAILURE, "out of memory");
		return;
	}
	/* Idle is normal here: the Primary may not write for hours. */
	nbr_sock_set_timeouts(conn->data, MAX_SCHEDULE_TIMEOUT,
			      nbr_ds_to_jiffies(conn->conf.timeout_ds));
	while (!kthread_should_stop()) {
		err = nbr_recv_packet(conn, conn->data, NBR_SOCK_DATA,
				      NBR_PH_CONNECTED, &hdr, buf,
				      sizeof(*buf), &reason);
		if (!err) {
			switch (hdr.cmd) {
			case NBR_P_DATA:
				err = receive_data(conn, buf, hdr.len, &reason);
				break;
			case NBR_P_BARRIER:
				err = receive_barrier(conn, buf, &reason);
				break;
			case NBR_P_STATE:
				err = receive_state(conn, buf, &reason);
				break;
			case NBR_P_READ_REQ:
				err = nbr_receive_read_req(conn, buf, &reason);
				break;
			case NBR_P_READ_REPLY:
				err = nbr_receive_read_reply(conn, buf, hdr.len,
							     &reason);
				break;
			case NBR_P_BITMAP:
				err = nbr_receive_bitmap(conn, buf, hdr.len,
							 &reason);
				break;
			case NBR_P_SYNC_UUID:
				err = nbr_receive_sync_uuid(conn, buf, &reason);
				break;
			case NBR_P_RS_DATA:
				err = nbr_receive_rs_data(conn, buf, hdr.len,
							  &reason);
				break;
			case NBR_P_RS_DONE:
				err = nbr_receive_rs_done(conn, buf, &reason);
				break;
			case NBR_P_SYNC_REQ:
				err = nbr_receive_sync_req(conn, buf, &reason);
				break;
			case NBR_P_VERIFY_REQ:
				err = nbr_receive_verify_req(conn, buf, hdr.len,
							     &reason);
				break;
			case NBR_P_VERIFY_DONE:
				err = nbr_receive_verify_done(conn);
				break;
			default:
				reason = "unexpected packet on the data socket";
				err = -EPROTO;
				break;
			}
		}
		if (err) {
			receive_failed(conn, err, reason);
			break;
		}
	}
	kfree(buf);
}
