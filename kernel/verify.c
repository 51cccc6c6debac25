// SPDX-License-Identifier: GPL-2.0-only
/*
 * Online verify: the node that ran 'verify' (VerifyS) reads runs of 4 KiB
 * blocks, sends one digest per block (verify-alg) in VERIFY_REQ; the peer
 * (VerifyT) reads the same blocks after every write it received before,
 * and answers which differ. Those are marked out of sync in the
 * initiator's bitmap, so the next connect resyncs them. The initiator's
 * runs exclude application writes exactly like resync runs (resync.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/bio.h>
#include <linux/highmem.h>
#include <linux/slab.h>

#include "nbr_net.h"
#include "nbr_state_rules.h"

static const char *const digest_names[] = {
	[NBR_DIGEST_CRC32C] = "crc32c",
	[NBR_DIGEST_SHA1] = "sha1",
	[NBR_DIGEST_SHA256] = "sha256",
	[NBR_DIGEST_MD5] = "md5",
};

/* The connection's digest transform for @alg; worker or receiver only. */
static struct crypto_shash *verify_tfm(struct nbr_conn *conn,
				       enum nbr_digest_alg alg)
{
	struct crypto_shash *tfm;

	if (conn->verify_tfm && conn->verify_alg == alg)
		return conn->verify_tfm;
	if (alg < NBR_DIGEST_CRC32C || alg > NBR_DIGEST_MD5)
		return ERR_PTR(-EINVAL);
	tfm = crypto_alloc_shash(digest_names[alg], 0, 0);
	if (IS_ERR(tfm))
		return tfm;
	if (crypto_shash_digestsize(tfm) != nbr_digest_len(alg)) {
		crypto_free_shash(tfm);
		return ERR_PTR(-EINVAL);
	}
	if (conn->verify_tfm)
		crypto_free_shash(conn->verify_tfm);
	conn->verify_tfm = tfm;
	conn->verify_alg = alg;
	return tfm;
}

/* One digest per 4 KiB block of @req's pages into @out. */
static int digests_of(struct crypto_shash *tfm, struct nbr_req *req, u8 *out)
{
	unsigned int dlen = crypto_shash_digestsize(tfm);
	struct bvec_iter_all it;
	struct bio_vec *bv;
	void *p;
	int err = 0;

	bio_for_each_segment_all(bv, req->bio, it) {
		p = kmap_local_page(bv->bv_page);
		err = crypto_shash_tfm_digest(tfm, p + bv->bv_offset,
					      bv->bv_len, out);
		kunmap_local(p);
		if (err)
			break;
		out += dlen;
	}
	return err;
}

/* verify: start an online verify from @start_sector. conf_lock held. */
int nbr_verify_start(struct nbr_device *dev, u64 start_sector,
		     struct netlink_ext_ack *extack)
{
	struct nbr_state st = nbr_get_state(dev);
	struct nbr_state_req r;
	struct nbr_conn *conn;
	struct crypto_shash *tfm;
	u64 start_bit, end;
	int err = -EBUSY;

	conn = nbr_get_conn(dev);
	if (!conn || st.conn != NBR_C_CONNECTED) {
		nbr_extack(extack, "verify needs a Connected peer and no resync running");
		err = -ENOTCONN;
		goto out;
	}
	if (st.disk != NBR_D_UPTODATE || st.peer_disk != NBR_D_UPTODATE) {
		nbr_extack(extack, "verify compares two UpToDate disks; these are %s/%s",
			   nbr_disk_str(st.disk), nbr_disk_str(st.peer_disk));
		goto out;
	}
	end = conn->agreed.dev_sectors >> (NBR_BM_BIT_SHIFT - SECTOR_SHIFT);
	start_bit = start_sector >> (NBR_BM_BIT_SHIFT - SECTOR_SHIFT);
	if (start_bit >= end) {
		nbr_extack(extack, "start sector %llu is beyond the end of the device",
			   start_sector);
		err = -EINVAL;
		goto out;
	}
	tfm = verify_tfm(conn, conn->conf.verify_alg);
	if (IS_ERR(tfm)) {
		nbr_extack(extack, "verify-alg %s is not available in this kernel",
			   digest_names[conn->conf.verify_alg]);
		err = PTR_ERR(tfm);
		goto out;
	}
	nbr_state_req_init(&r);
	r.conn = NBR_C_VERIFYS;
	err = nbr_change_state(dev, &r, "verify", extack);
	if (err)
		goto out;
	spin_lock_irq(&conn->lock);
	memset(&conn->rs.mark_bits, 0, sizeof(conn->rs.mark_bits));
	memset(&conn->rs.mark_time, 0, sizeof(conn->rs.mark_time));
	conn->rs.verify = true;
	conn->rs.source = true;
	conn->rs.running = true;
	conn->rs.done_sent = false;
	conn->rs.cursor = start_bit;
	conn->rs.total_bits = end - start_bit;
	conn->rs.done_bits = 0;
	conn->rs.oos_found = 0;
	conn->rs.inflight = 0;
	conn->rs.start = jiffies;
	conn->rs.paused_total = 0;
	conn->rs.mark_last = 0;
	conn->rs.mark_time[0] = jiffies;
	spin_unlock_irq(&conn->lock);
	nbr_info(dev, "online verify started at sector %llu (%s)\n",
		 start_sector, digest_names[conn->conf.verify_alg]);
	nbr_resync_kick(conn);
out:
	if (conn)
		nbr_put_conn(conn);
	return err;
}

