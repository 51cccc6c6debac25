// SPDX-License-Identifier: GPL-2.0-only
/*
 * Packet codec and header validation; see nbr_codec.h for the order in
 * which a receiver uses these functions.
 */
#include "nbr_codec.h"
#include "codec_priv.h"

#define SOCK_BIT(s)	((u8)(1u << (s)))
#define DATA		SOCK_BIT(NBR_SOCK_DATA)
#define META		SOCK_BIT(NBR_SOCK_META)

/*
 * The one table of packet sizes and legality. Lengths are payload bytes.
 * Bulk packets (DATA, READ_REPLY, RS_DATA) carry a bounded data payload
 * that the handler reads itself after the fixed part (bulk_fixed bytes);
 * BITMAP and VERIFY_REQ have a small bounded variable part read whole;
 * every other packet must have exactly the size of its struct. So a peer
 * can never make us skip or read a number of bytes it chose.
 */
static const struct nbr_packet_info packets[NBR_P_COUNT] = {
	[NBR_P_AUTH_CHALLENGE] = {
		.name = "AUTH_CHALLENGE", .socks = DATA | META,
		.min_len = sizeof(struct nbr_p_auth_challenge),
		.max_len = sizeof(struct nbr_p_auth_challenge),
		.phases = NBR_PH_CHALLENGE,
	},
	[NBR_P_AUTH_RESPONSE] = {
		.name = "AUTH_RESPONSE", .socks = DATA | META,
		.min_len = sizeof(struct nbr_p_auth_response),
		.max_len = sizeof(struct nbr_p_auth_response),
		.phases = NBR_PH_RESPONSE,
	},
	[NBR_P_PARAMS] = {
		.name = "PARAMS", .socks = DATA,
		.min_len = sizeof(struct nbr_p_params),
		.max_len = sizeof(struct nbr_p_params),
		.phases = NBR_PH_HANDSHAKE,
	},
	[NBR_P_STATE] = {
		.name = "STATE", .socks = DATA,
		.min_len = sizeof(struct nbr_p_state),
		.max_len = sizeof(struct nbr_p_state),
		.phases = NBR_PH_CONNECTED,
	},
	[NBR_P_DATA] = {
		.name = "DATA", .socks = DATA,
		.bulk_fixed = sizeof(struct nbr_p_data),
		.min_len = sizeof(struct nbr_p_data),
		.max_len = sizeof(struct nbr_p_data) + NBR_MAX_BIO_SIZE,
		.phases = NBR_PH_CONNECTED,
	},
	[NBR_P_BARRIER] = {
		.name = "BARRIER", .socks = DATA,
		.min_len = sizeof(struct nbr_p_barrier),
		.max_len = sizeof(struct nbr_p_barrier),
		.phases = NBR_PH_CONNECTED,
	},
	[NBR_P_RECV_ACK] = {
		.name = "RECV_ACK", .socks = META,
		.min_len = sizeof(struct nbr_p_block_ack),
		.max_len = sizeof(struct nbr_p_block_ack),
		.phases = NBR_PH_CONNECTED,
	},
	[NBR_P_WRITE_ACK] = {
		.name = "WRITE_ACK", .socks = META,
		.min_len = sizeof(struct nbr_p_block_ack),
		.max_len = sizeof(struct nbr_p_block_ack),
		.phases = NBR_PH_CONNECTED,
	},
	[NBR_P_NEG_ACK] = {
		.name = "NEG_ACK", .socks = META,
		.min_len = sizeof(struct nbr_p_block_ack),
		.max_len = sizeof(struct nbr_p_block_ack),
		.phases = NBR_PH_CONNECTED,
	},
	[NBR_P_BARRIER_ACK] = {
		.name = "BARRIER_ACK", .socks = META,
		.min_len = sizeof(struct nbr_p_barrier_ack),
		.max_len = sizeof(struct nbr_p_barrier_ack),
		.phases = NBR_PH_CONNECTED,
	},
	[NBR_P_PING] = {
		.name = "PING", .socks = META,
		.min_len = 0,
		.max_len = 0,
		.phases = NBR_PH_HANDSHAKE | NBR_PH_CONNECTED,
	},
	[NBR_P_PING_ACK] = {
		.name = "PING_ACK", .socks = META,
		.min_len = 0,
		.max_len = 0,
		.phases = NBR_PH_HANDSHAKE | NBR_PH_CONNECTED,
	},
	[NBR_P_READ_REQ] = {
		.name = "READ_REQ", .socks = DATA,
		.min_len = sizeof(struct nbr_p_read_req),
		.max_len = sizeof(struct nbr_p_read_req),
		.phases = NBR_PH_CONNECTED,
	},
	[NBR_P_READ_REPLY] = {
		.name = "READ_REPLY", .socks = DATA,
		.bulk_fixed = sizeof(struct nbr_p_read_reply),
		.min_len = sizeof(struct nbr_p_read_reply),
		.max_len = sizeof(struct nbr_p_read_reply) + NBR_MAX_BIO_SIZE,
		.phases = NBR_PH_CONNECTED,
	},
	[NBR_P_UUIDS] = {
		.name = "UUIDS", .socks = DATA,
		.min_len = sizeof(struct nbr_p_uuids),
		.max_len = sizeof(struct nbr_p_uuids),
		.phases = NBR_PH_HANDSHAKE,
	},
	[NBR_P_BITMAP] = {
		.name = "BITMAP", .socks = DATA,
		.min_len = sizeof(struct nbr_p_bitmap) + 2,
		.max_len = sizeof(struct nbr_p_bitmap) + NBR_BM_CHUNK_MAX,
		.phases = NBR_PH_CONNECTED,
	},
	[NBR_P_SYNC_UUID] = {
		.name = "SYNC_UUID", .socks = DATA,
		.min_len = sizeof(struct nbr_p_sync_uuid),
		.max_len = sizeof(struct nbr_p_sync_uuid),
		.phases = NBR_PH_CONNECTED,
	},
	[NBR_P_RS_DATA] = {
		.name = "RS_DATA", .socks = DATA,
		.bulk_fixed = sizeof(struct nbr_p_rs_data),
		.min_len = sizeof(struct nbr_p_rs_data) + NBR_RS_BLOCK,
		.max_len = sizeof(struct nbr_p_rs_data) + NBR_MAX_BIO_SIZE,
		.phases = NBR_PH_CONNECTED,
	},
	[NBR_P_RS_ACK] = {
		.name = "RS_ACK", .socks = META,
		.min_len = sizeof(struct nbr_p_block_ack),
		.max_len = sizeof(struct nbr_p_block_ack),
		.phases = NBR_PH_CONNECTED,
	},
	[NBR_P_RS_NEG_ACK] = {
		.name = "RS_NEG_ACK", .socks = META,
		.min_len = sizeof(struct nbr_p_block_ack),
		.max_len = sizeof(struct nbr_p_block_ack),
		.phases = NBR_PH_CONNECTED,
	},
	[NBR_P_RS_DONE] = {
		.name = "RS_DONE", .socks = DATA,
		.min_len = sizeof(struct nbr_p_uuids),
		.max_len = sizeof(struct nbr_p_uuids),
		.phases = NBR_PH_CONNECTED,
	},
	[NBR_P_SYNC_REQ] = {
		.name = "SYNC_REQ", .socks = DATA,
		.min_len = sizeof(struct nbr_p_sync_req),
		.max_len = sizeof(struct nbr_p_sync_req),
		.phases = NBR_PH_CONNECTED,
	},
	[NBR_P_VERIFY_REQ] = {
		.name = "VERIFY_REQ", .socks = DATA,
		.min_len = sizeof(struct nbr_p_verify_req) + 4,
		.max_len = sizeof(struct nbr_p_verify_req) +
			   NBR_VERIFY_BLOCKS_MAX * NBR_VERIFY_DIGEST_MAX,
		.phases = NBR_PH_CONNECTED,
	},
	[NBR_P_VERIFY_REPLY] = {
		.name = "VERIFY_REPLY", .socks = META,
		.min_len = sizeof(struct nbr_p_verify_reply),
		.max_len = sizeof(struct nbr_p_verify_reply),
		.phases = NBR_PH_CONNECTED,
	},
	[NBR_P_VERIFY_DONE] = {
		.name = "VERIFY_DONE", .socks = DATA,
		.min_len = 0,
		.max_len = 0,
		.phases = NBR_PH_CONNECTED,
	},
};

