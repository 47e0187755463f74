#pragma once
// The counters of one process, by the rule of store/limit_counter.hpp: the
// whole truth for a lone instance (SQLite), and for a shared one its own
// view, kept warm so that it can count alone while the database is away.
// Thread-safe (one mutex: each call is a hash lookup); bounded by forgetting
// counters that count nothing any more.
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "abuse/limits.hpp"
#include "store/limit_store.hpp"

namespace latchkey::abuse {

class MemoryCounters {
 public:
  explicit MemoryCounters(const Policies& policies, std::size_t max_counters = 200'000)
      : policies_(policies), max_counters_(max_counters) {}

  // One event, as store::hit; the counter after it, or nullopt when `k` was
  // locked at `now` (not counted). Its class must have a policy.
  std::optional<store::LimitCounter> hit(const Key& k, UnixSeconds now);
  // The counter of `k` as it stands at `now` (zero when absent or expired).
  store::LimitCounter get(const Key& k, UnixSeconds now) const;
  // Takes `c` as the counter of `k` (a clear, or what the store said).
  void put(const Key& k, const store::LimitCounter& c);
  // Takes `c` unless the counter held is newer: a later window, or more
  // events in the same one (answers of the store may come back out of
  // order, and an older one must not undo a lock).
  void merge(const Key& k, const store::LimitCounter& c);
  // Forgets the counters matching `f` (an empty part matches any; an empty
  // filter matches nothing); returns how many.
  std::size_t clear(const store::LimitFilter& f);
  // Counters locked at `now` matching `f`.
  std::vector<store::LimitRow> locked(const store::LimitFilter& f, UnixSeconds now) const;
  // Locked counters at `now`, per class.
  std::array<std::size_t, kLimits> locks_by_class(UnixSeconds now) const;
  // Forgets whatever counts nothing at `now`.
  void prune(UnixSeconds now);
  std::size_t size() const;

 private:
  struct Entry {
    Key key;
    store::LimitCounter counter;
  };
  static std::string id_of(const Key& k);
  static bool matches(const store::LimitFilter& f, const Key& k);
  void prune_locked(UnixSeconds now);

  Policies policies_;
  std::size_t max_counters_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  UnixSeconds next_prune_ = 0;  // when full, at most one sweep a second
};

}  // namespace latchkey::abuse
