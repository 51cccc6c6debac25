// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Primary's side of replication: a write becomes an nbr_req with two
 * parts, the local clone and the copy to the peer, and completes to the
 * upper layer when both are done (DESIGN.md table):
 *
 *   protocol A: net part done when the DATA packet is in the TCP buffer
 *   protocol B: ... when RECV_ACK arrived
 *   protocol C: ... when WRITE_ACK arrived
 *
 * The sender thread sends DATA packets in submission order, many in
 * flight, and closes an epoch with a BARRIER before the first write of
 * the next one when a write of the epoch has completed (a later write
 * may depend on it) or the epoch is full.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/crc32c.h>
#include <linux/highmem.h>
#include <linux/slab.h>

#include "nbr_net.h"
#include "nbr_md.h"
#include "nbr_state_rules.h"

/* The connection, pinned by conn->reqs_alive, or NULL. Any context. */
struct nbr_conn *nbr_get_conn(struct nbr_device *dev)
{
	struct nbr_conn *conn;
	unsigned long flags;

	spin_lock_irqsave(&dev->lock, flags);
	conn = dev->conn;
	if (conn)
		atomic_inc(&conn->reqs_alive);
	spin_unlock_irqrestore(&dev->lock, flags);
	return conn;
}

void nbr_put_conn(struct nbr_conn *conn)
{
	if (atomic_dec_and_test(&conn->reqs_alive))
		wake_up_all(&conn->wait);
}

static void req_free(struct nbr_req *req)
{
	struct nbr_conn *conn = req->conn;

	kfree(req);
	nbr_put_conn(conn);
}

/*
 * A write with a local part is done on both sides: the blocks are out of
 * sync unless both copies got it, then in sync (the ones it wholly
 * covers). Then the activity-log and local references go, which keep
 * dev->md alive until here. Any context.
 */
static void req_local_done(struct nbr_device *dev, struct nbr_req *req)
{
	struct nbr_md *md = READ_ONCE(dev->md);

	if (md && req->size) {
		if (!req->net_ok || req->local_status ||
		    !nbr_disk_has_data(nbr_get_state(dev).peer_disk))
			nbr_bm_mark(md, req->sector, req->size);
		else
			nbr_bm_clear(md, req->sector, req->size);
		nbr_al_complete_io(md, req->sector, req->size);
	}
	nbr_put_local(dev);
}

/*
 * Protocols A and B complete a write before the peer has it on stable
 * storage: remember its range until the BARRIER_ACK of its epoch, so
 * that a connection lost before that marks it out of sync. Any context.
 */
static struct nbr_unstable *keep_unstable(struct nbr_conn *conn,
					  struct nbr_req *req)
{
	struct nbr_unstable *u;

	if (conn->conf.proto == NBR_PROT_C || !req->net_ok || !req->seq ||
	    !req->size)
		return NULL;
	u = kmalloc(sizeof(*u), GFP_ATOMIC);
	if (!u) {
		/* No memory to wait for the ack: out of sync right away. */
		nbr_md_mark_oos(conn->dev, req->sector, req->size);
		return NULL;
	}
	u->epoch = req->epoch;
	u->sector = req->sector;
	u->size = req->size;
	return u;
}

/* Both parts are done: complete the upper layer's bio. Any context. */
static void req_complete(struct nbr_req *req)
{
	struct nbr_conn *conn = req->conn;
	struct nbr_device *dev = conn->dev;
	struct nbr_unstable *unstable;
	struct bio *bio = req->bio;
	unsigned long flags;

	if (req->read) {
		bio->bi_status = req->net_ok ? BLK_STS_OK : BLK_STS_IOERR;
		goto out_endio;
	}
	/* Without a local part the peer's copy was the only one. */
	if (!req->has_local && !req->net_ok)
		req->local_status = BLK_STS_IOERR;
	if (req->has_local)
		req_local_done(dev, req);
	/* The peer has it: a failed local write can still succeed. */
	if (req->local_status && req->net_ok &&
	    READ_ONCE(dev->on_io_error) == NBR_IOERR_DETACH)
		req->local_status = BLK_STS_OK;
	bio->bi_status = req->local_status;
	unstable = keep_unstable(conn, req);
	spin_lock_irqsave(&conn->lock, flags);
	if (req->epoch == conn->epoch && req->seq)
		conn->epoch_close = true;
	list_del_init(&req->active_list);
	if (unstable)
		list_add_tail(&unstable->list, &conn->unstable);
	spin_unlock_irqrestore(&conn->lock, flags);
	/* The resync worker may wait for this write to leave its range. */
	wake_up_all(&conn->wait);
out_endio:
	atomic_dec(&dev->app_pending);
	bio_endio(bio);
	req_free(req);
}

