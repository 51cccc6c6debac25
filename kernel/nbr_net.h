/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The network half of the module: one connection per device, its
 * threads, and the requests that travel over it.
 *
 * Threads of one connection (all stopped with kthread_stop()):
 *  - worker   (conn.c, receiver.c): listens and connects, authenticates,
 *              exchanges PARAMS, then reads the data socket until the
 *              connection breaks, tears it down and starts again;
 *  - asender  (ack.c): reads the meta socket (acks, pings) and notices a
 *              dead peer (ping-timeout, timeout);
 *  - sender   (sender.c): writes DATA and BARRIER packets in order.
 * Write acks of the Secondary leave from a work item (ack.c), because
 * they are due in bio completion context.
 *
 * Locks: conn->lock and dev->lock are never held together. The worker and
 * its helpers never take conf_lock (admin requests hold it while they stop
 * them); they may call nbr_change_state() (state_mutex).
 */
#ifndef NBR_NET_H
#define NBR_NET_H

#include <linux/kthread.h>
#include <linux/net.h>
#include <linux/socket.h>

#include "nbr_int.h"
#include "nbr_codec.h"
#include "nbr_handshake.h"
#include "nbr_md.h"
#include "nbr_sync.h"

struct crypto_shash;

/* The "net" request, as NBR_ADM_CONNECT carried it. Read-only once set. */
struct nbr_net_conf {
	struct sockaddr_storage my_addr;
	struct sockaddr_storage peer_addr;
	int addr_len;
	char my_name[NBR_NAME_LEN];
	char peer_name[NBR_NAME_LEN];
	enum nbr_wire_proto proto;
	enum nbr_auth_alg auth_alg;
	u8 secret[NBR_SECRET_MAX];
	unsigned int secret_len;
	enum nbr_integrity_alg integrity;
	unsigned int timeout_ds;	/* 0.1 s */
	unsigned int connect_int_s;
	unsigned int ping_int_s;
	unsigned int ping_timeout_ds;	/* 0.1 s */
	unsigned int max_epoch;
	unsigned int ko_count;		/* reply overdue: ko_count * timeout */
	unsigned int sndbuf, rcvbuf;	/* bytes; 0 = autotuning */
	struct nbr_asb_policy asb;	/* after-sb-0pri/1pri/2pri */
	bool discard_my_data;		/* connect --discard-my-data */
	char discard_node[NBR_NAME_LEN];	/* after-sb-0pri discard-node-X */
	enum nbr_digest_alg verify_alg;
};

/* Speed samples: done-bits at a time, one per second, for "speed". */
#define NBR_RS_MARKS 4

/*
 * Resync and verify of one connection (sync.c, resync.c, verify.c).
 * Under conn->lock unless noted.
 */
struct nbr_resync {
	enum nbr_sync plan;		/* handshake decision; worker only */
	bool verify;			/* the run is an online verify */
	bool source;			/* we send (SyncSource / VerifyS) */
	bool running;			/* a run is in progress */
	bool user_paused;		/* pause-sync here */
	bool peer_paused;		/* pause-sync on the peer */
	bool done_sent;			/* source: RS_DONE / VERIFY_DONE out */
	u64 cursor;			/* source: next bit to look at */
	u64 total_bits;			/* blocks to sync / verify */
	u64 done_bits;			/* synced / verified so far */
	u64 oos_found;			/* verify: blocks that differ */
	u32 inflight;			/* source: bytes read or sent, not acked */
	u32 inflight_runs;		/* source: ... and the runs they are in */
	u64 next_id;			/* source: block_id of the next run */
	u32 reading;			/* source: runs in conn->rs_reading */
	int read_err;			/* source: a run's read failed (errno) */
	u64 read_err_sector;
	/* Verify: the range being read; application writes to it wait. */
	u64 busy_sector;
	u32 busy_size;			/* 0 = none */
	unsigned long start;		/* jiffies */
	unsigned long paused_since;	/* jiffies, 0 = running */
	unsigned long paused_total;	/* jiffies */
	u64 mark_bits[NBR_RS_MARKS];
	unsigned long mark_time[NBR_RS_MARKS];
	unsigned int mark_last;
	/* Rate limit: bytes sent since @rate_start. */
	unsigned long rate_start;
	u64 rate_bytes;
};

