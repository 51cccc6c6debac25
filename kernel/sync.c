// SPDX-License-Identifier: GPL-2.0-only
/*
 * Who syncs from whom, and the start and the end of a resync.
 *
 * Right after PARAMS both nodes send NBR_P_UUIDS and run the same decision
 * (kernel/lib/sync_decide.c) on the two sets, so they agree without a
 * further round trip. Then, on the data socket in order:
 *
 *   SyncTarget                         SyncSource
 *   BITMAP ... BITMAP(LAST)  ------>   merges the target's bits
 *                            <------   SYNC_UUID (target: Inconsistent)
 *   RS_ACK per run (meta)    <------>  RS_DATA runs (resync.c)
 *                            <------   RS_DONE (source identifiers)
 *   UpToDate, identifiers = source's
 *
 * invalidate / invalidate-remote / 'primary --force' on a connected pair
 * enter the same sequence at SYNC_REQ or SYNC_UUID. The identifier steps
 * (sync start, done) are the lib's nbr_gi_* transitions, written to the
 * superblock before the packet that depends on them leaves.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/random.h>
#include <linux/slab.h>

#include "nbr_net.h"
#include "nbr_state_rules.h"

/* A fresh generation identifier: random, never one of the reserved. */
static u64 new_uuid(void)
{
	u64 u;

	do {
		u = get_random_u64();
	} while (u == NBR_UUID_NONE || u == NBR_UUID_JUST_CREATED);
	return u;
}

static void sb_to_gi(const struct nbr_md_sb *sb, struct nbr_gi *gi)
{
	gi->uuid_current = sb->uuid_current;
	gi->bitmap = sb->uuid_bitmap;
	gi->history[0] = sb->uuid_history[0];
	gi->history[1] = sb->uuid_history[1];
}

static void gi_to_sb(const struct nbr_gi *gi, struct nbr_md_sb *sb)
{
	sb->uuid_current = gi->uuid_current;
	sb->uuid_bitmap = gi->bitmap;
	sb->uuid_history[0] = gi->history[0];
	sb->uuid_history[1] = gi->history[1];
}

/*
 * Every identifier step is a read-modify-write of the superblock under
 * md->mutex: gi_begin() locks and reads the identifiers and flags,
 * gi_commit() stores them, writes the superblock and unlocks. A step is
 * durable when gi_commit() returns 0.
 */
static void gi_begin(struct nbr_md *md, struct nbr_gi *gi, u32 *flags)
	__acquires(&md->mutex)
{
	mutex_lock(&md->mutex);
	sb_to_gi(&md->sb, gi);
	*flags = md->sb.flags;
}

static int gi_commit(struct nbr_device *dev, struct nbr_md *md,
		     const struct nbr_gi *gi, u32 flags)
	__releases(&md->mutex)
{
	int err;

	gi_to_sb(gi, &md->sb);
	md->sb.flags = flags;
	err = nbr_md_write_sb(dev, md);
	mutex_unlock(&md->mutex);
	return err;
}

/* Bitmap bits wholly inside @sectors. */
static u64 sectors_to_bits(u64 sectors)
{
	return sectors >> (NBR_BM_BIT_SHIFT - SECTOR_SHIFT);
}

/* Bits of the agreed device size: what both sides sync. */
static u64 agreed_bits(struct nbr_conn *conn)
{
	return sectors_to_bits(conn->agreed.dev_sectors);
}

/* The local metadata, with a local reference; NULL when diskless. */
static struct nbr_md *get_md(struct nbr_device *dev)
{
	struct block_device *bdev;

	if (!nbr_get_local(dev, &bdev))
		return NULL;
	if (!dev->md) {
		nbr_put_local(dev);
		return NULL;
	}
	return dev->md;
}

static void local_uuids(struct nbr_conn *conn, struct nbr_uuids *u)
{
	struct nbr_device *dev = conn->dev;
	struct nbr_md *md = get_md(dev);
	struct nbr_gi gi;

	memset(u, 0, sizeof(*u));
	if (!md) {
		u->uflags = NBR_UF_DISKLESS;
		return;
	}
	mutex_lock(&md->mutex);
	sb_to_gi(&md->sb, &gi);
	u->md_flags = md->sb.flags;
	mutex_unlock(&md->mutex);
	u->uuid_current = gi.uuid_current;
	u->bitmap = gi.bitmap;
	u->history[0] = gi.history[0];
	u->history[1] = gi.history[1];
	u->dirty_bits = nbr_bm_weight_below(md, agreed_bits(conn));
	nbr_put_local(dev);
	if (conn->conf.discard_my_data)
		u->uflags |= NBR_UF_DISCARD_MY_DATA;
}

static void side_of(const struct nbr_uuids *u, bool primary, bool resolve,
		    struct nbr_sync_side *s)
{
	memset(s, 0, sizeof(*s));
	s->gi.uuid_current = u->uuid_current;
	s->gi.bitmap = u->bitmap;
	s->gi.history[0] = u->history[0];
	s->gi.history[1] = u->history[1];
	s->flags = u->md_flags;
	s->primary = primary;
	s->dirty_bits = u->dirty_bits;
	s->resolve_conflicts = resolve;
}