void nbr_req_put(struct nbr_req *req)
{
	if (atomic_dec_and_test(&req->pending))
		req_complete(req);
}

/* The peer's part of @req is settled; @ok: the peer has the data. */
void nbr_req_net_done(struct nbr_req *req, bool ok)
{
	req->net_ok = ok;
	nbr_req_put(req);
}

/*
 * Hand a write to the peer if we replicate now. On true, *@reqp holds the
 * net part, owned by the sender, and with @local also the caller's local
 * part (nbr_req_put() when the local write is done). Without @local the
 * peer's copy is the only one (a Primary without a usable disk). May
 * sleep.
 */
bool nbr_net_submit_write(struct nbr_device *dev, struct bio *bio,
			  bool local, struct nbr_req **reqp)
{
	struct nbr_conn *conn;
	struct nbr_req *req;
	bool queued = false;

	conn = nbr_get_conn(dev);
	if (!conn)
		return false;
	req = kzalloc(sizeof(*req), GFP_NOIO);
	if (!req)
		goto out_put;
	req->conn = conn;
	req->bio = bio;
	req->sector = bio->bi_iter.bi_sector;
	req->size = bio->bi_iter.bi_size;
	req->has_local = local;
	atomic_set(&req->pending, local ? 2 : 1);
	/*
	 * Not into a range the resync worker is reading right now; the
	 * check and the queueing are one step under conn->lock.
	 */
	spin_lock_irq(&conn->lock);
	nbr_wait_rs_range(conn, req->sector, req->size);
	if (conn->replicating) {
		list_add_tail(&req->list, &conn->send_queue);
		list_add_tail(&req->active_list, &conn->active);
		queued = true;
	}
	spin_unlock_irq(&conn->lock);
	if (!queued) {
		kfree(req);
		goto out_put;
	}
	nbr_kick_sender(conn);
	*reqp = req;
	return true;

out_put:
	nbr_put_conn(conn);
	return false;
}

/*
 * Send one packet on @kind under its mutex; a failure breaks the link.
 * -ENOTCONN when the worker has closed the socket already (an admin
 * request that raced with a teardown).
 */
int nbr_send_packet(struct nbr_conn *conn, enum nbr_sock kind,
		    const void *buf, int len)
{
	struct mutex *m = kind == NBR_SOCK_META ? &conn->meta_send_mutex :
						  &conn->data_send_mutex;
	struct socket *sock;
	int err;

	if (len < 0)
		return len;
	mutex_lock(m);
	sock = kind == NBR_SOCK_META ? conn->meta : conn->data;
	err = sock ? nbr_send_all(sock, buf, len, 0) : -ENOTCONN;
	mutex_unlock(m);
	if (err)
		nbr_conn_fail(conn, err == -ETIMEDOUT ? NBR_C_TIMEOUT :
			      NBR_C_BROKENPIPE, "send failed");
	return err;
}

u32 nbr_bio_crc32c(struct bio *bio)
{
	struct bvec_iter iter;
	struct bio_vec bv;
	u32 crc = ~0u;
	void *p;

	bio_for_each_segment(bv, bio, iter) {
		p = kmap_local_page(bv.bv_page);
		crc = crc32c(crc, p + bv.bv_offset, bv.bv_len);
		kunmap_local(p);
	}
	return ~crc;
}

static u32 dp_flags(struct nbr_conn *conn, struct nbr_req *req)
{
	struct bio *bio = req->bio;
	u32 f = 0;

	/* Not on our disk: the peer must record it, whatever it knows of us. */
	if (!req->has_local && req->size &&
	    (conn->agreed.features & NBR_FEAT_ONLY_COPY))
		f |= NBR_DP_ONLY_COPY;
	if (conn->agreed.features & NBR_FEAT_FLUSH_FUA) {
		if (bio->bi_opf & REQ_PREFLUSH)
			f |= NBR_DP_FLUSH;
		if (bio->bi_opf & REQ_FUA)
			f |= NBR_DP_FUA;
	}
	if (conn->conf.proto == NBR_PROT_B)
		f |= NBR_DP_SEND_RECV_ACK;
	else if (conn->conf.proto == NBR_PROT_C)
		f |= NBR_DP_SEND_WRITE_ACK;
	if (conn->conf.integrity == NBR_INTEGRITY_CRC32C)
		f |= NBR_DP_CRC32C;
	return f;
}

