// SPDX-License-Identifier: GPL-2.0-only
/*
 * The generic netlink family "nbr" (include/nbr/genl.h): one strict
 * policy for every attribute, admin permission on every mutating command,
 * the target device resolved once in pre_doit, error text in extack, and
 * a multicast group of state-change events.
 *
 * The family is not parallel_ops: the genetlink core runs one request at
 * a time under genl_mutex, and builds the ack before releasing it. That
 * is what makes the one static extack buffer below safe.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <net/genetlink.h>

#include "nbr_net.h"
#include "nbr_md.h"
#include "nbr_state_rules.h"

/* pre_doit resolves NBR_A_MINOR to an existing device. */
#define NBR_NL_NEED_DEV		0x01

static struct genl_family nbr_genl_family;
/* Cleared before unload so late state changes send no event. */
static bool nbr_nl_registered;

/* Text for the ack of the request being handled; see the file comment. */
static char nbr_extack_buf[256];

void nbr_extack(struct netlink_ext_ack *extack, const char *fmt, ...)
{
	va_list args;

	if (!extack)
		return;
	va_start(args, fmt);
	vsnprintf(nbr_extack_buf, sizeof(nbr_extack_buf), fmt, args);
	va_end(args);
	extack->_msg = nbr_extack_buf;
}

static int nbr_validate_addr(const struct nlattr *attr,
			     struct netlink_ext_ack *extack)
{
	const struct sockaddr *sa = nla_data(attr);
	int len = nla_len(attr);

	if (len == sizeof(struct sockaddr_in) && sa->sa_family == AF_INET)
		return 0;
	if (len == sizeof(struct sockaddr_in6) && sa->sa_family == AF_INET6)
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, attr,
			    "address must be a sockaddr_in or sockaddr_in6");
	return -EINVAL;
}

static int nbr_validate_name(const struct nlattr *attr,
			     struct netlink_ext_ack *extack)
{
	if (nbr_name_valid(nla_data(attr)))
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, attr,
			    "names are 1-63 printable characters without spaces or '/'");
	return -EINVAL;
}

/* Resync rates in KiB/s, as drbd.conf allows them (up to 4 GiB/s). */
static struct netlink_range_validation nbr_sockbuf_range = {
	.min = 0, .max = NBR_SOCKBUF_MAX,
};

static struct netlink_range_validation nbr_rate_range = {
	.min = 0, .max = 4194304,
};

static struct netlink_range_validation nbr_max_rate_range = {
	.min = 250, .max = 4194304,
};

/* Wider than NLA_POLICY_RANGE's s16 bounds. */
static struct netlink_range_validation nbr_al_extents_range = {
	.min = NBR_AL_EXTENTS_MIN,
	.max = NBR_AL_EXTENTS_MAX,
};

