// SPDX-License-Identifier: GPL-2.0-only
/*
 * Metadata codec and layout; see nbr_meta.h for the order in which an
 * attach uses these functions and docs/metadata-format.md for the format.
 */
#include "nbr_meta.h"
#include "nbr_crc32c.h"

#define U64_MAXV	(~0ull)
#define BLK		((u64)NBR_MD_BLOCK)

static const char *const err_names[NBR_MD_E_COUNT] = {
	[NBR_MD_OK] = "ok",
	[NBR_MD_E_SHORT] = "short-buffer",
	[NBR_MD_E_BLANK] = "blank",
	[NBR_MD_E_MAGIC] = "bad-magic",
	[NBR_MD_E_VERSION] = "unknown-version",
	[NBR_MD_E_CRC] = "crc-mismatch",
	[NBR_MD_E_LOCATION] = "wrong-location",
	[NBR_MD_E_FLAGS] = "unknown-flags",
	[NBR_MD_E_RESERVED] = "reserved-not-zero",
	[NBR_MD_E_LAYOUT] = "unknown-layout",
	[NBR_MD_E_BYTES_PER_BIT] = "bytes-per-bit",
	[NBR_MD_E_ALIGN] = "misaligned",
	[NBR_MD_E_AL_GEOMETRY] = "al-geometry",
	[NBR_MD_E_BM_SIZE] = "bitmap-too-small",
	[NBR_MD_E_LA_SIZE] = "la-size-too-big",
	[NBR_MD_E_OUTSIDE] = "area-outside-metadata",
	[NBR_MD_E_OVERLAP] = "areas-overlap",
	[NBR_MD_E_DATA_OVERLAP] = "data-overlaps-metadata",
	[NBR_MD_E_DEVICE] = "metadata-beyond-device",
	[NBR_MD_E_DATA_DEVICE] = "data-beyond-device",
	[NBR_MD_E_UUID] = "zero-current-uuid",
	[NBR_MD_E_AL_SEQ] = "al-wrong-slot",
	[NBR_MD_E_AL_EXTENTS] = "al-extents-mismatch",
	[NBR_MD_E_AL_COUNT] = "al-count",
	[NBR_MD_E_AL_SLOT] = "al-slot-range",
	[NBR_MD_E_AL_GAP] = "al-gap",
	[NBR_MD_E_TOO_SMALL] = "device-too-small",
	[NBR_MD_E_TOO_BIG] = "data-too-big",
	[NBR_MD_E_INVALID] = "invalid-argument",
};

const char *nbr_md_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err >= NBR_MD_E_COUNT)
		return "?";
	return err_names[err];
}

static int fail(const char **reason, const char *why, enum nbr_md_err e)
{
	if (reason)
		*reason = why;
	return -(int)e;
}

