// Packet codec: encoders against hand-written bytes, decoders from
// hand-written bytes, and one test per rejection of the validator.
#include "nbr_codec.h"
#include "test_util.h"

#include <climits>
#include <cstdio>
#include <cstring>
#include <gtest/gtest.h>
#include <string>

using nbrtest::Bytes;
using nbrtest::CountHex;
using nbrtest::Hex;
using nbrtest::NameHex;

namespace {

constexpr std::size_t kHdr = sizeof(struct nbr_header);

// Encode with an encoder that writes into a buffer; returns the bytes.
template <typename F> Bytes Encode(F f) {
    Bytes buf(kHdr + 256, 0xee);
    int n = f(buf.data(), buf.size());
    EXPECT_GT(n, 0) << "encoder failed: " << n;
    buf.resize(n > 0 ? n : 0);
    return buf;
}

Bytes Header(const std::string& cmd_len) {
    return Hex("4e425231" + cmd_len);
}

struct Decoded {
    int rc;
    struct nbr_hdr hdr;
    std::string reason;
};

Decoded DecodeHeader(const Bytes& b) {
    Decoded d{};
    const char* why = nullptr;
    d.rc = nbr_decode_header(b.data(), b.size(), &d.hdr, &why);
    d.reason = why ? why : "";
    return d;
}

// A header with the given command and length fields, everything else valid.
Bytes RawHeader(std::uint16_t cmd, std::uint32_t len) {
    char text[64];
    std::snprintf(text, sizeof text, "4e425231 %04x 0000 %08x 00000000", cmd, len);
    return Hex(text);
}

struct nbr_auth_challenge Challenge() {
    struct nbr_auth_challenge c {};
    for (int i = 0; i < 32; i++)
        c.nonce[i] = static_cast<std::uint8_t>(i);
    std::strcpy(c.node_name, "alice");
    std::strcpy(c.resource, "r0");
    c.sock = NBR_SOCK_DATA;
    c.auth_alg = NBR_AUTH_HMAC_SHA256;
    return c;
}

const std::string kChallengePayload =
    CountHex(0, 32) + NameHex("alice") + NameHex("r0") + "0001 0001 00000000";

struct nbr_params Params() {
    struct nbr_params p {};
    p.proto_min = 1;
    p.proto_max = 1;
    p.features = NBR_FEAT_FLUSH_FUA;
    p.disk_sectors = 0x200000;
    p.la_sectors = 0x1ff000;
    p.max_bio = 1u << 20;
    p.wire_proto = NBR_PROT_C;
    p.integrity_alg = NBR_INTEGRITY_CRC32C;
    p.role = NBR_R_SECONDARY;
    p.disk = NBR_D_UPTODATE;
    return p;
}

const std::string kParamsPayload = "00000001 00000001 0000000000000001 0000000000200000"
                                   "0000000000000000 0000000000000000 00100000"
                                   "0003 0001 0002 0008 00000000 00000000001ff000";

} // namespace

// ---------------------------------------------------------------- layout

TEST(WireLayout, StructSizesMatchTheDocumentedOffsets) {
    EXPECT_EQ(offsetof(struct nbr_header, command), 4u);
    EXPECT_EQ(offsetof(struct nbr_header, length), 8u);
    EXPECT_EQ(offsetof(struct nbr_p_auth_challenge, sock), 160u);
    EXPECT_EQ(offsetof(struct nbr_p_params, max_bio), 40u);
    EXPECT_EQ(offsetof(struct nbr_p_params, disk_state), 50u);
    EXPECT_EQ(offsetof(struct nbr_p_params, la_sectors), 56u);
    EXPECT_EQ(offsetof(struct nbr_p_data, crc), 28u);
    EXPECT_EQ(offsetof(struct nbr_auth_msg, verifier_nonce), 252u);
}

TEST(PacketTable, EveryCommandHasARowAndFixedPacketsHaveTheirStructSize) {
    EXPECT_EQ(nbr_packet_info(0), nullptr);
    EXPECT_EQ(nbr_packet_info(NBR_P_COUNT), nullptr);
    for (unsigned cmd = 1; cmd < NBR_P_COUNT; cmd++) {
        const struct nbr_packet_info* pi = nbr_packet_info(cmd);
        ASSERT_NE(pi, nullptr) << cmd;
        EXPECT_LE(pi->min_len, pi->max_len);
        EXPECT_NE(pi->socks, 0);
        EXPECT_NE(pi->phases, 0);
        bool variable = cmd == NBR_P_DATA || cmd == NBR_P_READ_REPLY || cmd == NBR_P_RS_DATA ||
                        cmd == NBR_P_BITMAP || cmd == NBR_P_VERIFY_REQ;
        if (!variable) {
            EXPECT_EQ(pi->min_len, pi->max_len) << pi->name;
        }
        EXPECT_LE(pi->max_len, NBR_MAX_PAYLOAD) << pi->name;
    }
    EXPECT_EQ(nbr_packet_info(NBR_P_PARAMS)->min_len, sizeof(struct nbr_p_params));
    EXPECT_EQ(nbr_packet_info(NBR_P_DATA)->max_len, NBR_MAX_PAYLOAD);
    EXPECT_STREQ(nbr_packet_name(NBR_P_WRITE_ACK), "WRITE_ACK");
    EXPECT_STREQ(nbr_packet_name(999), "?");
}

// ---------------------------------------------------------------- encode