/* Only what userspace may send; reply-only attributes are rejected. */
static const struct nla_policy nbr_policy[NBR_A_MAX + 1] = {
	[NBR_A_MINOR] = NLA_POLICY_MAX(NLA_U32, NBR_MINOR_COUNT_MAX - 1),
	[NBR_A_RESOURCE] = NLA_POLICY_VALIDATE_FN(NLA_NUL_STRING,
						  nbr_validate_name,
						  NBR_NAME_LEN - 1),
	[NBR_A_BACKING_DEV] = { .type = NLA_NUL_STRING,
				.len = NBR_PATH_MAX - 1 },
	[NBR_A_SIZE_LIMIT] = { .type = NLA_U64 },
	[NBR_A_ON_IO_ERROR] = NLA_POLICY_MAX(NLA_U8, NBR_IOERR_PASS_ON),
	[NBR_A_MY_ADDR] = NLA_POLICY_VALIDATE_FN(NLA_BINARY, nbr_validate_addr,
						 sizeof(struct sockaddr_in6)),
	[NBR_A_PEER_ADDR] = NLA_POLICY_VALIDATE_FN(NLA_BINARY,
						   nbr_validate_addr,
						   sizeof(struct sockaddr_in6)),
	[NBR_A_MY_NAME] = NLA_POLICY_VALIDATE_FN(NLA_NUL_STRING,
						 nbr_validate_name,
						 NBR_NAME_LEN - 1),
	[NBR_A_PEER_NAME] = NLA_POLICY_VALIDATE_FN(NLA_NUL_STRING,
						   nbr_validate_name,
						   NBR_NAME_LEN - 1),
	[NBR_A_PROTOCOL] = NLA_POLICY_RANGE(NLA_U8, NBR_PROT_A, NBR_PROT_C),
	[NBR_A_AUTH_ALG] = NLA_POLICY_MAX(NLA_U8, NBR_AUTH_HMAC_SHA256),
	[NBR_A_SHARED_SECRET] = NLA_POLICY_RANGE(NLA_BINARY, 1,
						 NBR_SECRET_MAX),
	[NBR_A_INTEGRITY_ALG] = NLA_POLICY_MAX(NLA_U8, NBR_INTEGRITY_CRC32C),
	[NBR_A_TIMEOUT] = NLA_POLICY_RANGE(NLA_U32, 1, 600),
	[NBR_A_CONNECT_INT] = NLA_POLICY_RANGE(NLA_U32, 1, 120),
	[NBR_A_PING_INT] = NLA_POLICY_RANGE(NLA_U32, 1, 120),
	[NBR_A_PING_TIMEOUT] = NLA_POLICY_RANGE(NLA_U32, 1, 300),
	[NBR_A_MAX_EPOCH_SIZE] = NLA_POLICY_RANGE(NLA_U32, 1, 20000),
	[NBR_A_KO_COUNT] = NLA_POLICY_MAX(NLA_U32, 200),
	[NBR_A_MD_FLUSHES] = NLA_POLICY_MAX(NLA_U8, 1),
	[NBR_A_SNDBUF_SIZE] = NLA_POLICY_FULL_RANGE(NLA_U32,
						    &nbr_sockbuf_range),
	[NBR_A_RCVBUF_SIZE] = NLA_POLICY_FULL_RANGE(NLA_U32,
						    &nbr_sockbuf_range),
	[NBR_A_FORCE] = { .type = NLA_FLAG },
	[NBR_A_ROLE] = { .type = NLA_REJECT },
	[NBR_A_PEER_ROLE] = { .type = NLA_REJECT },
	[NBR_A_CONN_STATE] = { .type = NLA_REJECT },
	[NBR_A_DISK_STATE] = { .type = NLA_REJECT },
	[NBR_A_PEER_DISK_STATE] = { .type = NLA_REJECT },
	[NBR_A_DEV_SIZE] = { .type = NLA_REJECT },
	[NBR_A_STATS] = { .type = NLA_REJECT },
	[NBR_A_EVENT_SEQ] = { .type = NLA_REJECT },
	[NBR_A_REASON] = { .type = NLA_REJECT },
	[NBR_A_AGREED_PROTO] = { .type = NLA_REJECT },
	[NBR_A_PAD] = { .type = NLA_REJECT },
	[NBR_A_RESYNC_RATE] = NLA_POLICY_FULL_RANGE(NLA_U32, &nbr_rate_range),
	[NBR_A_C_PLAN_AHEAD] = NLA_POLICY_MAX(NLA_U32, 300),
	[NBR_A_C_MAX_RATE] = NLA_POLICY_FULL_RANGE(NLA_U32,
						   &nbr_max_rate_range),
	[NBR_A_C_MIN_RATE] = NLA_POLICY_FULL_RANGE(NLA_U32, &nbr_rate_range),
	[NBR_A_AFTER_SB_0PRI] = NLA_POLICY_MAX(NLA_U8, NBR_ASB0_DISCARD_NODE),
	[NBR_A_AFTER_SB_1PRI] = NLA_POLICY_MAX(NLA_U8,
					       NBR_ASB1_CALL_PRI_LOST_AFTER_SB),
	[NBR_A_AFTER_SB_2PRI] = NLA_POLICY_MAX(NLA_U8,
					       NBR_ASB2_CALL_PRI_LOST_AFTER_SB),
	[NBR_A_ALWAYS_ASBP] = { .type = NLA_FLAG },
	[NBR_A_DISCARD_MY_DATA] = { .type = NLA_FLAG },
	[NBR_A_VERIFY_ALG] = NLA_POLICY_RANGE(NLA_U8, NBR_DIGEST_CRC32C,
					      NBR_DIGEST_MD5),
	[NBR_A_START_SECTOR] = { .type = NLA_U64 },
	[NBR_A_CLEAR_BITMAP] = { .type = NLA_FLAG },
	[NBR_A_META_DEV] = { .type = NLA_NUL_STRING,
			     .len = NBR_PATH_MAX - 1 },
	[NBR_A_META_INDEX] = NLA_POLICY_MAX(NLA_U32, 255),
	[NBR_A_AL_EXTENTS] = NLA_POLICY_FULL_RANGE(NLA_U32,
						   &nbr_al_extents_range),
	[NBR_A_UUID_CURRENT] = { .type = NLA_REJECT },
	[NBR_A_UUID_BITMAP] = { .type = NLA_REJECT },
	[NBR_A_UUID_HISTORY1] = { .type = NLA_REJECT },
	[NBR_A_UUID_HISTORY2] = { .type = NLA_REJECT },
	[NBR_A_MD_FLAGS] = { .type = NLA_REJECT },
	[NBR_A_SYNC] = { .type = NLA_REJECT },
	[NBR_A_DISCARD_NODE] = NLA_POLICY_VALIDATE_FN(NLA_NUL_STRING,
						      nbr_validate_name,
						      NBR_NAME_LEN - 1),
};

