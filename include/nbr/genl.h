/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Generic netlink interface between drbdsetup and the module.
 *
 * Family "nbr" (not "drbd": the in-tree DRBD 8.4 module owns that name and
 * may be loaded next to ours). Every request names its device with
 * NBR_A_MINOR except NBR_ADM_GET_STATUS as a dump (all minors). Mutating
 * commands need CAP_NET_ADMIN (GENL_ADMIN_PERM) and CAP_SYS_ADMIN; status
 * and events are readable by everyone but never carry the shared secret.
 * The kernel validates every attribute with a strict policy and reports
 * failures through extack with a human-readable message.
 *
 * Attributes form one flat namespace so one policy covers every command;
 * each command uses the subset listed with it. Numbers are ABI: append only.
 */
#ifndef NBR_GENL_H
#define NBR_GENL_H

#include "version.h"

#define NBR_GENL_NAME		"nbr"
#define NBR_GENL_VERSION	NBR_API_VERSION
#define NBR_GENL_MCGRP_EVENTS	"events"

/* Limits the policy enforces. */
#define NBR_MINOR_COUNT_MAX	255	/* largest minor_count parameter */
#define NBR_SECRET_MAX		64	/* shared secret bytes */
#define NBR_PATH_MAX		128	/* backing device path, with NUL */
#define NBR_SOCKBUF_MAX		(10 << 20) /* sndbuf-size, rcvbuf-size */

enum nbr_genl_cmd {
	NBR_ADM_UNSPEC,
	/* doit: one device (NBR_A_MINOR); dumpit: every device. Reply: the
	 * status attributes (NBR_A_ROLE ... NBR_A_STATS) and, once "net" was
	 * given, the net configuration (addresses, peer name, protocol, algs,
	 * timers; never the secret).
	 */
	NBR_ADM_GET_STATUS,
	/* Create /dev/nb<minor>: NBR_A_MINOR, NBR_A_RESOURCE. */
	NBR_ADM_NEW_MINOR,
	/* Remove an unconfigured, closed device: NBR_A_MINOR. */
	NBR_ADM_DEL_MINOR,
	/* Attach a backing device ("disk"): NBR_A_MINOR, NBR_A_BACKING_DEV,
	 * optional NBR_A_SIZE_LIMIT, NBR_A_ON_IO_ERROR.
	 */
	NBR_ADM_ATTACH,
	/* Drop the backing device: NBR_A_MINOR, optional NBR_A_FORCE. */
	NBR_ADM_DETACH,
	/* Configure the network and start connecting ("net"/"connect"):
	 * NBR_A_MINOR, addresses, names, protocol and the net options.
	 */
	NBR_ADM_CONNECT,
	/* Close the connection and go StandAlone: NBR_A_MINOR,
	 * optional NBR_A_FORCE (do not wait for in-flight requests).
	 */
	NBR_ADM_DISCONNECT,
	/* Promote: NBR_A_MINOR, optional NBR_A_FORCE (declare the local
	 * data UpToDate even if it is not: the "initial sync" case).
	 */
	NBR_ADM_PRIMARY,
	/* Demote; fails while the device is open: NBR_A_MINOR. */
	NBR_ADM_SECONDARY,
	/* Secondary, disconnect and detach in one: NBR_A_MINOR. The minor
	 * stays for NBR_ADM_DEL_MINOR (drbdadm runs "down" then "del-minor").
	 */
	NBR_ADM_DOWN,
	/* Multicast on NBR_GENL_MCGRP_EVENTS after every state change:
	 * the status attributes plus NBR_A_EVENT_SEQ and NBR_A_REASON.
	 */
	NBR_ADM_EVENT,
	/* Discard the local data and resync all of it from the peer (this
	 * node becomes SyncTarget); needs a connection to an UpToDate peer,
	 * or, without one, just marks the whole disk out of sync and
	 * Inconsistent: NBR_A_MINOR.
	 */
	NBR_ADM_INVALIDATE,
	/* Resync all of the peer's disk from ours (SyncSource); needs a
	 * connected peer and UpToDate local data: NBR_A_MINOR.
	 */
	NBR_ADM_INVALIDATE_REMOTE,
	/* Hold / release a running or pending resync: NBR_A_MINOR. */
	NBR_ADM_PAUSE_SYNC,
	NBR_ADM_RESUME_SYNC,
	/* Online verify against the connected peer: NBR_A_MINOR, optional
	 * NBR_A_START_SECTOR. Blocks that differ are marked out of sync.
	 */
	NBR_ADM_VERIFY,
	/* Start a new data generation: NBR_A_MINOR, optional
	 * NBR_A_CLEAR_BITMAP (both disks blank or identical: skip the
	 * initial sync; only while Connected, both Inconsistent, or
	 * StandAlone/Secondary).
	 */
	NBR_ADM_NEW_CURRENT_UUID,
	/* Mark the local data Outdated (it must not be promoted); refused
	 * while Primary or while connected to a Primary: NBR_A_MINOR.
	 */
	NBR_ADM_OUTDATE,
	__NBR_ADM_MAX
};
#define NBR_ADM_MAX (__NBR_ADM_MAX - 1)