/* Progress numbers for status and /proc/drbd (resync.c). */
struct nbr_rs_progress {
	bool verify;
	bool paused;
	u64 total_kib;
	u64 left_kib;
	u64 speed_kib;			/* KiB/s, recent */
	u64 avg_speed_kib;		/* KiB/s since the start */
	u64 eta_s;
	u64 oos_found_kib;
};

/* A protocol A/B write completed but not yet stable on the peer. */
struct nbr_unstable {
	struct list_head list;		/* conn->unstable */
	u32 epoch;
	u32 size;
	u64 sector;
};

/* A closed epoch waiting for its BARRIER_ACK (Primary side). */
struct nbr_epoch_rec {
	struct list_head list;
	u32 epoch;
	u32 writes;
};

struct nbr_conn {
	struct nbr_device *dev;
	struct nbr_net_conf conf;
	struct crypto_shash *hmac;	/* NULL with NBR_AUTH_NONE */

	struct task_struct *worker;
	struct task_struct *asender;
	struct task_struct *sender;
	struct task_struct *resync;	/* resync.c: source and verify runs */

	/*
	 * The surviving socket pair; set by the worker before the helper
	 * threads start and cleared after they stopped, so they read it
	 * without a lock. Admin requests also send (nbr_send_packet()):
	 * the worker clears each pointer under its send mutex, and they
	 * read it under that mutex.
	 */
	struct socket *data;
	struct socket *meta;
	struct mutex data_send_mutex;	/* one packet at a time on @data */
	struct mutex meta_send_mutex;	/* one packet at a time on @meta */
	struct nbr_agreed agreed;	/* valid while replicating */

	/* Protects everything below up to the counters; irq-safe. */
	spinlock_t lock;
	bool replicating;		/* new writes go to the peer */
	int fail_state;			/* first failure seen, or 0 */
	const char *fail_reason;	/* its reason, a string constant */
	struct list_head send_queue;	/* nbr_req: not sent yet */
	struct list_head tl;		/* nbr_req: sent, waiting for an ack */
	struct list_head epochs;	/* nbr_epoch_rec: waiting for ack */
	u32 epoch;			/* current epoch (Primary) */
	u32 epoch_writes;		/* writes sent in @epoch */
	bool epoch_close;		/* a write of @epoch completed */
	u32 seq;			/* last DATA seq sent */
	/* The peer's disk cache, as its WRITE_ACKs tell; per connection. */
	struct nbr_flush_track peer_flush;
	bool state_dirty;		/* send our STATE */
	struct list_head read_tl;	/* nbr_req reads: READ_REQ sent */
	u64 read_id;			/* block_id of the last READ_REQ */
	struct list_head ack_queue;	/* nbr_peer_req: write ack due */
	struct list_head read_queue;	/* nbr_peer_req: read reply due */
	unsigned int peer_pending;	/* peer writes on our disk */
	u32 peer_epoch;			/* epoch being received */
	u32 peer_epoch_writes;
	wait_queue_head_t wait;		/* any of the above changed */
	/*
	 * The sender alone waits here, for send_queue, state_dirty or
	 * fail_state: acks and completions that only concern the resync
	 * worker or waiters on @wait do not wake it.
	 */
	wait_queue_head_t send_wait;
	struct nbr_resync rs;
	struct list_head rs_tl;		/* nbr_req resync runs: sent, unacked */
	/* nbr_req resync runs being read; application writes to them wait */
	struct list_head rs_reading;
	struct list_head active;	/* nbr_req writes until completion */
	struct list_head unstable;	/* nbr_unstable: A/B, until BARRIER_ACK */
	struct list_head peer_active;	/* nbr_peer_req writes in flight */
	struct nbr_uuids peer_uuids;	/* from the handshake */
	/* verify.c: digest of the running verify; worker/receiver only. */
	struct crypto_shash *verify_tfm;
	enum nbr_digest_alg verify_alg;
	int keep_out;			/* our name sorts higher */

