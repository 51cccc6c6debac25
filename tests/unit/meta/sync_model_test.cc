// Exhaustive test of the sync decision (reliability.md matrix row 31).
//
// A tiny reference model of two nodes runs every sequence of events up to a
// fixed length: writes, promotions, demotions, link cuts, crashes (with a
// write in flight on either node), restarts, connects, resync steps,
// resync ends of which one side's record is lost, and manual split-brain
// recovery. The model tracks the generation identifiers exactly as the
// module will (through the kernel/lib transition functions), and, apart
// from them, the ground truth: which writes each disk holds, which were
// acknowledged to the application, and which blocks each bitmap marks.
//
// Every write goes to a block of its own, so "the disks differ" means "a
// write is on one disk and not the other", and a bitmap covers the
// difference exactly when it marks those writes' blocks.
//
// At every connect nbr_sync_decide() runs on both sides and must:
//  - give mirror-image answers (same rule) on the two nodes;
//  - never make a node the target when that loses an acknowledged write
//    the target has and the source lacks (never older over newer);
//  - report split brain exactly when both sides hold acknowledged writes
//    the other lacks (both changed while apart);
//  - ask for a full sync exactly when the union of the two bitmaps does
//    not cover every block that differs, and for a bitmap sync otherwise;
//  - say "no sync" only when the disks are identical (or both fresh).
#include "nbr_sync.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr int kBase = 0; // the pseudo-write "initial contents"

struct Node {
    struct nbr_gi gi {};
    std::uint32_t flags = 0;
    bool up = true;
    bool primary = false;
    int base = 1;          // label of the contents below all writes
    std::set<int> writes;  // writes (= blocks) this disk holds
    bool all_bits = false; // bitmap: every bit set (full sync)
    std::set<int> bits;    // bitmap: blocks marked out of sync
    std::set<int> al;      // blocks with a write in flight (activity log)
    bool served = false;   // was Primary while apart from the peer
};

struct World {
    Node n[2];
    bool connected = false;
    int sync_source = -1; // >= 0 while a resync runs
    bool standalone = false;
    int split_brain = -1; // node that may discard after a split brain
    bool unrelated = false;
    std::set<int> acked;
    int next_write = 1;
    std::uint64_t next_uuid = 0x100;
    std::vector<std::string> trace;

    std::uint64_t Uuid() { return next_uuid++; }
};

const int kGood = 1; // base label of data someone declared good

// Acknowledged data on `from` that `to` lacks.
std::set<int> Lacks(const World& w, int to, int from) {
    std::set<int> out;
    const Node &t = w.n[to], &f = w.n[from];
    if (f.base == kGood && t.base != kGood)
        out.insert(kBase);
    for (int x : f.writes)
        if (!t.writes.count(x) && w.acked.count(x))
            out.insert(x);
    return out;
}

// Did node `i` change anything while apart? Either an acknowledged write
// the other lacks, or, having been Primary while apart, a block it marks
// and that differs: a write in flight at its crash is in its bitmap
// (activity log), and once it served that block as Primary, its content
// there is data too; the metadata cannot tell the two apart, nor can we.
bool Changed(const World& w, int i) {
    const Node &n = w.n[i], &o = w.n[1 - i];
    if (!Lacks(w, 1 - i, i).empty())
        return true;
    if (!n.served)
        return false;
    for (int x : n.bits)
        if (n.writes.count(x) != o.writes.count(x))
            return true;
    return false;
}

bool Identical(const World& w) {
    return w.n[0].base == w.n[1].base && w.n[0].writes == w.n[1].writes;
}

// Does the union of both bitmaps mark every block that differs?
bool Covered(const World& w) {
    const Node &a = w.n[0], &b = w.n[1];
    if (a.all_bits || b.all_bits)
        return true;
    if (a.base != b.base)
        return false;
    std::set<int> diff;
    std::set_symmetric_difference(a.writes.begin(), a.writes.end(), b.writes.begin(),
                                  b.writes.end(), std::inserter(diff, diff.end()));
    for (int x : diff)
        if (!a.bits.count(x) && !b.bits.count(x))
            return false;
    return true;
}

