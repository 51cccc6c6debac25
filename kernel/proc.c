// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/drbd, in the format DRBD 8.4 users and scripts know. For now it
 * shows the version line only: no device can be configured yet, and the
 * file must never show a state or counter the module does not have.
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

static int nbr_proc_show(struct seq_file *m, void *v)
{
	char line[64];
	int len;

	len = nbr_proc_format_version(line, sizeof(line));
	if (len < 0)
		return len;
	seq_puts(m, line);
	return 0;
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