const struct nbr_packet_info *nbr_packet_info(unsigned int cmd)
{
	/* Row 0 is empty: command 0 is never valid. */
	if (cmd >= NBR_P_COUNT || !packets[cmd].name)
		return NULL;
	return &packets[cmd];
}

size_t nbr_packet_fixed_len(unsigned int cmd, u32 len)
{
	const struct nbr_packet_info *pi = nbr_packet_info(cmd);

	if (!pi)
		return 0;
	return pi->bulk_fixed ? pi->bulk_fixed : len;
}

const char *nbr_packet_name(unsigned int cmd)
{
	const struct nbr_packet_info *pi = nbr_packet_info(cmd);

	return pi ? pi->name : "?";
}

int nbr_encode_header(void *buf, size_t size, unsigned int cmd, u32 len)
{
	const struct nbr_packet_info *pi = nbr_packet_info(cmd);
	struct nbr_header *h = buf;

	/* Refusing here catches a sender bug before the peer has to. */
	if (!pi || len < pi->min_len || len > pi->max_len)
		return -EINVAL;
	if (size < sizeof(*h))
		return -ENOSPC;
	h->magic = cpu_to_be32(NBR_MAGIC);
	h->command = cpu_to_be16((u16)cmd);
	h->flags = cpu_to_be16(0);
	h->length = cpu_to_be32(len);
	h->reserved = cpu_to_be32(0);
	return sizeof(*h);
}

