// SPDX-License-Identifier: GPL-2.0-only
/*
 * A cache of free pages for the data path: the pages a peer's writes
 * and resync runs are received into, and the pages resync runs and the
 * peer's reads are read into.
 *
 * Both paths take one page per 4 KiB and give it back moments later.
 * With init_on_alloc (the default in Debian's kernel) the page allocator
 * zeroes every page it hands out; during a full sync that zeroing took a
 * fifth of the SyncTarget's CPU. A page from this cache is reused as it
 * is: a receive or a read always overwrites what the next user looks at,
 * and the pages never leave the module.
 *
 * A page comes back only when ours is the last reference. A page sent
 * with sendpage may still sit in a TCP queue; such a page is put and
 * freed by whoever drops the last reference. The cache keeps at most
 * pool_pages pages and gives them all up under memory pressure.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/shrinker.h>
#include <linux/spinlock.h>

#include "nbr_int.h"

static unsigned int nbr_pool_max = 4096;
module_param_named(pool_pages, nbr_pool_max, uint, 0644);
MODULE_PARM_DESC(pool_pages,
		 "Free pages kept for reuse by replication and resync (default 4096, 0 keeps none)");

/*
 * pool_lock protects pool_list (free pages linked by page->lru) and
 * pool_count. Pages come back from bio completions, so it is taken with
 * interrupts off.
 */
static DEFINE_SPINLOCK(pool_lock);
static LIST_HEAD(pool_list);
static unsigned long pool_count;

/* A page for data, from the cache or else from the allocator. */
struct page *nbr_page_get(gfp_t gfp)
{
	struct page *page = NULL;
	unsigned long flags;

	spin_lock_irqsave(&pool_lock, flags);
	if (pool_count) {
		page = list_first_entry(&pool_list, struct page, lru);
		list_del(&page->lru);
		pool_count--;
	}
	spin_unlock_irqrestore(&pool_lock, flags);
	return page ? page : alloc_page(gfp);
}

/* Give back a page from nbr_page_get(). Any context. */
void nbr_page_put(struct page *page)
{
	unsigned long flags;

	if (page_ref_count(page) == 1) {
		spin_lock_irqsave(&pool_lock, flags);
		if (pool_count < READ_ONCE(nbr_pool_max)) {
			list_add(&page->lru, &pool_list);
			pool_count++;
			page = NULL;
		}
		spin_unlock_irqrestore(&pool_lock, flags);
	}
	if (page)
		put_page(page);
}

/* Free up to @nr cached pages; returns how many were freed. */
static unsigned long pool_shrink(unsigned long nr)
{
	unsigned long flags, freed = 0;
	LIST_HEAD(victims);
	struct page *page, *tmp;

	spin_lock_irqsave(&pool_lock, flags);
	while (freed < nr && pool_count) {
		list_move(pool_list.next, &victims);
		pool_count--;
		freed++;
	}
	spin_unlock_irqrestore(&pool_lock, flags);
	list_for_each_entry_safe(page, tmp, &victims, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
	return freed;
}

static unsigned long pool_count_objects(struct shrinker *s,
					struct shrink_control *sc)
{
	return READ_ONCE(pool_count) ?: SHRINK_EMPTY;
}

static unsigned long pool_scan_objects(struct shrinker *s,
				       struct shrink_control *sc)
{
	return pool_shrink(sc->nr_to_scan) ?: SHRINK_STOP;
}

static struct shrinker pool_shrinker = {
	.count_objects = pool_count_objects,
	.scan_objects = pool_scan_objects,
	.seeks = DEFAULT_SEEKS,
};

int nbr_pages_init(void)
{
	return register_shrinker(&pool_shrinker, "nbr-pages");
}

/* After the last device is gone: no page can come back any more. */
void nbr_pages_exit(void)
{
	unregister_shrinker(&pool_shrinker);
	pool_shrink(ULONG_MAX);
}
