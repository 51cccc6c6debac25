// Resync and verify packets: exact bytes of each encoder, and each
// rejection of the decoders with its reason.
#include "nbr_codec.h"
#include "test_util.h"

#include <gtest/gtest.h>
#include <nbr/genl.h>
#include <nbr/meta.h>
#include <string>

using nbrtest::Bytes;
using nbrtest::Hex;

namespace {

template <typename F> Bytes Encode(F f, std::size_t room = 8192) {
    Bytes buf(room, 0xee);
    int n = f(buf.data(), buf.size());
    EXPECT_GT(n, 0) << "encoder failed: " << n;
    buf.resize(n > 0 ? n : 0);
    return buf;
}

template <typename T, typename F> std::string Decode(const std::string& hex, F f, T* out) {
    const char* why = nullptr;
    Bytes b = Hex(hex);
    int rc = f(b.data(), b.size(), out, &why);
    if (rc == 0)
        return "ok";
    EXPECT_EQ(rc, -EPROTO);
    return why ? why : "(no reason)";
}

const std::string kIds = "1111111111111111 2222222222222222 3333333333333333 4444444444444444";

} // namespace

TEST(SyncCodec, UuidsBytesAndRoundTrip) {
    struct nbr_uuids u {
        0x1111111111111111, 0x2222222222222222, {0x3333333333333333, 0x4444444444444444}, 25,
            NBR_MDF_CONSISTENT | NBR_MDF_WAS_UP_TO_DATE, NBR_UF_DISCARD_MY_DATA
    };
    Bytes b = Encode([&](void* p, size_t n) { return nbr_encode_uuids(p, n, NBR_P_UUIDS, &u); });
    EXPECT_EQ(b, Hex("4e425231 000f 0000 00000030 00000000" + kIds +
                     "0000000000000019 00000003 00000001"));
    struct nbr_uuids d {};
    const char* why = nullptr;
    ASSERT_EQ(nbr_decode_uuids(b.data() + 16, b.size() - 16, &d, &why), 0);
    EXPECT_EQ(d.history[1], 0x4444444444444444u);
    EXPECT_EQ(d.dirty_bits, 25u);
    EXPECT_EQ(d.uflags, NBR_UF_DISCARD_MY_DATA);
    // RS_DONE reuses the format; other commands are refused.
    EXPECT_GT(nbr_encode_uuids(b.data(), b.size(), NBR_P_RS_DONE, &u), 0);
    EXPECT_EQ(nbr_encode_uuids(b.data(), b.size(), NBR_P_STATE, &u), -EINVAL);
}

TEST(SyncCodec, UuidsRejections) {
    struct nbr_uuids u {};
    auto dec = [](const void* p, size_t n, nbr_uuids* o, const char** w) {
        return nbr_decode_uuids(p, n, o, w);
    };
    EXPECT_EQ(Decode(kIds + "0000000000000000 00000000 00000000", dec, &u), "ok");
    EXPECT_EQ(Decode(kIds + "0000000000000000 00008000 00000000", dec, &u),
              "unknown metadata flags");
    EXPECT_EQ(Decode(kIds + "0000000000000000 00000000 00000004", dec, &u), "unknown uuid flags");
    EXPECT_EQ(Decode("0000000000000000 0000000000000000 0000000000000000 0000000000000000"
                     "0000000000000000 00000000 00000000",
                     dec, &u),
              "current identifier is zero");
    EXPECT_EQ(Decode(kIds + "0000000000000000 00000000 00000002", dec, &u),
              "diskless peer sent identifiers");
    EXPECT_EQ(Decode("0000000000000000 0000000000000000 0000000000000000 0000000000000000"
                     "0000000000000000 00000000 00000002",
                     dec, &u),
              "ok");
    EXPECT_EQ(Decode(kIds, dec, &u), "wrong uuids size");
}

TEST(SyncCodec, BitmapChunkCarriesItsRunsAfterTheFixedPart) {
    const std::uint8_t runs[] = {0x01, 0x05, 0x80, 0x01};
    struct nbr_bitmap_chunk c {
        64, 133, NBR_BM_LAST, sizeof runs, runs
    };
    Bytes b = Encode([&](void* p, size_t n) { return nbr_encode_bitmap(p, n, &c); });
    EXPECT_EQ(b, Hex("4e425231 0010 0000 0000001c 00000000"
                     "0000000000000040 0000000000000085 00000001 00000000 01058001"));
    struct nbr_bitmap_chunk d {};
    const char* why = nullptr;
    ASSERT_EQ(nbr_decode_bitmap(b.data() + 16, b.size() - 16, &d, &why), 0) << why;
    EXPECT_EQ(d.len, 4u);
    EXPECT_EQ(d.runs[3], 0x01);
    EXPECT_EQ(d.nbits, 133u);
}