TEST(Encode, PingIsAHeaderWithoutPayload) {
    EXPECT_EQ(Encode([](void* b, size_t n) { return nbr_encode_ping(b, n, NBR_P_PING); }),
              Header("000b 0000 00000000 00000000"));
    EXPECT_EQ(Encode([](void* b, size_t n) { return nbr_encode_ping(b, n, NBR_P_PING_ACK); }),
              Header("000c 0000 00000000 00000000"));
}

TEST(Encode, AuthChallengeBytes) {
    auto c = Challenge();
    EXPECT_EQ(Encode([&](void* b, size_t n) { return nbr_encode_auth_challenge(b, n, &c); }),
              Hex("4e425231 0001 0000 000000a8 00000000" + kChallengePayload));
}

TEST(Encode, AuthResponseBytes) {
    struct nbr_auth_response r {};
    for (int i = 0; i < 32; i++)
        r.mac[i] = static_cast<std::uint8_t>(0xa0 + i);
    EXPECT_EQ(Encode([&](void* b, size_t n) { return nbr_encode_auth_response(b, n, &r); }),
              Hex("4e425231 0002 0000 00000020 00000000" + CountHex(0xa0, 32)));
}

TEST(Encode, ParamsBytes) {
    auto p = Params();
    EXPECT_EQ(Encode([&](void* b, size_t n) { return nbr_encode_params(b, n, &p); }),
              Hex("4e425231 0003 0000 00000040 00000000" + kParamsPayload));
}

TEST(Encode, StateBytes) {
    struct nbr_state_msg s {
        NBR_R_PRIMARY, NBR_D_UPTODATE, NBR_C_CONNECTED, 0
    };
    EXPECT_EQ(Encode([&](void* b, size_t n) { return nbr_encode_state(b, n, &s); }),
              Hex("4e425231 0004 0000 00000008 00000000 0001 0008 000a 0000"));
}

TEST(Encode, DataHeaderCountsTheDataBytesInTheLength) {
    struct nbr_data d {};
    d.sector = 8;
    d.block_id = 0xdeadbeef;
    d.seq = 1;
    d.epoch = 2;
    d.flags = NBR_DP_FUA | NBR_DP_SEND_WRITE_ACK;
    d.size = 4096;
    // 32 + 4096 = 0x1020; only the fixed part is written.
    EXPECT_EQ(Encode([&](void* b, size_t n) { return nbr_encode_data(b, n, &d); }),
              Hex("4e425231 0005 0000 00001020 00000000"
                  "0000000000000008 00000000deadbeef 00000001 00000002 00000009 00000000"));
}

TEST(Encode, WriteAckBytes) {
    struct nbr_block_ack a {
        0x0102030405060708ull, 0x1122334455667788ull, 4096, 7
    };
    EXPECT_EQ(
        Encode([&](void* b, size_t n) { return nbr_encode_block_ack(b, n, NBR_P_WRITE_ACK, &a); }),
        Hex("4e425231 0008 0000 00000018 00000000"
            "0102030405060708 1122334455667788 00001000 00000007"));
}

TEST(Encode, BarrierAndBarrierAckBytes) {
    struct nbr_barrier b {
        0x01020304
    };
    struct nbr_barrier_ack ba {
        0x01020304, 17
    };
    EXPECT_EQ(Encode([&](void* p, size_t n) { return nbr_encode_barrier(p, n, &b); }),
              Hex("4e425231 0006 0000 00000008 00000000 01020304 00000000"));
    EXPECT_EQ(Encode([&](void* p, size_t n) { return nbr_encode_barrier_ack(p, n, &ba); }),
              Hex("4e425231 000a 0000 00000008 00000000 01020304 00000011"));
}

TEST(Encode, RefusesABufferTooSmall) {
    Bytes buf(kHdr + 7);
    struct nbr_barrier b {
        1
    };
    EXPECT_EQ(nbr_encode_barrier(buf.data(), buf.size(), &b), -ENOSPC);
    EXPECT_EQ(nbr_encode_ping(buf.data(), kHdr - 1, NBR_P_PING), -ENOSPC);
}

TEST(Encode, RefusesInvalidContent) {
    Bytes buf(512);
    auto c = Challenge();
    std::strcpy(c.node_name, "bad name");
    EXPECT_EQ(nbr_encode_auth_challenge(buf.data(), buf.size(), &c), -EINVAL);
    auto p = Params();
    p.wire_proto = static_cast<enum nbr_wire_proto>(4);
    EXPECT_EQ(nbr_encode_params(buf.data(), buf.size(), &p), -EINVAL);
    struct nbr_data d {};
    d.size = 100;
    EXPECT_EQ(nbr_encode_data(buf.data(), buf.size(), &d), -EINVAL);
    struct nbr_block_ack a {};
    EXPECT_EQ(nbr_encode_block_ack(buf.data(), buf.size(), NBR_P_DATA, &a), -EINVAL);
    EXPECT_EQ(nbr_encode_ping(buf.data(), buf.size(), NBR_P_STATE), -EINVAL);
    EXPECT_EQ(nbr_encode_header(buf.data(), buf.size(), 0, 0), -EINVAL);
    EXPECT_EQ(nbr_encode_header(buf.data(), buf.size(), NBR_P_STATE, 9), -EINVAL);
}

// ---------------------------------------------------------------- decode

TEST(DecodeHeader, AcceptsAValidHeader) {
    auto d = DecodeHeader(Hex("4e425231 0008 0000 00000018 00000000"));
    ASSERT_EQ(d.rc, 0) << d.reason;
    EXPECT_EQ(d.hdr.cmd, NBR_P_WRITE_ACK);
    EXPECT_EQ(d.hdr.len, 24u);
}

