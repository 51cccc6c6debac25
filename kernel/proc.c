// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/drbd, in the format DRBD 8.4 users and scripts know: the version
 * line, then two lines per configured minor. Counters that belong to parts
 * not built yet (network, activity log, bitmap) are shown as 0, which is
 * their true value in this build.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "nbr_int.h"
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

/* Snapshot of one device in /proc's units. Caller holds nbr_devs_lock. */
static void nbr_proc_fill(struct nbr_device *dev, struct nbr_proc_dev *d)
{
	memset(d, 0, sizeof(*d));
	spin_lock_irq(&dev->lock);
	d->st = dev->st;
	d->lo = dev->local_cnt;
	d->ap = dev->local_cnt;
	spin_unlock_irq(&dev->lock);
	d->has_net = false;
	d->blocked = NBR_BLK_NONE;
	d->dw_kib = atomic64_read(&dev->disk_write_sect) >> 1;
	d->dr_kib = atomic64_read(&dev->disk_read_sect) >> 1;
	/* Flushes and FUA are passed to the backing device as they come. */
	d->wo = NBR_WO_FLUSH;
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
