// Activity-log extent math, transaction building and replay after a crash.
#include "nbr_al.h"

#include <gtest/gtest.h>
#include <memory>
#include <random>
#include <vector>

namespace {

TEST(AlExtents, Math) {
    EXPECT_EQ(nbr_al_extent_count(0), 0u);
    EXPECT_EQ(nbr_al_extent_count(8192), 1u);
    EXPECT_EQ(nbr_al_extent_count(8193), 2u);
    EXPECT_EQ(nbr_al_extent_of(8191), 0u);
    EXPECT_EQ(nbr_al_extent_of(8192), 1u);
    u64 f = 0, l = 0;
    EXPECT_FALSE(nbr_al_extents_of(5, 0, &f, &l));
    ASSERT_TRUE(nbr_al_extents_of(8184, 8192, &f, &l)); // crosses 4 MiB
    EXPECT_EQ(f, 0u);
    EXPECT_EQ(l, 1u);
    ASSERT_TRUE(nbr_al_extents_of(8192, 4 << 20, &f, &l));
    EXPECT_EQ(f, 1u);
    EXPECT_EQ(l, 1u);
    nbr_al_extent_bits(3, &f, &l);
    EXPECT_EQ(f, 3072u);
    EXPECT_EQ(l, 4095u);
}

// A writer as the module would run it: activate extents, one transaction
// each time, into a ring; the replay must give back the writer's table.
struct Writer {
    std::uint32_t extents, slots;
    std::vector<std::uint32_t> table;
    std::vector<std::unique_ptr<struct nbr_al_txn>> ring;
    std::uint64_t seq = 0;

    Writer(std::uint32_t e, std::uint32_t s) : extents(e), slots(s), table(e), ring(s) {
        nbr_al_table_init(table.data(), e);
    }
    void Activate(const std::vector<std::pair<std::uint16_t, std::uint32_t>>& changes) {
        std::vector<std::uint16_t> slots_changed;
        for (auto [slot, ext] : changes) {
            table[slot] = ext;
            slots_changed.push_back(slot);
        }
        auto t = std::make_unique<struct nbr_al_txn>();
        ASSERT_EQ(nbr_al_txn_build(t.get(), seq, table.data(), extents, slots_changed.data(),
                                   slots_changed.size()),
                  0);
        // Through the codec, as it goes to disk.
        std::vector<std::uint8_t> blk(4096);
        ASSERT_EQ(nbr_al_encode(blk.data(), blk.size(), t.get()), 4096);
        auto back = std::make_unique<struct nbr_al_txn>();
        ASSERT_EQ(
            nbr_al_decode(blk.data(), blk.size(), seq % slots, slots, extents, back.get(), nullptr),
            0);
        ring[seq % slots] = std::move(back);
        seq++;
    }
    int Replay(std::vector<std::uint32_t>& out, u64* next) {
        std::vector<const struct nbr_al_txn*> r;
        for (auto& t : ring)
            r.push_back(t.get());
        out.assign(extents, 0);
        return nbr_al_replay(r.data(), slots, out.data(), extents, next, nullptr);
    }
};

TEST(AlReplay, EmptyRing) {
    Writer w(67, 8);
    std::vector<std::uint32_t> t;
    u64 next = 99;
    ASSERT_EQ(w.Replay(t, &next), 0);
    EXPECT_EQ(next, 0u);
    EXPECT_EQ(t, std::vector<std::uint32_t>(67, NBR_AL_EXTENT_NONE));
}

TEST(AlReplay, RebuildsTheTableAfterManyTransactions) {
    for (std::uint32_t extents : {7u, 919u, 920u, 921u, 1237u, 6440u}) {
        Writer w(extents, 8);
        std::mt19937 rng(extents);
        for (int i = 0; i < 200; i++) {
            std::vector<std::pair<std::uint16_t, std::uint32_t>> ch;
            int n = 1 + rng() % 64;
            for (int k = 0; k < n; k++)
                ch.push_back({std::uint16_t(rng() % extents), std::uint32_t(rng() % 100000)});
            w.Activate(ch);
            std::vector<std::uint32_t> t;
            u64 next = 0;
            ASSERT_EQ(w.Replay(t, &next), 0) << extents << " at " << i;
            ASSERT_EQ(t, w.table) << extents << " at " << i;
            ASSERT_EQ(next, w.seq);
        }
    }
}

TEST(AlReplay, TornNewestBlockIsIgnored) {
    Writer w(1237, 8);
    for (int i = 0; i < 20; i++)
        w.Activate({{std::uint16_t(i), std::uint32_t(1000 + i)}});
    std::vector<std::uint32_t> before = w.table;
    // Transaction 20 is torn while written: its slot no longer decodes,
    // and its data writes were never issued.
    w.ring[20 % 8].reset();
    std::vector<std::uint32_t> t;
    u64 next = 0;
    ASSERT_EQ(w.Replay(t, &next), 0);
    EXPECT_EQ(t, before);
    EXPECT_EQ(next, 20u);
}

TEST(AlReplay, GapIsAnError) {
    Writer w(67, 8);
    for (int i = 0; i < 20; i++)
        w.Activate({{std::uint16_t(i), std::uint32_t(i)}});
    w.ring[17 % 8].reset(); // not the oldest of the window
    std::vector<std::uint32_t> t;
    u64 next = 0;
    EXPECT_EQ(w.Replay(t, &next), -NBR_MD_E_AL_GAP);
    Writer fresh(67, 8);
    for (int i = 0; i < 4; i++)
        fresh.Activate({{std::uint16_t(i), std::uint32_t(i)}});
    fresh.ring[1].reset();
    EXPECT_EQ(fresh.Replay(t, &next), -NBR_MD_E_AL_GAP);
}

TEST(AlTable, FindAndBuildRejects) {
    std::vector<std::uint32_t> t(10);
    nbr_al_table_init(t.data(), 10);
    t[4] = 77;
    EXPECT_EQ(nbr_al_table_find(t.data(), 10, 77), 4);
    EXPECT_EQ(nbr_al_table_find(t.data(), 10, 78), -1);
    auto txn = std::make_unique<struct nbr_al_txn>();
    std::uint16_t bad = 10;
    EXPECT_EQ(nbr_al_txn_build(txn.get(), 0, t.data(), 10, &bad, 1), -EINVAL);
    std::vector<std::uint16_t> many(65, 0);
    EXPECT_EQ(nbr_al_txn_build(txn.get(), 0, t.data(), 10, many.data(), 65), -EINVAL);
}

} // namespace
