// SPDX-License-Identifier: GPL-2.0-only
/*
 * The minor table and the block devices /dev/nb<minor>: creation on
 * request, open/release with the role rules, deletion.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/slab.h>

#include "nbr_net.h"
#include "nbr_state_rules.h"

/*
 * nbr_devs[minor] is the device or NULL. The array is allocated once at
 * load (nbr_minor_count entries). Protected by nbr_devs_lock, which also
 * keeps a looked-up device alive: devices are freed only with it held.
 */
DEFINE_MUTEX(nbr_devs_lock);
static struct nbr_device **nbr_devs;

struct nbr_device *nbr_find_device(unsigned int minor)
{
	lockdep_assert_held(&nbr_devs_lock);
	if (minor >= nbr_minor_count)
		return NULL;
	return nbr_devs[minor];
}

/*
 * Every open goes through here, read-only ones too: a Secondary's data may
 * change under a reader at any moment and must never be mounted, so it is
 * refused outright. May sleep (called with disk->open_mutex held).
 */
static int nbr_open(struct block_device *bdev, fmode_t mode)
{
	struct nbr_device *dev = bdev->bd_disk->private_data;
	enum nbr_role role;
	int err = 0;

	spin_lock_irq(&dev->lock);
	role = dev->st.role;
	if (dev->dying)
		err = -ENXIO;
	else if (role != NBR_R_PRIMARY)
		err = -EMEDIUMTYPE;
	else
		dev->open_cnt++;
	spin_unlock_irq(&dev->lock);

	if (err == -EMEDIUMTYPE)
		nbr_warn_rl(dev, "refusing open by %s[%d]: device is %s, not Primary\n",
			    current->comm, task_pid_nr(current),
			    role == NBR_R_SECONDARY ? "Secondary" : "Unknown");
	return err;
}

static void nbr_release(struct gendisk *disk, fmode_t mode)
{
	struct nbr_device *dev = disk->private_data;

	spin_lock_irq(&dev->lock);
	dev->open_cnt--;
	spin_unlock_irq(&dev->lock);
}

static const struct block_device_operations nbr_fops = {
	.owner = THIS_MODULE,
	.submit_bio = nbr_submit_bio,
	.open = nbr_open,
	.release = nbr_release,
};

static struct nbr_device *nbr_alloc_device(unsigned int minor,
					   const char *resource)
{
	struct nbr_device *dev;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return NULL;
	dev->minor = minor;
	strscpy(dev->resource, resource, sizeof(dev->resource));
	mutex_init(&dev->conf_lock);
	mutex_init(&dev->state_mutex);
	spin_lock_init(&dev->lock);
	init_waitqueue_head(&dev->local_wait);
	INIT_WORK(&dev->io_error_work, nbr_io_error_work);
	INIT_WORK(&dev->al_work, nbr_al_work);
	bio_list_init(&dev->al_bios);
	/* The creation state; every later change is checked. */
	dev->st.role = NBR_R_SECONDARY;
	dev->st.peer_role = NBR_R_UNKNOWN;
	dev->st.conn = NBR_C_STANDALONE;
	dev->st.disk = NBR_D_DISKLESS;
	dev->st.peer_disk = NBR_D_DUNKNOWN;
	dev->on_io_error = NBR_IOERR_DETACH;
	atomic64_set(&dev->disk_write_sect, 0);
	atomic64_set(&dev->disk_read_sect, 0);
	atomic_set(&dev->app_pending, 0);
	return dev;
}

/* A gendisk without capacity: attach sets the size. May sleep. */
static int nbr_add_disk(struct nbr_device *dev)
{
	struct gendisk *disk;
	int err;

	disk = blk_alloc_disk(NUMA_NO_NODE);
	if (!disk)
		return -ENOMEM;
	disk->major = nbr_major;
	disk->first_minor = dev->minor;
	disk->minors = 1;
	disk->fops = &nbr_fops;
	disk->private_data = dev;
	/* No partition scan: a Secondary refuses the scanner's open anyway. */
	disk->flags |= GENHD_FL_NO_PART;
	snprintf(disk->disk_name, sizeof(disk->disk_name), "nb%u", dev->minor);
	/* Flush and FUA reach us and are passed on, not dropped. */
	blk_queue_write_cache(disk->queue, true, true);
	/*
	 * Writes go to the peer without a copy: a page that changed while in
	 * flight could reach the peer with other bytes than the local disk.
	 */
	blk_queue_flag_set(QUEUE_FLAG_STABLE_WRITES, disk->queue);
	/* The largest write one data packet can carry. */
	blk_queue_max_hw_sectors(disk->queue, NBR_MAX_BIO_SIZE >> SECTOR_SHIFT);
	set_capacity(disk, 0);

	err = add_disk(disk);
	if (err)
		goto out_put_disk;
	dev->disk = disk;
	return 0;

out_put_disk:
	put_disk(disk);
	return err;
}

