/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The nbr wire format: every packet on the data and the meta TCP connection
 * is one struct nbr_header followed by header.length payload bytes.
 *
 * Declared once, here, for the module and for userspace. All multi-byte
 * fields are big-endian and typed __be16/__be32/__be64 so that sparse
 * catches a missing conversion. Structs are packed and their sizes are
 * checked at compile time; offsets are given in comments. Code never reads
 * these structs directly from a socket buffer: kernel/lib/wire.c validates
 * and decodes them into host structs (kernel/lib/nbr_wire.h) first, and is
 * the only encoder. docs/wire-protocol.md describes the protocol.
 *
 * Compatibility: the header layout and the two auth packets never change
 * (a change would need a new magic). Everything after authentication is
 * governed by the protocol version negotiated in NBR_P_PARAMS plus the
 * intersection of the feature bits.
 */
#ifndef NBR_WIRE_H
#define NBR_WIRE_H

#include "compat.h"

/* "NBR1" in ASCII: readable in a hex dump, unlike DRBD's magics. */
#define NBR_MAGIC		0x4e425231u

/* Protocol versions this build speaks (NBR_P_PARAMS negotiates). */
#define NBR_PROTO_MIN		1u
#define NBR_PROTO_MAX		1u

/*
 * Feature bits (NBR_P_PARAMS.features). A bit is used only when both sides
 * set it; unknown bits from a newer peer are ignored.
 */
#define NBR_FEAT_FLUSH_FUA	(1ull << 0)	/* honours NBR_DP_FLUSH/FUA */
#define NBR_FEAT_REMOTE_READ	(1ull << 1)	/* serves NBR_P_READ_REQ */
#define NBR_FEAT_ONLY_COPY	(1ull << 2)	/* records NBR_DP_ONLY_COPY */
#define NBR_FEATURES_KNOWN	(NBR_FEAT_FLUSH_FUA | NBR_FEAT_REMOTE_READ | \
				 NBR_FEAT_ONLY_COPY)

/* Fixed sizes. */
#define NBR_NONCE_LEN		32u	/* auth challenge nonce */
#define NBR_MAC_LEN		32u	/* HMAC-SHA256 output */
#define NBR_NAME_LEN		64u	/* node and resource names, NUL-padded */
#define NBR_SECTOR_SIZE		512u
#define NBR_MIN_BIO_SIZE	4096u	/* smallest max_bio a peer may offer */
#define NBR_MAX_BIO_SIZE	(1u << 20)	/* largest data payload */
#define NBR_RS_BLOCK		4096u	/* resync/verify unit: one bitmap bit */

/* Packet types (nbr_header.command). 0 is never valid. */
enum nbr_packet {
	NBR_P_AUTH_CHALLENGE	= 1,	/* both sockets, first packet */
	NBR_P_AUTH_RESPONSE	= 2,	/* both sockets, second packet */
	NBR_P_PARAMS		= 3,	/* data socket, after auth */
	NBR_P_STATE		= 4,	/* data socket */
	NBR_P_DATA		= 5,	/* data socket: one write */
	NBR_P_BARRIER		= 6,	/* data socket: closes an epoch */
	NBR_P_RECV_ACK		= 7,	/* meta socket: protocol B */
	NBR_P_WRITE_ACK		= 8,	/* meta socket: protocol C */
	NBR_P_NEG_ACK		= 9,	/* meta socket: write failed on peer */
	NBR_P_BARRIER_ACK	= 10,	/* meta socket: epoch on stable storage */
	NBR_P_PING		= 11,	/* meta socket: keep-alive */
	NBR_P_PING_ACK		= 12,	/* meta socket */
	NBR_P_READ_REQ		= 13,	/* data socket: NBR_FEAT_REMOTE_READ */
	NBR_P_READ_REPLY	= 14,	/* data socket: NBR_FEAT_REMOTE_READ */
	NBR_P_UUIDS		= 15,	/* data socket, once after PARAMS */
	NBR_P_BITMAP		= 16,	/* data socket: a run-length chunk */
	NBR_P_SYNC_UUID		= 17,	/* data socket: resync starts */
	NBR_P_RS_DATA		= 18,	/* data socket: one resync block run */
	NBR_P_RS_ACK		= 19,	/* meta socket: resync data written */
	NBR_P_RS_NEG_ACK	= 20,	/* meta socket: resync write failed */
	NBR_P_RS_DONE		= 21,	/* data socket: resync finished */
	NBR_P_SYNC_REQ		= 22,	/* data socket: "be my SyncSource" */
	NBR_P_VERIFY_REQ	= 23,	/* data socket: digests to compare */
	NBR_P_VERIFY_REPLY	= 24,	/* meta socket: which ones differ */
	NBR_P_VERIFY_DONE	= 25,	/* data socket: verify finished */
	NBR_P_COUNT			/* one past the last valid command */
};

