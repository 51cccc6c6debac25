/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Who syncs from whom: the generation-identifier (UUID) rules applied when
 * two nodes connect, the transitions that keep the identifiers meaningful,
 * and the after-split-brain policies. Pure functions, symmetric: the two
 * nodes compute mirror-image answers from the same pair of inputs.
 *
 * Generation identifiers of a disk (struct nbr_gi), as the module keeps
 * them (docs/metadata-format.md, "Generation identifiers"):
 *
 *  - uuid_current: the data generation the disk holds. A new random one starts
 *    (nbr_gi_new_current) when writes may happen that the peer does not
 *    see: a Primary loses its peer, a node is promoted while not
 *    connected, 'primary --force' / 'new-current-uuid'.
 *  - bitmap: the generation at which the bitmap started to record changes
 *    the peer lacks; 0 when the bitmap is not in use. Set from current by
 *    the first nbr_gi_new_current; while it is set, later generations go
 *    to history and the bitmap keeps recording from the older point.
 *  - history[2]: older bitmap/current generations, newest first.
 *
 * At resync start the source moves its bitmap UUID to history and makes a
 * fresh one, the sync UUID, which becomes the target's current (written
 * before the first resync block); at the end the target takes the
 * source's identifiers and the source clears its bitmap UUID. The rules
 * below then recognise every interrupted or half-recorded step.
 */
#ifndef NBR_SYNC_H
#define NBR_SYNC_H

#include "nbr_lib_compat.h"
#include <nbr/meta.h>

