// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/drbd, in the format DRBD 8.4 users and scripts know: the version
 * line, then two lines per configured minor. Counters that belong to parts
 * not built yet (activity log, bitmap) are shown as 0, which is their true
 * value in this build.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "nbr_net.h"
#include "nbr_md.h"
#include "nbr_proc_fmt.h"

#define NBR_PROC_NAME "drbd"

/*
 * Does /proc/drbd exist already (the in-tree drbd module, or a stale
 * entry)? Asked before proc_create_single(), which would WARN about a
 * duplicate name. Looked up through the path because procfs has no
 * exported "find entry" call. May sleep.
 *
 * This narrows, but cannot close, the window in which drbd.ko loads
 * between this check and our registration; proc_create_single() then
 * fails and nbr_proc_init() reports it.
 */
bool nbr_proc_taken(void)
{
	struct path path;

	if (kern_path("/proc/" NBR_PROC_NAME, 0, &path))
		return false;
	path_put(&path);
	return true;
}

/*
 * The counters of @dev. Caller holds nbr_devs_lock, which keeps dev->conn
 * from being freed: every netlink request (disconnect too) runs with it.
 */
void nbr_get_counters(struct nbr_device *dev, struct nbr_counters *c)
{
	struct nbr_epoch_rec *rec;
	struct nbr_conn *conn;

	lockdep_assert_held(&nbr_devs_lock);
	memset(c, 0, sizeof(*c));
	spin_lock_irq(&dev->lock);
	c->lo = dev->local_cnt;
	conn = dev->conn;
	spin_unlock_irq(&dev->lock);
	c->ap = atomic_read(&dev->app_pending);
	c->dw_kib = atomic64_read(&dev->disk_write_sect) >> 1;
	c->dr_kib = atomic64_read(&dev->disk_read_sect) >> 1;
	nbr_md_counters(dev, &c->oos_kib, &c->al_writes, &c->bm_writes);
	if (!conn)
		return;
	c->ns_kib = atomic64_read(&conn->sent_sect) >> 1;
	c->nr_kib = atomic64_read(&conn->recv_sect) >> 1;
	c->rs_sent_kib = atomic64_read(&conn->rs_sent_sect) >> 1;
	c->rs_recv_kib = atomic64_read(&conn->rs_recv_sect) >> 1;
	c->pe = atomic_read(&conn->pending);
	c->ua = atomic_read(&conn->unacked);
	spin_lock_irq(&conn->lock);
	if (conn->replicating) {
		c->ep = 1;
		list_for_each_entry(rec, &conn->epochs, list)
			c->ep++;
	}
	spin_unlock_irq(&conn->lock);
}

/* Snapshot of one device in /proc's units. Caller holds nbr_devs_lock. */
static void nbr_proc_fill(struct nbr_device *dev, struct nbr_proc_dev *d)
{
	struct nbr_counters c;

	memset(d, 0, sizeof(*d));
	nbr_get_counters(dev, &c);
	d->st = nbr_get_state(dev);
	spin_lock_irq(&dev->lock);
	if (dev->conn) {
		d->has_net = true;
		d->proto = dev->conn->conf.proto;
	}
	spin_unlock_irq(&dev->lock);
	d->blocked = NBR_BLK_NONE;
	d->ns_kib = c.ns_kib;
	d->nr_kib = c.nr_kib;
	d->dw_kib = c.dw_kib;
	d->dr_kib = c.dr_kib;
	d->lo = c.lo;
	d->pe = c.pe;
	d->ua = c.ua;
	d->ap = c.ap;
	d->ep = c.ep;
	d->oos_kib = c.oos_kib;
	d->al_writes = c.al_writes;
	d->bm_writes = c.bm_writes;
	/* Flushes and FUA are passed to the backing device as they come. */
	d->wo = NBR_WO_FLUSH;
}

/* The progress lines of a running resync or verify; 0 when none runs. */
static int nbr_proc_show_sync(struct nbr_device *dev, char *buf, size_t size)
{
	struct nbr_rs_progress p;
	struct nbr_proc_sync s = {};

	if (!nbr_rs_progress(dev, &p))
		return 0;
	s.total_kib = p.total_kib;
	s.left_kib = p.left_kib;
	s.speed_kib = p.speed_kib;
	s.avg_speed_kib = p.avg_speed_kib;
	s.verify = p.verify;
	s.paused = p.paused;
	return nbr_proc_format_sync(buf, size, &s);
}

/* DRBD shows a minor without disk and network as "Unconfigured". */
static bool nbr_proc_unconfigured(const struct nbr_state *st)
{
	return st->role == NBR_R_SECONDARY && st->disk == NBR_D_DISKLESS &&
	       st->conn == NBR_C_STANDALONE;
}

static int nbr_proc_show(struct seq_file *m, void *v)
{
	struct nbr_proc_dev d;
	struct nbr_device *dev;
	unsigned int minor;
	char buf[320];
	int len;

	len = nbr_proc_format_version(buf, sizeof(buf));
	if (len < 0)
		return len;
	seq_puts(m, buf);

	mutex_lock(&nbr_devs_lock);
	for (minor = 0; minor < nbr_minor_count; minor++) {
		dev = nbr_find_device(minor);
		if (!dev)
			continue;
		nbr_proc_fill(dev, &d);
		if (nbr_proc_unconfigured(&d.st))
			len = nbr_proc_format_unconfigured(buf, sizeof(buf),
							   minor);
		else
			len = nbr_proc_format_dev(buf, sizeof(buf), minor, &d);
		if (len < 0)
			break;
		seq_puts(m, buf);
		len = nbr_proc_show_sync(dev, buf, sizeof(buf));
		if (len < 0)
			break;
		if (len)
			seq_puts(m, buf);
	}
	mutex_unlock(&nbr_devs_lock);
	return len < 0 ? len : 0;
}

int nbr_proc_init(void)
{
	if (!proc_create_single(NBR_PROC_NAME, 0444, NULL, nbr_proc_show))
		return -EEXIST;
	return 0;
}

void nbr_proc_exit(void)
{
	remove_proc_entry(NBR_PROC_NAME, NULL);
}
