#include "conf/options.h"
#include "drbdsetup/request.h"
#include "nbr_sync.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cstring>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <nbr/genl.h>
#include <nbr/wire.h>
#include <netinet/in.h>
#include <sstream>

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
    EXPECT_EQ(Build({"/dev/nb1", "wait-sync"}).cmd, NBR_ADM_GET_STATUS);
}

TEST(Request, DiskAppliesIoErrorAndSizeAndReportsTheRest) {
    Request r = Build({"/dev/nb0", "disk", "/dev/vdb", "internal", "--on-io-error=pass_on",
                       "--size=1M", "--disk-timeout=50"});
    EXPECT_EQ(r.cmd, NBR_ADM_ATTACH);
    EXPECT_EQ(*Find(r, NBR_A_BACKING_DEV),
              (Attr{NBR_A_BACKING_DEV, {'/', 'd', 'e', 'v', '/', 'v', 'd', 'b', 0}}));
    EXPECT_EQ(*Find(r, NBR_A_ON_IO_ERROR), U8(NBR_A_ON_IO_ERROR, NBR_IOERR_PASS_ON));
    EXPECT_EQ(*Find(r, NBR_A_SIZE_LIMIT), U64(NBR_A_SIZE_LIMIT, 2048));
    EXPECT_EQ(Find(r, NBR_A_META_DEV), nullptr);
    EXPECT_EQ(Find(r, NBR_A_META_INDEX), nullptr);
    EXPECT_EQ(r.ignored, std::vector<std::string>{"disk-timeout"});
}

TEST(Request, DiskResyncOptionsInTheKernelsUnits) {
    Request r =
        Build({"/dev/nb0", "disk", "/dev/vdb", "internal", "--al-extents=3001",
               "--resync-rate=100M", "--c-plan-ahead=0", "--c-max-rate=200M", "--c-min-rate=4096"});
    EXPECT_EQ(*Find(r, NBR_A_AL_EXTENTS), U32(NBR_A_AL_EXTENTS, 3001));
    EXPECT_EQ(*Find(r, NBR_A_RESYNC_RATE), U32(NBR_A_RESYNC_RATE, 102400)); // KiB/s
    EXPECT_EQ(*Find(r, NBR_A_C_PLAN_AHEAD), U32(NBR_A_C_PLAN_AHEAD, 0));    // 0.1 s
    EXPECT_EQ(*Find(r, NBR_A_C_MAX_RATE), U32(NBR_A_C_MAX_RATE, 204800));
    EXPECT_EQ(*Find(r, NBR_A_C_MIN_RATE), U32(NBR_A_C_MIN_RATE, 4096));
    EXPECT_TRUE(r.ignored.empty());
}

TEST(Request, DiskMdFlushesYesAndNo) {
    EXPECT_EQ(*Find(Build({"/dev/nb0", "disk", "/dev/vdb", "internal", "--md-flushes=no"}),
                    NBR_A_MD_FLUSHES),
              U8(NBR_A_MD_FLUSHES, 0));
    EXPECT_EQ(*Find(Build({"/dev/nb0", "disk", "/dev/vdb", "internal", "--md-flushes"}),
                    NBR_A_MD_FLUSHES),
              U8(NBR_A_MD_FLUSHES, 1));
    // Not given: the kernel's default (yes).
    EXPECT_EQ(Find(Build({"/dev/nb0", "disk", "/dev/vdb", "internal"}), NBR_A_MD_FLUSHES), nullptr);
}

TEST(Request, ExternalMetadataFlexibleAndIndexed) {
    for (const char* flexible : {"flexible", "-1"}) {
        Request r = Build({"/dev/nb0", "disk", "/dev/vdb", "/dev/vdc", flexible});
        EXPECT_EQ(r.cmd, NBR_ADM_ATTACH);
        EXPECT_EQ(*Find(r, NBR_A_BACKING_DEV), Str(NBR_A_BACKING_DEV, "/dev/vdb"));
        EXPECT_EQ(*Find(r, NBR_A_META_DEV), Str(NBR_A_META_DEV, "/dev/vdc"));
        EXPECT_EQ(Find(r, NBR_A_META_INDEX), nullptr) << flexible;
    }
    Request r = Build({"/dev/nb0", "disk", "/dev/vdb", "/dev/vdc", "3"});
    EXPECT_EQ(*Find(r, NBR_A_META_DEV), Str(NBR_A_META_DEV, "/dev/vdc"));
    EXPECT_EQ(*Find(r, NBR_A_META_INDEX), U32(NBR_A_META_INDEX, 3));
    r = Build({"/dev/nb0", "disk", "/dev/vdb", "/dev/vdc", "0"});
    EXPECT_EQ(*Find(r, NBR_A_META_INDEX), U32(NBR_A_META_INDEX, 0));
}

