// adjust: read the running state with `drbdsetup <dev> show` (faked here),
// parse it with the drbd.conf parser and run only what differs.
#include "drbdadm/plan.h"
#include "fixture.h"

namespace nbr::drbdadm {
namespace {

using Lines = std::vector<std::string>;

class Adjust : public testing::Drbdadm {
  protected:
    void Show(const std::string& text, int status = 0) {
        runner.OnQuery("drbdsetup /dev/nb0 show", status, text);
    }
};

// What drbdsetup show prints for r0 on alpha when it matches the config.
std::string RunningR0(const std::string& net_extra = "", const std::string& disk_extra = "",
                      const std::string& host = "    disk /dev/vdb;\n    meta-disk internal;\n",
                      bool connected = true) {
    std::string s = "resource r0 {\n";
    if (connected)
        s += "  net {\n    protocol C;\n    cram-hmac-alg \"sha256\";\n"
             "    shared-secret \"s3cr3t\";\n    after-sb-0pri discard-zero-changes;\n" +
             net_extra + "  }\n";
    s += "  disk {\n    on-io-error detach;\n    resync-rate 100M;\n" + disk_extra + "  }\n";
    s += "  _this_host {\n    device minor 0;\n" + host;
    if (connected)
        s += "    address ipv4 10.99.0.1:7788;\n  }\n  _remote_host {\n"
             "    address ipv4 10.99.0.2:7788;\n";
    return s + "  }\n}\n";
}

const char* kShow = "drbdsetup /dev/nb0 show";
const char* kAttach = "drbdsetup /dev/nb0 disk /dev/vdb internal --on-io-error=detach "
                      "--resync-rate=102400";
const char* kConnect =
    "drbdsetup /dev/nb0 net ipv4:10.99.0.1:7788 ipv4:10.99.0.2:7788 C --peer-name=bravo "
    "--cram-hmac-alg=sha256 --shared-secret=s3cr3t "
    "--after-sb-0pri=discard-zero-changes";

TEST_F(Adjust, MissingMinorMeansFullUp) {
    EXPECT_EQ(Run({"adjust", "r0"}), 0) << err.str();
    EXPECT_EQ(runner.log, (Lines{kShow, "drbdsetup new-minor 0 --resource r0", kAttach, kConnect}));
}

TEST_F(Adjust, NothingToDo) {
    Show(RunningR0());
    EXPECT_EQ(Run({"adjust", "r0"}), 0) << err.str();
    EXPECT_EQ(runner.log, (Lines{kShow}));
}

TEST_F(Adjust, DefaultsPrintedOrNotAreTheSame) {
    // show may print default values explicitly (like --show-defaults).
    Show(RunningR0("    ko-count 7;\n    timeout 60;\n", "    al-extents 1237;\n"));
    EXPECT_EQ(Run({"adjust", "r0"}), 0) << err.str();
    EXPECT_EQ(runner.log, (Lines{kShow}));
}

TEST_F(Adjust, ChangedNetOptionReconnects) {
    Show(RunningR0("    ping-int 5;\n"));
    EXPECT_EQ(Run({"adjust", "r0"}), 0) << err.str();
    EXPECT_EQ(runner.log, (Lines{kShow, "drbdsetup /dev/nb0 disconnect", kConnect}));
}

TEST_F(Adjust, ChangedProtocolReconnects) {
    std::string s = RunningR0();
    s.replace(s.find("protocol C"), 10, "protocol A");
    Show(s);
    EXPECT_EQ(Run({"adjust", "r0"}), 0);
    EXPECT_EQ(runner.log, (Lines{kShow, "drbdsetup /dev/nb0 disconnect", kConnect}));
}

TEST_F(Adjust, ChangedPeerAddressReconnects) {
    std::string s = RunningR0();
    s.replace(s.find("10.99.0.2"), 9, "10.99.0.3");
    Show(s);
    EXPECT_EQ(Run({"adjust", "r0"}), 0);
    EXPECT_EQ(runner.log, (Lines{kShow, "drbdsetup /dev/nb0 disconnect", kConnect}));
}

TEST_F(Adjust, ChangedDiskOptionReattachesWhileDisconnected) {
    Show(RunningR0("", "    c-min-rate 1M;\n"));
    EXPECT_EQ(Run({"adjust", "r0"}), 0);
    EXPECT_EQ(runner.log, (Lines{kShow, "drbdsetup /dev/nb0 disconnect",
                                 "drbdsetup /dev/nb0 detach", kAttach, kConnect}));
}

TEST_F(Adjust, ChangedDiskAndNetOptionsDisconnectOnce) {
    Show(RunningR0("    ping-int 5;\n", "    c-min-rate 1M;\n"));
    EXPECT_EQ(Run({"adjust", "r0"}), 0);
    EXPECT_EQ(runner.log, (Lines{kShow, "drbdsetup /dev/nb0 disconnect",
                                 "drbdsetup /dev/nb0 detach", kAttach, kConnect}));
}

TEST_F(Adjust, ChangedDiskOptionOfAStandAloneNodeJustReattaches) {
    Show(RunningR0("", "    c-min-rate 1M;\n", "    disk /dev/vdb;\n    meta-disk internal;\n",
                   false));
    EXPECT_EQ(Run({"adjust", "r0"}), 0);
    EXPECT_EQ(runner.log, (Lines{kShow, "drbdsetup /dev/nb0 detach", kAttach, kConnect}));
}

TEST_F(Adjust, ChangedBackingDiskReattaches) {
    Show(RunningR0("", "", "    disk /dev/vdz;\n    meta-disk internal;\n"));
    EXPECT_EQ(Run({"adjust", "r0"}), 0);
    EXPECT_EQ(runner.log, (Lines{kShow, "drbdsetup /dev/nb0 disconnect",
                                 "drbdsetup /dev/nb0 detach", kAttach, kConnect}));
}

TEST_F(Adjust, DisklessGetsAttachedBetweenDisconnectAndConnect) {
    Show(RunningR0("", "", ""));
    EXPECT_EQ(Run({"adjust", "r0"}), 0);
    EXPECT_EQ(runner.log, (Lines{kShow, "drbdsetup /dev/nb0 disconnect", kAttach, kConnect}));
}

TEST_F(Adjust, StandAloneGetsConnected) {
    Show(RunningR0("", "", "    disk /dev/vdb;\n    meta-disk internal;\n", false));
    EXPECT_EQ(Run({"adjust", "r0"}), 0);
    EXPECT_EQ(runner.log, (Lines{kShow, kConnect}));
}

TEST_F(Adjust, BareMinorGetsAttachedAndConnected) {
    Show("resource r0 {\n  _this_host {\n    device minor 0;\n  }\n}\n");
    EXPECT_EQ(Run({"adjust", "r0"}), 0);
    EXPECT_EQ(runner.log, (Lines{kShow, kAttach, kConnect}));
}

TEST_F(Adjust, DryRunQueriesButOnlyPrintsChanges) {
    Show(RunningR0("    ping-int 5;\n"));
    EXPECT_EQ(Run({"-d", "adjust", "r0"}), 0);
    EXPECT_EQ(runner.log, (Lines{kShow}));
    EXPECT_EQ(out.str(), "drbdsetup /dev/nb0 disconnect\n" + std::string(kConnect) + "\n");
}

TEST_F(Adjust, MinorOfAnotherResource) {
    std::string s = RunningR0();
    s.replace(s.find("r0"), 2, "web");
    Show(s);
    EXPECT_EQ(Run({"adjust", "r0"}), 11);
    EXPECT_EQ(runner.log, (Lines{kShow}));
    EXPECT_EQ(err.str(), "drbdadm: /dev/nb0 belongs to resource 'web', not 'r0'\n");
}

TEST_F(Adjust, UnparsableShowOutput) {
    Show("resource r0 { _this_host { device minor 0 } }\n");
    EXPECT_EQ(Run({"adjust", "r0"}), 11);
    EXPECT_EQ(runner.log, (Lines{kShow}));
    EXPECT_EQ(err.str(), "'drbdsetup /dev/nb0 show':1:42: missing ';' after 'device' statement\n"
                         "resource r0 { _this_host { device minor 0 } }\n"
                         "                                         ^\n"
                         "drbdadm: cannot understand the running configuration of /dev/nb0\n");
}

TEST_F(Adjust, AllResources) {
    Show(RunningR0());
    EXPECT_EQ(Run({"adjust", "all"}), 0);
    EXPECT_EQ(
        runner.log,
        (Lines{kShow, "drbdsetup /dev/nb1 show", "drbdsetup new-minor 1 --resource r1",
               "drbdsetup /dev/nb1 disk /dev/vdc /dev/vdd 0 --resync-rate=102400",
               "drbdsetup /dev/nb1 net ipv6:[fd00::1]:7789 ipv6:[fd00::2]:7789 A --peer-name=bravo "
               "--timeout=90 --cram-hmac-alg=sha256 --shared-secret=s3cr3t"}));
}

} // namespace
} // namespace nbr::drbdadm
