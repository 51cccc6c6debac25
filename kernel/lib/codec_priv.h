/* SPDX-License-Identifier: GPL-2.0-only */
/* Helpers shared by the codec's files (codec.c, codec_sync.c) only. */
#ifndef NBR_CODEC_PRIV_H
#define NBR_CODEC_PRIV_H

#include "nbr_codec.h"

#define PAYLOAD(buf) ((void *)((u8 *)(buf) + sizeof(struct nbr_header)))

static inline int fail(const char **reason, const char *why, int err)
{
	if (reason)
		*reason = why;
	return err;
}

/* Header plus a zeroed fixed payload of @fixed bytes; bytes or -errno. */
int nbr_codec_put_header(void *buf, size_t size, unsigned int cmd, u32 len,
			 u32 fixed);
/* Does [sector, sector + size bytes) end beyond @dev_sectors? */
bool nbr_codec_beyond_end(u64 sector, u32 size, u64 dev_sectors);

#endif /* NBR_CODEC_PRIV_H */
