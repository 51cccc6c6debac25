// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sync decision from generation identifiers, the identifier transitions
 * and the after-split-brain policies; see nbr_sync.h. Each rule is a line
 * of one ordered list, and the rule number travels with the answer so
 * that the log says why ("SyncTarget by rule 50").
 */
#include "nbr_sync.h"

static struct nbr_sync_result res(enum nbr_sync d, int rule, u32 fixes)
{
	struct nbr_sync_result r = { d, rule, fixes };

	return r;
}

static bool fresh(u64 uuid)
{
	return uuid == NBR_UUID_JUST_CREATED || uuid == NBR_UUID_NONE;
}

static bool crashed(const struct nbr_sync_side *n)
{
	return n->flags & NBR_MDF_CRASHED_PRIMARY;
}

/* Rules 40-43: same current generation; only pending bits may differ. */
static struct nbr_sync_result same_current(const struct nbr_sync_side *s,
					   const struct nbr_sync_side *p,
					   u32 fixes)
{
	if (!s->dirty_bits && !p->dirty_bits && !crashed(s) && !crashed(p))
		return res(NBR_SYNC_NONE, 40, fixes);
	/* A crashed Primary's hot extents (AL) are newer than the peer's. */
	if (crashed(s) != crashed(p))
		return res(crashed(s) ? NBR_SYNC_SOURCE : NBR_SYNC_TARGET, 41,
			   fixes);
	if (s->primary != p->primary)
		return res(s->primary ? NBR_SYNC_SOURCE : NBR_SYNC_TARGET, 42,
			   fixes);
	return res(s->resolve_conflicts ? NBR_SYNC_TARGET : NBR_SYNC_SOURCE,
		   43, fixes);
}

/* Rules 34/35: one side recorded "resync done", the other did not. */
static u32 finish_fixes(const struct nbr_gi *s, const struct nbr_gi *p)
{
	if (s->bitmap && !p->bitmap && s->bitmap == p->history[0])
		return NBR_FIX_SELF_FINISH;
	if (p->bitmap && !s->bitmap && p->bitmap == s->history[0])
		return NBR_FIX_PEER_FINISH;
	return 0;
}

/*
 * Rules 90-93 (the same bitmap UUID) and 100-103 (a common generation in
 * the history): both went on from one generation. Each bitmap records all
 * of its node's changes since every generation of its lineage (bits are
 * cleared only for blocks the peer holds), and every write - also one in
 * flight at a crash, via the activity log - sets bits durably. So only a
 * side with set bits changed anything: split brain when both did.
 */
static struct nbr_sync_result common_base(const struct nbr_sync_side *s,
					  const struct nbr_sync_side *p,
					  enum nbr_sync split, int rule)
{
	if (s->dirty_bits && p->dirty_bits)
		return res(split, rule, 0);
	if (p->dirty_bits)
		return res(NBR_SYNC_TARGET, rule + 1, 0);
	if (s->dirty_bits)
		return res(NBR_SYNC_SOURCE, rule + 2, 0);
	/* Neither wrote: an empty resync makes the identifiers agree. */
	return res(s->resolve_conflicts ? NBR_SYNC_TARGET : NBR_SYNC_SOURCE,
		   rule + 3, 0);
}

static bool in_lineage(u64 uuid, const struct nbr_gi *g)
{
	return uuid && (uuid == g->bitmap || uuid == g->history[0] ||
			uuid == g->history[1]);
}

static struct nbr_sync_result by_uuids(const struct nbr_sync_side *self,
				       const struct nbr_sync_side *peer)
{
	const struct nbr_gi *s = &self->gi, *p = &peer->gi;

	if (fresh(s->uuid_current) && fresh(p->uuid_current))
		return res(NBR_SYNC_NONE, 10, 0);
	if (fresh(s->uuid_current))
		return res(NBR_SYNC_TARGET_FULL, 20, 0);
	if (fresh(p->uuid_current))
		return res(NBR_SYNC_SOURCE_FULL, 30, 0);
	if (s->uuid_current == p->uuid_current)
		return same_current(self, peer, finish_fixes(s, p));
	if (s->uuid_current == p->bitmap)
		return res(NBR_SYNC_TARGET, 50, 0);
	if (s->uuid_current == p->history[0])
		return res(NBR_SYNC_TARGET, 51, NBR_FIX_PEER_BM_UNDO);
	if (s->uuid_current == p->history[1])
		return res(NBR_SYNC_TARGET, 60, NBR_FIX_PEER_BM_UNDO2);
	if (s->bitmap == p->uuid_current)
		return res(NBR_SYNC_SOURCE, 70, 0);
	if (s->history[0] == p->uuid_current)
		return res(NBR_SYNC_SOURCE, 71, NBR_FIX_SELF_BM_UNDO);
	if (s->history[1] == p->uuid_current)
		return res(NBR_SYNC_SOURCE, 80, NBR_FIX_SELF_BM_UNDO2);
	if (s->bitmap && s->bitmap == p->bitmap)
		return common_base(self, peer, NBR_SYNC_SPLIT_BRAIN, 90);
	if (in_lineage(s->bitmap, p) || in_lineage(s->history[0], p) ||
	    in_lineage(s->history[1], p))
		return common_base(self, peer, NBR_SYNC_SPLIT_BRAIN_HISTORY,
				   100);
	return res(NBR_SYNC_UNRELATED, 110, 0);
}

