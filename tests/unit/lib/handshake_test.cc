// Handshake decision and connect-race tie-break.
#include "nbr_handshake.h"

#include <gtest/gtest.h>
#include <set>
#include <string>

namespace {

struct nbr_params Base() {
    struct nbr_params p {};
    p.proto_min = 1;
    p.proto_max = 1;
    p.features = NBR_FEAT_FLUSH_FUA;
    p.disk_sectors = 2048;
    p.max_bio = 1u << 20;
    p.wire_proto = NBR_PROT_C;
    p.integrity_alg = NBR_INTEGRITY_NONE;
    p.role = NBR_R_SECONDARY;
    p.disk = NBR_D_UPTODATE;
    return p;
}

enum nbr_hs_result Decide(const struct nbr_params& a, const struct nbr_params& b,
                          struct nbr_agreed* out = nullptr) {
    struct nbr_agreed tmp {};
    return nbr_handshake_decide(&a, &b, out ? out : &tmp);
}

// Both nodes run the decision with the roles of local and peer swapped;
// they must reach the same verdict and the same agreement.
void ExpectSymmetric(const struct nbr_params& a, const struct nbr_params& b) {
    struct nbr_agreed x {
    }, y{};
    enum nbr_hs_result rx = Decide(a, b, &x), ry = Decide(b, a, &y);
    EXPECT_EQ(rx == NBR_HS_OK, ry == NBR_HS_OK);
    if (rx == NBR_HS_OK && ry == NBR_HS_OK) {
        EXPECT_EQ(x.proto, y.proto);
        EXPECT_EQ(x.features, y.features);
        EXPECT_EQ(x.dev_sectors, y.dev_sectors);
        EXPECT_EQ(x.grown_from, y.grown_from);
        EXPECT_EQ(x.max_bio, y.max_bio);
    } else if (rx != NBR_HS_BAD_LOCAL_PARAMS && rx != NBR_HS_BAD_PEER_PARAMS) {
        EXPECT_EQ(rx, ry);
    }
}

} // namespace

TEST(Handshake, AcceptsIdenticalParameters) {
    struct nbr_agreed a {};
    ASSERT_EQ(Decide(Base(), Base(), &a), NBR_HS_OK);
    EXPECT_EQ(a.proto, 1u);
    EXPECT_EQ(a.features, NBR_FEAT_FLUSH_FUA);
    EXPECT_EQ(a.dev_sectors, 2048u);
    EXPECT_EQ(a.max_bio, 1u << 20);
}

TEST(Handshake, RejectsVersionRangesWithoutOverlap) {
    auto peer = Base();
    peer.proto_min = 2;
    peer.proto_max = 3;
    EXPECT_EQ(Decide(Base(), peer), NBR_HS_NO_COMMON_VERSION);
    ExpectSymmetric(Base(), peer);
}

TEST(Handshake, AgreesOnTheHighestCommonVersion) {
    auto a = Base(), b = Base();
    a.proto_max = 3;
    b.proto_min = 2;
    b.proto_max = 5;
    struct nbr_agreed out {};
    ASSERT_EQ(Decide(a, b, &out), NBR_HS_OK);
    EXPECT_EQ(out.proto, 3u);
    ExpectSymmetric(a, b);
}

TEST(Handshake, RejectsReplicationProtocolMismatch) {
    auto peer = Base();
    peer.wire_proto = NBR_PROT_A;
    EXPECT_EQ(Decide(Base(), peer), NBR_HS_PROTOCOL_MISMATCH);
    ExpectSymmetric(Base(), peer);
}

TEST(Handshake, RejectsIntegrityAlgorithmMismatch) {
    auto peer = Base();
    peer.integrity_alg = NBR_INTEGRITY_CRC32C;
    EXPECT_EQ(Decide(Base(), peer), NBR_HS_INTEGRITY_MISMATCH);
}

TEST(Handshake, RejectsTwoPrimaries) {
    auto a = Base(), b = Base();
    a.role = b.role = NBR_R_PRIMARY;
    EXPECT_EQ(Decide(a, b), NBR_HS_TWO_PRIMARIES);
    b.role = NBR_R_SECONDARY;
    EXPECT_EQ(Decide(a, b), NBR_HS_OK);
}

TEST(Handshake, FeatureSetIsTheIntersectionOfKnownBits) {
    auto a = Base(), b = Base();
    a.features = NBR_FEAT_FLUSH_FUA | (1ull << 40);
    b.features = NBR_FEAT_FLUSH_FUA | (1ull << 40) | (1ull << 41);
    struct nbr_agreed out {};
    ASSERT_EQ(Decide(a, b, &out), NBR_HS_OK);
    EXPECT_EQ(out.features, NBR_FEAT_FLUSH_FUA); // bit 40 is unknown to us
    b.features = 0;
    ASSERT_EQ(Decide(a, b, &out), NBR_HS_OK);
    EXPECT_EQ(out.features, 0u);
}