/* Apply the identifier corrections the decision asked of us. */
static int apply_fixes(struct nbr_device *dev, u32 fixes)
{
	struct nbr_md *md;
	struct nbr_gi gi;
	u32 flags;
	int err;

	if (!(fixes & (NBR_FIX_SELF_FINISH | NBR_FIX_SELF_BM_UNDO |
		       NBR_FIX_SELF_BM_UNDO2)))
		return 0;
	md = get_md(dev);
	if (!md)
		return -ENODEV;
	gi_begin(md, &gi, &flags);
	nbr_gi_fix(&gi, fixes);
	err = gi_commit(dev, md, &gi, flags);
	nbr_put_local(dev);
	return err;
}

/*
 * Split brain: --discard-my-data on exactly one side decides; otherwise
 * the after-sb policies. Returns the decision to go on with, or
 * NBR_SYNC_SPLIT_BRAIN when the pair must stay apart.
 */
static enum nbr_sync split_brain(struct nbr_conn *conn,
				 const struct nbr_sync_side *self,
				 const struct nbr_sync_side *peer,
				 const struct nbr_uuids *mine,
				 const struct nbr_uuids *theirs,
				 enum nbr_sync d)
{
	struct nbr_device *dev = conn->dev;
	bool full = d == NBR_SYNC_SPLIT_BRAIN_HISTORY;
	bool me = mine->uflags & NBR_UF_DISCARD_MY_DATA;
	bool them = theirs->uflags & NBR_UF_DISCARD_MY_DATA;
	struct nbr_asb_result a;

	if (me != them) {
		nbr_warn(dev, "split brain: resolved by --discard-my-data on %s\n",
			 me ? "this node" : conn->conf.peer_name);
		if (me)
			return full ? NBR_SYNC_TARGET_FULL : NBR_SYNC_TARGET;
		return full ? NBR_SYNC_SOURCE_FULL : NBR_SYNC_SOURCE;
	}
	a = nbr_asb_decide(self, peer, d, &conn->conf.asb);
	switch (a.verdict) {
	case NBR_ASB_DISCARD_LOCAL:
		nbr_warn(dev, "split brain: after-sb policy discards this node's changes (%s)\n",
			 a.why);
		return a.full_sync ? NBR_SYNC_TARGET_FULL : NBR_SYNC_TARGET;
	case NBR_ASB_DISCARD_REMOTE:
		nbr_warn(dev, "split brain: after-sb policy discards the peer's changes (%s)\n",
			 a.why);
		return a.full_sync ? NBR_SYNC_SOURCE_FULL : NBR_SYNC_SOURCE;
	case NBR_ASB_DISCONNECT:
		break;
	}
	nbr_err(dev, "split brain detected: both nodes changed the data since they were last connected (%s); staying StandAlone. Recover with 'drbdadm connect --discard-my-data' on the node whose changes are to be thrown away\n",
		a.why ? a.why : "after-sb policy disconnect");
	return NBR_SYNC_SPLIT_BRAIN;
}

static bool disk_is_consistent(enum nbr_disk_state d)
{
	return d == NBR_D_OUTDATED || d == NBR_D_CONSISTENT ||
	       d == NBR_D_UPTODATE;
}

/* Both disks hold the same data and one is good: either can be a source. */
static bool may_resync_in_sync(const struct nbr_params *mine,
			       const struct nbr_params *peer)
{
	return disk_is_consistent(mine->disk) &&
	       disk_is_consistent(peer->disk) &&
	       (mine->disk == NBR_D_UPTODATE || peer->disk == NBR_D_UPTODATE);
}

/*
 * Record the agreed size in our superblock. When the device grew past
 * the size both nodes last agreed on (nbr_agreed.grown_from), nothing
 * there was ever replicated: its blocks are marked out of sync first,
 * durably, so that a resync covers them also when this connection is
 * lost before it runs (the bits then decide the next connect).
 */
static int record_agreed_size(struct nbr_conn *conn)
{
	struct nbr_device *dev = conn->dev;
	u64 size = conn->agreed.dev_sectors, old;
	struct nbr_md *md = get_md(dev);
	int err = 0;

	if (!md)
		return -ENODEV;
	if (conn->agreed.grown_from < size) {
		nbr_info(dev, "the device grows from %llu to %llu sectors; the new area was never replicated: its blocks are marked out of sync\n",
			 conn->agreed.grown_from, size);
		nbr_bm_set_bits(md, sectors_to_bits(conn->agreed.grown_from),
				agreed_bits(conn));
		err = nbr_bm_write_dirty(dev, md);
	}
	mutex_lock(&md->mutex);
	old = md->sb.la_size_sect;
	if (!err && old != size) {
		md->sb.la_size_sect = size;
		err = nbr_md_write_sb(dev, md);
		if (err)
			md->sb.la_size_sect = old;
	}
	mutex_unlock(&md->mutex);
	nbr_put_local(dev);
	return err;
}

/*
 * After UUIDS: decide, and fill the state the connection enters (@r, with
 * conn already set to Connected by the caller). 0: go on; 1: refused for
 * good (StandAlone, reason logged); negative: connection error.
 */