static bool consistent(const struct nbr_sync_side *n)
{
	return n->flags & NBR_MDF_CONSISTENT;
}

struct nbr_sync_result nbr_sync_decide(const struct nbr_sync_side *self,
				       const struct nbr_sync_side *peer)
{
	struct nbr_sync_result r = by_uuids(self, peer);

	/* Rule 120: never copy from a disk that is itself mid-resync. */
	switch (r.decision) {
	case NBR_SYNC_SOURCE:
	case NBR_SYNC_SOURCE_FULL:
		if (!consistent(self))
			return res(NBR_SYNC_NO_GOOD_DATA, 120, 0);
		break;
	case NBR_SYNC_TARGET:
	case NBR_SYNC_TARGET_FULL:
		if (!consistent(peer))
			return res(NBR_SYNC_NO_GOOD_DATA, 120, 0);
		break;
	case NBR_SYNC_NONE:
	case NBR_SYNC_SPLIT_BRAIN:
	case NBR_SYNC_SPLIT_BRAIN_HISTORY:
	case NBR_SYNC_UNRELATED:
	case NBR_SYNC_NO_GOOD_DATA:
	case NBR_SYNC_COUNT:
		break;
	}
	return r;
}

const char *nbr_sync_str(enum nbr_sync d)
{
	switch (d) {
	case NBR_SYNC_NONE:
		return "no-sync";
	case NBR_SYNC_SOURCE:
		return "SyncSource";
	case NBR_SYNC_TARGET:
		return "SyncTarget";
	case NBR_SYNC_SOURCE_FULL:
		return "SyncSource(full)";
	case NBR_SYNC_TARGET_FULL:
		return "SyncTarget(full)";
	case NBR_SYNC_SPLIT_BRAIN:
		return "split-brain";
	case NBR_SYNC_SPLIT_BRAIN_HISTORY:
		return "split-brain(no common bitmap)";
	case NBR_SYNC_UNRELATED:
		return "unrelated-data";
	case NBR_SYNC_NO_GOOD_DATA:
		return "no-good-data";
	case NBR_SYNC_COUNT:
		break;
	}
	return "?";
}

enum nbr_sync nbr_sync_mirror(enum nbr_sync d)
{
	switch (d) {
	case NBR_SYNC_SOURCE:
		return NBR_SYNC_TARGET;
	case NBR_SYNC_TARGET:
		return NBR_SYNC_SOURCE;
	case NBR_SYNC_SOURCE_FULL:
		return NBR_SYNC_TARGET_FULL;
	case NBR_SYNC_TARGET_FULL:
		return NBR_SYNC_SOURCE_FULL;
	case NBR_SYNC_NONE:
	case NBR_SYNC_SPLIT_BRAIN:
	case NBR_SYNC_SPLIT_BRAIN_HISTORY:
	case NBR_SYNC_UNRELATED:
	case NBR_SYNC_NO_GOOD_DATA:
	case NBR_SYNC_COUNT:
		break;
	}
	return d;
}

static void push_history(struct nbr_gi *gi, u64 uuid)
{
	gi->history[1] = gi->history[0];
	gi->history[0] = uuid;
}

void nbr_gi_new_current(struct nbr_gi *gi, u32 *flags, u64 uuid,
			bool primary)
{
	if (fresh(gi->uuid_current)) {
		/* Nothing to track from: the data was never a generation. */
	} else if (!gi->bitmap) {
		gi->bitmap = gi->uuid_current;
		if (primary)
			*flags |= NBR_MDF_SPLIT_AS_PRIMARY;
		else
			*flags &= ~NBR_MDF_SPLIT_AS_PRIMARY;
	}
	/*
	 * With a bitmap UUID already set the bitmap keeps recording from that
	 * older generation, and the replaced current was never held by the
	 * peer (it adopts only generations of a finished resync, which clears
	 * the bitmap UUID): history is not filled with private generations.
	 */
	gi->uuid_current = uuid;
}