static int send_verify_req(struct nbr_conn *conn, struct nbr_req *req)
{
	struct crypto_shash *tfm = conn->verify_tfm;
	u32 blocks = req->size / NBR_RS_BLOCK;
	struct nbr_verify_req v = {
		.sector = req->sector, .block_id = req->read_id,
		.blocks = blocks, .alg = conn->verify_alg,
		.digest_len = crypto_shash_digestsize(tfm),
	};
	size_t room = sizeof(struct nbr_header) +
		      sizeof(struct nbr_p_verify_req) +
		      NBR_VERIFY_BLOCKS_MAX * NBR_VERIFY_DIGEST_MAX;
	u8 *buf, *dig;
	int err;

	buf = kmalloc(2 * room, GFP_NOIO);
	if (!buf)
		return -ENOMEM;
	dig = buf + room;
	err = digests_of(tfm, req, dig);
	if (!err) {
		v.digests = dig;
		err = nbr_send_packet(conn, NBR_SOCK_DATA, buf,
				      nbr_encode_verify_req(buf, room, &v));
	}
	kfree(buf);
	return err;
}

static void finish_verify(struct nbr_conn *conn)
{
	u8 buf[sizeof(struct nbr_header)];
	struct nbr_device *dev = conn->dev;
	struct block_device *bdev;
	struct nbr_state_req r;
	u64 checked, oos;

	if (nbr_get_local(dev, &bdev)) {
		if (dev->md)
			nbr_bm_write_dirty(dev, dev->md);
		nbr_put_local(dev);
	}
	spin_lock_irq(&conn->lock);
	conn->rs.done_sent = true;
	conn->rs.running = false;
	checked = conn->rs.done_bits;
	oos = conn->rs.oos_found;
	spin_unlock_irq(&conn->lock);
	nbr_send_packet(conn, NBR_SOCK_DATA, buf,
			nbr_encode_ping(buf, sizeof(buf), NBR_P_VERIFY_DONE));
	nbr_state_req_init(&r);
	r.conn = NBR_C_CONNECTED;
	nbr_change_state(dev, &r, "verify done", NULL);
	nbr_info(dev, "online verify done: %llu KiB checked, %llu KiB out of sync%s\n",
		 checked * 4, oos * 4,
		 oos ? " (marked: they resync after the next disconnect/connect)" :
		 "");
}

/*
 * One step of the verify run, from the resync worker: send the next run
 * of digests, or finish. 0, or an error that ends the worker's round.
 */
int nbr_verify_round(struct nbr_conn *conn)
{
	struct nbr_device *dev = conn->dev;
	u64 end = conn->agreed.dev_sectors >> (NBR_BM_BIT_SHIFT - SECTOR_SHIFT);
	struct block_device *bdev;
	struct nbr_req *req;
	u64 bit, n;
	bool finish, send;
	int err;

	spin_lock_irq(&conn->lock);
	bit = conn->rs.cursor;
	finish = bit >= end && !conn->rs.inflight && !conn->rs.done_sent;
	send = bit < end && conn->rs.inflight < (2u << 20) &&
	       conn->rs.running && !conn->fail_state;
	spin_unlock_irq(&conn->lock);
	if (finish) {
		finish_verify(conn);
		return 0;
	}
	if (!send)
		return 0;
	if (!nbr_get_local(dev, &bdev))
		return -ENODEV;
	n = min_t(u64, NBR_VERIFY_BLOCKS_MAX, end - bit);
	spin_lock_irq(&conn->lock);
	conn->rs.cursor = bit + n;
	conn->rs.busy_sector = bit << (NBR_BM_BIT_SHIFT - SECTOR_SHIFT);
	conn->rs.busy_size = n * NBR_RS_BLOCK;
	spin_unlock_irq(&conn->lock);
	nbr_wait_rs_idle(conn, conn->rs.busy_sector, conn->rs.busy_size);
	req = nbr_rs_read(conn, bdev, bit, n);
	nbr_put_local(dev);
	err = PTR_ERR_OR_ZERO(req);
	if (!err) {
		spin_lock_irq(&conn->lock);
		req->read_id = ++conn->rs.next_id;
		conn->rs.inflight += req->size;
		list_add_tail(&req->list, &conn->rs_tl);
		spin_unlock_irq(&conn->lock);
		/* Out before any later write to the range (still held). */
		err = send_verify_req(conn, req);
	}
	spin_lock_irq(&conn->lock);
	conn->rs.busy_size = 0;
	spin_unlock_irq(&conn->lock);
	wake_up_all(&conn->wait);
	if (err)
		nbr_conn_fail(conn, NBR_C_NETWORKFAILURE, "verify failed");
	return err;
}