int nbr_decode_header(const void *buf, size_t size, struct nbr_hdr *hdr,
		      const char **reason)
{
	const struct nbr_header *h = buf;
	const struct nbr_packet_info *pi;
	u32 cmd, len;

	if (size < sizeof(*h))
		return fail(reason, "header buffer too short", -EINVAL);
	if (be32_to_cpu(h->magic) != NBR_MAGIC)
		return fail(reason, "bad magic", -EPROTO);
	if (be16_to_cpu(h->flags) != 0)
		return fail(reason, "unknown header flags", -EPROTO);
	if (be32_to_cpu(h->reserved) != 0)
		return fail(reason, "reserved header field not zero", -EPROTO);
	cmd = be16_to_cpu(h->command);
	pi = nbr_packet_info(cmd);
	if (!pi)
		return fail(reason, "unknown command", -EPROTO);
	len = be32_to_cpu(h->length);
	if (len < pi->min_len)
		return fail(reason, "payload too short for command", -EPROTO);
	if (len > pi->max_len)
		return fail(reason, "payload too long for command", -EPROTO);
	hdr->cmd = (u16)cmd;
	hdr->len = len;
	return 0;
}

int nbr_packet_allowed(unsigned int cmd, enum nbr_sock sock,
		       enum nbr_phase phase, const char **reason)
{
	const struct nbr_packet_info *pi = nbr_packet_info(cmd);

	if (!pi)
		return fail(reason, "unknown command", -EPROTO);
	if (sock != NBR_SOCK_DATA && sock != NBR_SOCK_META)
		return fail(reason, "unknown socket", -EINVAL);
	if (!(pi->socks & SOCK_BIT(sock)))
		return fail(reason, "command not allowed on this socket",
			    -EPROTO);
	if (!(pi->phases & phase))
		return fail(reason, "command not allowed in this phase",
			    -EPROTO);
	return 0;
}

/* Start a packet: header plus room for a fixed payload of @fixed bytes. */
int nbr_codec_put_header(void *buf, size_t size, unsigned int cmd, u32 len,
			 u32 fixed)
{
	int ret;

	if (size < sizeof(struct nbr_header) + fixed)
		return -ENOSPC;
	ret = nbr_encode_header(buf, size, cmd, len);
	if (ret < 0)
		return ret;
	memset((u8 *)buf + sizeof(struct nbr_header), 0, fixed);
	return (int)(sizeof(struct nbr_header) + fixed);
}

bool nbr_name_valid(const char *name)
{
	size_t i, n = strnlen(name, NBR_NAME_LEN);

	if (n == 0 || n == NBR_NAME_LEN)
		return false;
	for (i = 0; i < n; i++) {
		/* No space, control character, '/' or 8-bit: logs stay
		 * unambiguous and names are safe in file names.
		 */
		if (name[i] <= ' ' || name[i] > '~' || name[i] == '/')
			return false;
	}
	return true;
}

