/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * State-transition rules and the one enum -> string table for logs,
 * /proc/drbd, events and userspace.
 */
#ifndef NBR_STATE_RULES_H
#define NBR_STATE_RULES_H

#include "nbr_lib_compat.h"
#include <nbr/state.h>
#include <nbr/wire.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Check the change @old -> @new. Returns NBR_SS_SUCCESS or the first rule
 * that fails, with its human string in *@reason (when @reason is set).
 *
 * The rules judge states only. Things the state cannot show are checked
 * by the caller before it builds @new: "cannot go Secondary while the
 * device is open" (open count), "--force" (the caller then sets the local
 * disk UpToDate), and whether the handshake accepted the peer.
 */
enum nbr_ss nbr_state_check(const struct nbr_state *old,
			    const struct nbr_state *new_state,
			    const char **reason);

/* An attached disk that takes I/O (Inconsistent ... UpToDate). */
bool nbr_disk_has_data(enum nbr_disk_state d);

/*
 * Does the change @os -> @ns start writes that the other disk will not
 * get? Then the disk that gets them starts a new data generation, so the
 * identifiers show on the next connect which disk has them (and its
 * bitmap which blocks): an UpToDate Primary whose peer has (or gets) no
 * usable disk, and an UpToDate Secondary whose connected Primary has
 * none and writes through it.
 */
bool nbr_needs_new_current(const struct nbr_state *os,
			   const struct nbr_state *ns);

/*
 * Is a STATE message from the peer, reporting @peer_conn and @peer_disk,
 * older than the resync we run as source (@mine)? We become SyncSource
 * and take the peer's disk as Inconsistent before SYNC_UUID leaves; a
 * STATE the peer sent before it received SYNC_UUID crosses it on the wire
 * and shows the disk it had before. Every later one says SyncTarget, or
 * reports a lost disk, which is news whenever it was sent.
 */
bool nbr_peer_state_predates_sync(enum nbr_conn_state mine,
				  enum nbr_conn_state peer_conn,
				  enum nbr_disk_state peer_disk);
const char *nbr_role_str(enum nbr_role r);
const char *nbr_conn_str(enum nbr_conn_state c);
const char *nbr_disk_str(enum nbr_disk_state d);
const char *nbr_ss_str(enum nbr_ss rv);
/* 'A', 'B', 'C', or '?' */
char nbr_wire_proto_char(enum nbr_wire_proto p);

#ifdef __cplusplus
}
#endif

#endif /* NBR_STATE_RULES_H */
