#include "fixture.h"

namespace nbr::drbdadm {
namespace {

using Lines = std::vector<std::string>;

class Verbs : public testing::Drbdadm {};

const char* kAttachR0 = "drbdsetup /dev/nb0 disk /dev/vdb internal --on-io-error=detach "
                        "--resync-rate=102400";
const char* kConnectR0 =
    "drbdsetup /dev/nb0 net ipv4:10.99.0.1:7788 ipv4:10.99.0.2:7788 C --peer-name=bravo "
    "--cram-hmac-alg=sha256 --shared-secret=s3cr3t "
    "--after-sb-0pri=discard-zero-changes";

TEST_F(Verbs, Up) {
    EXPECT_EQ(Run({"up", "r0"}), 0) << err.str();
    EXPECT_EQ(runner.log, (Lines{"drbdsetup new-minor 0 --resource r0", kAttachR0, kConnectR0}));
    EXPECT_EQ(err.str(), "");
}

TEST_F(Verbs, UpIPv6ExternalMetaOtherHost) {
    EXPECT_EQ(Run({"--hostname", "bravo", "up", "r1"}), 0) << err.str();
    EXPECT_EQ(
        runner.log,
        (Lines{"drbdsetup new-minor 1 --resource r1",
               "drbdsetup /dev/nb1 disk /dev/vdc /dev/vdd 0 --resync-rate=102400",
               "drbdsetup /dev/nb1 net ipv6:[fd00::2]:7789 ipv6:[fd00::1]:7789 A --peer-name=alpha "
               "--timeout=90 --cram-hmac-alg=sha256 --shared-secret=s3cr3t"}));
}

TEST_F(Verbs, DryRunPrintsInsteadOfRunning) {
    EXPECT_EQ(Run({"-d", "up", "r0"}), 0);
    EXPECT_TRUE(runner.log.empty());
    EXPECT_EQ(out.str(), std::string("drbdsetup new-minor 0 --resource r0\n") + kAttachR0 + "\n" +
                             kConnectR0 + "\n");
}

TEST_F(Verbs, DryRunAfterTheVerb) {
    EXPECT_EQ(Run({"down", "r0", "--dry-run"}), 0);
    EXPECT_EQ(out.str(), "drbdsetup /dev/nb0 down\ndrbdsetup del-minor 0\n");
}

TEST_F(Verbs, Down) {
    EXPECT_EQ(Run({"down", "r0"}), 0);
    EXPECT_EQ(runner.log, (Lines{"drbdsetup /dev/nb0 down", "drbdsetup del-minor 0"}));
}

TEST_F(Verbs, AttachCreatesTheMinorOnlyWhenItIsMissing) {
    EXPECT_EQ(Run({"attach", "r0"}), 0);
    EXPECT_EQ(runner.log, (Lines{"drbdsetup /dev/nb0 status --json",
                                 "drbdsetup new-minor 0 --resource r0", kAttachR0}));
    runner.OnQuery("drbdsetup /dev/nb0 status --json", 0, "{}");
    EXPECT_EQ(Run({"attach", "r0"}), 0);
    EXPECT_EQ(runner.log, (Lines{"drbdsetup /dev/nb0 status --json", kAttachR0}));
}

TEST_F(Verbs, AttachDetachConnectDisconnect) {
    runner.OnQuery("drbdsetup /dev/nb0 status --json", 0, "{}");
    EXPECT_EQ(Run({"attach", "r0"}), 0);
    EXPECT_EQ(runner.log, (Lines{"drbdsetup /dev/nb0 status --json", kAttachR0}));
    EXPECT_EQ(Run({"detach", "r0"}), 0);
    EXPECT_EQ(runner.log, (Lines{"drbdsetup /dev/nb0 detach"}));
    EXPECT_EQ(Run({"connect", "r0"}), 0);
    EXPECT_EQ(runner.log, (Lines{kConnectR0}));
    EXPECT_EQ(Run({"connect", "--discard-my-data", "r0"}), 0);
    EXPECT_EQ(runner.log, (Lines{std::string(kConnectR0) + " --discard-my-data"}));
    EXPECT_EQ(Run({"disconnect", "r0"}), 0);
    EXPECT_EQ(runner.log, (Lines{"drbdsetup /dev/nb0 disconnect"}));
}

TEST_F(Verbs, PrimarySecondary) {
    EXPECT_EQ(Run({"primary", "r0"}), 0);
    EXPECT_EQ(runner.log, (Lines{"drbdsetup /dev/nb0 primary"}));
    EXPECT_EQ(Run({"primary", "--force", "r0"}), 0);
    EXPECT_EQ(runner.log, (Lines{"drbdsetup /dev/nb0 primary --force"}));
    EXPECT_EQ(Run({"secondary", "r0"}), 0);
    EXPECT_EQ(runner.log, (Lines{"drbdsetup /dev/nb0 secondary"}));
}

TEST_F(Verbs, StatusAndWaitConnect) {
    EXPECT_EQ(Run({"status", "r0"}), 0);
    EXPECT_EQ(runner.log, (Lines{"drbdsetup /dev/nb0 status"}));
    EXPECT_EQ(Run({"wait-connect", "r0", "r1"}), 0);
    EXPECT_EQ(runner.log, (Lines{"drbdsetup /dev/nb0 wait-connect --timeout=30",
                                 "drbdsetup /dev/nb1 wait-connect"}));
}

TEST_F(Verbs, WaitSyncHasNoLimitUnlessGivenOne) {
    EXPECT_EQ(Run({"wait-sync", "r0"}), 0);
    EXPECT_EQ(runner.log, (Lines{"drbdsetup /dev/nb0 wait-sync"}));
    EXPECT_EQ(Run({"wait-sync", "--timeout=600", "r1"}), 0);
    EXPECT_EQ(runner.log, (Lines{"drbdsetup /dev/nb1 wait-sync --timeout=600"}));
    EXPECT_EQ(Run({"wait-sync", "--timeout=soon", "r1"}), kExitUsage);
}

TEST_F(Verbs, AllRunsEveryResourceInOrder) {
    EXPECT_EQ(Run({"down", "all"}), 0);
    EXPECT_EQ(runner.log, (Lines{"drbdsetup /dev/nb0 down", "drbdsetup del-minor 0",
                                 "drbdsetup /dev/nb1 down", "drbdsetup del-minor 1"}));
}

TEST_F(Verbs, FailedCommandStopsTheResource) {
    runner.FailOn(kAttachR0, 10);
    EXPECT_EQ(Run({"up", "r0"}), 10);
    EXPECT_EQ(runner.log, (Lines{"drbdsetup new-minor 0 --resource r0", kAttachR0}));
    EXPECT_EQ(err.str(), "drbdadm: '" + std::string(kAttachR0) + "' failed with exit code 10\n");
}

const char* kStatusJson = R"({"minor": 0, "resource": "r0", "role": "Primary",
 "peer_role": "Secondary", "cstate": "Connected", "disk": "UpToDate",
 "peer_disk": "Inconsistent", "sync": {"percent": 12.5}})";