static void put_name(u8 dst[NBR_NAME_LEN], const char *src)
{
	size_t n = strnlen(src, NBR_NAME_LEN - 1);

	memset(dst, 0, NBR_NAME_LEN);
	memcpy(dst, src, n);
}

/* A wire name must be valid, NUL-terminated and zero-padded: one byte
 * string has exactly one encoding, which the auth MAC relies on.
 */
static bool get_name(char dst[NBR_NAME_LEN], const u8 src[NBR_NAME_LEN])
{
	size_t i, n = strnlen((const char *)src, NBR_NAME_LEN);

	if (n == NBR_NAME_LEN)
		return false;
	for (i = n; i < NBR_NAME_LEN; i++)
		if (src[i])
			return false;
	memcpy(dst, src, NBR_NAME_LEN);
	return nbr_name_valid(dst);
}

static bool auth_alg_valid(unsigned int v)
{
	return v == NBR_AUTH_NONE || v == NBR_AUTH_HMAC_SHA256;
}

static bool sock_valid(unsigned int v)
{
	return v == NBR_SOCK_DATA || v == NBR_SOCK_META;
}

int nbr_encode_auth_challenge(void *buf, size_t size,
			      const struct nbr_auth_challenge *c)
{
	struct nbr_p_auth_challenge *w = PAYLOAD(buf);
	int ret;

	if (!nbr_name_valid(c->node_name) || !nbr_name_valid(c->resource) ||
	    !sock_valid(c->sock) || !auth_alg_valid(c->auth_alg))
		return -EINVAL;
	ret = nbr_codec_put_header(buf, size, NBR_P_AUTH_CHALLENGE, sizeof(*w),
			 sizeof(*w));
	if (ret < 0)
		return ret;
	memcpy(w->nonce, c->nonce, NBR_NONCE_LEN);
	put_name(w->node_name, c->node_name);
	put_name(w->resource, c->resource);
	w->sock = cpu_to_be16((u16)c->sock);
	w->auth_alg = cpu_to_be16((u16)c->auth_alg);
	return ret;
}

int nbr_decode_auth_challenge(const void *p, size_t len,
			      struct nbr_auth_challenge *c,
			      const char **reason)
{
	const struct nbr_p_auth_challenge *w = p;
	u16 sock, alg;

	if (len != sizeof(*w))
		return fail(reason, "wrong challenge size", -EPROTO);
	if (!get_name(c->node_name, w->node_name))
		return fail(reason, "bad node name in challenge", -EPROTO);
	if (!get_name(c->resource, w->resource))
		return fail(reason, "bad resource name in challenge", -EPROTO);
	sock = be16_to_cpu(w->sock);
	if (!sock_valid(sock))
		return fail(reason, "unknown socket kind", -EPROTO);
	alg = be16_to_cpu(w->auth_alg);
	if (!auth_alg_valid(alg))
		return fail(reason, "unknown auth algorithm", -EPROTO);
	if (be32_to_cpu(w->reserved) != 0)
		return fail(reason, "reserved field not zero", -EPROTO);
	memcpy(c->nonce, w->nonce, NBR_NONCE_LEN);
	c->sock = (enum nbr_sock)sock;
	c->auth_alg = (enum nbr_auth_alg)alg;
	return 0;
}

int nbr_encode_auth_response(void *buf, size_t size,
			     const struct nbr_auth_response *r)
{
	struct nbr_p_auth_response *w = PAYLOAD(buf);
	int ret;

	ret = nbr_codec_put_header(buf, size, NBR_P_AUTH_RESPONSE, sizeof(*w),
			 sizeof(*w));
	if (ret < 0)
		return ret;
	memcpy(w->mac, r->mac, NBR_MAC_LEN);
	return ret;
}

int nbr_decode_auth_response(const void *p, size_t len,
			     struct nbr_auth_response *r, const char **reason)
{
	const struct nbr_p_auth_response *w = p;

	if (len != sizeof(*w))
		return fail(reason, "wrong response size", -EPROTO);
	memcpy(r->mac, w->mac, NBR_MAC_LEN);
	return 0;
}

