#pragma once
// The one front of every abuse limit. Callers say what happened (a request
// to admit, a failure to count) and get a verdict; where the counters live
// is decided here:
//  - a lone instance (SQLite): in memory, the whole truth. Failures are also
//    written to the store so that the CLI sees the locks; a lock the CLI
//    cleared is noticed when a login would next refuse with it (it asks the
//    store first), and by sync() within a second for the other checks.
//  - shared instances (PostgreSQL): in the database, one round trip per
//    check (admit) and per failure (record), atomic per counter, so N
//    instances allow what one would. Checks that must not block (peek, on
//    an I/O thread) use this instance's view, which every failure it counts
//    and sync() (every second) bring up to date with the others'.
//  - the database away: memory, counting on from what it last knew. It is
//    logged once, shown on /metrics, and the database is asked again on
//    the next call: limits never go off and logins never wait for it.
// Which calls block is said on each.
#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include <boost/asio/thread_pool.hpp>

#include "abuse/limits.hpp"
#include "abuse/memory_counters.hpp"
#include "store/limit_store.hpp"

namespace latchkey::abuse {

// A check's answer: refused, by which class, for how long.
struct Verdict {
  bool refused = false;
  Limit limit = Limit::flood;
  UnixSeconds retry_after = 0;  // whole seconds, >= 1 when refused
  explicit operator bool() const { return !refused; }
};

class Limiter {
 public:
  struct Hooks {
    // A counter was locked by the event just counted (audit trail).
    std::function<void(const Key&, const store::LimitCounter&)> on_lock;
  };
  // `store` null: memory only. `shared`: other instances count in `store`
  // too, so checks read it.
  Limiter(Policies policies, store::LimitStore* store, bool shared, Hooks hooks = {});
  // Finishes the deferred writes.
  ~Limiter();
  Limiter(const Limiter&) = delete;
  Limiter& operator=(const Limiter&) = delete;

  bool on(Limit l) const { return policies_[index_of(l)].has_value(); }
  const Policies& policies() const { return policies_; }

  // What admit found. `locked[i]` / `counts[i]`: the i-th read key.
  struct Admission {
    Verdict verdict;  // refused when a bump went over its limit
    std::array<bool, store::LimitStore::kMaxAdmitReads> locked{};
    std::array<std::int64_t, store::LimitStore::kMaxAdmitReads> counts{};
    std::array<UnixSeconds, store::LimitStore::kMaxAdmitReads> retry_after{};
  };
  // Blocking (one round trip when shared). Counts one request on each of
  // `bumps` (rates; classes that are off are skipped) and reads `reads`, in
  // one round trip. At most 2 bumps and 4 reads.
  Admission admit(std::span<const Key> bumps, std::span<const Key> reads, UnixSeconds now);
  // Blocking (one round trip). One failure on each of `keys` (distinct; off
  // classes skipped); locks it makes are reported (Hooks::on_lock).
  void record(std::span<const Key> keys, UnixSeconds now);
  // Blocking. Forgets `k` (a success after failures).
  void forget(const Key& k);

  // Never blocks: whether `k` is locked, as this instance knows.
  Verdict peek(const Key& k, UnixSeconds now) const;
  // Never blocks: one failure on `k`, counted in memory now and in the
  // store soon, by a thread of the limiter's own (a bounded queue: past
  // kMaxDeferred waiting writes, only memory counts; logged).
  void record_soon(const Key& k, UnixSeconds now);
  static constexpr std::size_t kMaxDeferred = 1024;
  // Waits for the deferred writes (tests; stop).
  void drain();

  // Blocking. Locks matching `f` (an empty filter: all), from the store when
  // there is one, else memory.
  store::Result<std::vector<store::LimitRow>> locks(const store::LimitFilter& f, UnixSeconds now);
  // Blocking. Removes the counters matching `f` (at least an account or an
  // IP) here and in the store; returns how many the store (else memory) had.
  store::Result<std::size_t> clear(const store::LimitFilter& f);
  // Blocking; the scheduler's, every second or so. Shared: loads every lock
  // in the store into memory. Then prunes memory, and the store now and then.
  void sync(UnixSeconds now);

  // For /metrics.
  struct Stats {
    std::array<std::uint64_t, kLimits> refused{};  // requests refused, per class
    std::array<std::uint64_t, kLimits> locks{};    // locks made, per class
    std::array<std::size_t, kLimits> locked{};     // locked now, per class
    std::uint64_t store_failures = 0;              // calls that fell back to memory
    bool store_down = false;                       // the last store call failed
  };
  Stats stats(UnixSeconds now) const;
  // Counts a refusal made from a verdict (callers that refuse call it).
  void count_refusal(Limit l) { refused_[index_of(l)].fetch_add(1, std::memory_order_relaxed); }

 private:
  Admission admit_in_memory(std::span<const Key> bumps, std::span<const Key> reads, UnixSeconds now);
  // After the store failed or answered: logged once per change, counted.
  void store_failed();
  void store_answered();
  void locked_by_event(const Key& k, const store::LimitCounter& c);
  store::LimitEvent event(const Key& k) const { return {k.stored(), *policies_[index_of(k.limit)]}; }
  Verdict refusal(Limit l, const store::LimitCounter& c, UnixSeconds now);

  Policies policies_;
  store::LimitStore* store_;
  bool shared_;
  Hooks hooks_;
  MemoryCounters memory_;
  std::array<std::atomic<std::uint64_t>, kLimits> refused_{};
  std::array<std::atomic<std::uint64_t>, kLimits> locks_{};
  std::atomic<std::uint64_t> store_failures_{0};
  std::atomic<bool> store_down_{false};
  std::atomic<UnixSeconds> next_store_prune_{0};
  std::atomic<std::size_t> deferred_{0};
  std::unique_ptr<boost::asio::thread_pool> writer_;  // record_soon's store writes; null without a store
};

}  // namespace latchkey::abuse