void nbr_gi_fix(struct nbr_gi *gi, u32 fixes)
{
	if (fixes & NBR_FIX_SELF_FINISH)
		nbr_gi_sync_done_source(gi);
	/*
	 * The peer is at one of my history generations: my bitmap records
	 * every change since any generation of my lineage (bits are only
	 * cleared for blocks the peer holds), so track from that one.
	 */
	if (fixes & NBR_FIX_SELF_BM_UNDO) {
		gi->bitmap = gi->history[0];
		gi->history[0] = gi->history[1];
		gi->history[1] = NBR_UUID_NONE;
	}
	if (fixes & NBR_FIX_SELF_BM_UNDO2) {
		gi->bitmap = gi->history[1];
		gi->history[0] = NBR_UUID_NONE;
		gi->history[1] = NBR_UUID_NONE;
	}
}

u64 nbr_gi_sync_start_source(struct nbr_gi *gi, u64 sync_uuid)
{
	if (gi->bitmap)
		push_history(gi, gi->bitmap);
	gi->bitmap = sync_uuid;
	return sync_uuid;
}

void nbr_gi_sync_start_target(struct nbr_gi *gi, u32 *flags, u64 sync_uuid)
{
	gi->uuid_current = sync_uuid;
	gi->bitmap = NBR_UUID_NONE;
	*flags &= ~(NBR_MDF_CONSISTENT | NBR_MDF_WAS_UP_TO_DATE);
}

void nbr_gi_sync_done_source(struct nbr_gi *gi)
{
	if (gi->bitmap)
		push_history(gi, gi->bitmap);
	gi->bitmap = NBR_UUID_NONE;
}

void nbr_gi_sync_done_target(struct nbr_gi *gi, u32 *flags,
			     const struct nbr_gi *source)
{
	*gi = *source;
	gi->bitmap = NBR_UUID_NONE;
	*flags |= NBR_MDF_CONSISTENT;
}

/* ---- after split brain ---- */

static struct nbr_asb_result asb(enum nbr_asb_verdict v, const char *why)
{
	struct nbr_asb_result r = { v, false, false, why };

	return r;
}

static struct nbr_asb_result least_changes(const struct nbr_sync_side *s,
					   const struct nbr_sync_side *p)
{
	if (s->dirty_bits != p->dirty_bits)
		return asb(s->dirty_bits < p->dirty_bits ?
			   NBR_ASB_DISCARD_LOCAL : NBR_ASB_DISCARD_REMOTE,
			   "discard-least-changes");
	return asb(s->resolve_conflicts ? NBR_ASB_DISCARD_LOCAL :
		   NBR_ASB_DISCARD_REMOTE,
		   "discard-least-changes: equal changes, tie-breaker");
}

static struct nbr_asb_result by_age(const struct nbr_sync_side *s,
				    const struct nbr_sync_side *p,
				    bool discard_younger)
{
	bool s_old = s->flags & NBR_MDF_SPLIT_AS_PRIMARY;
	bool p_old = p->flags & NBR_MDF_SPLIT_AS_PRIMARY;
	struct nbr_asb_result r;

	if (s_old == p_old) {
		r = least_changes(s, p);
		r.why = "no younger/older primary to tell apart: discard-least-changes";
		return r;
	}
	/* The older primary was Primary when the nodes parted. */
	if (s_old == discard_younger)
		return asb(NBR_ASB_DISCARD_REMOTE, discard_younger ?
			   "discard-younger-primary: the peer" :
			   "discard-older-primary: the peer");
	return asb(NBR_ASB_DISCARD_LOCAL, discard_younger ?
		   "discard-younger-primary: this node" :
		   "discard-older-primary: this node");
}

static struct nbr_asb_result zero_changes(const struct nbr_sync_side *s,
					  const struct nbr_sync_side *p)
{
	if (!s->dirty_bits && !p->dirty_bits)
		return asb(s->resolve_conflicts ? NBR_ASB_DISCARD_LOCAL :
			   NBR_ASB_DISCARD_REMOTE,
			   "discard-zero-changes: neither changed, tie-breaker");
	if (!s->dirty_bits)
		return asb(NBR_ASB_DISCARD_LOCAL, "discard-zero-changes: this node");
	if (!p->dirty_bits)
		return asb(NBR_ASB_DISCARD_REMOTE, "discard-zero-changes: the peer");
	return asb(NBR_ASB_DISCONNECT, "discard-zero-changes: both changed");
}

