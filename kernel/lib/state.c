// SPDX-License-Identifier: GPL-2.0-only
/*
 * State-transition rules. Each rule is one small function over the old
 * and new state; nbr_state_check() runs them in order and reports the
 * first failure. Switches on state enums have no default, so adding a
 * state makes the compiler (-Wswitch) point at every place to decide.
 */
#include "nbr_state_rules.h"

static bool values_valid(const struct nbr_state *s)
{
	return (unsigned int)s->role < NBR_R_COUNT &&
	       (unsigned int)s->peer_role < NBR_R_COUNT &&
	       (unsigned int)s->conn < NBR_C_COUNT &&
	       (unsigned int)s->disk < NBR_D_COUNT &&
	       (unsigned int)s->peer_disk < NBR_D_COUNT;
}

/* Connected or any state reached through Connected (sync, verify). */
static bool is_connected(enum nbr_conn_state c)
{
	return c >= NBR_C_CONNECTED;
}

/* Transient states after a live connection was lost. */
static bool is_failure(enum nbr_conn_state c)
{
	return c == NBR_C_TIMEOUT || c == NBR_C_BROKENPIPE ||
	       c == NBR_C_NETWORKFAILURE || c == NBR_C_PROTOCOLERROR;
}

/* A live TCP connection exists (handshake or later). */
static bool has_link(enum nbr_conn_state c)
{
	return c == NBR_C_WFREPORTPARAMS || is_connected(c);
}

static enum nbr_ss rule_values(const struct nbr_state *o,
			       const struct nbr_state *n)
{
	return values_valid(o) && values_valid(n) ? NBR_SS_SUCCESS :
						    NBR_SS_INVALID_VALUE;
}

static enum nbr_ss rule_local_disk_known(const struct nbr_state *o,
					 const struct nbr_state *n)
{
	(void)o;
	return n->disk == NBR_D_DUNKNOWN ? NBR_SS_LOCAL_DUNKNOWN :
					   NBR_SS_SUCCESS;
}

/* The peer's role and disk are known exactly while connected. */
static enum nbr_ss rule_peer_needs_connection(const struct nbr_state *o,
					      const struct nbr_state *n)
{
	bool unknown = n->peer_role == NBR_R_UNKNOWN &&
		       n->peer_disk == NBR_D_DUNKNOWN;
	bool known = n->peer_role != NBR_R_UNKNOWN &&
		     n->peer_disk != NBR_D_DUNKNOWN;

	(void)o;
	if (is_connected(n->conn) ? known : unknown)
		return NBR_SS_SUCCESS;
	return NBR_SS_PEER_WITHOUT_CONNECTION;
}

static enum nbr_ss rule_one_primary(const struct nbr_state *o,
				    const struct nbr_state *n)
{
	(void)o;
	if (is_connected(n->conn) && n->role == NBR_R_PRIMARY &&
	    n->peer_role == NBR_R_PRIMARY)
		return NBR_SS_TWO_PRIMARIES;
	return NBR_SS_SUCCESS;
}

/*
 * Promotion needs UpToDate data, local or through the connected peer.
 * Only on promotion: losing the disk or the peer while Primary happens
 * to us and must be representable.
 */
static enum nbr_ss rule_promote_needs_data(const struct nbr_state *o,
					   const struct nbr_state *n)
{
	if (o->role == NBR_R_PRIMARY || n->role != NBR_R_PRIMARY)
		return NBR_SS_SUCCESS;
	if (n->disk == NBR_D_UPTODATE)
		return NBR_SS_SUCCESS;
	if (is_connected(n->conn) && n->peer_disk == NBR_D_UPTODATE)
		return NBR_SS_SUCCESS;
	if (n->disk == NBR_D_OUTDATED)
		return NBR_SS_OUTDATED;
	return NBR_SS_NO_UP_TO_DATE_DISK;
}

