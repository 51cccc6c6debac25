#include "drbdsetup/cli.h"

#include <gtest/gtest.h>
#include <nbr/version.h>

namespace nbr::drbdsetup {
namespace {

Invocation Ok(std::vector<std::string> args) {
    ParseOutcome o = Parse(args);
    EXPECT_TRUE(o.inv) << o.err;
    EXPECT_EQ(o.err, "");
    return o.inv.value_or(Invocation{});
}

std::string Err(std::vector<std::string> args) {
    ParseOutcome o = Parse(args);
    EXPECT_FALSE(o.inv);
    EXPECT_EQ(o.exit_code, kExitUsage);
    return o.err;
}

TEST(Cli, NewMinorTakesNumberAndResource) {
    Invocation i = Ok({"new-minor", "3", "--resource", "r0"});
    EXPECT_EQ(i.verb, Verb::NewMinor);
    EXPECT_EQ(i.minor, 3u);
    EXPECT_EQ(i.resource, "r0");
}

TEST(Cli, NewMinorNeedsResource) {
    EXPECT_NE(Err({"new-minor", "3"}).find("--resource is required"), std::string::npos);
}

TEST(Cli, NewMinorRejectsDevicePath) {
    EXPECT_NE(Err({"new-minor", "/dev/nb3", "--resource", "r0"})
                  .find("expected a minor number, got '/dev/nb3'"),
              std::string::npos);
}

TEST(Cli, DeviceFirstOrVerbFirst) {
    EXPECT_EQ(Ok({"/dev/nb2", "primary"}).minor, 2u);
    EXPECT_EQ(Ok({"primary", "/dev/nb2"}).minor, 2u);
    EXPECT_EQ(Ok({"7", "secondary"}).minor, 7u);
    EXPECT_EQ(Ok({"7", "secondary"}).verb, Verb::Secondary);
}

TEST(Cli, BadDevice) {
    EXPECT_NE(Err({"/dev/sda", "primary"}).find("got '/dev/sda'"), std::string::npos);
    EXPECT_NE(
        Err({"primary", "/dev/sda"}).find("expected /dev/nbN or a minor number, got '/dev/sda'"),
        std::string::npos);
    EXPECT_NE(Err({"primary", "/dev/nb"}).find("expected /dev/nbN"), std::string::npos);
    EXPECT_NE(Err({"primary", "-1"}).find("expected /dev/nbN"), std::string::npos);
}

TEST(Cli, PrimaryForce) {
    EXPECT_FALSE(Ok({"/dev/nb0", "primary"}).force);
    EXPECT_TRUE(Ok({"/dev/nb0", "primary", "--force"}).force);
    EXPECT_NE(Err({"/dev/nb0", "secondary", "--force"}).find("--force"), std::string::npos);
}

TEST(Cli, DiskInternalWithOptions) {
    Invocation i = Ok({"/dev/nb0", "disk", "/dev/vdb", "internal", "--on-io-error=pass_on",
                       "--size=64M", "--resync-rate=102400"});
    EXPECT_EQ(i.verb, Verb::Disk);
    EXPECT_EQ(i.lower, "/dev/vdb");
    EXPECT_EQ(i.meta, "internal");
    EXPECT_FALSE(i.meta_index);
    ASSERT_EQ(i.options.size(), 3u);
    EXPECT_EQ(i.options[0], (Option{"on-io-error", "pass_on"}));
    EXPECT_EQ(i.options[1], (Option{"size", "131072"})); // sectors
    EXPECT_EQ(i.options[2], (Option{"resync-rate", "102400"}));
}

TEST(Cli, DiskExternalNeedsIndex) {
    Invocation i = Ok({"/dev/nb0", "disk", "/dev/vdb", "/dev/vdc", "-1"});
    EXPECT_EQ(i.meta, "/dev/vdc");
    EXPECT_EQ(i.meta_index, -1);
    EXPECT_EQ(Ok({"/dev/nb0", "disk", "/dev/vdb", "/dev/vdc", "flexible"}).meta_index, -1);
    EXPECT_EQ(Ok({"/dev/nb0", "disk", "/dev/vdb", "/dev/vdc", "7"}).meta_index, 7);
    EXPECT_NE(Err({"/dev/nb0", "disk", "/dev/vdb", "/dev/vdc"}).find("needs an index"),
              std::string::npos);
    EXPECT_NE(Err({"/dev/nb0", "disk", "/dev/vdb", "internal", "0"}).find("takes no index"),
              std::string::npos);
}

TEST(Cli, DiskExternalBadIndexOrDevice) {
    for (const char* bad : {"-2", "flex", "1x", "99999999999"})
        EXPECT_NE(Err({"/dev/nb0", "disk", "/dev/vdb", "/dev/vdc", bad})
                      .find("metadata index must be 'flexible', -1 (flexible) or a number >= 0, "
                            "got '" +
                            std::string(bad) + "'"),
                  std::string::npos)
            << bad;
    EXPECT_NE(Err({"/dev/nb0", "disk", "/dev/vdb", "vdc", "0"})
                  .find("metadata device 'vdc' is not an absolute path"),
              std::string::npos);
    EXPECT_NE(Err({"/dev/nb0", "disk", "/dev/vdb", "/dev/vdb", "flexible"})
                  .find("is the backing device itself; use 'internal'"),
              std::string::npos);
}

TEST(Cli, DiskResyncOptionRanges) {
    std::vector<std::string> base = {"/dev/nb0", "disk", "/dev/vdb", "internal"};
    auto with = [&](const char* opt) {
        std::vector<std::string> a = base;
        a.push_back(opt);
        return a;
    };
    EXPECT_NE(Err(with("--al-extents=65535")).find("'al-extents' must be between 7 and 65534"),
              std::string::npos);
    EXPECT_NE(Err(with("--resync-rate=0")).find("'resync-rate' must be between 1 and 4194304"),
              std::string::npos);
    EXPECT_NE(Err(with("--resync-rate=fast")).find("'resync-rate' expects a size"),
              std::string::npos);
    EXPECT_NE(Err(with("--c-plan-ahead=301")).find("'c-plan-ahead' must be between 0 and 300"),
              std::string::npos);
    EXPECT_NE(Err(with("--c-max-rate=100")).find("'c-max-rate' must be between 250"),
              std::string::npos);
    EXPECT_NE(Err(with("--c-min-rate=-1")).find("'c-min-rate' expects a size"), std::string::npos);
    Invocation i = Ok(with("--c-min-rate=1M"));
    ASSERT_EQ(i.options.size(), 1u);
    EXPECT_EQ(i.options[0], (Option{"c-min-rate", "1024"})); // KiB/s
}

TEST(Cli, ResyncVerbs) {
    EXPECT_EQ(Ok({"/dev/nb1", "invalidate"}).verb, Verb::Invalidate);
    EXPECT_EQ(Ok({"invalidate-remote", "/dev/nb1"}).verb, Verb::InvalidateRemote);
    EXPECT_EQ(Ok({"1", "pause-sync"}).verb, Verb::PauseSync);
    EXPECT_EQ(Ok({"/dev/nb1", "resume-sync"}).verb, Verb::ResumeSync);
    EXPECT_EQ(Ok({"/dev/nb1", "outdate"}).verb, Verb::Outdate);
    Invocation v = Ok({"/dev/nb1", "verify"});
    EXPECT_EQ(v.verb, Verb::Verify);
    EXPECT_FALSE(v.start_sector);
    EXPECT_EQ(Ok({"/dev/nb1", "verify", "--start=2048"}).start_sector, 2048u);
    Invocation n = Ok({"/dev/nb1", "new-current-uuid"});
    EXPECT_EQ(n.verb, Verb::NewCurrentUuid);
    EXPECT_FALSE(n.clear_bitmap);
    EXPECT_TRUE(Ok({"/dev/nb1", "new-current-uuid", "--clear-bitmap"}).clear_bitmap);
}

TEST(Cli, ResyncVerbErrors) {
    EXPECT_NE(Err({"/dev/nb1", "verify", "--start="}).find("--start"), std::string::npos);
    for (const char* bad : {"-1", "abc", "12k", "18446744073709551616"})
        EXPECT_NE(Err({"/dev/nb1", "verify", std::string("--start=") + bad})
                      .find("--start must be a sector number"),
                  std::string::npos)
            << bad;
    EXPECT_NE(Err({"/dev/nb1", "invalidate", "--force"}).find("--force"), std::string::npos);
    EXPECT_NE(Err({"/dev/nb1", "pause-sync", "extra"}).find("extra"), std::string::npos);
    EXPECT_NE(Err({"/dev/nb1", "verify", "--clear-bitmap"}).find("--clear-bitmap"),
              std::string::npos);
    EXPECT_NE(Err({"/dev/sda", "outdate"}).find("got '/dev/sda'"), std::string::npos);
    EXPECT_NE(Err({"invalidate"}).find("device"), std::string::npos);
}

TEST(Cli, ResyncVerbsHaveHelp) {
    for (const char* verb : {"invalidate", "invalidate-remote", "pause-sync", "resume-sync",
                             "verify", "new-current-uuid", "outdate"}) {
        ParseOutcome o = Parse({verb, "--help"});
        EXPECT_EQ(o.exit_code, 0) << verb;
        EXPECT_FALSE(o.inv);
        EXPECT_NE(o.out.find(verb), std::string::npos) << o.out;
    }
    EXPECT_NE(Parse({"verify", "--help"}).out.find("--start"), std::string::npos);
    EXPECT_NE(Parse({"new-current-uuid", "--help"}).out.find("--clear-bitmap"), std::string::npos);
    EXPECT_NE(Parse({"--help"}).out.find("invalidate-remote"), std::string::npos);
}

TEST(Cli, VersionNeedsNoCommand) {
    ParseOutcome o = Parse({"--version"});
    EXPECT_EQ(o.exit_code, 0);
    EXPECT_FALSE(o.inv);
    EXPECT_EQ(o.out, "drbdsetup (nbr) " NBR_VERSION "\n");
}

TEST(Cli, DiskOptionErrors) {
    EXPECT_NE(Err({"/dev/nb0", "disk", "/dev/vdb", "internal", "--on-io-error=explode"})
                  .find("invalid value 'explode' for 'on-io-error'"),
              std::string::npos);
    EXPECT_NE(Err({"/dev/nb0", "disk", "/dev/vdb", "internal", "--timeout=5"})
                  .find("unknown disk option '--timeout'"),
              std::string::npos);
    EXPECT_NE(
        Err({"/dev/nb0", "disk", "/dev/vdb", "internal", "--al-extents=3"}).find("al-extents"),
        std::string::npos);
    EXPECT_NE(Err({"/dev/nb0", "disk", "/dev/vdb", "internal", "--size"}).find("needs a value"),
              std::string::npos);
}

TEST(Cli, NetPositionalsAndOptions) {
    Invocation i = Ok({"/dev/nb0", "net", "ipv4:10.99.0.1:7788", "ipv4:10.99.0.2:7788", "C",
                       "--timeout=60", "--shared-secret=a b c", "--cram-hmac-alg=sha256",
                       "--allow-two-primaries", "--discard-my-data"});
    EXPECT_EQ(i.verb, Verb::Net);
    EXPECT_EQ(i.local, "ipv4:10.99.0.1:7788");
    EXPECT_EQ(i.peer, "ipv4:10.99.0.2:7788");
    EXPECT_EQ(i.protocol, "C");
    EXPECT_TRUE(i.discard_my_data);
    ASSERT_EQ(i.options.size(), 4u);
    EXPECT_EQ(i.options[1], (Option{"shared-secret", "a b c"}));
    EXPECT_EQ(i.options[3], (Option{"allow-two-primaries", "yes"}));
}

TEST(Cli, NetRejectsBadProtocolAndRanges) {
    EXPECT_NE(Err({"/dev/nb0", "net", "ipv4:1.2.3.4:1", "ipv4:1.2.3.5:1", "D"})
                  .find("protocol must be A, B or C, got 'D'"),
              std::string::npos);
    EXPECT_NE(Err({"/dev/nb0", "net", "ipv4:1.2.3.4:1", "ipv4:1.2.3.5:1", "C", "--timeout=0"})
                  .find("'timeout'"),
              std::string::npos);
    EXPECT_NE(Err({"/dev/nb0", "net", "ipv4:1.2.3.4:1", "ipv4:1.2.3.5:1", "C", "--size=1"})
                  .find("unknown net option '--size'"),
              std::string::npos);
}

TEST(Cli, StatusJsonEventsWaitConnect) {
    EXPECT_TRUE(Ok({"/dev/nb0", "status", "--json"}).json);
    EXPECT_FALSE(Ok({"/dev/nb0", "status"}).json);
    EXPECT_TRUE(Ok({"events", "--json"}).json);
    EXPECT_EQ(Ok({"events"}).verb, Verb::Events);
    EXPECT_EQ(Ok({"/dev/nb0", "wait-connect", "--timeout=5"}).timeout, 5u);
    EXPECT_FALSE(Ok({"/dev/nb0", "wait-connect"}).timeout);
    EXPECT_NE(Err({"/dev/nb0", "wait-connect", "--timeout=soon"}).find("timeout"),
              std::string::npos);
}

TEST(Cli, WaitSyncTakesADeviceAndATimeout) {
    EXPECT_EQ(Ok({"/dev/nb2", "wait-sync", "--timeout=60"}).verb, Verb::WaitSync);
    EXPECT_EQ(Ok({"/dev/nb2", "wait-sync", "--timeout=60"}).timeout, 60u);
    EXPECT_EQ(Ok({"/dev/nb2", "wait-sync"}).minor, 2u);
    EXPECT_FALSE(Ok({"/dev/nb2", "wait-sync"}).timeout);
    EXPECT_NE(Err({"/dev/nb0", "wait-sync", "--timeout=-1"}).find("timeout"), std::string::npos);
    EXPECT_NE(Err({"wait-sync"}).find("device"), std::string::npos);
    EXPECT_NE(Parse({"wait-sync", "--help"}).out.find("in sync"), std::string::npos);
}

TEST(Cli, UnknownCommandAndNoCommand) {
    EXPECT_NE(Err({"/dev/nb0", "explode"}).find("unknown command 'explode'"), std::string::npos);
    EXPECT_NE(Err({"explode"}).find("unknown command 'explode'"), std::string::npos);
    EXPECT_NE(Err({}).find("drbdsetup"), std::string::npos);
}

TEST(Cli, HelpPerCommand) {
    ParseOutcome o = Parse({"primary", "--help"});
    EXPECT_FALSE(o.inv);
    EXPECT_EQ(o.exit_code, 0);
    EXPECT_NE(o.out.find("--force"), std::string::npos);
    EXPECT_NE(o.out.find("Promote"), std::string::npos);
    ParseOutcome all = Parse({"--help"});
    EXPECT_EQ(all.exit_code, 0);
    EXPECT_NE(all.out.find("wait-connect"), std::string::npos);
    ParseOutcome dev = Parse({"/dev/nb0", "disk", "--help"});
    EXPECT_NE(dev.out.find("Backing block device"), std::string::npos);
}

} // namespace
} // namespace nbr::drbdsetup
