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

#ifdef __cplusplus
}
#endif

#endif /* NBR_PROC_FMT_H */