int nbr_sync_handshake(struct nbr_conn *conn, const struct nbr_params *mine,
		       const struct nbr_params *peer, struct nbr_state_req *r)
{
	struct nbr_device *dev = conn->dev;
	struct nbr_sync_side self, other;
	struct nbr_uuids me, them;
	struct nbr_sync_result res;
	enum nbr_sync d;
	int err;

	local_uuids(conn, &me);
	{
		u8 buf[sizeof(struct nbr_header) + sizeof(struct nbr_p_uuids)];
		int len = nbr_encode_uuids(buf, sizeof(buf), NBR_P_UUIDS, &me);

		if (len < 0)
			return len;
		err = nbr_send_all(conn->data, buf, len, 0);
		if (err)
			return err;
	}
	err = nbr_receive_uuids(conn, &them);
	if (err)
		return err;
	conn->peer_uuids = them;
	conn->rs.plan = NBR_SYNC_NONE;
	if ((me.uflags | them.uflags) & NBR_UF_DISKLESS)
		return 0;

	side_of(&me, mine->role == NBR_R_PRIMARY, conn->keep_out, &self);
	side_of(&them, peer->role == NBR_R_PRIMARY, !conn->keep_out, &other);
	self.named_discard = conn->conf.discard_node[0] &&
			     !strcmp(conn->conf.discard_node,
				     conn->conf.my_name);
	other.named_discard = conn->conf.discard_node[0] &&
			      !strcmp(conn->conf.discard_node,
				      conn->conf.peer_name);
	res = nbr_sync_decide(&self, &other);
	d = res.decision;
	nbr_info(dev, "generation identifiers: mine %016llx:%016llx:%016llx:%016llx, peer's %016llx:%016llx:%016llx:%016llx; %s by rule %d\n",
		 me.uuid_current, me.bitmap, me.history[0], me.history[1],
		 them.uuid_current, them.bitmap, them.history[0],
		 them.history[1], nbr_sync_str(d), res.rule);
	if (d == NBR_SYNC_SPLIT_BRAIN || d == NBR_SYNC_SPLIT_BRAIN_HISTORY)
		d = split_brain(conn, &self, &other, &me, &them, d);
	if (conn->agreed.grown_from < conn->agreed.dev_sectors) {
		u64 grown = agreed_bits(conn) -
			    sectors_to_bits(conn->agreed.grown_from);

		/*
		 * In sync otherwise: the new area counts as written on both
		 * nodes (record_agreed_size() makes it so), and the same
		 * rules as for such bits pick the source: the Primary, else
		 * the tie-breaker.
		 */
		if (d == NBR_SYNC_NONE && may_resync_in_sync(mine, peer)) {
			self.dirty_bits += grown;
			other.dirty_bits += grown;
			d = nbr_sync_decide(&self, &other).decision;
		}
	}
	switch (d) {
	case NBR_SYNC_SPLIT_BRAIN:
		return 1;
	case NBR_SYNC_UNRELATED:
		nbr_err(dev, "the peer's data is unrelated to ours (no common generation); refusing to connect. Run 'drbdadm invalidate' on the node whose data is to be overwritten, or create its metadata again\n");
		return 1;
	case NBR_SYNC_NO_GOOD_DATA:
		nbr_err(dev, "neither node has consistent data to sync from; refusing to connect\n");
		return 1;
	case NBR_SYNC_TARGET:
	case NBR_SYNC_TARGET_FULL:
		if (mine->role == NBR_R_PRIMARY) {
			nbr_err(dev, "this node is Primary but would have to become SyncTarget (its data is older); refusing to connect. Demote it first\n");
			return 1;
		}
		break;
	case NBR_SYNC_NONE:
	case NBR_SYNC_SOURCE:
	case NBR_SYNC_SOURCE_FULL:
	case NBR_SYNC_SPLIT_BRAIN_HISTORY:
	case NBR_SYNC_COUNT:
		break;
	}
	err = apply_fixes(dev, res.fixes);
	if (!err)
		err = record_agreed_size(conn);
	if (err)
		return err;
	conn->rs.plan = d;

	switch (d) {
	case NBR_SYNC_SOURCE:
	case NBR_SYNC_SOURCE_FULL:
		r->conn = NBR_C_WFBITMAPS;
		r->disk = NBR_D_UPTODATE;
		break;
	case NBR_SYNC_TARGET:
	case NBR_SYNC_TARGET_FULL:
		r->conn = NBR_C_WFBITMAPT;
		r->peer_disk = NBR_D_UPTODATE;
		break;
	default:
		/* In sync: consistent data on either side is everyone's. */
		if (disk_is_consistent(mine->disk) &&
		    (mine->disk == NBR_D_UPTODATE ||
		     peer->disk == NBR_D_UPTODATE)) {
			r->disk = NBR_D_UPTODATE;
			if (disk_is_consistent(peer->disk))
				r->peer_disk = NBR_D_UPTODATE;
		}
		break;
	}
	return 0;
}

int nbr_receive_uuids(struct nbr_conn *conn, struct nbr_uuids *peer)
{
	u8 buf[sizeof(struct nbr_p_uuids)];
	const char *reason = "?";
	struct nbr_hdr hdr;
	int err;

	err = nbr_recv_packet(conn, conn->data, NBR_SOCK_DATA,
			      NBR_PH_HANDSHAKE, &hdr, buf, sizeof(buf),
			      &reason);
	if (!err && hdr.cmd != NBR_P_UUIDS) {
		reason = "expected UUIDS";
		err = -EPROTO;
	}
	if (!err)
		err = nbr_decode_uuids(buf, hdr.len, peer, &reason);
	if (err == -EPROTO)
		nbr_warn_rl(conn->dev, "handshake: %s\n", reason);
	return err;
}