TEST(SyncCodec, BitmapRejections) {
    struct nbr_bitmap_chunk c {};
    auto dec = [](const void* p, size_t n, nbr_bitmap_chunk* o, const char** w) {
        return nbr_decode_bitmap(p, n, o, w);
    };
    const std::string range = "0000000000000000 0000000000000008 ";
    EXPECT_EQ(Decode(range + "00000000 00000000 0108", dec, &c), "ok");
    EXPECT_EQ(Decode(range + "00000002 00000000 0108", dec, &c), "unknown bitmap flags");
    EXPECT_EQ(Decode(range + "00000000 00000001 0108", dec, &c), "reserved field not zero");
    EXPECT_EQ(Decode(range + "00000000 00000000 01", dec, &c), "bitmap chunk length out of range");
    EXPECT_EQ(Decode("0000000000000000 0000000000000000 00000000 00000000 0108", dec, &c),
              "empty bitmap chunk");
    EXPECT_EQ(Decode("ffffffffffffffff 0000000000000002 00000000 00000000 0102", dec, &c),
              "bitmap chunk range overflows");
    EXPECT_EQ(Decode("0000", dec, &c), "bitmap packet too short");
}

TEST(SyncCodec, SyncUuidAndSyncRequest) {
    struct nbr_sync_uuid s {
        0xabcdef0123456789, 1000, NBR_SU_FULL
    };
    EXPECT_EQ(Encode([&](void* p, size_t n) { return nbr_encode_sync_uuid(p, n, &s); }),
              Hex("4e425231 0011 0000 00000018 00000000"
                  "abcdef0123456789 00000000000003e8 00000001 00000000"));
    s.uuid = 0;
    EXPECT_EQ(nbr_encode_sync_uuid(Bytes(64).data(), 64, &s), -EINVAL);
    auto dec = [](const void* p, size_t n, nbr_sync_uuid* o, const char** w) {
        return nbr_decode_sync_uuid(p, n, o, w);
    };
    EXPECT_EQ(Decode("0000000000000000 0000000000000001 00000000 00000000", dec, &s),
              "sync identifier is zero");
    EXPECT_EQ(Decode("0000000000000009 0000000000000001 00000004 00000000", dec, &s),
              "unknown sync uuid flags");

    EXPECT_EQ(Encode([&](void* p, size_t n) { return nbr_encode_sync_req(p, n, NBR_SU_FULL); }),
              Hex("4e425231 0016 0000 00000008 00000000 00000001 00000000"));
    std::uint32_t flags = 0;
    auto decr = [](const void* p, size_t n, std::uint32_t* o, const char** w) {
        return nbr_decode_sync_req(p, n, o, w);
    };
    EXPECT_EQ(Decode("00000000 00000000", decr, &flags), "ok");
    EXPECT_EQ(Decode("00000010 00000000", decr, &flags), "unknown sync request flags");
    EXPECT_EQ(Decode("00000000 00000001", decr, &flags), "reserved field not zero");
}

TEST(SyncCodec, ResyncDataIsWholeAlignedBlocks) {
    struct nbr_rs_data r {
        8, 3, NBR_DP_CRC32C, 0xcafef00d, 8192
    };
    // 24 + 8192 = 0x2018; only the fixed part is written.
    EXPECT_EQ(Encode([&](void* p, size_t n) { return nbr_encode_rs_data(p, n, &r); }),
              Hex("4e425231 0012 0000 00002018 00000000"
                  "0000000000000008 0000000000000003 00000010 cafef00d"));
    auto dec = [](std::uint32_t payload) {
        return [payload](const void* p, size_t n, nbr_rs_data* o, const char** w) {
            return nbr_decode_rs_data(p, n, payload, o, w);
        };
    };
    const std::string ids = "0000000000000008 0000000000000003 ";
    EXPECT_EQ(Decode(ids + "00000000 00000000", dec(24 + 4096), &r), "ok");
    EXPECT_EQ(r.size, 4096u);
    EXPECT_EQ(Decode(ids + "00000000 00000000", dec(24 + 512), &r),
              "resync size not a multiple of 4 KiB");
    EXPECT_EQ(Decode("0000000000000001 0000000000000003 00000000 00000000", dec(24 + 4096), &r),
              "resync data not 4 KiB aligned");
    EXPECT_EQ(Decode(ids + "00000001 00000000", dec(24 + 4096), &r), "unknown resync data flags");
    EXPECT_EQ(Decode(ids + "00000000 00000001", dec(24 + 4096), &r),
              "checksum without checksum flag");
    const char* why = nullptr;
    r = {0, 0, 0, 0, 8192};
    EXPECT_EQ(nbr_rs_check_range(&r, 16, 1 << 20, &why), 0);
    EXPECT_EQ(nbr_rs_check_range(&r, 15, 1 << 20, &why), -EPROTO);
    EXPECT_STREQ(why, "resync beyond end of device");
    EXPECT_EQ(nbr_rs_check_range(&r, 16, 4096, &why), -EPROTO);
    EXPECT_STREQ(why, "resync size above agreed maximum");
}