TEST(Handshake, RemoteReadsOnlyWhenBothOfferThem) {
    auto a = Base(), b = Base();
    a.features = NBR_FEAT_FLUSH_FUA | NBR_FEAT_REMOTE_READ;
    b.features = NBR_FEAT_FLUSH_FUA; // an older peer: no READ_REQ to it
    struct nbr_agreed out {};
    ASSERT_EQ(Decide(a, b, &out), NBR_HS_OK);
    EXPECT_EQ(out.features, NBR_FEAT_FLUSH_FUA);
    b.features |= NBR_FEAT_REMOTE_READ;
    ASSERT_EQ(Decide(a, b, &out), NBR_HS_OK);
    EXPECT_EQ(out.features, NBR_FEAT_FLUSH_FUA | NBR_FEAT_REMOTE_READ);
}

TEST(Handshake, DeviceSizeIsTheSmallerDisk) {
    auto a = Base(), b = Base();
    a.disk_sectors = 5000;
    b.disk_sectors = 3000;
    struct nbr_agreed out {};
    ASSERT_EQ(Decide(a, b, &out), NBR_HS_OK);
    EXPECT_EQ(out.dev_sectors, 3000u);
    ExpectSymmetric(a, b);
}

TEST(Handshake, AdminSizeLimitCutsTheDisk) {
    auto a = Base(), b = Base();
    a.disk_sectors = 5000;
    a.user_sectors = 1000;
    b.disk_sectors = 3000;
    struct nbr_agreed out {};
    ASSERT_EQ(Decide(a, b, &out), NBR_HS_OK);
    EXPECT_EQ(out.dev_sectors, 1000u);
    // A limit above the disk does not grow the device.
    a.user_sectors = 9000;
    ASSERT_EQ(Decide(a, b, &out), NBR_HS_OK);
    EXPECT_EQ(out.dev_sectors, 3000u);
}

TEST(Handshake, DisklessNodeTakesThePeersSizeUpToItsLastAgreedSize) {
    auto a = Base(), b = Base();
    a.disk = NBR_D_DISKLESS;
    a.disk_sectors = 0;
    b.disk_sectors = 4000;
    struct nbr_agreed out {};
    ASSERT_EQ(Decide(a, b, &out), NBR_HS_OK);
    EXPECT_EQ(out.dev_sectors, 4000u);
    ExpectSymmetric(a, b);
    // One copy does not grow past what the other copy had.
    b.la_sectors = 1000;
    ASSERT_EQ(Decide(a, b, &out), NBR_HS_OK);
    EXPECT_EQ(out.dev_sectors, 1000u);
    EXPECT_EQ(out.grown_from, 1000u);
    ExpectSymmetric(a, b);
    b.user_sectors = 800;
    ASSERT_EQ(Decide(a, b, &out), NBR_HS_OK);
    EXPECT_EQ(out.dev_sectors, 800u);
}

TEST(Handshake, RejectsWhenNeitherNodeHasADisk) {
    auto a = Base();
    a.disk = NBR_D_DISKLESS;
    a.disk_sectors = 0;
    EXPECT_EQ(Decide(a, a), NBR_HS_NO_DISK);
}

TEST(Handshake, RejectsAPeerSmallerThanThePrimarysDevice) {
    auto a = Base(), b = Base();
    a.role = NBR_R_PRIMARY;
    a.disk_sectors = 5000;
    a.cur_sectors = 5000;
    b.disk_sectors = 3000;
    EXPECT_EQ(Decide(a, b), NBR_HS_PEER_TOO_SMALL);
    ExpectSymmetric(a, b);
    // A Secondary's old size is nobody's business yet.
    a.role = NBR_R_SECONDARY;
    EXPECT_EQ(Decide(a, b), NBR_HS_OK);
}

TEST(Handshake, GrownAreaStartsAtTheSmallerLastAgreedSize) {
    auto a = Base(), b = Base();
    a.la_sectors = 1000;
    b.la_sectors = 1500;
    struct nbr_agreed out {};
    ASSERT_EQ(Decide(a, b, &out), NBR_HS_OK);
    EXPECT_EQ(out.dev_sectors, 2048u);
    EXPECT_EQ(out.grown_from, 1000u);
    ExpectSymmetric(a, b);
}

TEST(Handshake, NodeThatNeverAgreedOnASizeAddsNoGrownArea) {
    auto a = Base(), b = Base();
    struct nbr_agreed out {};
    ASSERT_EQ(Decide(a, b, &out), NBR_HS_OK);
    EXPECT_EQ(out.grown_from, out.dev_sectors);
    b.la_sectors = 1500;
    ASSERT_EQ(Decide(a, b, &out), NBR_HS_OK);
    EXPECT_EQ(out.grown_from, 1500u);
    ExpectSymmetric(a, b);
}

TEST(Handshake, UnchangedOrShrinkingSizeHasNoGrownArea) {
    auto a = Base(), b = Base();
    a.la_sectors = b.la_sectors = 2048;
    struct nbr_agreed out {};
    ASSERT_EQ(Decide(a, b, &out), NBR_HS_OK);
    EXPECT_EQ(out.grown_from, 2048u);
    b.user_sectors = 1024;
    ASSERT_EQ(Decide(a, b, &out), NBR_HS_OK);
    EXPECT_EQ(out.dev_sectors, 1024u);
    EXPECT_EQ(out.grown_from, 1024u);
}

