// SPDX-License-Identifier: GPL-2.0-only
/*
 * nbr: a block device replicated to one peer over TCP (DRBD-like).
 *
 * Module entry and exit: the block major, the free-page cache of the
 * data path, the bio set, the device table, /proc/drbd and the generic
 * netlink family, in that order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include <nbr/genl.h>
#include <nbr/version.h>

#include "nbr_int.h"

/* Device nodes are /dev/nb<minor>; the major is dynamic. */
#define NBR_BLKDEV_NAME "nb"

unsigned int nbr_minor_count = 32;
module_param_named(minor_count, nbr_minor_count, uint, 0444);
MODULE_PARM_DESC(minor_count,
		 "Maximum number of devices /dev/nbX (1-255, default 32)");

/*
 * Never a fixed major: DRBD 0.6 took NBD's 43 and collided with nbd.ko.
 * Written once in nbr_init().
 */
int nbr_major;

static int __init nbr_init(void)
{
	int err;

	if (nbr_minor_count < 1 || nbr_minor_count > NBR_MINOR_COUNT_MAX) {
		pr_err("minor_count=%u is out of range 1..%d\n", nbr_minor_count,
		       NBR_MINOR_COUNT_MAX);
		return -EINVAL;
	}
	/*
	 * Both want /proc/drbd, and users' scripts read it: rather than
	 * show a half-working module, refuse to load next to drbd.ko.
	 */
	if (nbr_proc_taken()) {
		pr_err("/proc/drbd exists: the in-tree drbd module is loaded; unload it (rmmod drbd) before loading nbr\n");
		return -EBUSY;
	}

	nbr_major = register_blkdev(0, NBR_BLKDEV_NAME);
	if (nbr_major < 0) {
		pr_err("cannot allocate a block major: %d\n", nbr_major);
		return nbr_major;
	}

	err = nbr_pages_init();
	if (err)
		goto out_unregister_blkdev;
	err = nbr_req_init();
	if (err)
		goto out_pages_exit;
	err = nbr_devices_init();
	if (err)
		goto out_req_exit;
	err = nbr_proc_init();
	if (err) {
		pr_err("cannot create /proc/drbd (did drbd.ko just load?): %d\n",
		       err);
		goto out_devices_exit;
	}
	err = nbr_nl_init();
	if (err) {
		pr_err("cannot register the generic netlink family \"%s\": %d\n",
		       NBR_GENL_NAME, err);
		goto out_proc_exit;
	}

	pr_info("version %s loaded, block major %d, minor_count %u\n",
		NBR_VERSION, nbr_major, nbr_minor_count);
	return 0;

out_proc_exit:
	nbr_proc_exit();
out_devices_exit:
	nbr_devices_exit();
out_req_exit:
	nbr_req_exit();
out_pages_exit:
	nbr_pages_exit();
out_unregister_blkdev:
	unregister_blkdev(nbr_major, NBR_BLKDEV_NAME);
	return err;
}

static void __exit nbr_exit(void)
{
	/* No new request after this; then nothing can reach a device. */
	nbr_nl_exit();
	nbr_proc_exit();
	nbr_devices_exit();
	nbr_req_exit();
	nbr_pages_exit();
	unregister_blkdev(nbr_major, NBR_BLKDEV_NAME);
	pr_info("unloaded\n");
}

module_init(nbr_init);
module_exit(nbr_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nbr: replicated block device mirrored to a peer over TCP");
MODULE_VERSION(NBR_VERSION);