#ifdef __cplusplus
extern "C" {
#endif

struct nbr_gi {
	u64 uuid_current;
	u64 bitmap;
	u64 history[2];
};

/* One node as the sync decision sees it (its own view or the peer's). */
struct nbr_sync_side {
	struct nbr_gi gi;
	u32 flags;		/* NBR_MDF_* as in its superblock */
	bool primary;		/* role now */
	u64 dirty_bits;		/* set bits in its bitmap */
	/*
	 * Tie-breaker: exactly one of the two nodes has it (the module sets
	 * it on the node whose name sorts higher). When nothing else decides,
	 * that node becomes the sync target / discards.
	 */
	bool resolve_conflicts;
	/* after-sb-0pri discard-node-NAME: this node is NAME. */
	bool named_discard;
};

enum nbr_sync {
	NBR_SYNC_NONE = 0,		/* in sync (or both fresh) */
	NBR_SYNC_SOURCE,		/* I am SyncSource, bitmap-based */
	NBR_SYNC_TARGET,		/* I am SyncTarget, bitmap-based */
	NBR_SYNC_SOURCE_FULL,		/* full sync, I am the source */
	NBR_SYNC_TARGET_FULL,		/* full sync, I am the target */
	NBR_SYNC_SPLIT_BRAIN,		/* both changed; common bitmap base */
	NBR_SYNC_SPLIT_BRAIN_HISTORY,	/* both changed; only history shared */
	NBR_SYNC_UNRELATED,		/* no common generation: refuse */
	NBR_SYNC_NO_GOOD_DATA,		/* the source would be Inconsistent */
	NBR_SYNC_COUNT
};

/* UUID corrections to apply before the sync starts (bits). */
#define NBR_FIX_SELF_FINISH	(1u << 0)	/* my lost "resync done" */
#define NBR_FIX_PEER_FINISH	(1u << 1)
#define NBR_FIX_SELF_BM_UNDO	(1u << 2)	/* bitmap := history[0] */
#define NBR_FIX_PEER_BM_UNDO	(1u << 3)
#define NBR_FIX_SELF_BM_UNDO2	(1u << 4)	/* bitmap := history[1] */
#define NBR_FIX_PEER_BM_UNDO2	(1u << 5)

struct nbr_sync_result {
	enum nbr_sync decision;
	int rule;		/* docs/metadata-format.md rule table */
	u32 fixes;		/* NBR_FIX_*; apply with nbr_gi_fix() */
};

struct nbr_sync_result nbr_sync_decide(const struct nbr_sync_side *self,
				       const struct nbr_sync_side *peer);
const char *nbr_sync_str(enum nbr_sync d);
/* The decision the peer computes for the same pair. */
enum nbr_sync nbr_sync_mirror(enum nbr_sync d);

/*
 * Transitions (the module calls these; the tests' model does too).
 * @flags is the superblock flags word; SPLIT_AS_PRIMARY records whether
 * the bitmap UUID started while Primary (discard-younger/older-primary).
 */
void nbr_gi_new_current(struct nbr_gi *gi, u32 *flags, u64 uuid,
			bool primary);
/* Applies my part of @fixes (NBR_FIX_SELF_*). */
void nbr_gi_fix(struct nbr_gi *gi, u32 fixes);
/* Resync start on the source: returns the sync UUID to send. */
u64 nbr_gi_sync_start_source(struct nbr_gi *gi, u64 sync_uuid);
/* Resync start on the target, with the source's sync UUID. */
void nbr_gi_sync_start_target(struct nbr_gi *gi, u32 *flags, u64 sync_uuid);
/* Resync finished on the source. */
void nbr_gi_sync_done_source(struct nbr_gi *gi);
/* Resync finished on the target: @source is the source's gi after done. */
void nbr_gi_sync_done_target(struct nbr_gi *gi, u32 *flags,
			     const struct nbr_gi *source);

/* after-sb-0pri: no node is Primary now. */
enum nbr_asb0 {
	NBR_ASB0_DISCONNECT = 0,
	NBR_ASB0_DISCARD_YOUNGER_PRIMARY,
	NBR_ASB0_DISCARD_OLDER_PRIMARY,
	NBR_ASB0_DISCARD_ZERO_CHANGES,
	NBR_ASB0_DISCARD_LEAST_CHANGES,
	NBR_ASB0_DISCARD_LOCAL,
	NBR_ASB0_DISCARD_REMOTE,
	NBR_ASB0_DISCARD_NODE,		/* discard-node-NAME */
};

/* after-sb-1pri: exactly one node is Primary now. */
enum nbr_asb1 {
	NBR_ASB1_DISCONNECT = 0,
	NBR_ASB1_CONSENSUS,		/* 0pri result if it discards the Secondary */
	NBR_ASB1_VIOLENTLY_AS0P,	/* 0pri result, even against the Primary */
	NBR_ASB1_DISCARD_SECONDARY,
	NBR_ASB1_CALL_PRI_LOST_AFTER_SB,	/* 0pri; a losing Primary calls the handler */
};

/* after-sb-2pri: both nodes are Primary now. */
enum nbr_asb2 {
	NBR_ASB2_DISCONNECT = 0,
	NBR_ASB2_VIOLENTLY_AS0P,
	NBR_ASB2_CALL_PRI_LOST_AFTER_SB,
};

struct nbr_asb_policy {
	enum nbr_asb0 p0;
	enum nbr_asb1 p1;
	enum nbr_asb2 p2;
	bool always_asbp;	/* also after NBR_SYNC_SPLIT_BRAIN_HISTORY */
};

enum nbr_asb_verdict {
	NBR_ASB_DISCONNECT = 0,		/* stay StandAlone, log, call handler */
	NBR_ASB_DISCARD_LOCAL,		/* I become SyncTarget */
	NBR_ASB_DISCARD_REMOTE,		/* I become SyncSource */
};

struct nbr_asb_result {
	enum nbr_asb_verdict verdict;
	/* The discarding node is Primary: it runs pri-lost-after-sb. */
	bool call_pri_lost;
	/* Resync kind: full when the split brain had no common bitmap. */
	bool full_sync;
	const char *why;	/* static, for the log */
};

/* @decision must be a split-brain result of nbr_sync_decide(). */
struct nbr_asb_result nbr_asb_decide(const struct nbr_sync_side *self,
				     const struct nbr_sync_side *peer,
				     enum nbr_sync decision,
				     const struct nbr_asb_policy *policy);

#ifdef __cplusplus
}
#endif

#endif /* NBR_SYNC_H */
