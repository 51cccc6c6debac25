#include "drbdsetup/cli.h"

#include <gtest/gtest.h>

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
    EXPECT_NE(Err({"/dev/nb0", "disk", "/dev/vdb", "/dev/vdc"}).find("needs an index"),
              std::string::npos);
    EXPECT_NE(Err({"/dev/nb0", "disk", "/dev/vdb", "internal", "0"}).find("takes no index"),
              std::string::npos);
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