TEST_F(Verbs, RoleCstateDstate) {
    runner.OnQuery("drbdsetup /dev/nb0 status --json", 0, kStatusJson);
    EXPECT_EQ(Run({"role", "r0"}), 0);
    EXPECT_EQ(out.str(), "Primary/Secondary\n");
    EXPECT_EQ(runner.log, (Lines{"drbdsetup /dev/nb0 status --json"}));
    EXPECT_EQ(Run({"cstate", "r0"}), 0);
    EXPECT_EQ(out.str(), "Connected\n");
    EXPECT_EQ(Run({"dstate", "r0"}), 0);
    EXPECT_EQ(out.str(), "UpToDate/Inconsistent\n");
}

TEST_F(Verbs, RoleWithoutPeer) {
    runner.OnQuery("drbdsetup /dev/nb0 status --json", 0,
                   R"({"role": "Secondary", "cstate": "StandAlone", "disk": "Diskless"})");
    EXPECT_EQ(Run({"role", "r0"}), 0);
    EXPECT_EQ(out.str(), "Secondary/Unknown\n");
}

TEST_F(Verbs, RoleWhenDrbdsetupFails) {
    EXPECT_EQ(Run({"role", "r0"}), 10);
    EXPECT_EQ(err.str(), "drbdadm: 'drbdsetup /dev/nb0 status --json' failed with exit code 10\n");
}

TEST_F(Verbs, RoleWithBadJson) {
    runner.OnQuery("drbdsetup /dev/nb0 status --json", 0, "Primary");
    EXPECT_EQ(Run({"role", "r0"}), 10);
    EXPECT_EQ(err.str(), "drbdadm: cannot read 'role' from the output of 'drbdsetup /dev/nb0 "
                         "status --json'\n");
}

TEST_F(Verbs, ShellHelpers) {
    EXPECT_EQ(Run({"sh-dev", "r0", "r1"}), 0);
    EXPECT_EQ(out.str(), "/dev/nb0\n/dev/nb1\n");
    EXPECT_EQ(Run({"sh-resources"}), 0);
    EXPECT_EQ(out.str(), "r0 r1\n");
    EXPECT_EQ(Run({"sh-minor", "r1"}), 0);
    EXPECT_EQ(out.str(), "1\n");
    EXPECT_EQ(Run({"sh-ll-dev", "r1"}), 0);
    EXPECT_EQ(out.str(), "/dev/vdc\n");
    EXPECT_EQ(Run({"sh-md-dev", "r1"}), 0);
    EXPECT_EQ(out.str(), "/dev/vdd\n");
    EXPECT_EQ(Run({"sh-ip", "r1"}), 0);
    EXPECT_EQ(out.str(), "fd00::1\n");
    EXPECT_TRUE(runner.log.empty());
}

