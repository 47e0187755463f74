// The counter rule every abuse limit shares (store/limit_counter.hpp), the
// in-process counters, and the Limiter's decisions on a lone instance and
// on shared ones (with the fake store, and the fake store failing).
#include <gtest/gtest.h>

#include "abuse/limiter.hpp"
#include "abuse/memory_counters.hpp"
#include "fake_store.hpp"

namespace latchkey {
namespace {

using abuse::Key;
using abuse::Limit;
using abuse::Limiter;
using store::LimitCounter;
using store::LimitPolicy;

constexpr UnixSeconds kNow = 1'800'000'000;

TEST(LimitCounter, RateLocksPastTheFreeOnesUntilTheWindowEnds) {
  const LimitPolicy p{3, 60, 0, 0, false};
  LimitCounter c;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store::hit(c, p, kNow + i));
  EXPECT_FALSE(c.locked(kNow + 2));
  ASSERT_TRUE(store::hit(c, p, kNow + 10));
  EXPECT_TRUE(c.locked(kNow + 10));
  EXPECT_EQ(c.locked_until, kNow + 60);  // the window's end
  EXPECT_EQ(c.retry_after(kNow + 10), 50);
  // Locked: an event does not count.
  EXPECT_FALSE(store::hit(c, p, kNow + 30));
  EXPECT_EQ(c.count, 4);
  // Past the window: forgotten, counts from one.
  EXPECT_EQ(store::current(c, p, kNow + 60), LimitCounter{});
  ASSERT_TRUE(store::hit(c, p, kNow + 60));
  EXPECT_EQ(c, (LimitCounter{1, kNow + 60, 0}));
}

TEST(LimitCounter, DoublingLockGrowsToItsCap) {
  const LimitPolicy p{2, 900, 30, 100, true};
  LimitCounter c;
  UnixSeconds t = kNow;
  store::hit(c, p, t);
  store::hit(c, p, t);
  EXPECT_FALSE(c.locked(t));
  const UnixSeconds expected[] = {30, 60, 100, 100};
  for (UnixSeconds lock : expected) {
    ASSERT_TRUE(store::hit(c, p, t));
    EXPECT_EQ(c.locked_until - t, lock);
    t = c.locked_until;  // the next attempt once it ends
  }
}

TEST(LimitCounter, SlidingWindowForgetsOnlyAfterQuiet) {
  const LimitPolicy p{5, 100, 30, 900, true};
  LimitCounter c;
  for (int i = 0; i < 4; ++i) store::hit(c, p, kNow + 90 * i);  // never 100 s apart
  EXPECT_EQ(c.count, 4);
  EXPECT_EQ(store::current(c, p, kNow + 270 + 100), LimitCounter{});
}

TEST(LimitCounter, NothingFreeLocksAtOnce) {
  const LimitPolicy p{0, 60, 0, 0, false};
  LimitCounter c;
  ASSERT_TRUE(store::hit(c, p, kNow));
  EXPECT_TRUE(c.locked(kNow));
}

TEST(MemoryCounters, KeysAreApartAndClearedByAccountOrIp) {
  abuse::MemoryCounters m(abuse::default_policies());
  const Key a = abuse::per_account_and_ip(Limit::login_pair, "alice", "10.0.0.1");
  const Key b = abuse::per_account_and_ip(Limit::login_pair, "alice", "10.0.0.2");
  const Key c = abuse::per_ip(Limit::login_ip, "10.0.0.1");
  for (int i = 0; i < 6; ++i) m.hit(a, kNow);
  m.hit(b, kNow);
  m.hit(c, kNow);
  EXPECT_TRUE(m.get(a, kNow).locked(kNow));
  EXPECT_FALSE(m.get(b, kNow).locked(kNow));
  EXPECT_EQ(m.locked({}, kNow).size(), 1u);
  EXPECT_EQ(m.locks_by_class(kNow)[abuse::index_of(Limit::login_pair)], 1u);
  EXPECT_EQ(m.clear({"", "", ""}), 0u);  // an empty filter matches nothing
  EXPECT_EQ(m.clear({"alice", "", ""}), 2u);
  EXPECT_EQ(m.clear({"", "10.0.0.1", ""}), 1u);
  EXPECT_EQ(m.size(), 0u);
}

TEST(MemoryCounters, OffClassesCountNothing) {
  abuse::Policies p = abuse::default_policies();
  p[abuse::index_of(Limit::flood)].reset();
  abuse::MemoryCounters m(p);
  EXPECT_FALSE(m.hit(abuse::per_ip(Limit::flood, "10.0.0.1"), kNow));
  EXPECT_EQ(m.size(), 0u);
}

TEST(MemoryCounters, PruneForgetsWhatCountsNothing) {
  abuse::MemoryCounters m(abuse::default_policies());
  m.hit(abuse::per_ip(Limit::flood, "10.0.0.1"), kNow);
  m.prune(kNow + 59);
  EXPECT_EQ(m.size(), 1u);
  m.prune(kNow + 60);
  EXPECT_EQ(m.size(), 0u);
}

abuse::Policies small_limits() {
  abuse::Policies p = abuse::default_policies();
  p[abuse::index_of(Limit::flood)] = LimitPolicy{5, 60, 0, 0, false};
  p[abuse::index_of(Limit::login_ip)] = LimitPolicy{3, 600, 0, 0, false};
  return p;
}

// The limiter of a lone instance, and of two sharing one store.
class LimiterTest : public ::testing::Test {
 protected:
  testing::FakeStore store_;
  std::vector<std::pair<Key, LimitCounter>> locks_;
  Limiter::Hooks hooks() {
    return {[this](const Key& k, const LimitCounter& c) { locks_.emplace_back(k, c); }};
  }
};

TEST_F(LimiterTest, AdmitCountsTheBumpAndReadsLocks) {
  Limiter l(small_limits(), &store_.limits(), false, hooks());
  const Key flood = abuse::per_ip(Limit::flood, "10.0.0.1");
  const Key by_ip = abuse::per_ip(Limit::login_ip, "10.0.0.1");
  for (int i = 0; i < 5; ++i) {
    auto a = l.admit(std::span(&flood, 1), std::span(&by_ip, 1), kNow);
    EXPECT_TRUE(a.verdict);
    EXPECT_FALSE(a.locked[0]);
  }
  auto over = l.admit(std::span(&flood, 1), std::span(&by_ip, 1), kNow + 1);
  ASSERT_FALSE(over.verdict);
  EXPECT_EQ(over.verdict.limit, Limit::flood);
  EXPECT_EQ(over.verdict.retry_after, 59);
  ASSERT_EQ(locks_.size(), 1u);  // the lock, once
  over = l.admit(std::span(&flood, 1), {}, kNow + 2);
  EXPECT_FALSE(over.verdict);
  EXPECT_EQ(locks_.size(), 1u);
}

TEST_F(LimiterTest, RecordedFailuresLockAndReachTheStore) {
  Limiter l(small_limits(), &store_.limits(), false, hooks());
  const Key by_ip = abuse::per_ip(Limit::login_ip, "10.0.0.1");
  for (int i = 0; i < 4; ++i) l.record(std::span(&by_ip, 1), kNow);
  EXPECT_TRUE(l.admit({}, std::span(&by_ip, 1), kNow).locked[0]);
  auto rows = store_.limits().locked({"", "10.0.0.1", ""}, kNow);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().key.limit, "login_ip");
  EXPECT_EQ(locks_.size(), 1u);
}