TEST(DecodeHeader, RejectsShortBuffer) {
    auto b = Hex("4e425231 0008 0000 00000018 000000");
    auto d = DecodeHeader(b);
    EXPECT_EQ(d.rc, -EINVAL);
    EXPECT_EQ(d.reason, "header buffer too short");
}

TEST(DecodeHeader, RejectsBadMagic) {
    // DRBD 8.4's p_header100 magic must not be mistaken for ours.
    auto d = DecodeHeader(Hex("8620ec20 0008 0000 00000018 00000000"));
    EXPECT_EQ(d.rc, -EPROTO);
    EXPECT_EQ(d.reason, "bad magic");
}

TEST(DecodeHeader, RejectsNonZeroFlags) {
    auto d = DecodeHeader(Hex("4e425231 0008 0001 00000018 00000000"));
    EXPECT_EQ(d.rc, -EPROTO);
    EXPECT_EQ(d.reason, "unknown header flags");
}

TEST(DecodeHeader, RejectsNonZeroReserved) {
    auto d = DecodeHeader(Hex("4e425231 0008 0000 00000018 80000000"));
    EXPECT_EQ(d.rc, -EPROTO);
    EXPECT_EQ(d.reason, "reserved header field not zero");
}

TEST(DecodeHeader, RejectsCommandZero) {
    auto d = DecodeHeader(RawHeader(0, 0));
    EXPECT_EQ(d.rc, -EPROTO);
    EXPECT_EQ(d.reason, "unknown command");
}

TEST(DecodeHeader, RejectsUnknownCommand) {
    EXPECT_EQ(DecodeHeader(RawHeader(NBR_P_COUNT, 0)).reason, "unknown command");
    EXPECT_EQ(DecodeHeader(RawHeader(0xffff, 0)).rc, -EPROTO);
}

TEST(DecodeHeader, RejectsFixedPayloadTooShort) {
    auto d = DecodeHeader(RawHeader(NBR_P_STATE, 7));
    EXPECT_EQ(d.rc, -EPROTO);
    EXPECT_EQ(d.reason, "payload too short for command");
}

TEST(DecodeHeader, RejectsFixedPayloadTooLong) {
    auto d = DecodeHeader(RawHeader(NBR_P_PING, 1));
    EXPECT_EQ(d.rc, -EPROTO);
    EXPECT_EQ(d.reason, "payload too long for command");
}

TEST(DecodeHeader, RejectsDataPayloadShorterThanTheDataHeader) {
    EXPECT_EQ(DecodeHeader(RawHeader(NBR_P_DATA, 31)).reason, "payload too short for command");
}

TEST(DecodeHeader, RejectsDataPayloadAboveMaxBio) {
    auto d = DecodeHeader(RawHeader(NBR_P_DATA, 32 + NBR_MAX_BIO_SIZE + 512));
    EXPECT_EQ(d.rc, -EPROTO);
    EXPECT_EQ(d.reason, "payload too long for command");
}

TEST(DecodeHeader, RejectsHugeLengthBeforeAnythingIsAllocated) {
    for (unsigned cmd = 1; cmd < NBR_P_COUNT; cmd++)
        EXPECT_EQ(DecodeHeader(RawHeader(cmd, UINT32_MAX)).reason, "payload too long for command")
            << cmd;
}

TEST(DecodeHeader, AcceptsDataPayloadAtMaxBio) {
    auto d = DecodeHeader(RawHeader(NBR_P_DATA, 32 + NBR_MAX_BIO_SIZE));
    EXPECT_EQ(d.rc, 0) << d.reason;
    EXPECT_EQ(d.hdr.len, 32 + NBR_MAX_BIO_SIZE);
}

TEST(DecodeHeader, WorksOnAnUnalignedBuffer) {
    Bytes b = Hex("00 4e425231 0006 0000 00000008 00000000");
    struct nbr_hdr h {};
    EXPECT_EQ(nbr_decode_header(b.data() + 1, b.size() - 1, &h, nullptr), 0);
    EXPECT_EQ(h.cmd, NBR_P_BARRIER);
}

// ------------------------------------------------------- packet allowed

namespace {
std::string Allowed(unsigned cmd, enum nbr_sock sock, enum nbr_phase phase) {
    const char* why = nullptr;
    int rc = nbr_packet_allowed(cmd, sock, phase, &why);
    return rc == 0 ? "ok" : why;
}
} // namespace

TEST(PacketAllowed, RejectsDataOnTheMetaSocket) {
    EXPECT_EQ(Allowed(NBR_P_DATA, NBR_SOCK_META, NBR_PH_CONNECTED),
              "command not allowed on this socket");
}

TEST(PacketAllowed, RejectsAcksOnTheDataSocket) {
    for (unsigned cmd : {NBR_P_RECV_ACK, NBR_P_WRITE_ACK, NBR_P_NEG_ACK, NBR_P_BARRIER_ACK})
        EXPECT_EQ(Allowed(cmd, NBR_SOCK_DATA, NBR_PH_CONNECTED),
                  "command not allowed on this socket");
}

TEST(PacketAllowed, RejectsEverythingButTheChallengeBeforeAuthentication) {
    for (unsigned cmd = 1; cmd < NBR_P_COUNT; cmd++) {
        if (cmd == NBR_P_AUTH_CHALLENGE)
            continue;
        EXPECT_NE(Allowed(cmd, NBR_SOCK_DATA, NBR_PH_CHALLENGE), "ok") << cmd;
        EXPECT_NE(Allowed(cmd, NBR_SOCK_META, NBR_PH_CHALLENGE), "ok") << cmd;
    }
    EXPECT_EQ(Allowed(NBR_P_AUTH_CHALLENGE, NBR_SOCK_META, NBR_PH_CHALLENGE), "ok");
}

