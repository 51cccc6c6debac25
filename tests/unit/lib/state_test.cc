// State-transition rules and the enum -> string table.
#include "nbr_state_rules.h"

#include <gtest/gtest.h>
#include <set>
#include <string>

namespace {

struct nbr_state S(enum nbr_role role, enum nbr_conn_state conn, enum nbr_disk_state disk,
                   enum nbr_role peer_role = NBR_R_UNKNOWN,
                   enum nbr_disk_state peer_disk = NBR_D_DUNKNOWN) {
    return {role, peer_role, conn, disk, peer_disk};
}

// Connected Secondary/Secondary, both UpToDate.
struct nbr_state
Connected(enum nbr_role role = NBR_R_SECONDARY, enum nbr_role peer = NBR_R_SECONDARY) {
    return S(role, NBR_C_CONNECTED, NBR_D_UPTODATE, peer, NBR_D_UPTODATE);
}

enum nbr_ss Check(const struct nbr_state& o, const struct nbr_state& n) {
    const char* why = nullptr;
    enum nbr_ss rv = nbr_state_check(&o, &n, &why);
    EXPECT_STREQ(why, nbr_ss_str(rv));
    return rv;
}

} // namespace

TEST(StateNames, MatchDrbd84) {
    EXPECT_STREQ(nbr_role_str(NBR_R_UNKNOWN), "Unknown");
    EXPECT_STREQ(nbr_role_str(NBR_R_PRIMARY), "Primary");
    EXPECT_STREQ(nbr_role_str(NBR_R_SECONDARY), "Secondary");
    const char* conns[] = {"StandAlone",    "Disconnecting",  "Unconnected",   "Timeout",
                           "BrokenPipe",    "NetworkFailure", "ProtocolError", "TearDown",
                           "WFConnection",  "WFReportParams", "Connected",     "StartingSyncS",
                           "StartingSyncT", "WFBitMapS",      "WFBitMapT",     "WFSyncUUID",
                           "SyncSource",    "SyncTarget",     "VerifyS",       "VerifyT",
                           "PausedSyncS",   "PausedSyncT"};
    static_assert(sizeof conns / sizeof conns[0] == NBR_C_COUNT);
    for (int c = 0; c < NBR_C_COUNT; c++)
        EXPECT_STREQ(nbr_conn_str(static_cast<enum nbr_conn_state>(c)), conns[c]);
    const char* disks[] = {"Diskless", "Attaching", "Failed",     "Negotiating", "Inconsistent",
                           "Outdated", "DUnknown",  "Consistent", "UpToDate"};
    static_assert(sizeof disks / sizeof disks[0] == NBR_D_COUNT);
    for (int d = 0; d < NBR_D_COUNT; d++)
        EXPECT_STREQ(nbr_disk_str(static_cast<enum nbr_disk_state>(d)), disks[d]);
}

TEST(StateNames, OutOfRangeValuesPrintAQuestionMark) {
    EXPECT_STREQ(nbr_role_str(static_cast<enum nbr_role>(17)), "?");
    EXPECT_STREQ(nbr_conn_str(NBR_C_COUNT), "?");
    EXPECT_STREQ(nbr_disk_str(static_cast<enum nbr_disk_state>(-1)), "?");
    EXPECT_EQ(nbr_wire_proto_char(NBR_PROT_B), 'B');
    EXPECT_EQ(nbr_wire_proto_char(static_cast<enum nbr_wire_proto>(0)), '?');
}

TEST(StateNames, EveryResultHasItsOwnMessage) {
    std::set<std::string> seen;
    for (int rv = 0; rv >= NBR_SS_LOWEST; rv--)
        EXPECT_TRUE(seen.insert(nbr_ss_str(static_cast<enum nbr_ss>(rv))).second) << rv;
    EXPECT_STREQ(nbr_ss_str(NBR_SS_TWO_PRIMARIES), "Multiple primaries not allowed");
}

