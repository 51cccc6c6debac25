// Authentication helpers, plus a mutual challenge-response run between two
// simulated nodes with the test-only HMAC-SHA256.
#include "nbr_auth.h"
#include "sha256.h"
#include "test_util.h"

#include <cstring>
#include <gtest/gtest.h>
#include <string>

using nbrtest::Bytes;
using nbrtest::CountHex;
using nbrtest::Digest;
using nbrtest::Hex;
using nbrtest::HmacSha256;
using nbrtest::NameHex;

namespace {

Bytes Str(std::string_view s) {
    return Bytes(s.begin(), s.end());
}

Bytes AsBytes(const struct nbr_auth_msg& m) {
    auto p = reinterpret_cast<const std::uint8_t*>(&m);
    return Bytes(p, p + sizeof m);
}

std::array<std::uint8_t, NBR_NONCE_LEN> Nonce(int first) {
    std::array<std::uint8_t, NBR_NONCE_LEN> n{};
    for (unsigned i = 0; i < NBR_NONCE_LEN; i++)
        n[i] = static_cast<std::uint8_t>(first + i);
    return n;
}

// One side of one socket, as the module will hold it.
struct Node {
    std::string name, peer, resource = "r0";
    std::array<std::uint8_t, NBR_NONCE_LEN> nonce;
    Bytes secret;

    struct nbr_auth_challenge Challenge(unsigned sock) const {
        struct nbr_auth_challenge c {};
        std::memcpy(c.nonce, nonce.data(), nonce.size());
        std::strcpy(c.node_name, name.c_str());
        std::strcpy(c.resource, resource.c_str());
        c.sock = static_cast<enum nbr_sock>(sock);
        c.auth_alg = NBR_AUTH_HMAC_SHA256;
        return c;
    }
    // My answer to the peer's challenge: I am the prover.
    Digest Respond(const struct nbr_auth_challenge& peer_c) const {
        struct nbr_auth_msg m;
        EXPECT_EQ(nbr_auth_msg_build(&m, resource.c_str(), peer_c.sock, name.c_str(), nonce.data(),
                                     peer_c.node_name, peer_c.nonce),
                  0);
        return HmacSha256(secret, AsBytes(m));
    }
    // Check the peer's answer: the peer is the prover.
    enum nbr_auth_result Verify(const struct nbr_auth_challenge& peer_c, const Digest& mac) const {
        struct nbr_auth_msg m;
        EXPECT_EQ(nbr_auth_msg_build(&m, resource.c_str(), peer_c.sock, peer_c.node_name,
                                     peer_c.nonce, name.c_str(), nonce.data()),
                  0);
        Digest want = HmacSha256(secret, AsBytes(m));
        return nbr_auth_check_mac(want.data(), mac.data());
    }
    struct nbr_auth_local Local(unsigned sock) const {
        return {name.c_str(), peer.c_str(),         resource.c_str(),
                nonce.data(), NBR_AUTH_HMAC_SHA256, sock};
    }
};

Node Alice() {
    return {"alice", "bob", "r0", Nonce(0x80), Str("correct horse battery staple")};
}
Node Bob() {
    return {"bob", "alice", "r0", Nonce(0x40), Str("correct horse battery staple")};
}

std::string Hexs(const Digest& d) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (auto b : d) {
        s += digits[b >> 4];
        s += digits[b & 15];
    }
    return s;
}

} // namespace