struct nbr_sync_side Side(const World& w, int i) {
    struct nbr_sync_side s {};
    s.gi = w.n[i].gi;
    s.flags = w.n[i].flags;
    s.primary = w.n[i].primary;
    s.dirty_bits = w.n[i].all_bits ? 1000000 : w.n[i].bits.size();
    s.resolve_conflicts = i == 1;
    return s;
}

std::string Trace(const World& w) {
    std::ostringstream o;
    for (const auto& t : w.trace)
        o << t << "; ";
    return o.str();
}

bool IsSync(enum nbr_sync d) {
    return d == NBR_SYNC_SOURCE || d == NBR_SYNC_TARGET || d == NBR_SYNC_SOURCE_FULL ||
           d == NBR_SYNC_TARGET_FULL;
}

bool IsFull(enum nbr_sync d) {
    return d == NBR_SYNC_SOURCE_FULL || d == NBR_SYNC_TARGET_FULL;
}

// The rule the peer reports for the same pair.
int MirrorRule(int rule) {
    static const std::map<int, int> pairs = {{20, 30}, {30, 20}, {50, 70},   {70, 50},
                                             {51, 71}, {71, 51}, {60, 80},   {80, 60},
                                             {91, 92}, {92, 91}, {101, 102}, {102, 101}};
    auto it = pairs.find(rule);
    return it == pairs.end() ? rule : it->second;
}

struct Stats {
    long sequences = 0, connects = 0;
    std::map<int, long> rules;
};

// The properties; returns false (after reporting) on a violation.
bool CheckDecision(const World& w, const struct nbr_sync_result& r,
                   const struct nbr_sync_result& mirror) {
    std::string t = Trace(w);
    EXPECT_EQ(nbr_sync_mirror(r.decision), mirror.decision) << t;
    EXPECT_EQ(MirrorRule(r.rule), mirror.rule) << t;
    std::set<int> lacks0 = Lacks(w, 0, 1), lacks1 = Lacks(w, 1, 0);
    bool both_fresh = !(w.n[0].flags & NBR_MDF_CONSISTENT) &&
                      !(w.n[1].flags & NBR_MDF_CONSISTENT) && w.n[0].base != kGood &&
                      w.n[1].base != kGood;
    if (w.unrelated) {
        EXPECT_EQ(r.decision, NBR_SYNC_UNRELATED) << "rule " << r.rule << ": " << t;
        return !::testing::Test::HasFailure();
    }
    EXPECT_NE(r.decision, NBR_SYNC_UNRELATED) << t;
    bool split = r.decision == NBR_SYNC_SPLIT_BRAIN || r.decision == NBR_SYNC_SPLIT_BRAIN_HISTORY;
    EXPECT_EQ(split, Changed(w, 0) && Changed(w, 1))
        << nbr_sync_str(r.decision) << " by rule " << r.rule << ": " << t;
    if (r.decision == NBR_SYNC_NONE) {
        EXPECT_TRUE(Identical(w) || both_fresh) << "no-sync by rule " << r.rule << ": " << t;
    }
    if (r.decision == NBR_SYNC_SOURCE || r.decision == NBR_SYNC_SOURCE_FULL) {
        EXPECT_TRUE(lacks0.empty())
            << "node 0 as source loses writes, rule " << r.rule << ": " << t;
    }
    if (r.decision == NBR_SYNC_TARGET || r.decision == NBR_SYNC_TARGET_FULL) {
        EXPECT_TRUE(lacks1.empty())
            << "node 1 as source loses writes, rule " << r.rule << ": " << t;
    }
    if (IsSync(r.decision)) {
        EXPECT_EQ(IsFull(r.decision), !Covered(w))
            << nbr_sync_str(r.decision) << " by rule " << r.rule << ": " << t;
    }
    if (split) {
        EXPECT_TRUE(Covered(w)) << "split brain with a common bitmap not covered: " << t;
    }
    return !::testing::Test::HasFailure();
}

// ---- events: each returns false when it does not apply ----