/* Which TCP connection a socket is; sent in the auth challenge. */
enum nbr_sock {
	NBR_SOCK_DATA = 1,	/* data, barriers, params, state */
	NBR_SOCK_META = 2,	/* acks and pings, never behind bulk data */
};

/* Replication protocol, DESIGN.md table. Values are on the wire. */
enum nbr_wire_proto {
	NBR_PROT_A = 1,		/* complete after local write + TCP send */
	NBR_PROT_B = 2,		/* ... + peer received (NBR_P_RECV_ACK) */
	NBR_PROT_C = 3,		/* ... + peer wrote (NBR_P_WRITE_ACK) */
};

/* Checksum of every data payload (configuration, must match). */
enum nbr_integrity_alg {
	NBR_INTEGRITY_NONE = 0,
	NBR_INTEGRITY_CRC32C = 1,	/* nbr_p_data.crc = crc32c(payload) */
};

/* Peer authentication (configuration, must match). */
enum nbr_auth_alg {
	NBR_AUTH_NONE = 0,	/* explicit, logged opt-out for tests */
	NBR_AUTH_HMAC_SHA256 = 1,
};

/*
 * The header, 16 bytes. magic and command sit at fixed offsets 0 and 4 so
 * that `iptables -m string --algo bm --hex-string "|4e425231 0005|"` drops
 * NBR_P_DATA packets (fault injection in the VM tests).
 */
struct nbr_header {
	__be32 magic;		/*  0: NBR_MAGIC */
	__be16 command;		/*  4: enum nbr_packet */
	__be16 flags;		/*  6: none defined yet, must be 0 */
	__be32 length;		/*  8: payload bytes after the header */
	__be32 reserved;	/* 12: must be 0 */
} NBR_PACKED;
NBR_ASSERT_SIZE(struct nbr_header, 16);

/*
 * NBR_P_AUTH_CHALLENGE: first packet in each direction on each socket.
 * Names are printable ASCII, NUL-terminated and NUL-padded to 64 bytes.
 */
struct nbr_p_auth_challenge {
	__u8 nonce[NBR_NONCE_LEN];	/*   0: fresh random per connection */
	__u8 node_name[NBR_NAME_LEN];	/*  32: sender's node name */
	__u8 resource[NBR_NAME_LEN];	/*  96: resource name */
	__be16 sock;			/* 160: enum nbr_sock */
	__be16 auth_alg;		/* 162: enum nbr_auth_alg */
	__be32 reserved;		/* 164: must be 0 */
} NBR_PACKED;
NBR_ASSERT_SIZE(struct nbr_p_auth_challenge, 168);

/*
 * NBR_P_AUTH_RESPONSE: HMAC-SHA256(secret, struct nbr_auth_msg) with the
 * sender as prover; all zero with NBR_AUTH_NONE.
 */
struct nbr_p_auth_response {
	__u8 mac[NBR_MAC_LEN];		/*   0 */
} NBR_PACKED;
NBR_ASSERT_SIZE(struct nbr_p_auth_response, 32);

/*
 * The exact bytes each side MACs; never sent. The prover is the side that
 * answers, the verifier the side that checks. Binding both names, both
 * nonces, the resource and the socket means a response is good for one
 * direction of one connection only: reflecting a node's own response back
 * to it fails because prover and verifier are swapped (and equal names or
 * equal nonces are rejected before any MAC is computed).
 */
#define NBR_AUTH_LABEL		"nbr-auth-v1 hmac-sha256"	/* 23 chars */
#define NBR_AUTH_LABEL_LEN	24u
struct nbr_auth_msg {
	__u8 label[NBR_AUTH_LABEL_LEN];		/*   0: NBR_AUTH_LABEL, NUL */
	__u8 resource[NBR_NAME_LEN];		/*  24 */
	__be16 sock;				/*  88: enum nbr_sock */
	__be16 reserved;			/*  90: 0 */
	__u8 prover_name[NBR_NAME_LEN];		/*  92 */
	__u8 prover_nonce[NBR_NONCE_LEN];	/* 156 */
	__u8 verifier_name[NBR_NAME_LEN];	/* 188 */
	__u8 verifier_nonce[NBR_NONCE_LEN];	/* 252 */
} NBR_PACKED;
NBR_ASSERT_SIZE(struct nbr_auth_msg, 284);

