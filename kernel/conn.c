// SPDX-License-Identifier: GPL-2.0-only
/*
 * One connection per device: the net configuration, the worker thread
 * that establishes the connection (listen and connect, authenticate,
 * resolve the connect race, exchange PARAMS), runs the data receiver,
 * and on failure tears everything down and tries again.
 *
 * The worker never takes conf_lock: admin requests hold it while they
 * stop the worker.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "nbr_net.h"
#include "nbr_state_rules.h"

/* The state a connection failure leaves us in, with its reason logged. */
void nbr_conn_fail(struct nbr_conn *conn, enum nbr_conn_state why,
		   const char *reason)
{
	unsigned long flags;
	bool first;

	spin_lock_irqsave(&conn->lock, flags);
	first = !conn->fail_state;
	if (first) {
		conn->fail_state = why;
		conn->fail_reason = reason;
	}
	conn->replicating = false;
	spin_unlock_irqrestore(&conn->lock, flags);
	if (!first)
		return;
	if (!kthread_should_stop())
		nbr_warn_rl(conn->dev, "connection lost (%s): %s\n",
			    nbr_conn_str(why), reason);
	/* Wakes every thread blocked on a socket of this connection. */
	if (conn->data)
		kernel_sock_shutdown(conn->data, SHUT_RDWR);
	if (conn->meta)
		kernel_sock_shutdown(conn->meta, SHUT_RDWR);
	wake_up_all(&conn->wait);
	nbr_kick_sender(conn);
}

static int set_conn(struct nbr_conn *conn, enum nbr_conn_state c,
		    const char *why)
{
	struct nbr_state_req r;

	nbr_state_req_init(&r);
	r.conn = c;
	return nbr_change_state(conn->dev, &r, why, NULL);
}

/* An outgoing connection of @kind, authenticated. */
static int try_outgoing(struct nbr_conn *conn, enum nbr_sock kind,
			struct socket **res)
{
	struct socket *s;
	int err;

	err = nbr_sock_connect(conn, &s);
	if (err)
		return err;
	nbr_sock_tune(s, kind);
	nbr_sock_set_timeouts(s, nbr_ds_to_jiffies(conn->conf.timeout_ds),
			      nbr_ds_to_jiffies(conn->conf.timeout_ds));
	err = nbr_auth_connector(conn, s, kind);
	if (err) {
		sock_release(s);
		return err;
	}
	*res = s;
	return 0;
}

/* Accept one connection and authenticate it; the peer names its kind. */
static int accept_one(struct nbr_conn *conn, struct socket *listen,
		      long timeout, struct socket **res, enum nbr_sock *kind)
{
	struct socket *s;
	int err;

	err = nbr_sock_accept(listen, timeout, &s);
	if (err)
		return err;
	nbr_sock_set_timeouts(s, nbr_ds_to_jiffies(conn->conf.timeout_ds),
			      nbr_ds_to_jiffies(conn->conf.timeout_ds));
	err = nbr_auth_acceptor(conn, s, kind);
	if (err) {
		sock_release(s);
		return err;
	}
	nbr_sock_tune(s, *kind);
	*res = s;
	return 0;
}

static bool interrupted(int err)
{
	return kthread_should_stop() || err == -EINTR || err == -ERESTARTSYS;
}

/*
 * Both nodes listen and connect. Per socket kind the connection initiated
 * by the node whose name sorts higher survives (nbr_race_keep_outgoing()),
 * so a node completes its pair only with connections that survive: the
 * higher node with its own, the lower node with the higher node's. The
 * lower node's connect is closed as soon as TCP is up (the rule would
 * close it anyway); it tells the higher node to connect now instead of at
 * its next connect-int. Waiting for authentication on it could deadlock
 * two nodes that both connect while neither accepts. The higher node
 * closes what it accepts unread: only the lower node authenticates (and
 * logs) strangers on its port.
 *
 * For @quiet jiffies we only listen: we neither connect nor knock, unless
 * the peer knocks first. That is the back-off after a lost connection; a
 * peer that comes back meanwhile still gets through at once.
 */