bool Write(World& w, int i) {
    Node& n = w.n[i];
    if (!n.up || !n.primary)
        return false;
    int x = w.next_write++;
    n.writes.insert(x);
    w.acked.insert(x);
    if (w.connected)
        w.n[1 - i].writes.insert(x);
    else
        n.bits.insert(x);
    return true;
}

bool Promote(World& w, int i) {
    Node& n = w.n[i];
    if (!n.up || n.primary || !(n.flags & NBR_MDF_CONSISTENT))
        return false;
    if (w.connected && w.n[1 - i].primary)
        return false;
    if (!w.connected)
        nbr_gi_new_current(&n.gi, &n.flags, w.Uuid(), false);
    if (!w.connected)
        n.served = true;
    n.primary = true;
    n.flags |= NBR_MDF_PRIMARY_IND;
    return true;
}

bool Demote(World& w, int i) {
    Node& n = w.n[i];
    if (!n.up || !n.primary)
        return false;
    n.primary = false;
    n.flags &= ~NBR_MDF_PRIMARY_IND;
    return true;
}

// The link goes away (cut, or the peer died): a Primary starts a generation.
void LoseLink(World& w) {
    w.connected = false;
    w.sync_source = -1;
    for (Node& n : w.n)
        if (n.up && n.primary) {
            nbr_gi_new_current(&n.gi, &n.flags, w.Uuid(), true);
            n.served = true;
        }
}

bool Cut(World& w) {
    if (!w.connected)
        return false;
    LoseLink(w);
    return true;
}

// A node dies. A Primary may have one write in flight: on its own disk
// (inflight_here), on the peer's (only when connected), and it is never
// acknowledged. Its block is in the activity log either way.
bool Crash(World& w, int i, bool inflight_here) {
    Node& n = w.n[i];
    if (!n.up)
        return false;
    if (!inflight_here && !(n.primary && w.connected))
        return false;
    if (n.primary) {
        int x = w.next_write++;
        n.al.insert(x);
        if (inflight_here) {
            n.writes.insert(x);
            // Apart from the peer, the local write is all there is: the
            // application may have seen it complete. Count it as a change.
            if (!w.connected) {
                n.bits.insert(x);
                w.acked.insert(x);
            }
        } else {
            w.n[1 - i].writes.insert(x);
        }
    }
    n.up = false;
    n.primary = false;
    if (w.connected)
        LoseLink(w);
    return true;
}

bool Restart(World& w, int i) {
    Node& n = w.n[i];
    if (n.up)
        return false;
    n.up = true;
    if (n.flags & NBR_MDF_PRIMARY_IND) {
        n.flags |= NBR_MDF_CRASHED_PRIMARY;
        n.flags &= ~NBR_MDF_PRIMARY_IND;
        n.bits.insert(n.al.begin(), n.al.end()); // apply-al
    }
    n.al.clear();
    return true;
}

void StartSync(World& w, int src, bool full, std::uint32_t src_fixes, std::uint32_t tgt_fixes) {
    Node &s = w.n[src], &t = w.n[1 - src];
    nbr_gi_fix(&s.gi, src_fixes);
    nbr_gi_fix(&t.gi, tgt_fixes);
    s.bits.insert(t.bits.begin(), t.bits.end()); // bitmaps are merged
    s.all_bits = s.all_bits || t.all_bits || full;
    t.bits.clear();
    t.all_bits = false;
    std::uint64_t x = nbr_gi_sync_start_source(&s.gi, w.Uuid());
    nbr_gi_sync_start_target(&t.gi, &t.flags, x);
    s.flags &= ~NBR_MDF_CRASHED_PRIMARY;
    t.flags &= ~NBR_MDF_CRASHED_PRIMARY;
    s.served = t.served = false;
    w.sync_source = src;
}

std::uint32_t SelfFixes(std::uint32_t f) {
    return f & (NBR_FIX_SELF_FINISH | NBR_FIX_SELF_BM_UNDO | NBR_FIX_SELF_BM_UNDO2);
}