/*
 * NBR_P_PARAMS: sent once on the data socket after both auth steps. Sizes
 * are in 512-byte sectors. Both sides run the same decision on the two
 * parameter sets (kernel/lib/handshake.c), so they agree without a reply.
 */
struct nbr_p_params {
	__be32 proto_min;	/*  0: lowest protocol version spoken */
	__be32 proto_max;	/*  4: highest protocol version spoken */
	__be64 features;	/*  8: NBR_FEAT_* offered */
	__be64 disk_sectors;	/* 16: usable backing size, 0 if diskless */
	__be64 user_sectors;	/* 24: size limit set by admin, 0 = none */
	__be64 cur_sectors;	/* 32: size /dev/nbX exports now, 0 = none */
	__be32 max_bio;		/* 40: largest data payload accepted, bytes */
	__be16 wire_proto;	/* 44: enum nbr_wire_proto */
	__be16 integrity_alg;	/* 46: enum nbr_integrity_alg */
	__be16 role;		/* 48: enum nbr_role */
	__be16 disk_state;	/* 50: enum nbr_disk_state */
	__be32 reserved;	/* 52: must be 0 */
	__be64 la_sectors;	/* 56: size last agreed with the peer, 0 = never */
} NBR_PACKED;
NBR_ASSERT_SIZE(struct nbr_p_params, 64);

/* nbr_p_state.flags */
#define NBR_SF_USER_PAUSED	(1u << 0)	/* pause-sync on the sender */
#define NBR_SF_KNOWN		NBR_SF_USER_PAUSED

/* NBR_P_STATE: the sender's state after each change. */
struct nbr_p_state {
	__be16 role;		/* 0: enum nbr_role */
	__be16 disk_state;	/* 2: enum nbr_disk_state */
	__be16 conn_state;	/* 4: enum nbr_conn_state */
	__be16 flags;		/* 6: NBR_SF_* */
} NBR_PACKED;
NBR_ASSERT_SIZE(struct nbr_p_state, 8);

/* nbr_p_data.flags */
#define NBR_DP_FUA		(1u << 0)	/* write through to media */
#define NBR_DP_FLUSH		(1u << 1)	/* flush the cache before */
#define NBR_DP_SEND_RECV_ACK	(1u << 2)	/* protocol B */
#define NBR_DP_SEND_WRITE_ACK	(1u << 3)	/* protocol C */
#define NBR_DP_CRC32C		(1u << 4)	/* crc field is valid */
/*
 * The sender's own disk does not get this write (NBR_FEAT_ONLY_COPY):
 * the receiver holds its only copy and records its blocks out of sync.
 */
#define NBR_DP_ONLY_COPY	(1u << 5)
#define NBR_DP_KNOWN		(NBR_DP_FUA | NBR_DP_FLUSH | \
				 NBR_DP_SEND_RECV_ACK | \
				 NBR_DP_SEND_WRITE_ACK | NBR_DP_CRC32C | \
				 NBR_DP_ONLY_COPY)

/*
 * NBR_P_DATA: one write. The write's bytes follow this struct; their
 * number is header.length - 32, a multiple of 512, at most the agreed
 * max_bio. Zero bytes is allowed only with NBR_DP_FLUSH (an empty flush).
 */
struct nbr_p_data {
	__be64 sector;		/*  0: first 512-byte sector */
	__be64 block_id;	/*  8: sender's handle, echoed in acks */
	__be32 seq;		/* 16: per-connection data sequence, from 1 */
	__be32 epoch;		/* 20: epoch this write belongs to */
	__be32 flags;		/* 24: NBR_DP_* */
	__be32 crc;		/* 28: crc32c of the bytes, or 0 */
} NBR_PACKED;
NBR_ASSERT_SIZE(struct nbr_p_data, 32);

/* NBR_P_RECV_ACK, NBR_P_WRITE_ACK, NBR_P_NEG_ACK: answer one data packet */
struct nbr_p_block_ack {
	__be64 sector;		/*  0: as in the data packet */
	__be64 block_id;	/*  8: as in the data packet */
	__be32 size;		/* 16: bytes of the write */
	__be32 seq;		/* 20: as in the data packet */
} NBR_PACKED;
NBR_ASSERT_SIZE(struct nbr_p_block_ack, 24);

