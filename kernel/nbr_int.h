/* SPDX-License-Identifier: GPL-2.0-only */
/* Declarations shared between the module's files. */
#ifndef NBR_INT_H
#define NBR_INT_H

#include <linux/blkdev.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <nbr/genl.h>
#include <nbr/state.h>
#include <nbr/wire.h>

#include "nbr_flush.h"

struct netlink_ext_ack;
struct sk_buff;
struct nbr_md;

/* Resync rate settings (disk options), KiB/s; read with READ_ONCE. */
struct nbr_rs_conf {
	u32 resync_rate;		/* fixed rate when c_plan_ahead == 0 */
	u32 c_plan_ahead;		/* 0.1 s; 0 = fixed rate */
	u32 c_max_rate;
	u32 c_min_rate;
};
struct nbr_disk_conf;

/*
 * One replicated device, /dev/nb<minor>.
 *
 * Lock order: nbr_devs_lock -> conf_lock -> state_mutex -> lock.
 * Administrative requests arrive serialised by the generic netlink core
 * (the family is not parallel_ops); conf_lock still guards the
 * configuration so that /proc and module exit see it whole, and it is the
 * lock a future worker thread must NOT take (an admin request may wait for
 * that thread while holding conf_lock).
 */
struct nbr_device {
	unsigned int minor;
	char resource[NBR_NAME_LEN];
	struct gendisk *disk;

	/* Serialises configuration changes (attach, detach, roles, down). */
	struct mutex conf_lock;
	/*
	 * Serialises state transitions and their events, so that events
	 * leave in the order of the changes. Taken only by nbr_change_state().
	 */
	struct mutex state_mutex;

	/*
	 * Protects the fields below it up to the counters; taken in bio
	 * completion (irq) context, so always with interrupts disabled.
	 */
	spinlock_t lock;
	struct nbr_state st;		/* written only by nbr_change_state() */
	unsigned int open_cnt;		/* opens of /dev/nbX (every mode) */
	bool dying;			/* del-minor/exit: refuse new opens */
	struct block_device *backing;	/* NULL when detached */
	/*
	 * The metadata of @backing (nbr_md.h): set before the disk leaves
	 * Attaching, cleared after it is Diskless and idle; written under
	 * state_mutex and this lock, so either keeps it alive. A local
	 * reference (nbr_get_local()) pins it too.
	 */
	struct nbr_md *md;
	unsigned int local_cnt;		/* bios in flight on @backing */
	wait_queue_head_t local_wait;	/* local_cnt reached 0 */
	struct nbr_flush_track disk_flush;	/* @backing's cache */
	struct bio_list al_bios;	/* writes waiting for @al_work */

	/* Configuration, under conf_lock. */
	char backing_path[NBR_PATH_MAX];
	u64 size_limit;			/* sectors, 0 = whole disk */
	enum nbr_on_io_error on_io_error;
	struct nbr_rs_conf rs_conf;


	/* on-io-error detach: let go of a failing disk (backing.c). */
	struct work_struct io_error_work;
	/* Writes whose activity-log transaction is due (req.c). */
	struct work_struct al_work;

	/*
	 * The connection, or NULL while StandAlone. Set and cleared under
	 * conf_lock and dev->lock; the I/O path reads it under dev->lock
	 * and pins it with conn->reqs_alive.
	 */
	struct nbr_conn *conn;

	/* Event sequence number, under state_mutex. */
	u32 event_seq;

	/* Counters for /proc/drbd and status, in 512-byte sectors. */
	atomic64_t disk_write_sect;
	atomic64_t disk_read_sect;
	/* Upper-layer bios not completed yet ("ap"). */
	atomic_t app_pending;
	/* jiffies when the last one was submitted; lockless, a hint. */
	unsigned long app_last;
};

/* The /proc/drbd and status counters of one device, in their units. */
struct nbr_counters {
	u64 ns_kib, nr_kib, dw_kib, dr_kib, oos_kib;
	u64 rs_sent_kib, rs_recv_kib;
	u64 al_writes, bm_writes;	/* metadata transactions / blocks */
	u32 lo, pe, ua, ap, ep;
};

