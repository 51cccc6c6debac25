// Superblock and AL block codecs against hand-written bytes, one test per
// rejection, the layouts and crc32c.
#include "nbr_crc32c.h"
#include "nbr_meta.h"
#include "test_util.h"

#include <cstring>
#include <gtest/gtest.h>
#include <string>

using nbrtest::Bytes;
using nbrtest::Hex;

namespace {

constexpr std::uint64_t kGiB = 1ull << 30;

// The superblock of a 1 GiB backing device with internal metadata.
struct nbr_md_sb Sb() {
    struct nbr_md_sb sb {};
    sb.version = NBR_MD_VERSION;
    sb.flags = NBR_MDF_CONSISTENT | NBR_MDF_AL_CLEAN;
    sb.layout = NBR_MD_INTERNAL;
    sb.sb_offset = 0x3ffff000;
    sb.md_offset = 0x3ffef000;
    sb.md_size = 0x11000;
    sb.data_sectors = 2097016;
    sb.la_size_sect = 2097000;
    sb.uuid_current = 0x1122334455667788;
    sb.uuid_history[0] = 0xaaaaaaaaaaaaaaaa;
    sb.device_uuid = 0x0102030405060708;
    sb.al_offset = 0x3fff7000;
    sb.al_slots = 8;
    sb.al_extents = 1237;
    sb.bm_offset = 0x3ffef000;
    sb.bm_bytes = 0x8000;
    sb.bm_bytes_per_bit = 4096;
    return sb;
}

// Field by field, as docs/metadata-format.md lists them; the crc was
// computed independently (Python, bitwise crc32c).
const char* kSbHex = "4e42524d 00000001 24f1549d 00000081" // magic version crc flags
                     "000000003ffff000"                    // sb_offset
                     "000000003ffef000 0000000000011000"   // md_offset md_size
                     "00000000001fff78 00000000001fff68"   // data_sectors la_size
                     "1122334455667788 0000000000000000"   // current bitmap
                     "aaaaaaaaaaaaaaaa 0000000000000000"   // history
                     "0102030405060708"                    // device_uuid
                     "000000003fff7000 00000008 000004d5"  // al_offset slots extents
                     "000000003ffef000 0000000000008000"   // bm_offset bm_bytes
                     "00001000 00000001";                  // bytes/bit layout

Bytes Encode(const struct nbr_md_sb& sb) {
    Bytes b(NBR_MD_BLOCK, 0xee);
    EXPECT_EQ(nbr_md_sb_encode(b.data(), b.size(), &sb), int(NBR_MD_BLOCK));
    return b;
}

struct Result {
    int rc;
    std::string name, reason;
};

Result Decode(const Bytes& b, std::uint64_t at = 0x3ffff000) {
    struct nbr_md_sb sb {};
    const char* why = nullptr;
    int rc = nbr_md_sb_decode(b.data(), b.size(), at, &sb, &why);
    return {rc, nbr_md_strerror(rc), why ? why : ""};
}

// Re-encodes a changed superblock: the crc is right, the check must not be.
std::string Rejects(void (*change)(struct nbr_md_sb&)) {
    struct nbr_md_sb sb = Sb();
    change(sb);
    Result r = Decode(Encode(sb), sb.sb_offset);
    EXPECT_LT(r.rc, 0);
    EXPECT_FALSE(r.reason.empty());
    return r.name;
}

TEST(Crc32c, CheckValueAndChaining) {
    EXPECT_EQ(nbr_crc32c(0, "123456789", 9), 0xe3069283u);
    EXPECT_EQ(nbr_crc32c(nbr_crc32c(0, "1234", 4), "56789", 5), 0xe3069283u);
    EXPECT_EQ(nbr_crc32c(0, "", 0), 0u);
    Bytes zeros(32, 0);
    EXPECT_EQ(nbr_crc32c(0, zeros.data(), zeros.size()), 0x8a9136aau);
}

TEST(Superblock, EncodesHandWrittenBytes) {
    Bytes b = Encode(Sb());
    Bytes want = Hex(kSbHex);
    ASSERT_EQ(want.size(), 136u);
    EXPECT_EQ(Bytes(b.begin(), b.begin() + 136), want);
    for (std::size_t i = 136; i < b.size(); i++)
        ASSERT_EQ(b[i], 0) << "byte " << i;
}

TEST(Superblock, DecodesHandWrittenBytes) {
    Bytes b = Hex(kSbHex);
    b.resize(NBR_MD_BLOCK, 0);
    struct nbr_md_sb sb {};
    const char* why = nullptr;
    ASSERT_EQ(nbr_md_sb_decode(b.data(), b.size(), 0x3ffff000, &sb, &why), 0) << why;
    struct nbr_md_sb want = Sb();
    EXPECT_EQ(std::memcmp(&sb, &want, sizeof sb), 0);
}

TEST(Superblock, RejectsShortBlankForeignAndCorrupt) {
    Bytes b = Encode(Sb());
    EXPECT_EQ(Decode(Bytes(b.begin(), b.begin() + 4095)).name, "short-buffer");
    EXPECT_EQ(Decode(Bytes(4096, 0)).name, "blank");
    Bytes ext4(4096, 0);
    ext4[0x38] = 0x53; // an ext4 superblock magic somewhere is still foreign
    ext4[0x39] = 0xef;
    EXPECT_EQ(Decode(ext4).name, "bad-magic");
    Bytes v2 = b;
    v2[7] = 2;
    EXPECT_EQ(Decode(v2).name, "unknown-version");
    Bytes flipped = b;
    flipped[2000] ^= 1;
    Result r = Decode(flipped);
    EXPECT_EQ(r.name, "crc-mismatch");
    EXPECT_EQ(r.reason, "superblock checksum mismatch (corrupt)");
    EXPECT_EQ(Decode(b, 0).name, "wrong-location");
    EXPECT_EQ(Decode(b).rc, 0);
}

TEST(Superblock, RejectsEachBadField) {
    EXPECT_EQ(Rejects([](auto& s) { s.flags |= 1u << 20; }), "unknown-flags");
    EXPECT_EQ(Rejects([](auto& s) { s.layout = nbr_md_kind(3); }), "unknown-layout");
    EXPECT_EQ(Rejects([](auto& s) { s.bm_bytes_per_bit = 512; }), "bytes-per-bit");
    EXPECT_EQ(Rejects([](auto& s) { s.al_offset += 512; }), "misaligned");
    EXPECT_EQ(Rejects([](auto& s) { s.data_sectors += 1; }), "misaligned");
    EXPECT_EQ(Rejects([](auto& s) { s.al_slots = 1; }), "al-geometry");
    EXPECT_EQ(Rejects([](auto& s) { s.al_extents = 6441; }), "al-geometry");
    EXPECT_EQ(Rejects([](auto& s) { s.bm_bytes = 0x4000; }), "bitmap-too-small");
    EXPECT_EQ(Rejects([](auto& s) { s.la_size_sect = s.data_sectors + 8; }), "la-size-too-big");
    EXPECT_EQ(Rejects([](auto& s) { s.md_size = 0x10000; }), "area-outside-metadata");
    EXPECT_EQ(Rejects([](auto& s) { s.md_size = ~0ull - 0xfff; }), "area-outside-metadata");
    EXPECT_EQ(Rejects([](auto& s) { s.al_offset = s.bm_offset + 0x4000; }), "areas-overlap");
    EXPECT_EQ(Rejects([](auto& s) { s.data_sectors += 8; }), "data-overlaps-metadata");
    EXPECT_EQ(Rejects([](auto& s) { s.uuid_current = 0; }), "zero-current-uuid");
}

TEST(Superblock, RejectsReservedBytes) {
    Bytes b = Encode(Sb());
    b[4000] = 1;
    // Fix the crc so that only the reserved check can fire.
    b[8] = b[9] = b[10] = b[11] = 0;
    std::uint32_t crc = nbr_crc32c(0, b.data(), b.size());
    b[8] = crc >> 24, b[9] = crc >> 16, b[10] = crc >> 8, b[11] = crc;
    EXPECT_EQ(Decode(b).name, "reserved-not-zero");
}

TEST(Superblock, DeviceChecks) {
    struct nbr_md_sb sb = Sb();
    const char* why = nullptr;
    EXPECT_EQ(nbr_md_sb_check_devices(&sb, kGiB, 0, &why), 0);
    EXPECT_EQ(nbr_md_strerror(nbr_md_sb_check_devices(&sb, kGiB - 4096, 0, &why)),
              std::string("metadata-beyond-device"));
    EXPECT_EQ(nbr_md_strerror(nbr_md_sb_check_devices(&sb, kGiB + 8192, 0, &why)),
              std::string("wrong-location"));
    EXPECT_STREQ(why, "internal superblock is not at the end of the device (was it resized?)");
    struct nbr_md_layout l {};
    ASSERT_EQ(nbr_md_layout_external(kGiB, 1 << 20, -1, 8, &l), 0);
    sb.layout = NBR_MD_EXTERNAL;
    sb.data_sectors = l.data_sectors;
    sb.md_offset = l.md_offset;
    sb.md_size = l.md_size;
    sb.sb_offset = l.sb_offset;
    EXPECT_EQ(nbr_md_sb_check_devices(&sb, 1 << 20, kGiB, &why), 0);
    EXPECT_EQ(nbr_md_strerror(nbr_md_sb_check_devices(&sb, 1 << 20, kGiB / 2, &why)),
              std::string("data-beyond-device"));
}

TEST(Layout, InternalOneGiB) {
    struct nbr_md_layout l {};
    ASSERT_EQ(nbr_md_layout_internal(kGiB, 8, &l), 0);
    EXPECT_EQ(l.data_sectors, 2097016u); // 262127 blocks of 4 KiB
    EXPECT_EQ(l.bm_offset, 0x3ffef000u);
    EXPECT_EQ(l.bm_bytes, 0x8000u);
    EXPECT_EQ(l.al_offset, 0x3fff7000u);
    EXPECT_EQ(l.sb_offset, 0x3ffff000u);
    EXPECT_EQ(l.md_offset, l.bm_offset);
    EXPECT_EQ(l.md_size, 17u * 4096);
    // An odd tail after the last whole block is not used.
    ASSERT_EQ(nbr_md_layout_internal(kGiB + 1000, 8, &l), 0);
    EXPECT_EQ(l.sb_offset, 0x3ffff000u);
}

// The formula gives the largest data area, checked by brute force.
TEST(Layout, InternalIsMaximal) {
    for (std::uint64_t blocks : {12ull, 13ull, 100ull, 32768ull, 32777ull, 32778ull, 65546ull,
                                 65547ull, 262144ull, 1000003ull}) {
        struct nbr_md_layout l {};
        ASSERT_EQ(nbr_md_layout_internal(blocks * 4096, 8, &l), 0) << blocks;
        std::uint64_t data = l.data_sectors / 8;
        auto bm = [](std::uint64_t d) { return (d + 32767) / 32768; };
        EXPECT_LE(data + bm(data) + 9, blocks) << blocks;
        EXPECT_GT(data + 1 + bm(data + 1) + 9, blocks) << blocks;
        EXPECT_GE(l.bm_bytes, nbr_md_bm_bytes(l.data_sectors));
        struct nbr_md_sb sb = Sb();
        sb.sb_offset = l.sb_offset, sb.md_offset = l.md_offset, sb.md_size = l.md_size;
        sb.data_sectors = l.data_sectors, sb.la_size_sect = 0;
        sb.al_offset = l.al_offset, sb.bm_offset = l.bm_offset, sb.bm_bytes = l.bm_bytes;
        const char* why = "";
        EXPECT_EQ(nbr_md_sb_check(&sb, &why), 0) << blocks << ": " << why;
        EXPECT_EQ(nbr_md_sb_check_devices(&sb, blocks * 4096, 0, &why), 0) << why;
    }
    struct nbr_md_layout l {};
    EXPECT_EQ(nbr_md_layout_internal(10 * 4096, 8, &l), -NBR_MD_E_TOO_SMALL);
    EXPECT_EQ(nbr_md_layout_internal(kGiB, 1, &l), -NBR_MD_E_INVALID);
}

TEST(Layout, ExternalFlexibleAndIndexed) {
    struct nbr_md_layout l {};
    ASSERT_EQ(nbr_md_layout_external(kGiB, 1 << 20, -1, 8, &l), 0);
    EXPECT_EQ(l.data_sectors, kGiB / 512);
    EXPECT_EQ(l.sb_offset, 0u);
    EXPECT_EQ(l.al_offset, 4096u);
    EXPECT_EQ(l.bm_offset, 9u * 4096);
    EXPECT_EQ(l.bm_bytes, 8u * 4096);
    EXPECT_EQ(l.md_size, 17u * 4096);
    EXPECT_EQ(nbr_md_layout_external(kGiB, 16 * 4096, -1, 8, &l), -NBR_MD_E_TOO_SMALL);
    ASSERT_EQ(nbr_md_layout_external(kGiB, 512ull << 20, 2, 8, &l), 0);
    EXPECT_EQ(l.sb_offset, 256ull << 20);
    EXPECT_EQ(l.md_size, 128ull << 20);
    EXPECT_EQ(nbr_md_layout_external(kGiB, 300ull << 20, 2, 8, &l), -NBR_MD_E_TOO_SMALL);
    // 128 MiB slots hold a bitmap for a little under 4 TiB.
    EXPECT_EQ(nbr_md_layout_external(4ull << 40, 1ull << 30, 0, 8, &l), -NBR_MD_E_TOO_BIG);
    EXPECT_EQ(nbr_md_layout_external(0, 1 << 20, -1, 8, &l), -NBR_MD_E_TOO_SMALL);
}

// ---- activity log blocks ----

struct nbr_al_txn* Txn() {
    static struct nbr_al_txn t;
    t = {};
    t.seq = 9;
    t.al_extents = 7;
    t.n_updates = 2;
    t.update_slot[0] = 3, t.update_extent[0] = 100;
    t.update_slot[1] = 0, t.update_extent[1] = NBR_AL_EXTENT_NONE;
    t.context_start = 0;
    t.n_context = 7;
    std::uint32_t ctx[7] = {NBR_AL_EXTENT_NONE, 5, 6, 100, NBR_AL_EXTENT_NONE,
                            NBR_AL_EXTENT_NONE, 7};
    std::memcpy(t.context, ctx, sizeof ctx);
    return &t;
}

const char* kAlHead = "4e42524c ab9bef58 0000000000000009 00000007 0002 0007 00000000 00000000";

TEST(ActivityLog, EncodesHandWrittenBytes) {
    Bytes b(4096, 0xee);
    ASSERT_EQ(nbr_al_encode(b.data(), b.size(), Txn()), 4096);
    EXPECT_EQ(Bytes(b.begin(), b.begin() + 32), Hex(kAlHead));
    EXPECT_EQ(Bytes(b.begin() + 32, b.begin() + 36), Hex("0003 0000"));
    EXPECT_EQ(Bytes(b.begin() + 160, b.begin() + 168), Hex("00000064 ffffffff"));
    EXPECT_EQ(Bytes(b.begin() + 416, b.begin() + 444),
              Hex("ffffffff 00000005 00000006 00000064 ffffffff ffffffff 00000007"));
    for (int i = 444; i < 4096; i++)
        ASSERT_EQ(b[i], 0) << i;
}

struct AlResult {
    int rc;
    std::string name;
};

AlResult AlDecode(const Bytes& b, std::uint32_t index = 1, std::uint32_t slots = 8,
                  std::uint32_t extents = 7) {
    static struct nbr_al_txn t;
    const char* why = nullptr;
    int rc = nbr_al_decode(b.data(), b.size(), index, slots, extents, &t, &why);
    if (rc) {
        EXPECT_NE(why, nullptr);
    }
    return {rc, nbr_md_strerror(rc)};
}

Bytes AlBlock(void (*change)(struct nbr_al_txn&)) {
    struct nbr_al_txn* t = Txn();
    change(*t);
    Bytes b(4096, 0);
    EXPECT_EQ(nbr_al_encode(b.data(), b.size(), t), 4096);
    return b;
}

TEST(ActivityLog, DecodesAndRejects) {
    Bytes b = AlBlock([](auto&) {});
    static struct nbr_al_txn t;
    ASSERT_EQ(nbr_al_decode(b.data(), b.size(), 1, 8, 7, &t, nullptr), 0);
    EXPECT_EQ(std::memcmp(&t, Txn(), sizeof t), 0);
    EXPECT_EQ(AlDecode(Bytes(4096, 0)).name, "blank");
    Bytes c = b;
    c[0] = 0;
    EXPECT_EQ(AlDecode(c).name, "bad-magic");
    c = b;
    c[100] ^= 0x10;
    EXPECT_EQ(AlDecode(c).name, "crc-mismatch");
    EXPECT_EQ(AlDecode(b, 2).name, "al-wrong-slot");
    EXPECT_EQ(AlDecode(b, 1, 8, 8).name, "al-extents-mismatch");
    EXPECT_EQ(AlDecode(AlBlock([](auto& x) { x.update_slot[0] = 7; })).name, "al-slot-range");
    EXPECT_EQ(AlDecode(AlBlock([](auto& x) { x.context_start = 1; })).name, "al-slot-range");
    EXPECT_EQ(AlDecode(Bytes(100, 0)).name, "short-buffer");
    // Counts beyond the arrays cannot be encoded, so patch one in.
    c = b;
    c[20] = 0, c[21] = 65;
    c[4] = c[5] = c[6] = c[7] = 0;
    std::uint32_t crc = nbr_crc32c(0, c.data(), c.size());
    c[4] = crc >> 24, c[5] = crc >> 16, c[6] = crc >> 8, c[7] = crc;
    EXPECT_EQ(AlDecode(c).name, "al-count");
    // An unused update entry that is not zero.
    c = b;
    c[32 + 2 * 5 + 1] = 1;
    c[4] = c[5] = c[6] = c[7] = 0;
    crc = nbr_crc32c(0, c.data(), c.size());
    c[4] = crc >> 24, c[5] = crc >> 16, c[6] = crc >> 8, c[7] = crc;
    EXPECT_EQ(AlDecode(c).name, "reserved-not-zero");
}

} // namespace
