// /proc/drbd formatting against DRBD 8.4's exact text.
#include "nbr_proc_fmt.h"

#include <gtest/gtest.h>
#include <string>

namespace {

struct nbr_proc_dev Idle() {
    struct nbr_proc_dev d {};
    d.st = {NBR_R_PRIMARY, NBR_R_SECONDARY, NBR_C_CONNECTED, NBR_D_UPTODATE, NBR_D_UPTODATE};
    d.has_net = true;
    d.proto = NBR_PROT_C;
    d.blocked = NBR_BLK_NONE;
    d.wo = NBR_WO_FLUSH;
    d.ep = 1;
    return d;
}

std::string Format(unsigned minor, const struct nbr_proc_dev& d) {
    char buf[512];
    int n = nbr_proc_format_dev(buf, sizeof buf, minor, &d);
    EXPECT_GT(n, 0);
    EXPECT_EQ(static_cast<std::size_t>(n), std::string(buf).size());
    return buf;
}

} // namespace

TEST(ProcFormat, VersionLine) {
    char buf[128];
    int n = nbr_proc_format_version(buf, sizeof buf);
    EXPECT_STREQ(buf, "version: 0.1.0 (api:1/proto:1-1)\n");
    EXPECT_EQ(n, 33);
}

TEST(ProcFormat, IdleConnectedDeviceLooksLikeDrbd84) {
    EXPECT_EQ(Format(0, Idle()),
              " 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n"
              "    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n");
}

TEST(ProcFormat, CountersFlagsAndWideMinors) {
    auto d = Idle();
    d.st = {NBR_R_SECONDARY, NBR_R_UNKNOWN, NBR_C_WFCONNECTION, NBR_D_UPTODATE, NBR_D_DUNKNOWN};
    d.proto = NBR_PROT_A;
    d.io_suspended = true;
    d.paused_user = true;
    d.blocked = NBR_BLK_NETWORK;
    d.al_suspended = true;
    d.ns_kib = 1ull << 40;
    d.nr_kib = 2;
    d.dw_kib = 3;
    d.dr_kib = 4;
    d.al_writes = 5;
    d.bm_writes = 6;
    d.lo = 7;
    d.pe = 8;
    d.ua = 9;
    d.ap = 10;
    d.ep = 11;
    d.wo = NBR_WO_DRAIN;
    d.oos_kib = 12;
    EXPECT_EQ(Format(12, d),
              "12: cs:WFConnection ro:Secondary/Unknown ds:UpToDate/DUnknown A s--uns\n"
              "    ns:1099511627776 nr:2 dw:3 dr:4 al:5 bm:6 lo:7 pe:8 ua:9 ap:10 ep:11 wo:d "
              "oos:12\n");
}

TEST(ProcFormat, NoNetworkConfigLeavesTheProtocolBlank) {
    auto d = Idle();
    d.st = {NBR_R_SECONDARY, NBR_R_UNKNOWN, NBR_C_STANDALONE, NBR_D_DISKLESS, NBR_D_DUNKNOWN};
    d.has_net = false;
    d.paused_dep = d.paused_peer = true;
    d.blocked = NBR_BLK_BOTH;
    EXPECT_EQ(Format(3, d).substr(0, 61),
              " 3: cs:StandAlone ro:Secondary/Unknown ds:Diskless/DUnknown  ");
    EXPECT_NE(Format(3, d).find("  rap-a-\n"), std::string::npos);
}

TEST(ProcFormat, UnconfiguredMinor) {
    char buf[64];
    EXPECT_EQ(nbr_proc_format_unconfigured(buf, sizeof buf, 5), 20);
    EXPECT_STREQ(buf, " 5: cs:Unconfigured\n");
}

TEST(ProcFormat, ReportsTruncation) {
    char buf[40];
    auto d = Idle();
    EXPECT_EQ(nbr_proc_format_dev(buf, sizeof buf, 0, &d), -ENOSPC);
    EXPECT_EQ(std::string(buf).size(), sizeof buf - 1);
    char small[10];
    EXPECT_EQ(nbr_proc_format_version(small, sizeof small), -ENOSPC);
}

namespace {

struct nbr_proc_sync Sync(uint64_t total, uint64_t left, uint64_t speed, uint64_t avg) {
    struct nbr_proc_sync s {};
    s.total_kib = total;
    s.left_kib = left;
    s.speed_kib = speed;
    s.avg_speed_kib = avg;
    return s;
}

std::string FormatSync(const struct nbr_proc_sync& s) {
    char buf[256];
    int n = nbr_proc_format_sync(buf, sizeof buf, &s);
    EXPECT_GT(n, 0);
    EXPECT_EQ(static_cast<std::size_t>(n), std::string(buf).size());
    return buf;
}

// The bar between '[' and ']'.
std::string Bar(const struct nbr_proc_sync& s) {
    std::string t = FormatSync(s);
    return t.substr(2, t.find(']') - 2);
}

} // namespace

