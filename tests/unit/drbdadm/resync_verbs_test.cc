// drbdadm's resync, verify and generation verbs, the resync and split-brain
// options on their way to drbdsetup, and adjust reading them back from the
// real `drbdsetup show` formatter without flapping.
#include "drbdadm/plan.h"
#include "drbdsetup/cli.h"
#include "drbdsetup/request.h"
#include "drbdsetup/status.h"
#include "fixture.h"
#include "nbr_sync.h"

#include <nbr/genl.h>
#include <nbr/state.h>
#include <nbr/wire.h>

namespace nbr::drbdadm {
namespace {

using Lines = std::vector<std::string>;

class ResyncVerbs : public testing::Drbdadm {};

TEST_F(ResyncVerbs, EachMapsToOneDrbdsetupCommandPerResource) {
    const std::pair<const char*, const char*> verbs[] = {
        {"invalidate", "invalidate"}, {"invalidate-remote", "invalidate-remote"},
        {"pause-sync", "pause-sync"}, {"resume-sync", "resume-sync"},
        {"verify", "verify"},         {"new-current-uuid", "new-current-uuid"},
        {"outdate", "outdate"},
    };
    for (auto [verb, setup] : verbs) {
        EXPECT_EQ(Run({verb, "all"}), 0) << verb << err.str();
        EXPECT_EQ(runner.log, (Lines{std::string("drbdsetup /dev/nb0 ") + setup,
                                     std::string("drbdsetup /dev/nb1 ") + setup}))
            << verb;
    }
}

TEST_F(ResyncVerbs, FlagsPassThrough) {
    EXPECT_EQ(Run({"new-current-uuid", "--clear-bitmap", "r0"}), 0) << err.str();
    EXPECT_EQ(runner.log, (Lines{"drbdsetup /dev/nb0 new-current-uuid --clear-bitmap"}));
    EXPECT_EQ(Run({"verify", "--start=2048", "r1"}), 0) << err.str();
    EXPECT_EQ(runner.log, (Lines{"drbdsetup /dev/nb1 verify --start=2048"}));
}

TEST_F(ResyncVerbs, DryRunPrintsTheCommands) {
    EXPECT_EQ(Run({"-d", "invalidate-remote", "r0", "r1"}), 0);
    EXPECT_TRUE(runner.log.empty());
    EXPECT_EQ(out.str(), "drbdsetup /dev/nb0 invalidate-remote\n"
                         "drbdsetup /dev/nb1 invalidate-remote\n");
    EXPECT_EQ(Run({"new-current-uuid", "--clear-bitmap", "--dry-run", "r1"}), 0);
    EXPECT_EQ(out.str(), "drbdsetup /dev/nb1 new-current-uuid --clear-bitmap\n");
}

TEST_F(ResyncVerbs, BadUsageIsRefused) {
    EXPECT_EQ(Run({"invalidate"}), kExitUsage);
    EXPECT_NE(err.str().find("resources is required"), std::string::npos) << err.str();
    EXPECT_EQ(Run({"invalidate", "--clear-bitmap", "r0"}), kExitUsage);
    EXPECT_NE(err.str().find("--clear-bitmap"), std::string::npos) << err.str();
    EXPECT_EQ(Run({"verify", "r9"}), kExitUnknownResource);
    EXPECT_EQ(err.str(), "drbdadm: 'r9' is not a resource in /etc/drbd.conf\n");
    EXPECT_TRUE(runner.log.empty());
}

TEST_F(ResyncVerbs, FailureIsReportedAndTheNextResourceStillRuns) {
    runner.FailOn("drbdsetup /dev/nb0 pause-sync", 10);
    EXPECT_EQ(Run({"pause-sync", "all"}), kExitSetupFailed);
    EXPECT_EQ(runner.log,
              (Lines{"drbdsetup /dev/nb0 pause-sync", "drbdsetup /dev/nb1 pause-sync"}));
    EXPECT_NE(err.str().find("'drbdsetup /dev/nb0 pause-sync' failed with exit code 10"),
              std::string::npos);
}

TEST_F(ResyncVerbs, HelpNamesTheDrbdsetupCommand) {
    EXPECT_EQ(Run({"invalidate", "--help"}), 0);
    EXPECT_NE(out.str().find("drbdsetup /dev/nbN invalidate"), std::string::npos) << out.str();
    EXPECT_EQ(Run({"new-current-uuid", "--help"}), 0);
    EXPECT_NE(out.str().find("--clear-bitmap"), std::string::npos) << out.str();
}

const char* kResyncConfig = R"(resource r2 {
  device    minor 2;
  disk      /dev/vdb;
  meta-disk /dev/vdc;
  on alpha { address 10.99.0.1:7790; }
  on bravo { address 10.99.0.2:7790; }
  net  { after-sb-0pri discard-node-bravo; after-sb-1pri consensus;
         after-sb-2pri call-pri-lost-after-sb; always-asbp yes; verify-alg sha1; }
  disk { al-extents 3001; resync-rate 40M; c-plan-ahead 0; c-max-rate 200M; c-min-rate 1M; }
}
resource r3 {
  device    minor 3;
  disk      /dev/vdd;
  meta-disk /dev/vde [1];
  on alpha { address 10.99.0.1:7791; }
  on bravo { address 10.99.0.2:7791; }
}
)";