static int put_stats(struct sk_buff *skb, struct nbr_device *dev)
{
	struct nbr_counters c;
	struct nlattr *nest;

	nbr_get_counters(dev, &c);
	nest = nla_nest_start(skb, NBR_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, NBR_S_DISK_WRITE_KIB, c.dw_kib, NBR_S_PAD) ||
	    nla_put_u64_64bit(skb, NBR_S_DISK_READ_KIB, c.dr_kib, NBR_S_PAD) ||
	    nla_put_u64_64bit(skb, NBR_S_NET_SENT_KIB, c.ns_kib, NBR_S_PAD) ||
	    nla_put_u64_64bit(skb, NBR_S_NET_RECV_KIB, c.nr_kib, NBR_S_PAD) ||
	    nla_put_u64_64bit(skb, NBR_S_LOCAL_PENDING, c.lo, NBR_S_PAD) ||
	    nla_put_u64_64bit(skb, NBR_S_APP_PENDING, c.ap, NBR_S_PAD) ||
	    nla_put_u64_64bit(skb, NBR_S_PEER_PENDING, c.pe, NBR_S_PAD) ||
	    nla_put_u64_64bit(skb, NBR_S_UNACKED, c.ua, NBR_S_PAD) ||
	    nla_put_u64_64bit(skb, NBR_S_EPOCHS, c.ep, NBR_S_PAD) ||
	    nla_put_u64_64bit(skb, NBR_S_OUT_OF_SYNC_KIB, c.oos_kib,
			      NBR_S_PAD) ||
	    nla_put_u64_64bit(skb, NBR_S_RESYNC_SENT_KIB, c.rs_sent_kib,
			      NBR_S_PAD) ||
	    nla_put_u64_64bit(skb, NBR_S_RESYNC_RECV_KIB, c.rs_recv_kib,
			      NBR_S_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * The network configuration, so that "drbdsetup show" (and drbdadm adjust)
 * can compare it with the config file; never the shared secret. The caller
 * holds nbr_devs_lock or conf_lock, either of which keeps dev->conn alive;
 * its conf does not change after the connection was made.
 */
static int put_net_conf(struct sk_buff *skb, struct nbr_device *dev)
{
	const struct nbr_net_conf *nc;
	struct nbr_conn *conn;

	spin_lock_irq(&dev->lock);
	conn = dev->conn;
	spin_unlock_irq(&dev->lock);
	if (!conn)
		return 0;
	nc = &conn->conf;
	if (nla_put(skb, NBR_A_MY_ADDR, nc->addr_len, &nc->my_addr) ||
	    nla_put(skb, NBR_A_PEER_ADDR, nc->addr_len, &nc->peer_addr) ||
	    nla_put_string(skb, NBR_A_PEER_NAME, nc->peer_name) ||
	    nla_put_u8(skb, NBR_A_PROTOCOL, nc->proto) ||
	    nla_put_u8(skb, NBR_A_AUTH_ALG, nc->auth_alg) ||
	    nla_put_u8(skb, NBR_A_INTEGRITY_ALG, nc->integrity) ||
	    nla_put_u32(skb, NBR_A_TIMEOUT, nc->timeout_ds) ||
	    nla_put_u32(skb, NBR_A_CONNECT_INT, nc->connect_int_s) ||
	    nla_put_u32(skb, NBR_A_PING_INT, nc->ping_int_s) ||
	    nla_put_u32(skb, NBR_A_PING_TIMEOUT, nc->ping_timeout_ds) ||
	    nla_put_u32(skb, NBR_A_MAX_EPOCH_SIZE, nc->max_epoch) ||
	    nla_put_u32(skb, NBR_A_KO_COUNT, nc->ko_count) ||
	    nla_put_u32(skb, NBR_A_SNDBUF_SIZE, nc->sndbuf) ||
	    nla_put_u32(skb, NBR_A_RCVBUF_SIZE, nc->rcvbuf) ||
	    nla_put_u8(skb, NBR_A_AFTER_SB_0PRI, nc->asb.p0) ||
	    nla_put_u8(skb, NBR_A_AFTER_SB_1PRI, nc->asb.p1) ||
	    nla_put_u8(skb, NBR_A_AFTER_SB_2PRI, nc->asb.p2) ||
	    (nc->asb.always_asbp && nla_put_flag(skb, NBR_A_ALWAYS_ASBP)) ||
	    (nc->discard_node[0] &&
	     nla_put_string(skb, NBR_A_DISCARD_NODE, nc->discard_node)) ||
	    nla_put_u8(skb, NBR_A_VERIFY_ALG, nc->verify_alg))
		return -EMSGSIZE;
	return 0;
}

/* Progress of a running resync or verify (enum nbr_sync_attr). */
static int put_sync(struct sk_buff *skb, struct nbr_device *dev)
{
	struct nbr_rs_progress p;
	struct nlattr *nest;

	if (!nbr_rs_progress(dev, &p))
		return 0;
	nest = nla_nest_start(skb, NBR_A_SYNC);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, NBR_SY_TOTAL_KIB, p.total_kib, NBR_SY_PAD) ||
	    nla_put_u64_64bit(skb, NBR_SY_LEFT_KIB, p.left_kib, NBR_SY_PAD) ||
	    nla_put_u64_64bit(skb, NBR_SY_SPEED_KIB, p.speed_kib,
			      NBR_SY_PAD) ||
	    nla_put_u64_64bit(skb, NBR_SY_AVG_SPEED_KIB, p.avg_speed_kib,
			      NBR_SY_PAD) ||
	    nla_put_u64_64bit(skb, NBR_SY_ETA_S, p.eta_s, NBR_SY_PAD) ||
	    nla_put_u8(skb, NBR_SY_PAUSED, p.paused) ||
	    (p.verify && nla_put_u64_64bit(skb, NBR_SY_OOS_FOUND_KIB,
					   p.oos_found_kib, NBR_SY_PAD))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* The resync rate options, for "show" and adjust. */
static int put_rs_conf(struct sk_buff *skb, struct nbr_device *dev)
{
	const struct nbr_rs_conf *rc = &dev->rs_conf;

	if (nla_put_u32(skb, NBR_A_RESYNC_RATE, rc->resync_rate) ||
	    nla_put_u32(skb, NBR_A_C_PLAN_AHEAD, rc->c_plan_ahead) ||
	    nla_put_u32(skb, NBR_A_C_MAX_RATE, rc->c_max_rate) ||
	    nla_put_u32(skb, NBR_A_C_MIN_RATE, rc->c_min_rate))
		return -EMSGSIZE;
	return 0;
}

/* Where the metadata is and the activity-log size in use. */
static int put_md_conf(struct sk_buff *skb, struct nbr_device *dev)
{
	struct nbr_disk_conf dc;	/* 136 bytes */

	if (!nbr_md_get_conf(dev, &dc))
		return 0;
	if (dc.meta_path[0] &&
	    (nla_put_string(skb, NBR_A_META_DEV, dc.meta_path) ||
	     (dc.meta_index >= 0 &&
	      nla_put_u32(skb, NBR_A_META_INDEX, dc.meta_index))))
		return -EMSGSIZE;
	if (nla_put_u8(skb, NBR_A_MD_FLUSHES, dc.md_flushes))
		return -EMSGSIZE;
	return nla_put_u32(skb, NBR_A_AL_EXTENTS, dc.al_extents);
}

/*
 * Generation identifiers and metadata flags while a disk is attached,
 * and where the metadata is.
 */
static int put_md(struct sk_buff *skb, struct nbr_device *dev)
{
	struct nbr_gi gi;
	u32 flags;

	if (!nbr_md_get_gi(dev, &gi, &flags))
		return 0;
	if (put_md_conf(skb, dev) ||
	    nla_put_u64_64bit(skb, NBR_A_UUID_CURRENT, gi.uuid_current,
			      NBR_A_PAD) ||
	    nla_put_u64_64bit(skb, NBR_A_UUID_BITMAP, gi.bitmap, NBR_A_PAD) ||
	    nla_put_u64_64bit(skb, NBR_A_UUID_HISTORY1, gi.history[0],
			      NBR_A_PAD) ||
	    nla_put_u64_64bit(skb, NBR_A_UUID_HISTORY2, gi.history[1],
			      NBR_A_PAD) ||
	    nla_put_u32(skb, NBR_A_MD_FLAGS, flags))
		return -EMSGSIZE;
	return 0;
}

/*
 * The status attributes of @dev. Configuration fields are written with
 * both nbr_devs_lock and conf_lock held, so either one makes them stable;
 * callers hold one of them (an event is sent with conf_lock held).
 */
static int put_status(struct sk_buff *skb, struct nbr_device *dev)
{
	struct nbr_state st = nbr_get_state(dev);

	if (nla_put_u32(skb, NBR_A_MINOR, dev->minor) ||
	    nla_put_string(skb, NBR_A_RESOURCE, dev->resource) ||
	    nla_put_u8(skb, NBR_A_ROLE, st.role) ||
	    nla_put_u8(skb, NBR_A_PEER_ROLE, st.peer_role) ||
	    nla_put_u8(skb, NBR_A_CONN_STATE, st.conn) ||
	    nla_put_u8(skb, NBR_A_DISK_STATE, st.disk) ||
	    nla_put_u8(skb, NBR_A_PEER_DISK_STATE, st.peer_disk) ||
	    nla_put_u64_64bit(skb, NBR_A_DEV_SIZE, get_capacity(dev->disk),
			      NBR_A_PAD))
		return -EMSGSIZE;
	if (dev->backing_path[0] &&
	    (nla_put_string(skb, NBR_A_BACKING_DEV, dev->backing_path) ||
	     nla_put_u64_64bit(skb, NBR_A_SIZE_LIMIT, dev->size_limit,
			       NBR_A_PAD) ||
	     nla_put_u8(skb, NBR_A_ON_IO_ERROR, dev->on_io_error) ||
	     put_rs_conf(skb, dev)))
		return -EMSGSIZE;
	if (put_net_conf(skb, dev) || put_md(skb, dev) || put_sync(skb, dev))
		return -EMSGSIZE;
	return put_stats(skb, dev);
}

static int fill_status_msg(struct sk_buff *skb, struct nbr_device *dev,
			   u32 portid, u32 seq, int flags, u8 cmd)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &nbr_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (put_status(skb, dev)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * Multicast a state-change event. Called by nbr_change_state() with
 * state_mutex held, in process context. A failure only costs listeners
 * this event; they see the gap in NBR_A_EVENT_SEQ.
 */
void nbr_nl_event(struct nbr_device *dev, u32 seq, const char *reason)
{
	struct sk_buff *skb;
	void *hdr;

	if (!nbr_nl_registered)
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &nbr_genl_family, 0, NBR_ADM_EVENT);
	if (!hdr)
		goto out_free;
	if (put_status(skb, dev) ||
	    nla_put_u32(skb, NBR_A_EVENT_SEQ, seq) ||
	    nla_put_string(skb, NBR_A_REASON, reason))
		goto out_free;
	genlmsg_end(skb, hdr);
	/* -ESRCH just means nobody listens. */
	genlmsg_multicast(&nbr_genl_family, skb, 0, 0, GFP_KERNEL);
	return;

out_free:
	nlmsg_free(skb);
}

static struct nbr_device *info_dev(struct genl_info *info)
{
	return info->user_ptr[0];
}

static int nbr_nl_get_status(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	err = fill_status_msg(msg, info_dev(info), info->snd_portid,
			      info->snd_seq, 0, NBR_ADM_GET_STATUS);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* cb->args[0]: the next minor to report. */
static int nbr_nl_dump_status(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nbr_device *dev;
	unsigned int minor;
	int err = 0;

	mutex_lock(&nbr_devs_lock);
	for (minor = cb->args[0]; minor < nbr_minor_count; minor++) {
		dev = nbr_find_device(minor);
		if (!dev)
			continue;
		err = fill_status_msg(skb, dev, NETLINK_CB(cb->skb).portid,
				      cb->nlh->nlmsg_seq, NLM_F_MULTI,
				      NBR_ADM_GET_STATUS);
		if (err)
			break;
	}
	mutex_unlock(&nbr_devs_lock);
	cb->args[0] = minor;
	/* A full skb ends this round; the rest comes in the next. */
	return err ? skb->len : 0;
}

static int nbr_nl_new_minor(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, NBR_A_RESOURCE))
		return -EINVAL;
	return nbr_new_minor(nla_get_u32(info->attrs[NBR_A_MINOR]),
			     nla_data(info->attrs[NBR_A_RESOURCE]),
			     info->extack);
}

static int nbr_nl_del_minor(struct sk_buff *skb, struct genl_info *info)
{
	return nbr_del_minor(info_dev(info), info->extack);
}

static u32 attr_u32(struct genl_info *info, int type, u32 def)
{
	return info->attrs[type] ? nla_get_u32(info->attrs[type]) : def;
}

/* The resync rate options of "disk"; DRBD 8.4's defaults where unset. */
static void parse_rs_conf(struct genl_info *info, struct nbr_rs_conf *rc)
{
	rc->resync_rate = max(attr_u32(info, NBR_A_RESYNC_RATE, 250), 1u);
	rc->c_plan_ahead = attr_u32(info, NBR_A_C_PLAN_AHEAD, 20);
	rc->c_max_rate = attr_u32(info, NBR_A_C_MAX_RATE, 102400);
	rc->c_min_rate = attr_u32(info, NBR_A_C_MIN_RATE, 250);
}

/*
 * The generation identifiers, bitmaps and sizes are compared only when
 * the connection is set up: a disk attached to a live connection would
 * count as up to date without the resync it may need (its data is as old
 * as its detach). So a disk attaches only while not connected.
 */
static int refuse_attach_while_connected(struct nbr_device *dev,
					 struct netlink_ext_ack *extack)
{
	if (nbr_get_state(dev).conn < NBR_C_WFREPORTPARAMS)
		return 0;
	nbr_extack(extack, "nb%u is connected to its peer; a disk attached now would skip the resync it may need. Disconnect, attach, then connect again (a diskless Primary first hands over to its peer)",
		   dev->minor);
	return -EBUSY;
}

/* A handshake that began while the disk attached starts over. */
static void renegotiate_if_connecting(struct nbr_device *dev)
{
	struct nbr_conn *conn = nbr_get_conn(dev);

	if (!conn)
		return;
	if (nbr_get_state(dev).conn >= NBR_C_WFREPORTPARAMS)
		nbr_conn_fail(conn, NBR_C_NETWORKFAILURE,
			      "disk attached during the handshake");
	nbr_put_conn(conn);
}

static int nbr_nl_attach(struct sk_buff *skb, struct genl_info *info)
{
	struct nbr_device *dev = info_dev(info);
	enum nbr_on_io_error on_err = NBR_IOERR_DETACH;
	struct nbr_disk_conf *dc;
	u64 limit = 0;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NBR_A_BACKING_DEV))
		return -EINVAL;
	if (info->attrs[NBR_A_META_INDEX] && !info->attrs[NBR_A_META_DEV]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NBR_A_META_INDEX],
				    "a meta-disk index needs a meta-disk");
		return -EINVAL;
	}
	/* The bitmap and the resync work in whole 4 KiB blocks. */
	if (info->attrs[NBR_A_SIZE_LIMIT] &&
	    nla_get_u64(info->attrs[NBR_A_SIZE_LIMIT]) %
	    (NBR_RS_BLOCK / NBR_SECTOR_SIZE)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NBR_A_SIZE_LIMIT],
				    "size must be a whole number of 4 KiB blocks (a multiple of 8 sectors)");
		return -EINVAL;
	}
	dc = kzalloc(sizeof(*dc), GFP_KERNEL);
	if (!dc)
		return -ENOMEM;
	dc->meta_index = -1;
	dc->md_flushes = !info->attrs[NBR_A_MD_FLUSHES] ||
			 nla_get_u8(info->attrs[NBR_A_MD_FLUSHES]);
	if (info->attrs[NBR_A_META_DEV])
		nla_strscpy(dc->meta_path, info->attrs[NBR_A_META_DEV],
			    sizeof(dc->meta_path));
	if (info->attrs[NBR_A_META_INDEX])
		dc->meta_index = nla_get_u32(info->attrs[NBR_A_META_INDEX]);
	if (info->attrs[NBR_A_AL_EXTENTS])
		dc->al_extents = nla_get_u32(info->attrs[NBR_A_AL_EXTENTS]);
	if (info->attrs[NBR_A_SIZE_LIMIT])
		limit = nla_get_u64(info->attrs[NBR_A_SIZE_LIMIT]);
	if (info->attrs[NBR_A_ON_IO_ERROR])
		on_err = nla_get_u8(info->attrs[NBR_A_ON_IO_ERROR]);
	mutex_lock(&dev->conf_lock);
	err = refuse_attach_while_connected(dev, info->extack);
	if (!err)
		err = nbr_attach(dev, nla_data(info->attrs[NBR_A_BACKING_DEV]),
				 limit, on_err, dc, info->extack);
	if (!err) {
		parse_rs_conf(info, &dev->rs_conf);
		renegotiate_if_connecting(dev);
	}
	mutex_unlock(&dev->conf_lock);
	kfree(dc);
	return err;
}

