#include "conf/parser.h"
#include "conf/resolve.h"
#include "drbdsetup/status.h"
#include "nbr_sync.h"

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

Status Pair(int cstate, int disk, int peer_disk) {
    Status s;
    s.cstate = cstate;
    s.disk = disk;
    s.peer_disk = peer_disk;
    return s;
}

TEST(Status, ConnectedMeansThePeerIsThereWhateverItsDisk) {
    EXPECT_TRUE(IsConnected(Pair(NBR_C_CONNECTED, NBR_D_INCONSISTENT, NBR_D_INCONSISTENT)));
    EXPECT_TRUE(IsConnected(Pair(NBR_C_SYNCTARGET, NBR_D_INCONSISTENT, NBR_D_UPTODATE)));
    EXPECT_FALSE(IsConnected(Pair(NBR_C_WFREPORTPARAMS, NBR_D_UPTODATE, NBR_D_DUNKNOWN)));
    EXPECT_FALSE(IsConnected(Pair(NBR_C_STANDALONE, NBR_D_UPTODATE, NBR_D_DUNKNOWN)));
}

TEST(Status, SyncedOnlyWhenConnectedIdleAndBothUpToDate) {
    EXPECT_TRUE(IsSynced(Pair(NBR_C_CONNECTED, NBR_D_UPTODATE, NBR_D_UPTODATE)));
    // Online verify compares; it does not copy.
    EXPECT_TRUE(IsSynced(Pair(NBR_C_VERIFYS, NBR_D_UPTODATE, NBR_D_UPTODATE)));
    // A diskless node reads and writes through its peer: nothing to sync.
    EXPECT_TRUE(IsSynced(Pair(NBR_C_CONNECTED, NBR_D_DISKLESS, NBR_D_UPTODATE)));
    EXPECT_TRUE(IsSynced(Pair(NBR_C_CONNECTED, NBR_D_UPTODATE, NBR_D_DISKLESS)));
    EXPECT_FALSE(IsSynced(Pair(NBR_C_CONNECTED, NBR_D_DISKLESS, NBR_D_DISKLESS)));
    // Resync running, about to start, or its end not yet confirmed by the peer.
    EXPECT_FALSE(IsSynced(Pair(NBR_C_SYNCSOURCE, NBR_D_UPTODATE, NBR_D_INCONSISTENT)));
    EXPECT_FALSE(IsSynced(Pair(NBR_C_PAUSEDSYNCT, NBR_D_INCONSISTENT, NBR_D_UPTODATE)));
    EXPECT_FALSE(IsSynced(Pair(NBR_C_WFBITMAPS, NBR_D_UPTODATE, NBR_D_UPTODATE)));
    EXPECT_FALSE(IsSynced(Pair(NBR_C_CONNECTED, NBR_D_UPTODATE, NBR_D_INCONSISTENT)));
    EXPECT_FALSE(IsSynced(Pair(NBR_C_CONNECTED, NBR_D_OUTDATED, NBR_D_UPTODATE)));
    // A fresh pair waits for its initial sync.
    EXPECT_FALSE(IsSynced(Pair(NBR_C_CONNECTED, NBR_D_INCONSISTENT, NBR_D_INCONSISTENT)));
    // No peer: nothing is in sync with it.
    EXPECT_FALSE(IsSynced(Pair(NBR_C_WFCONNECTION, NBR_D_UPTODATE, NBR_D_DUNKNOWN)));
    EXPECT_FALSE(IsSynced(Pair(NBR_C_STANDALONE, NBR_D_UPTODATE, NBR_D_DUNKNOWN)));
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
                        2048,
                        {},
                        {},
                        {},
                        {},
                        {},
                        {},
                        false,
                        {},
                        {}};
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

Status Syncing() {
    Status s = Sample();
    s.cstate = NBR_C_SYNCSOURCE;
    s.peer_role = NBR_R_SECONDARY;
    s.peer_disk = NBR_D_INCONSISTENT;
    s.stats = {};
    s.gi = {{0xC0A4A5D3F3C3B2E1ull, 0x0123456789ABCDEFull, 0x1ull, 0}};
    s.md_flags = 0x0b;
    Status::Sync y;
    y.total_kib = 256000;
    y.left_kib = 191488;
    y.speed_kib = 15360;
    y.avg_speed_kib = 14200;
    y.eta_s = 12;
    s.sync = y;
    return s;
}