/* The target's bitmap to the source, in run-length chunks. Worker. */
static int send_bitmap(struct nbr_conn *conn, struct nbr_md *md)
{
	size_t room = sizeof(struct nbr_header) + sizeof(struct nbr_p_bitmap) +
		      NBR_BM_CHUNK_MAX;
	u64 first = 0, nbits = agreed_bits(conn), done;
	struct nbr_bitmap_chunk c = {};
	u8 *buf, *runs;
	int len, err = 0;

	buf = kmalloc(room + NBR_BM_CHUNK_MAX, GFP_NOIO);
	if (!buf)
		return -ENOMEM;
	runs = buf + room;
	while (!err && first < nbits) {
		len = nbr_bm_encode(md, first, nbits, runs, NBR_BM_CHUNK_MAX,
				    &done);
		if (len < 0 || !done) {
			err = len < 0 ? len : -EINVAL;
			break;
		}
		c.first = first;
		c.nbits = done;
		c.flags = first + done >= nbits ? NBR_BM_LAST : 0;
		c.len = len;
		c.runs = runs;
		len = nbr_encode_bitmap(buf, room, &c);
		err = nbr_send_packet(conn, NBR_SOCK_DATA, buf, len);
		first += done;
	}
	kfree(buf);
	return err;
}

/*
 * Connected, threads running: the target starts the bitmap exchange.
 * Worker thread, before it reads the data socket.
 */
int nbr_sync_after_connect(struct nbr_conn *conn)
{
	struct nbr_device *dev = conn->dev;
	enum nbr_sync d = conn->rs.plan;
	struct nbr_md *md;
	int err;

	if (d != NBR_SYNC_TARGET && d != NBR_SYNC_TARGET_FULL &&
	    d != NBR_SYNC_SOURCE && d != NBR_SYNC_SOURCE_FULL)
		return 0;
	md = get_md(dev);
	if (!md)
		return -ENODEV;
	spin_lock_irq(&conn->lock);
	conn->rs.cursor = 0;
	spin_unlock_irq(&conn->lock);
	err = 0;
	if (d == NBR_SYNC_TARGET || d == NBR_SYNC_TARGET_FULL) {
		if (d == NBR_SYNC_TARGET_FULL)
			nbr_bm_set_all(md);
		err = send_bitmap(conn, md);
	}
	nbr_put_local(dev);
	return err;
}

/*
 * BITMAP: the source merges the target's bits, in order, then starts; the
 * target merges the source's (merged) bits, so that both know what is
 * left to sync and either can resume it.
 */
int nbr_receive_bitmap(struct nbr_conn *conn, const void *p, u32 len,
		       const char **reason)
{
	struct nbr_device *dev = conn->dev;
	enum nbr_conn_state conn_state;
	struct nbr_bitmap_chunk c;
	struct nbr_md *md;
	u64 expect;
	int err;

	err = nbr_decode_bitmap(p, len, &c, reason);
	if (err)
		return err;
	conn_state = nbr_get_state(dev).conn;
	if (conn_state != NBR_C_WFBITMAPS && conn_state != NBR_C_WFBITMAPT) {
		*reason = "bitmap while not waiting for one";
		return -EPROTO;
	}
	spin_lock_irq(&conn->lock);
	expect = conn->rs.cursor;
	spin_unlock_irq(&conn->lock);
	if (c.first != expect || c.first + c.nbits > agreed_bits(conn) ||
	    ((c.flags & NBR_BM_LAST) &&
	     c.first + c.nbits != agreed_bits(conn))) {
		*reason = "bitmap chunk out of order or out of range";
		return -EPROTO;
	}
	md = get_md(dev);
	if (!md) {
		*reason = "no local disk for the bitmap";
		return -EPROTO;
	}
	err = nbr_bm_merge(md, c.runs, c.len, c.first, c.nbits, reason);
	nbr_put_local(dev);
	if (err)
		return err;
	spin_lock_irq(&conn->lock);
	conn->rs.cursor = c.first + c.nbits;
	spin_unlock_irq(&conn->lock);
	/* The target merges the source's bits and waits for SYNC_UUID. */
	if (!(c.flags & NBR_BM_LAST) || conn_state == NBR_C_WFBITMAPT)
		return 0;
	err = nbr_sync_start_source(conn, conn->rs.plan == NBR_SYNC_SOURCE_FULL);
	if (err)
		*reason = "cannot start the resync";
	return err;
}

static void rs_reset(struct nbr_resync *rs, bool source, bool verify,
		     u64 total)
{
	enum nbr_sync plan = rs->plan;
	bool up = rs->user_paused, pp = rs->peer_paused;
	u32 reading = rs->reading;	/* teardown waits for those */

	memset(rs, 0, sizeof(*rs));
	rs->reading = reading;
	rs->plan = plan;
	rs->user_paused = up;
	rs->peer_paused = pp;
	rs->source = source;
	rs->verify = verify;
	rs->running = true;
	rs->total_bits = total;
	rs->start = jiffies;
	rs->rate_start = jiffies;
	rs->mark_time[0] = jiffies;
}

/* The connection state of a running resync, paused or not. */
static enum nbr_conn_state rs_conn_state(struct nbr_conn *conn, bool source)
{
	bool paused;