static bool role_valid(unsigned int v)
{
	return v < NBR_R_COUNT;
}

static bool disk_valid(unsigned int v)
{
	return v < NBR_D_COUNT;
}

static bool conn_valid(unsigned int v)
{
	return v < NBR_C_COUNT;
}

static bool wire_proto_valid(unsigned int v)
{
	return v >= NBR_PROT_A && v <= NBR_PROT_C;
}

static bool integrity_valid(unsigned int v)
{
	return v == NBR_INTEGRITY_NONE || v == NBR_INTEGRITY_CRC32C;
}

int nbr_encode_params(void *buf, size_t size, const struct nbr_params *pr)
{
	struct nbr_p_params *w = PAYLOAD(buf);
	int ret;

	if (!wire_proto_valid(pr->wire_proto) ||
	    !integrity_valid(pr->integrity_alg) || !role_valid(pr->role) ||
	    !disk_valid(pr->disk))
		return -EINVAL;
	ret = nbr_codec_put_header(buf, size, NBR_P_PARAMS, sizeof(*w), sizeof(*w));
	if (ret < 0)
		return ret;
	w->proto_min = cpu_to_be32(pr->proto_min);
	w->proto_max = cpu_to_be32(pr->proto_max);
	w->features = cpu_to_be64(pr->features);
	w->disk_sectors = cpu_to_be64(pr->disk_sectors);
	w->user_sectors = cpu_to_be64(pr->user_sectors);
	w->cur_sectors = cpu_to_be64(pr->cur_sectors);
	w->la_sectors = cpu_to_be64(pr->la_sectors);
	w->max_bio = cpu_to_be32(pr->max_bio);
	w->wire_proto = cpu_to_be16((u16)pr->wire_proto);
	w->integrity_alg = cpu_to_be16((u16)pr->integrity_alg);
	w->role = cpu_to_be16((u16)pr->role);
	w->disk_state = cpu_to_be16((u16)pr->disk);
	return ret;
}

/*
 * Only the encoding is checked here (enums in range, reserved zero); what
 * the values mean together is nbr_handshake_decide()'s job.
 */
int nbr_decode_params(const void *p, size_t len, struct nbr_params *pr,
		      const char **reason)
{
	const struct nbr_p_params *w = p;
	u16 wp, ia, role, disk;

	if (len != sizeof(*w))
		return fail(reason, "wrong params size", -EPROTO);
	wp = be16_to_cpu(w->wire_proto);
	if (!wire_proto_valid(wp))
		return fail(reason, "unknown replication protocol", -EPROTO);
	ia = be16_to_cpu(w->integrity_alg);
	if (!integrity_valid(ia))
		return fail(reason, "unknown integrity algorithm", -EPROTO);
	role = be16_to_cpu(w->role);
	if (!role_valid(role))
		return fail(reason, "unknown role", -EPROTO);
	disk = be16_to_cpu(w->disk_state);
	if (!disk_valid(disk))
		return fail(reason, "unknown disk state", -EPROTO);
	if (be32_to_cpu(w->reserved) != 0)
		return fail(reason, "reserved field not zero", -EPROTO);
	pr->proto_min = be32_to_cpu(w->proto_min);
	pr->proto_max = be32_to_cpu(w->proto_max);
	pr->features = be64_to_cpu(w->features);
	pr->disk_sectors = be64_to_cpu(w->disk_sectors);
	pr->user_sectors = be64_to_cpu(w->user_sectors);
	pr->cur_sectors = be64_to_cpu(w->cur_sectors);
	pr->la_sectors = be64_to_cpu(w->la_sectors);
	pr->max_bio = be32_to_cpu(w->max_bio);
	pr->wire_proto = (enum nbr_wire_proto)wp;
	pr->integrity_alg = (enum nbr_integrity_alg)ia;
	pr->role = (enum nbr_role)role;
	pr->disk = (enum nbr_disk_state)disk;
	return 0;
}