TEST_F(Verbs, DumpOneResource) {
    EXPECT_EQ(Run({"dump", "r1"}), 0);
    EXPECT_EQ(out.str(), "# /etc/drbd.conf:18\n"
                         "resource r1 {\n"
                         "    device /dev/nb1;\n"
                         "    disk /dev/vdc;\n"
                         "    meta-disk /dev/vdd [0];\n"
                         "    net {\n"
                         "        protocol A;\n"
                         "        timeout 90;\n"
                         "    }\n"
                         "    on alpha {\n"
                         "        address ipv6 [fd00::1]:7789;\n"
                         "    }\n"
                         "    on bravo {\n"
                         "        address ipv6 [fd00::2]:7789;\n"
                         "    }\n"
                         "}\n");
}

TEST_F(Verbs, DumpAllIncludesGlobalAndCommon) {
    EXPECT_EQ(Run({"dump"}), 0);
    EXPECT_TRUE(out.str().starts_with("global {\n    usage-count no;\n}\n\ncommon {\n"));
    EXPECT_EQ(Run({"dump", "all"}), 0);
    EXPECT_NE(out.str().find("resource r1 {"), std::string::npos);
}

TEST_F(Verbs, OtherConfigFile) {
    fs.Add("/tmp/other.conf",
           "resource x { device /dev/nb9; disk /dev/sda; meta-disk internal;\n"
           " on alpha { address 10.0.0.1:1; } on bravo { address 10.0.0.2:1; } }");
    EXPECT_EQ(Run({"-c", "/tmp/other.conf", "sh-dev", "x"}), 0);
    EXPECT_EQ(out.str(), "/dev/nb9\n");
}

TEST_F(Verbs, UnknownResource) {
    EXPECT_EQ(Run({"up", "r7"}), 3);
    EXPECT_EQ(err.str(), "drbdadm: 'r7' is not a resource in /etc/drbd.conf\n");
    EXPECT_TRUE(runner.log.empty());
}

TEST_F(Verbs, ConfigErrorRunsNothing) {
    fs.Add("/etc/drbd.conf", std::string(testing::kConfig) + "resource r2 { bogus; }\n");
    EXPECT_EQ(Run({"up", "r0"}), 1);
    EXPECT_TRUE(runner.log.empty());
    EXPECT_EQ(err.str(), "/etc/drbd.conf:26:15: unknown keyword 'bogus' in resource 'r2'\n"
                         "resource r2 { bogus; }\n"
                         "              ^\n"
                         "drbdadm: 1 error in the configuration; nothing was done\n");
}

TEST_F(Verbs, SyntaxAndWholeFileErrorsTogether) {
    fs.Add("/etc/drbd.conf",
           std::string(testing::kConfig) + "resource r0 { device /dev/nb5; disk /dev/x }\n");
    EXPECT_EQ(Run({"up", "r0"}), 1);
    EXPECT_TRUE(runner.log.empty());
    EXPECT_EQ(err.str(), "/etc/drbd.conf:26:43: missing ';' after 'disk' statement\n"
                         "resource r0 { device /dev/nb5; disk /dev/x }\n"
                         "                                          ^\n"
                         "/etc/drbd.conf:26:10: duplicate resource 'r0'\n"
                         "resource r0 { device /dev/nb5; disk /dev/x }\n"
                         "         ^\n"
                         "hint: resource names must be unique across all included files\n"
                         "/etc/drbd.conf:7:10: note: 'r0' first defined here\n"
                         "drbdadm: 2 errors in the configuration; nothing was done\n");
}

TEST_F(Verbs, WrongHostRunsNothing) {
    EXPECT_EQ(Run({"--hostname", "charlie", "up", "r0"}), 1);
    EXPECT_TRUE(runner.log.empty());
    EXPECT_NE(err.str().find("resource 'r0' has no 'on' section for this host ('charlie')"),
              std::string::npos);
    EXPECT_NE(err.str().find("drbdadm: 2 errors in the configuration; nothing was done"),
              std::string::npos);
}

TEST_F(Verbs, HelpAndUsage) {
    EXPECT_EQ(Run({"--help"}), 0);
    EXPECT_NE(out.str().find("adjust"), std::string::npos);
    EXPECT_NE(out.str().find("Exit codes:"), std::string::npos);
    EXPECT_EQ(Run({"adjust", "--help"}), 0);
    EXPECT_NE(out.str().find("drbdsetup /dev/nbN show"), std::string::npos);
    EXPECT_EQ(Run({"frobnicate", "r0"}), 2);
    EXPECT_EQ(Run({}), 2);
    EXPECT_EQ(Run({"up"}), 2);
    EXPECT_EQ(Run({"--version"}), 0);
    EXPECT_EQ(out.str(), "drbdadm (nbr) 0.1.0\n");
    EXPECT_TRUE(runner.log.empty());
}

} // namespace
} // namespace nbr::drbdadm