static int nbr_nl_detach(struct sk_buff *skb, struct genl_info *info)
{
	struct nbr_device *dev = info_dev(info);
	int err;

	mutex_lock(&dev->conf_lock);
	if (nbr_get_state(dev).disk == NBR_D_DISKLESS) {
		nbr_extack(info->extack, "nb%u has no disk attached", dev->minor);
		err = -ENODEV;
	} else {
		err = nbr_detach(dev, info->attrs[NBR_A_FORCE], info->extack);
	}
	mutex_unlock(&dev->conf_lock);
	return err;
}

static int nbr_nl_primary(struct sk_buff *skb, struct genl_info *info)
{
	struct nbr_device *dev = info_dev(info);
	enum nbr_disk_state was;
	int err;


	mutex_lock(&dev->conf_lock);
	was = nbr_get_state(dev).disk;
	err = nbr_primary(dev, info->attrs[NBR_A_FORCE], info->extack);
	if (!err && info->attrs[NBR_A_FORCE])
		nbr_sync_after_force(dev, was);
	mutex_unlock(&dev->conf_lock);
	return err;
}

static int nbr_nl_secondary(struct sk_buff *skb, struct genl_info *info)
{
	struct nbr_device *dev = info_dev(info);
	int err;

	mutex_lock(&dev->conf_lock);
	err = nbr_secondary(dev, info->extack);
	mutex_unlock(&dev->conf_lock);
	return err;
}