// The test HMAC itself, against FIPS 180-2 and RFC 4231.
TEST(TestSha256, MatchesPublishedVectors) {
    EXPECT_EQ(Hexs(nbrtest::Sha256(Str("abc"))),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(Hexs(nbrtest::Sha256(Str(""))),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(Hexs(HmacSha256(Bytes(20, 0x0b), Str("Hi There"))),
              "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    EXPECT_EQ(Hexs(HmacSha256(Str("Jefe"), Str("what do ya want for nothing?"))),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    // RFC 4231 case 6: key longer than the block size.
    EXPECT_EQ(Hexs(HmacSha256(Bytes(131, 0xaa),
                              Str("Test Using Larger Than Block-Size Key - Hash Key First"))),
              "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(AuthMsg, HasTheDocumentedBytes) {
    auto p = Nonce(0x40), v = Nonce(0x80);
    struct nbr_auth_msg m;
    ASSERT_EQ(nbr_auth_msg_build(&m, "r0", NBR_SOCK_META, "bob", p.data(), "alice", v.data()), 0);
    EXPECT_EQ(AsBytes(m),
              Hex("6e62722d617574682d763120686d61632d73686132353600" + NameHex("r0") + "0002 0000" +
                  NameHex("bob") + CountHex(0x40, 32) + NameHex("alice") + CountHex(0x80, 32)));
}

TEST(AuthMsg, RejectsInvalidNamesAndSocketKinds) {
    auto n = Nonce(1);
    struct nbr_auth_msg m;
    EXPECT_EQ(nbr_auth_msg_build(&m, "", NBR_SOCK_DATA, "a", n.data(), "b", n.data()), -EINVAL);
    EXPECT_EQ(nbr_auth_msg_build(&m, "r0", NBR_SOCK_DATA, "a b", n.data(), "b", n.data()), -EINVAL);
    EXPECT_EQ(nbr_auth_msg_build(&m, "r0", NBR_SOCK_DATA, "a", n.data(),
                                 std::string(64, 'v').c_str(), n.data()),
              -EINVAL);
    EXPECT_EQ(nbr_auth_msg_build(&m, "r0", 0, "a", n.data(), "b", n.data()), -EINVAL);
}

TEST(MutualAuth, SucceedsWithTheSameSecret) {
    Node a = Alice(), b = Bob();
    auto ca = a.Challenge(NBR_SOCK_DATA), cb = b.Challenge(NBR_SOCK_DATA);
    struct nbr_auth_local lb = b.Local(NBR_SOCK_DATA); // bob connected
    EXPECT_EQ(nbr_auth_check_challenge(&lb, &ca), NBR_AUTH_OK);
    struct nbr_auth_local la = a.Local(0); // alice accepted the socket
    EXPECT_EQ(nbr_auth_check_challenge(&la, &cb), NBR_AUTH_OK);
    EXPECT_EQ(b.Verify(ca, a.Respond(cb)), NBR_AUTH_OK);
    EXPECT_EQ(a.Verify(cb, b.Respond(ca)), NBR_AUTH_OK);
}

TEST(MutualAuth, FailsWithAnotherSecret) {
    Node a = Alice(), b = Bob();
    b.secret = Str("correct horse battery stapler");
    auto ca = a.Challenge(NBR_SOCK_DATA), cb = b.Challenge(NBR_SOCK_DATA);
    EXPECT_EQ(b.Verify(ca, a.Respond(cb)), NBR_AUTH_BAD_MAC);
    EXPECT_EQ(a.Verify(cb, b.Respond(ca)), NBR_AUTH_BAD_MAC);
}

TEST(MutualAuth, ReflectingANodesOwnResponseFails) {
    // An attacker without the secret relays alice's challenge back to her
    // as "bob" on a second connection and returns her own answer.
    Node a = Alice(), b = Bob();
    auto ca = a.Challenge(NBR_SOCK_DATA), cb = b.Challenge(NBR_SOCK_DATA);
    Digest alices = a.Respond(cb);
    EXPECT_EQ(a.Verify(cb, alices), NBR_AUTH_BAD_MAC);
    // The reflected challenge itself is refused before any MAC is computed.
    struct nbr_auth_local la = a.Local(NBR_SOCK_DATA);
    auto reflected = ca;
    EXPECT_EQ(nbr_auth_check_challenge(&la, &reflected), NBR_AUTH_PEER_HAS_MY_NAME);
    std::strcpy(reflected.node_name, "bob");
    EXPECT_EQ(nbr_auth_check_challenge(&la, &reflected), NBR_AUTH_REFLECTED_NONCE);
}

TEST(MutualAuth, AResponseIsBoundToTheSocketKindAndBothNonces) {
    Node a = Alice(), b = Bob();
    auto ca = a.Challenge(NBR_SOCK_DATA), cb = b.Challenge(NBR_SOCK_DATA);
    Digest good = a.Respond(cb);
    auto ca_meta = a.Challenge(NBR_SOCK_META);
    EXPECT_EQ(b.Verify(ca_meta, good), NBR_AUTH_BAD_MAC);
    Node b2 = b;
    b2.nonce = Nonce(0x41); // a later connection with a fresh nonce
    EXPECT_EQ(b2.Verify(ca, good), NBR_AUTH_BAD_MAC);
    auto ca2 = ca;
    ca2.nonce[0] ^= 1; // replayed answer to another challenge of alice
    EXPECT_EQ(b.Verify(ca2, good), NBR_AUTH_BAD_MAC);
    EXPECT_EQ(b.Verify(ca, good), NBR_AUTH_OK);
}

TEST(MutualAuth, AResponseIsBoundToTheResource) {
    Node a = Alice(), b = Bob();
    auto ca = a.Challenge(NBR_SOCK_DATA), cb = b.Challenge(NBR_SOCK_DATA);
    Digest good = a.Respond(cb);
    b.resource = "r1";
    EXPECT_EQ(b.Verify(ca, good), NBR_AUTH_BAD_MAC);
}

namespace {
enum nbr_auth_result CheckFromBob(void (*mutate)(struct nbr_auth_challenge&),
                                  unsigned sock = NBR_SOCK_DATA) {
    Node a = Alice(), b = Bob();
    auto ca = a.Challenge(NBR_SOCK_DATA);
    mutate(ca);
    struct nbr_auth_local lb = b.Local(sock);
    return nbr_auth_check_challenge(&lb, &ca);
}
} // namespace

TEST(CheckChallenge, RejectsAnotherAuthMethod) {
    EXPECT_EQ(CheckFromBob([](auto& c) { c.auth_alg = NBR_AUTH_NONE; }), NBR_AUTH_ALG_MISMATCH);
}

TEST(CheckChallenge, RejectsAnotherResource) {
    EXPECT_EQ(CheckFromBob([](auto& c) { std::strcpy(c.resource, "r1"); }),
              NBR_AUTH_RESOURCE_MISMATCH);
}

TEST(CheckChallenge, RejectsTheWrongSocketKind) {
    EXPECT_EQ(CheckFromBob([](auto&) {}, NBR_SOCK_META), NBR_AUTH_SOCK_MISMATCH);
    EXPECT_EQ(CheckFromBob([](auto&) {}, 0), NBR_AUTH_OK);
}

TEST(CheckChallenge, RejectsAnUnexpectedPeer) {
    EXPECT_EQ(CheckFromBob([](auto& c) { std::strcpy(c.node_name, "mallory"); }),
              NBR_AUTH_UNEXPECTED_PEER);
}

TEST(CheckChallenge, RejectsAPeerUsingOurName) {
    EXPECT_EQ(CheckFromBob([](auto& c) { std::strcpy(c.node_name, "bob"); }),
              NBR_AUTH_PEER_HAS_MY_NAME);
}

TEST(CheckChallenge, RejectsOurOwnNonce) {
    EXPECT_EQ(CheckFromBob([](auto& c) {
                  for (unsigned i = 0; i < NBR_NONCE_LEN; i++)
                      c.nonce[i] = static_cast<std::uint8_t>(0x40 + i);
              }),
              NBR_AUTH_REFLECTED_NONCE);
}

TEST(CheckChallenge, RejectsAnAllZeroNonce) {
    EXPECT_EQ(CheckFromBob([](auto& c) { std::memset(c.nonce, 0, sizeof c.nonce); }),
              NBR_AUTH_ZERO_NONCE);
}

TEST(CheckChallenge, RejectsInvalidLocalNames) {
    Node a = Alice();
    auto ca = a.Challenge(NBR_SOCK_DATA);
    struct nbr_auth_local l = Bob().Local(NBR_SOCK_DATA);
    l.peer_name = "";
    EXPECT_EQ(nbr_auth_check_challenge(&l, &ca), NBR_AUTH_BAD_LOCAL);
}

TEST(AuthStrings, EveryResultHasAMessage) {
    for (int r = 0; r < NBR_AUTH_COUNT; r++)
        EXPECT_GT(std::strlen(nbr_auth_str(static_cast<enum nbr_auth_result>(r))), 5u);
    EXPECT_STREQ(nbr_auth_str(NBR_AUTH_BAD_MAC), "wrong response (shared secret differs?)");
}

TEST(MemNeq, ComparesEveryByte) {
    Bytes a(64, 7), b(64, 7);
    EXPECT_EQ(nbr_memneq(a.data(), b.data(), a.size()), 0);
    b[0] = 8;
    EXPECT_NE(nbr_memneq(a.data(), b.data(), a.size()), 0);
    b[0] = 7;
    b[63] = 0;
    EXPECT_NE(nbr_memneq(a.data(), b.data(), a.size()), 0);
    EXPECT_EQ(nbr_memneq(a.data(), b.data(), 63), 0);
    EXPECT_EQ(nbr_memneq(a.data(), b.data(), 0), 0);
}