bool Connect(World& w, Stats& st) {
    if (w.connected || w.standalone || !w.n[0].up || !w.n[1].up)
        return false;
    if (w.n[0].primary && w.n[1].primary)
        return false; // two Primaries: after-sb-2pri, not modelled here
    struct nbr_sync_side a = Side(w, 0), b = Side(w, 1);
    struct nbr_sync_result r = nbr_sync_decide(&a, &b);
    struct nbr_sync_result m = nbr_sync_decide(&b, &a);
    st.connects++;
    st.rules[r.rule]++;
    if (!CheckDecision(w, r, m))
        return false;
    switch (r.decision) {
    case NBR_SYNC_NONE:
        w.connected = true;
        nbr_gi_fix(&w.n[0].gi, SelfFixes(r.fixes));
        nbr_gi_fix(&w.n[1].gi, SelfFixes(m.fixes));
        for (Node& n : w.n) {
            n.flags &= ~NBR_MDF_CRASHED_PRIMARY;
            n.served = false;
        }
        return true;
    case NBR_SYNC_SOURCE:
    case NBR_SYNC_TARGET:
    case NBR_SYNC_SOURCE_FULL:
    case NBR_SYNC_TARGET_FULL: {
        int src = (r.decision == NBR_SYNC_SOURCE || r.decision == NBR_SYNC_SOURCE_FULL) ? 0 : 1;
        if (w.n[1 - src].primary) { // rr-conflict: never roll back a Primary
            w.standalone = true;
            return true;
        }
        w.connected = true;
        StartSync(w, src, IsFull(r.decision), SelfFixes(src == 0 ? r.fixes : m.fixes),
                  SelfFixes(src == 0 ? m.fixes : r.fixes));
        return true;
    }
    case NBR_SYNC_SPLIT_BRAIN:
    case NBR_SYNC_SPLIT_BRAIN_HISTORY:
        w.standalone = true;
        w.split_brain = r.decision == NBR_SYNC_SPLIT_BRAIN ? 0 : 1;
        return true;
    case NBR_SYNC_UNRELATED:
    case NBR_SYNC_NO_GOOD_DATA:
    case NBR_SYNC_COUNT:
        w.standalone = true;
        return true;
    }
    return true;
}

// connect --discard-my-data on node i after a split brain.
bool DiscardMyData(World& w, int i) {
    if (w.split_brain < 0 || !w.n[0].up || !w.n[1].up || w.n[i].primary)
        return false;
    bool full = w.split_brain == 1;
    // The administrator throws this node's changes away.
    for (int x : w.n[i].writes)
        if (!w.n[1 - i].writes.count(x))
            w.acked.erase(x);
    w.standalone = false;
    w.split_brain = -1;
    w.connected = true;
    StartSync(w, 1 - i, full, 0, 0);
    return true;
}

void CopyBlock(World& w, int x) {
    Node &s = w.n[w.sync_source], &t = w.n[1 - w.sync_source];
    if (s.writes.count(x))
        t.writes.insert(x);
    else
        t.writes.erase(x);
    s.bits.erase(x);
}

bool SyncStep(World& w) {
    if (w.sync_source < 0)
        return false;
    Node& s = w.n[w.sync_source];
    if (s.all_bits || s.bits.empty())
        return false;
    CopyBlock(w, *s.bits.begin());
    return true;
}

// Resync completes; `lost` = 0: both record it, 1: the target dies before
// recording it, 2: the source dies before recording it.
bool SyncDone(World& w, int lost) {
    if (w.sync_source < 0)
        return false;
    int si = w.sync_source;
    Node &s = w.n[si], &t = w.n[1 - si];
    t.base = s.base;
    t.writes = s.writes;
    s.bits.clear();
    s.all_bits = false;
    struct nbr_gi before = s.gi;
    nbr_gi_sync_done_source(&s.gi);
    if (lost != 1)
        nbr_gi_sync_done_target(&t.gi, &t.flags, &s.gi);
    if (lost == 2)
        s.gi = before;
    w.sync_source = -1;
    if (lost)
        Crash(w, lost == 1 ? 1 - si : si, true);
    return true;
}

