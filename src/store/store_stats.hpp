#pragma once
// Database figures for /metrics, process-wide (a server has one store):
// errors by kind, and how many of the database connections are in use.
// Updated with relaxed atomics by the backends: PostgreSQL's pool, SQLite's
// writer and reader connections (one writer only, for an in-memory database).
#include <atomic>
#include <cstdint>
#include <mutex>

#include "store/result.hpp"

namespace latchkey::store {

struct StoreStats {
  std::atomic<std::uint64_t> errors_unavailable{0};  // unreachable, busy, full, pool wait timed out
  std::atomic<std::uint64_t> errors_failed{0};       // anything else (a bug or a damaged database)
  std::atomic<std::int64_t> pool_size{0};            // connections (SQLite: writer and reader)
  std::atomic<std::int64_t> pool_in_use{0};          // of them, serving a call right now
};

StoreStats& stats();

// Counts a failed call; not_found and conflict are answers, not errors.
void count_error(StoreError e);

// A mutex counted in pool_in_use while held: one SQLite connection's lock.
class CountedMutex {
 public:
  void lock() {
    m_.lock();
    stats().pool_in_use.fetch_add(1, std::memory_order_relaxed);
  }
  void unlock() {
    stats().pool_in_use.fetch_sub(1, std::memory_order_relaxed);
    m_.unlock();
  }

 private:
  std::mutex m_;
};

}  // namespace latchkey::store