	spin_lock_irq(&conn->lock);
	paused = conn->rs.user_paused || conn->rs.peer_paused;
	spin_unlock_irq(&conn->lock);
	if (source)
		return paused ? NBR_C_PAUSEDSYNCS : NBR_C_SYNCSOURCE;
	return paused ? NBR_C_PAUSEDSYNCT : NBR_C_SYNCTARGET;
}

/*
 * Become SyncSource: everything dirty in our bitmap (all of it with
 * @full) goes to the peer. Receiver thread or an admin request.
 */
int nbr_sync_start_source(struct nbr_conn *conn, bool full)
{
	u8 buf[sizeof(struct nbr_header) + sizeof(struct nbr_p_sync_uuid)];
	struct nbr_device *dev = conn->dev;
	struct nbr_sync_uuid su = {};
	struct nbr_state_req r;
	struct nbr_md *md;
	struct nbr_gi gi;
	u32 flags;
	int err;

	md = get_md(dev);
	if (!md)
		return -ENODEV;
	if (full)
		nbr_bm_set_all(md);
	/* The bits must survive a crash of either node from here on. */
	err = nbr_bm_write_all(dev, md);
	if (!err) {
		gi_begin(md, &gi, &flags);
		su.uuid = nbr_gi_sync_start_source(&gi, new_uuid());
		err = gi_commit(dev, md, &gi, flags);
	}
	su.bits = nbr_bm_weight_below(md, agreed_bits(conn));
	/* A bitmap-based sync tells the target what will come. */
	if (!err && !full)
		err = send_bitmap(conn, md);
	nbr_put_local(dev);
	if (err)
		return err;
	su.flags = full ? NBR_SU_FULL : 0;

	/* Not running yet: no RS_DATA may overtake SYNC_UUID. */
	spin_lock_irq(&conn->lock);
	rs_reset(&conn->rs, true, false, su.bits);
	conn->rs.running = false;
	spin_unlock_irq(&conn->lock);
	nbr_state_req_init(&r);
	r.conn = rs_conn_state(conn, true);
	r.disk = NBR_D_UPTODATE;
	r.peer_disk = NBR_D_INCONSISTENT;
	err = nbr_change_state(dev, &r, full ? "full sync" : "resync", NULL);
	if (err)
		return err;
	err = nbr_send_packet(conn, NBR_SOCK_DATA, buf,
			      nbr_encode_sync_uuid(buf, sizeof(buf), &su));
	if (err)
		return err;
	spin_lock_irq(&conn->lock);
	conn->rs.running = true;
	spin_unlock_irq(&conn->lock);
	nbr_info(dev, "resync started as SyncSource: %llu KiB to send%s\n",
		 su.bits * (NBR_RS_BLOCK / 1024), full ? " (full sync)" : "");
	nbr_resync_kick(conn);
	return 0;
}

/* SYNC_UUID on the target: from now on our data is Inconsistent. */
int nbr_receive_sync_uuid(struct nbr_conn *conn, const void *p,
			  const char **reason)
{
	struct nbr_device *dev = conn->dev;
	struct nbr_state st = nbr_get_state(dev);
	struct nbr_state_req r;
	struct nbr_sync_uuid su;
	struct nbr_md *md;
	struct nbr_gi gi;
	u32 flags;
	int err;

	err = nbr_decode_sync_uuid(p, sizeof(struct nbr_p_sync_uuid), &su,
				   reason);
	if (err)
		return err;
	if (st.role == NBR_R_PRIMARY) {
		*reason = "the peer wants to resync onto a Primary";
		return -EPROTO;
	}
	if (st.conn != NBR_C_WFBITMAPT && st.conn != NBR_C_CONNECTED) {
		*reason = "sync identifier while not ready for a resync";
		return -EPROTO;
	}
	if (su.bits > agreed_bits(conn)) {
		*reason = "resync larger than the device";
		return -EPROTO;
	}
	md = get_md(dev);
	if (!md) {
		*reason = "no local disk to resync";
		return -EPROTO;
	}
	if (su.flags & NBR_SU_FULL)
		nbr_bm_set_all(md);
	/* What is left to sync survives a crash of this node. */
	err = nbr_bm_write_all(dev, md);
	if (err) {
		nbr_put_local(dev);
		*reason = "cannot write the bitmap";
		return err;
	}
	gi_begin(md, &gi, &flags);
	nbr_gi_sync_start_target(&gi, &flags, su.uuid);
	err = gi_commit(dev, md, &gi, flags & ~NBR_MDF_CONSISTENT);
	nbr_put_local(dev);
	if (err) {
		*reason = "cannot write the sync identifier";
		return err;
	}
	spin_lock_irq(&conn->lock);
	rs_reset(&conn->rs, false, false, su.bits);
	spin_unlock_irq(&conn->lock);
	nbr_state_req_init(&r);
	r.conn = rs_conn_state(conn, false);
	r.disk = NBR_D_INCONSISTENT;
	r.peer_disk = NBR_D_UPTODATE;
	err = nbr_change_state(dev, &r, "resync", NULL);
	if (err) {
		*reason = "resync refused by the state rules";
		return -EPROTO;
	}
	nbr_info(dev, "resync started as SyncTarget: %llu KiB to receive%s\n",
		 su.bits * (NBR_RS_BLOCK / 1024),
		 (su.flags & NBR_SU_FULL) ? " (full sync)" : "");
	return 0;
}