	struct work_struct ack_work;
	struct work_struct read_work;	/* sends read replies (read.c) */
	/* nbr_req objects (and submitters about to make one) alive. */
	atomic_t reqs_alive;

	/* Counters for /proc/drbd, sectors; the kind of read needs no lock. */
	atomic64_t sent_sect;
	atomic64_t recv_sect;
	atomic64_t rs_sent_sect;	/* resync data sent (SyncSource) */
	atomic64_t rs_recv_sect;	/* resync data received (SyncTarget) */
	atomic_t unacked;		/* ua: peer writes not acked yet */
	atomic_t pending;		/* pe: our writes the peer has not acked */
	unsigned long last_rx;		/* jiffies of the last meta packet */
};

/*
 * One write of the Primary: local clone plus its copy to the peer; or,
 * without a usable local disk, a write or a read (@read) through the
 * peer alone.
 */
struct nbr_req {
	struct list_head list;		/* send_queue, tl, read_tl, rs_reading
					 * or rs_tl, under conn->lock
					 */
	struct nbr_conn *conn;
	struct bio *bio;		/* the upper layer's bio */
	u64 sector;
	u32 size;
	u32 seq;
	u32 epoch;
	u32 dp_flags;
	u64 flush_ticket;		/* with NBR_DP_FLUSH: peer_flush's */
	bool read;			/* a READ_REQ, completed by its reply */
	bool resync;			/* an RS_DATA run we read (resync.c) */
	struct list_head active_list;	/* conn->active, writes only */
	bool has_local;			/* a local part exists */
	u64 read_id;			/* block_id of the READ_REQ */
	atomic_t pending;		/* local part (if any) + net part */
	blk_status_t local_status;
	bool net_ok;			/* the peer has (or will have) it */
	unsigned long sent_at;		/* jiffies, for the reply timeout */
};

/* One write received from the peer (Secondary side). */
struct nbr_peer_req {
	struct list_head list;		/* ack_queue, under conn->lock */
	struct nbr_conn *conn;
	u64 sector;
	u64 block_id;
	u32 size;
	u32 seq;
	u32 flags;			/* NBR_DP_* */
	u32 crc;
	u64 flush_ticket;		/* with NBR_DP_FLUSH: dev->disk_flush's */
	bool read;			/* serves a READ_REQ: reply, no ack */
	bool resync;			/* an RS_DATA: RS_ACK when written */
	bool only_copy;			/* the Primary has no disk: AL + bits */
	struct list_head active_list;	/* conn->peer_active while in flight */
	blk_status_t status;
	unsigned int nr_pages;
	struct page *pages[];
};

/* Something for the sender: a request queued, STATE due, a failure. */
static inline void nbr_kick_sender(struct nbr_conn *conn)
{
	wake_up(&conn->send_wait);
}

/* conn.c */
int nbr_net_connect(struct nbr_device *dev, const struct nbr_net_conf *nc,
		    struct netlink_ext_ack *extack);
int nbr_net_disconnect(struct nbr_device *dev, struct netlink_ext_ack *extack);
void nbr_conn_fail(struct nbr_conn *conn, enum nbr_conn_state why,
		   const char *reason);
void nbr_conn_state_changed(struct nbr_device *dev);
int nbr_conn_set_peer_state(struct nbr_conn *conn,
			    const struct nbr_state_msg *s);

