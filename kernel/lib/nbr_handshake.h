/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Handshake decisions: whether two parameter sets may form a connection,
 * and which of two racing TCP connections survives.
 */
#ifndef NBR_HANDSHAKE_H
#define NBR_HANDSHAKE_H

#include "nbr_codec.h"

#ifdef __cplusplus
extern "C" {
#endif

enum nbr_hs_result {
	NBR_HS_OK = 0,
	NBR_HS_BAD_LOCAL_PARAMS,	/* our own parameters are invalid */
	NBR_HS_BAD_PEER_PARAMS,		/* peer sent nonsense values */
	NBR_HS_NO_COMMON_VERSION,	/* version ranges do not overlap */
	NBR_HS_PROTOCOL_MISMATCH,	/* A/B/C differ */
	NBR_HS_INTEGRITY_MISMATCH,	/* data-integrity-alg differs */
	NBR_HS_TWO_PRIMARIES,		/* both are Primary already */
	NBR_HS_NO_DISK,			/* neither side has a disk */
	NBR_HS_PEER_TOO_SMALL,		/* would shrink a Primary's device */
	NBR_HS_COUNT
};

/* What both sides use once connected; equal on both sides. */
struct nbr_agreed {
	u32 proto;		/* protocol version */
	u64 features;		/* NBR_FEAT_* both sides offered */
	u64 dev_sectors;	/* size of /dev/nbX on both nodes */
	u64 grown_from;		/* never replicated from here on; see .c */
	u32 max_bio;		/* largest data payload either accepts */
};

/*
 * Decide on a connection. Symmetric: swapping @local and @peer gives the
 * same result and the same @out, so both nodes agree without a reply.
 * @out is written only on NBR_HS_OK.
 */
enum nbr_hs_result nbr_handshake_decide(const struct nbr_params *local,
					const struct nbr_params *peer,
					struct nbr_agreed *out);
const char *nbr_hs_str(enum nbr_hs_result r);

/*
 * Connect race: both nodes listen and connect, so for each socket kind
 * there may be two authenticated connections. The one initiated by the
 * node whose name sorts higher (strcmp) survives; both nodes compute the
 * same answer. Returns 1 when this node's outgoing connection survives,
 * 0 when the incoming one does, -EINVAL if a name is invalid or the names
 * are equal (two nodes must never share a name).
 */
int nbr_race_keep_outgoing(const char *my_name, const char *peer_name);

#ifdef __cplusplus
}
#endif

#endif /* NBR_HANDSHAKE_H */