TEST(Request, ExternalMetadataPathTooLong) {
    std::string meta = "/dev/" + std::string(NBR_PATH_MAX, 'x');
    EXPECT_NE(BuildErr({"/dev/nb0", "disk", "/dev/vdb", meta, "0"})
                  .find("metadata device path must be 1 to 127 characters"),
              std::string::npos);
}

TEST(Request, DiskRefusesWhatTheModuleCannotDo) {
    EXPECT_NE(
        BuildErr({"/dev/nb0", "disk", "/dev/vdb", "internal", "--on-io-error=call-local-io-error"})
            .find("not supported"),
        std::string::npos);
    EXPECT_EQ(BuildErr({"/dev/nb0", "disk", "/dev/vdb", "internal", "--size=1001s"}),
              "size: 1001 sectors is not a whole number of 4 KiB blocks (a multiple of 8 sectors)");
}

TEST(Request, NetAddressesAndOptions) {
    Request r = Build({"/dev/nb0", "net", "ipv4:10.99.0.1:7788", "ipv6:[fd00::2]:7789", "B",
                       "--timeout=30", "--cram-hmac-alg=sha256", "--shared-secret=s3cret",
                       "--data-integrity-alg=crc32c", "--after-sb-0pri=discard-local",
                       "--ko-count=3", "--sndbuf-size=1M", "--rcvbuf-size=512K", "--tcp-cork=no"});
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
    EXPECT_EQ(*Find(r, NBR_A_AFTER_SB_0PRI), U8(NBR_A_AFTER_SB_0PRI, NBR_ASB0_DISCARD_LOCAL));
    EXPECT_EQ(Find(r, NBR_A_DISCARD_MY_DATA), nullptr);
    EXPECT_EQ(Find(r, NBR_A_ALWAYS_ASBP), nullptr);
    EXPECT_EQ(*Find(r, NBR_A_KO_COUNT), U32(NBR_A_KO_COUNT, 3));
    EXPECT_EQ(*Find(r, NBR_A_SNDBUF_SIZE), U32(NBR_A_SNDBUF_SIZE, 1 << 20)); // bytes
    EXPECT_EQ(*Find(r, NBR_A_RCVBUF_SIZE), U32(NBR_A_RCVBUF_SIZE, 512 << 10));
    EXPECT_EQ(r.ignored, std::vector<std::string>{"tcp-cork"});
}

