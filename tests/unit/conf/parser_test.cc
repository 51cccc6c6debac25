#include "conf/parser.h"
#include "test_util.h"

#include <gtest/gtest.h>

namespace nbr::conf {
namespace {

using testing::Check;
using testing::Errors;
using testing::Res;

TEST(Parser, IssueExampleParses) {
    ParseResult r = ParseString(R"(global { usage-count no; }
common { protocol C; net { cram-hmac-alg sha256; shared-secret "s3cr3t"; } }
resource r0 {
  device    /dev/nb0;
  disk      /dev/vdb;
  meta-disk internal;
  on alpha { address 10.99.0.1:7788; }
  on bravo { address 10.99.0.2:7788; }
  net     { protocol C; after-sb-0pri discard-zero-changes; }
  disk    { on-io-error detach; resync-rate 100M; }
  handlers { fence-peer "/usr/lib/nb/fence-peer"; }
  startup { wfc-timeout 30; degr-wfc-timeout 10; }
}
)");
    ASSERT_EQ(r.diags.Render(), "");
    ASSERT_EQ(r.config.resources.size(), 1u);
    const Resource& res = r.config.resources[0];
    EXPECT_EQ(res.name, "r0");
    EXPECT_EQ(res.device->minor, 0);
    EXPECT_EQ(res.disk->path, "/dev/vdb");
    EXPECT_TRUE(res.meta_disk->internal);
    ASSERT_EQ(res.hosts.size(), 2u);
    EXPECT_EQ(res.hosts[1].names[0], "bravo");
    EXPECT_EQ(res.hosts[1].address->ConfText(), "ipv4 10.99.0.2:7788");
    EXPECT_EQ(res.options.Find("resync-rate")->value, "102400"); // KiB/s
    EXPECT_EQ(res.options.Find("fence-peer")->value, "/usr/lib/nb/fence-peer");
    EXPECT_EQ(r.config.common.Find("protocol")->value, "C");
    EXPECT_EQ(r.config.global.Find("usage-count")->value, "no");
}

TEST(Parser, UnknownKeywordWithHint) {
    EXPECT_EQ(Errors("resource r0 {\n  devcie /dev/nb0;\n}\n"),
              "t.conf:2:3: unknown keyword 'devcie' in resource 'r0'\n"
              "  devcie /dev/nb0;\n"
              "  ^\n"
              "hint: did you mean 'device'?\n");
}

TEST(Parser, UnknownTopLevelKeyword) {
    EXPECT_EQ(Errors("resorce r0 { }\n"),
              "t.conf:1:1: expected 'global', 'common', 'resource' or 'include', got 'resorce'\n"
              "resorce r0 { }\n"
              "^\n"
              "hint: did you mean 'resource'?\n");
}

TEST(Parser, UnknownOptionWithHint) {
    EXPECT_EQ(Errors("common {\n  net { protocl C; }\n}\n"),
              "t.conf:2:9: unknown option 'protocl' in the 'net' section\n"
              "  net { protocl C; }\n"
              "        ^\n"
              "hint: did you mean 'protocol'?\n");
}

TEST(Parser, OptionInWrongSection) {
    EXPECT_EQ(Errors("common { disk { ping-int 10; } }"),
              "t.conf:1:17: unknown option 'ping-int' in the 'disk' section\n"
              "common { disk { ping-int 10; } }\n"
              "                ^\n"
              "hint: 'ping-int' belongs in the 'net' section\n");
}

TEST(Parser, WrongValueType) {
    EXPECT_EQ(Errors("common { net { timeout abc; } }"),
              "t.conf:1:24: 'timeout' expects a number, got 'abc'\n"
              "common { net { timeout abc; } }\n"
              "                       ^\n");
}

TEST(Parser, ValueOutOfRange) {
    EXPECT_EQ(Errors("common { net { timeout 6000; } }"),
              "t.conf:1:24: 'timeout' must be between 1 and 600 (0.1 seconds), got 6000\n"
              "common { net { timeout 6000; } }\n"
              "                       ^\n");
}

TEST(Parser, BadEnumListsChoices) {
    EXPECT_EQ(Errors("common { disk { on-io-error panic; } }"),
              "t.conf:1:29: invalid value 'panic' for 'on-io-error'; expected one of: pass_on "
              "call-local-io-error detach\n"
              "common { disk { on-io-error panic; } }\n"
              "                            ^\n");
}

TEST(Parser, BadBool) {
    EXPECT_EQ(Errors("common { disk { disk-flushes maybe; } }"),
              "t.conf:1:30: 'disk-flushes' expects yes or no, got 'maybe'\n"
              "common { disk { disk-flushes maybe; } }\n"
              "                             ^\n");
}

TEST(Parser, SizeSuffixesAndUnits) {
    ParseResult r = ParseString("common {\n"
                                "  disk { resync-rate 33M; c-fill-target 1M; size 10G; }\n"
                                "  net { sndbuf-size 512k; congestion-fill 100s; }\n"
                                "}\n");
    ASSERT_EQ(r.diags.Render(), "");
    EXPECT_EQ(r.config.common.Find("resync-rate")->value, "33792");   // KiB/s
    EXPECT_EQ(r.config.common.Find("c-fill-target")->value, "2048");  // sectors
    EXPECT_EQ(r.config.common.Find("size")->value, "20971520");       // sectors
    EXPECT_EQ(r.config.common.Find("sndbuf-size")->value, "524288");  // bytes
    EXPECT_EQ(r.config.common.Find("congestion-fill")->value, "100"); // sectors
}

TEST(Parser, SizeNotWholeUnit) {
    EXPECT_EQ(Errors("common { net { sndbuf-size 1x; } }"),
              "t.conf:1:28: 'sndbuf-size' expects a size (number with optional K, M or G "
              "suffix), got '1x'\n"
              "common { net { sndbuf-size 1x; } }\n"
              "                           ^\n");
    EXPECT_EQ(Errors("common { disk { resync-rate 1001s; } }"),
              "t.conf:1:29: '1001s' is not a whole number of KiB/s for 'resync-rate'\n"
              "common { disk { resync-rate 1001s; } }\n"
              "                            ^\n");
}

TEST(Parser, MissingSemicolonAtEndOfLine) {
    EXPECT_EQ(Errors("resource r0 {\n  device /dev/nb0\n  disk /dev/vdb;\n}\n"),
              "t.conf:2:18: missing ';' after 'device' statement\n"
              "  device /dev/nb0\n"
              "                 ^\n");
}

TEST(Parser, MissingSemicolonAfterOption) {
    EXPECT_EQ(Errors("common { net {\n  timeout 60\n  ping-int 10;\n} }\n"),
              "t.conf:2:13: missing ';' after 'timeout' statement\n"
              "  timeout 60\n"
              "            ^\n");
}

TEST(Parser, ValueOnNextLineIsAccepted) {
    EXPECT_EQ(Errors("common { net {\n  shared-secret\n    \"abc\";\n} }\n"), "");
}

TEST(Parser, MissingBraceBeforeNextSection) {
    EXPECT_EQ(Errors("resource r0 {\n  net { protocol C;\n  disk { on-io-error detach; }\n}\n"),
              "t.conf:3:3: missing '}' to close the 'net' section (opened at line 2)\n"
              "  disk { on-io-error detach; }\n"
              "  ^\n");
}

TEST(Parser, MissingBraceAtEndOfFile) {
    EXPECT_EQ(Errors("resource r0 {\n  device /dev/nb0;\n"),
              "t.conf:3:1: missing '}' to close resource 'r0' (opened at line 1)\n"
              "\n"
              "^\n");
}

TEST(Parser, MissingBraceBeforeNextResource) {
    EXPECT_EQ(Errors("resource r0 {\n  device /dev/nb0;\nresource r1 {\n}\n"),
              "t.conf:3:1: missing '}' to close resource 'r0' (opened at line 1)\n"
              "resource r1 {\n"
              "^\n");
}

TEST(Parser, StrayClosingBrace) {
    EXPECT_EQ(Errors("}\n"), "t.conf:1:1: unexpected '}' (no block is open here)\n}\n^\n");
}

TEST(Parser, UnterminatedString) {
    EXPECT_EQ(Errors("common { handlers { split-brain \"/bin/true; } }"),
              "t.conf:1:33: unterminated string\n"
              "common { handlers { split-brain \"/bin/true; } }\n"
              "                                ^\n"
              "t.conf:1:48: missing '}' to close the 'handlers' section (opened at line 1)\n"
              "common { handlers { split-brain \"/bin/true; } }\n"
              "                                               ^\n"
              "t.conf:1:48: missing '}' to close 'common' (opened at line 1)\n"
              "common { handlers { split-brain \"/bin/true; } }\n"
              "                                               ^\n");
}

TEST(Parser, CollectsAllErrors) {
    ParseResult r = ParseString("common {\n"
                                "  net { timeout x; ping-int 0; }\n"
                                "  disk { bogus 1; }\n"
                                "}\n"
                                "resource r0 { wrong; }\n");
    EXPECT_EQ(r.diags.ErrorCount(), 4u) << r.diags.Render();
}

TEST(Parser, OptionSetTwice) {
    EXPECT_EQ(Errors("common {\n  net { timeout 10; }\n  net { timeout 20; }\n}\n"),
              "t.conf:3:9: 'timeout' is set twice\n"
              "  net { timeout 20; }\n"
              "        ^\n"
              "t.conf:2:9: note: first set here\n");
}

TEST(Parser, BareAndNegatedBooleans) {
    ParseResult r =
        ParseString("common { disk { no-disk-flushes; md-flushes; disk-barrier no; } }");
    ASSERT_EQ(r.diags.Render(), "");
    EXPECT_EQ(r.config.common.Find("disk-flushes")->value, "no");
    EXPECT_EQ(r.config.common.Find("md-flushes")->value, "yes");
    EXPECT_EQ(r.config.common.Find("disk-barrier")->value, "no");
}

TEST(Parser, SyncerSectionIsMapped) {
    ParseResult r =
        ParseString("common { syncer { rate 10M; after r1; verify-alg sha1; } }", "t.conf");
    EXPECT_FALSE(r.diags.HasErrors());
    EXPECT_EQ(r.config.common.Find("resync-rate")->value, "10240");
    EXPECT_EQ(r.config.common.Find("resync-after")->value, "r1");
    EXPECT_EQ(r.config.common.Find("verify-alg")->spec->section, Section::Net);
    EXPECT_EQ(r.diags.Render(),
              "t.conf:1:10: warning: the 'syncer' section is obsolete\n"
              "common { syncer { rate 10M; after r1; verify-alg sha1; } }\n"
              "         ^\n"
              "hint: its options moved to the 'disk' and 'net' sections ('rate' is now "
              "'resync-rate'); 'drbdadm dump' prints the new form\n");
}

TEST(Parser, LegacyProtocolAtResourceLevel) {
    ParseResult r = ParseString(Res("  protocol A;\n"));
    ASSERT_TRUE(r.ok()) << r.diags.Render();
    EXPECT_EQ(r.config.resources[0].options.Find("protocol")->value, "A");
}

TEST(Parser, OutdatePeerIsFencePeer) {
    ParseResult r = ParseString("common { handlers { outdate-peer \"/x\"; } }");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.config.common.Find("fence-peer")->value, "/x");
}

TEST(Parser, DeviceForms) {
    ParseResult r = ParseString("resource a { device minor 3; }\n"
                                "resource b { device /dev/data minor 4; }\n"
                                "resource c { device /dev/nb5; }\n");
    ASSERT_TRUE(r.ok()) << r.diags.Render();
    EXPECT_EQ(r.config.resources[0].device->path, "/dev/nb3");
    EXPECT_EQ(r.config.resources[1].device->path, "/dev/data");
    EXPECT_EQ(r.config.resources[1].device->minor, 4);
    EXPECT_EQ(r.config.resources[2].device->minor, 5);
}

TEST(Parser, DeviceWithoutMinor) {
    EXPECT_EQ(Errors("resource a { device /dev/drbd0; }"),
              "t.conf:1:21: cannot tell the minor number of '/dev/drbd0'\n"
              "resource a { device /dev/drbd0; }\n"
              "                    ^\n"
              "hint: write 'device /dev/nbN;', 'device minor N;' or 'device PATH minor N;'\n");
}

TEST(Parser, MetaDiskForms) {
    ParseResult r = ParseString("resource a { meta-disk /dev/md [2]; }\n"
                                "resource b { meta-disk /dev/md[3]; }\n"
                                "resource c { meta-disk /dev/md; }\n"
                                "resource d { flexible-meta-disk /dev/md; }\n");
    ASSERT_TRUE(r.ok()) << r.diags.Render();
    EXPECT_EQ(r.config.resources[0].meta_disk->index, 2);
    EXPECT_EQ(r.config.resources[1].meta_disk->index, 3);
    EXPECT_EQ(r.config.resources[2].meta_disk->index, -1);
    EXPECT_FALSE(r.config.resources[3].meta_disk->internal);
}

TEST(Parser, Addresses) {
    ParseResult r = ParseString("resource a {\n"
                                "  on x { address ipv6 [fd00::1]:7788; }\n"
                                "  on y { address ipv4 10.0.0.2:7789; }\n"
                                "  on z { address [::1]:1; }\n"
                                "}\n");
    ASSERT_TRUE(r.ok()) << r.diags.Render();
    const Resource& res = r.config.resources[0];
    EXPECT_EQ(res.hosts[0].address->SetupText(), "ipv6:[fd00::1]:7788");
    EXPECT_EQ(res.hosts[1].address->SetupText(), "ipv4:10.0.0.2:7789");
    EXPECT_EQ(res.hosts[2].address->family, "ipv6");
}

TEST(Parser, BadAddresses) {
    EXPECT_EQ(Errors("resource a { on x { address 10.0.0.300:7788; } }"),
              "t.conf:1:29: invalid ipv4 address '10.0.0.300'\n"
              "resource a { on x { address 10.0.0.300:7788; } }\n"
              "                            ^\n"
              "hint: write 'address 10.0.0.1:7788;' or 'address ipv6 [fd00::1]:7788;'\n");
    EXPECT_EQ(Errors("resource a { on x { address 10.0.0.1; } }"),
              "t.conf:1:29: address '10.0.0.1' has no port\n"
              "resource a { on x { address 10.0.0.1; } }\n"
              "                            ^\n"
              "hint: write 'address 10.0.0.1:7788;' or 'address ipv6 [fd00::1]:7788;'\n");
    EXPECT_EQ(Errors("resource a { on x { address ipv6 fd00::1:7788; } }"),
              "t.conf:1:34: IPv6 addresses are written in brackets: [fd00::1]\n"
              "resource a { on x { address ipv6 fd00::1:7788; } }\n"
              "                                 ^\n"
              "hint: write 'address 10.0.0.1:7788;' or 'address ipv6 [fd00::1]:7788;'\n");
}

TEST(Parser, OneVolumeIsAccepted) {
    ParseResult r = ParseString("resource a {\n"
                                "  volume 0 { device /dev/nb3; disk /dev/vdb; meta-disk internal;\n"
                                "             disk { resync-after b; } }\n"
                                "  on x { volume 0 { disk /dev/vdc; } address 10.0.0.1:1; }\n"
                                "}\n");
    ASSERT_TRUE(r.ok()) << r.diags.Render();
    const Resource& res = r.config.resources[0];
    EXPECT_EQ(res.device->minor, 3);
    EXPECT_EQ(res.disk->path, "/dev/vdb");
    EXPECT_EQ(res.options.Find("resync-after")->value, "b");
    EXPECT_EQ(res.hosts[0].disk->path, "/dev/vdc");
}

TEST(Parser, SecondVolumeIsRejected) {
    EXPECT_EQ(Errors("resource a {\n  volume 0 { device /dev/nb0; }\n  volume 1 { device "
                     "/dev/nb1; }\n}\n"),
              "t.conf:3:3: an nbr resource has one volume; this is a second one\n"
              "  volume 1 { device /dev/nb1; }\n"
              "  ^\n"
              "hint: make each volume a resource of its own\n"
              "t.conf:2:3: note: the first volume is here\n");
}

TEST(Parser, NoAddressInVolume) {
    EXPECT_EQ(Errors("resource a { on x { volume 0 { address 10.0.0.1:1; } } }"),
              "t.conf:1:32: unknown keyword 'address' in 'volume 0'\n"
              "resource a { on x { volume 0 { address 10.0.0.1:1; } } }\n"
              "                               ^\n");
}

TEST(Parser, SkipCommentsOutABlock) {
    ParseResult r = ParseString("skip resource r9 { nonsense { x; } }\n" + Res(""));
    ASSERT_TRUE(r.ok()) << r.diags.Render();
    EXPECT_EQ(r.config.resources.size(), 1u);
}

TEST(Parser, IncludeGlobRelativeToFile) {
    MemoryFileSystem fs;
    fs.Add("/etc/drbd.d/a.res", Res("", "a", 0, 7788));
    fs.Add("/etc/drbd.d/b.res", Res("", "b", 1, 7789));
    fs.Add("/etc/drbd.d/skip.txt", "garbage");
    ParseResult r = ParseString("include \"drbd.d/*.res\";\n", "/etc/drbd.conf", &fs);
    ASSERT_TRUE(r.ok()) << r.diags.Render();
    ASSERT_EQ(r.config.resources.size(), 2u);
    EXPECT_EQ(r.config.resources[0].name, "a");
    EXPECT_EQ(r.config.resources[1].loc.file, "/etc/drbd.d/b.res");
}

TEST(Parser, IncludeGlobWithoutMatchIsFine) {
    MemoryFileSystem fs;
    EXPECT_TRUE(ParseString("include \"drbd.d/*.res\";\n", "/etc/drbd.conf", &fs).ok());
}

TEST(Parser, IncludeMissingFile) {
    MemoryFileSystem fs;
    EXPECT_EQ(ParseString("include \"drbd.d/r0.res\";\n", "/etc/drbd.conf", &fs).diags.Render(),
              "/etc/drbd.conf:1:9: cannot read '/etc/drbd.d/r0.res': No such file or directory\n"
              "include \"drbd.d/r0.res\";\n"
              "        ^\n");
}

TEST(Parser, IncludeLoopIsDetected) {
    MemoryFileSystem fs;
    fs.Add("/etc/a.conf", "include \"b.conf\";\n");
    fs.Add("/etc/b.conf", "include \"/etc/./a.conf\";\n");
    ParseResult r = ParseFile("/etc/a.conf", fs);
    EXPECT_EQ(r.diags.Render(),
              "/etc/b.conf:1:9: include loop: '/etc/./a.conf' is already being read\n"
              "include \"/etc/./a.conf\";\n"
              "        ^\n"
              "hint: remove the include that leads back to this file\n");
}

TEST(Parser, IncludeDepthIsLimited) {
    MemoryFileSystem fs;
    for (int i = 0; i < 40; ++i)
        fs.Add("/f" + std::to_string(i), "include \"/f" + std::to_string(i + 1) + "\";");
    fs.Add("/f40", "");
    ParseResult r = ParseFile("/f0", fs);
    EXPECT_EQ(r.diags.ErrorCount(), 1u);
    EXPECT_NE(r.diags.Render().find("includes nested more than 16 deep"), std::string::npos);
}

TEST(Parser, MissingTopLevelFile) {
    MemoryFileSystem fs;
    EXPECT_EQ(ParseFile("/etc/drbd.conf", fs).diags.Render(),
              "/etc/drbd.conf: cannot read the configuration: No such file or directory\n"
              "hint: use -c FILE to name another configuration file\n");
}

TEST(Parser, TooManyErrorsStops) {
    std::string text;
    for (int i = 0; i < 200; ++i)
        text += "bogus;\n";
    ParseResult r = ParseString(text);
    EXPECT_EQ(r.diags.ErrorCount(), Diagnostics::kMaxErrors);
}

} // namespace
} // namespace nbr::conf