static int establish(struct nbr_conn *conn, int keep_out, long quiet)
{
	struct socket *listen, *got[NBR_SOCK_META + 1] = {}, *s;
	long wait = conn->conf.connect_int_s * HZ, left;
	unsigned long quiet_end = jiffies + quiet;
	enum nbr_sock kind;
	bool knock = true;
	int err;

	err = nbr_sock_listen(conn, &listen);
	if (err) {
		nbr_warn_rl(conn->dev, "cannot listen on the local address: %d\n",
			    err);
		return err;
	}
	while (!got[NBR_SOCK_DATA] || !got[NBR_SOCK_META]) {
		kind = got[NBR_SOCK_DATA] ? NBR_SOCK_META : NBR_SOCK_DATA;
		left = time_before(jiffies, quiet_end) ? quiet_end - jiffies : 0;
		if (left) {
			/* Quiet: listen only, up to the end of the back-off. */
		} else if (keep_out) {
			err = try_outgoing(conn, kind, &s);
			if (interrupted(err))
				break;
			if (!err) {
				got[kind] = s;
				continue;
			}
		} else if (knock && !got[NBR_SOCK_DATA] && !got[NBR_SOCK_META]) {
			err = nbr_sock_connect(conn, &s);
			if (interrupted(err))
				break;
			if (!err)
				nbr_sock_close(&s);	/* the knock */
		}
		if (keep_out) {
			/* Anyone knocking: close unread, connect at once. */
			err = nbr_sock_accept(listen, left ?: wait, &s);
			if (interrupted(err))
				break;
			if (!err) {
				sock_release(s);
				quiet_end = jiffies;
			}
			continue;
		}
		err = accept_one(conn, listen, left ?: wait, &s, &kind);
		if (interrupted(err))
			break;
		/*
		 * Knock again only after a quiet connect-int: after a failed
		 * authentication an immediate knock would make both nodes
		 * retry in a tight loop.
		 */
		knock = err == -EAGAIN;
		if (err)
			continue;
		if (got[kind])
			sock_release(got[kind]);
		got[kind] = s;
	}
	sock_release(listen);
	if (got[NBR_SOCK_DATA] && got[NBR_SOCK_META]) {
		conn->data = got[NBR_SOCK_DATA];
		conn->meta = got[NBR_SOCK_META];
		return 0;
	}
	if (got[NBR_SOCK_DATA])
		sock_release(got[NBR_SOCK_DATA]);
	if (got[NBR_SOCK_META])
		sock_release(got[NBR_SOCK_META]);
	return err ? err : -EINTR;
}

/* Our side of PARAMS; never takes conf_lock. */
static void local_params(struct nbr_conn *conn, struct nbr_params *p)
{
	struct nbr_device *dev = conn->dev;
	struct nbr_state st = nbr_get_state(dev);
	struct block_device *bdev;
	u64 limit = READ_ONCE(dev->size_limit);

	memset(p, 0, sizeof(*p));
	p->proto_min = NBR_PROTO_MIN;
	p->proto_max = NBR_PROTO_MAX;
	p->features = NBR_FEATURES_KNOWN;
	if (st.disk != NBR_D_DISKLESS && nbr_get_local(dev, &bdev)) {
		/* The data area: the metadata at its end is never shared. */
		p->disk_sectors = bdev_nr_sectors(bdev);
		if (dev->md) {
			mutex_lock(&dev->md->mutex);
			p->disk_sectors = dev->md->sb.data_sectors;
			p->la_sectors = dev->md->sb.la_size_sect;
			mutex_unlock(&dev->md->mutex);
		}
		nbr_put_local(dev);
		p->user_sectors = limit;
		p->disk = st.disk;
	} else {
		p->disk = NBR_D_DISKLESS;
	}
	p->cur_sectors = get_capacity(dev->disk);
	p->max_bio = NBR_MAX_BIO_SIZE;
	p->wire_proto = conn->conf.proto;
	p->integrity_alg = conn->conf.integrity;
	p->role = st.role;
}