TEST_F(LimiterTest, LoneInstanceNoticesALockClearedInTheStore) {
  Limiter l(small_limits(), &store_.limits(), false, hooks());
  const Key by_ip = abuse::per_ip(Limit::login_ip, "10.0.0.1");
  for (int i = 0; i < 4; ++i) l.record(std::span(&by_ip, 1), kNow);
  ASSERT_TRUE(store_.limits().clear({"", "10.0.0.1", ""}));  // the CLI
  EXPECT_FALSE(l.admit({}, std::span(&by_ip, 1), kNow).locked[0]);
}

TEST_F(LimiterTest, SharedInstancesCountTogether) {
  Limiter a(small_limits(), &store_.limits(), true, hooks());
  Limiter b(small_limits(), &store_.limits(), true, hooks());
  const Key by_ip = abuse::per_ip(Limit::login_ip, "10.0.0.1");
  a.record(std::span(&by_ip, 1), kNow);
  b.record(std::span(&by_ip, 1), kNow);
  a.record(std::span(&by_ip, 1), kNow);
  EXPECT_FALSE(b.admit({}, std::span(&by_ip, 1), kNow).locked[0]);
  b.record(std::span(&by_ip, 1), kNow);  // the fourth, on either: locked for both
  EXPECT_TRUE(a.admit({}, std::span(&by_ip, 1), kNow).locked[0]);
  // peek uses what an instance knows; sync brings in the others' locks.
  const Key admin = abuse::per_ip(Limit::admin_token, "10.0.0.9");
  for (int i = 0; i < 11; ++i) a.record(std::span(&admin, 1), kNow);
  EXPECT_TRUE(b.peek(admin, kNow));
  b.sync(kNow);
  EXPECT_FALSE(b.peek(admin, kNow));
  // A clear on one reaches the other's view at its next sync.
  ASSERT_TRUE(a.clear({"", "10.0.0.9", ""}));
  b.sync(kNow);
  EXPECT_TRUE(b.peek(admin, kNow));
}

