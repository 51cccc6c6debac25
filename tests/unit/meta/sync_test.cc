// The sync decision table, one case per rule, the identifier transitions,
// and the after-split-brain policies.
#include "nbr_sync.h"

#include <gtest/gtest.h>
#include <random>

namespace {

constexpr std::uint64_t JC = NBR_UUID_JUST_CREATED;

struct nbr_sync_side N(std::uint64_t cur, std::uint64_t bm = 0, std::uint64_t h0 = 0,
                       std::uint64_t h1 = 0, std::uint64_t bits = 0,
                       std::uint32_t flags = NBR_MDF_CONSISTENT) {
    struct nbr_sync_side s {};
    s.gi = {cur, bm, {h0, h1}};
    s.flags = flags;
    s.dirty_bits = bits;
    return s;
}

struct Case {
    struct nbr_sync_side self, peer;
    enum nbr_sync want;
    int rule;
    std::uint32_t fixes;
};

void Check(const Case& c) {
    struct nbr_sync_result r = nbr_sync_decide(&c.self, &c.peer);
    EXPECT_EQ(r.decision, c.want) << nbr_sync_str(r.decision) << " rule " << r.rule;
    EXPECT_EQ(r.rule, c.rule);
    EXPECT_EQ(r.fixes, c.fixes);
    // Both nodes agree.
    struct nbr_sync_result m = nbr_sync_decide(&c.peer, &c.self);
    EXPECT_EQ(m.decision, nbr_sync_mirror(c.want)) << "rule " << c.rule;
}

TEST(SyncDecide, FreshDisks) {
    Check({N(JC, 0, 0, 0, 0, 0), N(JC, 0, 0, 0, 0, 0), NBR_SYNC_NONE, 10, 0});
    Check({N(JC, 0, 0, 0, 0, 0), N(0x10), NBR_SYNC_TARGET_FULL, 20, 0});
    Check({N(0x10), N(JC, 0, 0, 0, 0, 0), NBR_SYNC_SOURCE_FULL, 30, 0});
}

TEST(SyncDecide, SameCurrent) {
    Check({N(0x10), N(0x10), NBR_SYNC_NONE, 40, 0});
    auto crashed = N(0x10, 0, 0, 0, 3, NBR_MDF_CONSISTENT | NBR_MDF_CRASHED_PRIMARY);
    Check({crashed, N(0x10), NBR_SYNC_SOURCE, 41, 0});
    Check({N(0x10), crashed, NBR_SYNC_TARGET, 41, 0});
    auto pri = N(0x10, 0, 0, 0, 2);
    pri.primary = true;
    Check({pri, N(0x10, 0, 0, 0, 1), NBR_SYNC_SOURCE, 42, 0});
    auto tie = N(0x10, 0, 0, 0, 1);
    tie.resolve_conflicts = true;
    Check({tie, N(0x10, 0, 0, 0, 1), NBR_SYNC_TARGET, 43, 0});
    // A source whose "resync done" was not recorded; the target recorded it.
    Check({N(0x10, 0x20, 0x30), N(0x10, 0, 0x20, 0x30), NBR_SYNC_NONE, 40, NBR_FIX_SELF_FINISH});
    Check({N(0x10, 0, 0x20, 0x30), N(0x10, 0x20, 0x30), NBR_SYNC_NONE, 40, NBR_FIX_PEER_FINISH});
}

TEST(SyncDecide, BitmapAndHistory) {
    Check({N(0x10, 0, 0, 0, 0, 0), N(0x50, 0x10, 0, 0, 7), NBR_SYNC_TARGET, 50, 0});
    Check({N(0x10), N(0x50, 0x60, 0x10, 0, 7), NBR_SYNC_TARGET, 51, NBR_FIX_PEER_BM_UNDO});
    Check({N(0x10), N(0x50, 0x60, 0x70, 0x10, 7), NBR_SYNC_TARGET, 60, NBR_FIX_PEER_BM_UNDO2});
    Check({N(0x50, 0x10, 0, 0, 7), N(0x10, 0, 0, 0, 0, 0), NBR_SYNC_SOURCE, 70, 0});
    Check({N(0x50, 0x60, 0x10, 0, 7), N(0x10), NBR_SYNC_SOURCE, 71, NBR_FIX_SELF_BM_UNDO});
    Check({N(0x50, 0x60, 0x70, 0x10, 7), N(0x10), NBR_SYNC_SOURCE, 80, NBR_FIX_SELF_BM_UNDO2});
}

TEST(SyncDecide, BothMovedOn) {
    Check({N(0x50, 0x10, 0, 0, 5), N(0x60, 0x10, 0, 0, 9), NBR_SYNC_SPLIT_BRAIN, 90, 0});
    Check({N(0x50, 0x10), N(0x60, 0x10, 0, 0, 9), NBR_SYNC_TARGET, 91, 0});
    Check({N(0x50, 0x10, 0, 0, 9), N(0x60, 0x10), NBR_SYNC_SOURCE, 92, 0});
    auto tie = N(0x50, 0x10);
    tie.resolve_conflicts = true;
    Check({tie, N(0x60, 0x10), NBR_SYNC_TARGET, 93, 0});
    Check({N(0x50, 0x20, 0x10, 0, 5), N(0x60, 0x30, 0x10, 0, 9), NBR_SYNC_SPLIT_BRAIN_HISTORY, 100,
           0});
    Check({N(0x50, 0x20, 0x10), N(0x60, 0x30, 0, 0x10, 9), NBR_SYNC_TARGET, 101, 0});
    Check({N(0x50, 0x20, 0x10, 0, 9), N(0x60, 0x10), NBR_SYNC_SOURCE, 102, 0});
    auto other = N(0x60, 0x30, 0x10);
    other.resolve_conflicts = true;
    Check({N(0x50, 0x20, 0x10), other, NBR_SYNC_SOURCE, 103, 0});
    Check({N(0x50, 0x20, 0x21, 0x22, 9), N(0x60, 0x30, 0x31, 0x32, 9), NBR_SYNC_UNRELATED, 110, 0});
}

TEST(SyncDecide, NeverFromAnInconsistentDisk) {
    Check({N(0x10, 0, 0, 0, 0, 0), N(JC, 0, 0, 0, 0, 0), NBR_SYNC_NO_GOOD_DATA, 120, 0});
    Check({N(0x10), N(0x50, 0x10, 0, 0, 3, 0), NBR_SYNC_NO_GOOD_DATA, 120, 0});
}

// Random tuples over a small UUID alphabet: the two sides always agree.
TEST(SyncDecide, SymmetricOnRandomInput) {
    std::mt19937_64 rng(31);
    auto u = [&] { return std::uint64_t(rng() % 6); };
    for (int i = 0; i < 200000; i++) {
        struct nbr_sync_side a =
            N(u() ? u() + 0x10 : JC, u(), u(), u(), rng() % 2, rng() % 2 ? NBR_MDF_CONSISTENT : 0);
        struct nbr_sync_side b =
            N(u() ? u() + 0x10 : JC, u(), u(), u(), rng() % 2, rng() % 2 ? NBR_MDF_CONSISTENT : 0);
        a.primary = rng() % 2, b.primary = rng() % 2;
        a.flags |= rng() % 2 ? NBR_MDF_CRASHED_PRIMARY : 0;
        b.flags |= rng() % 2 ? NBR_MDF_CRASHED_PRIMARY : 0;
        a.resolve_conflicts = rng() % 2;
        b.resolve_conflicts = !a.resolve_conflicts;
        struct nbr_sync_result r = nbr_sync_decide(&a, &b), m = nbr_sync_decide(&b, &a);
        ASSERT_EQ(nbr_sync_mirror(r.decision), m.decision) << i << " rule " << r.rule;
    }
}

TEST(GiTransitions, NewCurrentResyncAndFixes) {
    struct nbr_gi g = {0x10, 0, {0, 0}};
    std::uint32_t flags = NBR_MDF_CONSISTENT;
    nbr_gi_new_current(&g, &flags, 0x20, true); // Primary lost its peer
    EXPECT_EQ(g.uuid_current, 0x20u);
    EXPECT_EQ(g.bitmap, 0x10u);
    EXPECT_TRUE(flags & NBR_MDF_SPLIT_AS_PRIMARY);
    nbr_gi_new_current(&g, &flags, 0x30, false); // promoted again, still apart
    EXPECT_EQ(g.uuid_current, 0x30u);
    EXPECT_EQ(g.bitmap, 0x10u);
    EXPECT_EQ(g.history[0], 0u);
    EXPECT_TRUE(flags & NBR_MDF_SPLIT_AS_PRIMARY);

    struct nbr_gi t = {0x10, 0, {0, 0}};
    std::uint32_t tflags = NBR_MDF_CONSISTENT | NBR_MDF_WAS_UP_TO_DATE;
    std::uint64_t x = nbr_gi_sync_start_source(&g, 0x40);
    nbr_gi_sync_start_target(&t, &tflags, x);
    EXPECT_EQ(g.bitmap, 0x40u);
    EXPECT_EQ(g.history[0], 0x10u);
    EXPECT_EQ(t.uuid_current, 0x40u);
    EXPECT_EQ(tflags, 0u);
    nbr_gi_sync_done_source(&g);
    nbr_gi_sync_done_target(&t, &tflags, &g);
    EXPECT_EQ(g.bitmap, 0u);
    EXPECT_EQ(g.history[0], 0x40u);
    EXPECT_EQ(g.history[1], 0x10u);
    EXPECT_EQ(t.uuid_current, g.uuid_current);
    EXPECT_EQ(t.history[0], 0x40u);
    EXPECT_TRUE(tflags & NBR_MDF_CONSISTENT);

    struct nbr_gi f = {0x50, 0x60, {0x70, 0x80}};
    nbr_gi_fix(&f, NBR_FIX_SELF_BM_UNDO);
    EXPECT_EQ(f.bitmap, 0x70u);
    EXPECT_EQ(f.history[0], 0x80u);
    f = {0x50, 0x60, {0x70, 0x80}};
    nbr_gi_fix(&f, NBR_FIX_SELF_BM_UNDO2);
    EXPECT_EQ(f.bitmap, 0x80u);
    f = {0x50, 0x60, {0x70, 0x80}};
    nbr_gi_fix(&f, NBR_FIX_PEER_BM_UNDO | NBR_FIX_PEER_FINISH); // not mine
    EXPECT_EQ(f.bitmap, 0x60u);
    // A fresh disk never puts JUST_CREATED into its bitmap UUID.
    struct nbr_gi fresh = {JC, 0, {0, 0}};
    nbr_gi_new_current(&fresh, &flags, 0x90, false);
    EXPECT_EQ(fresh.bitmap, 0u);
}

// ---- after split brain ----

struct nbr_sync_side Sb(bool primary, std::uint64_t bits, bool split_as_primary,
                        bool resolve = false) {
    struct nbr_sync_side s = N(0x50, 0x10, 0, 0, bits);
    s.primary = primary;
    if (split_as_primary)
        s.flags |= NBR_MDF_SPLIT_AS_PRIMARY;
    s.resolve_conflicts = resolve;
    return s;
}

enum nbr_asb_verdict V(struct nbr_sync_side s, struct nbr_sync_side p, struct nbr_asb_policy pol,
                       bool* pri_lost = nullptr) {
    struct nbr_asb_result r = nbr_asb_decide(&s, &p, NBR_SYNC_SPLIT_BRAIN, &pol);
    EXPECT_NE(r.why, nullptr);
    if (pri_lost)
        *pri_lost = r.call_pri_lost;
    // The peer's answer mirrors ours for the symmetric policies.
    struct nbr_asb_result m = nbr_asb_decide(&p, &s, NBR_SYNC_SPLIT_BRAIN, &pol);
    if (pol.p0 != NBR_ASB0_DISCARD_LOCAL && pol.p0 != NBR_ASB0_DISCARD_REMOTE &&
        r.verdict != NBR_ASB_DISCONNECT) {
        EXPECT_EQ(m.verdict, r.verdict == NBR_ASB_DISCARD_LOCAL ? NBR_ASB_DISCARD_REMOTE
                                                                : NBR_ASB_DISCARD_LOCAL);
    }
    return r.verdict;
}

struct nbr_asb_policy P0(enum nbr_asb0 p) {
    return {p, NBR_ASB1_DISCONNECT, NBR_ASB2_DISCONNECT, false};
}

TEST(AfterSplitBrain, ZeroPrimaries) {
    auto older = Sb(false, 5, true), younger = Sb(false, 9, false, true);
    EXPECT_EQ(V(older, younger, P0(NBR_ASB0_DISCONNECT)), NBR_ASB_DISCONNECT);
    EXPECT_EQ(V(older, younger, P0(NBR_ASB0_DISCARD_YOUNGER_PRIMARY)), NBR_ASB_DISCARD_REMOTE);
    EXPECT_EQ(V(older, younger, P0(NBR_ASB0_DISCARD_OLDER_PRIMARY)), NBR_ASB_DISCARD_LOCAL);
    EXPECT_EQ(V(older, younger, P0(NBR_ASB0_DISCARD_LEAST_CHANGES)), NBR_ASB_DISCARD_LOCAL);
    EXPECT_EQ(V(older, younger, P0(NBR_ASB0_DISCARD_ZERO_CHANGES)), NBR_ASB_DISCONNECT);
    EXPECT_EQ(V(Sb(false, 0, true), younger, P0(NBR_ASB0_DISCARD_ZERO_CHANGES)),
              NBR_ASB_DISCARD_LOCAL);
    EXPECT_EQ(V(Sb(false, 0, true), Sb(false, 0, false, true), P0(NBR_ASB0_DISCARD_ZERO_CHANGES)),
              NBR_ASB_DISCARD_REMOTE); // tie: the resolve-conflicts node discards
    EXPECT_EQ(V(older, younger, P0(NBR_ASB0_DISCARD_LOCAL)), NBR_ASB_DISCARD_LOCAL);
    EXPECT_EQ(V(older, younger, P0(NBR_ASB0_DISCARD_REMOTE)), NBR_ASB_DISCARD_REMOTE);
    // Same age: falls back to least changes; equal changes: tie-breaker.
    EXPECT_EQ(V(Sb(false, 5, true), Sb(false, 5, true, true), P0(NBR_ASB0_DISCARD_YOUNGER_PRIMARY)),
              NBR_ASB_DISCARD_REMOTE);
    auto named = older;
    named.named_discard = true;
    EXPECT_EQ(V(named, younger, P0(NBR_ASB0_DISCARD_NODE)), NBR_ASB_DISCARD_LOCAL);
    EXPECT_EQ(V(older, younger, P0(NBR_ASB0_DISCARD_NODE)), NBR_ASB_DISCONNECT);
}

TEST(AfterSplitBrain, OnePrimary) {
    auto pri = Sb(true, 5, false), sec = Sb(false, 9, true, true);
    struct nbr_asb_policy p = {NBR_ASB0_DISCARD_LEAST_CHANGES, NBR_ASB1_DISCONNECT,
                               NBR_ASB2_DISCONNECT, false};
    EXPECT_EQ(V(pri, sec, p), NBR_ASB_DISCONNECT);
    p.p1 = NBR_ASB1_DISCARD_SECONDARY;
    EXPECT_EQ(V(pri, sec, p), NBR_ASB_DISCARD_REMOTE);
    EXPECT_EQ(V(sec, pri, p), NBR_ASB_DISCARD_LOCAL);
    p.p1 = NBR_ASB1_CONSENSUS; // 0pri would discard the Primary (fewer changes)
    EXPECT_EQ(V(pri, sec, p), NBR_ASB_DISCONNECT);
    p.p0 = NBR_ASB0_DISCARD_OLDER_PRIMARY; // the Secondary was the older Primary
    EXPECT_EQ(V(pri, sec, p), NBR_ASB_DISCARD_REMOTE);
    p.p0 = NBR_ASB0_DISCARD_LEAST_CHANGES;
    p.p1 = NBR_ASB1_VIOLENTLY_AS0P;
    bool lost = true;
    EXPECT_EQ(V(pri, sec, p, &lost), NBR_ASB_DISCARD_LOCAL);
    EXPECT_FALSE(lost);
    p.p1 = NBR_ASB1_CALL_PRI_LOST_AFTER_SB;
    EXPECT_EQ(V(pri, sec, p, &lost), NBR_ASB_DISCARD_LOCAL);
    EXPECT_TRUE(lost);
}

TEST(AfterSplitBrain, TwoPrimariesAndNoCommonBitmap) {
    auto a = Sb(true, 5, true), b = Sb(true, 9, false, true);
    struct nbr_asb_policy p = {NBR_ASB0_DISCARD_LEAST_CHANGES, NBR_ASB1_DISCONNECT,
                               NBR_ASB2_DISCONNECT, false};
    EXPECT_EQ(V(a, b, p), NBR_ASB_DISCONNECT);
    p.p2 = NBR_ASB2_VIOLENTLY_AS0P;
    EXPECT_EQ(V(a, b, p), NBR_ASB_DISCARD_LOCAL);
    p.p2 = NBR_ASB2_CALL_PRI_LOST_AFTER_SB;
    bool lost = false;
    EXPECT_EQ(V(a, b, p, &lost), NBR_ASB_DISCARD_LOCAL);
    EXPECT_TRUE(lost);
    // Without a common bitmap only always-asbp allows a (full) recovery.
    p = P0(NBR_ASB0_DISCARD_LEAST_CHANGES);
    auto s = Sb(false, 5, true), q = Sb(false, 9, false, true);
    struct nbr_asb_result r = nbr_asb_decide(&s, &q, NBR_SYNC_SPLIT_BRAIN_HISTORY, &p);
    EXPECT_EQ(r.verdict, NBR_ASB_DISCONNECT);
    p.always_asbp = true;
    r = nbr_asb_decide(&s, &q, NBR_SYNC_SPLIT_BRAIN_HISTORY, &p);
    EXPECT_EQ(r.verdict, NBR_ASB_DISCARD_LOCAL);
    EXPECT_TRUE(r.full_sync);
    r = nbr_asb_decide(&s, &q, NBR_SYNC_SOURCE, &p);
    EXPECT_EQ(r.verdict, NBR_ASB_DISCONNECT);
}

} // namespace
