#include "util/outbox_ledger.hpp"

#include <algorithm>
#include <vector>

namespace latchkey {

OutboxLedger::OutboxLedger(OutboxEvents events, RetryPolicy policy) : events_(events), policy_(policy) {
  policy_.max_attempts = std::max<std::int64_t>(policy_.max_attempts, 1);
  policy_.backoff_base = std::max<UnixSeconds>(policy_.backoff_base, 1);
  policy_.backoff_cap = std::max(policy_.backoff_cap, policy_.backoff_base);
}

OutboxLedger::Counters OutboxLedger::counters() const {
  return Counters{done_.load(std::memory_order_relaxed), failed_.load(std::memory_order_relaxed),
                  gave_up_.load(std::memory_order_relaxed), store_errors_.load(std::memory_order_relaxed)};
}

void OutboxLedger::store_failed(std::string_view op, std::string_view error) {
  store_errors_.fetch_add(1, std::memory_order_relaxed);
  if (store_down_) return;
  store_down_ = true;
  log::warn(events_.store_failed, {{"op", op}, {"error", error}});
}

void OutboxLedger::store_worked() {
  if (!store_down_) return;
  store_down_ = false;
  log::info(events_.store_recovered);
}

OutboxLedger::Outcome OutboxLedger::done(bool noted) {
  if (!noted) return Outcome::store_error;
  done_.fetch_add(1, std::memory_order_relaxed);
  return Outcome::done;
}

void OutboxLedger::log_failure(log::Level level, std::string_view event, std::span<const log::Field> who,
                               std::initializer_list<log::Field> what) const {
  std::vector<log::Field> fields(who.begin(), who.end());
  fields.insert(fields.end(), what.begin(), what.end());
  log::write(level, event, fields);
}

}  // namespace latchkey