/* The net request as a nbr_net_conf; DRBD's defaults where unset. */
static int parse_net_conf(struct genl_info *info, struct nbr_net_conf *nc)
{
	struct nlattr **a = info->attrs;

	if (GENL_REQ_ATTR_CHECK(info, NBR_A_MY_ADDR) ||
	    GENL_REQ_ATTR_CHECK(info, NBR_A_PEER_ADDR) ||
	    GENL_REQ_ATTR_CHECK(info, NBR_A_MY_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, NBR_A_PROTOCOL))
		return -EINVAL;
	if (!a[NBR_A_PEER_NAME]) {
		nbr_extack(info->extack,
			   "the peer's node name is needed for authentication (net --peer-name=NAME)");
		return -EINVAL;
	}
	memset(nc, 0, sizeof(*nc));
	nc->addr_len = nla_len(a[NBR_A_MY_ADDR]);
	if (nc->addr_len != nla_len(a[NBR_A_PEER_ADDR])) {
		nbr_extack(info->extack, "local and peer address must both be IPv4 or both IPv6");
		return -EINVAL;
	}
	nla_memcpy(&nc->my_addr, a[NBR_A_MY_ADDR], sizeof(nc->my_addr));
	nla_memcpy(&nc->peer_addr, a[NBR_A_PEER_ADDR], sizeof(nc->peer_addr));
	nla_strscpy(nc->my_name, a[NBR_A_MY_NAME], sizeof(nc->my_name));
	nla_strscpy(nc->peer_name, a[NBR_A_PEER_NAME], sizeof(nc->peer_name));
	nc->proto = nla_get_u8(a[NBR_A_PROTOCOL]);
	nc->auth_alg = a[NBR_A_AUTH_ALG] ? nla_get_u8(a[NBR_A_AUTH_ALG]) :
					   NBR_AUTH_NONE;
	if ((nc->auth_alg == NBR_AUTH_HMAC_SHA256) != !!a[NBR_A_SHARED_SECRET]) {
		nbr_extack(info->extack, "cram-hmac-alg and shared-secret go together");
		return -EINVAL;
	}
	if (a[NBR_A_SHARED_SECRET])
		nc->secret_len = nla_memcpy(nc->secret, a[NBR_A_SHARED_SECRET],
					    sizeof(nc->secret));
	nc->integrity = a[NBR_A_INTEGRITY_ALG] ?
			nla_get_u8(a[NBR_A_INTEGRITY_ALG]) : NBR_INTEGRITY_NONE;
	nc->timeout_ds = attr_u32(info, NBR_A_TIMEOUT, 60);
	nc->connect_int_s = attr_u32(info, NBR_A_CONNECT_INT, 10);
	nc->ping_int_s = attr_u32(info, NBR_A_PING_INT, 10);
	nc->ping_timeout_ds = attr_u32(info, NBR_A_PING_TIMEOUT, 5);
	nc->max_epoch = attr_u32(info, NBR_A_MAX_EPOCH_SIZE, 2048);
	nc->ko_count = attr_u32(info, NBR_A_KO_COUNT, 7);
	nc->sndbuf = attr_u32(info, NBR_A_SNDBUF_SIZE, 0);
	nc->rcvbuf = attr_u32(info, NBR_A_RCVBUF_SIZE, 0);
	if (a[NBR_A_AFTER_SB_0PRI])
		nc->asb.p0 = nla_get_u8(a[NBR_A_AFTER_SB_0PRI]);
	if (a[NBR_A_AFTER_SB_1PRI])
		nc->asb.p1 = nla_get_u8(a[NBR_A_AFTER_SB_1PRI]);
	if (a[NBR_A_AFTER_SB_2PRI])
		nc->asb.p2 = nla_get_u8(a[NBR_A_AFTER_SB_2PRI]);
	nc->asb.always_asbp = nla_get_flag(a[NBR_A_ALWAYS_ASBP]);
	if ((nc->asb.p0 == NBR_ASB0_DISCARD_NODE) != !!a[NBR_A_DISCARD_NODE]) {
		nbr_extack(info->extack, "after-sb-0pri discard-node-NAME and the node name go together");
		return -EINVAL;
	}
	if (a[NBR_A_DISCARD_NODE])
		nla_strscpy(nc->discard_node, a[NBR_A_DISCARD_NODE],
			    sizeof(nc->discard_node));
	nc->discard_my_data = nla_get_flag(a[NBR_A_DISCARD_MY_DATA]);
	nc->verify_alg = a[NBR_A_VERIFY_ALG] ? nla_get_u8(a[NBR_A_VERIFY_ALG]) :
					       NBR_DIGEST_CRC32C;
	return 0;
}