static int exchange_params(struct nbr_conn *conn, struct nbr_params *peer)
{
	u8 buf[sizeof(struct nbr_header) + sizeof(struct nbr_p_params)];
	struct nbr_params mine;
	const char *reason = "?";
	struct nbr_hdr hdr;
	int len, err;

	local_params(conn, &mine);
	len = nbr_encode_params(buf, sizeof(buf), &mine);
	if (len < 0)
		return len;
	err = nbr_send_all(conn->data, buf, len, 0);
	if (err)
		return err;
	err = nbr_recv_packet(conn, conn->data, NBR_SOCK_DATA,
			      NBR_PH_HANDSHAKE, &hdr, buf, sizeof(buf),
			      &reason);
	if (!err)
		err = nbr_decode_params(buf, hdr.len, peer, &reason);
	if (err == -EPROTO)
		nbr_warn_rl(conn->dev, "handshake: %s\n", reason);
	return err;
}

/*
 * PARAMS both ways and the shared decision. 1 when the peer was refused
 * for good (StandAlone), 0 when connected, a negative errno otherwise.
 */
static int handshake(struct nbr_conn *conn)
{
	struct nbr_device *dev = conn->dev;
	struct nbr_params mine, peer;
	enum nbr_hs_result hs;
	struct nbr_state_req r;
	struct nbr_agreed ag;
	char why[128];
	int err;

	err = exchange_params(conn, &peer);
	if (err)
		return err;
	/* Ours again: the state may have changed while we waited. */
	local_params(conn, &mine);
	hs = nbr_handshake_decide(&mine, &peer, &ag);
	/*
	 * Two Primaries that both wrote are a split brain, which the
	 * identifiers show: exchange them first, so that both sides log
	 * the split brain rather than only "both are Primary".
	 */
	if (hs == NBR_HS_TWO_PRIMARIES) {
		nbr_state_req_init(&r);
		if (nbr_sync_handshake(conn, &mine, &peer, &r) == 1)
			goto standalone;
	}
	if (hs != NBR_HS_OK) {
		snprintf(why, sizeof(why), "peer refused: %s",
			 nbr_hs_str(hs));
		nbr_err(dev, "%s\n", why);
		nbr_state_req_init(&r);
		r.conn = NBR_C_STANDALONE;
		nbr_change_state(dev, &r, why, NULL);
		return 1;
	}
	conn->agreed = ag;
	nbr_state_req_init(&r);
	r.conn = NBR_C_CONNECTED;
	r.peer_role = peer.role;
	r.peer_disk = peer.disk;
	err = nbr_sync_handshake(conn, &mine, &peer, &r);
	if (err == 1)
		goto standalone;
	if (err)
		return err;
	if (get_capacity(dev->disk) != ag.dev_sectors)
		set_capacity_and_notify(dev->disk, ag.dev_sectors);

	spin_lock_irq(&conn->lock);
	conn->fail_state = 0;
	conn->fail_reason = NULL;
	conn->epoch = 1;
	conn->epoch_writes = 0;
	conn->epoch_close = false;
	conn->seq = 0;
	conn->peer_epoch = 1;
	conn->peer_epoch_writes = 0;
	conn->last_rx = jiffies;
	spin_unlock_irq(&conn->lock);

	err = nbr_change_state(dev, &r, "connected", NULL);
	if (err)
		return err;
	nbr_info(dev, "connected to %s: protocol %c, %llu sectors\n",
		 conn->conf.peer_name, nbr_wire_proto_char(conn->conf.proto),
		 ag.dev_sectors);
	return 0;

standalone:
	nbr_state_req_init(&r);
	r.conn = NBR_C_STANDALONE;
	nbr_change_state(dev, &r, "split brain or unrelated data", NULL);
	return 1;
}