// 64512 of 256000 KiB done = 25.2%; 191488 KiB left at 15360 KiB/s = 12 s.
TEST(ProcSyncFormat, ResyncLinesLikeDrbd84) {
    EXPECT_EQ(FormatSync(Sync(256000, 191488, 15360, 14200)),
              "\t[====>...............] sync'ed: 25.2% (191488/256000)K\n"
              "\tfinish: 0:00:12 speed: 15,360 (14,200) K/sec\n");
}

TEST(ProcSyncFormat, VerifyPausedWantAndStalled) {
    auto s = Sync(1000, 10, 0, 999);
    s.verify = true;
    s.paused = true;
    s.want_kib = 250;
    EXPECT_EQ(FormatSync(s), "\t[==================>.] verified: 99.0% (10/1000)K\n"
                             "\tfinish: -:--:-- speed: 0 (999) want: 250 K/sec (paused)\n");
    s.paused = false;
    s.stalled = true;
    s.want_kib = 0;
    EXPECT_NE(FormatSync(s).find(" (999) K/sec (stalled)\n"), std::string::npos);
}

TEST(ProcSyncFormat, BarHasOneEqualsPerFivePercentMinusOne) {
    EXPECT_EQ(Bar(Sync(1000, 1000, 1, 1)), ">...................."); // 0%: 21 as in DRBD
    EXPECT_EQ(Bar(Sync(1000, 951, 1, 1)), ">....................");  // 4.9%
    EXPECT_EQ(Bar(Sync(1000, 950, 1, 1)), ">...................");   // 5.0%
    EXPECT_EQ(Bar(Sync(1000, 500, 1, 1)), "=========>..........");   // 50%
    EXPECT_EQ(Bar(Sync(1000, 0, 1, 1)), "===================>");     // 100%
    EXPECT_NE(FormatSync(Sync(1000, 0, 1, 1)).find("sync'ed:100.0% (0/1000)K"), std::string::npos);
    EXPECT_NE(FormatSync(Sync(1000, 1000, 1, 1)).find("sync'ed:  0.0% (1000/1000)K"),
              std::string::npos);
}

TEST(ProcSyncFormat, LargeAmountsInMiBAndLongEtas) {
    // 8 GiB total, 6 GiB left, 1 KiB/s: 6291456 s = 1747:37:36.
    auto s = Sync(8ull << 20, 6ull << 20, 1, 1234567);
    EXPECT_EQ(FormatSync(s), "\t[====>...............] sync'ed: 25.0% (6144/8192)M\n"
                             "\tfinish: 1747:37:36 speed: 1 (1,234,567) K/sec\n");
    // Exactly 4 GiB still counts in KiB, as in DRBD.
    EXPECT_NE(FormatSync(Sync(4ull << 20, 0, 1, 1)).find("(0/4194304)K"), std::string::npos);
    EXPECT_EQ(nbr_proc_sync_eta(&s), 6291456u);
}

TEST(ProcSyncFormat, ThousandsSeparators) {
    EXPECT_NE(FormatSync(Sync(10, 5, 999, 1000)).find("speed: 999 (1,000) K/sec"),
              std::string::npos);
    EXPECT_NE(FormatSync(Sync(10, 5, 1000001, 12345678901ull))
                  .find("speed: 1,000,001 (12,345,678,901) K/sec"),
              std::string::npos);
}

TEST(ProcSyncFormat, OddInputsStayInRange) {
    auto nothing = Sync(0, 0, 0, 0);
    EXPECT_EQ(nbr_proc_sync_permille(&nothing), 0u);
    auto more_left = Sync(100, 200, 5, 5);
    EXPECT_EQ(nbr_proc_sync_permille(&more_left), 0u);
    EXPECT_NE(FormatSync(more_left).find("  0.0% (100/100)K"), std::string::npos);
    auto huge = Sync(~0ull, ~0ull / 2, 1, 1);
    EXPECT_EQ(nbr_proc_sync_permille(&huge), 500u);
}

TEST(ProcSyncFormat, ReportsTruncation) {
    auto s = Sync(256000, 191488, 15360, 14200);
    char buf[30];
    EXPECT_EQ(nbr_proc_format_sync(buf, sizeof buf, &s), -ENOSPC);
    EXPECT_EQ(std::string(buf).size(), sizeof buf - 1);
    EXPECT_EQ(std::string(buf), "\t[====>...............] sync'");
}