/* NBR_P_BARRIER: every write of this epoch has been sent. */
struct nbr_p_barrier {
	__be32 epoch;		/* 0 */
	__be32 reserved;	/* 4: must be 0 */
} NBR_PACKED;
NBR_ASSERT_SIZE(struct nbr_p_barrier, 8);

/* NBR_P_BARRIER_ACK: every write of the epoch is on stable storage. */
struct nbr_p_barrier_ack {
	__be32 epoch;		/* 0 */
	__be32 set_size;	/* 4: number of writes in the epoch */
} NBR_PACKED;
NBR_ASSERT_SIZE(struct nbr_p_barrier_ack, 8);

/* NBR_P_PING and NBR_P_PING_ACK carry no payload. */

/*
 * NBR_P_READ_REQ: a Primary without a usable local disk asks the peer
 * for data (only when both offered NBR_FEAT_REMOTE_READ). The peer reads
 * after every write it received before this packet is done, and answers
 * with one NBR_P_READ_REPLY on the data socket.
 */
struct nbr_p_read_req {
	__be64 sector;		/*  0: first 512-byte sector */
	__be64 block_id;	/*  8: requester's handle, echoed in the reply */
	__be32 size;		/* 16: bytes, a multiple of 512, 512..max_bio */
	__be32 reserved;	/* 20: must be 0 */
} NBR_PACKED;
NBR_ASSERT_SIZE(struct nbr_p_read_req, 24);

/* nbr_p_read_reply.flags */
#define NBR_RR_CRC32C		(1u << 0)	/* crc field is valid */
#define NBR_RR_EIO		(1u << 1)	/* read failed, no bytes follow */
#define NBR_RR_KNOWN		(NBR_RR_CRC32C | NBR_RR_EIO)

/*
 * NBR_P_READ_REPLY: the answer to one NBR_P_READ_REQ. The bytes read
 * follow this struct: header.length - 24 of them, as many as requested,
 * or none with NBR_RR_EIO.
 */
struct nbr_p_read_reply {
	__be64 sector;		/*  0: as in the request */
	__be64 block_id;	/*  8: as in the request */
	__be32 flags;		/* 16: NBR_RR_* */
	__be32 crc;		/* 20: crc32c of the bytes, or 0 */
} NBR_PACKED;
NBR_ASSERT_SIZE(struct nbr_p_read_reply, 24);

/* nbr_p_uuids.uflags */
#define NBR_UF_DISCARD_MY_DATA	(1u << 0)	/* connect --discard-my-data */
#define NBR_UF_DISKLESS		(1u << 1)	/* no disk: identifiers are 0 */
#define NBR_UF_KNOWN		(NBR_UF_DISCARD_MY_DATA | NBR_UF_DISKLESS)

/*
 * NBR_P_UUIDS: the sender's generation identifiers, once in each
 * direction right after PARAMS. Both sides run nbr_sync_decide() on the
 * two sets (kernel/lib/sync_decide.c) and so agree on who syncs from
 * whom without another round trip. NBR_P_RS_DONE carries the same struct:
 * the SyncSource's identifiers after the resync.
 */
struct nbr_p_uuids {
	__be64 uuid_current;	/*  0 */
	__be64 bitmap;		/*  8 */
	__be64 history[2];	/* 16, 24 */
	__be64 dirty_bits;	/* 32: set bits of the sender's bitmap */
	__be32 md_flags;	/* 40: NBR_MDF_* of the sender's superblock */
	__be32 uflags;		/* 44: NBR_UF_* */
} NBR_PACKED;
NBR_ASSERT_SIZE(struct nbr_p_uuids, 48);

/* nbr_p_bitmap.flags */
#define NBR_BM_LAST		(1u << 0)	/* the final chunk */
#define NBR_BM_KNOWN		NBR_BM_LAST

/* Run-length bytes per NBR_P_BITMAP, at most. */
#define NBR_BM_CHUNK_MAX	4096u

/*
 * NBR_P_BITMAP: bits [first, first + nbits) of the sender's dirty bitmap,
 * run-length coded (kernel/lib/rle.c) in the header.length - 24 bytes
 * that follow. Chunks come in order and cover the whole bitmap; the
 * receiver ORs them into its own. The SyncTarget sends its bitmap to the
 * SyncSource, which then answers with NBR_P_SYNC_UUID.
 */