TEST(SyncCodec, ResyncAcksUseTheBlockAckFormat) {
    struct nbr_block_ack a {
        8, 3, 4096, 0
    };
    EXPECT_EQ(
        Encode([&](void* p, size_t n) { return nbr_encode_block_ack(p, n, NBR_P_RS_ACK, &a); }),
        Hex("4e425231 0013 0000 00000018 00000000"
            "0000000000000008 0000000000000003 00001000 00000000"));
    Bytes b(64);
    EXPECT_GT(nbr_encode_block_ack(b.data(), b.size(), NBR_P_RS_NEG_ACK, &a), 0);
}

TEST(SyncCodec, VerifyRequestCarriesOneDigestPerBlock) {
    const std::uint8_t digests[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    struct nbr_verify_req v {
        16, 9, 2, NBR_DIGEST_CRC32C, 4, digests
    };
    Bytes b = Encode([&](void* p, size_t n) { return nbr_encode_verify_req(p, n, &v); });
    EXPECT_EQ(b, Hex("4e425231 0017 0000 00000020 00000000"
                     "0000000000000010 0000000000000009 0002 0001 0004 0000 0102030405060708"));
    auto dec = [](const void* p, size_t n, nbr_verify_req* o, const char** w) {
        return nbr_decode_verify_req(p, n, o, w);
    };
    const std::string ids = "0000000000000010 0000000000000009 ";
    EXPECT_EQ(Decode(ids + "0002 0001 0004 0000 0102030405060708", dec, &v), "ok");
    EXPECT_EQ(v.digests[7], 8);
    EXPECT_EQ(Decode(ids + "0002 0001 0004 0000 01020304", dec, &v),
              "verify digests do not match the count");
    EXPECT_EQ(Decode(ids + "0001 0003 0004 0000 01020304", dec, &v),
              "verify digest length does not match its algorithm");
    EXPECT_EQ(Decode(ids + "0001 0009 0004 0000 01020304", dec, &v), "unknown verify digest");
    EXPECT_EQ(Decode(ids + "0000 0001 0004 0000", dec, &v), "verify block count out of range");
    EXPECT_EQ(Decode(ids + "0041 0001 0004 0000", dec, &v), "verify block count out of range");
    EXPECT_EQ(Decode("0000000000000011 0000000000000009 0001 0001 0004 0000 01020304", dec, &v),
              "verify range not 4 KiB aligned");
    EXPECT_EQ(Decode(ids + "0001 0001 0004 0001 01020304", dec, &v), "reserved field not zero");
    const char* why = nullptr;
    v = {8, 0, 2, NBR_DIGEST_CRC32C, 4, digests};
    EXPECT_EQ(nbr_verify_check_range(&v, 24, &why), 0);
    EXPECT_EQ(nbr_verify_check_range(&v, 23, &why), -EPROTO);
    EXPECT_EQ(nbr_digest_len(NBR_DIGEST_SHA256), 32u);
    EXPECT_EQ(nbr_digest_len(0), 0u);
}

TEST(SyncCodec, VerifyReplyAndDone) {
    struct nbr_verify_reply r {
        16, 9, 0x8000000000000001
    };
    EXPECT_EQ(Encode([&](void* p, size_t n) { return nbr_encode_verify_reply(p, n, &r); }),
              Hex("4e425231 0018 0000 00000018 00000000"
                  "0000000000000010 0000000000000009 8000000000000001"));
    EXPECT_EQ(Encode([&](void* p, size_t n) { return nbr_encode_ping(p, n, NBR_P_VERIFY_DONE); }),
              Hex("4e425231 0019 0000 00000000 00000000"));
}