const char* kAttachR2 = "drbdsetup /dev/nb2 disk /dev/vdb /dev/vdc flexible --resync-rate=40960 "
                        "--al-extents=3001 --c-plan-ahead=0 --c-max-rate=204800 "
                        "--c-min-rate=1024";
const char* kConnectR2 =
    "drbdsetup /dev/nb2 net ipv4:10.99.0.1:7790 ipv4:10.99.0.2:7790 C --peer-name=bravo "
    "--after-sb-0pri=discard-node-bravo --after-sb-1pri=consensus "
    "--after-sb-2pri=call-pri-lost-after-sb --always-asbp=yes --verify-alg=sha1";

class ResyncOptions : public testing::Drbdadm {
  protected:
    void SetUp() override { fs.Add("/etc/drbd.conf", kResyncConfig); }
};

TEST_F(ResyncOptions, UpPassesMetaDiskAndEveryNewOption) {
    EXPECT_EQ(Run({"up", "r2", "r3"}), 0) << err.str();
    EXPECT_EQ(runner.log, (Lines{"drbdsetup new-minor 2 --resource r2", kAttachR2, kConnectR2,
                                 "drbdsetup new-minor 3 --resource r3",
                                 "drbdsetup /dev/nb3 disk /dev/vdd /dev/vde 1",
                                 "drbdsetup /dev/nb3 net ipv4:10.99.0.1:7791 "
                                 "ipv4:10.99.0.2:7791 C --peer-name=bravo"}));
}

TEST_F(ResyncOptions, CreateMdSizesTheActivityLog) {
    EXPECT_EQ(Run({"create-md", "r2", "r3"}), 0) << err.str();
    EXPECT_EQ(runner.log,
              (Lines{"drbdsetup /dev/nb2 status --json",
                     "drbdmeta /dev/vdb create-md --meta-disk /dev/vdc "
                     "--al-extents=3001",
                     "drbdsetup /dev/nb3 status --json",
                     "drbdmeta /dev/vdd create-md --meta-disk /dev/vde --meta-index 1"}));
}