/*
 * RS_DONE on the target (after every RS_DATA before it): take the
 * source's identifiers; our data is the source's now. Also the answer to
 * 'new-current-uuid --clear-bitmap' on a fresh pair: "we are in sync".
 */
int nbr_receive_rs_done(struct nbr_conn *conn, const void *p,
			const char **reason)
{
	struct nbr_device *dev = conn->dev;
	struct nbr_state st = nbr_get_state(dev);
	struct nbr_state_req r;
	struct nbr_uuids src;
	struct nbr_gi gi, sgi;
	struct nbr_md *md;
	u32 flags;
	int err;

	err = nbr_decode_uuids(p, sizeof(struct nbr_p_uuids), &src, reason);
	if (err)
		return err;
	if (st.conn != NBR_C_SYNCTARGET && st.conn != NBR_C_PAUSEDSYNCT &&
	    !(st.conn == NBR_C_CONNECTED && st.disk == NBR_D_INCONSISTENT)) {
		*reason = "resync end while not SyncTarget";
		return -EPROTO;
	}
	if (src.uflags & NBR_UF_DISKLESS) {
		*reason = "resync end without identifiers";
		return -EPROTO;
	}
	/* Every resync write before RS_DONE must be on our disk first. */
	nbr_wait_peer_writes(conn);
	md = get_md(dev);
	if (!md) {
		*reason = "no local disk";
		return -EPROTO;
	}
	sgi.uuid_current = src.uuid_current;
	sgi.bitmap = src.bitmap;
	sgi.history[0] = src.history[0];
	sgi.history[1] = src.history[1];
	nbr_bm_clear_all(md);
	err = nbr_bm_write_all(dev, md);
	if (!err) {
		gi_begin(md, &gi, &flags);
		nbr_gi_sync_done_target(&gi, &flags, &sgi);
		err = gi_commit(dev, md, &gi, flags | NBR_MDF_CONSISTENT |
				NBR_MDF_WAS_UP_TO_DATE);
	}
	nbr_put_local(dev);
	if (err) {
		*reason = "cannot write the metadata";
		return err;
	}
	spin_lock_irq(&conn->lock);
	conn->rs.running = false;
	spin_unlock_irq(&conn->lock);
	nbr_state_req_init(&r);
	r.conn = NBR_C_CONNECTED;
	r.disk = NBR_D_UPTODATE;
	r.peer_disk = NBR_D_UPTODATE;
	err = nbr_change_state(dev, &r, "resync done", NULL);
	if (err) {
		*reason = "resync end refused by the state rules";
		return -EPROTO;
	}
	nbr_info(dev, "resync done as SyncTarget: %llu KiB received\n",
		 conn->rs.done_bits * (NBR_RS_BLOCK / 1024));
	return 0;
}

/* SYNC_REQ: the peer ran invalidate; we are to be its source. */
int nbr_receive_sync_req(struct nbr_conn *conn, const void *p,
			 const char **reason)
{
	struct nbr_state st = nbr_get_state(conn->dev);
	u32 flags;
	int err;

	err = nbr_decode_sync_req(p, sizeof(struct nbr_p_sync_req), &flags,
				  reason);
	if (err)
		return err;
	if (st.conn != NBR_C_CONNECTED || st.disk != NBR_D_UPTODATE) {
		/* Not an error of the peer's: the admin asked at a bad time. */
		nbr_warn(conn->dev, "peer asked for a resync, but this node cannot be its source now (%s, %s)\n",
			 nbr_conn_str(st.conn), nbr_disk_str(st.disk));
		return 0;
	}
	err = nbr_sync_start_source(conn, flags & NBR_SU_FULL);
	if (err)
		*reason = "cannot start the resync";
	return err;
}

/* The peer's STATE: follow its pause-sync. Receiver thread. */
void nbr_sync_peer_state(struct nbr_conn *conn, const struct nbr_state_msg *s)
{
	struct nbr_state st = nbr_get_state(conn->dev);
	bool paused = s->flags & NBR_SF_USER_PAUSED, changed, running;
	struct nbr_state_req r;

	spin_lock_irq(&conn->lock);
	changed = conn->rs.peer_paused != paused;
	conn->rs.peer_paused = paused;
	running = conn->rs.running && !conn->rs.verify;
	spin_unlock_irq(&conn->lock);
	if (!changed || !running)
		return;
	nbr_state_req_init(&r);
	if (st.conn == NBR_C_SYNCSOURCE || st.conn == NBR_C_PAUSEDSYNCS)
		r.conn = rs_conn_state(conn, true);
	else if (st.conn == NBR_C_SYNCTARGET || st.conn == NBR_C_PAUSEDSYNCT)
		r.conn = rs_conn_state(conn, false);
	else
		return;
	nbr_change_state(conn->dev, &r, paused ? "peer paused the resync" :
			 "peer resumed the resync", NULL);
	nbr_resync_kick(conn);
}

bool nbr_sync_is_running(struct nbr_conn *conn)
{
	bool running;

	spin_lock_irq(&conn->lock);
	running = conn->rs.running;
	spin_unlock_irq(&conn->lock);
	return running;
}

/* The connection if it is up and replicating, pinned; else NULL. */
static struct nbr_conn *live_conn(struct nbr_device *dev)
{
	struct nbr_conn *conn = nbr_get_conn(dev);
	bool live;