TEST(PacketAllowed, RejectsParamsBeforeTheAuthResponse) {
    EXPECT_EQ(Allowed(NBR_P_PARAMS, NBR_SOCK_DATA, NBR_PH_RESPONSE),
              "command not allowed in this phase");
    EXPECT_EQ(Allowed(NBR_P_AUTH_RESPONSE, NBR_SOCK_DATA, NBR_PH_RESPONSE), "ok");
}

TEST(PacketAllowed, RejectsAReplayedHandshakeOnAConnectedSocket) {
    EXPECT_EQ(Allowed(NBR_P_AUTH_CHALLENGE, NBR_SOCK_DATA, NBR_PH_CONNECTED),
              "command not allowed in this phase");
    EXPECT_EQ(Allowed(NBR_P_AUTH_RESPONSE, NBR_SOCK_DATA, NBR_PH_CONNECTED),
              "command not allowed in this phase");
    EXPECT_EQ(Allowed(NBR_P_PARAMS, NBR_SOCK_DATA, NBR_PH_CONNECTED),
              "command not allowed in this phase");
}

TEST(PacketAllowed, RejectsDataBeforeParamsWereAccepted) {
    EXPECT_EQ(Allowed(NBR_P_DATA, NBR_SOCK_DATA, NBR_PH_HANDSHAKE),
              "command not allowed in this phase");
}

TEST(PacketAllowed, AcceptsPingsOnTheMetaSocketDuringTheHandshake) {
    EXPECT_EQ(Allowed(NBR_P_PING, NBR_SOCK_META, NBR_PH_HANDSHAKE), "ok");
    EXPECT_EQ(Allowed(NBR_P_PING_ACK, NBR_SOCK_META, NBR_PH_CONNECTED), "ok");
}

TEST(PacketAllowed, RejectsUnknownSocketAndCommand) {
    EXPECT_EQ(
        nbr_packet_allowed(NBR_P_PING, static_cast<enum nbr_sock>(3), NBR_PH_CONNECTED, nullptr),
        -EINVAL);
    EXPECT_EQ(Allowed(0, NBR_SOCK_DATA, NBR_PH_CONNECTED), "unknown command");
}

// ------------------------------------------------------ payload decoders

namespace {
template <typename T, typename F> std::string DecodeWith(const Bytes& payload, F f, T* out) {
    const char* why = nullptr;
    int rc = f(payload.data(), payload.size(), out, &why);
    if (rc == 0)
        return "ok";
    EXPECT_EQ(rc, -EPROTO);
    return why ? why : "(no reason)";
}

std::string DecodeChallenge(const Bytes& p, struct nbr_auth_challenge* c) {
    return DecodeWith(p, nbr_decode_auth_challenge, c);
}

Bytes ChallengeWith(std::size_t offset, const Bytes& patch) {
    Bytes b = Hex(kChallengePayload);
    std::copy(patch.begin(), patch.end(), b.begin() + offset);
    return b;
}
} // namespace

TEST(DecodeChallenge, DecodesHandWrittenBytes) {
    struct nbr_auth_challenge c {};
    ASSERT_EQ(DecodeChallenge(Hex(kChallengePayload), &c), "ok");
    EXPECT_STREQ(c.node_name, "alice");
    EXPECT_STREQ(c.resource, "r0");
    EXPECT_EQ(c.nonce[31], 31);
    EXPECT_EQ(c.sock, NBR_SOCK_DATA);
    EXPECT_EQ(c.auth_alg, NBR_AUTH_HMAC_SHA256);
}

TEST(DecodeChallenge, RejectsWrongSize) {
    struct nbr_auth_challenge c {};
    Bytes b = Hex(kChallengePayload);
    b.pop_back();
    EXPECT_EQ(DecodeChallenge(b, &c), "wrong challenge size");
}

TEST(DecodeChallenge, RejectsNameWithoutTerminator) {
    struct nbr_auth_challenge c {};
    EXPECT_EQ(DecodeChallenge(ChallengeWith(32, Bytes(64, 'a')), &c), "bad node name in challenge");
}

TEST(DecodeChallenge, RejectsBytesAfterTheNameTerminator) {
    // "alice\0x": a second encoding of "alice" would change the MAC input.
    struct nbr_auth_challenge c {};
    EXPECT_EQ(DecodeChallenge(ChallengeWith(32 + 6, {'x'}), &c), "bad node name in challenge");
}

TEST(DecodeChallenge, RejectsEmptyName) {
    struct nbr_auth_challenge c {};
    EXPECT_EQ(DecodeChallenge(ChallengeWith(32, Bytes(5, 0)), &c), "bad node name in challenge");
}

TEST(DecodeChallenge, RejectsControlCharactersAndSlashInNames) {
    struct nbr_auth_challenge c {};
    EXPECT_EQ(DecodeChallenge(ChallengeWith(32, {'a', '\n'}), &c), "bad node name in challenge");
    EXPECT_EQ(DecodeChallenge(ChallengeWith(96, {'r', '/'}), &c), "bad resource name in challenge");
    EXPECT_EQ(DecodeChallenge(ChallengeWith(96, {0xc3, 0xa9}), &c),
              "bad resource name in challenge");
}

