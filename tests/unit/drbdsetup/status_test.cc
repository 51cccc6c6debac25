#include "conf/parser.h"
#include "conf/resolve.h"
#include "drbdsetup/status.h"

#include <gtest/gtest.h>
#include <nbr/genl.h>
#include <nbr/state.h>
#include <nbr/wire.h>

namespace nbr::drbdsetup {
namespace {

Status Sample() {
    Status s;
    s.minor = 0;
    s.resource = "r0";
    s.role = NBR_R_PRIMARY;
    s.peer_role = NBR_R_UNKNOWN;
    s.cstate = NBR_C_STANDALONE;
    s.disk = NBR_D_UPTODATE;
    s.peer_disk = NBR_D_DUNKNOWN;
    s.size_sectors = 131072;
    s.backing = "/dev/vdb";
    s.stats = {{"dw", 4}, {"dr", 8}};
    return s;
}

TEST(Status, Human) {
    EXPECT_EQ(FormatHuman(Sample()),
              "r0 nb0 role:Primary disk:UpToDate cstate:StandAlone peer-role:Unknown "
              "peer-disk:DUnknown size:65536K\n    dw:4 dr:8\n");
}

TEST(Status, JsonHasTheMembersDrbdadmReads) {
    EXPECT_EQ(FormatJson(Sample()),
              "{\"minor\":0,\"device\":\"/dev/nb0\",\"resource\":\"r0\",\"role\":\"Primary\","
              "\"peer_role\":\"Unknown\",\"cstate\":\"StandAlone\",\"disk\":\"UpToDate\","
              "\"peer_disk\":\"DUnknown\",\"size_sectors\":131072,\"backing_dev\":\"/dev/vdb\","
              "\"stats\":{\"dw\":4,\"dr\":8}}\n");
}

TEST(Status, EventLines) {
    Status s = Sample();
    s.event_seq = 7;
    s.reason = "primary --force";
    EXPECT_EQ(FormatEvent(s, false),
              "seq:7 r0 nb0 role:Primary disk:UpToDate cstate:StandAlone peer-role:Unknown "
              "peer-disk:DUnknown reason:primary --force\n");
    std::string j = FormatEvent(s, true);
    EXPECT_EQ(j.rfind("{\"seq\":7,\"minor\":0,", 0), 0u);
    EXPECT_NE(j.find("\"reason\":\"primary --force\"}"), std::string::npos);
}

TEST(Status, JsonEscapes) {
    EXPECT_EQ(JsonEscape("a\"b\\c\n\x01"), "a\\\"b\\\\c\\n\\u0001");
}

// drbdadm adjust parses `show` with the drbd.conf parser: it must read back.
TEST(Status, ShowParsesBackAttached) {
    Status s = Sample();
    s.on_io_error = NBR_IOERR_PASS_ON;
    s.size_limit = 2048;
    std::string text = FormatShow(s);
    conf::ParseResult p = conf::ParseString(text, "show");
    ASSERT_TRUE(p.ok()) << p.diags.Render() << text;
    ASSERT_EQ(p.config.resources.size(), 1u);
    auto r = conf::ResolveRunning(p.config.resources[0], p.diags);
    ASSERT_TRUE(r) << p.diags.Render() << text;
    EXPECT_EQ(r->name, "r0");
    EXPECT_EQ(r->minor, 0);
    ASSERT_TRUE(r->disk);
    EXPECT_EQ(r->disk->path, "/dev/vdb");
    EXPECT_TRUE(r->meta_disk.internal);
    EXPECT_EQ(r->options.Get("on-io-error"), "pass_on");
    EXPECT_EQ(r->options.Get("size"), "2048");
    EXPECT_FALSE(r->local);
}

TEST(Status, ShowParsesBackDiskless) {
    Status s = Sample();
    s.backing.reset();
    std::string text = FormatShow(s);
    conf::ParseResult p = conf::ParseString(text, "show");
    ASSERT_TRUE(p.ok()) << p.diags.Render() << text;
    auto r = conf::ResolveRunning(p.config.resources[0], p.diags);
    ASSERT_TRUE(r) << p.diags.Render() << text;
    EXPECT_FALSE(r->disk);
}

TEST(Status, ShowParsesBackWithTheNetConfiguration) {
    Status s = Sample();
    s.net = Status::Net{"ipv4 10.99.0.1:7788",
                        "ipv6 [fd00::2]:7789",
                        "bravo",
                        NBR_PROT_B,
                        NBR_AUTH_HMAC_SHA256,
                        NBR_INTEGRITY_NONE,
                        60,
                        10,
                        7,
                        5,
                        2048};
    std::string text = FormatShow(s);
    EXPECT_EQ(text.find("secret"), std::string::npos) << text;
    conf::ParseResult p = conf::ParseString(text, "show");
    ASSERT_TRUE(p.ok()) << p.diags.Render() << text;
    auto r = conf::ResolveRunning(p.config.resources[0], p.diags);
    ASSERT_TRUE(r) << p.diags.Render() << text;
    ASSERT_TRUE(r->local && r->peer);
    EXPECT_EQ(r->local->SetupText(), "ipv4:10.99.0.1:7788");
    EXPECT_EQ(r->peer->SetupText(), "ipv6:[fd00::2]:7789");
    EXPECT_EQ(r->options.Get("protocol"), "B");
    EXPECT_EQ(r->options.Get("cram-hmac-alg"), "sha256");
    EXPECT_EQ(r->options.Get("ping-int"), "7");
    EXPECT_EQ(r->options.Get("size"), "0");
    EXPECT_FALSE(r->options.Explicit(conf::FindOption(conf::Section::Net, "shared-secret")));
}

} // namespace
} // namespace nbr::drbdsetup