static bool all_zero(const u8 *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* crc32c of a 4 KiB block whose crc field is at @crc_at, taken as zero. */
static u32 block_crc(const u8 *blk, size_t crc_at)
{
	static const u8 zero[4];
	u32 crc;

	crc = nbr_crc32c(0, blk, crc_at);
	crc = nbr_crc32c(crc, zero, sizeof(zero));
	return nbr_crc32c(crc, blk + crc_at + 4, NBR_MD_BLOCK - crc_at - 4);
}

int nbr_md_sb_encode(void *buf, size_t size, const struct nbr_md_sb *sb)
{
	struct nbr_md_sb_disk *d = buf;

	if (size < sizeof(*d))
		return -NBR_MD_E_SHORT;
	memset(d, 0, sizeof(*d));
	d->magic = cpu_to_be32(NBR_MD_MAGIC);
	d->version = cpu_to_be32(sb->version);
	d->flags = cpu_to_be32(sb->flags);
	d->sb_offset = cpu_to_be64(sb->sb_offset);
	d->md_offset = cpu_to_be64(sb->md_offset);
	d->md_size = cpu_to_be64(sb->md_size);
	d->data_sectors = cpu_to_be64(sb->data_sectors);
	d->la_size_sect = cpu_to_be64(sb->la_size_sect);
	d->uuid_current = cpu_to_be64(sb->uuid_current);
	d->uuid_bitmap = cpu_to_be64(sb->uuid_bitmap);
	d->uuid_history[0] = cpu_to_be64(sb->uuid_history[0]);
	d->uuid_history[1] = cpu_to_be64(sb->uuid_history[1]);
	d->device_uuid = cpu_to_be64(sb->device_uuid);
	d->al_offset = cpu_to_be64(sb->al_offset);
	d->al_slots = cpu_to_be32(sb->al_slots);
	d->al_extents = cpu_to_be32(sb->al_extents);
	d->bm_offset = cpu_to_be64(sb->bm_offset);
	d->bm_bytes = cpu_to_be64(sb->bm_bytes);
	d->bm_bytes_per_bit = cpu_to_be32(sb->bm_bytes_per_bit);
	d->layout = cpu_to_be32((u32)sb->layout);
	d->crc = cpu_to_be32(block_crc(buf, 8));
	return NBR_MD_BLOCK;
}

static void sb_from_disk(const struct nbr_md_sb_disk *d, struct nbr_md_sb *sb)
{
	sb->version = be32_to_cpu(d->version);
	sb->flags = be32_to_cpu(d->flags);
	sb->layout = (enum nbr_md_kind)be32_to_cpu(d->layout);
	sb->sb_offset = be64_to_cpu(d->sb_offset);
	sb->md_offset = be64_to_cpu(d->md_offset);
	sb->md_size = be64_to_cpu(d->md_size);
	sb->data_sectors = be64_to_cpu(d->data_sectors);
	sb->la_size_sect = be64_to_cpu(d->la_size_sect);
	sb->uuid_current = be64_to_cpu(d->uuid_current);
	sb->uuid_bitmap = be64_to_cpu(d->uuid_bitmap);
	sb->uuid_history[0] = be64_to_cpu(d->uuid_history[0]);
	sb->uuid_history[1] = be64_to_cpu(d->uuid_history[1]);
	sb->device_uuid = be64_to_cpu(d->device_uuid);
	sb->al_offset = be64_to_cpu(d->al_offset);
	sb->al_slots = be32_to_cpu(d->al_slots);
	sb->al_extents = be32_to_cpu(d->al_extents);
	sb->bm_offset = be64_to_cpu(d->bm_offset);
	sb->bm_bytes = be64_to_cpu(d->bm_bytes);
	sb->bm_bytes_per_bit = be32_to_cpu(d->bm_bytes_per_bit);
}

int nbr_md_sb_decode(const void *buf, size_t len, u64 read_at,
		     struct nbr_md_sb *sb, const char **reason)
{
	const struct nbr_md_sb_disk *d = buf;

	if (len < sizeof(*d))
		return fail(reason, "buffer shorter than a superblock",
			    NBR_MD_E_SHORT);
	if (all_zero(buf, sizeof(*d)))
		return fail(reason, "no metadata: the superblock is all zeros",
			    NBR_MD_E_BLANK);
	if (be32_to_cpu(d->magic) != NBR_MD_MAGIC)
		return fail(reason, "bad magic: this is not nbr metadata",
			    NBR_MD_E_MAGIC);
	if (be32_to_cpu(d->version) != NBR_MD_VERSION)
		return fail(reason, "unknown metadata format version",
			    NBR_MD_E_VERSION);
	if (be32_to_cpu(d->crc) != block_crc(buf, 8))
		return fail(reason, "superblock checksum mismatch (corrupt)",
			    NBR_MD_E_CRC);
	if (be64_to_cpu(d->sb_offset) != read_at)
		return fail(reason,
			    "superblock records another location than where it was read",
			    NBR_MD_E_LOCATION);
	if (be32_to_cpu(d->flags) & ~NBR_MDF_KNOWN)
		return fail(reason, "unknown flags set", NBR_MD_E_FLAGS);
	if (!all_zero(d->reserved, sizeof(d->reserved)))
		return fail(reason, "reserved superblock bytes are not zero",
			    NBR_MD_E_RESERVED);
	sb_from_disk(d, sb);
	return nbr_md_sb_check(sb, reason);
}

static bool aligned(u64 v)
{
	return (v & (BLK - 1)) == 0;
}

/* [off, off + len) inside [lo, lo + size), without overflow. */
static bool inside(u64 off, u64 len, u64 lo, u64 size)
{
	return off >= lo && len <= size && off - lo <= size - len;
}

/* Two ranges that both lie inside the metadata area (no overflow). */
static bool overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

static u32 al_extents_max(u32 al_slots)
{
	u32 max = NBR_AL_CONTEXT * (al_slots - 1);

	return max < NBR_AL_EXTENTS_MAX ? max : NBR_AL_EXTENTS_MAX;
}

static int check_al(const struct nbr_md_sb *sb, const char **reason)
{
	if (sb->al_slots < NBR_AL_SLOTS_MIN || sb->al_slots > NBR_AL_SLOTS_MAX)
		return fail(reason, "activity-log ring size out of range",
			    NBR_MD_E_AL_GEOMETRY);
	if (sb->al_extents < NBR_AL_EXTENTS_MIN ||
	    sb->al_extents > al_extents_max(sb->al_slots))
		return fail(reason,
			    "al-extents out of range for the activity-log ring",
			    NBR_MD_E_AL_GEOMETRY);
	return 0;
}

static int check_areas(const struct nbr_md_sb *sb, const char **reason)
{
	u64 al_len = (u64)sb->al_slots * BLK;

	if (sb->md_size > U64_MAXV - sb->md_offset ||
	    !inside(sb->sb_offset, BLK, sb->md_offset, sb->md_size) ||
	    !inside(sb->al_offset, al_len, sb->md_offset, sb->md_size) ||
	    !inside(sb->bm_offset, sb->bm_bytes, sb->md_offset, sb->md_size))
		return fail(reason,
			    "superblock, activity log or bitmap lies outside the metadata area",
			    NBR_MD_E_OUTSIDE);
	if (overlap(sb->sb_offset, BLK, sb->al_offset, al_len) ||
	    overlap(sb->sb_offset, BLK, sb->bm_offset, sb->bm_bytes) ||
	    overlap(sb->al_offset, al_len, sb->bm_offset, sb->bm_bytes))
		return fail(reason,
			    "superblock, activity log and bitmap overlap",
			    NBR_MD_E_OVERLAP);
	/* Internal: the data area [0, data) must end before the metadata. */
	if (sb->layout == NBR_MD_INTERNAL &&
	    sb->data_sectors > sb->md_offset / NBR_MD_SECTOR)
		return fail(reason,
			    "the data area overlaps the internal metadata",
			    NBR_MD_E_DATA_OVERLAP);
	return 0;
}

int nbr_md_sb_check(const struct nbr_md_sb *sb, const char **reason)
{
	int ret;

	if (sb->layout != NBR_MD_INTERNAL && sb->layout != NBR_MD_EXTERNAL)
		return fail(reason, "unknown metadata layout", NBR_MD_E_LAYOUT);
	if (sb->bm_bytes_per_bit != NBR_BM_BYTES_PER_BIT)
		return fail(reason, "bitmap bytes per bit is not 4096",
			    NBR_MD_E_BYTES_PER_BIT);
	if (!aligned(sb->sb_offset) || !aligned(sb->md_offset) ||
	    !aligned(sb->md_size) || !aligned(sb->al_offset) ||
	    !aligned(sb->bm_offset) || !aligned(sb->bm_bytes) ||
	    sb->data_sectors % 8)
		return fail(reason, "an offset or size is not 4 KiB aligned",
			    NBR_MD_E_ALIGN);
	ret = check_al(sb, reason);
	if (ret)
		return ret;
	if (sb->bm_bytes < nbr_md_bm_bytes(sb->data_sectors))
		return fail(reason, "the bitmap is too small for the data size",
			    NBR_MD_E_BM_SIZE);
	if (sb->la_size_sect > sb->data_sectors)
		return fail(reason,
			    "the last agreed size is larger than the data area",
			    NBR_MD_E_LA_SIZE);
	ret = check_areas(sb, reason);
	if (ret)
		return ret;
	if (sb->uuid_current == NBR_UUID_NONE)
		return fail(reason, "the current generation UUID is zero",
			    NBR_MD_E_UUID);
	return 0;
}

int nbr_md_sb_check_devices(const struct nbr_md_sb *sb, u64 meta_dev_bytes,
			    u64 data_dev_bytes, const char **reason)
{
	if (sb->md_offset > meta_dev_bytes ||
	    sb->md_size > meta_dev_bytes - sb->md_offset)
		return fail(reason, "the metadata area extends beyond the device",
			    NBR_MD_E_DEVICE);
	if (sb->layout == NBR_MD_INTERNAL &&
	    sb->sb_offset != (meta_dev_bytes & ~(BLK - 1)) - BLK)
		return fail(reason,
			    "internal superblock is not at the end of the device (was it resized?)",
			    NBR_MD_E_LOCATION);
	if (sb->layout == NBR_MD_EXTERNAL &&
	    sb->data_sectors > data_dev_bytes / NBR_MD_SECTOR)
		return fail(reason, "the data area is larger than the data device",
			    NBR_MD_E_DATA_DEVICE);
	return 0;
}

static u64 div_round_up(u64 n, u64 d)
{
	return n / d + (n % d != 0);
}

u64 nbr_md_bm_bytes(u64 data_sectors)
{
	u64 blocks = div_round_up(data_sectors, 8);

	return div_round_up(blocks, NBR_BM_BITS_PER_BLOCK) * BLK;
}

static bool al_slots_ok(u32 al_slots)
{
	return al_slots >= NBR_AL_SLOTS_MIN && al_slots <= NBR_AL_SLOTS_MAX;
}

int nbr_md_layout_internal(u64 backing_bytes, u32 al_slots,
			   struct nbr_md_layout *l)
{
	u64 blocks = backing_bytes / BLK;
	u64 n, bm, data;

	if (!al_slots_ok(al_slots))
		return -NBR_MD_E_INVALID;
	/* At least one data block and one bitmap block. */
	if (blocks < 1 + al_slots + 2)
		return -NBR_MD_E_TOO_SMALL;
	/*
	 * n blocks for data d and bitmap m = ceil(d / 32768): the largest d
	 * with d + ceil(d / 32768) <= n is n - ceil(n / 32769).
	 */
	n = blocks - 1 - al_slots;
	bm = div_round_up(n, NBR_BM_BITS_PER_BLOCK + 1);
	data = n - bm;
	l->kind = NBR_MD_INTERNAL;
	l->data_sectors = data * 8;
	l->bm_offset = data * BLK;
	l->bm_bytes = bm * BLK;
	l->al_slots = al_slots;
	l->al_offset = l->bm_offset + l->bm_bytes;
	l->sb_offset = l->al_offset + (u64)al_slots * BLK;
	l->md_offset = l->bm_offset;
	l->md_size = (bm + al_slots + 1) * BLK;
	return 0;
}

int nbr_md_layout_external(u64 data_bytes, u64 meta_bytes, int index,
			   u32 al_slots, struct nbr_md_layout *l)
{
	u64 data = data_bytes / BLK;
	u64 bm = div_round_up(data, NBR_BM_BITS_PER_BLOCK);
	u64 fixed = (1 + (u64)al_slots) * BLK;

	if (!al_slots_ok(al_slots) || index > 255)
		return -NBR_MD_E_INVALID;
	if (!data)
		return -NBR_MD_E_TOO_SMALL;
	l->kind = NBR_MD_EXTERNAL;
	l->data_sectors = data * 8;
	if (index < 0) {
		l->md_offset = 0;
		l->md_size = fixed + bm * BLK;
	} else {
		l->md_offset = (u64)index * NBR_MD_INDEXED_SIZE;
		l->md_size = NBR_MD_INDEXED_SIZE;
		if (fixed + bm * BLK > NBR_MD_INDEXED_SIZE)
			return -NBR_MD_E_TOO_BIG;
	}
	if (l->md_offset > meta_bytes || l->md_size > meta_bytes - l->md_offset)
		return -NBR_MD_E_TOO_SMALL;
	l->sb_offset = l->md_offset;
	l->al_slots = al_slots;
	l->al_offset = l->md_offset + BLK;
	l->bm_offset = l->md_offset + fixed;
	l->bm_bytes = bm * BLK;
	return 0;
}

int nbr_al_encode(void *buf, size_t size, const struct nbr_al_txn *t)
{
	struct nbr_al_disk *d = buf;
	u32 i;

	if (size < sizeof(*d))
		return -NBR_MD_E_SHORT;
	if (t->n_updates > NBR_AL_UPDATES || t->n_context > NBR_AL_CONTEXT)
		return -NBR_MD_E_INVALID;
	memset(d, 0, sizeof(*d));
	d->magic = cpu_to_be32(NBR_AL_MAGIC);
	d->seq = cpu_to_be64(t->seq);
	d->al_extents = cpu_to_be32(t->al_extents);
	d->n_updates = cpu_to_be16((u16)t->n_updates);
	d->n_context = cpu_to_be16((u16)t->n_context);
	d->context_start = cpu_to_be32(t->context_start);
	for (i = 0; i < t->n_updates; i++) {
		d->update_slot[i] = cpu_to_be16(t->update_slot[i]);
		d->update_extent[i] = cpu_to_be32(t->update_extent[i]);
	}
	for (i = 0; i < t->n_context; i++)
		d->context[i] = cpu_to_be32(t->context[i]);
	d->crc = cpu_to_be32(block_crc(buf, 4));
	return NBR_MD_BLOCK;
}

/* Entries past the used count must be zero: one encoding per value. */
static bool al_unused_zero(const struct nbr_al_disk *d, u32 nu, u32 nc)
{
	u32 i;

	for (i = nu; i < NBR_AL_UPDATES; i++)
		if (d->update_slot[i] || d->update_extent[i])
			return false;
	for (i = nc; i < NBR_AL_CONTEXT; i++)
		if (d->context[i])
			return false;
	return d->reserved == 0;
}

static int al_check_ranges(const struct nbr_al_disk *d, u32 al_extents,
			   struct nbr_al_txn *t, const char **reason)
{
	u32 i;

	if (t->n_updates > NBR_AL_UPDATES || t->n_context > NBR_AL_CONTEXT)
		return fail(reason, "activity-log entry count out of range",
			    NBR_MD_E_AL_COUNT);
	if (t->context_start > al_extents ||
	    t->n_context > al_extents - t->context_start)
		return fail(reason, "activity-log context beyond the table",
			    NBR_MD_E_AL_SLOT);
	for (i = 0; i < t->n_updates; i++) {
		t->update_slot[i] = be16_to_cpu(d->update_slot[i]);
		t->update_extent[i] = be32_to_cpu(d->update_extent[i]);
		if (t->update_slot[i] >= al_extents)
			return fail(reason, "activity-log update slot beyond the table",
				    NBR_MD_E_AL_SLOT);
	}
	if (!al_unused_zero(d, t->n_updates, t->n_context))
		return fail(reason, "unused activity-log entries are not zero",
			    NBR_MD_E_RESERVED);
	for (i = 0; i < t->n_context; i++)
		t->context[i] = be32_to_cpu(d->context[i]);
	return 0;
}

int nbr_al_decode(const void *buf, size_t len, u32 ring_index, u32 al_slots,
		  u32 al_extents, struct nbr_al_txn *t, const char **reason)
{
	const struct nbr_al_disk *d = buf;

	if (len < sizeof(*d))
		return fail(reason, "buffer shorter than an AL block",
			    NBR_MD_E_SHORT);
	if (!al_slots || ring_index >= al_slots || al_extents > 0xffffu + 1)
		return fail(reason, "bad AL geometry argument",
			    NBR_MD_E_INVALID);
	if (all_zero(buf, sizeof(*d)))
		return fail(reason, "unused activity-log block", NBR_MD_E_BLANK);
	if (be32_to_cpu(d->magic) != NBR_AL_MAGIC)
		return fail(reason, "bad activity-log magic", NBR_MD_E_MAGIC);
	if (be32_to_cpu(d->crc) != block_crc(buf, 4))
		return fail(reason, "activity-log checksum mismatch (torn or corrupt)",
			    NBR_MD_E_CRC);
	t->seq = be64_to_cpu(d->seq);
	if (t->seq % al_slots != ring_index)
		return fail(reason,
			    "activity-log transaction is in the wrong ring slot",
			    NBR_MD_E_AL_SEQ);
	t->al_extents = be32_to_cpu(d->al_extents);
	if (t->al_extents != al_extents)
		return fail(reason,
			    "activity-log table size differs from the superblock",
			    NBR_MD_E_AL_EXTENTS);
	t->n_updates = be16_to_cpu(d->n_updates);
	t->n_context = be16_to_cpu(d->n_context);
	t->context_start = be32_to_cpu(d->context_start);
	return al_check_ranges(d, al_extents, t, reason);
}
