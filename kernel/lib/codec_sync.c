// SPDX-License-Identifier: GPL-2.0-only
/*
 * Codec of the resync and verify packets; see nbr_codec_sync.h. Sizes and
 * legality per socket and phase are in the one table of codec.c.
 */
#include "nbr_codec.h"
#include "codec_priv.h"
#include <nbr/genl.h>
#include <nbr/meta.h>

int nbr_encode_uuids(void *buf, size_t size, unsigned int cmd,
		     const struct nbr_uuids *u)
{
	struct nbr_p_uuids *w = PAYLOAD(buf);
	int ret;

	if (cmd != NBR_P_UUIDS && cmd != NBR_P_RS_DONE)
		return -EINVAL;
	if ((u->uflags & ~NBR_UF_KNOWN) || (u->md_flags & ~NBR_MDF_KNOWN))
		return -EINVAL;
	ret = nbr_codec_put_header(buf, size, cmd, sizeof(*w), sizeof(*w));
	if (ret < 0)
		return ret;
	w->uuid_current = cpu_to_be64(u->uuid_current);
	w->bitmap = cpu_to_be64(u->bitmap);
	w->history[0] = cpu_to_be64(u->history[0]);
	w->history[1] = cpu_to_be64(u->history[1]);
	w->dirty_bits = cpu_to_be64(u->dirty_bits);
	w->md_flags = cpu_to_be32(u->md_flags);
	w->uflags = cpu_to_be32(u->uflags);
	return ret;
}

int nbr_decode_uuids(const void *p, size_t len, struct nbr_uuids *u,
		     const char **reason)
{
	const struct nbr_p_uuids *w = p;

	if (len != sizeof(*w))
		return fail(reason, "wrong uuids size", -EPROTO);
	u->uuid_current = be64_to_cpu(w->uuid_current);
	u->bitmap = be64_to_cpu(w->bitmap);
	u->history[0] = be64_to_cpu(w->history[0]);
	u->history[1] = be64_to_cpu(w->history[1]);
	u->dirty_bits = be64_to_cpu(w->dirty_bits);
	u->md_flags = be32_to_cpu(w->md_flags);
	u->uflags = be32_to_cpu(w->uflags);
	if (u->md_flags & ~NBR_MDF_KNOWN)
		return fail(reason, "unknown metadata flags", -EPROTO);
	if (u->uflags & ~NBR_UF_KNOWN)
		return fail(reason, "unknown uuid flags", -EPROTO);
	if (u->uflags & NBR_UF_DISKLESS) {
		if (u->uuid_current || u->bitmap || u->history[0] ||
		    u->history[1] || u->dirty_bits || u->md_flags)
			return fail(reason, "diskless peer sent identifiers",
				    -EPROTO);
	} else if (!u->uuid_current) {
		return fail(reason, "current identifier is zero", -EPROTO);
	}
	return 0;
}

/* Field rules shared by the bitmap encoder and decoder. */
static const char *bitmap_bad(const struct nbr_bitmap_chunk *c)
{
	if (c->flags & ~NBR_BM_KNOWN)
		return "unknown bitmap flags";
	if (!c->nbits)
		return "empty bitmap chunk";
	if (c->first + c->nbits < c->first)
		return "bitmap chunk range overflows";
	/* The flags byte and at least one run. */
	if (c->len < 2 || c->len > NBR_BM_CHUNK_MAX)
		return "bitmap chunk length out of range";
	return NULL;
}

int nbr_encode_bitmap(void *buf, size_t size,
		      const struct nbr_bitmap_chunk *c)
{
	struct nbr_p_bitmap *w = PAYLOAD(buf);
	int ret;

	if (bitmap_bad(c))
		return -EINVAL;
	ret = nbr_codec_put_header(buf, size, NBR_P_BITMAP,
				   sizeof(*w) + c->len, sizeof(*w));
	if (ret < 0)
		return ret;
	if (size - ret < c->len)
		return -ENOSPC;
	w->first = cpu_to_be64(c->first);
	w->nbits = cpu_to_be64(c->nbits);
	w->flags = cpu_to_be32(c->flags);
	memcpy((u8 *)buf + ret, c->runs, c->len);
	return ret + (int)c->len;
}

int nbr_decode_bitmap(const void *p, size_t len, struct nbr_bitmap_chunk *c,
		      const char **reason)
{
	const struct nbr_p_bitmap *w = p;
	const char *bad;

	if (len < sizeof(*w))
		return fail(reason, "bitmap packet too short", -EPROTO);
	if (be32_to_cpu(w->reserved) != 0)
		return fail(reason, "reserved field not zero", -EPROTO);
	c->first = be64_to_cpu(w->first);
	c->nbits = be64_to_cpu(w->nbits);
	c->flags = be32_to_cpu(w->flags);
	c->len = (u32)(len - sizeof(*w));
	c->runs = (const u8 *)p + sizeof(*w);
	bad = bitmap_bad(c);
	if (bad)
		return fail(reason, bad, -EPROTO);
	return 0;
}

