#pragma once
// Bounded pools of threads for blocking work, in two lanes:
//  - hashing: argon2id (signup, login, password change). CPU-bound, so one
//    thread per core at a lower scheduling priority than the I/O threads
//    (a login flood must not slow token checks), and a short queue: past it
//    a request gets 503 + Retry-After at once instead of waiting seconds.
//    Only the hashing phase of a request runs here (with the reads it needs);
//    its writes go to the database lane after, so a hashing thread never
//    waits for a commit (see auth::Service::verify_login).
//  - database: SQL calls, which mostly wait (on the disk, on the network), so
//    many threads: concurrent writes share one SQLite group commit.
// I/O threads co_await run() or run_hashing(); the coroutine resumes on its
// own executor once the job is done. When a lane has `max_pending` jobs
// queued or running, it answers nullopt at once: the caller turns that into 503.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <optional>
#include <type_traits>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "metrics/histogram.hpp"

namespace latchkey {

class WorkerLane {
 public:
  // `nice`: added to the threads' scheduling niceness (0: as the process).
  WorkerLane(unsigned threads, std::size_t max_pending, int nice = 0)
      : pool_(threads), max_pending_(max_pending), nice_(nice) {}
  ~WorkerLane() { join(); }

  // `f` runs on a worker thread. Its result type must be default-constructible.
  // Exceptions thrown by `f` (bugs) propagate to the awaiting coroutine.
  template <class F>
  boost::asio::awaitable<std::optional<std::invoke_result_t<F>>> run(F f) {
    using R = std::invoke_result_t<F>;
    if (pending_.fetch_add(1, std::memory_order_relaxed) >= max_pending_) {
      pending_.fetch_sub(1, std::memory_order_relaxed);
      rejected_.fetch_add(1, std::memory_order_relaxed);
      co_return std::nullopt;
    }
    struct Release {
      std::atomic<std::size_t>& n;
      ~Release() { n.fetch_sub(1, std::memory_order_relaxed); }
    } release{pending_};
    const auto queued = std::chrono::steady_clock::now();
    R result = co_await boost::asio::co_spawn(
        pool_,
        [this, queued, f = std::move(f)]() mutable -> boost::asio::awaitable<R> {
          lower_priority_once();
          const auto waited = std::chrono::steady_clock::now() - queued;
          wait_.observe(static_cast<std::uint64_t>(
              std::chrono::duration_cast<std::chrono::microseconds>(waited).count()));
          running_.fetch_add(1, std::memory_order_relaxed);
          Release done{running_};
          co_return f();
        },
        boost::asio::use_awaitable);
    co_return std::optional<R>(std::move(result));
  }

  // Jobs queued or running.
  std::size_t pending() const { return pending_.load(std::memory_order_relaxed); }
  // Jobs on a worker thread right now.
  std::size_t running() const { return running_.load(std::memory_order_relaxed); }
  std::size_t max_pending() const { return max_pending_; }
  // Jobs refused because the queue was full (each one a 503).
  std::uint64_t rejected() const { return rejected_.load(std::memory_order_relaxed); }
  // How long jobs waited for a worker.
  const metrics::Histogram& wait_time() const { return wait_; }

  // Waits for queued jobs to finish; idempotent.
  void join() { pool_.join(); }

 private:
  void lower_priority_once() const;

  boost::asio::thread_pool pool_;
  std::size_t max_pending_;
  int nice_;
  std::atomic<std::size_t> pending_{0};
  std::atomic<std::size_t> running_{0};
  std::atomic<std::uint64_t> rejected_{0};
  metrics::Histogram wait_;
};

class WorkerPool {
 public:
  struct Lane {
    unsigned threads;
    std::size_t max_pending;
  };
  WorkerPool(Lane hashing, Lane database)
      : hashing_(hashing.threads, hashing.max_pending, kHashingNice),
        database_(database.threads, database.max_pending) {}
  // One size for both lanes (tests, fuzzing).
  WorkerPool(unsigned threads, std::size_t max_pending)
      : WorkerPool(Lane{threads, max_pending}, Lane{threads, max_pending}) {}

  // Database work.
  template <class F>
  boost::asio::awaitable<std::optional<std::invoke_result_t<F>>> run(F f) {
    return database_.run(std::move(f));
  }
  // Password hashing (and the reads it needs); writes go to run().
  template <class F>
  boost::asio::awaitable<std::optional<std::invoke_result_t<F>>> run_hashing(F f) {
    return hashing_.run(std::move(f));
  }

  const WorkerLane& hashing() const { return hashing_; }
  const WorkerLane& database() const { return database_; }
  std::size_t pending() const { return hashing_.pending() + database_.pending(); }

  // Waits for queued jobs to finish; idempotent.
  void join() {
    hashing_.join();
    database_.join();
  }

 private:
  static constexpr int kHashingNice = 19;
  WorkerLane hashing_;
  WorkerLane database_;
};

}  // namespace latchkey
