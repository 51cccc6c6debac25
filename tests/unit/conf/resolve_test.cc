#include "conf/parser.h"
#include "conf/resolve.h"
#include "test_util.h"

#include <gtest/gtest.h>

namespace nbr::conf {
namespace {

using testing::Check;
using testing::Res;

std::optional<ResolvedResource> ResolveOne(const std::string& text, const std::string& host,
                                           std::vector<std::string> addrs = {}) {
    ParseResult r = ParseString(text, "t.conf");
    EXPECT_TRUE(r.ok()) << r.diags.Render();
    auto out = Resolve(r.config, r.config.resources.at(0), {host, std::move(addrs)}, r.diags);
    EXPECT_TRUE(r.ok()) << r.diags.Render();
    return out;
}

TEST(Resolve, PicksThisHostAndPeer) {
    auto r = ResolveOne(Res(""), "bravo");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->local->addr, "10.0.0.2");
    EXPECT_EQ(r->peer->addr, "10.0.0.1");
    EXPECT_EQ(r->peer_host, "alpha");
    EXPECT_EQ(r->device, "/dev/nb0");
    EXPECT_EQ(r->minor, 0);
}

TEST(Resolve, InheritsCommonResourceHost) {
    auto r = ResolveOne("common { net { ping-int 5; timeout 80; } disk { resync-rate 50M; } }\n"
                        "resource r0 {\n"
                        "  device /dev/nb0; disk /dev/vdb; meta-disk internal;\n"
                        "  net { timeout 90; }\n"
                        "  on alpha { address 10.0.0.1:7788; disk { resync-rate 10M; } }\n"
                        "  on bravo { address 10.0.0.2:7788; }\n"
                        "}\n",
                        "alpha");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->options.Get("ping-int"), "5");
    EXPECT_EQ(r->options.Get("timeout"), "90");
    EXPECT_EQ(r->options.Get("resync-rate"), "10240");
    EXPECT_EQ(r->options.Get("ko-count"), "7"); // table default
    EXPECT_FALSE(r->options.Explicit(FindOption(Section::Net, "ko-count")));
}

TEST(Resolve, HostValuesOverrideResourceValues) {
    auto r = ResolveOne("resource r0 {\n"
                        "  device /dev/nb0; disk /dev/vdb; meta-disk internal;\n"
                        "  on alpha { address 10.0.0.1:7788; disk /dev/sdc; device /dev/nb3; }\n"
                        "  on bravo { address 10.0.0.2:7788; }\n"
                        "}\n",
                        "alpha");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->disk->path, "/dev/sdc");
    EXPECT_EQ(r->minor, 3);
}

TEST(Resolve, SeveralNamesInOneOnSection) {
    auto r = ResolveOne("resource r0 {\n"
                        "  device /dev/nb0; disk /dev/vdb; meta-disk internal;\n"
                        "  on alpha alpha.example.com { address 10.0.0.1:7788; }\n"
                        "  on bravo { address 10.0.0.2:7788; }\n"
                        "}\n",
                        "alpha.example.com");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->local->addr, "10.0.0.1");
}

TEST(Resolve, FloatingMatchesLocalAddress) {
    auto r = ResolveOne("resource r0 {\n"
                        "  device /dev/nb0; disk /dev/vdb; meta-disk internal;\n"
                        "  floating 10.0.0.1:7788;\n"
                        "  floating 10.0.0.2:7788;\n"
                        "}\n",
                        "whatever", {"127.0.0.1", "10.0.0.2"});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->local->addr, "10.0.0.2");
    EXPECT_EQ(r->peer->addr, "10.0.0.1");
}

TEST(Resolve, NoSectionForThisHost) {
    EXPECT_EQ(Check(Res(""), "charlie"),
              "t.conf:1:10: resource 'r0' has no 'on' section for this host ('charlie')\n"
              "resource r0 {\n"
              "         ^\n"
              "hint: its sections are for: alpha, bravo; the host name comes from 'uname -n' "
              "and can be overridden with --hostname\n");
}

TEST(Resolve, DuplicateResource) {
    EXPECT_EQ(Check(Res("", "r0", 0, 7788) + Res("", "r0", 1, 7789)),
              "t.conf:8:10: duplicate resource 'r0'\n"
              "resource r0 {\n"
              "         ^\n"
              "hint: resource names must be unique across all included files\n"
              "t.conf:1:10: note: 'r0' first defined here\n");
}

TEST(Resolve, TwoResourcesOnOneDevice) {
    EXPECT_EQ(Check(Res("", "r0", 0, 7788) + Res("", "r1", 0, 7789)),
              "t.conf:9:3: resources 'r0' and 'r1' both use minor 0 on host 'alpha'\n"
              "  device /dev/nb0;\n"
              "  ^\n"
              "hint: give each resource its own device\n"
              "t.conf:2:3: note: 'r0' uses it here\n"
              "t.conf:9:3: resources 'r0' and 'r1' both use minor 0 on host 'bravo'\n"
              "  device /dev/nb0;\n"
              "  ^\n"
              "hint: give each resource its own device\n"
              "t.conf:2:3: note: 'r0' uses it here\n");
}

