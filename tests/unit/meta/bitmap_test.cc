// Bitmap math over little-endian words and the RLE transfer code.
#include "nbr_bitmap.h"
#include "test_util.h"

#include <cstring>
#include <gtest/gtest.h>
#include <random>
#include <string>
#include <vector>

using nbrtest::Bytes;
using nbrtest::Hex;

namespace {

using Words = std::vector<__le64>;

Words Bm(std::uint64_t nbits) {
    return Words(nbr_bm_words(nbits), 0);
}

Bytes Raw(const Words& w) {
    Bytes b(w.size() * 8);
    std::memcpy(b.data(), w.data(), b.size());
    return b;
}

TEST(Bitmap, Sizes) {
    EXPECT_EQ(nbr_bm_bits(0), 0u);
    EXPECT_EQ(nbr_bm_bits(1), 1u);
    EXPECT_EQ(nbr_bm_bits(8), 1u);
    EXPECT_EQ(nbr_bm_bits(9), 2u);
    EXPECT_EQ(nbr_bm_bits(2097016), 262127u);
    EXPECT_EQ(nbr_bm_words(64), 1u);
    EXPECT_EQ(nbr_bm_words(65), 2u);
}

TEST(Bitmap, RangeOfAnIo) {
    u64 f = 99, l = 99;
    EXPECT_FALSE(nbr_bm_range(0, 0, &f, &l));
    EXPECT_EQ(f, 99u);
    ASSERT_TRUE(nbr_bm_range(0, 4096, &f, &l));
    EXPECT_EQ(f, 0u);
    EXPECT_EQ(l, 0u);
    ASSERT_TRUE(nbr_bm_range(7, 1024, &f, &l)); // straddles blocks 0 and 1
    EXPECT_EQ(f, 0u);
    EXPECT_EQ(l, 1u);
    ASSERT_TRUE(nbr_bm_range(16, 1 << 20, &f, &l));
    EXPECT_EQ(f, 2u);
    EXPECT_EQ(l, 257u);
    // Only whole blocks may be cleared by a resync write.
    EXPECT_FALSE(nbr_bm_range_inner(1, 4096, &f, &l));
    ASSERT_TRUE(nbr_bm_range_inner(1, 8192, &f, &l));
    EXPECT_EQ(f, 1u);
    EXPECT_EQ(l, 1u);
    ASSERT_TRUE(nbr_bm_range_inner(8, 8192, &f, &l));
    EXPECT_EQ(f, 1u);
    EXPECT_EQ(l, 2u);
}

TEST(Bitmap, OnDiskByteOrder) {
    Words w = Bm(128);
    nbr_bits_set(w.data(), 128, 0, 0);
    nbr_bits_set(w.data(), 128, 9, 9);
    nbr_bits_set(w.data(), 128, 64, 64);
    nbr_bits_set(w.data(), 128, 127, 127);
    EXPECT_EQ(Raw(w), Hex("0102000000000000 0100000000000080"));
}

TEST(Bitmap, SetClearTestCount) {
    const std::uint64_t n = 200;
    Words w = Bm(n);
    EXPECT_EQ(nbr_bits_set(w.data(), n, 10, 139), 130u);
    EXPECT_EQ(nbr_bits_set(w.data(), n, 100, 150), 11u); // 140..150 new
    EXPECT_EQ(nbr_bm_count(w.data(), n), 141u);
    EXPECT_EQ(nbr_bm_count_range(w.data(), n, 0, 63), 54u);
    EXPECT_TRUE(nbr_bits_test(w.data(), n, 10));
    EXPECT_FALSE(nbr_bits_test(w.data(), n, 9));
    EXPECT_FALSE(nbr_bits_test(w.data(), n, 500));
    EXPECT_EQ(nbr_bits_clear(w.data(), n, 64, 127), 64u);
    EXPECT_EQ(nbr_bm_count(w.data(), n), 77u);
    EXPECT_EQ(nbr_bits_find_next(w.data(), n, 0), 10u);
    EXPECT_EQ(nbr_bits_find_next(w.data(), n, 64), 128u);
    EXPECT_EQ(nbr_bits_find_next(w.data(), n, 151), n);
    // Clipped to the bitmap: bits past nbits are never set.
    EXPECT_EQ(nbr_bits_set(w.data(), n, 190, 1000), 10u);
    EXPECT_EQ(le64toh(static_cast<std::uint64_t>(w[3])) >> 8, 0u);
    EXPECT_EQ(nbr_bits_set(w.data(), n, 300, 400), 0u);
    EXPECT_EQ(nbr_bits_set(w.data(), 0, 0, 0), 0u);
}

TEST(Bitmap, NextRunIsCappedByLengthNotByOffset) {
    const std::uint64_t n = 4096;
    Words w = Bm(n);
    nbr_bits_set(w.data(), n, 3, 5);       // a short run
    nbr_bits_set(w.data(), n, 60, 200);    // crosses words
    nbr_bits_set(w.data(), n, 3000, 3999); // far beyond 1 MiB worth of bits
    nbr_bits_set(w.data(), n, 4090, 4095); // up to the end
    struct Case {
        std::uint64_t from, max, first, len;
    };
    const Case cases[] = {
        {0, 64, 3, 3},        {6, 64, 60, 64},     {124, 64, 124, 64}, {188, 64, 188, 13},
        {201, 64, 3000, 64}, // as long far into the device
        {3990, 64, 3990, 10}, {4000, 64, 4090, 6}, {4096, 64, n, 0},   {0, 1, 3, 1},
    };
    for (const Case& c : cases) {
        u64 len = 99;
        EXPECT_EQ(nbr_bits_next_run(w.data(), n, c.from, c.max, &len), c.first) << c.from;
        EXPECT_EQ(len, c.len) << c.from;
    }
}

TEST(Bitmap, MergeIsOr) {
    const std::uint64_t n = 70;
    Words a = Bm(n), b = Bm(n);
    nbr_bits_set(a.data(), n, 0, 9);
    nbr_bits_set(b.data(), n, 5, 69);
    b[1] = b[1] | static_cast<__le64>(htole64(1ull << 63)); // beyond nbits: ignored
    EXPECT_EQ(nbr_bits_merge(a.data(), b.data(), n), 60u);
    EXPECT_EQ(nbr_bm_count(a.data(), n), 70u);
    EXPECT_EQ(nbr_bits_merge(a.data(), b.data(), n), 0u);
}

// ---- RLE ----

Bytes Rle(const Words& w, std::uint64_t nbits, std::uint64_t first, std::uint64_t count,
          std::size_t room = 1000, u64* done = nullptr) {
    Bytes out(room);
    u64 d = 0;
    int n = nbr_rle_encode(w.data(), nbits, first, count, out.data(), out.size(), &d);
    EXPECT_GT(n, 0);
    out.resize(n > 0 ? n : 0);
    if (done)
        *done = d;
    else
        EXPECT_EQ(d, count);
    return out;
}

TEST(Rle, EncodesHandWrittenBytes) {
    Words w = Bm(10);
    nbr_bits_set(w.data(), 10, 4, 6); // 0000111000
    EXPECT_EQ(Rle(w, 10, 0, 10), Hex("00 04 03 03"));
    EXPECT_EQ(Rle(w, 10, 4, 6), Hex("01 03 03"));
    Words big = Bm(1000);
    nbr_bits_set(big.data(), 1000, 0, 299);
    EXPECT_EQ(Rle(big, 1000, 0, 1000), Hex("01 ac02 bc05")); // 300 set, 700 clear
    Words empty = Bm(1 << 20);
    EXPECT_EQ(Rle(empty, 1 << 20, 0, 1 << 20), Hex("00 808040"));
}

TEST(Rle, StopsAtWholeRunsWhenOutOfRoom) {
    Words w = Bm(64);
    for (int i = 0; i < 64; i += 2)
        nbr_bits_set(w.data(), 64, i, i);
    u64 done = 0;
    Bytes out = Rle(w, 64, 0, 64, 5, &done);
    EXPECT_EQ(out, Hex("01 01 01 01 01"));
    EXPECT_EQ(done, 4u);
    Bytes tiny(1);
    EXPECT_EQ(nbr_rle_encode(w.data(), 64, 0, 64, tiny.data(), 1, &done), -ENOSPC);
    EXPECT_EQ(nbr_rle_encode(w.data(), 64, 60, 5, tiny.data(), 1, &done), -EINVAL);
}

std::string DecodeError(const std::string& hex, std::uint64_t nbits = 10) {
    Words w = Bm(64);
    Bytes in = Hex(hex);
    const char* why = nullptr;
    int rc = nbr_rle_decode(in.data(), in.size(), w.data(), 64, 0, nbits, &why);
    if (rc) {
        EXPECT_EQ(nbr_bm_count(w.data(), 64), 0u) << "a rejected chunk changed the bitmap";
    }
    return rc == -EPROTO ? why : rc == 0 ? "ok" : "rc " + std::to_string(rc);
}

TEST(Rle, DecoderRejects) {
    EXPECT_EQ(DecodeError("00 04 03 03"), "ok");
    EXPECT_EQ(DecodeError(""), "empty bitmap chunk");
    EXPECT_EQ(DecodeError("02 0a"), "unknown bitmap chunk flags");
    EXPECT_EQ(DecodeError("00 04 00 06"), "bitmap run of length zero");
    EXPECT_EQ(DecodeError("00 04 07"), "bitmap runs exceed the chunk size");
    EXPECT_EQ(DecodeError("00 04 03"), "bitmap runs do not add up to the chunk size");
    EXPECT_EQ(DecodeError("00"), "bitmap runs do not add up to the chunk size");
    EXPECT_EQ(DecodeError("00 84"), "bitmap chunk truncated inside a run length");
    EXPECT_EQ(DecodeError("00 8a00"), "bitmap run length not minimally encoded");
    EXPECT_EQ(DecodeError("00 ffffffffffffffffff02"), "bitmap run length does not fit 64 bits");
    EXPECT_EQ(DecodeError("00 ffffffffffffffffff81 00"), "bitmap run length does not fit 64 bits");
    Words w = Bm(64);
    Bytes in = Hex("00 0a");
    EXPECT_EQ(nbr_rle_decode(in.data(), in.size(), w.data(), 64, 60, 10, nullptr), -EINVAL);
}

TEST(Rle, DecodeMergesAndRoundTrips) {
    std::mt19937_64 rng(5);
    const std::uint64_t n = 5000;
    for (int round = 0; round < 50; round++) {
        Words src = Bm(n), dst = Bm(n), want = Bm(n);
        for (int k = 0; k < 20; k++) {
            std::uint64_t a = rng() % n, len = rng() % (round % 2 ? 400 : 3);
            nbr_bits_set(src.data(), n, a, a + len);
        }
        nbr_bits_set(dst.data(), n, 17, 33); // bits already set stay set
        want = dst;
        nbr_bits_merge(want.data(), src.data(), n);
        std::uint64_t pos = 0;
        while (pos < n) { // in small chunks, as packets would carry it
            Bytes out(24);
            u64 done = 0;
            int len = nbr_rle_encode(src.data(), n, pos, n - pos, out.data(), out.size(), &done);
            ASSERT_GT(len, 0);
            const char* why = nullptr;
            ASSERT_EQ(nbr_rle_decode(out.data(), len, dst.data(), n, pos, done, &why), 0) << why;
            pos += done;
        }
        ASSERT_EQ(Raw(dst), Raw(want)) << round;
    }
}

} // namespace