int nbr_encode_state(void *buf, size_t size, const struct nbr_state_msg *s)
{
	struct nbr_p_state *w = PAYLOAD(buf);
	int ret;

	if (!role_valid(s->role) || !disk_valid(s->disk) ||
	    !conn_valid(s->conn) || (s->flags & ~NBR_SF_KNOWN))
		return -EINVAL;
	ret = nbr_codec_put_header(buf, size, NBR_P_STATE, sizeof(*w), sizeof(*w));
	if (ret < 0)
		return ret;
	w->role = cpu_to_be16((u16)s->role);
	w->disk_state = cpu_to_be16((u16)s->disk);
	w->conn_state = cpu_to_be16((u16)s->conn);
	w->flags = cpu_to_be16(s->flags);
	return ret;
}

int nbr_decode_state(const void *p, size_t len, struct nbr_state_msg *s,
		     const char **reason)
{
	const struct nbr_p_state *w = p;
	u16 role, disk, conn;

	if (len != sizeof(*w))
		return fail(reason, "wrong state size", -EPROTO);
	role = be16_to_cpu(w->role);
	if (!role_valid(role))
		return fail(reason, "unknown role", -EPROTO);
	disk = be16_to_cpu(w->disk_state);
	if (!disk_valid(disk))
		return fail(reason, "unknown disk state", -EPROTO);
	conn = be16_to_cpu(w->conn_state);
	if (!conn_valid(conn))
		return fail(reason, "unknown connection state", -EPROTO);
	if (be16_to_cpu(w->flags) & ~NBR_SF_KNOWN)
		return fail(reason, "unknown state flags", -EPROTO);
	s->flags = be16_to_cpu(w->flags);
	s->role = (enum nbr_role)role;
	s->disk = (enum nbr_disk_state)disk;
	s->conn = (enum nbr_conn_state)conn;
	return 0;
}

/* Field rules shared by the data encoder and decoder. */
static const char *data_fields_bad(u32 flags, u32 crc, u32 size)
{
	if (flags & ~NBR_DP_KNOWN)
		return "unknown data flags";
	if ((flags & NBR_DP_SEND_RECV_ACK) && (flags & NBR_DP_SEND_WRITE_ACK))
		return "both receive and write ack requested";
	if (!(flags & NBR_DP_CRC32C) && crc != 0)
		return "checksum without checksum flag";
	if (size % NBR_SECTOR_SIZE)
		return "data size not a multiple of 512";
	if (size > NBR_MAX_BIO_SIZE)
		return "data size above maximum";
	if (size == 0 && !(flags & NBR_DP_FLUSH))
		return "empty data packet without flush";
	return NULL;
}

int nbr_encode_data(void *buf, size_t size, const struct nbr_data *d)
{
	struct nbr_p_data *w = PAYLOAD(buf);
	int ret;

	if (data_fields_bad(d->flags, d->crc, d->size))
		return -EINVAL;
	ret = nbr_codec_put_header(buf, size, NBR_P_DATA, sizeof(*w) + d->size,
			 sizeof(*w));
	if (ret < 0)
		return ret;
	w->sector = cpu_to_be64(d->sector);
	w->block_id = cpu_to_be64(d->block_id);
	w->seq = cpu_to_be32(d->seq);
	w->epoch = cpu_to_be32(d->epoch);
	w->flags = cpu_to_be32(d->flags);
	w->crc = cpu_to_be32(d->crc);
	return ret;
}

int nbr_decode_data(const void *p, size_t len, u32 payload_len,
		    struct nbr_data *d, const char **reason)
{
	const struct nbr_p_data *w = p;
	const char *bad;
	u32 flags, crc, size;

	if (len != sizeof(*w))
		return fail(reason, "wrong data header size", -EPROTO);
	if (payload_len < sizeof(*w))
		return fail(reason, "payload too short for command", -EPROTO);
	size = payload_len - (u32)sizeof(*w);
	flags = be32_to_cpu(w->flags);
	crc = be32_to_cpu(w->crc);
	bad = data_fields_bad(flags, crc, size);
	if (bad)
		return fail(reason, bad, -EPROTO);
	d->sector = be64_to_cpu(w->sector);
	d->block_id = be64_to_cpu(w->block_id);
	d->seq = be32_to_cpu(w->seq);
	d->epoch = be32_to_cpu(w->epoch);
	d->flags = flags;
	d->crc = crc;
	d->size = size;
	return 0;
}