/* Start the helpers and replicate until the connection breaks. */
static void run_connected(struct nbr_conn *conn)
{
	int err;

	if (nbr_asender_start(conn) || nbr_sender_start(conn) ||
	    nbr_resync_start(conn)) {
		nbr_conn_fail(conn, NBR_C_NETWORKFAILURE,
			      "cannot start connection threads");
		return;
	}
	spin_lock_irq(&conn->lock);
	if (!conn->fail_state)
		conn->replicating = true;
	/* What the peer's disk did before this connection is unknown. */
	nbr_flush_track_init(&conn->peer_flush);
	spin_unlock_irq(&conn->lock);
	err = nbr_sync_after_connect(conn);
	if (err) {
		nbr_warn_rl(conn->dev, "cannot send the bitmap: error %d\n",
			    err);
		nbr_conn_fail(conn, NBR_C_NETWORKFAILURE,
			      "cannot send the bitmap");
		return;
	}
	nbr_receive_data(conn);
}

/*
 * The helpers have stopped; an admin request may still be sending
 * (nbr_send_packet()), and the socket must not go away under it.
 */
static void close_sockets(struct nbr_conn *conn)
{
	mutex_lock(&conn->data_send_mutex);
	nbr_sock_close(&conn->data);
	mutex_unlock(&conn->data_send_mutex);
	mutex_lock(&conn->meta_send_mutex);
	nbr_sock_close(&conn->meta);
	mutex_unlock(&conn->meta_send_mutex);
}

/*
 * Stop the helpers, fail what is still in flight, close the sockets and
 * go back to WFConnection (or leave the state to disconnect).
 */
static void teardown(struct nbr_conn *conn)
{
	struct nbr_device *dev = conn->dev;
	const char *reason;
	struct nbr_state_req r;
	struct nbr_state st;
	char why[128];
	int fail;

	nbr_conn_fail(conn, NBR_C_NETWORKFAILURE, "connection closed");
	if (conn->sender)
		kthread_stop(conn->sender);
	if (conn->asender)
		kthread_stop(conn->asender);
	conn->sender = NULL;
	conn->asender = NULL;
	nbr_resync_stop(conn);
	nbr_wait_peer_writes(conn);
	cancel_work_sync(&conn->ack_work);
	nbr_ack_work(&conn->ack_work);	/* frees what is left, sends nothing */
	cancel_work_sync(&conn->read_work);
	nbr_read_work(&conn->read_work);	/* the same for read replies */
	nbr_fail_requests(conn);
	nbr_mark_unstable(conn);
	close_sockets(conn);

	spin_lock_irq(&conn->lock);
	fail = conn->fail_state;
	reason = conn->fail_reason;
	spin_unlock_irq(&conn->lock);
	st = nbr_get_state(dev);
	if (st.conn < NBR_C_WFREPORTPARAMS)
		return;		/* disconnect owns the state */
	nbr_state_req_init(&r);
	r.conn = fail;
	r.peer_role = NBR_R_UNKNOWN;
	r.peer_disk = NBR_D_DUNKNOWN;
	/*
	 * A Secondary that was UpToDate stays UpToDate (DRBD's fencing
	 * dont-care): it may be promoted when the Primary died. Whether the
	 * Primary wrote on is only known on reconnect, where the
	 * generation identifiers tell (or split brain is detected); a
	 * fencing handler outdates it explicitly ('drbdadm outdate').
	 */
	/* The event says why, so that tools need not read the kernel log. */
	snprintf(why, sizeof(why), "%s: %s", nbr_conn_str(fail), reason);
	nbr_change_state(dev, &r, why, NULL);
	set_conn(conn, NBR_C_TEARDOWN, "teardown");
	set_conn(conn, NBR_C_UNCONNECTED, "reconnecting");
}

/* Back-off between attempts; true when told to stop. */
static bool backoff(struct nbr_conn *conn, unsigned int secs)
{
	schedule_timeout_interruptible(secs * HZ);
	flush_signals(current);
	return kthread_should_stop();
}

