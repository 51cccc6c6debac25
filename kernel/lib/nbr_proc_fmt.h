/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /proc/drbd text in DRBD 8.4's format, from plain values. The module
 * fills the structs from its real counters; these helpers only format.
 */
#ifndef NBR_PROC_FMT_H
#define NBR_PROC_FMT_H

#include "nbr_lib_compat.h"
#include <nbr/state.h>
#include <nbr/wire.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Blocked-I/O reason, the fifth I/O flag; values are the letters shown. */
enum nbr_proc_blocked {
	NBR_BLK_NONE = '-',
	NBR_BLK_INTERNAL = 'd',
	NBR_BLK_BACKING = 'b',
	NBR_BLK_NETWORK = 'n',
	NBR_BLK_BOTH = 'a',
};

/* Write-ordering method towards the backing device ("wo:"). */
enum nbr_proc_wo {
	NBR_WO_NONE = 'n',
	NBR_WO_DRAIN = 'd',
	NBR_WO_FLUSH = 'f',
	NBR_WO_BARRIER = 'b',
};

struct nbr_proc_dev {
	struct nbr_state st;
	bool has_net;		/* false: protocol letter is blank */
	enum nbr_wire_proto proto;
	/* The six I/O flags. */
	bool io_suspended;	/* 's' instead of 'r' */
	bool paused_dep;	/* 'a': resync-after dependency */
	bool paused_peer;	/* 'p' */
	bool paused_user;	/* 'u' */
	enum nbr_proc_blocked blocked;
	bool al_suspended;	/* 's' */
	/* Counters, in DRBD's units. */
	u64 ns_kib, nr_kib, dw_kib, dr_kib;
	u64 al_writes, bm_writes;
	u32 lo, pe, ua, ap, ep;
	enum nbr_proc_wo wo;
	u64 oos_kib;
};

/*
 * Each returns the length written (without the NUL) or -ENOSPC when
 * @size is too small; @buf is always NUL-terminated when @size > 0.
 */
/* "version: 0.1.0 (api:1/proto:1-1)\n" */
int nbr_proc_format_version(char *buf, size_t size);
/* " 0: cs:Unconfigured\n" for a minor without configuration */
int nbr_proc_format_unconfigured(char *buf, size_t size, unsigned int minor);
/* The state line and the counters line of one configured minor. */
int nbr_proc_format_dev(char *buf, size_t size, unsigned int minor,
			const struct nbr_proc_dev *d);

/* Progress of a running resync or online verify, in plain numbers. */
struct nbr_proc_sync {
	u64 total_kib;		/* to sync (verify: to check) at the start */
	u64 left_kib;		/* still to do; more than total counts as 0% */
	u64 speed_kib;		/* KiB/s over the last few seconds */
	u64 avg_speed_kib;	/* KiB/s since the start, pauses excluded */
	u64 want_kib;		/* controller's target rate; 0: not shown */
	bool verify;		/* "verified:" instead of "sync'ed:" */
	bool paused;		/* pause-sync: " (paused)" after K/sec */
	bool stalled;		/* no progress for a while: " (stalled)" */
};

/* Per mille done, 0..1000, rounded down. */
unsigned int nbr_proc_sync_permille(const struct nbr_proc_sync *s);
/*
 * Seconds to go at the current speed; U64_MAX-like ~0ULL when the
 * speed is 0 (paused, stalled, just started).
 */
u64 nbr_proc_sync_eta(const struct nbr_proc_sync *s);
/*
 * The two /proc/drbd progress lines of DRBD 8.4, each starting with a
 * tab and ending with a newline:
 *	[====>...............] sync'ed: 25.2% (191488/256000)K
 *	finish: 0:00:12 speed: 15,360 (14,200) K/sec
 * The bar has one '=' per full 5% minus one, then '>', then one '.' per
 * 5% still to do (20 characters from 5% on, 21 below, as DRBD prints
 * it). Above 4 GiB the amounts are in MiB: "(1024/8192)M". With no
 * current speed the finish time reads "-:--:--". "want: N" follows the
 * speeds when want_kib is set.
 */
int nbr_proc_format_sync(char *buf, size_t size,
			 const struct nbr_proc_sync *s);

#ifdef __cplusplus
}
#endif

#endif /* NBR_PROC_FMT_H */