TEST_F(LimiterTest, StoreDownFallsBackToMemoryAndSaysSo) {
  Limiter l(small_limits(), &store_.limits(), true, hooks());
  const Key by_ip = abuse::per_ip(Limit::login_ip, "10.0.0.1");
  store_.fail_next(store::StoreError::unavailable, 100);
  for (int i = 0; i < 4; ++i) l.record(std::span(&by_ip, 1), kNow);
  auto a = l.admit({}, std::span(&by_ip, 1), kNow);
  EXPECT_TRUE(a.locked[0]);  // still limited, by memory
  EXPECT_EQ(locks_.size(), 1u);
  auto s = l.stats(kNow);
  EXPECT_TRUE(s.store_down);
  EXPECT_GE(s.store_failures, 5u);
  store_.fail_next(store::StoreError::unavailable, 0);
  (void)l.admit({}, std::span(&by_ip, 1), kNow);
  EXPECT_FALSE(l.stats(kNow).store_down);
}

TEST_F(LimiterTest, RecordSoonCountsNowAndWritesLater) {
  Limiter l(small_limits(), &store_.limits(), true, hooks());
  const Key admin = abuse::per_ip(Limit::admin_token, "10.0.0.9");
  for (int i = 0; i < 11; ++i) l.record_soon(admin, kNow);
  EXPECT_FALSE(l.peek(admin, kNow));  // memory at once
  l.drain();
  auto rows = store_.limits().locked({"", "10.0.0.9", ""}, kNow);
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->size(), 1u);
  EXPECT_EQ(locks_.size(), 1u);  // audited once, from the store's answer
}

TEST_F(LimiterTest, ForgetClearsOnePair) {
  Limiter l(abuse::default_policies(), &store_.limits(), false, hooks());
  const Key pair = abuse::per_account_and_ip(Limit::login_pair, "alice", "10.0.0.1");
  const Key other = abuse::per_account_and_ip(Limit::login_pair, "alice", "10.0.0.2");
  l.record(std::span(&pair, 1), kNow);
  l.record(std::span(&other, 1), kNow);
  l.forget(pair);
  const Key both[] = {pair, other};
  auto a = l.admit({}, both, kNow);
  EXPECT_EQ(a.counts[0], 0);
  EXPECT_EQ(a.counts[1], 1);
}

}  // namespace
}  // namespace latchkey

namespace latchkey {
namespace {

TEST(AddressKey, IPv6CountsPerSlash64AndIPv4AsItIs) {
  EXPECT_EQ(abuse::address_key("203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(abuse::address_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(abuse::address_key("2001:db8:1:2::1"), abuse::address_key("2001:db8:1:2:ffff::9"));
  EXPECT_NE(abuse::address_key("2001:db8:1:2::1"), abuse::address_key("2001:db8:1:3::1"));
  EXPECT_EQ(abuse::address_key("::ffff:192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(abuse::address_key("not:an address"), "not:an address");
  EXPECT_EQ(abuse::address_key(""), "");
}

}  // namespace
}  // namespace latchkey
