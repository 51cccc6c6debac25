/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Device states shared by the module, the tools and the wire.
 *
 * The names are DRBD 8.4's, so that users read /proc/drbd and events the
 * way they are used to. The numeric values are ours: they travel in
 * generic netlink attributes and in NBR_P_STATE/NBR_P_PARAMS packets, so
 * never renumber an existing value, only append before the *_COUNT entry.
 *
 * String forms come from one table in kernel/lib/state.c (nbr_role_str(),
 * nbr_conn_str(), nbr_disk_str()), used for logs, /proc/drbd and userspace.
 */
#ifndef NBR_STATE_H
#define NBR_STATE_H

enum nbr_role {
	NBR_R_UNKNOWN = 0,	/* peer role while not connected */
	NBR_R_PRIMARY = 1,	/* may be opened, reads and writes */
	NBR_R_SECONDARY = 2,	/* refuses every open */
	NBR_R_COUNT
};

enum nbr_conn_state {
	NBR_C_STANDALONE = 0,	/* no network config, or dropped for good */
	NBR_C_DISCONNECTING = 1,	/* admin disconnect in progress */
	NBR_C_UNCONNECTED = 2,	/* configured, before the first attempt */
	NBR_C_TIMEOUT = 3,	/* transient: the peer stopped answering */
	NBR_C_BROKENPIPE = 4,	/* transient: a socket closed */
	NBR_C_NETWORKFAILURE = 5,	/* transient: a socket error */
	NBR_C_PROTOCOLERROR = 6,	/* transient: the peer sent garbage */
	NBR_C_TEARDOWN = 7,	/* transient: sockets are being closed */
	NBR_C_WFCONNECTION = 8,	/* listening and connecting */
	NBR_C_WFREPORTPARAMS = 9,	/* TCP up: authenticating, exchanging params */
	NBR_C_CONNECTED = 10,	/* replicating */
	NBR_C_STARTINGSYNCS = 11,	/* admin-started full sync, we are source */
	NBR_C_STARTINGSYNCT = 12,	/* admin-started full sync, we are target */
	NBR_C_WFBITMAPS = 13,	/* bitmap exchange, we will be source */
	NBR_C_WFBITMAPT = 14,	/* bitmap exchange, we will be target */
	NBR_C_WFSYNCUUID = 15,	/* target waiting for the sync UUID */
	NBR_C_SYNCSOURCE = 16,
	NBR_C_SYNCTARGET = 17,
	NBR_C_VERIFYS = 18,	/* online verify, we drive it */
	NBR_C_VERIFYT = 19,	/* online verify, peer drives it */
	NBR_C_PAUSEDSYNCS = 20,
	NBR_C_PAUSEDSYNCT = 21,
	NBR_C_COUNT
	/* DRBD's Ahead/Behind (congestion pull-ahead) are not implemented. */
};

enum nbr_disk_state {
	NBR_D_DISKLESS = 0,	/* no backing device */
	NBR_D_ATTACHING = 1,	/* reading metadata */
	NBR_D_FAILED = 2,	/* I/O error, on the way to Diskless */
	NBR_D_NEGOTIATING = 3,	/* attached while connected, deciding */
	NBR_D_INCONSISTENT = 4,	/* being synced, or never synced */
	NBR_D_OUTDATED = 5,	/* consistent but known stale: no promotion */
	NBR_D_DUNKNOWN = 6,	/* only for the peer: no connection */
	NBR_D_CONSISTENT = 7,	/* consistent, freshness not known yet */
	NBR_D_UPTODATE = 8,	/* the newest data */
	NBR_D_COUNT
};

/*
 * One side's view of a device: what nbr_state_check() judges. Only this
 * struct is ever changed by a state transition.
 */
struct nbr_state {
	enum nbr_role role;
	enum nbr_role peer_role;
	enum nbr_conn_state conn;
	enum nbr_disk_state disk;
	enum nbr_disk_state peer_disk;
};

/*
 * Result of a state-change check. Negative, like DRBD's SS_* codes, so
 * that the value can be handed back over netlink as-is; the human string
 * is nbr_ss_str().
 */
enum nbr_ss {
	NBR_SS_SUCCESS = 0,
	NBR_SS_INVALID_VALUE = -1,	/* enum out of range */
	NBR_SS_TWO_PRIMARIES = -2,	/* both Primary while connected */
	NBR_SS_NO_UP_TO_DATE_DISK = -3,	/* promotion without good data */
	NBR_SS_OUTDATED = -4,		/* promotion with Outdated data */
	NBR_SS_PEER_WITHOUT_CONNECTION = -5,	/* peer state vs. conn */
	NBR_SS_LOCAL_DUNKNOWN = -6,	/* DUnknown is for the peer only */
	NBR_SS_CONN_TRANSITION = -7,	/* illegal connection step */
	NBR_SS_DISK_TRANSITION = -8,	/* illegal disk step */
	NBR_SS_SYNC_DISK_STATES = -9,	/* sync state vs. disk states */
	NBR_SS_LOWEST = -9
};

#endif /* NBR_STATE_H */