int nbr_encode_sync_uuid(void *buf, size_t size,
			 const struct nbr_sync_uuid *s)
{
	struct nbr_p_sync_uuid *w = PAYLOAD(buf);
	int ret;

	if ((s->flags & ~NBR_SU_KNOWN) || !s->uuid)
		return -EINVAL;
	ret = nbr_codec_put_header(buf, size, NBR_P_SYNC_UUID, sizeof(*w),
				   sizeof(*w));
	if (ret < 0)
		return ret;
	w->uuid = cpu_to_be64(s->uuid);
	w->bits = cpu_to_be64(s->bits);
	w->flags = cpu_to_be32(s->flags);
	return ret;
}

int nbr_decode_sync_uuid(const void *p, size_t len, struct nbr_sync_uuid *s,
			 const char **reason)
{
	const struct nbr_p_sync_uuid *w = p;

	if (len != sizeof(*w))
		return fail(reason, "wrong sync uuid size", -EPROTO);
	if (be32_to_cpu(w->reserved) != 0)
		return fail(reason, "reserved field not zero", -EPROTO);
	s->uuid = be64_to_cpu(w->uuid);
	s->bits = be64_to_cpu(w->bits);
	s->flags = be32_to_cpu(w->flags);
	if (s->flags & ~NBR_SU_KNOWN)
		return fail(reason, "unknown sync uuid flags", -EPROTO);
	if (!s->uuid)
		return fail(reason, "sync identifier is zero", -EPROTO);
	return 0;
}

/* Field rules shared by the resync data encoder and decoder. */
static const char *rs_data_bad(const struct nbr_rs_data *r)
{
	if (r->flags & ~NBR_DP_CRC32C)
		return "unknown resync data flags";
	if (!(r->flags & NBR_DP_CRC32C) && r->crc)
		return "checksum without checksum flag";
	if (r->sector % (NBR_RS_BLOCK / NBR_SECTOR_SIZE))
		return "resync data not 4 KiB aligned";
	if (!r->size || r->size % NBR_RS_BLOCK)
		return "resync size not a multiple of 4 KiB";
	if (r->size > NBR_MAX_BIO_SIZE)
		return "resync size above maximum";
	return NULL;
}

int nbr_encode_rs_data(void *buf, size_t size, const struct nbr_rs_data *r)
{
	struct nbr_p_rs_data *w = PAYLOAD(buf);
	int ret;

	if (rs_data_bad(r))
		return -EINVAL;
	ret = nbr_codec_put_header(buf, size, NBR_P_RS_DATA,
				   sizeof(*w) + r->size, sizeof(*w));
	if (ret < 0)
		return ret;
	w->sector = cpu_to_be64(r->sector);
	w->block_id = cpu_to_be64(r->block_id);
	w->flags = cpu_to_be32(r->flags);
	w->crc = cpu_to_be32(r->crc);
	return ret;
}

int nbr_decode_rs_data(const void *p, size_t len, u32 payload_len,
		       struct nbr_rs_data *r, const char **reason)
{
	const struct nbr_p_rs_data *w = p;
	const char *bad;

	if (len != sizeof(*w) || payload_len < sizeof(*w))
		return fail(reason, "wrong resync data header size", -EPROTO);
	r->sector = be64_to_cpu(w->sector);
	r->block_id = be64_to_cpu(w->block_id);
	r->flags = be32_to_cpu(w->flags);
	r->crc = be32_to_cpu(w->crc);
	r->size = payload_len - (u32)sizeof(*w);
	bad = rs_data_bad(r);
	if (bad)
		return fail(reason, bad, -EPROTO);
	return 0;
}

int nbr_rs_check_range(const struct nbr_rs_data *r, u64 dev_sectors,
		       u32 max_bio, const char **reason)
{
	if (r->size > max_bio)
		return fail(reason, "resync size above agreed maximum",
			    -EPROTO);
	if (nbr_codec_beyond_end(r->sector, r->size, dev_sectors))
		return fail(reason, "resync beyond end of device", -EPROTO);
	return 0;
}

int nbr_encode_sync_req(void *buf, size_t size, u32 flags)
{
	struct nbr_p_sync_req *w = PAYLOAD(buf);
	int ret;

	if (flags & ~NBR_SU_KNOWN)
		return -EINVAL;
	ret = nbr_codec_put_header(buf, size, NBR_P_SYNC_REQ, sizeof(*w),
				   sizeof(*w));
	if (ret < 0)
		return ret;
	w->flags = cpu_to_be32(flags);
	return ret;
}

