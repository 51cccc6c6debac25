// SPDX-License-Identifier: GPL-2.0-only
/*
 * The meta socket: acks and pings, apart from bulk data.
 *
 * The asender thread reads it: block acks and barrier acks settle the
 * Primary's requests; PING is answered at once. After ping-int seconds
 * without a packet it sends PING; without an answer within ping-timeout
 * the peer is dead (Timeout). A request unanswered for ko-count times
 * `timeout` means the same.
 *
 * The Secondary's write acks are due in bio completion context, so they
 * leave from a work item that drains conn->ack_queue.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>

#include "nbr_net.h"

/* SyncTarget: these blocks are the source's now. */
static void resync_written(struct nbr_conn *conn, struct nbr_peer_req *pr)
{
	struct nbr_device *dev = conn->dev;
	struct block_device *bdev;

	if (nbr_get_local(dev, &bdev)) {
		if (dev->md)
			nbr_bm_clear(dev->md, pr->sector, pr->size);
		nbr_put_local(dev);
	}
	nbr_rs_count(conn, pr->size / NBR_RS_BLOCK);
}

/*
 * The acks of one ack_work run leave in one send, so a burst of finished
 * writes costs the peer one segment instead of one per block.
 */
#define ACK_LEN (sizeof(struct nbr_header) + sizeof(struct nbr_p_block_ack))
#define ACK_BATCH 16

struct ack_batch {
	int len;
	u8 buf[ACK_BATCH * ACK_LEN];
};

static int ack_flush(struct nbr_conn *conn, struct ack_batch *b)
{
	int err = 0;

	if (b->len)
		err = nbr_send_packet(conn, NBR_SOCK_META, b->buf, b->len);
	b->len = 0;
	return err;
}

static int ack_add(struct nbr_conn *conn, struct ack_batch *b,
		   unsigned int cmd, const struct nbr_peer_req *pr)
{
	struct nbr_block_ack a = { .sector = pr->sector,
				   .block_id = pr->block_id,
				   .size = pr->size, .seq = pr->seq };
	int n;

	if (b->len + ACK_LEN > sizeof(b->buf)) {
		n = ack_flush(conn, b);
		if (n)
			return n;
	}
	n = nbr_encode_block_ack(b->buf + b->len, ACK_LEN, cmd, &a);
	if (n < 0)
		return n;
	b->len += n;
	return 0;
}

/* Send due write acks and free the finished peer requests. */
void nbr_ack_work(struct work_struct *work)
{
	struct nbr_conn *conn = container_of(work, struct nbr_conn, ack_work);
	struct nbr_peer_req *pr, *tmp;
	struct ack_batch b = {};
	LIST_HEAD(done);
	bool live;

	spin_lock_irq(&conn->lock);
	list_splice_init(&conn->ack_queue, &done);
	live = !conn->fail_state;
	spin_unlock_irq(&conn->lock);
	list_for_each_entry_safe(pr, tmp, &done, list) {
		list_del(&pr->list);
		if (pr->resync) {
			if (!pr->status)
				resync_written(conn, pr);
			if (live)
				live = !ack_add(conn, &b, pr->status ?
						NBR_P_RS_NEG_ACK :
						NBR_P_RS_ACK, pr);
		} else if (live && pr->status) {
			live = !ack_add(conn, &b, NBR_P_NEG_ACK, pr);
		} else if (live && (pr->flags & NBR_DP_SEND_WRITE_ACK)) {
			live = !ack_add(conn, &b, NBR_P_WRITE_ACK, pr);
		}
		atomic_dec(&conn->unacked);
		nbr_peer_req_free(pr);
	}
	if (live)
		ack_flush(conn, &b);
}

static int send_ping(struct nbr_conn *conn, unsigned int cmd)
{
	u8 buf[sizeof(struct nbr_header)];

	return nbr_send_packet(conn, NBR_SOCK_META, buf,
			       nbr_encode_ping(buf, sizeof(buf), cmd));
}

/*
 * Has the oldest unanswered write or read waited ko-count times `timeout`?
 * A peer that answers pings but not requests (its disk hangs) is dropped
 * then, so the Primary goes on alone; ko-count 0 waits for ever.
 */
static bool reply_overdue(struct nbr_conn *conn)
{
	long limit = nbr_ds_to_jiffies(conn->conf.timeout_ds) *
		     conn->conf.ko_count;
	struct nbr_req *req;
	bool late = false;

	if (!limit)
		return false;
	spin_lock_irq(&conn->lock);
	req = list_first_entry_or_null(&conn->tl, struct nbr_req, list);
	if (req)
		late = time_after(jiffies, req->sent_at + limit);
	/* Reads through the peer wait for their reply the same way. */
	req = list_first_entry_or_null(&conn->read_tl, struct nbr_req, list);
	if (req && time_after(jiffies, req->sent_at + limit))
		late = true;
	spin_unlock_irq(&conn->lock);
	return late;
}