TEST(StateRules, TheNormalLifeCycleIsAllowed) {
    struct nbr_state steps[] = {
        S(NBR_R_SECONDARY, NBR_C_STANDALONE, NBR_D_DISKLESS),
        S(NBR_R_SECONDARY, NBR_C_STANDALONE, NBR_D_ATTACHING),
        S(NBR_R_SECONDARY, NBR_C_STANDALONE, NBR_D_CONSISTENT),
        S(NBR_R_SECONDARY, NBR_C_UNCONNECTED, NBR_D_CONSISTENT),
        S(NBR_R_SECONDARY, NBR_C_WFCONNECTION, NBR_D_CONSISTENT),
        S(NBR_R_SECONDARY, NBR_C_WFREPORTPARAMS, NBR_D_CONSISTENT),
        Connected(),
        Connected(NBR_R_PRIMARY),
        S(NBR_R_PRIMARY, NBR_C_BROKENPIPE, NBR_D_UPTODATE),
        S(NBR_R_PRIMARY, NBR_C_TEARDOWN, NBR_D_UPTODATE),
        S(NBR_R_PRIMARY, NBR_C_UNCONNECTED, NBR_D_UPTODATE),
        S(NBR_R_PRIMARY, NBR_C_WFCONNECTION, NBR_D_UPTODATE),
        S(NBR_R_PRIMARY, NBR_C_WFREPORTPARAMS, NBR_D_UPTODATE),
        Connected(NBR_R_PRIMARY),
        Connected(),
        S(NBR_R_SECONDARY, NBR_C_DISCONNECTING, NBR_D_UPTODATE),
        S(NBR_R_SECONDARY, NBR_C_STANDALONE, NBR_D_UPTODATE),
        S(NBR_R_SECONDARY, NBR_C_STANDALONE, NBR_D_DISKLESS),
    };
    for (std::size_t i = 1; i < std::size(steps); i++)
        EXPECT_EQ(Check(steps[i - 1], steps[i]), NBR_SS_SUCCESS) << "step " << i;
}

TEST(StateRules, RejectsPromotionWhileThePeerIsPrimary) {
    EXPECT_EQ(
        Check(Connected(NBR_R_SECONDARY, NBR_R_PRIMARY), Connected(NBR_R_PRIMARY, NBR_R_PRIMARY)),
        NBR_SS_TWO_PRIMARIES);
}

TEST(StateRules, RejectsAPeerPromotionWhileWeArePrimary) {
    EXPECT_EQ(Check(Connected(NBR_R_PRIMARY), Connected(NBR_R_PRIMARY, NBR_R_PRIMARY)),
              NBR_SS_TWO_PRIMARIES);
}

TEST(StateRules, AllowsPrimaryWhilePeerIsPrimaryButDisconnected) {
    // Split brain is possible; it is detected at the next handshake.
    auto o = S(NBR_R_SECONDARY, NBR_C_WFCONNECTION, NBR_D_UPTODATE);
    auto n = S(NBR_R_PRIMARY, NBR_C_WFCONNECTION, NBR_D_UPTODATE);
    EXPECT_EQ(Check(o, n), NBR_SS_SUCCESS);
}

TEST(StateRules, RejectsPromotionWithoutUpToDateData) {
    auto o = S(NBR_R_SECONDARY, NBR_C_STANDALONE, NBR_D_INCONSISTENT);
    auto n = S(NBR_R_PRIMARY, NBR_C_STANDALONE, NBR_D_INCONSISTENT);
    EXPECT_EQ(Check(o, n), NBR_SS_NO_UP_TO_DATE_DISK);
    o.disk = n.disk = NBR_D_CONSISTENT;
    EXPECT_EQ(Check(o, n), NBR_SS_NO_UP_TO_DATE_DISK);
    o.disk = n.disk = NBR_D_DISKLESS;
    EXPECT_EQ(Check(o, n), NBR_SS_NO_UP_TO_DATE_DISK);
}

TEST(StateRules, RejectsPromotionWithOutdatedDataWithItsOwnReason) {
    auto o = S(NBR_R_SECONDARY, NBR_C_STANDALONE, NBR_D_OUTDATED);
    auto n = S(NBR_R_PRIMARY, NBR_C_STANDALONE, NBR_D_OUTDATED);
    EXPECT_EQ(Check(o, n), NBR_SS_OUTDATED);
}

TEST(StateRules, AllowsADisklessPrimaryWithAnUpToDatePeer) {
    auto o = S(NBR_R_SECONDARY, NBR_C_CONNECTED, NBR_D_DISKLESS, NBR_R_SECONDARY, NBR_D_UPTODATE);
    auto n = o;
    n.role = NBR_R_PRIMARY;
    EXPECT_EQ(Check(o, n), NBR_SS_SUCCESS);
}