static int nbr_nl_connect(struct sk_buff *skb, struct genl_info *info)
{
	struct nbr_device *dev = info_dev(info);
	struct nbr_net_conf *nc;
	int err;

	nc = kmalloc(sizeof(*nc), GFP_KERNEL);
	if (!nc)
		return -ENOMEM;
	err = parse_net_conf(info, nc);
	if (!err) {
		mutex_lock(&dev->conf_lock);
		err = nbr_net_connect(dev, nc, info->extack);
		mutex_unlock(&dev->conf_lock);
	}
	kfree_sensitive(nc);
	return err;
}

/*
 * A Primary without UpToDate data of its own reads and writes through its
 * peer: disconnecting would take their data away from its users.
 */
static int refuse_disconnect_of_dataless_primary(struct nbr_device *dev,
						 struct netlink_ext_ack *extack)
{
	struct nbr_state st = nbr_get_state(dev);

	if (st.role != NBR_R_PRIMARY || st.disk == NBR_D_UPTODATE ||
	    st.conn < NBR_C_CONNECTED)
		return 0;
	nbr_extack(extack, "nb%u is Primary and its data is on the peer (local disk %s); disconnecting would take it away from its users. Make it Secondary first (or disconnect --force: I/O then fails)",
		   dev->minor, nbr_disk_str(st.disk));
	return -EBUSY;
}

