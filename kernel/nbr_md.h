/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The metadata of an attached disk, in the kernel (md.c, bm.c, al.c): the
 * superblock with the generation identifiers, the in-memory dirty bitmap
 * and the activity log. The format is include/nbr/meta.h; encoding,
 * decoding, bitmap math and AL replay are the shared code in kernel/lib/.
 *
 * Lifetime: dev->md is set by attach before the disk leaves Attaching and
 * freed by detach after nbr_wait_local_idle(), so whoever holds a local
 * reference (nbr_get_local()) may use it; dev->lock or state_mutex keep
 * the pointer stable too (it is changed under both).
 *
 * Crash safety of the bitmap (docs/metadata-format.md): bits are set in
 * memory only for writes whose 4 MiB extent is active in the activity
 * log, and the AL transaction that made the extent active reached the disk
 * before the write was submitted. An extent leaves the AL only after the
 * bitmap block covering it was written. After a crash every extent of the
 * AL is marked dirty at attach, so no set bit is ever lost; a lost clear
 * only resyncs a block more. Bits set outside the write path (a merged
 * peer bitmap, a protocol A negative ack, verify) have no AL extent
 * behind them: write them with nbr_bm_write_dirty() when they must
 * survive a crash.
 */
#ifndef NBR_MD_H
#define NBR_MD_H

#include <linux/blk_types.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "nbr_flush.h"
#include "nbr_meta.h"
#include "nbr_sync.h"

struct nbr_device;
struct nbr_state;
struct netlink_ext_ack;
struct nbr_al;

/* Where the metadata is, as NBR_ADM_ATTACH asked. */
struct nbr_disk_conf {
	char meta_path[NBR_PATH_MAX];	/* "" = internal */
	int meta_index;			/* -1 = flexible (or internal) */
	u32 al_extents;			/* 0 = as created */
	bool md_flushes;		/* metadata writes flush/FUA */
};

/*
 * Lock order: state_mutex -> al->mutex -> md->mutex -> bm_lock, and
 * dev->lock -> bm_lock (status snapshots). Whoever holds md->mutex must
 * not call nbr_change_state() (its hook takes md->mutex).
 */
struct nbr_md {
	struct block_device *bdev;	/* metadata device */
	struct block_device *data_bdev;	/* the backing disk the bits cover */
	bool own_bdev;			/* external: opened by us, put at free */
	/* As attached, al_extents the size in use. Read-only after open. */
	struct nbr_disk_conf conf;

	/*
	 * Superblock (host form) and the generation identifiers in it.
	 * Changed only under @mutex, written with nbr_md_write_sb().
	 */
	struct mutex mutex;
	struct nbr_md_sb sb;
	/*
	 * What the superblock said when it was last written, for status
	 * replies and events (under @bm_lock; any context).
	 */
	struct nbr_gi snap_gi;
	u32 snap_flags;

	/*
	 * The dirty bitmap, one bit per 4 KiB of the data area, in the
	 * on-disk byte order (vmalloc'ed, bm_blocks * 4 KiB). @bm_lock
	 * (irq-safe, taken in bio completion) protects the bits, @bm_set
	 * and @bm_dirty (one bit per 4 KiB bitmap block changed since it
	 * was last written).
	 */
	spinlock_t bm_lock;
	__le64 *bm;
	u64 bm_bits;
	u64 bm_set;
	unsigned long *bm_dirty;
	u64 bm_blocks;
	/*
	 * Bits cleared, counted as writes of a flush tracker (under
	 * @bm_lock): a cleared bit vouches for a data write that completed
	 * but may sit in the backing disk's volatile cache, so it may reach
	 * the disk only after a flush issued after the clear (bm.c).
	 */
	struct nbr_flush_track bm_clears;

	/* Activity log: see al.c. Its state is private to al.c. */
	struct nbr_al *al;

	/* Counters for /proc/drbd ("al", "bm"): metadata block writes. */
	atomic64_t al_writes;
	atomic64_t bm_writes;
};

/* md.c: read, validate, write. Callers hold conf_lock unless noted. */
/*
 * Open (external) and read the metadata for @bdev, validate it against
 * both devices, read the bitmap and replay the activity log. On any
 * failure nothing was written and @extack says what is wrong ("no nbr
 * metadata on /dev/vdb (blank): run 'drbdadm create-md'", "corrupt
 * metadata on ...: crc-mismatch", ...). On success the extents of an
 * unclean AL are marked dirty in the bitmap (and written), FULL_SYNC is
 * applied, CRASHED_PRIMARY is set if the disk was Primary when it
 * stopped, and *@res is ready for use.
 */
int nbr_md_open(struct nbr_device *dev, struct block_device *bdev,
		const struct nbr_disk_conf *dc, struct nbr_md **res,
		struct netlink_ext_ack *extack);
/*
 * Clean shutdown: write every dirty bitmap block, mark the AL clean and
 * write the superblock as the caller left it; then free. After a failed
 * disk the write errors are logged, not fatal.
 */
