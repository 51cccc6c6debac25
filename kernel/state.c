// SPDX-License-Identifier: GPL-2.0-only
/*
 * State changes. nbr_change_state() is the only writer of dev->st: it
 * builds the new state from the old one, checks the step against the rules
 * of kernel/lib/state.c, commits it under dev->lock (where the I/O path
 * and open() read it) and multicasts an event. Role changes with their
 * preconditions live here too.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netlink.h>

#include "nbr_net.h"
#include "nbr_md.h"
#include "nbr_state_rules.h"

void nbr_state_req_init(struct nbr_state_req *r)
{
	r->role = NBR_KEEP;
	r->peer_role = NBR_KEEP;
	r->conn = NBR_KEEP;
	r->disk = NBR_KEEP;
	r->peer_disk = NBR_KEEP;
	r->peer_conn = NBR_KEEP;
	r->refuse_if_open = false;
}

struct nbr_state nbr_get_state(struct nbr_device *dev)
{
	struct nbr_state st;
	unsigned long flags;

	spin_lock_irqsave(&dev->lock, flags);
	st = dev->st;
	spin_unlock_irqrestore(&dev->lock, flags);
	return st;
}

/* A peer's STATE older than the resync we started: no news of its disk. */
static bool stale_peer_disk(const struct nbr_state *ns,
			    const struct nbr_state_req *r)
{
	return r->peer_conn != NBR_KEEP &&
	       nbr_peer_state_predates_sync(ns->conn, r->peer_conn,
					    r->peer_disk);
}

static void apply_req(struct nbr_state *ns, const struct nbr_state_req *r)
{
	if (r->role != NBR_KEEP)
		ns->role = r->role;
	if (r->peer_role != NBR_KEEP)
		ns->peer_role = r->peer_role;
	if (r->conn != NBR_KEEP)
		ns->conn = r->conn;
	if (r->disk != NBR_KEEP)
		ns->disk = r->disk;
	if (r->peer_disk != NBR_KEEP && !stale_peer_disk(ns, r))
		ns->peer_disk = r->peer_disk;
}

static void log_change(struct nbr_device *dev, const struct nbr_state *o,
		       const struct nbr_state *n, const char *why)
{
	nbr_info(dev, "%s/%s %s %s/%s -> %s/%s %s %s/%s (%s)\n",
		 nbr_role_str(o->role), nbr_role_str(o->peer_role),
		 nbr_conn_str(o->conn), nbr_disk_str(o->disk),
		 nbr_disk_str(o->peer_disk), nbr_role_str(n->role),
		 nbr_role_str(n->peer_role), nbr_conn_str(n->conn),
		 nbr_disk_str(n->disk), nbr_disk_str(n->peer_disk), why);
}

/*
 * Change the state as @r asks, or nothing at all. @why ends up in the log
 * and in the event. Returns 0 (also when nothing changed), -EBUSY when
 * @r->refuse_if_open and the device is open, or -EINVAL when a rule
 * refuses (the rule's text goes to @extack). May sleep.
 */
int nbr_change_state(struct nbr_device *dev, const struct nbr_state_req *r,
		     const char *why, struct netlink_ext_ack *extack)
{
	struct nbr_state os, ns;
	const char *reason;
	unsigned int open_cnt;
	enum nbr_ss rv;
	u32 seq;

	mutex_lock(&dev->state_mutex);
	spin_lock_irq(&dev->lock);
	os = dev->st;
	ns = os;
	apply_req(&ns, r);
	open_cnt = dev->open_cnt;
	if (r->refuse_if_open && open_cnt) {
		spin_unlock_irq(&dev->lock);
		mutex_unlock(&dev->state_mutex);
		nbr_extack(extack, "nb%u is open (%u users); close it first",
			   dev->minor, open_cnt);
		return -EBUSY;
	}
	rv = nbr_state_check(&os, &ns, &reason);
	if (rv == NBR_SS_SUCCESS)
		dev->st = ns;
	spin_unlock_irq(&dev->lock);

	if (rv != NBR_SS_SUCCESS) {
		mutex_unlock(&dev->state_mutex);
		nbr_extack(extack, "state change refused: %s", reason);
		nbr_info(dev, "refused %s: %s\n", why, reason);
		return -EINVAL;
	}
	if (!memcmp(&os, &ns, sizeof(os))) {
		mutex_unlock(&dev->state_mutex);
		return 0;
	}
	log_change(dev, &os, &ns, why);
	/* The metadata follows before anyone hears of the change. */
	nbr_md_after_state(dev, &os, &ns);
	seq = ++dev->event_seq;
	nbr_nl_event(dev, seq, why);
	if (os.role != ns.role || os.disk != ns.disk)
		nbr_conn_state_changed(dev);
	mutex_unlock(&dev->state_mutex);
	return 0;
}

/*
 * Promote. --force declares the local disk UpToDate: the administrator's
 * word for "this copy is the one to keep" (first promotion of a new
 * pair). Caller holds conf_lock. May sleep.
 */
int nbr_primary(struct nbr_device *dev, bool force,
		struct netlink_ext_ack *extack)
{
	struct nbr_state_req r;
	struct nbr_state st;

	lockdep_assert_held(&dev->conf_lock);
	st = nbr_get_state(dev);
	if (force && st.disk == NBR_D_DISKLESS) {
		nbr_extack(extack, "primary --force needs an attached disk");
		return -ENODEV;
	}
	nbr_state_req_init(&r);
	r.role = NBR_R_PRIMARY;
	if (force)
		r.disk = NBR_D_UPTODATE;
	return nbr_change_state(dev, &r, force ? "primary --force" : "primary",
				extack);
}

/* Demote; refused while /dev/nbX is open. Caller holds conf_lock. */
int nbr_secondary(struct nbr_device *dev, struct netlink_ext_ack *extack)
{
	struct nbr_state_req r;

	lockdep_assert_held(&dev->conf_lock);
	nbr_state_req_init(&r);
	r.role = NBR_R_SECONDARY;
	r.refuse_if_open = true;
	return nbr_change_state(dev, &r, "secondary", extack);
}
