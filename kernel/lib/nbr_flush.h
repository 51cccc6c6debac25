/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which cache flushes have nothing to do.
 *
 * A flush makes durable every write that completed before it was issued;
 * a FUA write is durable by the time it completes. So a flush is needed
 * only when a write without FUA completed after the issue of the newest
 * flush that has completed. An O_DSYNC write to a block device (fio
 * --sync=dsync, a database on a raw device) is a FUA write followed by an
 * empty flush: with protocol C that flush would cost a network round trip
 * and a cache flush on each disk for nothing.
 *
 * One tracker follows one disk: our backing disk (completions seen at
 * bio end_io), or the peer's (completions as the protocol reports them,
 * kernel/sender.c). Callers serialise all calls with their own lock.
 */
#ifndef NBR_FLUSH_H
#define NBR_FLUSH_H

#include "nbr_lib_compat.h"

#ifdef __cplusplus
extern "C" {
#endif

struct nbr_flush_track {
	u64 volatile_done;	/* writes without FUA completed so far */
	u64 stable_upto;	/* volatile_done when the newest completed
				 * flush was issued
				 */
};

/* A disk in an unknown state: the first flush is needed. */
void nbr_flush_track_init(struct nbr_flush_track *t);
/* A write completed (or failed: its state is unknown then, @fua false). */
void nbr_flush_write_done(struct nbr_flush_track *t, bool fua);
/* A flush is issued: the returned ticket goes to nbr_flush_done(). */
u64 nbr_flush_issue(const struct nbr_flush_track *t);
/* The flush issued with @ticket completed successfully. */
void nbr_flush_done(struct nbr_flush_track *t, u64 ticket);
/* Would a flush issued now make any completed write durable? */
bool nbr_flush_needed(const struct nbr_flush_track *t);

#ifdef __cplusplus
}
#endif

#endif /* NBR_FLUSH_H */