static void worker_loop(struct nbr_conn *conn, int keep_out)
{
	unsigned int delay = 1, quiet = 0;
	int err;

	while (!kthread_should_stop()) {
		set_conn(conn, NBR_C_WFCONNECTION, "connecting");
		err = establish(conn, keep_out, quiet * HZ);
		if (err) {
			flush_signals(current);
			if (backoff(conn, 1))
				return;
			quiet = 0;
			continue;
		}
		set_conn(conn, NBR_C_WFREPORTPARAMS, "sockets up");
		err = handshake(conn);
		if (err == 1) {
			close_sockets(conn);
			return;		/* StandAlone until disconnect */
		}
		if (!err) {
			delay = 1;
			run_connected(conn);
		}
		flush_signals(current);
		teardown(conn);
		/*
		 * Back off before connecting again, longer each time the
		 * handshake fails, but listen meanwhile: a peer that
		 * disconnected on purpose may be back any moment.
		 */
		quiet = delay;
		delay = min(delay * 2, conn->conf.connect_int_s);
	}
}

static int nbr_worker(void *arg)
{
	struct nbr_conn *conn = arg;
	int keep_out;

	/* disconnect interrupts blocking socket calls with SIGKILL. */
	allow_signal(SIGKILL);
	keep_out = nbr_race_keep_outgoing(conn->conf.my_name,
					  conn->conf.peer_name);
	conn->keep_out = keep_out;
	worker_loop(conn, keep_out);
	flush_signals(current);
	/* Wait for kthread_stop(): the caller owns our task struct. */
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
		flush_signals(current);
	}
	return 0;
}

static struct nbr_conn *conn_alloc(struct nbr_device *dev,
				   const struct nbr_net_conf *nc)
{
	struct nbr_conn *conn = kzalloc(sizeof(*conn), GFP_KERNEL);

	if (!conn)
		return NULL;
	conn->dev = dev;
	conn->conf = *nc;
	mutex_init(&conn->data_send_mutex);
	mutex_init(&conn->meta_send_mutex);
	spin_lock_init(&conn->lock);
	INIT_LIST_HEAD(&conn->send_queue);
	INIT_LIST_HEAD(&conn->tl);
	INIT_LIST_HEAD(&conn->epochs);
	INIT_LIST_HEAD(&conn->read_tl);
	INIT_LIST_HEAD(&conn->ack_queue);
	INIT_LIST_HEAD(&conn->read_queue);
	INIT_LIST_HEAD(&conn->rs_tl);
	INIT_LIST_HEAD(&conn->rs_reading);
	INIT_LIST_HEAD(&conn->active);
	INIT_LIST_HEAD(&conn->unstable);
	INIT_LIST_HEAD(&conn->peer_active);
	init_waitqueue_head(&conn->wait);
	init_waitqueue_head(&conn->send_wait);
	INIT_WORK(&conn->ack_work, nbr_ack_work);
	INIT_WORK(&conn->read_work, nbr_read_work);
	atomic_set(&conn->reqs_alive, 0);
	return conn;
}

static void conn_free(struct nbr_conn *conn)
{
	if (conn->verify_tfm)
		crypto_free_shash(conn->verify_tfm);
	nbr_auth_exit(conn);
	memzero_explicit(conn->conf.secret, sizeof(conn->conf.secret));
	kfree(conn);
}

/*
 * Stop the worker and free the connection. The I/O path may still hold
 * requests: wait until the last one is gone. Caller holds conf_lock.
 */
static void conn_destroy(struct nbr_device *dev)
{
	struct nbr_conn *conn = dev->conn;

	send_sig(SIGKILL, conn->worker, 1);
	kthread_stop(conn->worker);
	put_task_struct(conn->worker);
	spin_lock_irq(&dev->lock);
	dev->conn = NULL;
	spin_unlock_irq(&dev->lock);
	wait_event(conn->wait, !atomic_read(&conn->reqs_alive));
	nbr_mark_unstable(conn);	/* completions after the teardown */
	conn_free(conn);
}