/* VERIFY_REPLY (asender): mark what differs. */
int nbr_got_verify_reply(struct nbr_conn *conn,
			 const struct nbr_verify_reply *v)
{
	struct nbr_device *dev = conn->dev;
	struct nbr_req *req, *found = NULL;
	struct block_device *bdev;
	u32 blocks, i, oos = 0;

	spin_lock_irq(&conn->lock);
	list_for_each_entry(req, &conn->rs_tl, list) {
		if (req->read_id == v->block_id) {
			if (req->sector == v->sector)
				found = req;
			break;
		}
	}
	if (found) {
		list_del_init(&found->list);
		conn->rs.inflight -= found->size;
	}
	spin_unlock_irq(&conn->lock);
	if (!found)
		return -EPROTO;
	blocks = found->size / NBR_RS_BLOCK;
	if (v->differ && nbr_get_local(dev, &bdev)) {
		for (i = 0; i < blocks; i++) {
			if (!(v->differ & (1ull << i)))
				continue;
			oos++;
			if (dev->md)
				nbr_bm_mark(dev->md, found->sector + i *
					    (NBR_RS_BLOCK >> SECTOR_SHIFT),
					    NBR_RS_BLOCK);
		}
		nbr_put_local(dev);
		nbr_warn_rl(dev, "verify: %u block(s) differ in the 256 KiB at sector %llu\n",
			    oos, found->sector);
	}
	spin_lock_irq(&conn->lock);
	conn->rs.oos_found += oos;
	spin_unlock_irq(&conn->lock);
	nbr_rs_count(conn, blocks);
	nbr_rs_req_free(found);
	wake_up_all(&conn->wait);
	return 0;
}

/* VERIFY_REQ (receiver): compare with our blocks, answer on meta. */
int nbr_receive_verify_req(struct nbr_conn *conn, const void *p, u32 len,
			   const char **reason)
{
	u8 buf[sizeof(struct nbr_header) + sizeof(struct nbr_p_verify_reply)];
	struct nbr_device *dev = conn->dev;
	struct nbr_state st = nbr_get_state(dev);
	struct nbr_verify_reply rep = {};
	struct crypto_shash *tfm;
	struct block_device *bdev;
	struct nbr_state_req r;
	struct nbr_verify_req v;
	struct nbr_req *req;
	u8 *mine;
	u32 i;
	int err;

	err = nbr_decode_verify_req(p, len, &v, reason);
	if (!err)
		err = nbr_verify_check_range(&v, conn->agreed.dev_sectors,
					     reason);
	if (err)
		return err;
	if (st.conn == NBR_C_CONNECTED) {
		nbr_state_req_init(&r);
		r.conn = NBR_C_VERIFYT;
		if (nbr_change_state(dev, &r, "peer verifies", NULL)) {
			*reason = "verify request while not both UpToDate";
			return -EPROTO;
		}
	} else if (st.conn != NBR_C_VERIFYT) {
		*reason = "verify request during a resync";
		return -EPROTO;
	}
	tfm = verify_tfm(conn, v.alg);
	if (IS_ERR(tfm)) {
		*reason = "verify digest not available here";
		return -EPROTO;
	}
	/* Every write received before the request is on the disk first. */
	nbr_wait_peer_writes(conn);
	rep.sector = v.sector;
	rep.block_id = v.block_id;
	if (!nbr_get_local(dev, &bdev)) {
		rep.differ = ~0ull >> (64 - v.blocks);
		goto reply;
	}
	req = nbr_rs_read(conn, bdev,
			  v.sector >> (NBR_BM_BIT_SHIFT - SECTOR_SHIFT),
			  v.blocks);
	nbr_put_local(dev);
	if (IS_ERR(req)) {
		rep.differ = ~0ull >> (64 - v.blocks);
		goto reply;
	}
	mine = kmalloc(NBR_VERIFY_BLOCKS_MAX * NBR_VERIFY_DIGEST_MAX,
		       GFP_NOIO);
	err = mine ? digests_of(tfm, req, mine) : -ENOMEM;
	for (i = 0; i < v.blocks; i++)
		if (err || memcmp(mine + i * v.digest_len,
				  v.digests + i * v.digest_len, v.digest_len))
			rep.differ |= 1ull << i;
	kfree(mine);
	nbr_rs_req_free(req);
reply:
	return nbr_send_packet(conn, NBR_SOCK_META, buf,
			       nbr_encode_verify_reply(buf, sizeof(buf), &rep));
}

/* VERIFY_DONE (receiver): the peer's run is over. */
int nbr_receive_verify_done(struct nbr_conn *conn)
{
	struct nbr_state_req r;

	if (nbr_get_state(conn->dev).conn != NBR_C_VERIFYT)
		return 0;
	nbr_state_req_init(&r);
	r.conn = NBR_C_CONNECTED;
	return nbr_change_state(conn->dev, &r, "peer's verify done", NULL);
}