struct nbr_p_bitmap {
	__be64 first;		/*  0: first bit of the chunk */
	__be64 nbits;		/*  8: bits the chunk covers, >= 1 */
	__be32 flags;		/* 16: NBR_BM_* */
	__be32 reserved;	/* 20: must be 0 */
} NBR_PACKED;
NBR_ASSERT_SIZE(struct nbr_p_bitmap, 24);

/* nbr_p_sync_uuid.flags */
#define NBR_SU_FULL		(1u << 0)	/* every block, not a bitmap */
#define NBR_SU_KNOWN		NBR_SU_FULL

/*
 * NBR_P_SYNC_UUID: from the SyncSource; the target stores @uuid as its
 * current identifier (and is Inconsistent from now on) before it accepts
 * the first NBR_P_RS_DATA. @bits is how many 4 KiB blocks will come.
 */
struct nbr_p_sync_uuid {
	__be64 uuid;		/*  0 */
	__be64 bits;		/*  8: blocks to resync */
	__be32 flags;		/* 16: NBR_SU_* */
	__be32 reserved;	/* 20: must be 0 */
} NBR_PACKED;
NBR_ASSERT_SIZE(struct nbr_p_sync_uuid, 24);

/*
 * NBR_P_RS_DATA: resync data, header.length - 24 bytes of it (a multiple
 * of 4096, at most the agreed max_bio) for @sector on. Answered with
 * NBR_P_RS_ACK (nbr_p_block_ack, seq 0) once written, NBR_P_RS_NEG_ACK on
 * a write error. Resync data is never mixed with an application write of
 * the same block: the source sends them in the order they must land.
 */
struct nbr_p_rs_data {
	__be64 sector;		/*  0: 4 KiB aligned */
	__be64 block_id;	/*  8: sender's handle, echoed in the ack */
	__be32 flags;		/* 16: NBR_DP_CRC32C or 0 */
	__be32 crc;		/* 20: crc32c of the bytes, or 0 */
} NBR_PACKED;
NBR_ASSERT_SIZE(struct nbr_p_rs_data, 24);

/* NBR_P_SYNC_REQ.flags: invalidate asks the peer to become SyncSource. */
struct nbr_p_sync_req {
	__be32 flags;		/* 0: NBR_SU_FULL or 0 */
	__be32 reserved;	/* 4: must be 0 */
} NBR_PACKED;
NBR_ASSERT_SIZE(struct nbr_p_sync_req, 8);

/* Digest bytes per 4 KiB block in online verify, at most. */
#define NBR_VERIFY_DIGEST_MAX	32u
/* Blocks per NBR_P_VERIFY_REQ, at most (one bit each in the reply). */
#define NBR_VERIFY_BLOCKS_MAX	64u

/*
 * NBR_P_VERIFY_REQ: @blocks consecutive 4 KiB blocks from @sector, and
 * their digests (@digest_len bytes each, enum nbr_digest_alg @alg) in the
 * header.length - 24 bytes that follow. The peer reads the same blocks
 * after every write it received before, and answers NBR_P_VERIFY_REPLY.
 */
struct nbr_p_verify_req {
	__be64 sector;		/*  0: 4 KiB aligned */
	__be64 block_id;	/*  8: echoed in the reply */
	__be16 blocks;		/* 16: 1..NBR_VERIFY_BLOCKS_MAX */
	__be16 alg;		/* 18: enum nbr_digest_alg */
	__be16 digest_len;	/* 20: 4..NBR_VERIFY_DIGEST_MAX */
	__be16 reserved;	/* 22: must be 0 */
} NBR_PACKED;
NBR_ASSERT_SIZE(struct nbr_p_verify_req, 24);

/* NBR_P_VERIFY_REPLY: bit i of @differ set = block i differs or failed. */
struct nbr_p_verify_reply {
	__be64 sector;		/*  0: as in the request */
	__be64 block_id;	/*  8: as in the request */
	__be64 differ;		/* 16 */
} NBR_PACKED;
NBR_ASSERT_SIZE(struct nbr_p_verify_reply, 24);

/* NBR_P_RS_DONE carries struct nbr_p_uuids; NBR_P_VERIFY_DONE nothing. */

/* The largest payload any packet may announce. */
#define NBR_MAX_PAYLOAD (sizeof(struct nbr_p_data) + NBR_MAX_BIO_SIZE)

#endif /* NBR_WIRE_H */