	if (!conn)
		return NULL;
	spin_lock_irq(&conn->lock);
	live = conn->replicating && !conn->fail_state;
	spin_unlock_irq(&conn->lock);
	if (!live) {
		nbr_put_conn(conn);
		return NULL;
	}
	return conn;
}

/*
 * invalidate (@remote false): our data is to be overwritten by the
 * peer's; invalidate-remote: the peer's by ours. Caller holds conf_lock.
 */
int nbr_sync_invalidate(struct nbr_device *dev, bool remote,
			struct netlink_ext_ack *extack)
{
	u8 buf[sizeof(struct nbr_header) + sizeof(struct nbr_p_sync_req)];
	struct nbr_state st = nbr_get_state(dev);
	struct nbr_state_req r;
	struct nbr_conn *conn;
	struct nbr_md *md;
	int err;

	lockdep_assert_held(&dev->conf_lock);
	md = get_md(dev);
	if (!md) {
		nbr_extack(extack, "nb%u has no disk attached", dev->minor);
		return -ENODEV;
	}
	nbr_put_local(dev);
	conn = live_conn(dev);
	if (!conn) {
		if (remote) {
			nbr_extack(extack, "invalidate-remote needs a connected peer");
			return -ENOTCONN;
		}
		if (st.role == NBR_R_PRIMARY) {
			nbr_extack(extack, "nb%u is Primary and not connected: invalidating would leave no good data",
				   dev->minor);
			return -EBUSY;
		}
		/* Alone: all of it is out of sync; the next connect syncs. */
		md = get_md(dev);
		if (!md)
			return -ENODEV;
		nbr_bm_set_all(md);
		err = nbr_bm_write_all(dev, md);
		nbr_put_local(dev);
		if (err)
			return err;
		nbr_state_req_init(&r);
		r.disk = NBR_D_INCONSISTENT;
		return nbr_change_state(dev, &r, "invalidate", extack);
	}
	err = -EBUSY;
	if (st.conn != NBR_C_CONNECTED) {
		nbr_extack(extack, "nb%u is %s; wait until the connection is Connected and idle",
			   dev->minor, nbr_conn_str(st.conn));
		goto out;
	}
	if (nbr_sync_is_running(conn)) {
		/* Connected already, RS_DONE not sent yet: a moment. */
		nbr_extack(extack, "nb%u is finishing a resync; try again in a moment",
			   dev->minor);
		goto out;
	}
	if (remote) {
		if (st.disk != NBR_D_UPTODATE || st.peer_role == NBR_R_PRIMARY) {
			nbr_extack(extack, "invalidate-remote needs UpToDate data here and a Secondary peer");
			goto out;
		}
		err = nbr_sync_start_source(conn, true);
		goto out;
	}
	if (st.peer_disk != NBR_D_UPTODATE || st.role == NBR_R_PRIMARY) {
		nbr_extack(extack, "invalidate needs an UpToDate peer and this node Secondary");
		goto out;
	}
	err = nbr_send_packet(conn, NBR_SOCK_DATA, buf,
			      nbr_encode_sync_req(buf, sizeof(buf),
						  NBR_SU_FULL));
out:
	nbr_put_conn(conn);
	return err;
}

/* pause-sync / resume-sync. Caller holds conf_lock. */
int nbr_sync_pause(struct nbr_device *dev, bool pause,
		   struct netlink_ext_ack *extack)
{
	struct nbr_state st = nbr_get_state(dev);
	struct nbr_state_req r;
	struct nbr_conn *conn;
	bool source;
	int err = 0;

	conn = nbr_get_conn(dev);
	if (!conn) {
		nbr_extack(extack, "nb%u has no connection", dev->minor);
		return -ENOTCONN;
	}
	spin_lock_irq(&conn->lock);
	if (conn->rs.user_paused == pause) {
		err = -EALREADY;
	} else {
		conn->rs.user_paused = pause;
		conn->state_dirty = conn->replicating;
	}
	spin_unlock_irq(&conn->lock);
	if (err) {
		nbr_extack(extack, "the resync of nb%u is already %s here",
			   dev->minor, pause ? "paused" : "running");
		goto out;
	}
	source = st.conn == NBR_C_SYNCSOURCE || st.conn == NBR_C_PAUSEDSYNCS;
	if (source || st.conn == NBR_C_SYNCTARGET ||
	    st.conn == NBR_C_PAUSEDSYNCT) {
		nbr_state_req_init(&r);
		r.conn = rs_conn_state(conn, source);
		nbr_change_state(dev, &r, pause ? "pause-sync" : "resume-sync",
				 NULL);
	}
	wake_up_all(&conn->wait);
	nbr_kick_sender(conn);
	nbr_resync_kick(conn);
out:
	nbr_put_conn(conn);
	return err;
}

/*
 * new-current-uuid: start a new data generation here. With
 * --clear-bitmap on a connected fresh pair both disks are declared in
 * sync (blank or identical disks: no initial sync). Caller holds
 * conf_lock.
 */
