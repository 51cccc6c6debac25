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
