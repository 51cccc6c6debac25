/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Metadata codec: host structs for the superblock and the activity-log
 * block of <nbr/meta.h>, one encoder and one decoder each, the layout
 * computation from device sizes, and validation one check at a time.
 *
 * Attaching, in this order (the module and drbdmeta alike):
 *  1. read the 4 KiB block where the layout says the superblock is;
 *  2. nbr_md_sb_decode(): magic, version, crc, own location, flags,
 *     reserved bytes, geometry - each failure its own NBR_MD_E_* code;
 *  3. nbr_md_sb_check_devices(): the areas fit the devices as they are now;
 *  4. only then read the AL ring and the bitmap; nothing is ever written to
 *     a device whose superblock failed 2 or 3.
 *
 * Errors are returned as -NBR_MD_E_*; nbr_md_strerror() names them, and
 * @reason (when not NULL) receives a static sentence for the user.
 */
#ifndef NBR_META_LIB_H
#define NBR_META_LIB_H

#include "nbr_lib_compat.h"
#include <nbr/meta.h>

#ifdef __cplusplus
extern "C" {
#endif

enum nbr_md_err {
	NBR_MD_OK = 0,
	NBR_MD_E_SHORT,		/* buffer shorter than a block */
	NBR_MD_E_BLANK,		/* block is all zeros: no metadata here */
	NBR_MD_E_MAGIC,		/* not nbr metadata (foreign data) */
	NBR_MD_E_VERSION,	/* nbr metadata of an unknown version */
	NBR_MD_E_CRC,		/* checksum mismatch: corrupt or torn */
	NBR_MD_E_LOCATION,	/* block records another location */
	NBR_MD_E_FLAGS,		/* unknown flag bits */
	NBR_MD_E_RESERVED,	/* reserved bytes or fields not zero */
	NBR_MD_E_LAYOUT,	/* unknown layout kind */
	NBR_MD_E_BYTES_PER_BIT,	/* bitmap granularity is not 4096 */
	NBR_MD_E_ALIGN,		/* offset or size not a multiple of 4 KiB */
	NBR_MD_E_AL_GEOMETRY,	/* AL slots or extents out of range */
	NBR_MD_E_BM_SIZE,	/* bitmap too small for the data size */
	NBR_MD_E_LA_SIZE,	/* agreed size larger than the data area */
	NBR_MD_E_OUTSIDE,	/* an area lies outside the metadata area */
	NBR_MD_E_OVERLAP,	/* two metadata areas overlap */
	NBR_MD_E_DATA_OVERLAP,	/* internal: data area reaches metadata */
	NBR_MD_E_DEVICE,	/* metadata area does not fit the device */
	NBR_MD_E_DATA_DEVICE,	/* data area larger than the data device */
	NBR_MD_E_UUID,		/* current UUID is zero */
	NBR_MD_E_AL_SEQ,	/* AL transaction in the wrong ring slot */
	NBR_MD_E_AL_EXTENTS,	/* AL table size differs from the sb */
	NBR_MD_E_AL_COUNT,	/* AL update/context count out of range */
	NBR_MD_E_AL_SLOT,	/* AL slot or context range out of table */
	NBR_MD_E_AL_GAP,	/* AL ring: transactions missing in between */
	NBR_MD_E_TOO_SMALL,	/* layout: device too small */
	NBR_MD_E_TOO_BIG,	/* layout: data too big for the area */
	NBR_MD_E_INVALID,	/* layout: bad argument */
	NBR_MD_E_COUNT
};

/* "bad-magic", "crc-mismatch", ...: a stable name for scripts and tests. */
const char *nbr_md_strerror(int err);

/* Host form of the superblock. */
struct nbr_md_sb {
	u32 version;
	u32 flags;		/* NBR_MDF_* */
	enum nbr_md_kind layout;
	u64 sb_offset;		/* bytes on the metadata device */
	u64 md_offset;
	u64 md_size;
	u64 data_sectors;
	u64 la_size_sect;
	u64 uuid_current;
	u64 uuid_bitmap;
	u64 uuid_history[2];
	u64 device_uuid;
	u64 al_offset;
	u32 al_slots;
	u32 al_extents;
	u64 bm_offset;
	u64 bm_bytes;
	u32 bm_bytes_per_bit;
};

/*
 * Writes one 4 KiB block (crc included). Does not validate @sb: encode
 * what nbr_md_sb_check() accepts. Returns NBR_MD_BLOCK or -NBR_MD_E_SHORT.
 */
int nbr_md_sb_encode(void *buf, size_t size, const struct nbr_md_sb *sb);

/*
 * Decodes and validates the block read at byte @read_at of the metadata
 * device. Checks, in order: blank, magic, version, crc, location, flags,
 * reserved, then nbr_md_sb_check(). Returns 0 or -NBR_MD_E_*.
 */
int nbr_md_sb_decode(const void *buf, size_t len, u64 read_at,
		     struct nbr_md_sb *sb, const char **reason);

/* Geometry checks of a host superblock, without device sizes. */
int nbr_md_sb_check(const struct nbr_md_sb *sb, const char **reason);

/*
 * The areas fit the devices: @meta_dev_bytes is the size of the metadata
 * device (the backing device when internal), @data_dev_bytes that of the
 * data device (ignored, may be 0, when internal).
 */
int nbr_md_sb_check_devices(const struct nbr_md_sb *sb, u64 meta_dev_bytes,
			    u64 data_dev_bytes, const char **reason);

/* Where everything is. */
struct nbr_md_layout {
	enum nbr_md_kind kind;
	u64 md_offset;		/* bytes on the metadata device */
	u64 md_size;
	u64 sb_offset;
	u64 al_offset;
	u32 al_slots;
	u64 bm_offset;
	u64 bm_bytes;
	u64 data_sectors;	/* usable data, a multiple of 8 sectors */
};

/* Bitmap bytes for @data_sectors: whole 4 KiB blocks, one bit per 4 KiB. */
u64 nbr_md_bm_bytes(u64 data_sectors);

/*
 * Internal metadata on a backing device of @backing_bytes: the largest
 * data area such that data + bitmap + AL + superblock fit in whole 4 KiB
 * blocks. Returns 0 or -NBR_MD_E_TOO_SMALL / -NBR_MD_E_INVALID.
 */
int nbr_md_layout_internal(u64 backing_bytes, u32 al_slots,
			   struct nbr_md_layout *l);

/*
 * External metadata for a data device of @data_bytes (all of it is data)
 * on a metadata device of @meta_bytes; @index < 0: flexible (at byte 0,
 * as large as needed), else the index-th NBR_MD_INDEXED_SIZE slot.
 */
int nbr_md_layout_external(u64 data_bytes, u64 meta_bytes, int index,
			   u32 al_slots, struct nbr_md_layout *l);

/* Host form of an AL transaction (about 4 KiB: do not put it on a stack). */
struct nbr_al_txn {
	u64 seq;
	u32 al_extents;
	u32 n_updates;
	u16 update_slot[NBR_AL_UPDATES];
	u32 update_extent[NBR_AL_UPDATES];
	u32 context_start;
	u32 n_context;
	u32 context[NBR_AL_CONTEXT];
};

/* Writes one 4 KiB AL block (crc included); -NBR_MD_E_SHORT/INVALID. */
int nbr_al_encode(void *buf, size_t size, const struct nbr_al_txn *t);

/*
 * Decodes ring block @ring_index of a ring of @al_slots for a table of
 * @al_extents. Checks: blank, magic, crc, seq matches the ring index,
 * table size, counts, slot ranges, unused entries zero.
 */
int nbr_al_decode(const void *buf, size_t len, u32 ring_index, u32 al_slots,
		  u32 al_extents, struct nbr_al_txn *t, const char **reason);

#ifdef __cplusplus
}
#endif

#endif /* NBR_META_LIB_H */
