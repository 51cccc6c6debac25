// SPDX-License-Identifier: GPL-2.0-only
/*
 * Handshake decision. Each rule is a small function; the order in
 * nbr_handshake_decide() decides which reason a user sees first.
 */
#include "nbr_handshake.h"

static u64 min_u64(u64 a, u64 b)
{
	return a < b ? a : b;
}

static u32 min_u32(u32 a, u32 b)
{
	return a < b ? a : b;
}

static bool params_valid(const struct nbr_params *p)
{
	if (p->proto_min == 0 || p->proto_min > p->proto_max)
		return false;
	if (p->max_bio < NBR_MIN_BIO_SIZE || p->max_bio > NBR_MAX_BIO_SIZE ||
	    p->max_bio % NBR_SECTOR_SIZE)
		return false;
	if (p->wire_proto < NBR_PROT_A || p->wire_proto > NBR_PROT_C)
		return false;
	if (p->integrity_alg != NBR_INTEGRITY_NONE &&
	    p->integrity_alg != NBR_INTEGRITY_CRC32C)
		return false;
	/* A node knows its own role; Unknown is only a view of the peer. */
	if (p->role != NBR_R_PRIMARY && p->role != NBR_R_SECONDARY)
		return false;
	if ((unsigned int)p->disk >= NBR_D_COUNT || p->disk == NBR_D_DUNKNOWN)
		return false;
	/* Diskless exactly when there is no usable size. */
	if ((p->disk == NBR_D_DISKLESS) != (p->disk_sectors == 0))
		return false;
	/* The metadata never records a size its data area cannot hold. */
	if (p->la_sectors > p->disk_sectors)
		return false;
	return true;
}

/* The size one node can offer: its disk, cut to the admin's limit. */
static u64 usable_sectors(const struct nbr_params *p)
{
	if (p->user_sectors && p->user_sectors < p->disk_sectors)
		return p->user_sectors;
	return p->disk_sectors;
}

/*
 * With only its own disk a node offers what it last agreed on with a
 * disked peer: its one copy must not grow past the area the other copy
 * will have when that peer returns.
 */
static u64 single_copy_sectors(const struct nbr_params *p)
{
	u64 s = usable_sectors(p);

	return p->la_sectors && p->la_sectors < s ? p->la_sectors : s;
}

/* The agreed size is the smaller disk; a diskless node takes the peer's. */
static u64 agreed_sectors(const struct nbr_params *a,
			  const struct nbr_params *b)
{
	u64 sa = usable_sectors(a), sb = usable_sectors(b);

	if (!sa)
		return single_copy_sectors(b);
	if (!sb)
		return single_copy_sectors(a);
	return min_u64(sa, sb);
}

/*
 * Where the device grows past what both nodes last agreed on: nothing
 * there was ever replicated, so it is resynced. The lower of the two
 * recorded sizes counts (one node may have recorded the new size and
 * died before the other did); a node that never agreed on a size
 * (0, fresh metadata) adds nothing. @agreed when the device did not grow.
 */
static u64 grown_from(const struct nbr_params *a, const struct nbr_params *b,
		      u64 agreed)
{
	u64 la = a->la_sectors;

	if (!la || (b->la_sectors && b->la_sectors < la))
		la = b->la_sectors;
	return la && la < agreed ? la : agreed;
}

/* A Primary's users already see cur_sectors: never shrink under them. */
static bool shrinks_primary(const struct nbr_params *p, u64 agreed)
{
	return p->role == NBR_R_PRIMARY && p->cur_sectors > agreed;
}

enum nbr_hs_result nbr_handshake_decide(const struct nbr_params *local,
					const struct nbr_params *peer,
					struct nbr_agreed *out)
{
	u32 lo, hi;
	u64 size;

	if (!params_valid(local))
		return NBR_HS_BAD_LOCAL_PARAMS;
	if (!params_valid(peer))
		return NBR_HS_BAD_PEER_PARAMS;
	lo = local->proto_min > peer->proto_min ? local->proto_min :
						  peer->proto_min;
	hi = min_u32(local->proto_max, peer->proto_max);
	if (lo > hi)
		return NBR_HS_NO_COMMON_VERSION;
	if (local->wire_proto != peer->wire_proto)
		return NBR_HS_PROTOCOL_MISMATCH;
	if (local->integrity_alg != peer->integrity_alg)
		return NBR_HS_INTEGRITY_MISMATCH;
	if (local->role == NBR_R_PRIMARY && peer->role == NBR_R_PRIMARY)
		return NBR_HS_TWO_PRIMARIES;
	size = agreed_sectors(local, peer);
	if (!size)
		return NBR_HS_NO_DISK;
	if (shrinks_primary(local, size) || shrinks_primary(peer, size))
		return NBR_HS_PEER_TOO_SMALL;

	out->proto = hi;
	out->features = local->features & peer->features & NBR_FEATURES_KNOWN;
	out->dev_sectors = size;
	out->grown_from = grown_from(local, peer, size);
	out->max_bio = min_u32(local->max_bio, peer->max_bio);
	return NBR_HS_OK;
}

const char *nbr_hs_str(enum nbr_hs_result r)
{
	switch (r) {
	case NBR_HS_OK:
		return "accepted";
	case NBR_HS_BAD_LOCAL_PARAMS:
		return "local parameters are invalid";
	case NBR_HS_BAD_PEER_PARAMS:
		return "peer sent invalid parameters";
	case NBR_HS_NO_COMMON_VERSION:
		return "no common protocol version";
	case NBR_HS_PROTOCOL_MISMATCH:
		return "replication protocol (A/B/C) differs from the peer's";
	case NBR_HS_INTEGRITY_MISMATCH:
		return "data-integrity-alg differs from the peer's";
	case NBR_HS_TWO_PRIMARIES:
		return "both nodes are Primary";
	case NBR_HS_NO_DISK:
		return "neither node has a disk";
	case NBR_HS_PEER_TOO_SMALL:
		return "the peer's disk is smaller than the Primary's device";
	case NBR_HS_COUNT:
		break;
	}
	return "unknown handshake result";
}

int nbr_race_keep_outgoing(const char *my_name, const char *peer_name)
{
	int cmp;

	if (!nbr_name_valid(my_name) || !nbr_name_valid(peer_name))
		return -EINVAL;
	cmp = strcmp(my_name, peer_name);
	if (cmp == 0)
		return -EINVAL;
	return cmp > 0;
}