TEST(StateRules, APrimaryMayLoseItsDiskAndItsPeer) {
    // These happen to us; refusing them would leave the state a lie.
    auto o = Connected(NBR_R_PRIMARY);
    auto n = o;
    n.disk = NBR_D_FAILED;
    EXPECT_EQ(Check(o, n), NBR_SS_SUCCESS);
    auto n2 = S(NBR_R_PRIMARY, NBR_C_NETWORKFAILURE, NBR_D_FAILED);
    EXPECT_EQ(Check(n, n2), NBR_SS_SUCCESS);
    auto n3 = S(NBR_R_PRIMARY, NBR_C_NETWORKFAILURE, NBR_D_DISKLESS);
    EXPECT_EQ(Check(n2, n3), NBR_SS_SUCCESS);
}

TEST(StateRules, RejectsPeerStateWhileNotConnected) {
    auto o = S(NBR_R_SECONDARY, NBR_C_WFCONNECTION, NBR_D_UPTODATE);
    auto n = o;
    n.peer_role = NBR_R_SECONDARY;
    EXPECT_EQ(Check(o, n), NBR_SS_PEER_WITHOUT_CONNECTION);
    n = o;
    n.peer_disk = NBR_D_UPTODATE;
    EXPECT_EQ(Check(o, n), NBR_SS_PEER_WITHOUT_CONNECTION);
}

TEST(StateRules, RejectsUnknownPeerStateWhileConnected) {
    auto o = S(NBR_R_SECONDARY, NBR_C_WFREPORTPARAMS, NBR_D_UPTODATE);
    auto n = S(NBR_R_SECONDARY, NBR_C_CONNECTED, NBR_D_UPTODATE);
    EXPECT_EQ(Check(o, n), NBR_SS_PEER_WITHOUT_CONNECTION);
}

TEST(StateRules, RejectsDUnknownAsLocalDiskState) {
    auto o = S(NBR_R_SECONDARY, NBR_C_STANDALONE, NBR_D_UPTODATE);
    auto n = S(NBR_R_SECONDARY, NBR_C_STANDALONE, NBR_D_DUNKNOWN);
    EXPECT_EQ(Check(o, n), NBR_SS_LOCAL_DUNKNOWN);
}

TEST(StateRules, RejectsSkippingTheHandshake) {
    auto o = S(NBR_R_SECONDARY, NBR_C_STANDALONE, NBR_D_UPTODATE);
    EXPECT_EQ(Check(o, Connected()), NBR_SS_CONN_TRANSITION);
    o.conn = NBR_C_WFCONNECTION;
    EXPECT_EQ(Check(o, Connected()), NBR_SS_CONN_TRANSITION);
    auto n = S(NBR_R_SECONDARY, NBR_C_WFREPORTPARAMS, NBR_D_UPTODATE);
    o.conn = NBR_C_UNCONNECTED;
    EXPECT_EQ(Check(o, n), NBR_SS_CONN_TRANSITION);
}

TEST(StateRules, RejectsAFailureStateWithoutALink) {
    auto o = S(NBR_R_SECONDARY, NBR_C_WFCONNECTION, NBR_D_UPTODATE);
    auto n = S(NBR_R_SECONDARY, NBR_C_BROKENPIPE, NBR_D_UPTODATE);
    EXPECT_EQ(Check(o, n), NBR_SS_CONN_TRANSITION);
}

TEST(StateRules, RejectsDisconnectingFromStandAlone) {
    auto o = S(NBR_R_SECONDARY, NBR_C_STANDALONE, NBR_D_UPTODATE);
    auto n = S(NBR_R_SECONDARY, NBR_C_DISCONNECTING, NBR_D_UPTODATE);
    EXPECT_EQ(Check(o, n), NBR_SS_CONN_TRANSITION);
}

TEST(StateRules, RejectsAttachingAnAttachedDisk) {
    auto o = S(NBR_R_SECONDARY, NBR_C_STANDALONE, NBR_D_UPTODATE);
    auto n = S(NBR_R_SECONDARY, NBR_C_STANDALONE, NBR_D_ATTACHING);
    EXPECT_EQ(Check(o, n), NBR_SS_DISK_TRANSITION);
}

TEST(StateRules, RejectsDataStatesWithoutAttaching) {
    auto o = S(NBR_R_SECONDARY, NBR_C_STANDALONE, NBR_D_DISKLESS);
    auto n = S(NBR_R_SECONDARY, NBR_C_STANDALONE, NBR_D_UPTODATE);
    EXPECT_EQ(Check(o, n), NBR_SS_DISK_TRANSITION);
}

