// Which cache flushes have nothing to do (nbr_flush.h).
#include "nbr_flush.h"

#include <gtest/gtest.h>

namespace {

struct nbr_flush_track Fresh() {
    struct nbr_flush_track t;
    nbr_flush_track_init(&t);
    return t;
}

// Issue a flush and complete it.
void Flush(struct nbr_flush_track* t) {
    nbr_flush_done(t, nbr_flush_issue(t));
}

} // namespace

TEST(Flush, UnknownDiskNeedsTheFirstFlush) {
    auto t = Fresh();
    EXPECT_TRUE(nbr_flush_needed(&t));
    Flush(&t);
    EXPECT_FALSE(nbr_flush_needed(&t));
}

TEST(Flush, WriteWithoutFuaNeedsAFlush) {
    auto t = Fresh();
    Flush(&t);
    nbr_flush_write_done(&t, false);
    EXPECT_TRUE(nbr_flush_needed(&t));
    Flush(&t);
    EXPECT_FALSE(nbr_flush_needed(&t));
}

TEST(Flush, FuaWritesLeaveNothingToFlush) {
    auto t = Fresh();
    Flush(&t);
    for (int i = 0; i < 3; i++)
        nbr_flush_write_done(&t, true);
    EXPECT_FALSE(nbr_flush_needed(&t));
}

TEST(Flush, WriteCompletingWhileTheFlushRunsIsNotCovered) {
    auto t = Fresh();
    u64 ticket = nbr_flush_issue(&t);
    nbr_flush_write_done(&t, false);
    nbr_flush_done(&t, ticket);
    EXPECT_TRUE(nbr_flush_needed(&t));
}

TEST(Flush, OlderFlushCompletingLastDoesNotUndoANewerOne) {
    auto t = Fresh();
    u64 older = nbr_flush_issue(&t);
    nbr_flush_write_done(&t, false);
    u64 newer = nbr_flush_issue(&t);
    nbr_flush_done(&t, newer);
    EXPECT_FALSE(nbr_flush_needed(&t));
    nbr_flush_done(&t, older);
    EXPECT_FALSE(nbr_flush_needed(&t));
}

TEST(Flush, OlderFlushAloneLeavesLaterWritesUncovered) {
    auto t = Fresh();
    u64 older = nbr_flush_issue(&t);
    nbr_flush_write_done(&t, false);
    u64 newer = nbr_flush_issue(&t);
    nbr_flush_done(&t, older); // the newer one failed or is still running
    EXPECT_TRUE(nbr_flush_needed(&t));
    (void)newer;
}

TEST(Flush, InitStartsOverForANewConnection) {
    auto t = Fresh();
    Flush(&t);
    nbr_flush_track_init(&t);
    EXPECT_TRUE(nbr_flush_needed(&t));
}