// What drbdadm runs, drbdsetup accepts and turns into the right attributes.
TEST_F(ResyncOptions, DrbdsetupAcceptsWhatDrbdadmRuns) {
    ASSERT_EQ(Run({"up", "r2"}), 0) << err.str();
    auto request = [](const std::string& line) {
        std::vector<std::string> args;
        size_t pos = 0;
        while (pos != std::string::npos) {
            size_t next = line.find(' ', pos);
            args.push_back(line.substr(pos, next == std::string::npos ? next : next - pos));
            pos = next == std::string::npos ? next : next + 1;
        }
        args.erase(args.begin()); // "drbdsetup"
        drbdsetup::ParseOutcome o = drbdsetup::Parse(args);
        EXPECT_TRUE(o.inv) << o.err;
        auto r = drbdsetup::BuildRequest(o.inv.value_or(drbdsetup::Invocation{}), {"alpha"});
        EXPECT_TRUE(std::holds_alternative<drbdsetup::Request>(r)) << line;
        return std::holds_alternative<drbdsetup::Request>(r) ? std::get<drbdsetup::Request>(r)
                                                             : drbdsetup::Request{};
    };
    auto has = [](const drbdsetup::Request& r, const drbdsetup::Attr& want) {
        for (const drbdsetup::Attr& a : r.attrs)
            if (a == want)
                return true;
        return false;
    };
    drbdsetup::Request attach = request(runner.log[1]);
    EXPECT_TRUE(has(attach, drbdsetup::Str(NBR_A_META_DEV, "/dev/vdc")));
    EXPECT_TRUE(has(attach, drbdsetup::U32(NBR_A_RESYNC_RATE, 40960)));
    EXPECT_TRUE(has(attach, drbdsetup::U32(NBR_A_AL_EXTENTS, 3001)));
    EXPECT_TRUE(has(attach, drbdsetup::U32(NBR_A_C_PLAN_AHEAD, 0)));
    EXPECT_TRUE(attach.ignored.empty());
    drbdsetup::Request net = request(runner.log[2]);
    EXPECT_TRUE(has(net, drbdsetup::U8(NBR_A_AFTER_SB_0PRI, NBR_ASB0_DISCARD_NODE)));
    EXPECT_TRUE(has(net, drbdsetup::Str(NBR_A_DISCARD_NODE, "bravo")));
    EXPECT_TRUE(has(net, drbdsetup::U8(NBR_A_AFTER_SB_1PRI, NBR_ASB1_CONSENSUS)));
    EXPECT_TRUE(has(net, drbdsetup::U8(NBR_A_AFTER_SB_2PRI, NBR_ASB2_CALL_PRI_LOST_AFTER_SB)));
    EXPECT_TRUE(has(net, drbdsetup::Flag(NBR_A_ALWAYS_ASBP)));
    EXPECT_TRUE(has(net, drbdsetup::U8(NBR_A_VERIFY_ALG, NBR_DIGEST_SHA1)));
    EXPECT_TRUE(net.ignored.empty());
}

// The state a kernel that applied r2's configuration reports.
drbdsetup::Status RunningR2() {
    drbdsetup::Status s;
    s.minor = 2;
    s.resource = "r2";
    s.role = NBR_R_SECONDARY;
    s.backing = "/dev/vdb";
    s.meta_dev = "/dev/vdc";
    s.al_extents = 3001;
    s.resync_rate = 40960;
    s.c_plan_ahead = 0;
    s.c_max_rate = 204800;
    s.c_min_rate = 1024;
    drbdsetup::Status::Net n{};
    n.local = "ipv4 10.99.0.1:7790";
    n.peer = "ipv4 10.99.0.2:7790";
    n.peer_name = "bravo";
    n.protocol = NBR_PROT_C;
    n.timeout = 60;
    n.connect_int = 10;
    n.ping_int = 10;
    n.ping_timeout = 5;
    n.max_epoch = 2048;
    n.after_sb_0pri = NBR_ASB0_DISCARD_NODE;
    n.discard_node = "bravo";
    n.after_sb_1pri = NBR_ASB1_CONSENSUS;
    n.after_sb_2pri = NBR_ASB2_CALL_PRI_LOST_AFTER_SB;
    n.always_asbp = true;
    n.verify_alg = NBR_DIGEST_SHA1;
    s.net = n;
    return s;
}

TEST_F(ResyncOptions, AdjustDoesNotFlapOnTheNewOptions) {
    runner.OnQuery("drbdsetup /dev/nb2 show", 0, drbdsetup::FormatShow(RunningR2()));
    EXPECT_EQ(Run({"adjust", "r2"}), 0) << err.str();
    EXPECT_EQ(runner.log, (Lines{"drbdsetup /dev/nb2 show"}));
}

TEST_F(ResyncOptions, AdjustReattachesOnAChangedDiskOption) {
    drbdsetup::Status s = RunningR2();
    s.c_min_rate = 250;
    runner.OnQuery("drbdsetup /dev/nb2 show", 0, drbdsetup::FormatShow(s));
    EXPECT_EQ(Run({"adjust", "r2"}), 0) << err.str();
    EXPECT_EQ(runner.log, (Lines{"drbdsetup /dev/nb2 show", "drbdsetup /dev/nb2 disconnect",
                                 "drbdsetup /dev/nb2 detach", kAttachR2, kConnectR2}));
}

TEST_F(ResyncOptions, AdjustReattachesOnOtherMetadata) {
    drbdsetup::Status s = RunningR2();
    s.meta_index = 0; // indexed, the configuration says flexible
    runner.OnQuery("drbdsetup /dev/nb2 show", 0, drbdsetup::FormatShow(s));
    EXPECT_EQ(Run({"adjust", "r2"}), 0) << err.str();
    EXPECT_EQ(runner.log, (Lines{"drbdsetup /dev/nb2 show", "drbdsetup /dev/nb2 disconnect",
                                 "drbdsetup /dev/nb2 detach", kAttachR2, kConnectR2}));
}

