// SPDX-License-Identifier: GPL-2.0-only
/* Which cache flushes have nothing to do; see nbr_flush.h. */
#include "nbr_flush.h"

void nbr_flush_track_init(struct nbr_flush_track *t)
{
	t->volatile_done = 1;
	t->stable_upto = 0;
}

void nbr_flush_write_done(struct nbr_flush_track *t, bool fua)
{
	if (!fua)
		t->volatile_done++;
}

u64 nbr_flush_issue(const struct nbr_flush_track *t)
{
	return t->volatile_done;
}

/* Flushes may complete out of order: an older one covers less. */
void nbr_flush_done(struct nbr_flush_track *t, u64 ticket)
{
	if (ticket > t->stable_upto)
		t->stable_upto = ticket;
}

bool nbr_flush_needed(const struct nbr_flush_track *t)
{
	return t->volatile_done != t->stable_upto;
}