/*
 * The BARRIER that closes the previous epoch (when @barrier is not 0),
 * then the DATA header, its fixed part and the bio's bytes, copied into
 * the socket as one corked unit: TCP pushes it with its last byte, unless
 * @more says the next packet is already queued behind it.
 */
static int send_data(struct nbr_conn *conn, struct nbr_req *req, u32 barrier,
		     bool more)
{
	int last = more ? MSG_MORE : 0;
	u8 buf[sizeof(struct nbr_header) + sizeof(struct nbr_p_barrier) +
	       sizeof(struct nbr_header) + sizeof(struct nbr_p_data)];
	struct nbr_barrier b = { .epoch = barrier };
	struct nbr_data d = {};
	int len = 0, n, err;

	if (barrier) {
		len = nbr_encode_barrier(buf, sizeof(buf), &b);
		if (len < 0)
			return len;
	}
	d.sector = req->sector;
	d.block_id = (u64)req->seq;
	d.seq = req->seq;
	d.epoch = req->epoch;
	d.flags = req->dp_flags;
	d.size = req->size;
	if (d.flags & NBR_DP_CRC32C)
		d.crc = nbr_bio_crc32c(req->bio);
	n = nbr_encode_data(buf + len, sizeof(buf) - len, &d);
	if (n < 0)
		return n;
	len += n;
	mutex_lock(&conn->data_send_mutex);
	err = nbr_send_all(conn->data, buf, len, req->size ? MSG_MORE : last);
	/* Protocol A completes the write before TCP is done with its pages. */
	if (!err && req->size && conn->conf.proto == NBR_PROT_A)
		err = nbr_send_bio(conn->data, req->bio, last);
	else if (!err && req->size)
		err = nbr_send_bio_zc(conn->data, req->bio, last);
	mutex_unlock(&conn->data_send_mutex);
	if (!err)
		atomic64_add(req->size >> SECTOR_SHIFT, &conn->sent_sect);
	return err;
}

static int send_state(struct nbr_conn *conn)
{
	u8 buf[sizeof(struct nbr_header) + sizeof(struct nbr_p_state)];
	struct nbr_state st = nbr_get_state(conn->dev);
	struct nbr_state_msg m = { .role = st.role, .disk = st.disk,
				   .conn = st.conn };

	if (READ_ONCE(conn->rs.user_paused))
		m.flags |= NBR_SF_USER_PAUSED;

	return nbr_send_packet(conn, NBR_SOCK_DATA, buf,
			       nbr_encode_state(buf, sizeof(buf), &m));
}

/*
 * What the peer's disk cache holds, as far as the protocol tells (see
 * nbr_flush.h): a write counts as completed on its WRITE_ACK under C, on
 * its RECV_ACK under B and once sent under A, which is what each protocol
 * promises for a write. Under A and B the peer runs a flush only after
 * the writes it received before it (nbr_submit_peer_write()), so a flush
 * covers everything sent ahead of it. @written: not a NEG_ACK.
 */
static void peer_cache_update(struct nbr_conn *conn, struct nbr_req *req,
			      bool written)
{
	lockdep_assert_held(&conn->lock);
	if (written && (req->dp_flags & NBR_DP_FLUSH))
		nbr_flush_done(&conn->peer_flush, req->flush_ticket);
	if (req->size)
		nbr_flush_write_done(&conn->peer_flush,
				     written && (req->dp_flags & NBR_DP_FUA));
}

/*
 * Take the next request and number it; decide whether the epoch must be
 * closed first (*@barrier gets its number). @rec is preallocated because
 * we hold a spinlock here.
 */
static struct nbr_req *next_req(struct nbr_conn *conn,
				struct nbr_epoch_rec **rec, u32 *barrier)
{
	struct nbr_req *req;