/* Log with the object prefix users grep for: "nbr: r0 nb0: ...". */
#define nbr_dev_fmt(fmt) "%s nb%u: " fmt
#define nbr_info(d, fmt, ...) \
	pr_info(nbr_dev_fmt(fmt), (d)->resource, (d)->minor, ##__VA_ARGS__)
#define nbr_warn(d, fmt, ...) \
	pr_warn(nbr_dev_fmt(fmt), (d)->resource, (d)->minor, ##__VA_ARGS__)
#define nbr_err(d, fmt, ...) \
	pr_err(nbr_dev_fmt(fmt), (d)->resource, (d)->minor, ##__VA_ARGS__)
#define nbr_warn_rl(d, fmt, ...) \
	pr_warn_ratelimited(nbr_dev_fmt(fmt), (d)->resource, (d)->minor, \
			    ##__VA_ARGS__)

/* main.c */
extern unsigned int nbr_minor_count;
extern int nbr_major;

/* device.c: the minor table, gendisk, open/release. */
extern struct mutex nbr_devs_lock;
int nbr_devices_init(void);
void nbr_devices_exit(void);
struct nbr_device *nbr_find_device(unsigned int minor);
int nbr_new_minor(unsigned int minor, const char *resource,
		  struct netlink_ext_ack *extack);
int nbr_del_minor(struct nbr_device *dev, struct netlink_ext_ack *extack);

/* backing.c: attach and detach the local disk. */
int nbr_attach(struct nbr_device *dev, const char *path, u64 size_limit,
	       enum nbr_on_io_error on_io_error,
	       const struct nbr_disk_conf *dc,
	       struct netlink_ext_ack *extack);
int nbr_detach(struct nbr_device *dev, bool force,
	       struct netlink_ext_ack *extack);
void nbr_local_io_error(struct nbr_device *dev);
bool nbr_md_io_error(struct nbr_device *dev);
void nbr_io_error_work(struct work_struct *work);

/* req.c: the I/O path. */
int nbr_req_init(void);
void nbr_req_exit(void);
void nbr_submit_bio(struct bio *bio);
bool nbr_get_local(struct nbr_device *dev, struct block_device **bdev);
void nbr_put_local(struct nbr_device *dev);
void nbr_wait_local_idle(struct nbr_device *dev);
u64 nbr_disk_flush_issue(struct nbr_device *dev);
void nbr_disk_io_done(struct nbr_device *dev, bool flush, u64 ticket,
		      u32 size, bool fua, blk_status_t status);
bool nbr_disk_flush_needed(struct nbr_device *dev);
void nbr_al_work(struct work_struct *work);

/* state.c: the one place that changes struct nbr_state. */
#define NBR_KEEP (-1)
struct nbr_state_req {
	int role, peer_role, conn, disk, peer_disk;	/* NBR_KEEP or a value */
	/*
	 * With peer_disk from a peer's STATE message: the connection state
	 * it reported, so that a message older than our resync is told
	 * apart under dev->lock (nbr_peer_state_predates_sync()).
	 */
	int peer_conn;
	bool refuse_if_open;	/* fail with -EBUSY while /dev/nbX is open */
};
void nbr_state_req_init(struct nbr_state_req *r);
int nbr_change_state(struct nbr_device *dev, const struct nbr_state_req *r,
		     const char *why, struct netlink_ext_ack *extack);
struct nbr_state nbr_get_state(struct nbr_device *dev);
int nbr_primary(struct nbr_device *dev, bool force,
		struct netlink_ext_ack *extack);
int nbr_secondary(struct nbr_device *dev, struct netlink_ext_ack *extack);

/* nl.c: generic netlink family and events. */
int nbr_nl_init(void);
void nbr_nl_exit(void);
void nbr_nl_event(struct nbr_device *dev, u32 seq, const char *reason);
/*
 * Formatted error text for the netlink ack (and nothing when @extack is
 * NULL, as on module unload). Only from a netlink request handler.
 */
__printf(2, 3)
void nbr_extack(struct netlink_ext_ack *extack, const char *fmt, ...);

/* pages.c: a cache of data pages that skips init_on_alloc's zeroing. */
int nbr_pages_init(void);
void nbr_pages_exit(void);
struct page *nbr_page_get(gfp_t gfp);
void nbr_page_put(struct page *page);

/* fault.c: fault injection for tests, off by default. */
bool nbr_fault_corrupt_rx(void *buf, size_t len);

/* proc.c: /proc/drbd. */
void nbr_get_counters(struct nbr_device *dev, struct nbr_counters *c);
bool nbr_proc_taken(void);
int nbr_proc_init(void);
void nbr_proc_exit(void);

#endif /* NBR_INT_H */