/* Called with nbr_devs_lock held (netlink). May sleep. */
int nbr_new_minor(unsigned int minor, const char *resource,
		  struct netlink_ext_ack *extack)
{
	struct nbr_device *dev;
	int err;

	lockdep_assert_held(&nbr_devs_lock);
	if (minor >= nbr_minor_count) {
		nbr_extack(extack,
				   "minor %u is out of range: the module was loaded with minor_count=%u",
				   minor, nbr_minor_count);
		return -ERANGE;
	}
	if (nbr_devs[minor]) {
		nbr_extack(extack, "minor %u exists already (resource %s)",
				   minor, nbr_devs[minor]->resource);
		return -EEXIST;
	}
	dev = nbr_alloc_device(minor, resource);
	if (!dev)
		return -ENOMEM;
	err = nbr_add_disk(dev);
	if (err) {
		nbr_extack(extack, "cannot register the block device");
		goto out_free_dev;
	}
	nbr_devs[minor] = dev;
	nbr_info(dev, "created\n");
	return 0;

out_free_dev:
	kfree(dev);
	return err;
}

/*
 * Remove the gendisk and free @dev. Nothing may use it any more: it is
 * detached, so no bio can queue the error work again. Called without
 * conf_lock (the work takes it).
 */
static void nbr_free_device(struct nbr_device *dev)
{
	cancel_work_sync(&dev->io_error_work);
	flush_work(&dev->al_work);
	del_gendisk(dev->disk);
	put_disk(dev->disk);
	mutex_destroy(&dev->conf_lock);
	mutex_destroy(&dev->state_mutex);
	kfree(dev);
}

/*
 * Delete an unconfigured, closed device. Called with nbr_devs_lock held.
 * May sleep.
 */
int nbr_del_minor(struct nbr_device *dev, struct netlink_ext_ack *extack)
{
	struct nbr_state st;
	int err = 0;

	lockdep_assert_held(&nbr_devs_lock);
	mutex_lock(&dev->conf_lock);
	spin_lock_irq(&dev->lock);
	st = dev->st;
	if (dev->open_cnt) {
		nbr_extack(extack, "nb%u is open (%u users); close it first",
				   dev->minor, dev->open_cnt);
		err = -EBUSY;
	} else if (st.role != NBR_R_SECONDARY || st.disk != NBR_D_DISKLESS ||
		   st.conn != NBR_C_STANDALONE || dev->conn) {
		nbr_extack(extack,
				   "nb%u is still configured (%s, %s, %s); run 'down' first",
				   dev->minor, nbr_role_str(st.role),
				   nbr_conn_str(st.conn), nbr_disk_str(st.disk));
		err = -EBUSY;
	} else {
		dev->dying = true;
	}
	spin_unlock_irq(&dev->lock);
	mutex_unlock(&dev->conf_lock);
	if (err)
		return err;

	nbr_devs[dev->minor] = NULL;
	nbr_info(dev, "deleted\n");
	nbr_free_device(dev);
	return 0;
}

int nbr_devices_init(void)
{
	nbr_devs = kcalloc(nbr_minor_count, sizeof(*nbr_devs), GFP_KERNEL);
	return nbr_devs ? 0 : -ENOMEM;
}

/*
 * Module unload: no device can be open (an open holds a module reference),
 * and the netlink family is gone, so nothing else runs. Tear down what is
 * left, as 'down' would.
 */
void nbr_devices_exit(void)
{
	struct nbr_device *dev;
	unsigned int i;

	mutex_lock(&nbr_devs_lock);
	for (i = 0; i < nbr_minor_count; i++) {
		dev = nbr_devs[i];
		if (!dev)
			continue;
		spin_lock_irq(&dev->lock);
		dev->dying = true;
		spin_unlock_irq(&dev->lock);
		mutex_lock(&dev->conf_lock);
		nbr_net_disconnect(dev, NULL);
		nbr_detach(dev, true, NULL);
		mutex_unlock(&dev->conf_lock);
		nbr_devs[i] = NULL;
		nbr_free_device(dev);
	}
	mutex_unlock(&nbr_devs_lock);
	kfree(nbr_devs);
	nbr_devs = NULL;
}