/* sock.c */
int nbr_sock_listen(struct nbr_conn *conn, struct socket **res);
int nbr_sock_connect(struct nbr_conn *conn, struct socket **res);
int nbr_sock_accept(struct socket *listen, long timeout,
		    struct socket **res);
void nbr_sock_tune(struct socket *sock, enum nbr_sock kind);
void nbr_sock_set_timeouts(struct socket *sock, long rcv, long snd);
int nbr_send_all(struct socket *sock, const void *buf, size_t len,
		 unsigned int flags);
int nbr_recv_all(struct socket *sock, void *buf, size_t len);
int nbr_send_bio(struct socket *sock, struct bio *bio, unsigned int flags);
int nbr_send_bio_zc(struct socket *sock, struct bio *bio, unsigned int flags);
int nbr_recv_bio(struct socket *sock, struct bio *bio);
/* Pages per recvmsg in nbr_recv_pages(): 64 KiB, a small stack array. */
#define NBR_RECV_BATCH 16
int nbr_recv_pages(struct socket *sock, struct page **pages, u32 len);
int nbr_recv_packet(struct nbr_conn *conn, struct socket *sock,
		    enum nbr_sock kind, enum nbr_phase phase,
		    struct nbr_hdr *hdr, void *buf, size_t size,
		    const char **reason);
void nbr_sock_close(struct socket **sock);

/* auth.c */
int nbr_auth_init(struct nbr_conn *conn);
void nbr_auth_exit(struct nbr_conn *conn);
int nbr_auth_connector(struct nbr_conn *conn, struct socket *sock,
		       enum nbr_sock kind);
int nbr_auth_acceptor(struct nbr_conn *conn, struct socket *sock,
		      enum nbr_sock *kind);

/* sender.c */
int nbr_sender_start(struct nbr_conn *conn);
bool nbr_net_submit_write(struct nbr_device *dev, struct bio *bio,
			  bool local, struct nbr_req **reqp);
struct nbr_conn *nbr_get_conn(struct nbr_device *dev);
void nbr_put_conn(struct nbr_conn *conn);
u32 nbr_bio_crc32c(struct bio *bio);
void nbr_req_put(struct nbr_req *req);
void nbr_req_net_done(struct nbr_req *req, bool ok);
void nbr_fail_requests(struct nbr_conn *conn);
void nbr_mark_unstable(struct nbr_conn *conn);
bool nbr_net_flush_needed(struct nbr_device *dev);
int nbr_got_block_ack(struct nbr_conn *conn, unsigned int cmd,
		      const struct nbr_block_ack *a);
int nbr_got_barrier_ack(struct nbr_conn *conn,
			const struct nbr_barrier_ack *b);
int nbr_send_packet(struct nbr_conn *conn, enum nbr_sock kind,
		    const void *buf, int len);

/* receiver.c */
void nbr_receive_data(struct nbr_conn *conn);
void nbr_wait_peer_writes(struct nbr_conn *conn);
void nbr_peer_req_free(struct nbr_peer_req *pr);
struct nbr_peer_req *nbr_peer_req_alloc(struct nbr_conn *conn, u64 sector,
					u64 block_id, u32 size);
bool nbr_peer_writes_done(struct nbr_conn *conn);
int nbr_recv_peer_payload(struct nbr_conn *conn, struct nbr_peer_req *pr);
void nbr_submit_peer_write(struct nbr_conn *conn, struct nbr_peer_req *pr);

/* read.c: reads through the peer (NBR_FEAT_REMOTE_READ). */
bool nbr_net_submit_read(struct nbr_device *dev, struct bio *bio, gfp_t gfp);
int nbr_send_read_req(struct nbr_conn *conn, struct nbr_req *req);
int nbr_receive_read_req(struct nbr_conn *conn, const void *p,
			 const char **reason);
int nbr_receive_read_reply(struct nbr_conn *conn, const void *p, u32 len,
			   const char **reason);