TEST_F(ResyncOptions, AdjustReconnectsOnAChangedPolicy) {
    for (auto change : {+[](drbdsetup::Status::Net& n) { n.discard_node = "alpha"; },
                        +[](drbdsetup::Status::Net& n) { n.after_sb_2pri = NBR_ASB2_DISCONNECT; },
                        +[](drbdsetup::Status::Net& n) { n.always_asbp = false; },
                        +[](drbdsetup::Status::Net& n) { n.verify_alg = NBR_DIGEST_MD5; }}) {
        drbdsetup::Status s = RunningR2();
        change(*s.net);
        runner.OnQuery("drbdsetup /dev/nb2 show", 0, drbdsetup::FormatShow(s));
        EXPECT_EQ(Run({"adjust", "r2"}), 0) << err.str();
        EXPECT_EQ(runner.log,
                  (Lines{"drbdsetup /dev/nb2 show", "drbdsetup /dev/nb2 disconnect", kConnectR2}));
    }
}

// r3 sets none of the new options: a kernel reporting its defaults
// (verify-alg crc32c, policies disconnect, 1237 extents ...) matches.
TEST_F(ResyncOptions, KernelDefaultsMatchAnUnsetConfiguration) {
    drbdsetup::Status s = RunningR2();
    s.minor = 3;
    s.resource = "r3";
    s.backing = "/dev/vdd";
    s.meta_dev = "/dev/vde";
    s.meta_index = 1;
    s.al_extents = 1237;
    s.resync_rate = 250;
    s.c_plan_ahead = 20;
    s.c_max_rate = 102400;
    s.c_min_rate = 250;
    s.net->local = "ipv4 10.99.0.1:7791";
    s.net->peer = "ipv4 10.99.0.2:7791";
    s.net->after_sb_0pri = NBR_ASB0_DISCONNECT;
    s.net->discard_node.clear();
    s.net->after_sb_1pri = NBR_ASB1_DISCONNECT;
    s.net->after_sb_2pri = NBR_ASB2_DISCONNECT;
    s.net->always_asbp = false;
    s.net->verify_alg = NBR_DIGEST_CRC32C;
    runner.OnQuery("drbdsetup /dev/nb3 show", 0, drbdsetup::FormatShow(s));
    EXPECT_EQ(Run({"adjust", "r3"}), 0) << err.str();
    EXPECT_EQ(runner.log, (Lines{"drbdsetup /dev/nb3 show"})) << drbdsetup::FormatShow(s);
}

// r3 does not set al-extents: the kernel uses (and reports) what create-md
// wrote, which is not a change to undo.
TEST_F(ResyncOptions, UnsetAlExtentsAcceptsWhatTheMetadataSays) {
    drbdsetup::Status s = RunningR2();
    s.minor = 3;
    s.resource = "r3";
    s.backing = "/dev/vdd";
    s.meta_dev = "/dev/vde";
    s.meta_index = 1;
    s.al_extents = 6001;
    s.resync_rate.reset();
    s.c_plan_ahead.reset();
    s.c_max_rate.reset();
    s.c_min_rate.reset();
    s.net->local = "ipv4 10.99.0.1:7791";
    s.net->peer = "ipv4 10.99.0.2:7791";
    s.net->after_sb_0pri.reset();
    s.net->after_sb_1pri.reset();
    s.net->after_sb_2pri.reset();
    s.net->verify_alg.reset();
    runner.OnQuery("drbdsetup /dev/nb3 show", 0, drbdsetup::FormatShow(s));
    EXPECT_EQ(Run({"adjust", "r3"}), 0) << err.str();
    EXPECT_EQ(runner.log, (Lines{"drbdsetup /dev/nb3 show"}));
    // r2 sets it: a different running value is a change.
    drbdsetup::Status r2 = RunningR2();
    r2.al_extents = 6001;
    runner.OnQuery("drbdsetup /dev/nb2 show", 0, drbdsetup::FormatShow(r2));
    EXPECT_EQ(Run({"adjust", "r2"}), 0) << err.str();
    EXPECT_EQ(runner.log, (Lines{"drbdsetup /dev/nb2 show", "drbdsetup /dev/nb2 disconnect",
                                 "drbdsetup /dev/nb2 detach", kAttachR2, kConnectR2}));
}

} // namespace
} // namespace nbr::drbdadm