TEST(StateRules, AFailedDiskMustGoDisklessFirst) {
    auto o = S(NBR_R_SECONDARY, NBR_C_STANDALONE, NBR_D_FAILED);
    auto n = S(NBR_R_SECONDARY, NBR_C_STANDALONE, NBR_D_UPTODATE);
    EXPECT_EQ(Check(o, n), NBR_SS_DISK_TRANSITION);
    n.disk = NBR_D_DISKLESS;
    EXPECT_EQ(Check(o, n), NBR_SS_SUCCESS);
}

TEST(StateRules, RejectsSyncStatesThatDoNotFitTheDisks) {
    auto o = Connected();
    auto n =
        S(NBR_R_SECONDARY, NBR_C_SYNCSOURCE, NBR_D_INCONSISTENT, NBR_R_SECONDARY, NBR_D_UPTODATE);
    EXPECT_EQ(Check(o, n), NBR_SS_SYNC_DISK_STATES);
    n = S(NBR_R_SECONDARY, NBR_C_SYNCTARGET, NBR_D_UPTODATE, NBR_R_SECONDARY, NBR_D_UPTODATE);
    EXPECT_EQ(Check(o, n), NBR_SS_SYNC_DISK_STATES);
    n = S(NBR_R_SECONDARY, NBR_C_VERIFYS, NBR_D_UPTODATE, NBR_R_SECONDARY, NBR_D_INCONSISTENT);
    EXPECT_EQ(Check(o, n), NBR_SS_SYNC_DISK_STATES);
}

TEST(StateRules, AcceptsSyncStatesThatFitTheDisks) {
    auto o = Connected();
    auto n =
        S(NBR_R_SECONDARY, NBR_C_SYNCSOURCE, NBR_D_UPTODATE, NBR_R_SECONDARY, NBR_D_INCONSISTENT);
    EXPECT_EQ(Check(o, n), NBR_SS_SUCCESS);
    auto t =
        S(NBR_R_SECONDARY, NBR_C_PAUSEDSYNCT, NBR_D_INCONSISTENT, NBR_R_PRIMARY, NBR_D_UPTODATE);
    o.disk = NBR_D_INCONSISTENT;
    EXPECT_EQ(Check(o, t), NBR_SS_SUCCESS);
}

TEST(StateRules, RejectsOutOfRangeValues) {
    auto o = Connected();
    auto n = o;
    n.conn = NBR_C_COUNT;
    EXPECT_EQ(Check(o, n), NBR_SS_INVALID_VALUE);
    n = o;
    n.role = static_cast<enum nbr_role>(-1);
    EXPECT_EQ(Check(o, n), NBR_SS_INVALID_VALUE);
    EXPECT_EQ(Check(n, o), NBR_SS_INVALID_VALUE);
}

TEST(StateRules, ReasonMayBeOmitted) {
    auto o = Connected();
    EXPECT_EQ(nbr_state_check(&o, &o, nullptr), NBR_SS_SUCCESS);
}

TEST(StateRules, EveryConnectionStateCanReachStandAlone) {
    // "drbdsetup down" must always be possible.
    for (int c = 0; c < NBR_C_COUNT; c++) {
        auto cs = static_cast<enum nbr_conn_state>(c);
        auto o = c >= NBR_C_CONNECTED
                     ? S(NBR_R_SECONDARY, cs, NBR_D_UPTODATE, NBR_R_SECONDARY, NBR_D_UPTODATE)
                     : S(NBR_R_SECONDARY, cs, NBR_D_UPTODATE);
        auto n = S(NBR_R_SECONDARY, NBR_C_STANDALONE, NBR_D_UPTODATE);
        EXPECT_EQ(Check(o, n), NBR_SS_SUCCESS) << nbr_conn_str(cs);
    }
}

TEST(PeerStateMessages, OneSentBeforeOurSyncUuidDoesNotUndoThePeersInconsistentDisk) {
    // Sent by a peer that had just finished the previous resync.
    EXPECT_TRUE(nbr_peer_state_predates_sync(NBR_C_SYNCSOURCE, NBR_C_CONNECTED, NBR_D_UPTODATE));
    EXPECT_TRUE(nbr_peer_state_predates_sync(NBR_C_PAUSEDSYNCS, NBR_C_CONNECTED, NBR_D_OUTDATED));
}