void nbr_read_work(struct work_struct *work);
int nbr_send_block_ack(struct nbr_conn *conn, unsigned int cmd,
		       const struct nbr_peer_req *pr);

/* sync.c: who syncs from whom; start and end of a resync. */
int nbr_sync_handshake(struct nbr_conn *conn, const struct nbr_params *mine,
		       const struct nbr_params *peer, struct nbr_state_req *r);
int nbr_sync_after_connect(struct nbr_conn *conn);
int nbr_receive_uuids(struct nbr_conn *conn, struct nbr_uuids *peer);
int nbr_receive_bitmap(struct nbr_conn *conn, const void *p, u32 len,
		       const char **reason);
int nbr_receive_sync_uuid(struct nbr_conn *conn, const void *p,
			  const char **reason);
int nbr_receive_rs_done(struct nbr_conn *conn, const void *p,
			const char **reason);
int nbr_receive_sync_req(struct nbr_conn *conn, const void *p,
			 const char **reason);
int nbr_sync_start_source(struct nbr_conn *conn, bool full);
void nbr_sync_peer_state(struct nbr_conn *conn, const struct nbr_state_msg *s);
int nbr_sync_invalidate(struct nbr_device *dev, bool remote,
			struct netlink_ext_ack *extack);
int nbr_sync_pause(struct nbr_device *dev, bool pause,
		   struct netlink_ext_ack *extack);
int nbr_new_current_uuid(struct nbr_device *dev, bool clear_bitmap,
			 struct netlink_ext_ack *extack);
int nbr_outdate(struct nbr_device *dev, struct netlink_ext_ack *extack);
bool nbr_sync_is_running(struct nbr_conn *conn);
void nbr_sync_after_force(struct nbr_device *dev, enum nbr_disk_state was);

/* resync.c: the source's worker, resync data on both sides. */
int nbr_resync_start(struct nbr_conn *conn);
void nbr_resync_stop(struct nbr_conn *conn);
void nbr_resync_kick(struct nbr_conn *conn);
int nbr_send_rs_data(struct nbr_conn *conn, struct nbr_req *req, bool more);
int nbr_got_rs_ack(struct nbr_conn *conn, unsigned int cmd,
		   const struct nbr_block_ack *a);
int nbr_receive_rs_data(struct nbr_conn *conn, const void *p, u32 len,
			const char **reason);
void nbr_rs_req_free(struct nbr_req *req);
struct nbr_req *nbr_rs_read(struct nbr_conn *conn, struct block_device *bdev,
			    u64 bit, u32 nbits);
void nbr_wait_rs_idle(struct nbr_conn *conn, u64 sector, u32 size);
void nbr_rs_count(struct nbr_conn *conn, u64 bits);
bool nbr_rs_progress(struct nbr_device *dev, struct nbr_rs_progress *p);
void nbr_wait_rs_range(struct nbr_conn *conn, u64 sector, u32 size);
void nbr_wait_peer_overlap(struct nbr_conn *conn, struct nbr_peer_req *pr);

/* verify.c: online verify. */
int nbr_verify_start(struct nbr_device *dev, u64 start_sector,
		     struct netlink_ext_ack *extack);
int nbr_verify_round(struct nbr_conn *conn);
int nbr_receive_verify_req(struct nbr_conn *conn, const void *p, u32 len,
			   const char **reason);
int nbr_got_verify_reply(struct nbr_conn *conn,
			 const struct nbr_verify_reply *v);
int nbr_receive_verify_done(struct nbr_conn *conn);

/* ack.c */
int nbr_asender_start(struct nbr_conn *conn);
void nbr_ack_work(struct work_struct *work);

/* Jiffies from the 0.1 s units of timeout and ping-timeout. */
static inline long nbr_ds_to_jiffies(unsigned int ds)
{
	return msecs_to_jiffies(ds * 100);
}

#endif /* NBR_NET_H */