/* May the connection state go from @o to @n in one step? */
static bool conn_step_ok(enum nbr_conn_state o, enum nbr_conn_state n)
{
	if (o == n)
		return true;
	switch (n) {
	case NBR_C_STANDALONE:
		return true;	/* admin disconnect, or dropped for good */
	case NBR_C_DISCONNECTING:
		return o != NBR_C_STANDALONE;
	case NBR_C_UNCONNECTED:
		return o == NBR_C_STANDALONE || o == NBR_C_TEARDOWN ||
		       is_failure(o);
	case NBR_C_TIMEOUT:
	case NBR_C_BROKENPIPE:
	case NBR_C_NETWORKFAILURE:
	case NBR_C_PROTOCOLERROR:
		return has_link(o);
	case NBR_C_TEARDOWN:
		return has_link(o) || is_failure(o);
	case NBR_C_WFCONNECTION:
		/* A failed handshake goes back to waiting. */
		return o == NBR_C_UNCONNECTED || o == NBR_C_WFREPORTPARAMS;
	case NBR_C_WFREPORTPARAMS:
		return o == NBR_C_WFCONNECTION;
	case NBR_C_CONNECTED:
		return has_link(o);
	case NBR_C_STARTINGSYNCS:
	case NBR_C_STARTINGSYNCT:
	case NBR_C_WFBITMAPS:
	case NBR_C_WFBITMAPT:
	case NBR_C_WFSYNCUUID:
	case NBR_C_SYNCSOURCE:
	case NBR_C_SYNCTARGET:
	case NBR_C_VERIFYS:
	case NBR_C_VERIFYT:
	case NBR_C_PAUSEDSYNCS:
	case NBR_C_PAUSEDSYNCT:
		return has_link(o);
	case NBR_C_COUNT:
		break;
	}
	return false;
}

static enum nbr_ss rule_conn_step(const struct nbr_state *o,
				  const struct nbr_state *n)
{
	return conn_step_ok(o->conn, n->conn) ? NBR_SS_SUCCESS :
						NBR_SS_CONN_TRANSITION;
}

/* May the local disk state go from @o to @n in one step? */
static bool disk_step_ok(enum nbr_disk_state o, enum nbr_disk_state n)
{
	if (o == n)
		return true;
	switch (n) {
	case NBR_D_DISKLESS:
		return true;	/* detach, or a failed disk let go */
	case NBR_D_ATTACHING:
		return o == NBR_D_DISKLESS;
	case NBR_D_FAILED:
		return o != NBR_D_DISKLESS;
	case NBR_D_NEGOTIATING:
		return o == NBR_D_ATTACHING;
	case NBR_D_INCONSISTENT:
	case NBR_D_OUTDATED:
	case NBR_D_CONSISTENT:
	case NBR_D_UPTODATE:
		/* A disk must attach first; a failed one must go. */
		return o != NBR_D_DISKLESS && o != NBR_D_FAILED;
	case NBR_D_DUNKNOWN:
		return false;	/* rule_local_disk_known says why */
	case NBR_D_COUNT:
		break;
	}
	return false;
}

static enum nbr_ss rule_disk_step(const struct nbr_state *o,
				  const struct nbr_state *n)
{
	if (n->disk == NBR_D_DUNKNOWN)
		return NBR_SS_SUCCESS;	/* reported by its own rule */
	return disk_step_ok(o->disk, n->disk) ? NBR_SS_SUCCESS :
						NBR_SS_DISK_TRANSITION;
}

/* Resync copies UpToDate data onto an Inconsistent disk; verify compares
 * two UpToDate disks.
 */