TEST(DecodeChallenge, RejectsUnknownSocketKind) {
    struct nbr_auth_challenge c {};
    EXPECT_EQ(DecodeChallenge(ChallengeWith(160, {0, 3}), &c), "unknown socket kind");
    EXPECT_EQ(DecodeChallenge(ChallengeWith(160, {0, 0}), &c), "unknown socket kind");
}

TEST(DecodeChallenge, RejectsUnknownAuthAlgorithm) {
    struct nbr_auth_challenge c {};
    EXPECT_EQ(DecodeChallenge(ChallengeWith(162, {0, 2}), &c), "unknown auth algorithm");
}

TEST(DecodeChallenge, RejectsNonZeroReserved) {
    struct nbr_auth_challenge c {};
    EXPECT_EQ(DecodeChallenge(ChallengeWith(167, {1}), &c), "reserved field not zero");
}

TEST(DecodeResponse, RejectsWrongSize) {
    struct nbr_auth_response r {};
    EXPECT_EQ(DecodeWith(Bytes(31), nbr_decode_auth_response, &r), "wrong response size");
    EXPECT_EQ(DecodeWith(Bytes(32, 7), nbr_decode_auth_response, &r), "ok");
    EXPECT_EQ(r.mac[31], 7);
}

namespace {
Bytes ParamsWith(std::size_t offset, const Bytes& patch) {
    Bytes b = Hex(kParamsPayload);
    std::copy(patch.begin(), patch.end(), b.begin() + offset);
    return b;
}
std::string DecodeParams(const Bytes& b) {
    struct nbr_params p {};
    return DecodeWith(b, nbr_decode_params, &p);
}
} // namespace

TEST(DecodeParams, DecodesHandWrittenBytes) {
    struct nbr_params p {};
    ASSERT_EQ(DecodeWith(Hex(kParamsPayload), nbr_decode_params, &p), "ok");
    auto want = Params();
    EXPECT_EQ(std::memcmp(&p, &want, sizeof p), 0);
}

TEST(DecodeParams, RejectsWrongSize) {
    EXPECT_EQ(DecodeParams(Bytes(63)), "wrong params size");
    EXPECT_EQ(DecodeParams(Bytes(56)), "wrong params size");
}

TEST(DecodeParams, RejectsUnknownReplicationProtocol) {
    EXPECT_EQ(DecodeParams(ParamsWith(44, {0, 0})), "unknown replication protocol");
    EXPECT_EQ(DecodeParams(ParamsWith(44, {0, 4})), "unknown replication protocol");
}

TEST(DecodeParams, RejectsUnknownIntegrityAlgorithm) {
    EXPECT_EQ(DecodeParams(ParamsWith(46, {0, 2})), "unknown integrity algorithm");
}

TEST(DecodeParams, RejectsUnknownRoleAndDiskState) {
    EXPECT_EQ(DecodeParams(ParamsWith(48, {0, 3})), "unknown role");
    EXPECT_EQ(DecodeParams(ParamsWith(50, {0, 9})), "unknown disk state");
}

TEST(DecodeParams, RejectsNonZeroReserved) {
    EXPECT_EQ(DecodeParams(ParamsWith(52, {1})), "reserved field not zero");
}

TEST(DecodeState, DecodesHandWrittenBytesAndRejectsBadFields) {
    struct nbr_state_msg s {};
    EXPECT_EQ(DecodeWith(Hex("0002 0004 0011 0000"), nbr_decode_state, &s), "ok");
    EXPECT_EQ(s.role, NBR_R_SECONDARY);
    EXPECT_EQ(s.disk, NBR_D_INCONSISTENT);
    EXPECT_EQ(s.conn, NBR_C_SYNCTARGET);
    EXPECT_EQ(DecodeWith(Hex("0003 0004 0011 0000"), nbr_decode_state, &s), "unknown role");
    EXPECT_EQ(DecodeWith(Hex("0002 0009 0011 0000"), nbr_decode_state, &s), "unknown disk state");
    EXPECT_EQ(DecodeWith(Hex("0002 0004 0016 0000"), nbr_decode_state, &s),
              "unknown connection state");
    EXPECT_EQ(DecodeWith(Hex("0002 0004 0011 0100"), nbr_decode_state, &s), "unknown state flags");
    EXPECT_EQ(DecodeWith(Hex("0002 0004 0015 0001"), nbr_decode_state, &s), "ok");
    EXPECT_EQ(s.flags, NBR_SF_USER_PAUSED);
    EXPECT_EQ(DecodeWith(Hex("0002 0004 0011"), nbr_decode_state, &s), "wrong state size");
}

// ------------------------------------------------------------------ data

namespace {
const std::string kDataFixed = "0000000000000008 00000000deadbeef 00000001 00000002 %08x %08x";

std::string DecodeData(std::uint32_t flags, std::uint32_t crc, std::uint32_t payload_len,
                       struct nbr_data* d) {
    char text[128];
    std::snprintf(text, sizeof text, kDataFixed.c_str(), flags, crc);
    Bytes b = Hex(text);
    const char* why = nullptr;
    int rc = nbr_decode_data(b.data(), b.size(), payload_len, d, &why);
    return rc == 0 ? "ok" : why;
}
} // namespace

TEST(DecodeData, DecodesHandWrittenBytes) {
    struct nbr_data d {};
    ASSERT_EQ(
        DecodeData(NBR_DP_FLUSH | NBR_DP_CRC32C | NBR_DP_SEND_RECV_ACK, 0xcafef00d, 32 + 8192, &d),
        "ok");
    EXPECT_EQ(d.sector, 8u);
    EXPECT_EQ(d.block_id, 0xdeadbeefu);
    EXPECT_EQ(d.seq, 1u);
    EXPECT_EQ(d.epoch, 2u);
    EXPECT_EQ(d.crc, 0xcafef00du);
    EXPECT_EQ(d.size, 8192u);
}