TEST(Status, GenerationIdentifiersLikeShowGi) {
    EXPECT_EQ(GiText({{0xC0A4A5D3F3C3B2E1ull, 0, 0xABCull, ~0ull}}),
              "C0A4A5D3F3C3B2E1:0000000000000000:0000000000000ABC:FFFFFFFFFFFFFFFF");
}

TEST(Status, HumanShowsGiAndSyncProgress) {
    EXPECT_EQ(FormatHuman(Syncing()),
              "r0 nb0 role:Primary disk:UpToDate cstate:SyncSource peer-role:Secondary "
              "peer-disk:Inconsistent size:65536K done:25.20\n"
              "   \n"
              "    gi:C0A4A5D3F3C3B2E1:0123456789ABCDEF:0000000000000001:0000000000000000 "
              "md-flags:0x00b\n"
              "\t[====>...............] sync'ed: 25.2% (191488/256000)K\n"
              "\tfinish: 0:00:12 speed: 15,360 (14,200) K/sec\n");
}

TEST(Status, VerifyAndPausedProgress) {
    Status s = Syncing();
    s.cstate = NBR_C_VERIFYS;
    s.sync->oos_found_kib = 8;
    std::string h = FormatHuman(s);
    EXPECT_NE(h.find("] verified: 25.2% (191488/256000)K\n"), std::string::npos) << h;
    EXPECT_NE(h.find("\tout of sync found: 8K\n"), std::string::npos) << h;
    s.cstate = NBR_C_PAUSEDSYNCS;
    s.sync->oos_found_kib.reset();
    h = FormatHuman(s);
    EXPECT_NE(h.find("cstate:PausedSyncS"), std::string::npos) << h;
    EXPECT_NE(h.find("K/sec (paused)\n"), std::string::npos) << h;
    std::string j = FormatJson(s);
    EXPECT_NE(j.find("\"paused\":true"), std::string::npos) << j;
}

TEST(Status, DoneHasTwoDecimals) {
    Status::Sync y;
    y.total_kib = 3;
    y.left_kib = 2;
    EXPECT_EQ(SyncDoneText(y), "33.33");
    y.left_kib = 0;
    EXPECT_EQ(SyncDoneText(y), "100.00");
    y.left_kib = 4; // more left than total: nothing done yet
    EXPECT_EQ(SyncDoneText(y), "0.00");
    y.total_kib = 0;
    EXPECT_EQ(SyncDoneText(y), "0.00");
    y.total_kib = ~0ull;
    y.left_kib = ~0ull / 4;
    EXPECT_EQ(SyncDoneHundredths(y), 7500u);
}

TEST(Status, JsonCarriesGiAndSync) {
    std::string j = FormatJson(Syncing());
    EXPECT_NE(j.find("\"gi\":\"C0A4A5D3F3C3B2E1:0123456789ABCDEF:0000000000000001:"
                     "0000000000000000\",\"md_flags\":11,"),
              std::string::npos)
        << j;
    EXPECT_NE(j.find("\"sync\":{\"verify\":false,\"total_kib\":256000,\"left_kib\":191488,"
                     "\"done\":25.20,\"speed_kib\":15360,\"avg_speed_kib\":14200,\"eta_s\":12,"
                     "\"paused\":false}"),
              std::string::npos)
        << j;
    Status idle = Sample();
    EXPECT_EQ(FormatJson(idle).find("\"sync\""), std::string::npos);
    EXPECT_EQ(FormatJson(idle).find("\"gi\""), std::string::npos);
}

TEST(Status, EventsStartWithExistsLines) {
    Status s = Syncing();
    EXPECT_EQ(FormatExists(s, false),
              "exists r0 nb0 role:Primary disk:UpToDate cstate:SyncSource peer-role:Secondary "
              "peer-disk:Inconsistent gi:C0A4A5D3F3C3B2E1:0123456789ABCDEF:0000000000000001:"
              "0000000000000000 done:25.20\n");
    EXPECT_EQ(FormatExistsEnd(false), "exists -\n");
    std::string j = FormatExists(s, true);
    EXPECT_EQ(j.rfind("{\"event\":\"exists\",\"minor\":0,", 0), 0u) << j;
    EXPECT_EQ(FormatExistsEnd(true), "{\"event\":\"exists-end\"}\n");
    // Change lines keep their form: scripts tell them apart by "seq".
    s.event_seq = 3;
    EXPECT_EQ(FormatEvent(s, false).rfind("seq:3 r0 nb0 ", 0), 0u);
    EXPECT_EQ(FormatEvent(s, true).rfind("{\"seq\":3,", 0), 0u);
}

