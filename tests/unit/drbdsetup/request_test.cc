#include "drbdsetup/request.h"

#include <arpa/inet.h>
#include <cstring>
#include <gtest/gtest.h>
#include <nbr/genl.h>
#include <nbr/wire.h>
#include <netinet/in.h>

namespace nbr::drbdsetup {
namespace {

const Host kHost{"alpha"};

Request Build(std::vector<std::string> args) {
    ParseOutcome o = Parse(args);
    EXPECT_TRUE(o.inv) << o.err;
    auto r = BuildRequest(*o.inv, kHost);
    EXPECT_TRUE(std::holds_alternative<Request>(r)) << std::get<std::string>(r);
    return std::get<Request>(r);
}

std::string BuildErr(std::vector<std::string> args) {
    ParseOutcome o = Parse(args);
    EXPECT_TRUE(o.inv) << o.err;
    auto r = BuildRequest(*o.inv, kHost);
    EXPECT_TRUE(std::holds_alternative<std::string>(r));
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "";
}

const Attr* Find(const Request& r, uint16_t type) {
    for (const Attr& a : r.attrs)
        if (a.type == type)
            return &a;
    return nullptr;
}

TEST(Request, NewMinorBytes) {
    Request r = Build({"new-minor", "2", "--resource", "r0"});
    EXPECT_EQ(r.cmd, NBR_ADM_NEW_MINOR);
    ASSERT_EQ(r.attrs.size(), 2u);
    EXPECT_EQ(r.attrs[0], U32(NBR_A_MINOR, 2));
    EXPECT_EQ(r.attrs[1], (Attr{NBR_A_RESOURCE, {'r', '0', 0}}));
}

TEST(Request, NewMinorRejectsBadResourceName) {
    EXPECT_NE(BuildErr({"new-minor", "2", "--resource", "a/b"}).find("invalid"), std::string::npos);
}

TEST(Request, RolesAndForce) {
    EXPECT_EQ(Build({"/dev/nb1", "primary"}).cmd, NBR_ADM_PRIMARY);
    EXPECT_EQ(Find(Build({"/dev/nb1", "primary"}), NBR_A_FORCE), nullptr);
    Request f = Build({"/dev/nb1", "primary", "--force"});
    ASSERT_NE(Find(f, NBR_A_FORCE), nullptr);
    EXPECT_TRUE(Find(f, NBR_A_FORCE)->data.empty());
    EXPECT_EQ(Build({"/dev/nb1", "secondary"}).cmd, NBR_ADM_SECONDARY);
    EXPECT_EQ(Build({"/dev/nb1", "down"}).cmd, NBR_ADM_DOWN);
    EXPECT_EQ(Build({"del-minor", "1"}).cmd, NBR_ADM_DEL_MINOR);
    EXPECT_EQ(Build({"/dev/nb1", "status"}).cmd, NBR_ADM_GET_STATUS);
    EXPECT_EQ(Build({"/dev/nb1", "show"}).cmd, NBR_ADM_GET_STATUS);
}

TEST(Request, DiskAppliesIoErrorAndSizeAndReportsTheRest) {
    Request r = Build({"/dev/nb0", "disk", "/dev/vdb", "internal", "--on-io-error=pass_on",
                       "--size=1M", "--resync-rate=100M"});
    EXPECT_EQ(r.cmd, NBR_ADM_ATTACH);
    EXPECT_EQ(*Find(r, NBR_A_BACKING_DEV),
              (Attr{NBR_A_BACKING_DEV, {'/', 'd', 'e', 'v', '/', 'v', 'd', 'b', 0}}));
    EXPECT_EQ(*Find(r, NBR_A_ON_IO_ERROR), U8(NBR_A_ON_IO_ERROR, NBR_IOERR_PASS_ON));
    EXPECT_EQ(*Find(r, NBR_A_SIZE_LIMIT), U64(NBR_A_SIZE_LIMIT, 2048));
    EXPECT_EQ(r.ignored, std::vector<std::string>{"resync-rate"});
}

TEST(Request, DiskRefusesWhatTheModuleCannotDo) {
    EXPECT_NE(BuildErr({"/dev/nb0", "disk", "/dev/vdb", "/dev/vdc", "0"})
                  .find("external metadata (/dev/vdc) is not supported yet"),
              std::string::npos);
    EXPECT_NE(
        BuildErr({"/dev/nb0", "disk", "/dev/vdb", "internal", "--on-io-error=call-local-io-error"})
            .find("not supported"),
        std::string::npos);
}

TEST(Request, NetAddressesAndOptions) {
    Request r = Build({"/dev/nb0", "net", "ipv4:10.99.0.1:7788", "ipv6:[fd00::2]:7789", "B",
                       "--timeout=30", "--cram-hmac-alg=sha256", "--shared-secret=s3cret",
                       "--data-integrity-alg=crc32c", "--after-sb-0pri=discard-local"});
    EXPECT_EQ(r.cmd, NBR_ADM_CONNECT);
    const Attr* my = Find(r, NBR_A_MY_ADDR);
    ASSERT_NE(my, nullptr);
    ASSERT_EQ(my->data.size(), sizeof(sockaddr_in));
    sockaddr_in sa;
    std::memcpy(&sa, my->data.data(), sizeof sa);
    EXPECT_EQ(sa.sin_family, AF_INET);
    EXPECT_EQ(ntohs(sa.sin_port), 7788);
    EXPECT_EQ(ntohl(sa.sin_addr.s_addr), 0x0a630001u);
    const Attr* peer = Find(r, NBR_A_PEER_ADDR);
    ASSERT_NE(peer, nullptr);
    ASSERT_EQ(peer->data.size(), sizeof(sockaddr_in6));
    sockaddr_in6 sa6;
    std::memcpy(&sa6, peer->data.data(), sizeof sa6);
    EXPECT_EQ(sa6.sin6_family, AF_INET6);
    EXPECT_EQ(ntohs(sa6.sin6_port), 7789);
    EXPECT_EQ(sa6.sin6_addr.s6_addr[0], 0xfd);
    EXPECT_EQ(sa6.sin6_addr.s6_addr[15], 2);
    EXPECT_EQ(*Find(r, NBR_A_PROTOCOL), U8(NBR_A_PROTOCOL, NBR_PROT_B));
    EXPECT_EQ(*Find(r, NBR_A_MY_NAME), Str(NBR_A_MY_NAME, "alpha"));
    EXPECT_EQ(*Find(r, NBR_A_TIMEOUT), U32(NBR_A_TIMEOUT, 30));
    EXPECT_EQ(*Find(r, NBR_A_AUTH_ALG), U8(NBR_A_AUTH_ALG, NBR_AUTH_HMAC_SHA256));
    EXPECT_EQ(*Find(r, NBR_A_SHARED_SECRET),
              (Attr{NBR_A_SHARED_SECRET, {'s', '3', 'c', 'r', 'e', 't'}}));
    EXPECT_EQ(*Find(r, NBR_A_INTEGRITY_ALG), U8(NBR_A_INTEGRITY_ALG, NBR_INTEGRITY_CRC32C));
    EXPECT_EQ(r.ignored, std::vector<std::string>{"after-sb-0pri"});
}

TEST(Request, NetRefusesBadAddressesAndHalfAuth) {
    EXPECT_NE(BuildErr({"/dev/nb0", "net", "10.0.0.1:7788", "ipv4:10.0.0.2:7788", "C"})
                  .find("bad address '10.0.0.1:7788'"),
              std::string::npos);
    EXPECT_NE(BuildErr({"/dev/nb0", "net", "ipv4:10.0.0.1:0", "ipv4:10.0.0.2:7788", "C"})
                  .find("bad port"),
              std::string::npos);
    EXPECT_NE(BuildErr({"/dev/nb0", "net", "ipv4:300.0.0.1:1", "ipv4:10.0.0.2:7788", "C"})
                  .find("bad address"),
              std::string::npos);
    EXPECT_NE(BuildErr({"/dev/nb0", "net", "ipv4:10.0.0.1:1", "ipv4:10.0.0.2:7788", "C",
                        "--shared-secret=x"})
                  .find("go together"),
              std::string::npos);
    EXPECT_NE(BuildErr({"/dev/nb0", "net", "ipv4:10.0.0.1:1", "ipv4:10.0.0.2:7788", "C",
                        "--cram-hmac-alg=md5", "--shared-secret=x"})
                  .find("cram-hmac-alg md5 is not supported"),
              std::string::npos);
}

} // namespace
} // namespace nbr::drbdsetup
