// The rules and books shared by the outboxes' senders (util/outbox_ledger.hpp):
// when a failed attempt gives up, when the next one is due, what a store
// that cannot note the ending makes of it, and the counts.
#include "util/outbox_ledger.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include <tl/expected.hpp>

namespace latchkey {
namespace fake_store {
enum class Error { down };
inline std::string_view describe(Error) { return "down"; }  // found by argument-dependent lookup
}  // namespace fake_store

namespace {

constexpr OutboxEvents kEvents{"test.failed", "test.gave_up", "test.store_failed", "test.store_recovered"};
using Outcome = OutboxLedger::Outcome;

struct Notes {
  std::optional<UnixSeconds> gave_up_at, due_at;
  bool store_works = true;
  Outcome fail(OutboxLedger& ledger, std::int64_t failures, bool last = false) {
    const log::Field who[] = {{"item", std::int64_t{7}}};
    return ledger.failed(
        who, failures, 1000, "HTTP 500", last,
        [&](UnixSeconds now) {
          gave_up_at = now;
          return store_works;
        },
        [&](UnixSeconds at) {
          due_at = at;
          return store_works;
        });
  }
};

TEST(OutboxLedger, FailedAttemptsAreDueAgainAfterABackoffThatDoubles) {
  OutboxLedger ledger(kEvents, {.max_attempts = 5, .backoff_base = 10, .backoff_cap = 35});
  Notes n;
  EXPECT_EQ(n.fail(ledger, 1), Outcome::failed);
  EXPECT_EQ(n.due_at, 1010);
  EXPECT_EQ(n.fail(ledger, 2), Outcome::failed);
  EXPECT_EQ(n.due_at, 1020);
  EXPECT_EQ(n.fail(ledger, 3), Outcome::failed);
  EXPECT_EQ(n.due_at, 1035);  // 40, capped
  EXPECT_FALSE(n.gave_up_at);
  EXPECT_EQ(ledger.counters().failed, 3u);
}

TEST(OutboxLedger, TheLastAttemptGivesUp) {
  OutboxLedger ledger(kEvents, {.max_attempts = 3, .backoff_base = 10, .backoff_cap = 60});
  Notes n;
  EXPECT_EQ(n.fail(ledger, 3), Outcome::gave_up);
  EXPECT_EQ(n.gave_up_at, 1000);
  EXPECT_FALSE(n.due_at);
  EXPECT_EQ(n.fail(ledger, 9), Outcome::gave_up);  // past the last, as after a lowered setting
  EXPECT_EQ(ledger.counters().gave_up, 2u);
  EXPECT_EQ(ledger.counters().failed, 0u);
}

TEST(OutboxLedger, AnAttemptCanBeMadeTheLast) {
  OutboxLedger ledger(kEvents, {.max_attempts = 10, .backoff_base = 10, .backoff_cap = 60});
  Notes n;
  EXPECT_EQ(n.fail(ledger, 1, true), Outcome::gave_up);
  EXPECT_FALSE(n.due_at);
}

TEST(OutboxLedger, NonsenseSettingsStillMakeProgress) {
  OutboxLedger ledger(kEvents, {.max_attempts = 0, .backoff_base = 0, .backoff_cap = -5});
  Notes n;
  EXPECT_EQ(n.fail(ledger, 1), Outcome::gave_up);  // at least one attempt, and it is the last
  OutboxLedger waits(kEvents, {.max_attempts = 3, .backoff_base = 0, .backoff_cap = 0});
  EXPECT_EQ(n.fail(waits, 1), Outcome::failed);
  EXPECT_EQ(n.due_at, 1001);  // never due again at once
}

TEST(OutboxLedger, AnEndingTheStoreCannotNoteIsAStoreError) {
  OutboxLedger ledger(kEvents, {.max_attempts = 2, .backoff_base = 10, .backoff_cap = 60});
  Notes n;
  n.store_works = false;
  EXPECT_EQ(n.fail(ledger, 1), Outcome::store_error);
  EXPECT_EQ(n.fail(ledger, 2), Outcome::store_error);
  EXPECT_EQ(ledger.done(false), Outcome::store_error);
  const auto c = ledger.counters();
  EXPECT_EQ(c.failed + c.gave_up + c.done, 0u);  // nothing counted that the store does not hold
}

TEST(OutboxLedger, CountsWhatWasDoneAndEveryStoreFailure) {
  OutboxLedger ledger(kEvents, {});
  EXPECT_EQ(ledger.done(true), Outcome::done);
  EXPECT_EQ(ledger.done(true), Outcome::done);
  ledger.store_failed("due", "unavailable");
  ledger.store_failed("due", "unavailable");  // the same outage: counted, logged once
  ledger.store_worked();
  ledger.store_worked();
  const auto c = ledger.counters();
  EXPECT_EQ(c.done, 2u);
  EXPECT_EQ(c.store_errors, 2u);
}

TEST(OutboxLedger, NotedCountsAStoreCallThatFailed) {
  OutboxLedger ledger(kEvents, {});
  EXPECT_TRUE(ledger.noted("due", tl::expected<int, fake_store::Error>(3)));
  EXPECT_EQ(ledger.counters().store_errors, 0u);
  EXPECT_FALSE(ledger.noted("due", tl::expected<int, fake_store::Error>(tl::unexpected(fake_store::Error::down))));
  EXPECT_EQ(ledger.counters().store_errors, 1u);
}

}  // namespace
}  // namespace latchkey