/* Written without an addition that could wrap around. */
bool nbr_codec_beyond_end(u64 sector, u32 size, u64 dev_sectors)
{
	u64 sectors = size / NBR_SECTOR_SIZE;

	return sector > dev_sectors || sectors > dev_sectors - sector;
}

int nbr_data_check_range(const struct nbr_data *d, u64 dev_sectors,
			 u32 max_bio, const char **reason)
{
	if (d->size > max_bio)
		return fail(reason, "data size above agreed maximum", -EPROTO);
	if (nbr_codec_beyond_end(d->sector, d->size, dev_sectors))
		return fail(reason, "write beyond end of device", -EPROTO);
	return 0;
}

static const char *read_size_bad(u32 size)
{
	if (size == 0)
		return "empty read";
	if (size % NBR_SECTOR_SIZE)
		return "read size not a multiple of 512";
	if (size > NBR_MAX_BIO_SIZE)
		return "read size above maximum";
	return NULL;
}

int nbr_encode_read_req(void *buf, size_t size, const struct nbr_read_req *r)
{
	struct nbr_p_read_req *w = PAYLOAD(buf);
	int ret;

	if (read_size_bad(r->size))
		return -EINVAL;
	ret = nbr_codec_put_header(buf, size, NBR_P_READ_REQ, sizeof(*w), sizeof(*w));
	if (ret < 0)
		return ret;
	w->sector = cpu_to_be64(r->sector);
	w->block_id = cpu_to_be64(r->block_id);
	w->size = cpu_to_be32(r->size);
	return ret;
}

int nbr_decode_read_req(const void *p, size_t len, struct nbr_read_req *r,
			const char **reason)
{
	const struct nbr_p_read_req *w = p;
	const char *bad;

	if (len != sizeof(*w))
		return fail(reason, "wrong read request size", -EPROTO);
	if (be32_to_cpu(w->reserved) != 0)
		return fail(reason, "reserved field not zero", -EPROTO);
	r->sector = be64_to_cpu(w->sector);
	r->block_id = be64_to_cpu(w->block_id);
	r->size = be32_to_cpu(w->size);
	bad = read_size_bad(r->size);
	if (bad)
		return fail(reason, bad, -EPROTO);
	return 0;
}

int nbr_read_check_range(const struct nbr_read_req *r, u64 dev_sectors,
			 u32 max_bio, const char **reason)
{
	if (r->size > max_bio)
		return fail(reason, "read size above agreed maximum", -EPROTO);
	if (nbr_codec_beyond_end(r->sector, r->size, dev_sectors))
		return fail(reason, "read beyond end of device", -EPROTO);
	return 0;
}

/* Field rules shared by the read reply encoder and decoder. */
static const char *read_reply_bad(u32 flags, u32 crc, u32 size)
{
	if (flags & ~NBR_RR_KNOWN)
		return "unknown read reply flags";
	if (!(flags & NBR_RR_CRC32C) && crc != 0)
		return "checksum without checksum flag";
	if (flags & NBR_RR_EIO) {
		if (size || (flags & NBR_RR_CRC32C))
			return "failed read with data";
		return NULL;
	}
	return read_size_bad(size);
}

int nbr_encode_read_reply(void *buf, size_t size,
			  const struct nbr_read_reply *r)
{
	struct nbr_p_read_reply *w = PAYLOAD(buf);
	int ret;

	if (read_reply_bad(r->flags, r->crc, r->size))
		return -EINVAL;
	ret = nbr_codec_put_header(buf, size, NBR_P_READ_REPLY, sizeof(*w) + r->size,
			 sizeof(*w));
	if (ret < 0)
		return ret;
	w->sector = cpu_to_be64(r->sector);
	w->block_id = cpu_to_be64(r->block_id);
	w->flags = cpu_to_be32(r->flags);
	w->crc = cpu_to_be32(r->crc);
	return ret;
}

int nbr_decode_read_reply(const void *p, size_t len, u32 payload_len,
			  struct nbr_read_reply *r, const char **reason)
{
	const struct nbr_p_read_reply *w = p;
	const char *bad;