int nbr_decode_sync_req(const void *p, size_t len, u32 *flags,
			const char **reason)
{
	const struct nbr_p_sync_req *w = p;

	if (len != sizeof(*w))
		return fail(reason, "wrong sync request size", -EPROTO);
	if (be32_to_cpu(w->reserved) != 0)
		return fail(reason, "reserved field not zero", -EPROTO);
	*flags = be32_to_cpu(w->flags);
	if (*flags & ~NBR_SU_KNOWN)
		return fail(reason, "unknown sync request flags", -EPROTO);
	return 0;
}

unsigned int nbr_digest_len(unsigned int alg)
{
	switch (alg) {
	case NBR_DIGEST_CRC32C:
		return 4;
	case NBR_DIGEST_SHA1:
		return 20;
	case NBR_DIGEST_SHA256:
		return 32;
	case NBR_DIGEST_MD5:
		return 16;
	default:
		return 0;
	}
}

static const char *verify_req_bad(const struct nbr_verify_req *v)
{
	if (v->sector % (NBR_RS_BLOCK / NBR_SECTOR_SIZE))
		return "verify range not 4 KiB aligned";
	if (!v->blocks || v->blocks > NBR_VERIFY_BLOCKS_MAX)
		return "verify block count out of range";
	if (!nbr_digest_len(v->alg))
		return "unknown verify digest";
	if (v->digest_len != nbr_digest_len(v->alg))
		return "verify digest length does not match its algorithm";
	return NULL;
}

int nbr_encode_verify_req(void *buf, size_t size,
			  const struct nbr_verify_req *v)
{
	struct nbr_p_verify_req *w = PAYLOAD(buf);
	u32 dlen;
	int ret;

	if (verify_req_bad(v))
		return -EINVAL;
	dlen = (u32)v->blocks * v->digest_len;
	ret = nbr_codec_put_header(buf, size, NBR_P_VERIFY_REQ,
				   sizeof(*w) + dlen, sizeof(*w));
	if (ret < 0)
		return ret;
	if (size - ret < dlen)
		return -ENOSPC;
	w->sector = cpu_to_be64(v->sector);
	w->block_id = cpu_to_be64(v->block_id);
	w->blocks = cpu_to_be16(v->blocks);
	w->alg = cpu_to_be16(v->alg);
	w->digest_len = cpu_to_be16(v->digest_len);
	memcpy((u8 *)buf + ret, v->digests, dlen);
	return ret + (int)dlen;
}

int nbr_decode_verify_req(const void *p, size_t len,
			  struct nbr_verify_req *v, const char **reason)
{
	const struct nbr_p_verify_req *w = p;
	const char *bad;

	if (len < sizeof(*w))
		return fail(reason, "verify request too short", -EPROTO);
	if (be16_to_cpu(w->reserved) != 0)
		return fail(reason, "reserved field not zero", -EPROTO);
	v->sector = be64_to_cpu(w->sector);
	v->block_id = be64_to_cpu(w->block_id);
	v->blocks = be16_to_cpu(w->blocks);
	v->alg = be16_to_cpu(w->alg);
	v->digest_len = be16_to_cpu(w->digest_len);
	v->digests = (const u8 *)p + sizeof(*w);
	bad = verify_req_bad(v);
	if (bad)
		return fail(reason, bad, -EPROTO);
	if (len - sizeof(*w) != (size_t)v->blocks * v->digest_len)
		return fail(reason, "verify digests do not match the count",
			    -EPROTO);
	return 0;
}

int nbr_verify_check_range(const struct nbr_verify_req *v, u64 dev_sectors,
			   const char **reason)
{
	if (nbr_codec_beyond_end(v->sector, (u32)v->blocks *
				 NBR_RS_BLOCK, dev_sectors))
		return fail(reason, "verify beyond end of device", -EPROTO);
	return 0;
}

int nbr_encode_verify_reply(void *buf, size_t size,
			    const struct nbr_verify_reply *v)
{
	struct nbr_p_verify_reply *w = PAYLOAD(buf);
	int ret;

	ret = nbr_codec_put_header(buf, size, NBR_P_VERIFY_REPLY, sizeof(*w),
				   sizeof(*w));
	if (ret < 0)
		return ret;
	w->sector = cpu_to_be64(v->sector);
	w->block_id = cpu_to_be64(v->block_id);
	w->differ = cpu_to_be64(v->differ);
	return ret;
}

int nbr_decode_verify_reply(const void *p, size_t len,
			    struct nbr_verify_reply *v, const char **reason)
{
	const struct nbr_p_verify_reply *w = p;

	if (len != sizeof(*w))
		return fail(reason, "wrong verify reply size", -EPROTO);
	v->sector = be64_to_cpu(w->sector);
	v->block_id = be64_to_cpu(w->block_id);
	v->differ = be64_to_cpu(w->differ);
	return 0;
}
