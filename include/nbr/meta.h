/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The nbr on-disk metadata format: superblock, activity-log transaction
 * block and bitmap area. Declared once, here, for the module and for
 * userspace (drbdmeta). docs/metadata-format.md describes it in prose,
 * with the size formula and a worked example.
 *
 * All multi-byte fields of the superblock and the AL block are big-endian
 * and typed __be32/__be64. The bitmap area is an array of little-endian
 * 64-bit words, which is the same as "bit i is bit (i % 8) of byte i / 8":
 * no byte swapping is needed on either endianness to find a bit.
 *
 * Every 4 KiB block carries a magic number, a crc32c (Castagnoli) over the
 * whole block computed with its crc field set to zero, and its own
 * location (the superblock its byte offset, an AL block its ring index via
 * seq % al_slots). kernel/lib/meta.c is the only encoder and decoder and
 * validates one property at a time, each with its own error code.
 *
 * Layouts (byte offsets on the metadata device, all multiples of 4 KiB):
 *
 *   internal:  [ data ........ ][ bitmap ][ AL ring ][ superblock ]
 *              the superblock is the last whole 4 KiB block of the backing
 *              device; the data area ends where the bitmap begins.
 *
 *   external:  [ superblock ][ AL ring ][ bitmap ]     on another device,
 *              at byte 0 (flexible) or at index * NBR_MD_INDEXED_SIZE
 *              (meta-disk DEV [index]); the data device is all data.
 */
#ifndef NBR_META_H
#define NBR_META_H

#include "compat.h"

/* "NBRM" / "NBRL" in ASCII, readable in a hex dump. */
#define NBR_MD_MAGIC		0x4e42524du
#define NBR_AL_MAGIC		0x4e42524cu

/* Superblock format versions this build reads and writes. */
#define NBR_MD_VERSION		1u

#define NBR_MD_BLOCK		4096u	/* every metadata block */
#define NBR_MD_SECTOR		512u	/* unit of data_sectors, la_size_sect */
#define NBR_MD_BLOCK_SHIFT	12
#define NBR_BM_BYTES_PER_BIT	4096u	/* one bit per 4 KiB of data */
#define NBR_BM_BIT_SHIFT	12
/* One 4 KiB bitmap block covers 32768 data blocks = 128 MiB. */
#define NBR_BM_BITS_PER_BLOCK	(NBR_MD_BLOCK * 8u)

#define NBR_AL_EXTENT_SHIFT	22	/* 4 MiB activity-log extents */
#define NBR_AL_EXTENT_SIZE	(1u << NBR_AL_EXTENT_SHIFT)
#define NBR_AL_UPDATES		64u	/* extent changes per transaction */
#define NBR_AL_CONTEXT		920u	/* table slots copied per transaction */
#define NBR_AL_SLOTS_DEFAULT	8u	/* 32 KiB ring */
#define NBR_AL_SLOTS_MIN	2u
#define NBR_AL_SLOTS_MAX	64u
#define NBR_AL_EXTENTS_DEFAULT	1237u	/* drbd.conf al-extents default */
#define NBR_AL_EXTENTS_MIN	7u
#define NBR_AL_EXTENTS_MAX	65534u
#define NBR_AL_EXTENT_NONE	0xffffffffu	/* empty table slot */

/* meta-disk DEV [index]: fixed 128 MiB slots, like DRBD's indexed layout. */
#define NBR_MD_INDEXED_SIZE	(128ull << 20)

/*
 * Generation identifiers. 0 is "none" (empty bitmap or history slot);
 * a freshly created disk has current = NBR_UUID_JUST_CREATED. Every other
 * value is random, made by the module when a new data generation starts.
 */
#define NBR_UUID_NONE		0ull
#define NBR_UUID_JUST_CREATED	4ull

