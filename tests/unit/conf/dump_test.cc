#include "conf/dump.h"
#include "conf/parser.h"
#include "test_util.h"

#include <gtest/gtest.h>

namespace nbr::conf {
namespace {

TEST(Dump, CanonicalForm) {
    ParseResult r = ParseString(
        "global { usage-count no; }\n"
        "common { protocol C; syncer { rate 33M; } net { cram-hmac-alg sha1; } }\n"
        "resource r0 {\n"
        "  disk { c-fill-target 100; no-disk-flushes; } device minor 0; disk \"/dev/vdb\";\n"
        "  meta-disk /dev/md [1];\n"
        "  handlers { split-brain \"/bin/echo \\\"hi\\\"\"; }\n"
        "  on alpha { address 10.0.0.1:7788; }\n"
        "  on \"bravo b\" { address ipv6 [fd00::2]:7788; disk { resync-rate 1000; } }\n"
        "}\n",
        "t.conf");
    ASSERT_TRUE(r.ok()) << r.diags.Render();
    EXPECT_EQ(Dump(r.config), "global {\n"
                              "    usage-count no;\n"
                              "}\n"
                              "\n"
                              "common {\n"
                              "    net {\n"
                              "        protocol C;\n"
                              "        cram-hmac-alg \"sha1\";\n"
                              "    }\n"
                              "    disk {\n"
                              "        resync-rate 33M;\n"
                              "    }\n"
                              "}\n"
                              "\n"
                              "# t.conf:3\n"
                              "resource r0 {\n"
                              "    device /dev/nb0;\n"
                              "    disk /dev/vdb;\n"
                              "    meta-disk /dev/md [1];\n"
                              "    disk {\n"
                              "        disk-flushes no;\n"
                              "        c-fill-target 50K;\n"
                              "    }\n"
                              "    handlers {\n"
                              "        split-brain \"/bin/echo \\\"hi\\\"\";\n"
                              "    }\n"
                              "    on alpha {\n"
                              "        address ipv4 10.0.0.1:7788;\n"
                              "    }\n"
                              "    on \"bravo b\" {\n"
                              "        address ipv6 [fd00::2]:7788;\n"
                              "        disk {\n"
                              "            resync-rate 1000K;\n"
                              "        }\n"
                              "    }\n"
                              "}\n");
}

// parse -> dump -> parse -> dump gives the same text.
TEST(Dump, RoundTripIsStable) {
    const char* text = "common { net { timeout 60; sndbuf-size 1000; } disk { size 3s; } }\n"
                       "resource \"odd name\" { device /dev/x minor 7; meta-disk internal;\n"
                       "  floating ipv6 [fd00::1]:7788 { disk /dev/a; }\n"
                       "  floating 10.0.0.2:7788;\n"
                       "  startup { become-primary-on both; wfc-timeout 10; }\n"
                       "  options { cpu-mask 3; on-no-data-accessible suspend-io; }\n"
                       "}\n";
    ParseResult first = ParseString(text, "t.conf");
    ASSERT_TRUE(first.ok()) << first.diags.Render();
    std::string dumped = Dump(first.config, false);
    ParseResult second = ParseString(dumped, "dump.conf");
    ASSERT_TRUE(second.ok()) << second.diags.Render() << dumped;
    EXPECT_EQ(Dump(second.config, false), dumped);
}

} // namespace
} // namespace nbr::conf