// primary --force on a fresh pair (disconnected).
bool ForcePrimary(World& w, int i) {
    Node& n = w.n[i];
    if (!n.up || w.connected || n.gi.uuid_current != NBR_UUID_JUST_CREATED)
        return false;
    nbr_gi_new_current(&n.gi, &n.flags, w.Uuid(), false);
    n.flags |= NBR_MDF_CONSISTENT | NBR_MDF_PRIMARY_IND;
    n.primary = true;
    n.base = kGood;
    return true;
}

const char* const kEventNames[] = {
    "write A",      "write B",      "promote A", "promote B", "demote A",    "demote B",
    "connect",      "cut",          "crash A",   "crash B",   "crash A*",    "crash B*",
    "restart A",    "restart B",    "sync step", "sync done", "done lost T", "done lost S",
    "discard-my A", "discard-my B", "force A",
};
constexpr int kEvents = sizeof(kEventNames) / sizeof(kEventNames[0]);

bool Apply(World& w, int e, Stats& st) {
    switch (e) {
    case 0:
    case 1:
        return Write(w, e - 0);
    case 2:
    case 3:
        return Promote(w, e - 2);
    case 4:
    case 5:
        return Demote(w, e - 4);
    case 6:
        return Connect(w, st);
    case 7:
        return Cut(w);
    case 8:
    case 9:
        return Crash(w, e - 8, true);
    case 10:
    case 11:
        return Crash(w, e - 10, false);
    case 12:
    case 13:
        return Restart(w, e - 12);
    case 14:
        return SyncStep(w);
    case 15:
        return SyncDone(w, 0);
    case 16:
        return SyncDone(w, 1);
    case 17:
        return SyncDone(w, 2);
    case 18:
    case 19:
        return DiscardMyData(w, e - 18);
    case 20:
        return ForcePrimary(w, 0);
    }
    return false;
}

// Depth-first over all event sequences; stops at the first violation.
void Explore(const World& w, int depth, Stats& st) {
    st.sequences++;
    if (depth == 0 || ::testing::Test::HasFailure())
        return;
    for (int e = 0; e < kEvents && !::testing::Test::HasFailure(); e++) {
        World next = w;
        next.trace.push_back(kEventNames[e]);
        if (Apply(next, e, st))
            Explore(next, depth - 1, st);
    }
}

World InSyncPair() {
    World w;
    for (Node& n : w.n) {
        n.gi.uuid_current = 0x42;
        n.flags = NBR_MDF_CONSISTENT;
        n.base = kGood;
    }
    w.connected = true;
    return w;
}

World FreshPair() {
    World w;
    for (int i = 0; i < 2; i++) {
        w.n[i].gi.uuid_current = NBR_UUID_JUST_CREATED;
        w.n[i].base = 10 + i; // garbage, different on each disk
    }
    return w;
}

TEST(SyncModel, FromAPairInSync) {
    Stats st;
    Explore(InSyncPair(), 10, st);
    std::ostringstream rules;
    for (auto [rule, n] : st.rules)
        rules << rule << ":" << n << " ";
    RecordProperty("sequences", std::to_string(st.sequences));
    std::printf("sequences %ld, connects %ld, rules %s\n", st.sequences, st.connects,
                rules.str().c_str());
    // The interesting rules must all be reached, or the model is too small.
    for (int rule : {40, 41, 50, 51, 70, 71, 90, 91, 92, 93, 100, 101, 102, 103})
        EXPECT_GT(st.rules[rule], 0) << "rule " << rule << " never reached";
}

TEST(SyncModel, FromAFreshPair) {
    Stats st;
    Explore(FreshPair(), 9, st);
    std::printf("sequences %ld, connects %ld\n", st.sequences, st.connects);
    for (int rule : {10, 30, 50, 70})
        EXPECT_GT(st.rules[rule], 0) << "rule " << rule << " never reached";
}

TEST(SyncModel, UnrelatedDataIsRefused) {
    World w = InSyncPair();
    w.connected = false;
    w.n[1].gi.uuid_current = 0x43;
    w.n[1].base = 2;
    w.unrelated = true;
    Stats st;
    Explore(w, 5, st);
    EXPECT_GT(st.rules[110], 0);
}

} // namespace