static enum nbr_ss rule_sync_disks(const struct nbr_state *o,
				   const struct nbr_state *n)
{
	enum nbr_disk_state src = NBR_D_UPTODATE, dst = NBR_D_INCONSISTENT;
	bool ok = true;

	(void)o;
	switch (n->conn) {
	case NBR_C_SYNCSOURCE:
	case NBR_C_PAUSEDSYNCS:
		ok = n->disk == src && n->peer_disk == dst;
		break;
	case NBR_C_SYNCTARGET:
	case NBR_C_PAUSEDSYNCT:
		ok = n->disk == dst && n->peer_disk == src;
		break;
	case NBR_C_VERIFYS:
	case NBR_C_VERIFYT:
		ok = n->disk == src && n->peer_disk == src;
		break;
	case NBR_C_STANDALONE:
	case NBR_C_DISCONNECTING:
	case NBR_C_UNCONNECTED:
	case NBR_C_TIMEOUT:
	case NBR_C_BROKENPIPE:
	case NBR_C_NETWORKFAILURE:
	case NBR_C_PROTOCOLERROR:
	case NBR_C_TEARDOWN:
	case NBR_C_WFCONNECTION:
	case NBR_C_WFREPORTPARAMS:
	case NBR_C_CONNECTED:
	case NBR_C_STARTINGSYNCS:
	case NBR_C_STARTINGSYNCT:
	case NBR_C_WFBITMAPS:
	case NBR_C_WFBITMAPT:
	case NBR_C_WFSYNCUUID:
	case NBR_C_COUNT:
		break;
	}
	return ok ? NBR_SS_SUCCESS : NBR_SS_SYNC_DISK_STATES;
}

typedef enum nbr_ss (*nbr_state_rule)(const struct nbr_state *o,
				      const struct nbr_state *n);

/* Order matters only for which reason is reported first. */
static const nbr_state_rule rules[] = {
	rule_values,
	rule_local_disk_known,
	rule_conn_step,
	rule_disk_step,
	rule_peer_needs_connection,
	rule_one_primary,
	rule_promote_needs_data,
	rule_sync_disks,
};

enum nbr_ss nbr_state_check(const struct nbr_state *old,
			    const struct nbr_state *new_state,
			    const char **reason)
{
	enum nbr_ss rv = NBR_SS_SUCCESS;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rules) && rv == NBR_SS_SUCCESS; i++)
		rv = rules[i](old, new_state);
	if (reason)
		*reason = nbr_ss_str(rv);
	return rv;
}

bool nbr_disk_has_data(enum nbr_disk_state d)
{
	switch (d) {
	case NBR_D_INCONSISTENT:
	case NBR_D_OUTDATED:
	case NBR_D_CONSISTENT:
	case NBR_D_UPTODATE:
		return true;
	case NBR_D_DISKLESS:
	case NBR_D_ATTACHING:
	case NBR_D_FAILED:
	case NBR_D_NEGOTIATING:
	case NBR_D_DUNKNOWN:
	case NBR_D_COUNT:
		break;
	}
	return false;
}

/*
 * A Secondary whose Primary has no usable disk: the Primary's writes
 * reach this disk only.
 */
static bool only_disk_of_primary(const struct nbr_state *s)
{
	return s->role != NBR_R_PRIMARY && s->disk == NBR_D_UPTODATE &&
	       s->conn >= NBR_C_CONNECTED && s->peer_role == NBR_R_PRIMARY &&
	       !nbr_disk_has_data(s->peer_disk);
}

bool nbr_needs_new_current(const struct nbr_state *os,
			   const struct nbr_state *ns)
{
	if (only_disk_of_primary(ns))
		return !only_disk_of_primary(os);
	if (ns->role != NBR_R_PRIMARY || ns->disk != NBR_D_UPTODATE)
		return false;
	if (os->role != NBR_R_PRIMARY)
		return !nbr_disk_has_data(ns->peer_disk);
	return nbr_disk_has_data(os->peer_disk) &&
	       !nbr_disk_has_data(ns->peer_disk);
}

bool nbr_peer_state_predates_sync(enum nbr_conn_state mine,
				  enum nbr_conn_state peer_conn,
				  enum nbr_disk_state peer_disk)
{
	if (mine != NBR_C_SYNCSOURCE && mine != NBR_C_PAUSEDSYNCS)
		return false;
	if (peer_conn == NBR_C_SYNCTARGET || peer_conn == NBR_C_PAUSEDSYNCT)
		return false;
	return nbr_disk_has_data(peer_disk);
}