TEST(DecodeData, RejectsUnknownFlags) {
    struct nbr_data d {};
    EXPECT_EQ(DecodeData(1u << 6, 0, 32 + 512, &d), "unknown data flags");
}

TEST(DecodeData, AcceptsTheOnlyCopyFlagOfItsFeature) {
    struct nbr_data d {};
    EXPECT_EQ(NBR_DP_ONLY_COPY, 1u << 5);
    EXPECT_EQ(NBR_FEATURES_KNOWN & NBR_FEAT_ONLY_COPY, NBR_FEAT_ONLY_COPY);
    EXPECT_NE(NBR_FEAT_ONLY_COPY, NBR_FEAT_REMOTE_READ);
    ASSERT_EQ(DecodeData(NBR_DP_ONLY_COPY | NBR_DP_SEND_WRITE_ACK, 0, 32 + 4096, &d), "ok");
    EXPECT_EQ(d.flags, NBR_DP_ONLY_COPY | NBR_DP_SEND_WRITE_ACK);
}

TEST(DecodeData, RejectsBothAckKinds) {
    struct nbr_data d {};
    EXPECT_EQ(DecodeData(NBR_DP_SEND_RECV_ACK | NBR_DP_SEND_WRITE_ACK, 0, 32 + 512, &d),
              "both receive and write ack requested");
}

TEST(DecodeData, RejectsChecksumWithoutChecksumFlag) {
    struct nbr_data d {};
    EXPECT_EQ(DecodeData(0, 1, 32 + 512, &d), "checksum without checksum flag");
}

TEST(DecodeData, RejectsSizeNotAMultipleOfTheSectorSize) {
    struct nbr_data d {};
    EXPECT_EQ(DecodeData(0, 0, 32 + 513, &d), "data size not a multiple of 512");
}

TEST(DecodeData, RejectsSizeAboveMaxBio) {
    struct nbr_data d {};
    EXPECT_EQ(DecodeData(0, 0, 32 + NBR_MAX_BIO_SIZE + 512, &d), "data size above maximum");
}

TEST(DecodeData, RejectsEmptyWriteUnlessItIsAFlush) {
    struct nbr_data d {};
    EXPECT_EQ(DecodeData(0, 0, 32, &d), "empty data packet without flush");
    EXPECT_EQ(DecodeData(NBR_DP_FLUSH, 0, 32, &d), "ok");
    EXPECT_EQ(d.size, 0u);
}

TEST(DecodeData, RejectsPayloadLengthBelowTheFixedPart) {
    struct nbr_data d {};
    EXPECT_EQ(DecodeData(0, 0, 31, &d), "payload too short for command");
}

TEST(DataRange, RejectsWriteBeyondTheEndOfTheDevice) {
    struct nbr_data d {};
    d.sector = 1000 - 8;
    d.size = 4096;
    const char* why = nullptr;
    EXPECT_EQ(nbr_data_check_range(&d, 1000, 1u << 20, &why), 0);
    d.sector++;
    EXPECT_EQ(nbr_data_check_range(&d, 1000, 1u << 20, &why), -EPROTO);
    EXPECT_STREQ(why, "write beyond end of device");
}

TEST(DataRange, RejectsSectorThatWouldWrapAround) {
    struct nbr_data d {};
    d.sector = UINT64_MAX - 3;
    d.size = 4096;
    const char* why = nullptr;
    EXPECT_EQ(nbr_data_check_range(&d, UINT64_MAX, 1u << 20, &why), -EPROTO);
    EXPECT_STREQ(why, "write beyond end of device");
}

TEST(DataRange, RejectsSizeAboveTheAgreedMaximum) {
    struct nbr_data d {};
    d.size = 8192;
    const char* why = nullptr;
    EXPECT_EQ(nbr_data_check_range(&d, 1u << 20, 4096, &why), -EPROTO);
    EXPECT_STREQ(why, "data size above agreed maximum");
}

TEST(DecodeAck, DecodesHandWrittenBytesAndRejectsOddSizes) {
    struct nbr_block_ack a {};
    EXPECT_EQ(DecodeWith(Hex("0102030405060708 1122334455667788 00001000 00000007"),
                         nbr_decode_block_ack, &a),
              "ok");
    EXPECT_EQ(a.sector, 0x0102030405060708ull);
    EXPECT_EQ(a.block_id, 0x1122334455667788ull);
    EXPECT_EQ(a.size, 4096u);
    EXPECT_EQ(a.seq, 7u);
    EXPECT_EQ(DecodeWith(Hex("0102030405060708 1122334455667788 00001001 00000007"),
                         nbr_decode_block_ack, &a),
              "bad size in ack");
    EXPECT_EQ(DecodeWith(Hex("0102030405060708 1122334455667788 00200000 00000007"),
                         nbr_decode_block_ack, &a),
              "bad size in ack");
    EXPECT_EQ(DecodeWith(Bytes(23), nbr_decode_block_ack, &a), "wrong ack size");
}