// adjust compares what show prints: the new options must read back as set.
TEST(Status, ShowParsesBackResyncAndSplitBrainOptions) {
    Status s = Sample();
    s.meta_dev = "/dev/vdc";
    s.meta_index = 2;
    s.al_extents = 3001;
    s.resync_rate = 102400;
    s.c_plan_ahead = 0;
    s.c_max_rate = 204800;
    s.c_min_rate = 250;
    s.md_flushes = false;
    Status::Net n{};
    n.local = "ipv4 10.99.0.1:7788";
    n.peer = "ipv4 10.99.0.2:7788";
    n.protocol = NBR_PROT_C;
    n.timeout = 60;
    n.connect_int = 10;
    n.ping_int = 10;
    n.ping_timeout = 5;
    n.max_epoch = 2048;
    n.ko_count = 0;
    n.sndbuf = 1 << 20;
    n.rcvbuf = 2 << 20;
    n.after_sb_0pri = NBR_ASB0_DISCARD_NODE;
    n.discard_node = "bravo";
    n.after_sb_1pri = NBR_ASB1_DISCARD_SECONDARY;
    n.after_sb_2pri = NBR_ASB2_VIOLENTLY_AS0P;
    n.always_asbp = true;
    n.verify_alg = NBR_DIGEST_SHA256;
    s.net = n;
    std::string text = FormatShow(s);
    EXPECT_NE(text.find("meta-disk /dev/vdc [2];"), std::string::npos) << text;
    EXPECT_NE(text.find("resync-rate 100M;"), std::string::npos) << text;
    conf::ParseResult p = conf::ParseString(text, "show");
    ASSERT_TRUE(p.ok()) << p.diags.Render() << text;
    auto r = conf::ResolveRunning(p.config.resources[0], p.diags);
    ASSERT_TRUE(r) << p.diags.Render() << text;
    EXPECT_FALSE(r->meta_disk.internal);
    EXPECT_EQ(r->meta_disk.path, "/dev/vdc");
    EXPECT_EQ(r->meta_disk.index, 2);
    EXPECT_EQ(r->options.Get("al-extents"), "3001");
    EXPECT_EQ(r->options.Get("resync-rate"), "102400");
    EXPECT_EQ(r->options.Get("c-plan-ahead"), "0");
    EXPECT_EQ(r->options.Get("c-max-rate"), "204800");
    EXPECT_EQ(r->options.Get("c-min-rate"), "250");
    EXPECT_EQ(r->options.Get("md-flushes"), "no");
    EXPECT_EQ(r->options.Get("after-sb-0pri"), "discard-node-bravo");
    EXPECT_EQ(r->options.Get("after-sb-1pri"), "discard-secondary");
    EXPECT_EQ(r->options.Get("after-sb-2pri"), "violently-as0p");
    EXPECT_EQ(r->options.Get("always-asbp"), "yes");
    EXPECT_EQ(r->options.Get("verify-alg"), "sha256");
    EXPECT_EQ(r->options.Get("ko-count"), "0");
    EXPECT_EQ(r->options.Get("sndbuf-size"), "1048576");
    EXPECT_EQ(r->options.Get("rcvbuf-size"), "2097152");

    // Flexible external metadata: no index.
    s.meta_index.reset();
    text = FormatShow(s);
    EXPECT_NE(text.find("meta-disk /dev/vdc;"), std::string::npos) << text;
    p = conf::ParseString(text, "show");
    r = conf::ResolveRunning(p.config.resources[0], p.diags);
    ASSERT_TRUE(r) << p.diags.Render() << text;
    EXPECT_EQ(r->meta_disk.index, -1);
}

// A kernel that does not report an option: show leaves it out, so adjust
// cannot compare (and never flaps on) it.
TEST(Status, ShowLeavesOutWhatTheKernelDidNotReport) {
    std::string text = FormatShow(Sample());
    for (const char* name :
         {"al-extents", "resync-rate", "c-plan-ahead", "c-max-rate", "c-min-rate", "after-sb",
          "always-asbp", "verify-alg", "ko-count", "md-flushes", "sndbuf-size", "rcvbuf-size"})
        EXPECT_EQ(text.find(name), std::string::npos) << name << "\n" << text;
}

} // namespace
} // namespace nbr::drbdsetup
