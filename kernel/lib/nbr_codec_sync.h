/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Codec of the resync and verify packets (codec_sync.c): generation
 * identifiers, bitmap chunks, sync start, resync data, verify. Same rules
 * as the rest of the codec (nbr_codec.h): encoders write header + fixed
 * part and refuse what a decoder would refuse; decoders check every field.
 */
#ifndef NBR_CODEC_SYNC_H
#define NBR_CODEC_SYNC_H

#include "nbr_lib_compat.h"
#include <nbr/wire.h>

#ifdef __cplusplus
extern "C" {
#endif

struct nbr_uuids {
	u64 uuid_current;
	u64 bitmap;
	u64 history[2];
	u64 dirty_bits;
	u32 md_flags;		/* NBR_MDF_* */
	u32 uflags;		/* NBR_UF_* */
};

struct nbr_bitmap_chunk {
	u64 first;
	u64 nbits;
	u32 flags;		/* NBR_BM_* */
	u32 len;		/* run-length bytes after the fixed part */
	const u8 *runs;		/* decode: points into the payload */
};

struct nbr_sync_uuid {
	u64 uuid;
	u64 bits;
	u32 flags;		/* NBR_SU_* */
};

struct nbr_rs_data {
	u64 sector;
	u64 block_id;
	u32 flags;		/* NBR_DP_CRC32C or 0 */
	u32 crc;
	u32 size;		/* bytes following the fixed part */
};

struct nbr_verify_req {
	u64 sector;
	u64 block_id;
	u16 blocks;
	u16 alg;		/* enum nbr_digest_alg */
	u16 digest_len;
	const u8 *digests;	/* decode: blocks * digest_len bytes */
};

struct nbr_verify_reply {
	u64 sector;
	u64 block_id;
	u64 differ;
};

/* cmd: NBR_P_UUIDS or NBR_P_RS_DONE */
int nbr_encode_uuids(void *buf, size_t size, unsigned int cmd,
		     const struct nbr_uuids *u);
int nbr_decode_uuids(const void *p, size_t len, struct nbr_uuids *u,
		     const char **reason);
/* Header, fixed part and c->len run-length bytes from c->runs. */
int nbr_encode_bitmap(void *buf, size_t size,
		      const struct nbr_bitmap_chunk *c);
int nbr_decode_bitmap(const void *p, size_t len, struct nbr_bitmap_chunk *c,
		      const char **reason);
int nbr_encode_sync_uuid(void *buf, size_t size,
			 const struct nbr_sync_uuid *s);
int nbr_decode_sync_uuid(const void *p, size_t len, struct nbr_sync_uuid *s,
			 const char **reason);
/* Resync data: header and fixed part; the caller sends r->size bytes. */
int nbr_encode_rs_data(void *buf, size_t size, const struct nbr_rs_data *r);
int nbr_decode_rs_data(const void *p, size_t len, u32 payload_len,
		       struct nbr_rs_data *r, const char **reason);
/* Does the resync write fit the device and the agreed max_bio? */
int nbr_rs_check_range(const struct nbr_rs_data *r, u64 dev_sectors,
		       u32 max_bio, const char **reason);
int nbr_encode_sync_req(void *buf, size_t size, u32 flags);
int nbr_decode_sync_req(const void *p, size_t len, u32 *flags,
			const char **reason);
/* Header, fixed part and the digests from v->digests. */
int nbr_encode_verify_req(void *buf, size_t size,
			  const struct nbr_verify_req *v);
int nbr_decode_verify_req(const void *p, size_t len,
			  struct nbr_verify_req *v, const char **reason);
/* Does the verified range fit the device? */
int nbr_verify_check_range(const struct nbr_verify_req *v, u64 dev_sectors,
			   const char **reason);
int nbr_encode_verify_reply(void *buf, size_t size,
			    const struct nbr_verify_reply *v);
int nbr_decode_verify_reply(const void *p, size_t len,
			    struct nbr_verify_reply *v, const char **reason);
/* Digest bytes of an nbr_digest_alg, 0 when unknown. */
unsigned int nbr_digest_len(unsigned int alg);

#ifdef __cplusplus
}
#endif

#endif /* NBR_CODEC_SYNC_H */