TEST(Handshake, AgreedMaxBioIsTheSmallerOne) {
    auto a = Base(), b = Base();
    b.max_bio = 128 * 1024;
    struct nbr_agreed out {};
    ASSERT_EQ(Decide(a, b, &out), NBR_HS_OK);
    EXPECT_EQ(out.max_bio, 128u * 1024);
}

TEST(Handshake, RejectsInvalidPeerParameters) {
    auto bad = [](auto mutate) {
        auto p = Base();
        mutate(p);
        return Decide(Base(), p);
    };
    EXPECT_EQ(bad([](auto& p) { p.proto_min = 0; }), NBR_HS_BAD_PEER_PARAMS);
    EXPECT_EQ(bad([](auto& p) { p.proto_min = 3, p.proto_max = 2; }), NBR_HS_BAD_PEER_PARAMS);
    EXPECT_EQ(bad([](auto& p) { p.max_bio = 2048; }), NBR_HS_BAD_PEER_PARAMS);
    EXPECT_EQ(bad([](auto& p) { p.max_bio = 4097; }), NBR_HS_BAD_PEER_PARAMS);
    EXPECT_EQ(bad([](auto& p) { p.max_bio = 2u << 20; }), NBR_HS_BAD_PEER_PARAMS);
    EXPECT_EQ(bad([](auto& p) { p.role = NBR_R_UNKNOWN; }), NBR_HS_BAD_PEER_PARAMS);
    EXPECT_EQ(bad([](auto& p) { p.disk = NBR_D_DUNKNOWN; }), NBR_HS_BAD_PEER_PARAMS);
    EXPECT_EQ(bad([](auto& p) { p.disk = NBR_D_DISKLESS; }), NBR_HS_BAD_PEER_PARAMS);
    EXPECT_EQ(bad([](auto& p) { p.disk_sectors = 0; }), NBR_HS_BAD_PEER_PARAMS);
    EXPECT_EQ(bad([](auto& p) { p.la_sectors = 2049; }), NBR_HS_BAD_PEER_PARAMS);
    EXPECT_EQ(bad([](auto& p) { p.wire_proto = static_cast<enum nbr_wire_proto>(0); }),
              NBR_HS_BAD_PEER_PARAMS);
    EXPECT_EQ(bad([](auto& p) { p.integrity_alg = static_cast<enum nbr_integrity_alg>(9); }),
              NBR_HS_BAD_PEER_PARAMS);
    EXPECT_EQ(bad([](auto& p) { p.disk = static_cast<enum nbr_disk_state>(99); }),
              NBR_HS_BAD_PEER_PARAMS);
}

TEST(Handshake, RejectsInvalidLocalParametersFirst) {
    auto a = Base();
    a.proto_min = 0;
    auto b = Base();
    b.proto_min = 0;
    EXPECT_EQ(Decide(a, b), NBR_HS_BAD_LOCAL_PARAMS);
}

TEST(Handshake, EveryResultHasItsOwnMessage) {
    std::set<std::string> seen;
    for (int r = NBR_HS_OK; r < NBR_HS_COUNT; r++) {
        std::string s = nbr_hs_str(static_cast<enum nbr_hs_result>(r));
        EXPECT_FALSE(s.empty());
        EXPECT_TRUE(seen.insert(s).second) << s;
    }
    EXPECT_STREQ(nbr_hs_str(NBR_HS_PROTOCOL_MISMATCH),
                 "replication protocol (A/B/C) differs from the peer's");
    EXPECT_STREQ(nbr_hs_str(static_cast<enum nbr_hs_result>(77)), "unknown handshake result");
}

TEST(ConnectRace, TheHigherNamedNodesConnectionSurvives) {
    EXPECT_EQ(nbr_race_keep_outgoing("bob", "alice"), 1);
    EXPECT_EQ(nbr_race_keep_outgoing("alice", "bob"), 0);
}

TEST(ConnectRace, ExactlyOneConnectionSurvives) {
    const char* names[] = {"a", "b", "node1", "node10", "node2", "Z", "z"};
    for (const char* x : names)
        for (const char* y : names) {
            if (std::string(x) == y)
                continue;
            int kx = nbr_race_keep_outgoing(x, y), ky = nbr_race_keep_outgoing(y, x);
            ASSERT_GE(kx, 0);
            ASSERT_GE(ky, 0);
            // x keeps its outgoing one exactly when y keeps its incoming one.
            EXPECT_NE(kx, ky) << x << " vs " << y;
        }
}

TEST(ConnectRace, RejectsEqualOrInvalidNames) {
    EXPECT_EQ(nbr_race_keep_outgoing("alice", "alice"), -EINVAL);
    EXPECT_EQ(nbr_race_keep_outgoing("", "alice"), -EINVAL);
    EXPECT_EQ(nbr_race_keep_outgoing("alice", "b ob"), -EINVAL);
}