	lockdep_assert_held(&conn->lock);
	*barrier = 0;
	req = list_first_entry_or_null(&conn->send_queue, struct nbr_req,
				       list);
	if (!req)
		return NULL;
	list_del_init(&req->list);
	/* Resync data belongs to no epoch; it waits for RS_ACK. */
	if (req->resync) {
		list_add_tail(&req->list, &conn->rs_tl);
		return req;
	}
	/* Reads belong to no epoch; they wait in their own log. */
	if (req->read) {
		req->read_id = ++conn->read_id;
		req->sent_at = jiffies;
		list_add_tail(&req->list, &conn->read_tl);
		return req;
	}
	if (conn->epoch_writes &&
	    (conn->epoch_close || conn->epoch_writes >= conn->conf.max_epoch)) {
		(*rec)->epoch = conn->epoch;
		(*rec)->writes = conn->epoch_writes;
		list_add_tail(&(*rec)->list, &conn->epochs);
		*rec = NULL;
		*barrier = conn->epoch++;
		conn->epoch_writes = 0;
		conn->epoch_close = false;
	}
	req->seq = ++conn->seq;
	if (!req->seq)			/* 0 is "not sent" */
		req->seq = ++conn->seq;
	req->epoch = conn->epoch;
	conn->epoch_writes++;
	req->dp_flags = dp_flags(conn, req);
	if (req->dp_flags & NBR_DP_FLUSH)
		req->flush_ticket = nbr_flush_issue(&conn->peer_flush);
	req->sent_at = jiffies;
	/* Before the send: the ack may beat kernel_sendmsg() back. */
	if (conn->conf.proto != NBR_PROT_A) {
		list_add_tail(&req->list, &conn->tl);
		atomic_inc(&conn->pending);
	} else {
		peer_cache_update(conn, req, true);
	}
	return req;
}

static bool sender_has_work(struct nbr_conn *conn)
{
	bool work;

	spin_lock_irq(&conn->lock);
	work = conn->fail_state || conn->state_dirty ||
	       !list_empty(&conn->send_queue);
	spin_unlock_irq(&conn->lock);
	return work || kthread_should_stop();
}

/* One round of work; false when the connection is broken. */
static bool sender_round(struct nbr_conn *conn, struct nbr_epoch_rec **rec)
{
	struct nbr_req *req;
	bool state, more;
	u32 barrier;
	int err;

	spin_lock_irq(&conn->lock);
	if (conn->fail_state) {
		spin_unlock_irq(&conn->lock);
		return false;
	}
	state = conn->state_dirty;
	conn->state_dirty = false;
	spin_unlock_irq(&conn->lock);
	if (state && send_state(conn))
		return false;

	/*
	 * Only this thread takes from send_queue: a request seen queued
	 * behind this one is sent next round, and its last byte pushes both.
	 */
	spin_lock_irq(&conn->lock);
	req = next_req(conn, rec, &barrier);
	more = !list_empty(&conn->send_queue);
	spin_unlock_irq(&conn->lock);
	if (!req)
		return true;
	if (req->read)
		return !nbr_send_read_req(conn, req);
	if (req->resync)
		return !nbr_send_rs_data(conn, req, more);
	err = send_data(conn, req, barrier, more);
	if (err)
		nbr_conn_fail(conn, err == -ETIMEDOUT ? NBR_C_TIMEOUT :
			      NBR_C_BROKENPIPE, "sending data failed");
	/* B and C requests sit in the transfer log until their ack. */
	if (conn->conf.proto == NBR_PROT_A)
		nbr_req_net_done(req, !err);
	return !err;
}

static int sender_thread(void *arg)
{
	struct nbr_conn *conn = arg;
	struct nbr_epoch_rec *rec = NULL;

	while (!kthread_should_stop()) {
		if (!rec)
			rec = kmalloc(sizeof(*rec), GFP_NOIO);
		if (!rec) {
			nbr_conn_fail(conn, NBR_C_NETWORKFAILURE,
				      "out of memory");
			break;
		}
		wait_event_interruptible(conn->send_wait,
					 sender_has_work(conn));
		if (!sender_round(conn, &rec))
			break;
	}
	kfree(rec);
	/* Idle until teardown stops us. */
	while (!kthread_should_stop())
		wait_event_interruptible(conn->wait, kthread_should_stop());
	return 0;
}

int nbr_sender_start(struct nbr_conn *conn)
{
	struct task_struct *t;

	t = kthread_run(sender_thread, conn, "nbr_send/%u", conn->dev->minor);
	if (IS_ERR(t))
		return PTR_ERR(t);
	conn->sender = t;
	return 0;
}