TEST(PeerStateMessages, OneFromTheSyncTargetIsCurrent) {
    EXPECT_FALSE(
        nbr_peer_state_predates_sync(NBR_C_SYNCSOURCE, NBR_C_SYNCTARGET, NBR_D_INCONSISTENT));
    EXPECT_FALSE(
        nbr_peer_state_predates_sync(NBR_C_SYNCSOURCE, NBR_C_PAUSEDSYNCT, NBR_D_INCONSISTENT));
}

TEST(PeerStateMessages, ALostPeerDiskIsAlwaysNews) {
    EXPECT_FALSE(nbr_peer_state_predates_sync(NBR_C_SYNCSOURCE, NBR_C_CONNECTED, NBR_D_DISKLESS));
    EXPECT_FALSE(nbr_peer_state_predates_sync(NBR_C_SYNCSOURCE, NBR_C_CONNECTED, NBR_D_FAILED));
}

TEST(PeerStateMessages, OutsideASyncAsSourceEveryMessageIsCurrent) {
    for (auto mine : {NBR_C_CONNECTED, NBR_C_SYNCTARGET, NBR_C_PAUSEDSYNCT, NBR_C_VERIFYS,
                      NBR_C_VERIFYT, NBR_C_WFBITMAPS}) {
        EXPECT_FALSE(nbr_peer_state_predates_sync(mine, NBR_C_CONNECTED, NBR_D_UPTODATE)) << mine;
    }
}

TEST(NewGeneration, APrimaryWhosePeerLosesItsDiskStartsOne) {
    auto o = Connected(NBR_R_PRIMARY);
    auto n = o;
    n.peer_disk = NBR_D_DISKLESS;
    EXPECT_TRUE(nbr_needs_new_current(&o, &n));
    auto gone = S(NBR_R_PRIMARY, NBR_C_NETWORKFAILURE, NBR_D_UPTODATE);
    EXPECT_TRUE(nbr_needs_new_current(&o, &gone));
    // Once is enough: nothing changes for the peer's disk after that.
    EXPECT_FALSE(nbr_needs_new_current(&gone, &gone));
}

TEST(NewGeneration, PromotionWithoutAPeerDiskStartsOne) {
    auto o = S(NBR_R_SECONDARY, NBR_C_WFCONNECTION, NBR_D_UPTODATE);
    auto n = o;
    n.role = NBR_R_PRIMARY;
    EXPECT_TRUE(nbr_needs_new_current(&o, &n));
    auto c = Connected(), p = Connected(NBR_R_PRIMARY);
    EXPECT_FALSE(nbr_needs_new_current(&c, &p));
}

TEST(NewGeneration, ASecondaryHoldingTheOnlyDiskOfItsPrimaryStartsOne) {
    auto o = Connected(NBR_R_SECONDARY, NBR_R_PRIMARY);
    auto n = o;
    n.peer_disk = NBR_D_FAILED;
    EXPECT_TRUE(nbr_needs_new_current(&o, &n));
    auto n2 = n;
    n2.peer_disk = NBR_D_DISKLESS;
    EXPECT_FALSE(nbr_needs_new_current(&n, &n2));
    // A diskless node promoted while connected to us.
    auto d = S(NBR_R_SECONDARY, NBR_C_CONNECTED, NBR_D_UPTODATE, NBR_R_SECONDARY, NBR_D_DISKLESS);
    auto dp = d;
    dp.peer_role = NBR_R_PRIMARY;
    EXPECT_TRUE(nbr_needs_new_current(&d, &dp));
    // Connecting to a diskless Primary.
    auto w = S(NBR_R_SECONDARY, NBR_C_WFREPORTPARAMS, NBR_D_UPTODATE);
    EXPECT_TRUE(nbr_needs_new_current(&w, &dp));
}

TEST(NewGeneration, NotWithoutUpToDateDataOrWithoutAWriter) {
    auto o = Connected(NBR_R_SECONDARY, NBR_R_PRIMARY);
    auto n = o;
    n.peer_disk = NBR_D_DISKLESS;
    n.disk = NBR_D_OUTDATED;
    EXPECT_FALSE(nbr_needs_new_current(&o, &n));
    auto s = Connected();
    auto s2 = s;
    s2.peer_disk = NBR_D_DISKLESS;
    EXPECT_FALSE(nbr_needs_new_current(&s, &s2));
}