static int nbr_nl_disconnect(struct sk_buff *skb, struct genl_info *info)
{
	struct nbr_device *dev = info_dev(info);
	int err;

	mutex_lock(&dev->conf_lock);
	err = info->attrs[NBR_A_FORCE] ? 0 :
	      refuse_disconnect_of_dataless_primary(dev, info->extack);
	if (!err)
		err = nbr_net_disconnect(dev, info->extack);
	mutex_unlock(&dev->conf_lock);
	return err;
}

/* Secondary, disconnect, detach: each step must succeed before the next. */
static int nbr_nl_down(struct sk_buff *skb, struct genl_info *info)
{
	struct nbr_device *dev = info_dev(info);
	int err;

	mutex_lock(&dev->conf_lock);
	err = nbr_secondary(dev, info->extack);
	if (!err)
		err = nbr_net_disconnect(dev, info->extack);
	if (!err)
		err = nbr_detach(dev, false, info->extack);
	mutex_unlock(&dev->conf_lock);
	if (!err)
		nbr_info(dev, "down\n");
	return err;
}

static int nbr_nl_invalidate(struct sk_buff *skb, struct genl_info *info)
{
	struct nbr_device *dev = info_dev(info);
	bool remote = info->genlhdr->cmd == NBR_ADM_INVALIDATE_REMOTE;
	int err;

	mutex_lock(&dev->conf_lock);
	err = nbr_sync_invalidate(dev, remote, info->extack);
	mutex_unlock(&dev->conf_lock);
	return err;
}

static int nbr_nl_pause_sync(struct sk_buff *skb, struct genl_info *info)
{
	struct nbr_device *dev = info_dev(info);
	bool pause = info->genlhdr->cmd == NBR_ADM_PAUSE_SYNC;
	int err;

	mutex_lock(&dev->conf_lock);
	err = nbr_sync_pause(dev, pause, info->extack);
	mutex_unlock(&dev->conf_lock);
	return err;
}

static int nbr_nl_verify(struct sk_buff *skb, struct genl_info *info)
{
	struct nbr_device *dev = info_dev(info);
	u64 start = 0;
	int err;

	if (info->attrs[NBR_A_START_SECTOR])
		start = nla_get_u64(info->attrs[NBR_A_START_SECTOR]);
	mutex_lock(&dev->conf_lock);
	err = nbr_verify_start(dev, start, info->extack);
	mutex_unlock(&dev->conf_lock);
	return err;
}

static int nbr_nl_new_current_uuid(struct sk_buff *skb,
				   struct genl_info *info)
{
	struct nbr_device *dev = info_dev(info);
	int err;

	mutex_lock(&dev->conf_lock);
	err = nbr_new_current_uuid(dev,
				   nla_get_flag(info->attrs[NBR_A_CLEAR_BITMAP]),
				   info->extack);
	mutex_unlock(&dev->conf_lock);
	return err;
}

static int nbr_nl_outdate(struct sk_buff *skb, struct genl_info *info)
{
	struct nbr_device *dev = info_dev(info);
	int err;

	mutex_lock(&dev->conf_lock);
	err = nbr_outdate(dev, info->extack);
	mutex_unlock(&dev->conf_lock);
	return err;
}