static struct nbr_asb_result asb0(const struct nbr_sync_side *s,
				  const struct nbr_sync_side *p,
				  enum nbr_asb0 pol)
{
	switch (pol) {
	case NBR_ASB0_DISCONNECT:
		return asb(NBR_ASB_DISCONNECT, "after-sb-0pri disconnect");
	case NBR_ASB0_DISCARD_YOUNGER_PRIMARY:
		return by_age(s, p, true);
	case NBR_ASB0_DISCARD_OLDER_PRIMARY:
		return by_age(s, p, false);
	case NBR_ASB0_DISCARD_ZERO_CHANGES:
		return zero_changes(s, p);
	case NBR_ASB0_DISCARD_LEAST_CHANGES:
		return least_changes(s, p);
	case NBR_ASB0_DISCARD_LOCAL:
		return asb(NBR_ASB_DISCARD_LOCAL, "discard-local");
	case NBR_ASB0_DISCARD_REMOTE:
		return asb(NBR_ASB_DISCARD_REMOTE, "discard-remote");
	case NBR_ASB0_DISCARD_NODE:
		if (s->named_discard != p->named_discard)
			return asb(s->named_discard ? NBR_ASB_DISCARD_LOCAL :
				   NBR_ASB_DISCARD_REMOTE, "discard-node");
		return asb(NBR_ASB_DISCONNECT,
			   "discard-node: not exactly one node is named");
	}
	return asb(NBR_ASB_DISCONNECT, "unknown after-sb-0pri policy");
}

/* Does @r throw away the data of the Primary among @s/@p? */
static bool discards_primary(const struct nbr_asb_result *r,
			     const struct nbr_sync_side *s,
			     const struct nbr_sync_side *p)
{
	return (r->verdict == NBR_ASB_DISCARD_LOCAL && s->primary) ||
	       (r->verdict == NBR_ASB_DISCARD_REMOTE && p->primary);
}

static struct nbr_asb_result asb1(const struct nbr_sync_side *s,
				  const struct nbr_sync_side *p,
				  const struct nbr_asb_policy *pol)
{
	struct nbr_asb_result r;

	switch (pol->p1) {
	case NBR_ASB1_DISCONNECT:
		return asb(NBR_ASB_DISCONNECT, "after-sb-1pri disconnect");
	case NBR_ASB1_DISCARD_SECONDARY:
		return asb(s->primary ? NBR_ASB_DISCARD_REMOTE :
			   NBR_ASB_DISCARD_LOCAL, "discard-secondary");
	case NBR_ASB1_CONSENSUS:
		r = asb0(s, p, pol->p0);
		if (r.verdict != NBR_ASB_DISCONNECT && discards_primary(&r, s, p))
			return asb(NBR_ASB_DISCONNECT,
				   "consensus: after-sb-0pri would discard the Primary");
		return r;
	case NBR_ASB1_VIOLENTLY_AS0P:
		return asb0(s, p, pol->p0);
	case NBR_ASB1_CALL_PRI_LOST_AFTER_SB:
		r = asb0(s, p, pol->p0);
		r.call_pri_lost = discards_primary(&r, s, p);
		return r;
	}
	return asb(NBR_ASB_DISCONNECT, "unknown after-sb-1pri policy");
}

static struct nbr_asb_result asb2(const struct nbr_sync_side *s,
				  const struct nbr_sync_side *p,
				  const struct nbr_asb_policy *pol)
{
	struct nbr_asb_result r;

	switch (pol->p2) {
	case NBR_ASB2_DISCONNECT:
		return asb(NBR_ASB_DISCONNECT, "after-sb-2pri disconnect");
	case NBR_ASB2_VIOLENTLY_AS0P:
		return asb0(s, p, pol->p0);
	case NBR_ASB2_CALL_PRI_LOST_AFTER_SB:
		r = asb0(s, p, pol->p0);
		r.call_pri_lost = r.verdict != NBR_ASB_DISCONNECT;
		return r;
	}
	return asb(NBR_ASB_DISCONNECT, "unknown after-sb-2pri policy");
}

struct nbr_asb_result nbr_asb_decide(const struct nbr_sync_side *self,
				     const struct nbr_sync_side *peer,
				     enum nbr_sync decision,
				     const struct nbr_asb_policy *policy)
{
	struct nbr_asb_result r;
	bool full = false;

	if (decision == NBR_SYNC_SPLIT_BRAIN_HISTORY && policy->always_asbp)
		full = true;
	else if (decision != NBR_SYNC_SPLIT_BRAIN)
		return asb(NBR_ASB_DISCONNECT,
			   "no common bitmap: automatic recovery not possible");
	if (self->primary && peer->primary)
		r = asb2(self, peer, policy);
	else if (self->primary || peer->primary)
		r = asb1(self, peer, policy);
	else
		r = asb0(self, peer, policy->p0);
	r.full_sync = full && r.verdict != NBR_ASB_DISCONNECT;
	return r;
}