int nbr_new_current_uuid(struct nbr_device *dev, bool clear_bitmap,
			 struct netlink_ext_ack *extack)
{
	u8 buf[sizeof(struct nbr_header) + sizeof(struct nbr_p_uuids)];
	struct nbr_state st = nbr_get_state(dev);
	struct nbr_conn *conn = NULL;
	struct nbr_state_req r;
	struct nbr_uuids u = {};
	struct nbr_md *md;
	struct nbr_gi gi;
	u32 flags;
	int err;

	lockdep_assert_held(&dev->conf_lock);
	if (clear_bitmap) {
		conn = live_conn(dev);
		if (conn && (st.conn != NBR_C_CONNECTED ||
			     st.disk != NBR_D_INCONSISTENT ||
			     st.peer_disk != NBR_D_INCONSISTENT)) {
			nbr_put_conn(conn);
			nbr_extack(extack, "new-current-uuid --clear-bitmap needs a Connected pair with both disks Inconsistent (freshly created), or no connection");
			return -EBUSY;
		}
	}
	md = get_md(dev);
	if (!md) {
		err = -ENODEV;
		nbr_extack(extack, "nb%u has no disk attached", dev->minor);
		goto out;
	}
	if (clear_bitmap) {
		nbr_bm_clear_all(md);
		err = nbr_bm_write_all(dev, md);
		if (err)
			goto out_put;
	}
	gi_begin(md, &gi, &flags);
	if (clear_bitmap) {
		memset(&gi, 0, sizeof(gi));
		gi.uuid_current = new_uuid();
		flags |= NBR_MDF_CONSISTENT | NBR_MDF_WAS_UP_TO_DATE;
	} else {
		nbr_gi_new_current(&gi, &flags, new_uuid(),
				   st.role == NBR_R_PRIMARY);
	}
	u.md_flags = flags;
	err = gi_commit(dev, md, &gi, flags);
	if (err)
		goto out_put;
	nbr_info(dev, "new current identifier %016llx%s\n", gi.uuid_current,
		 clear_bitmap ? " (bitmap cleared: no initial sync)" : "");
	if (!clear_bitmap)
		goto out_put;
	nbr_state_req_init(&r);
	r.disk = NBR_D_UPTODATE;
	if (conn) {
		/*
		 * The peer takes our identifiers as after a resync. Its
		 * disk stays Inconsistent here until its STATE says it
		 * has written them, as at the end of a resync.
		 */
		u.uuid_current = gi.uuid_current;
		err = nbr_send_packet(conn, NBR_SOCK_DATA, buf,
				      nbr_encode_uuids(buf, sizeof(buf),
						       NBR_P_RS_DONE, &u));
	}
	if (!err)
		err = nbr_change_state(dev, &r, "new-current-uuid --clear-bitmap",
				       extack);
out_put:
	nbr_put_local(dev);
out:
	if (conn)
		nbr_put_conn(conn);
	return err;
}

/* outdate: our data must not be promoted. Caller holds conf_lock. */
int nbr_outdate(struct nbr_device *dev, struct netlink_ext_ack *extack)
{
	struct nbr_state st = nbr_get_state(dev);
	struct nbr_state_req r;

	lockdep_assert_held(&dev->conf_lock);
	if (st.role == NBR_R_PRIMARY) {
		nbr_extack(extack, "nb%u is Primary; a Primary's data cannot be outdated",
			   dev->minor);
		return -EBUSY;
	}
	if (st.conn >= NBR_C_CONNECTED && st.peer_role == NBR_R_PRIMARY) {
		nbr_extack(extack, "nb%u is connected to a Primary and receives its writes; disconnect first",
			   dev->minor);
		return -EBUSY;
	}
	if (st.disk != NBR_D_UPTODATE && st.disk != NBR_D_CONSISTENT &&
	    st.disk != NBR_D_OUTDATED) {
		nbr_extack(extack, "nb%u's disk is %s; only consistent data can be outdated",
			   dev->minor, nbr_disk_str(st.disk));
		return -EINVAL;
	}
	nbr_state_req_init(&r);
	r.disk = NBR_D_OUTDATED;
	return nbr_change_state(dev, &r, "outdate", extack);
}

/*
 * After 'primary --force' made this disk UpToDate: its data starts a new
 * generation, and a connected peer without good data gets all of it
 * (the initial full sync of a new pair). Caller holds conf_lock.
 */
void nbr_sync_after_force(struct nbr_device *dev, enum nbr_disk_state was)
{
	struct nbr_state st = nbr_get_state(dev);
	struct nbr_conn *conn;
	struct nbr_md *md;
	struct nbr_gi gi;
	u32 flags;

	lockdep_assert_held(&dev->conf_lock);
	if (was == NBR_D_UPTODATE || st.disk != NBR_D_UPTODATE)
		return;
	conn = live_conn(dev);
	if (!conn)
		return;		/* alone: promotion made the new generation */
	md = get_md(dev);
	if (md) {
		gi_begin(md, &gi, &flags);
		nbr_gi_new_current(&gi, &flags, new_uuid(), true);
		if (gi_commit(dev, md, &gi, flags))
			nbr_err(dev, "cannot write the new generation identifier\n");
		nbr_put_local(dev);
	}
	if (st.conn == NBR_C_CONNECTED && st.peer_disk != NBR_D_UPTODATE &&
	    st.peer_disk != NBR_D_DISKLESS &&
	    nbr_sync_start_source(conn, true))
		nbr_err(dev, "cannot start the full sync to the peer\n");
	nbr_put_conn(conn);
}
