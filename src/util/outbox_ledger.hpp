#pragma once
// What the senders of the database's outboxes share (mail/outbox_sender.hpp:
// the mail; oidc/backchannel_delivery.hpp: the logout tokens): how an
// attempt that failed ends (the last one gives up, any other makes the item
// due again after a backoff that doubles), the counts of each ending, and a
// store outage logged when it starts and when it ends rather than at every
// run. The sender does the attempts and the store calls; this keeps the
// rules and the books.
//
// Used by one run at a time (the sender's run lock); counters() may be read
// from any thread.
#include <atomic>
#include <cstdint>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <span>
#include <string_view>

#include "util/backoff.hpp"
#include "util/log.hpp"
#include "util/time.hpp"

namespace latchkey {

struct RetryPolicy {
  std::int64_t max_attempts = 8;      // the last one that fails gives up (at least 1)
  UnixSeconds backoff_base = 5;       // the wait after the first failed attempt (at least 1)...
  UnixSeconds backoff_cap = 60 * 60;  // ...doubling after each, at most this (at least the base)
};

// The log lines of one outbox.
struct OutboxEvents {
  std::string_view failed;           // info: an attempt failed, the item is due again later
  std::string_view gave_up;          // warn: the last attempt failed
  std::string_view store_failed;     // warn: a store call failed, an outage begins
  std::string_view store_recovered;  // info: a store call worked again
};

class OutboxLedger {
 public:
  // How one item's attempt ended.
  enum class Outcome { done, failed, gave_up, store_error };
  struct Counters {
    std::uint64_t done = 0;
    std::uint64_t failed = 0;  // failed attempts to be tried again
    std::uint64_t gave_up = 0;
    std::uint64_t store_errors = 0;  // store calls that failed
  };

  // What one run over the due items did.
  struct Tally {
    bool read = false;       // the due items were read (else store_error)
    std::size_t taken = 0;   // items due
    std::size_t done = 0;
    std::size_t failed = 0;  // to be tried again
    std::size_t gave_up = 0;
    bool store_error = false;  // a store call failed: the run stopped there
    bool stopped = false;      // the sender stopped before an item (see run)
  };

  OutboxLedger(OutboxEvents events, RetryPolicy policy);

  // One run: `due` is the store's answer for the items due (an expected of a
  // sequence), noted as "due"; then attempt(item) -> std::optional<Outcome>
  // for each in turn, in order. std::nullopt stops the run before that item,
  // which is not counted (the sender's own reason: cancelled, nothing to
  // send it with); store_error stops it after the item.
  template <class Due, class Attempt>
  Tally run(const Due& due, Attempt attempt) {
    Tally t;
    if (!noted("due", due)) {
      t.store_error = true;
      return t;
    }
    store_worked();
    t.read = true;
    t.taken = due->size();
    for (const auto& item : *due) {
      const std::optional<Outcome> outcome = attempt(item);
      if (!outcome) {
        t.stopped = true;
        break;
      }
      if (*outcome == Outcome::store_error) {
        t.store_error = true;
        break;
      }
      if (*outcome == Outcome::done) ++t.done;
      else if (*outcome == Outcome::failed) ++t.failed;
      else ++t.gave_up;
    }
    return t;
  }

  Counters counters() const;

  // A store call failed (`op` names it, `error` says why): counted, and
  // logged if the store worked until now.
  void store_failed(std::string_view op, std::string_view error);
  // A store call worked: logged if the store had failed until now.
  void store_worked();

  // Whether a store call's result `r` (an expected) holds a value; if not,
  // store_failed(op, describe(r.error())). describe is found by argument-
  // dependent lookup beside the error's type (store::describe), so that
  // this file needs no store header.
  template <class Result>
  bool noted(std::string_view op, const Result& r) {
    if (!r) store_failed(op, describe(r.error()));
    return r.has_value();
  }

  // The attempt worked; `noted` is whether the store recorded it.
  Outcome done(bool noted);

  // The item's attempt number `failures` failed for `reason`; `last`
  // forces it to be the last. It gives up when it is the last, through
  // give_up(now) -> bool (the store noted it), or else is due again through
  // retry(at) -> bool. Logged with the item's fields `who`, then counted; a
  // store that failed to note it is store_error (the caller stops its run).
  template <class GiveUp, class Retry>
  Outcome failed(std::span<const log::Field> who, std::int64_t failures, UnixSeconds now, std::string_view reason,
                 bool last, GiveUp give_up, Retry retry) {
    if (last || failures >= policy_.max_attempts) {
      if (!give_up(now)) return Outcome::store_error;
      gave_up_.fetch_add(1, std::memory_order_relaxed);
      log_failure(log::Level::warn, events_.gave_up, who, {{"attempts", failures}, {"reason", reason}});
      return Outcome::gave_up;
    }
    const UnixSeconds wait = latchkey::backoff(failures, policy_.backoff_base, policy_.backoff_cap);
    if (!retry(now + wait)) return Outcome::store_error;
    failed_.fetch_add(1, std::memory_order_relaxed);
    log_failure(log::Level::info, events_.failed, who,
                {{"attempt", failures}, {"reason", reason}, {"retry_in", wait}});
    return Outcome::failed;
  }

 private:
  void log_failure(log::Level level, std::string_view event, std::span<const log::Field> who,
                   std::initializer_list<log::Field> what) const;

  OutboxEvents events_;
  RetryPolicy policy_;
  bool store_down_ = false;  // one run at a time
  std::atomic<std::uint64_t> done_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> gave_up_{0};
  std::atomic<std::uint64_t> store_errors_{0};
};

}  // namespace latchkey