enum nbr_genl_attr {
	NBR_A_UNSPEC,
	/* u32: device minor, /dev/nb<minor>; below the minor_count param */
	NBR_A_MINOR,
	/* string: resource name, 1..63 printable chars, no '/' */
	NBR_A_RESOURCE,
	/* string: backing block device path, opened exclusively */
	NBR_A_BACKING_DEV,
	/* u64: size limit in 512-byte sectors, 0 = whole backing device */
	NBR_A_SIZE_LIMIT,
	/* u8: enum nbr_on_io_error */
	NBR_A_ON_IO_ERROR,
	/* binary: local address, struct sockaddr_in (16 bytes) or
	 * struct sockaddr_in6 (28 bytes), port included
	 */
	NBR_A_MY_ADDR,
	/* binary: peer address, same format as NBR_A_MY_ADDR */
	NBR_A_PEER_ADDR,
	/* string: this node's name (hostname), 1..63 printable chars */
	NBR_A_MY_NAME,
	/* string: the peer's node name, checked during authentication */
	NBR_A_PEER_NAME,
	/* u8: enum nbr_wire_proto (1 = A, 2 = B, 3 = C) */
	NBR_A_PROTOCOL,
	/* u8: enum nbr_auth_alg */
	NBR_A_AUTH_ALG,
	/* binary: shared secret, 1..NBR_SECRET_MAX bytes; write-only, never
	 * in any reply or event
	 */
	NBR_A_SHARED_SECRET,
	/* u8: enum nbr_integrity_alg */
	NBR_A_INTEGRITY_ALG,
	/* u32: reply timeout, 0.1 s units (DRBD "timeout", default 60) */
	NBR_A_TIMEOUT,
	/* u32: seconds between connection attempts (default 10) */
	NBR_A_CONNECT_INT,
	/* u32: seconds of idle before a ping (default 10) */
	NBR_A_PING_INT,
	/* u32: ping answer timeout, 0.1 s units (default 5) */
	NBR_A_PING_TIMEOUT,
	/* u32: writes per epoch before a barrier is forced (default 2048) */
	NBR_A_MAX_EPOCH_SIZE,
	/* flag: --force for primary, detach and disconnect */
	NBR_A_FORCE,
	/* u8: enum nbr_role, local (replies and events) */
	NBR_A_ROLE,
	/* u8: enum nbr_role, peer (replies and events) */
	NBR_A_PEER_ROLE,
	/* u8: enum nbr_conn_state (replies and events) */
	NBR_A_CONN_STATE,
	/* u8: enum nbr_disk_state, local (replies and events) */
	NBR_A_DISK_STATE,
	/* u8: enum nbr_disk_state, peer (replies and events) */
	NBR_A_PEER_DISK_STATE,
	/* u64: size of /dev/nb<minor> in 512-byte sectors (replies) */
	NBR_A_DEV_SIZE,
	/* nested: enum nbr_stat_attr counters (replies) */
	NBR_A_STATS,
	/* u32: event sequence number, +1 per event, for gap detection */
	NBR_A_EVENT_SEQ,
	/* string: why the state changed / why a connection was refused */
	NBR_A_REASON,
	/* u32: agreed protocol version while connected (replies) */
	NBR_A_AGREED_PROTO,
	/* padding for 64-bit attributes on architectures that align them;
	 * carries nothing, readers skip it
	 */
	NBR_A_PAD,
	/* string: metadata device for external metadata; absent = internal
	 * (at the end of NBR_A_BACKING_DEV)
	 */
	NBR_A_META_DEV,
	/* u32: slot of NBR_A_META_DEV in 128 MiB units ("meta-disk DEV [I]");
	 * absent with NBR_A_META_DEV = flexible external metadata at byte 0
	 */
	NBR_A_META_INDEX,
	/* u32: activity-log extents in use, 7..65534, at most what the
	 * metadata was created with (default: that value)
	 */
	NBR_A_AL_EXTENTS,
	/* u32: resync rate in KiB/s when c-plan-ahead is 0 (default 250) */
	NBR_A_RESYNC_RATE,
	/* u32: dynamic resync controller horizon, 0.1 s; 0 = fixed rate
	 * (default 20)
	 */
	NBR_A_C_PLAN_AHEAD,
	/* u32: dynamic controller ceiling, KiB/s (default 102400) */
	NBR_A_C_MAX_RATE,
	/* u32: resync rate kept while the application writes, KiB/s
	 * (default 250)
	 */
	NBR_A_C_MIN_RATE,
	/* u8: enum nbr_asb0, after-sb-0pri (default disconnect) */
	NBR_A_AFTER_SB_0PRI,
	/* u8: enum nbr_asb1, after-sb-1pri (default disconnect) */
	NBR_A_AFTER_SB_1PRI,
	/* u8: enum nbr_asb2, after-sb-2pri (default disconnect) */
	NBR_A_AFTER_SB_2PRI,
	/* flag: apply the after-sb policies also without a common bitmap */
	NBR_A_ALWAYS_ASBP,
	/* flag: connect --discard-my-data: this node loses a split brain */
	NBR_A_DISCARD_MY_DATA,
	/* u8: enum nbr_digest_alg, verify-alg (default crc32c) */
	NBR_A_VERIFY_ALG,
	/* u64: first sector for NBR_ADM_VERIFY (default 0) */
	NBR_A_START_SECTOR,
	/* flag: new-current-uuid --clear-bitmap */
	NBR_A_CLEAR_BITMAP,
	/* u64 each: generation identifiers of the local disk (replies and
	 * events; absent when diskless)
	 */
	NBR_A_UUID_CURRENT,
	NBR_A_UUID_BITMAP,
	NBR_A_UUID_HISTORY1,
	NBR_A_UUID_HISTORY2,
	/* u32: NBR_MDF_* flags of the local metadata (replies and events) */
	NBR_A_MD_FLAGS,
	/* nested: enum nbr_sync_attr, while a resync or verify runs */
	NBR_A_SYNC,
	/* string: node name given to drbdsetup new-minor, for
	 * discard-node-NAME (after-sb-0pri); optional on NBR_ADM_CONNECT
	 */
	NBR_A_DISCARD_NODE,
	/* u32: a write or read the peer has not answered within ko-count
	 * times NBR_A_TIMEOUT drops the connection; 0 = never (default 7)
	 */
	NBR_A_KO_COUNT,
	/* u32 each: fixed TCP send / receive buffer of both sockets, bytes;
	 * 0 = the kernel's autotuning (default)
	 */
	NBR_A_SNDBUF_SIZE,
	NBR_A_RCVBUF_SIZE,
	/* u8: 1 = metadata writes (superblock, activity log, bitmap) carry
	 * flush/FUA (default); 0 = md-flushes no, for a disk whose write
	 * cache survives power loss
	 */
	NBR_A_MD_FLUSHES,
	__NBR_A_MAX
};
#define NBR_A_MAX (__NBR_A_MAX - 1)