TEST(Resolve, TwoResourcesOnOnePort) {
    std::string text = Res("", "r0", 0, 7788) +
                       "resource r1 {\n  device /dev/nb1; disk /dev/vdc; meta-disk internal;\n"
                       "  on alpha { address 10.0.0.1:7788; }\n"
                       "  on bravo { address 10.0.0.2:7790; }\n}\n";
    EXPECT_EQ(Check(text),
              "t.conf:10:14: resources 'r0' and 'r1' both use ipv4 10.0.0.1:7788 on host 'alpha'\n"
              "  on alpha { address 10.0.0.1:7788; }\n"
              "             ^\n"
              "hint: give each resource its own port\n"
              "t.conf:5:14: note: 'r0' uses it here\n");
}

TEST(Resolve, MissingPieces) {
    EXPECT_EQ(Check("resource r0 {\n  on alpha { }\n  on bravo { address 10.0.0.2:1; }\n}\n"),
              "t.conf:2:3: no 'device' in resource 'r0', host 'alpha'\n"
              "  on alpha { }\n"
              "  ^\n"
              "hint: add 'device /dev/nbN;'\n"
              "t.conf:2:3: no 'disk' in resource 'r0', host 'alpha'\n"
              "  on alpha { }\n"
              "  ^\n"
              "hint: add 'disk /dev/...;'\n"
              "t.conf:2:3: no 'meta-disk' in resource 'r0', host 'alpha'\n"
              "  on alpha { }\n"
              "  ^\n"
              "hint: add 'meta-disk internal;'\n"
              "t.conf:2:3: no 'address' in resource 'r0', host 'alpha'\n"
              "  on alpha { }\n"
              "  ^\n"
              "hint: add 'address IP:PORT;'\n");
}

TEST(Resolve, ThreeHostsAreRejected) {
    std::string text = "resource r0 {\n  device /dev/nb0; disk /dev/vdb; meta-disk internal;\n"
                       "  on alpha { address 10.0.0.1:1; }\n  on bravo { address 10.0.0.2:1; }\n"
                       "  on charlie { address 10.0.0.3:1; }\n}\n";
    EXPECT_EQ(Check(text),
              "t.conf:1:10: resource 'r0' has 2 peer host sections; nbr replicates between two "
              "hosts\n"
              "resource r0 {\n"
              "         ^\n"
              "hint: a resource needs exactly two 'on' (or 'floating') sections\n");
}

TEST(Resolve, ResyncAfterUnknownResource) {
    EXPECT_EQ(Check(Res("  disk { resync-after nope; }\n")),
              "t.conf:7:10: resync-after names unknown resource 'nope'\n"
              "  disk { resync-after nope; }\n"
              "         ^\n");
}

TEST(Resolve, SizeIsWholeFourKiBBlocks) {
    EXPECT_EQ(Check(Res("  disk { size 1001s; }\n")),
              "t.conf:7:10: 'size' must be a whole number of 4 KiB blocks, got 1001 sectors\n"
              "  disk { size 1001s; }\n"
              "         ^\n"
              "hint: round it down to a multiple of 8 sectors (4K)\n");
    EXPECT_EQ(Check(Res("  disk { size 6K; }\n")).substr(0, 45),
              "t.conf:7:10: 'size' must be a whole number of");
    EXPECT_EQ(Check(Res("  disk { size 1000s; }\n")), "");
    EXPECT_EQ(Check(Res("  disk { size 64M; }\n")), "");
}

TEST(Resolve, MixedAddressFamilies) {
    std::string text = "resource r0 {\n  device /dev/nb0; disk /dev/vdb; meta-disk internal;\n"
                       "  on alpha { address 10.0.0.1:1; }\n"
                       "  on bravo { address ipv6 [fd00::2]:1; }\n}\n";
    EXPECT_EQ(Check(text), "t.conf:4:14: the two addresses of resource 'r0' use different "
                           "address families\n"
                           "  on bravo { address ipv6 [fd00::2]:1; }\n"
                           "             ^\n");
}

TEST(Resolve, RunningConfiguration) {
    ParseResult r = ParseString("resource r0 {\n"
                                "  net { protocol B; timeout 30; }\n"
                                "  _this_host { device minor 0; disk /dev/vdb; meta-disk internal;"
                                " address ipv4 10.0.0.1:7788; }\n"
                                "  _remote_host { address ipv4 10.0.0.2:7788; }\n"
                                "}\n");
    ASSERT_TRUE(r.ok()) << r.diags.Render();
    auto run = ResolveRunning(r.config.resources[0], r.diags);
    ASSERT_TRUE(run);
    EXPECT_EQ(run->minor, 0);
    EXPECT_EQ(run->disk->path, "/dev/vdb");
    EXPECT_EQ(run->peer->addr, "10.0.0.2");
    EXPECT_EQ(run->options.Get("protocol"), "B");
    EXPECT_EQ(run->options.Get("timeout"), "30");
}

TEST(Resolve, RunningDisklessStandAlone) {
    ParseResult r = ParseString("resource r0 { _this_host { device minor 4; } }");
    auto run = ResolveRunning(r.config.resources[0], r.diags);
    ASSERT_TRUE(run);
    EXPECT_FALSE(run->disk);
    EXPECT_FALSE(run->peer);
}

} // namespace
} // namespace nbr::conf
