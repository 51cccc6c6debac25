/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Packet codec: host structs, one encoder and one decoder per wire format
 * of <nbr/wire.h>, and the validation of every received header.
 *
 * Receiving, in this order (the module's receive loop):
 *  1. read exactly sizeof(struct nbr_header) bytes;
 *  2. nbr_decode_header(): magic, flags, command known, payload length
 *     inside the command's bounds - nothing is allocated or read before;
 *  3. nbr_packet_allowed(): is the command legal on this socket now;
 *  4. read the fixed payload and decode it with nbr_decode_<format>(),
 *     which checks every field (enums, padding, flags);
 *  5. only then a handler runs.
 *
 * Encoders write header + payload into a caller buffer and return the
 * number of bytes written, or a negative errno. Decoders take the payload
 * (after the header) and its length from the decoded header and return 0
 * or -EPROTO with a static human-readable reason. Neither allocates.
 */
#ifndef NBR_CODEC_H
#define NBR_CODEC_H

#include "nbr_lib_compat.h"
#include <nbr/wire.h>
#include <nbr/state.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Where a connection is; decides which commands are legal. */
enum nbr_phase {
	NBR_PH_CHALLENGE = 1 << 0,	/* waiting for the peer's challenge */
	NBR_PH_RESPONSE = 1 << 1,	/* waiting for the peer's response */
	NBR_PH_HANDSHAKE = 1 << 2,	/* authenticated, before params */
	NBR_PH_CONNECTED = 1 << 3,	/* params accepted, replicating */
};

/* One row of the one dispatch/size table (kernel/lib/codec.c). */
struct nbr_packet_info {
	const char *name;	/* "DATA", for logs */
	u32 min_len;		/* payload bounds, bytes */
	u32 max_len;
	u8 socks;		/* bit (1 << enum nbr_sock) per legal socket */
	u8 phases;		/* enum nbr_phase bits in which it is legal */
	u32 bulk_fixed;		/* bulk data packets: the fixed part; else 0 */
};

/* The table row for a command, or NULL when the command is unknown. */
const struct nbr_packet_info *nbr_packet_info(unsigned int cmd);
/*
 * Payload bytes that belong to the packet's fixed part, read before the
 * handler runs: the whole payload, except for the bulk packets (DATA,
 * READ_REPLY, RS_DATA) whose data bytes the handler reads itself. 0 for
 * an unknown command.
 */
size_t nbr_packet_fixed_len(unsigned int cmd, u32 len);
/* The command's name, "?" when unknown. */
const char *nbr_packet_name(unsigned int cmd);

/* Decoded header. */
struct nbr_hdr {
	u16 cmd;		/* enum nbr_packet, known */
	u32 len;		/* payload length, inside the command's bounds */
};

int nbr_encode_header(void *buf, size_t size, unsigned int cmd, u32 len);
int nbr_decode_header(const void *buf, size_t size, struct nbr_hdr *hdr,
		      const char **reason);
int nbr_packet_allowed(unsigned int cmd, enum nbr_sock sock,
		       enum nbr_phase phase, const char **reason);

/* Names: 1..NBR_NAME_LEN-1 printable ASCII characters, no space or '/'. */
bool nbr_name_valid(const char *name);

struct nbr_auth_challenge {
	u8 nonce[NBR_NONCE_LEN];
	char node_name[NBR_NAME_LEN];
	char resource[NBR_NAME_LEN];
	enum nbr_sock sock;
	enum nbr_auth_alg auth_alg;
};

struct nbr_auth_response {
	u8 mac[NBR_MAC_LEN];
};

struct nbr_params {
	u32 proto_min;
	u32 proto_max;
	u64 features;
	u64 disk_sectors;	/* usable backing size, 0 when diskless */
	u64 user_sectors;	/* admin size limit, 0 = none */
	u64 cur_sectors;	/* size exported now, 0 = none */
	u64 la_sectors;		/* last size agreed with the peer, 0 = never */
	u32 max_bio;		/* bytes */
	enum nbr_wire_proto wire_proto;
	enum nbr_integrity_alg integrity_alg;
	enum nbr_role role;
	enum nbr_disk_state disk;
};

struct nbr_state_msg {
	enum nbr_role role;
	enum nbr_disk_state disk;
	enum nbr_conn_state conn;
	u16 flags;		/* NBR_SF_* */
};

struct nbr_data {
	u64 sector;
	u64 block_id;
	u32 seq;
	u32 epoch;
	u32 flags;		/* NBR_DP_* */
	u32 crc;
	u32 size;		/* bytes following the fixed part */
};

struct nbr_block_ack {
	u64 sector;
	u64 block_id;
	u32 size;
	u32 seq;
};

struct nbr_barrier {
	u32 epoch;
};

struct nbr_read_req {
	u64 sector;
	u64 block_id;
	u32 size;		/* bytes */
};

struct nbr_read_reply {
	u64 sector;
	u64 block_id;
	u32 flags;		/* NBR_RR_* */
	u32 crc;
	u32 size;		/* bytes following the fixed part */
};

struct nbr_barrier_ack {
	u32 epoch;
	u32 set_size;
};

int nbr_encode_auth_challenge(void *buf, size_t size,
			      const struct nbr_auth_challenge *c);
int nbr_decode_auth_challenge(const void *p, size_t len,
			      struct nbr_auth_challenge *c,
			      const char **reason);
int nbr_encode_auth_response(void *buf, size_t size,
			     const struct nbr_auth_response *r);
int nbr_decode_auth_response(const void *p, size_t len,
			     struct nbr_auth_response *r, const char **reason);
int nbr_encode_params(void *buf, size_t size, const struct nbr_params *pr);
int nbr_decode_params(const void *p, size_t len, struct nbr_params *pr,
		      const char **reason);
int nbr_encode_state(void *buf, size_t size, const struct nbr_state_msg *s);
int nbr_decode_state(const void *p, size_t len, struct nbr_state_msg *s,
		     const char **reason);
/*
 * Data: the encoder writes the header (length = 32 + d->size) and the
 * fixed part only; the caller sends the d->size data bytes after it. The
 * decoder takes the fixed part and the header's payload length.
 */
int nbr_encode_data(void *buf, size_t size, const struct nbr_data *d);
int nbr_decode_data(const void *p, size_t len, u32 payload_len,
		    struct nbr_data *d, const char **reason);
/* Does the write fit the device and the agreed max_bio? */
int nbr_data_check_range(const struct nbr_data *d, u64 dev_sectors,
			 u32 max_bio, const char **reason);
/* cmd: NBR_P_RECV_ACK, WRITE_ACK, NEG_ACK, RS_ACK or RS_NEG_ACK */
int nbr_encode_block_ack(void *buf, size_t size, unsigned int cmd,
			 const struct nbr_block_ack *a);
int nbr_decode_block_ack(const void *p, size_t len, struct nbr_block_ack *a,
			 const char **reason);
int nbr_encode_barrier(void *buf, size_t size, const struct nbr_barrier *b);
int nbr_decode_barrier(const void *p, size_t len, struct nbr_barrier *b,
		       const char **reason);
int nbr_encode_barrier_ack(void *buf, size_t size,
			   const struct nbr_barrier_ack *b);
int nbr_decode_barrier_ack(const void *p, size_t len,
			   struct nbr_barrier_ack *b, const char **reason);
int nbr_encode_read_req(void *buf, size_t size, const struct nbr_read_req *r);
int nbr_decode_read_req(const void *p, size_t len, struct nbr_read_req *r,
			const char **reason);
/* Does the read fit the device and the agreed max_bio? */
int nbr_read_check_range(const struct nbr_read_req *r, u64 dev_sectors,
			 u32 max_bio, const char **reason);
/*
 * Read reply: like data, the encoder writes the header (length = 24 +
 * r->size) and the fixed part; the caller sends the bytes after it.
 */
int nbr_encode_read_reply(void *buf, size_t size,
			  const struct nbr_read_reply *r);
int nbr_decode_read_reply(const void *p, size_t len, u32 payload_len,
			  struct nbr_read_reply *r, const char **reason);
/* cmd: NBR_P_PING, NBR_P_PING_ACK or NBR_P_VERIFY_DONE (no payload) */
int nbr_encode_ping(void *buf, size_t size, unsigned int cmd);

#ifdef __cplusplus
}
#endif

#include "nbr_codec_sync.h"

#endif /* NBR_CODEC_H */