TEST(DecodeBarrier, RejectsNonZeroReservedAndWrongSize) {
    struct nbr_barrier b {};
    EXPECT_EQ(DecodeWith(Hex("00000005 00000000"), nbr_decode_barrier, &b), "ok");
    EXPECT_EQ(b.epoch, 5u);
    EXPECT_EQ(DecodeWith(Hex("00000005 00000001"), nbr_decode_barrier, &b),
              "reserved field not zero");
    EXPECT_EQ(DecodeWith(Bytes(4), nbr_decode_barrier, &b), "wrong barrier size");
    struct nbr_barrier_ack ba {};
    EXPECT_EQ(DecodeWith(Hex("00000005 00000800"), nbr_decode_barrier_ack, &ba), "ok");
    EXPECT_EQ(ba.set_size, 2048u);
    EXPECT_EQ(DecodeWith(Bytes(9), nbr_decode_barrier_ack, &ba), "wrong barrier ack size");
}

// --------------------------------------------------------- round trips

TEST(RoundTrip, EveryEncodedPacketDecodesToTheSameValues) {
    Bytes buf(512);
    auto c = Challenge();
    int n = nbr_encode_auth_challenge(buf.data(), buf.size(), &c);
    ASSERT_GT(n, 0);
    struct nbr_hdr h {};
    ASSERT_EQ(nbr_decode_header(buf.data(), n, &h, nullptr), 0);
    struct nbr_auth_challenge c2 {};
    ASSERT_EQ(nbr_decode_auth_challenge(buf.data() + kHdr, h.len, &c2, nullptr), 0);
    EXPECT_EQ(std::memcmp(&c, &c2, sizeof c), 0);

    struct nbr_data d {};
    d.sector = 123456789;
    d.block_id = ~0ull;
    d.seq = 0xffffffff;
    d.epoch = 42;
    d.flags = NBR_DP_CRC32C | NBR_DP_FUA | NBR_DP_SEND_RECV_ACK;
    d.crc = 0x12345678;
    d.size = NBR_MAX_BIO_SIZE;
    n = nbr_encode_data(buf.data(), buf.size(), &d);
    ASSERT_EQ(n, 48);
    ASSERT_EQ(nbr_decode_header(buf.data(), n, &h, nullptr), 0);
    struct nbr_data d2 {};
    ASSERT_EQ(nbr_decode_data(buf.data() + kHdr, 32, h.len, &d2, nullptr), 0);
    EXPECT_EQ(std::memcmp(&d, &d2, sizeof d), 0);
}

TEST(Names, ValidityRules) {
    EXPECT_TRUE(nbr_name_valid("alice"));
    EXPECT_TRUE(nbr_name_valid("node-1.example.com"));
    EXPECT_TRUE(nbr_name_valid(std::string(63, 'x').c_str()));
    EXPECT_FALSE(nbr_name_valid(std::string(64, 'x').c_str()));
    EXPECT_FALSE(nbr_name_valid(""));
    EXPECT_FALSE(nbr_name_valid("a b"));
    EXPECT_FALSE(nbr_name_valid("a/b"));
    EXPECT_FALSE(nbr_name_valid("a\x7f"));
}

// ------------------------------------------------- remote reads (v1 + feature)

TEST(RemoteRead, FeatureBitIsKnownAndDistinct) {
    EXPECT_EQ(NBR_FEAT_REMOTE_READ, 2u);
    EXPECT_EQ(NBR_FEATURES_KNOWN & NBR_FEAT_REMOTE_READ, NBR_FEAT_REMOTE_READ);
    EXPECT_EQ(offsetof(struct nbr_p_read_req, size), 16u);
    EXPECT_EQ(offsetof(struct nbr_p_read_reply, crc), 20u);
}

TEST(RemoteRead, TableRowsAndFixedParts) {
    EXPECT_STREQ(nbr_packet_name(NBR_P_READ_REQ), "READ_REQ");
    EXPECT_STREQ(nbr_packet_name(NBR_P_READ_REPLY), "READ_REPLY");
    EXPECT_EQ(nbr_packet_info(NBR_P_READ_REPLY)->max_len, 24 + NBR_MAX_BIO_SIZE);
    EXPECT_EQ(nbr_packet_fixed_len(NBR_P_DATA, 32 + 4096), 32u);
    EXPECT_EQ(nbr_packet_fixed_len(NBR_P_READ_REPLY, 24 + 4096), 24u);
    EXPECT_EQ(nbr_packet_fixed_len(NBR_P_READ_REQ, 24), 24u);
    EXPECT_EQ(nbr_packet_fixed_len(NBR_P_PING, 0), 0u);
    EXPECT_EQ(nbr_packet_fixed_len(0, 99), 0u);
}

TEST(RemoteRead, OnlyOnTheDataSocketOnceConnected) {
    for (unsigned cmd : {NBR_P_READ_REQ, NBR_P_READ_REPLY}) {
        EXPECT_EQ(Allowed(cmd, NBR_SOCK_DATA, NBR_PH_CONNECTED), "ok");
        EXPECT_EQ(Allowed(cmd, NBR_SOCK_META, NBR_PH_CONNECTED),
                  "command not allowed on this socket");
        EXPECT_EQ(Allowed(cmd, NBR_SOCK_DATA, NBR_PH_HANDSHAKE),
                  "command not allowed in this phase");
    }
}

TEST(RemoteRead, ReadRequestBytes) {
    struct nbr_read_req r {
        0x0102030405060708ull, 0x1122334455667788ull, 8192
    };
    EXPECT_EQ(Encode([&](void* b, size_t n) { return nbr_encode_read_req(b, n, &r); }),
              Hex("4e425231 000d 0000 00000018 00000000"
                  "0102030405060708 1122334455667788 00002000 00000000"));
}