/*
 * Resolve the device once for every handler and keep it alive: devices
 * are freed only with nbr_devs_lock held, which post_doit releases.
 * Mutating commands also need CAP_SYS_ADMIN (GENL_ADMIN_PERM has checked
 * CAP_NET_ADMIN already).
 */
static int nbr_pre_doit(const struct genl_ops *ops, struct sk_buff *skb,
			struct genl_info *info)
{
	struct nbr_device *dev;
	unsigned int minor;

	if ((ops->flags & GENL_ADMIN_PERM) && !capable(CAP_SYS_ADMIN)) {
		NL_SET_ERR_MSG(info->extack, "configuring nbr needs CAP_SYS_ADMIN");
		return -EPERM;
	}
	if (GENL_REQ_ATTR_CHECK(info, NBR_A_MINOR))
		return -EINVAL;
	minor = nla_get_u32(info->attrs[NBR_A_MINOR]);
	mutex_lock(&nbr_devs_lock);
	dev = nbr_find_device(minor);
	if (!dev && (ops->internal_flags & NBR_NL_NEED_DEV)) {
		mutex_unlock(&nbr_devs_lock);
		nbr_extack(info->extack, "no device nb%u (create it with new-minor)",
			   minor);
		return -ENODEV;
	}
	info->user_ptr[0] = dev;
	return 0;
}

static void nbr_post_doit(const struct genl_ops *ops, struct sk_buff *skb,
			  struct genl_info *info)
{
	mutex_unlock(&nbr_devs_lock);
}

#define NBR_ADMIN_OP(_cmd, _fn, _iflags) {			\
	.cmd = (_cmd), .doit = (_fn), .flags = GENL_ADMIN_PERM,	\
	.internal_flags = (_iflags) }

static const struct genl_ops nbr_genl_ops[] = {
	{
		.cmd = NBR_ADM_GET_STATUS,
		.doit = nbr_nl_get_status,
		.dumpit = nbr_nl_dump_status,
		.internal_flags = NBR_NL_NEED_DEV,
	},
	NBR_ADMIN_OP(NBR_ADM_NEW_MINOR, nbr_nl_new_minor, 0),
	NBR_ADMIN_OP(NBR_ADM_DEL_MINOR, nbr_nl_del_minor, NBR_NL_NEED_DEV),
	NBR_ADMIN_OP(NBR_ADM_ATTACH, nbr_nl_attach, NBR_NL_NEED_DEV),
	NBR_ADMIN_OP(NBR_ADM_DETACH, nbr_nl_detach, NBR_NL_NEED_DEV),
	NBR_ADMIN_OP(NBR_ADM_CONNECT, nbr_nl_connect, NBR_NL_NEED_DEV),
	NBR_ADMIN_OP(NBR_ADM_DISCONNECT, nbr_nl_disconnect, NBR_NL_NEED_DEV),
	NBR_ADMIN_OP(NBR_ADM_PRIMARY, nbr_nl_primary, NBR_NL_NEED_DEV),
	NBR_ADMIN_OP(NBR_ADM_SECONDARY, nbr_nl_secondary, NBR_NL_NEED_DEV),
	NBR_ADMIN_OP(NBR_ADM_DOWN, nbr_nl_down, NBR_NL_NEED_DEV),
	NBR_ADMIN_OP(NBR_ADM_INVALIDATE, nbr_nl_invalidate, NBR_NL_NEED_DEV),
	NBR_ADMIN_OP(NBR_ADM_INVALIDATE_REMOTE, nbr_nl_invalidate,
		     NBR_NL_NEED_DEV),
	NBR_ADMIN_OP(NBR_ADM_PAUSE_SYNC, nbr_nl_pause_sync, NBR_NL_NEED_DEV),
	NBR_ADMIN_OP(NBR_ADM_RESUME_SYNC, nbr_nl_pause_sync, NBR_NL_NEED_DEV),
	NBR_ADMIN_OP(NBR_ADM_VERIFY, nbr_nl_verify, NBR_NL_NEED_DEV),
	NBR_ADMIN_OP(NBR_ADM_NEW_CURRENT_UUID, nbr_nl_new_current_uuid,
		     NBR_NL_NEED_DEV),
	NBR_ADMIN_OP(NBR_ADM_OUTDATE, nbr_nl_outdate, NBR_NL_NEED_DEV),
};

static const struct genl_multicast_group nbr_mcgrps[] = {
	{ .name = NBR_GENL_MCGRP_EVENTS },
};

static struct genl_family nbr_genl_family __ro_after_init = {
	.name = NBR_GENL_NAME,
	.version = NBR_GENL_VERSION,
	.maxattr = NBR_A_MAX,
	.policy = nbr_policy,
	.module = THIS_MODULE,
	.ops = nbr_genl_ops,
	.n_ops = ARRAY_SIZE(nbr_genl_ops),
	.mcgrps = nbr_mcgrps,
	.n_mcgrps = ARRAY_SIZE(nbr_mcgrps),
	.pre_doit = nbr_pre_doit,
	.post_doit = nbr_post_doit,
};

int nbr_nl_init(void)
{
	int err;

	err = genl_register_family(&nbr_genl_family);
	if (err)
		return err;
	nbr_nl_registered = true;
	return 0;
}

void nbr_nl_exit(void)
{
	nbr_nl_registered = false;
	genl_unregister_family(&nbr_genl_family);
}