/* Superblock flags (node-independent: they describe this disk's data). */
#define NBR_MDF_CONSISTENT	(1u << 0)	/* data is not mid-resync */
#define NBR_MDF_WAS_UP_TO_DATE	(1u << 1)	/* was UpToDate when last written */
#define NBR_MDF_PRIMARY_IND	(1u << 2)	/* Primary; cleared on demote */
#define NBR_MDF_CONNECTED_IND	(1u << 3)	/* was connected to the peer */
#define NBR_MDF_PEER_OUTDATED	(1u << 4)	/* peer's disk is known Outdated */
#define NBR_MDF_FULL_SYNC	(1u << 5)	/* set all bits at next attach */
#define NBR_MDF_CRASHED_PRIMARY	(1u << 6)	/* attached with PRIMARY_IND set */
#define NBR_MDF_AL_CLEAN	(1u << 7)	/* AL holds no active extent */
#define NBR_MDF_SPLIT_AS_PRIMARY (1u << 8)	/* bitmap UUID started as Primary */
#define NBR_MDF_KNOWN		((1u << 9) - 1)

/* superblock.layout */
enum nbr_md_kind {
	NBR_MD_INTERNAL = 1,	/* at the end of the backing device */
	NBR_MD_EXTERNAL = 2,	/* on a separate device (flexible or indexed) */
};

/*
 * The superblock, one 4 KiB block. Offsets and sizes are in bytes from the
 * start of the metadata device, except the two data sizes in 512-byte
 * sectors. Reserved bytes are zero.
 */
struct nbr_md_sb_disk {
	__be32 magic;		/*    0: NBR_MD_MAGIC */
	__be32 version;		/*    4: NBR_MD_VERSION */
	__be32 crc;		/*    8: crc32c of the block, this field 0 */
	__be32 flags;		/*   12: NBR_MDF_* */
	__be64 sb_offset;	/*   16: where this block is (own location) */
	__be64 md_offset;	/*   24: first byte of the metadata area */
	__be64 md_size;		/*   32: bytes of the metadata area */
	__be64 data_sectors;	/*   40: size of the data area */
	__be64 la_size_sect;	/*   48: last agreed device size, <= data */
	__be64 uuid_current;	/*   56: generation identifiers */
	__be64 uuid_bitmap;	/*   64 */
	__be64 uuid_history[2];	/*   72, 80 */
	__be64 device_uuid;	/*   88: random, names this metadata */
	__be64 al_offset;	/*   96: first AL ring block */
	__be32 al_slots;	/*  104: 4 KiB blocks in the AL ring */
	__be32 al_extents;	/*  108: active-extent table size */
	__be64 bm_offset;	/*  112: first bitmap byte */
	__be64 bm_bytes;	/*  120: bitmap area size, multiple of 4096 */
	__be32 bm_bytes_per_bit;	/*  128: NBR_BM_BYTES_PER_BIT */
	__be32 layout;		/*  132: enum nbr_md_kind */
	__u8 reserved[3960];	/*  136: zero */
} NBR_PACKED;
NBR_ASSERT_SIZE(struct nbr_md_sb_disk, 4096);

/*
 * One activity-log transaction, one 4 KiB block of the ring; transaction
 * seq is written to ring block seq % al_slots. The log is a table of
 * al_extents slots, each holding an extent number or NBR_AL_EXTENT_NONE.
 * A transaction carries up to NBR_AL_UPDATES slot changes and, so that the
 * whole table can be rebuilt from the last al_slots - 1 transactions, a
 * copy of NBR_AL_CONTEXT consecutive table slots taken after the updates
 * (the copied range rotates with seq). Unused entries are zero.
 */
struct nbr_al_disk {
	__be32 magic;		/*    0: NBR_AL_MAGIC */
	__be32 crc;		/*    4: crc32c of the block, this field 0 */
	__be64 seq;		/*    8: transaction number, +1 each time */
	__be32 al_extents;	/*   16: table size when written */
	__be16 n_updates;	/*   20: used entries of update_* */
	__be16 n_context;	/*   22: used entries of context[] */
	__be32 context_start;	/*   24: table slot of context[0] */
	__be32 reserved;	/*   28: zero */
	__be16 update_slot[NBR_AL_UPDATES];	/*   32: table slot */
	__be32 update_extent[NBR_AL_UPDATES];	/*  160: new extent there */
	__be32 context[NBR_AL_CONTEXT];	/*  416: table[context_start + i] */
} NBR_PACKED;
NBR_ASSERT_SIZE(struct nbr_al_disk, 4096);

#endif /* NBR_META_H */