const char *nbr_role_str(enum nbr_role r)
{
	switch (r) {
	case NBR_R_UNKNOWN:
		return "Unknown";
	case NBR_R_PRIMARY:
		return "Primary";
	case NBR_R_SECONDARY:
		return "Secondary";
	case NBR_R_COUNT:
		break;
	}
	return "?";
}

const char *nbr_conn_str(enum nbr_conn_state c)
{
	switch (c) {
	case NBR_C_STANDALONE:
		return "StandAlone";
	case NBR_C_DISCONNECTING:
		return "Disconnecting";
	case NBR_C_UNCONNECTED:
		return "Unconnected";
	case NBR_C_TIMEOUT:
		return "Timeout";
	case NBR_C_BROKENPIPE:
		return "BrokenPipe";
	case NBR_C_NETWORKFAILURE:
		return "NetworkFailure";
	case NBR_C_PROTOCOLERROR:
		return "ProtocolError";
	case NBR_C_TEARDOWN:
		return "TearDown";
	case NBR_C_WFCONNECTION:
		return "WFConnection";
	case NBR_C_WFREPORTPARAMS:
		return "WFReportParams";
	case NBR_C_CONNECTED:
		return "Connected";
	case NBR_C_STARTINGSYNCS:
		return "StartingSyncS";
	case NBR_C_STARTINGSYNCT:
		return "StartingSyncT";
	case NBR_C_WFBITMAPS:
		return "WFBitMapS";
	case NBR_C_WFBITMAPT:
		return "WFBitMapT";
	case NBR_C_WFSYNCUUID:
		return "WFSyncUUID";
	case NBR_C_SYNCSOURCE:
		return "SyncSource";
	case NBR_C_SYNCTARGET:
		return "SyncTarget";
	case NBR_C_VERIFYS:
		return "VerifyS";
	case NBR_C_VERIFYT:
		return "VerifyT";
	case NBR_C_PAUSEDSYNCS:
		return "PausedSyncS";
	case NBR_C_PAUSEDSYNCT:
		return "PausedSyncT";
	case NBR_C_COUNT:
		break;
	}
	return "?";
}

const char *nbr_disk_str(enum nbr_disk_state d)
{
	switch (d) {
	case NBR_D_DISKLESS:
		return "Diskless";
	case NBR_D_ATTACHING:
		return "Attaching";
	case NBR_D_FAILED:
		return "Failed";
	case NBR_D_NEGOTIATING:
		return "Negotiating";
	case NBR_D_INCONSISTENT:
		return "Inconsistent";
	case NBR_D_OUTDATED:
		return "Outdated";
	case NBR_D_DUNKNOWN:
		return "DUnknown";
	case NBR_D_CONSISTENT:
		return "Consistent";
	case NBR_D_UPTODATE:
		return "UpToDate";
	case NBR_D_COUNT:
		break;
	}
	return "?";
}

const char *nbr_ss_str(enum nbr_ss rv)
{
	switch (rv) {
	case NBR_SS_SUCCESS:
		return "State change was successful";
	case NBR_SS_INVALID_VALUE:
		return "Invalid state value";
	case NBR_SS_TWO_PRIMARIES:
		return "Multiple primaries not allowed";
	case NBR_SS_NO_UP_TO_DATE_DISK:
		return "Need access to UpToDate data";
	case NBR_SS_OUTDATED:
		return "Refusing to be Primary with Outdated data";
	case NBR_SS_PEER_WITHOUT_CONNECTION:
		return "Peer state is known only while connected";
	case NBR_SS_LOCAL_DUNKNOWN:
		return "Local disk state cannot be DUnknown";
	case NBR_SS_CONN_TRANSITION:
		return "Illegal connection state transition";
	case NBR_SS_DISK_TRANSITION:
		return "Illegal disk state transition";
	case NBR_SS_SYNC_DISK_STATES:
		return "Disk states do not fit the sync state";
	}
	return "Unknown state change result";
}

char nbr_wire_proto_char(enum nbr_wire_proto p)
{
	switch (p) {
	case NBR_PROT_A:
		return 'A';
	case NBR_PROT_B:
		return 'B';
	case NBR_PROT_C:
		return 'C';
	}
	return '?';
}