/* Caller holds conf_lock. May sleep. */
int nbr_net_connect(struct nbr_device *dev, const struct nbr_net_conf *nc,
		    struct netlink_ext_ack *extack)
{
	struct task_struct *t;
	struct nbr_conn *conn;
	int err;

	lockdep_assert_held(&dev->conf_lock);
	if (dev->conn && nbr_get_state(dev).conn != NBR_C_STANDALONE) {
		nbr_extack(extack, "nb%u has a network configuration; disconnect first",
			   dev->minor);
		return -EBUSY;
	}
	if (nbr_race_keep_outgoing(nc->my_name, nc->peer_name) < 0) {
		nbr_extack(extack, "this node and the peer need two different valid names");
		return -EINVAL;
	}
	if (dev->conn)
		conn_destroy(dev);	/* refused earlier, idle */
	conn = conn_alloc(dev, nc);
	if (!conn)
		return -ENOMEM;
	err = nbr_auth_init(conn);
	if (err) {
		nbr_extack(extack, "cannot set up hmac(sha256): %d", err);
		goto out_free;
	}
	err = set_conn(conn, NBR_C_UNCONNECTED, "net");
	if (err)
		goto out_free;
	t = kthread_create(nbr_worker, conn, "nbr_conn/%u", dev->minor);
	if (IS_ERR(t)) {
		err = PTR_ERR(t);
		goto out_standalone;
	}
	get_task_struct(t);
	conn->worker = t;
	spin_lock_irq(&dev->lock);
	dev->conn = conn;
	spin_unlock_irq(&dev->lock);
	wake_up_process(t);
	if (conn->conf.auth_alg == NBR_AUTH_NONE)
		nbr_warn(dev, "peer authentication is off (no shared-secret)\n");
	return 0;

out_standalone:
	set_conn(conn, NBR_C_STANDALONE, "net failed");
out_free:
	conn_free(conn);
	return err;
}

/* Caller holds conf_lock. May sleep. */
int nbr_net_disconnect(struct nbr_device *dev, struct netlink_ext_ack *extack)
{
	struct nbr_state_req r;
	struct nbr_state st;

	lockdep_assert_held(&dev->conf_lock);
	if (!dev->conn)
		return 0;
	st = nbr_get_state(dev);
	nbr_state_req_init(&r);
	if (st.conn != NBR_C_STANDALONE) {
		r.conn = NBR_C_DISCONNECTING;
		r.peer_role = NBR_R_UNKNOWN;
		r.peer_disk = NBR_D_DUNKNOWN;
		nbr_change_state(dev, &r, "disconnect", NULL);
	}
	conn_destroy(dev);
	nbr_state_req_init(&r);
	r.conn = NBR_C_STANDALONE;
	r.peer_role = NBR_R_UNKNOWN;
	r.peer_disk = NBR_D_DUNKNOWN;
	return nbr_change_state(dev, &r, "disconnected", extack);
}

/* Called by nbr_change_state() after a change: tell the peer. */
void nbr_conn_state_changed(struct nbr_device *dev)
{
	struct nbr_conn *conn;
	unsigned long flags;

	spin_lock_irqsave(&dev->lock, flags);
	conn = dev->conn;
	spin_unlock_irqrestore(&dev->lock, flags);
	if (!conn)
		return;
	spin_lock_irqsave(&conn->lock, flags);
	if (conn->replicating)
		conn->state_dirty = true;
	spin_unlock_irqrestore(&conn->lock, flags);
	wake_up_all(&conn->wait);
	nbr_kick_sender(conn);
}

/* A STATE packet: the peer's role or disk changed. */
int nbr_conn_set_peer_state(struct nbr_conn *conn,
			    const struct nbr_state_msg *s)
{
	struct nbr_state_req r;

	nbr_state_req_init(&r);
	r.peer_role = s->role;
	r.peer_disk = s->disk == NBR_D_DUNKNOWN ? NBR_D_DISKLESS : s->disk;
	r.peer_conn = s->conn;
	return nbr_change_state(conn->dev, &r, "peer state", NULL);
}