/* Counters inside NBR_A_STATS, all u64, as /proc/drbd shows them. */
enum nbr_stat_attr {
	NBR_S_UNSPEC,
	NBR_S_NET_SENT_KIB,	/* ns */
	NBR_S_NET_RECV_KIB,	/* nr */
	NBR_S_DISK_WRITE_KIB,	/* dw */
	NBR_S_DISK_READ_KIB,	/* dr */
	NBR_S_AL_WRITES,	/* al */
	NBR_S_BM_WRITES,	/* bm */
	NBR_S_LOCAL_PENDING,	/* lo */
	NBR_S_PEER_PENDING,	/* pe */
	NBR_S_UNACKED,		/* ua */
	NBR_S_APP_PENDING,	/* ap */
	NBR_S_EPOCHS,		/* ep */
	NBR_S_OUT_OF_SYNC_KIB,	/* oos */
	NBR_S_PAD,		/* padding, carries nothing */
	NBR_S_RESYNC_SENT_KIB,	/* resync data sent as SyncSource */
	NBR_S_RESYNC_RECV_KIB,	/* resync data written as SyncTarget */
	__NBR_S_MAX
};
#define NBR_S_MAX (__NBR_S_MAX - 1)

/*
 * Progress of a resync or online verify, inside NBR_A_SYNC; u64 unless
 * noted. KiB are 4 KiB bitmap blocks times 4.
 */
enum nbr_sync_attr {
	NBR_SY_UNSPEC,
	NBR_SY_TOTAL_KIB,	/* to sync (verify: to check) when it started */
	NBR_SY_LEFT_KIB,	/* still to sync / check */
	NBR_SY_SPEED_KIB,	/* KiB/s over the last few seconds */
	NBR_SY_AVG_SPEED_KIB,	/* KiB/s since the start, pauses excluded */
	NBR_SY_ETA_S,		/* seconds to go at the recent speed */
	NBR_SY_PAUSED,		/* u8: 1 = paused by pause-sync */
	NBR_SY_OOS_FOUND_KIB,	/* verify: found out of sync so far */
	NBR_SY_PAD,		/* padding, carries nothing */
	__NBR_SY_MAX
};
#define NBR_SY_MAX (__NBR_SY_MAX - 1)

/* verify-alg: digest of one 4 KiB block in online verify. */
enum nbr_digest_alg {
	NBR_DIGEST_CRC32C = 1,
	NBR_DIGEST_SHA1 = 2,
	NBR_DIGEST_SHA256 = 3,
	NBR_DIGEST_MD5 = 4,
};

/* What to do when the backing device fails a request. */
enum nbr_on_io_error {
	NBR_IOERR_DETACH = 0,	/* drop the disk, serve from the peer */
	NBR_IOERR_PASS_ON = 1,	/* report the error to the upper layer */
};

#endif /* NBR_GENL_H */