TEST(RemoteRead, ReadReplyCountsTheDataBytesInTheLength) {
    struct nbr_read_reply r {
        16, 7, NBR_RR_CRC32C, 0xcafef00d, 4096
    };
    // 24 + 4096 = 0x1018; only the fixed part is written.
    EXPECT_EQ(Encode([&](void* b, size_t n) { return nbr_encode_read_reply(b, n, &r); }),
              Hex("4e425231 000e 0000 00001018 00000000"
                  "0000000000000010 0000000000000007 00000001 cafef00d"));
    struct nbr_read_reply e {
        16, 7, NBR_RR_EIO, 0, 0
    };
    EXPECT_EQ(Encode([&](void* b, size_t n) { return nbr_encode_read_reply(b, n, &e); }),
              Hex("4e425231 000e 0000 00000018 00000000"
                  "0000000000000010 0000000000000007 00000002 00000000"));
}

namespace {
std::string DecodeReadReq(const std::string& hex) {
    struct nbr_read_req r {};
    return DecodeWith(Hex(hex), nbr_decode_read_req, &r);
}

std::string DecodeReadReply(const std::string& hex, std::uint32_t payload_len,
                            struct nbr_read_reply* r) {
    const char* why = nullptr;
    Bytes b = Hex(hex);
    int rc = nbr_decode_read_reply(b.data(), b.size(), payload_len, r, &why);
    return rc == 0 ? "ok" : why;
}
} // namespace

TEST(RemoteRead, DecodesARequestAndRejectsBadSizes) {
    EXPECT_EQ(DecodeReadReq("0000000000000008 0000000000000001 00001000 00000000"), "ok");
    EXPECT_EQ(DecodeReadReq("0000000000000008 0000000000000001 00000000 00000000"), "empty read");
    EXPECT_EQ(DecodeReadReq("0000000000000008 0000000000000001 00000201 00000000"),
              "read size not a multiple of 512");
    EXPECT_EQ(DecodeReadReq("0000000000000008 0000000000000001 00100200 00000000"),
              "read size above maximum");
    EXPECT_EQ(DecodeReadReq("0000000000000008 0000000000000001 00001000 00000001"),
              "reserved field not zero");
    EXPECT_EQ(DecodeReadReq("0000000000000008 0000000000000001 00001000"),
              "wrong read request size");
}

TEST(RemoteRead, RangeIsCheckedAgainstTheDeviceAndMaxBio) {
    struct nbr_read_req r {
        2040, 1, 4096
    };
    const char* why = nullptr;
    EXPECT_EQ(nbr_read_check_range(&r, 2048, 1u << 20, &why), 0);
    r.sector = 2041;
    EXPECT_EQ(nbr_read_check_range(&r, 2048, 1u << 20, &why), -EPROTO);
    EXPECT_STREQ(why, "read beyond end of device");
    r.sector = ~0ull - 3;
    EXPECT_EQ(nbr_read_check_range(&r, 2048, 1u << 20, &why), -EPROTO);
    r.sector = 0;
    EXPECT_EQ(nbr_read_check_range(&r, 2048, 2048, &why), -EPROTO);
    EXPECT_STREQ(why, "read size above agreed maximum");
}

TEST(RemoteRead, DecodesRepliesAndRejectsInconsistentOnes) {
    const std::string ids = "0000000000000010 0000000000000007 ";
    struct nbr_read_reply r {};
    ASSERT_EQ(DecodeReadReply(ids + "00000001 cafef00d", 24 + 4096, &r), "ok");
    EXPECT_EQ(r.sector, 16u);
    EXPECT_EQ(r.block_id, 7u);
    EXPECT_EQ(r.crc, 0xcafef00du);
    EXPECT_EQ(r.size, 4096u);
    ASSERT_EQ(DecodeReadReply(ids + "00000002 00000000", 24, &r), "ok");
    EXPECT_EQ(r.flags, NBR_RR_EIO);
    EXPECT_EQ(r.size, 0u);
    EXPECT_EQ(DecodeReadReply(ids + "00000004 00000000", 24 + 512, &r), "unknown read reply flags");
    EXPECT_EQ(DecodeReadReply(ids + "00000000 00000001", 24 + 512, &r),
              "checksum without checksum flag");
    EXPECT_EQ(DecodeReadReply(ids + "00000002 00000000", 24 + 512, &r), "failed read with data");
    EXPECT_EQ(DecodeReadReply(ids + "00000003 00000000", 24, &r), "failed read with data");
    EXPECT_EQ(DecodeReadReply(ids + "00000000 00000000", 24, &r), "empty read");
    EXPECT_EQ(DecodeReadReply(ids + "00000000 00000000", 24 + 100, &r),
              "read size not a multiple of 512");
    EXPECT_EQ(DecodeReadReply(ids + "00000000 00000000", 23, &r), "payload too short for command");
    EXPECT_EQ(DecodeReadReply(ids + "00000000", 24 + 512, &r), "wrong read reply header size");
}

TEST(RemoteRead, EncodersRefuseWhatDecodersReject) {
    Bytes buf(512);
    struct nbr_read_req q {
        0, 1, 0
    };
    EXPECT_EQ(nbr_encode_read_req(buf.data(), buf.size(), &q), -EINVAL);
    struct nbr_read_reply r {
        0, 1, NBR_RR_EIO, 0, 512
    };
    EXPECT_EQ(nbr_encode_read_reply(buf.data(), buf.size(), &r), -EINVAL);
    r = {0, 1, 0, 5, 512};
    EXPECT_EQ(nbr_encode_read_reply(buf.data(), buf.size(), &r), -EINVAL);
    r = {0, 1, 0, 0, 512};
    EXPECT_EQ(nbr_encode_read_reply(buf.data(), kHdr + 23, &r), -ENOSPC);
}