	if (len != sizeof(*w))
		return fail(reason, "wrong read reply header size", -EPROTO);
	if (payload_len < sizeof(*w))
		return fail(reason, "payload too short for command", -EPROTO);
	r->sector = be64_to_cpu(w->sector);
	r->block_id = be64_to_cpu(w->block_id);
	r->flags = be32_to_cpu(w->flags);
	r->crc = be32_to_cpu(w->crc);
	r->size = payload_len - (u32)sizeof(*w);
	bad = read_reply_bad(r->flags, r->crc, r->size);
	if (bad)
		return fail(reason, bad, -EPROTO);
	return 0;
}

static bool is_block_ack(unsigned int cmd)
{
	return cmd == NBR_P_RECV_ACK || cmd == NBR_P_WRITE_ACK ||
	       cmd == NBR_P_NEG_ACK || cmd == NBR_P_RS_ACK ||
	       cmd == NBR_P_RS_NEG_ACK;
}

int nbr_encode_block_ack(void *buf, size_t size, unsigned int cmd,
			 const struct nbr_block_ack *a)
{
	struct nbr_p_block_ack *w = PAYLOAD(buf);
	int ret;

	if (!is_block_ack(cmd))
		return -EINVAL;
	ret = nbr_codec_put_header(buf, size, cmd, sizeof(*w), sizeof(*w));
	if (ret < 0)
		return ret;
	w->sector = cpu_to_be64(a->sector);
	w->block_id = cpu_to_be64(a->block_id);
	w->size = cpu_to_be32(a->size);
	w->seq = cpu_to_be32(a->seq);
	return ret;
}

int nbr_decode_block_ack(const void *p, size_t len, struct nbr_block_ack *a,
			 const char **reason)
{
	const struct nbr_p_block_ack *w = p;

	if (len != sizeof(*w))
		return fail(reason, "wrong ack size", -EPROTO);
	a->sector = be64_to_cpu(w->sector);
	a->block_id = be64_to_cpu(w->block_id);
	a->size = be32_to_cpu(w->size);
	a->seq = be32_to_cpu(w->seq);
	/* Matching the ack to a request (block_id, seq) is the caller's. */
	if (a->size % NBR_SECTOR_SIZE || a->size > NBR_MAX_BIO_SIZE)
		return fail(reason, "bad size in ack", -EPROTO);
	return 0;
}

int nbr_encode_barrier(void *buf, size_t size, const struct nbr_barrier *b)
{
	struct nbr_p_barrier *w = PAYLOAD(buf);
	int ret;

	ret = nbr_codec_put_header(buf, size, NBR_P_BARRIER, sizeof(*w), sizeof(*w));
	if (ret < 0)
		return ret;
	w->epoch = cpu_to_be32(b->epoch);
	return ret;
}

int nbr_decode_barrier(const void *p, size_t len, struct nbr_barrier *b,
		       const char **reason)
{
	const struct nbr_p_barrier *w = p;

	if (len != sizeof(*w))
		return fail(reason, "wrong barrier size", -EPROTO);
	if (be32_to_cpu(w->reserved) != 0)
		return fail(reason, "reserved field not zero", -EPROTO);
	b->epoch = be32_to_cpu(w->epoch);
	return 0;
}

int nbr_encode_barrier_ack(void *buf, size_t size,
			   const struct nbr_barrier_ack *b)
{
	struct nbr_p_barrier_ack *w = PAYLOAD(buf);
	int ret;

	ret = nbr_codec_put_header(buf, size, NBR_P_BARRIER_ACK, sizeof(*w),
			 sizeof(*w));
	if (ret < 0)
		return ret;
	w->epoch = cpu_to_be32(b->epoch);
	w->set_size = cpu_to_be32(b->set_size);
	return ret;
}

int nbr_decode_barrier_ack(const void *p, size_t len,
			   struct nbr_barrier_ack *b, const char **reason)
{
	const struct nbr_p_barrier_ack *w = p;

	if (len != sizeof(*w))
		return fail(reason, "wrong barrier ack size", -EPROTO);
	b->epoch = be32_to_cpu(w->epoch);
	b->set_size = be32_to_cpu(w->set_size);
	return 0;
}

int nbr_encode_ping(void *buf, size_t size, unsigned int cmd)
{
	if (cmd != NBR_P_PING && cmd != NBR_P_PING_ACK &&
	    cmd != NBR_P_VERIFY_DONE)
		return -EINVAL;
	return nbr_codec_put_header(buf, size, cmd, 0, 0);
}