static int got_meta_packet(struct nbr_conn *conn, const struct nbr_hdr *hdr,
			   const void *p, bool *ping_out, const char **reason)
{
	struct nbr_verify_reply vr;
	struct nbr_barrier_ack ba;
	struct nbr_block_ack a;
	int err;

	switch (hdr->cmd) {
	case NBR_P_PING:
		return send_ping(conn, NBR_P_PING_ACK);
	case NBR_P_PING_ACK:
		*ping_out = false;
		return 0;
	case NBR_P_RECV_ACK:
	case NBR_P_WRITE_ACK:
	case NBR_P_NEG_ACK:
		err = nbr_decode_block_ack(p, hdr->len, &a, reason);
		if (!err && nbr_got_block_ack(conn, hdr->cmd, &a)) {
			*reason = "ack for no outstanding request";
			err = -EPROTO;
		}
		return err;
	case NBR_P_RS_ACK:
	case NBR_P_RS_NEG_ACK:
		err = nbr_decode_block_ack(p, hdr->len, &a, reason);
		if (!err && nbr_got_rs_ack(conn, hdr->cmd, &a)) {
			*reason = "resync ack for no outstanding resync data";
			err = -EPROTO;
		}
		return err;
	case NBR_P_VERIFY_REPLY:
		err = nbr_decode_verify_reply(p, hdr->len, &vr, reason);
		if (!err && nbr_got_verify_reply(conn, &vr)) {
			*reason = "verify reply for no outstanding request";
			err = -EPROTO;
		}
		return err;
	case NBR_P_BARRIER_ACK:
		err = nbr_decode_barrier_ack(p, hdr->len, &ba, reason);
		if (!err && nbr_got_barrier_ack(conn, &ba)) {
			*reason = "barrier ack does not match the epoch sent";
			err = -EPROTO;
		}
		return err;
	}
	*reason = "unexpected packet on the meta socket";
	return -EPROTO;
}

static enum nbr_conn_state meta_fail_state(int err)
{
	switch (err) {
	case -EPROTO:
		return NBR_C_PROTOCOLERROR;
	case -ECONNRESET:
	case -EPIPE:
		return NBR_C_BROKENPIPE;
	}
	return NBR_C_NETWORKFAILURE;
}

static int asender_thread(void *arg)
{
	struct nbr_conn *conn = arg;
	union {
		struct nbr_p_block_ack ack;
		struct nbr_p_barrier_ack bar;
		struct nbr_p_verify_reply verify;
	} buf;
	long ping_int = conn->conf.ping_int_s * HZ;
	long reply = nbr_ds_to_jiffies(conn->conf.timeout_ds);
	long ping_to = nbr_ds_to_jiffies(conn->conf.ping_timeout_ds);
	const char *reason = "?";
	bool ping_out = false;
	struct nbr_hdr hdr;
	int err;

	while (!kthread_should_stop()) {
		nbr_sock_set_timeouts(conn->meta,
				      ping_out ? ping_to : min(ping_int, reply),
				      reply);
		err = nbr_recv_packet(conn, conn->meta, NBR_SOCK_META,
				      NBR_PH_CONNECTED, &hdr, &buf,
				      sizeof(buf), &reason);
		if (err == -EAGAIN && ping_out) {
			nbr_conn_fail(conn, NBR_C_TIMEOUT,
				      "no answer to ping within ping-timeout");
			break;
		}
		if (err && err != -EAGAIN) {
			nbr_conn_fail(conn, meta_fail_state(err), err == -EPROTO ?
				      reason : "meta socket closed");
			break;
		}
		if (err) {
			err = send_ping(conn, NBR_P_PING);
			ping_out = true;
		} else {
			WRITE_ONCE(conn->last_rx, jiffies);
			err = got_meta_packet(conn, &hdr, &buf, &ping_out,
					      &reason);
			if (err)
				nbr_conn_fail(conn, meta_fail_state(err), reason);
		}
		if (err)
			break;
		if (reply_overdue(conn)) {
			nbr_conn_fail(conn, NBR_C_TIMEOUT,
				      "the peer did not answer a request within ko-count * timeout");
			break;
		}
	}
	while (!kthread_should_stop())
		wait_event_interruptible(conn->wait, kthread_should_stop());
	return 0;
}

int nbr_asender_start(struct nbr_conn *conn)
{
	struct task_struct *t;

	t = kthread_run(asender_thread, conn, "nbr_ack/%u", conn->dev->minor);
	if (IS_ERR(t))
		return PTR_ERR(t);
	conn->asender = t;
	return 0;
}