void nbr_md_close(struct nbr_device *dev, struct nbr_md *md);
/* Free without writing: an attach that failed after nbr_md_open(). */
void nbr_md_discard(struct nbr_md *md);
/* Write the superblock now (FUA). Caller holds md->mutex. May sleep. */
int nbr_md_write_sb(struct nbr_device *dev, struct nbr_md *md);
/* Disk state the metadata flags give at attach (DRBD's rule). */
enum nbr_disk_state nbr_md_disk_state(const struct nbr_md *md);
/*
 * Called by nbr_change_state() after a committed change, with
 * state_mutex held: the superblock follows the state (flags, a new data
 * generation) and is written when it changed. May sleep.
 */
void nbr_md_after_state(struct nbr_device *dev, const struct nbr_state *os,
			const struct nbr_state *ns);
/*
 * Generation identifiers and flags of the attached disk as last
 * written; false when diskless. Any context.
 */
bool nbr_md_get_gi(struct nbr_device *dev, struct nbr_gi *gi, u32 *flags);
/* Where the metadata is and the AL size in use; false when diskless. */
bool nbr_md_get_conf(struct nbr_device *dev, struct nbr_disk_conf *dc);
/* Out-of-sync KiB (bitmap weight * 4) and metadata write counters. */
void nbr_md_counters(struct nbr_device *dev, u64 *oos_kib, u64 *al_writes,
		     u64 *bm_writes);
/*
 * Mark a range out of sync outside the write path (e.g. a protocol A
 * negative ack): takes its own local reference; does nothing diskless.
 * Any context.
 */
void nbr_md_mark_oos(struct nbr_device *dev, u64 sector, u32 size);

/* bm.c: the in-memory bitmap. Any context unless noted. */
/* Mark every 4 KiB block touched by @size bytes at @sector dirty. */
u64 nbr_bm_mark(struct nbr_md *md, u64 sector, u32 size);
/* Clear the blocks wholly covered by the range (a resync/write ack). */
u64 nbr_bm_clear(struct nbr_md *md, u64 sector, u32 size);
/* Set bits [@first, @end) (in bits); returns how many were clear. */
u64 nbr_bm_set_bits(struct nbr_md *md, u64 first, u64 end);
void nbr_bm_set_all(struct nbr_md *md);
void nbr_bm_clear_all(struct nbr_md *md);
u64 nbr_bm_weight(struct nbr_md *md);		/* set bits */
/*
 * Set bits below @end: with a peer whose disk is smaller the device ends
 * there, and the bits past it are no part of a resync (nor of oos).
 */
u64 nbr_bm_weight_below(struct nbr_md *md, u64 end);
/* First set bit at or after @from; md->bm_bits when none. */
u64 nbr_bm_find_next(struct nbr_md *md, u64 from);
/* ... and the length of the run of set bits there, up to @max. */
u64 nbr_bm_next_run(struct nbr_md *md, u64 from, u64 max, u64 *len);
/* Write the bitmap blocks changed since their last write (or all). */
int nbr_bm_write_dirty(struct nbr_device *dev, struct nbr_md *md);
/* Only the changed blocks holding bits [first, last]. */
int nbr_bm_write_range(struct nbr_device *dev, struct nbr_md *md, u64 first,
		       u64 last);
int nbr_bm_write_all(struct nbr_device *dev, struct nbr_md *md);
/*
 * Run-length chunk of the bits [@first, @end); see nbr_rle_encode(). @end
 * is the agreed device size in bits: a peer with a smaller disk has no
 * bits past it.
 */
int nbr_bm_encode(struct nbr_md *md, u64 first, u64 end, u8 *out,
		  size_t len, u64 *done);
/* OR a received chunk into the bitmap; see nbr_rle_decode(). */
int nbr_bm_merge(struct nbr_md *md, const u8 *in, size_t len, u64 first,
		 u64 nbits, const char **reason);

/* al.c: the activity log. */
int nbr_al_create(struct nbr_md *md, u32 al_extents);
void nbr_al_destroy(struct nbr_md *md);
/*
 * Make the extents of a write active before it is submitted: returns at
 * once when they are, else writes one AL transaction (and, for an
 * evicted extent, its bitmap block first). May sleep; process context,
 * but not inside a ->submit_bio call (its own bios would wait there):
 * req.c defers such writes to a work item.
 */
int nbr_al_begin_io(struct nbr_device *dev, struct nbr_md *md, u64 sector,
		    u32 size);
/*
 * The same without sleeping: true with the references taken when every
 * extent is active already, else false and nothing taken. Any context.
 */
bool nbr_al_try_begin_io(struct nbr_md *md, u64 sector, u32 size);
/* The write is done and its bits are set if needed. Any context. */
void nbr_al_complete_io(struct nbr_md *md, u64 sector, u32 size);
/* Mark the AL empty on disk (clean detach). */
int nbr_al_write_clean(struct nbr_device *dev, struct nbr_md *md);
/* At attach: mark every extent the on-disk AL holds dirty. */
int nbr_al_read_and_apply(struct nbr_device *dev, struct nbr_md *md,
			  const char **reason);

/* One synchronous 4 KiB-multiple metadata I/O (md.c). */
int nbr_md_io(struct nbr_md *md, void *buf, u64 offset, size_t len,
	      blk_opf_t op);
int nbr_md_flush(struct nbr_md *md);

#endif /* NBR_MD_H */