/* Teardown: nothing in flight will be answered. Helpers are stopped. */
void nbr_fail_requests(struct nbr_conn *conn)
{
	struct nbr_epoch_rec *rec, *rtmp;
	struct nbr_req *req, *tmp;
	LIST_HEAD(dead);

	spin_lock_irq(&conn->lock);
	list_splice_init(&conn->send_queue, &dead);
	list_for_each_entry(req, &conn->tl, list)
		atomic_dec(&conn->pending);
	list_splice_tail_init(&conn->tl, &dead);
	list_splice_tail_init(&conn->read_tl, &dead);
	list_splice_tail_init(&conn->rs_tl, &dead);
	conn->rs.inflight = 0;
	conn->rs.inflight_runs = 0;
	list_for_each_entry_safe(rec, rtmp, &conn->epochs, list) {
		list_del(&rec->list);
		kfree(rec);
	}
	spin_unlock_irq(&conn->lock);
	list_for_each_entry_safe(req, tmp, &dead, list) {
		list_del_init(&req->list);
		if (req->resync)
			nbr_rs_req_free(req);	/* its bits stay set */
		else
			nbr_req_net_done(req, false);
	}
}

/* An ack from the meta socket: find its request in the transfer log. */
/*
 * Would an empty flush now make anything durable on the peer's disk? Not
 * when we do not replicate: then the flush is not sent at all.
 */
bool nbr_net_flush_needed(struct nbr_device *dev)
{
	struct nbr_conn *conn = nbr_get_conn(dev);
	bool needed;

	if (!conn)
		return false;
	spin_lock_irq(&conn->lock);
	needed = conn->replicating && nbr_flush_needed(&conn->peer_flush);
	spin_unlock_irq(&conn->lock);
	nbr_put_conn(conn);
	return needed;
}

int nbr_got_block_ack(struct nbr_conn *conn, unsigned int cmd,
		      const struct nbr_block_ack *a)
{
	struct nbr_req *req, *found = NULL;

	spin_lock_irq(&conn->lock);
	list_for_each_entry(req, &conn->tl, list) {
		if (req->seq == a->seq) {
			if (req->sector == a->sector && req->size == a->size &&
			    a->block_id == (u64)req->seq)
				found = req;
			break;
		}
	}
	if (found) {
		list_del_init(&found->list);
		atomic_dec(&conn->pending);
		peer_cache_update(conn, found, cmd != NBR_P_NEG_ACK);
	}
	spin_unlock_irq(&conn->lock);
	if (found) {
		nbr_req_net_done(found, cmd != NBR_P_NEG_ACK);
		return 0;
	}
	/* Protocol A keeps no log: a failed peer write only diverges us. */
	if (cmd == NBR_P_NEG_ACK && conn->conf.proto == NBR_PROT_A) {
		nbr_md_mark_oos(conn->dev, a->sector, a->size);
		return 0;
	}
	return -EPROTO;
}

int nbr_got_barrier_ack(struct nbr_conn *conn,
			const struct nbr_barrier_ack *b)
{
	struct nbr_unstable *u, *utmp;
	struct nbr_epoch_rec *rec;
	LIST_HEAD(stable);
	int err = -EPROTO;

	spin_lock_irq(&conn->lock);
	rec = list_first_entry_or_null(&conn->epochs, struct nbr_epoch_rec,
				       list);
	if (rec && rec->epoch == b->epoch && rec->writes == b->set_size) {
		list_del(&rec->list);
		err = 0;
		/* Epochs end in order: everything up to this one is stable. */
		list_for_each_entry_safe(u, utmp, &conn->unstable, list) {
			if ((s32)(u->epoch - b->epoch) <= 0)
				list_move(&u->list, &stable);
		}
	} else {
		rec = NULL;
	}
	spin_unlock_irq(&conn->lock);
	kfree(rec);
	list_for_each_entry_safe(u, utmp, &stable, list)
		kfree(u);
	return err;
}

/*
 * Teardown: writes of protocol A/B the peer never confirmed as stable
 * are out of sync now (and durably so: they have no AL reference left).
 */
void nbr_mark_unstable(struct nbr_conn *conn)
{
	struct nbr_unstable *u, *utmp;
	struct block_device *bdev;
	LIST_HEAD(lost);

	spin_lock_irq(&conn->lock);
	list_splice_init(&conn->unstable, &lost);
	spin_unlock_irq(&conn->lock);
	if (list_empty(&lost))
		return;
	list_for_each_entry_safe(u, utmp, &lost, list) {
		nbr_md_mark_oos(conn->dev, u->sector, u->size);
		kfree(u);
	}
	if (nbr_get_local(conn->dev, &bdev)) {
		if (conn->dev->md)
			nbr_bm_write_dirty(conn->dev, conn->dev->md);
		nbr_put_local(conn->dev);
	}
}