std::vector<std::string> Net(std::vector<std::string> extra) {
    std::vector<std::string> args = {"/dev/nb0", "net", "ipv4:10.0.0.1:7788", "ipv4:10.0.0.2:7788",
                                     "C"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

TEST(Request, AfterSplitBrainPolicies) {
    const std::pair<const char*, uint8_t> asb0[] = {
        {"disconnect", NBR_ASB0_DISCONNECT},
        {"discard-younger-primary", NBR_ASB0_DISCARD_YOUNGER_PRIMARY},
        {"discard-older-primary", NBR_ASB0_DISCARD_OLDER_PRIMARY},
        {"discard-zero-changes", NBR_ASB0_DISCARD_ZERO_CHANGES},
        {"discard-least-changes", NBR_ASB0_DISCARD_LEAST_CHANGES},
        {"discard-local", NBR_ASB0_DISCARD_LOCAL},
        {"discard-remote", NBR_ASB0_DISCARD_REMOTE},
    };
    for (auto [word, value] : asb0) {
        Request r = Build(Net({std::string("--after-sb-0pri=") + word}));
        EXPECT_EQ(*Find(r, NBR_A_AFTER_SB_0PRI), U8(NBR_A_AFTER_SB_0PRI, value)) << word;
        EXPECT_EQ(Find(r, NBR_A_DISCARD_NODE), nullptr);
    }
    const std::pair<const char*, uint8_t> asb1[] = {
        {"disconnect", NBR_ASB1_DISCONNECT},
        {"consensus", NBR_ASB1_CONSENSUS},
        {"violently-as0p", NBR_ASB1_VIOLENTLY_AS0P},
        {"discard-secondary", NBR_ASB1_DISCARD_SECONDARY},
        {"call-pri-lost-after-sb", NBR_ASB1_CALL_PRI_LOST_AFTER_SB},
    };
    for (auto [word, value] : asb1)
        EXPECT_EQ(*Find(Build(Net({std::string("--after-sb-1pri=") + word})), NBR_A_AFTER_SB_1PRI),
                  U8(NBR_A_AFTER_SB_1PRI, value))
            << word;
    const std::pair<const char*, uint8_t> asb2[] = {
        {"disconnect", NBR_ASB2_DISCONNECT},
        {"violently-as0p", NBR_ASB2_VIOLENTLY_AS0P},
        {"call-pri-lost-after-sb", NBR_ASB2_CALL_PRI_LOST_AFTER_SB},
    };
    for (auto [word, value] : asb2)
        EXPECT_EQ(*Find(Build(Net({std::string("--after-sb-2pri=") + word})), NBR_A_AFTER_SB_2PRI),
                  U8(NBR_A_AFTER_SB_2PRI, value))
            << word;
}

TEST(Request, DiscardNodeSendsTheName) {
    Request r = Build(Net({"--after-sb-0pri=discard-node-bravo"}));
    EXPECT_EQ(*Find(r, NBR_A_AFTER_SB_0PRI), U8(NBR_A_AFTER_SB_0PRI, NBR_ASB0_DISCARD_NODE));
    EXPECT_EQ(*Find(r, NBR_A_DISCARD_NODE), Str(NBR_A_DISCARD_NODE, "bravo"));
}

TEST(Request, AfterSplitBrainBadWordsAreRefused) {
    ParseOutcome o = Parse(Net({"--after-sb-0pri=discard-secondary"}));
    EXPECT_FALSE(o.inv);
    EXPECT_NE(o.err.find("invalid value 'discard-secondary' for 'after-sb-0pri'"),
              std::string::npos)
        << o.err;
    EXPECT_NE(o.err.find("discard-node-NAME"), std::string::npos) << o.err;
    o = Parse(Net({"--after-sb-2pri=consensus"}));
    EXPECT_FALSE(o.inv);
    EXPECT_NE(o.err.find("invalid value 'consensus' for 'after-sb-2pri'"), std::string::npos);
    o = Parse(Net({"--after-sb-0pri=discard-node-"}));
    EXPECT_FALSE(o.inv) << "a node name is needed";
    EXPECT_NE(BuildErr(Net({"--after-sb-0pri=discard-node-a/b"}))
                  .find("after-sb-0pri discard-node-a/b: 'a/b' is not a valid node name"),
              std::string::npos);
}

TEST(Request, AlwaysAsbpAndDiscardMyDataAreFlags) {
    Request r = Build(Net({"--always-asbp", "--discard-my-data"}));
    ASSERT_NE(Find(r, NBR_A_ALWAYS_ASBP), nullptr);
    EXPECT_TRUE(Find(r, NBR_A_ALWAYS_ASBP)->data.empty());
    ASSERT_NE(Find(r, NBR_A_DISCARD_MY_DATA), nullptr);
    EXPECT_TRUE(Find(r, NBR_A_DISCARD_MY_DATA)->data.empty());
    EXPECT_TRUE(r.ignored.empty());
    EXPECT_EQ(Find(Build(Net({"--always-asbp=no"})), NBR_A_ALWAYS_ASBP), nullptr);
    ParseOutcome o = Parse(Net({"--always-asbp=maybe"}));
    EXPECT_FALSE(o.inv);
    EXPECT_NE(o.err.find("'always-asbp' expects yes or no, got 'maybe'"), std::string::npos);
}

TEST(Request, VerifyAlgorithms) {
    const std::pair<const char*, uint8_t> algs[] = {
        {"crc32c", NBR_DIGEST_CRC32C},
        {"sha1", NBR_DIGEST_SHA1},
        {"sha256", NBR_DIGEST_SHA256},
        {"md5", NBR_DIGEST_MD5},
    };
    for (auto [name, value] : algs)
        EXPECT_EQ(*Find(Build(Net({std::string("--verify-alg=") + name})), NBR_A_VERIFY_ALG),
                  U8(NBR_A_VERIFY_ALG, value))
            << name;
    EXPECT_EQ(Find(Build(Net({"--verify-alg="})), NBR_A_VERIFY_ALG), nullptr);
    EXPECT_EQ(BuildErr(Net({"--verify-alg=sha512"})),
              "verify-alg sha512 is not supported; use crc32c, sha1, sha256 or md5");
}

TEST(Request, ResyncVerbsAreOneRequestEach) {
    const std::pair<const char*, uint8_t> verbs[] = {
        {"invalidate", NBR_ADM_INVALIDATE}, {"invalidate-remote", NBR_ADM_INVALIDATE_REMOTE},
        {"pause-sync", NBR_ADM_PAUSE_SYNC}, {"resume-sync", NBR_ADM_RESUME_SYNC},
        {"verify", NBR_ADM_VERIFY},         {"new-current-uuid", NBR_ADM_NEW_CURRENT_UUID},
        {"outdate", NBR_ADM_OUTDATE},
    };
    for (auto [verb, cmd] : verbs) {
        Request r = Build({"/dev/nb4", verb});
        EXPECT_EQ(r.cmd, cmd) << verb;
        EXPECT_FALSE(r.dump);
        ASSERT_EQ(r.attrs.size(), 1u) << verb;
        EXPECT_EQ(r.attrs[0], U32(NBR_A_MINOR, 4));
    }
}

TEST(Request, VerifyStartAndClearBitmap) {
    Request v = Build({"/dev/nb0", "verify", "--start=123456789012"});
    EXPECT_EQ(*Find(v, NBR_A_START_SECTOR), U64(NBR_A_START_SECTOR, 123456789012ull));
    v = Build({"verify", "/dev/nb0", "--start", "0"});
    EXPECT_EQ(*Find(v, NBR_A_START_SECTOR), U64(NBR_A_START_SECTOR, 0));
    Request n = Build({"/dev/nb0", "new-current-uuid", "--clear-bitmap"});
    ASSERT_NE(Find(n, NBR_A_CLEAR_BITMAP), nullptr);
    EXPECT_TRUE(Find(n, NBR_A_CLEAR_BITMAP)->data.empty());
    EXPECT_EQ(Find(Build({"/dev/nb0", "new-current-uuid"}), NBR_A_CLEAR_BITMAP), nullptr);
}

TEST(Request, EventsDumpsEveryDeviceFirst) {
    Request r = Build({"events"});
    EXPECT_EQ(r.cmd, NBR_ADM_GET_STATUS);
    EXPECT_TRUE(r.dump);
    EXPECT_TRUE(r.attrs.empty());
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

// A value each disk/net option accepts: its default, else a sample.
std::string SampleValue(const conf::OptionSpec& o) {
    static const std::map<std::string_view, std::string> kSamples = {
        {"cram-hmac-alg", "sha256"}, {"shared-secret", "x"}, {"data-integrity-alg", "crc32c"},
        {"csums-alg", "sha1"},       {"resync-after", "r1"},
    };
    if (!o.def.empty())
        return std::string(o.def);
    auto it = kSamples.find(o.name);
    if (it != kSamples.end())
        return it->second;
    return o.choices.empty() ? "1" : std::string(o.choices.front());
}

// The option's row in drbd.conf(5), "" when there is none.
std::string ManPageRow(const std::string& text, std::string_view name) {
    size_t at = text.find("| `" + std::string(name) + "` |");
    return at == std::string::npos ? "" : text.substr(at, text.find('\n', at) - at);
}

// drbd.conf(5) says "not applied yet" exactly for the disk and net options
// drbdsetup passes over (and notes as ignored): a user reading the table
// knows which settings the module acts on.
TEST(Docs, ManPageMarksExactlyTheOptionsTheModuleIgnores) {
    std::ifstream in(NBR_DOCS_DIR "/drbd.conf.5.md");
    ASSERT_TRUE(in) << "cannot open drbd.conf.5.md";
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    for (const conf::OptionSpec& o : conf::OptionTable()) {
        if (o.target != conf::Target::Disk && o.target != conf::Target::Net)
            continue;
        std::string opt = "--" + std::string(o.name) + "=" + SampleValue(o);
        std::vector<std::string> args =
            o.target == conf::Target::Disk
                ? std::vector<std::string>{"/dev/nb0", "disk", "/dev/vdb", "internal", opt}
                : std::vector<std::string>{"/dev/nb0",           "net", "ipv4:10.0.0.1:7788",
                                           "ipv4:10.0.0.2:7788", "C",   "--cram-hmac-alg=sha256",
                                           "--shared-secret=x",  opt};
        Request r = Build(args);
        bool ignored = std::find(r.ignored.begin(), r.ignored.end(), o.name) != r.ignored.end();
        std::string row = ManPageRow(text, o.name);
        ASSERT_FALSE(row.empty()) << o.name;
        EXPECT_EQ(ignored, row.find("not applied yet") != std::string::npos)
            << o.name << (ignored ? " is ignored by drbdsetup" : " is applied") << "; row: " << row;
    }
}

} // namespace
} // namespace nbr::drbdsetup
