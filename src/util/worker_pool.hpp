#pragma once
// Bounded pools of threads for blocking work, in two lanes:
//  - hashing: argon2id (signup, login, password change). CPU-bound, so one
//    thread per core at a lower scheduling priority than the I/O threads
//    (a login flood must not slow token checks), and a short queue: past it
//    a request gets 503 + Retry-After at once instead of waiting seconds.
//    Only the hashing phase of a request runs here (with the reads it needs);
//    its writes go to the database lane after, so a hashing thread never
//    waits for a commit (see auth::PasswordLogin::verify_login).
//  - database: SQL calls, which mostly wait (on the network, for PostgreSQL),
//    so many threads; or, for a store with one writer (SQLite), one thread
//    running the queue in batches, each one transaction and one disk flush
//    (BatchLane).
//  - scans: reads that may take long and want no transaction of the writer's
//    (counting every live session for the metrics). With a batch lane they
//    run on a thread of their own, at a lower priority, so a scan never holds
//    up a batch; otherwise on the database lane.
// I/O threads co_await run(), run_hashing() or run_scan(); the coroutine resumes on its
// own executor once the job is done. When a lane has `max_pending` jobs
// queued or running, it answers nullopt at once: the caller turns that into 503.
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <type_traits>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "util/batch_lane.hpp"
#include "util/lane_stats.hpp"

namespace latchkey {

class WorkerLane : public LaneStats {
 public:
  // `nice`: added to the threads' scheduling niceness (0: as the process).
  WorkerLane(unsigned threads, std::size_t max_pending, int nice = 0)
      : LaneStats(max_pending), pool_(threads), nice_(nice) {}
  ~WorkerLane() { join(); }

  // `f` runs on a worker thread. Its result type must be default-constructible.
  // Exceptions thrown by `f` (bugs) propagate to the awaiting coroutine.
  template <class F>
  boost::asio::awaitable<std::optional<std::invoke_result_t<F>>> run(F f) {
    using R = std::invoke_result_t<F>;
    Admission admitted(*this);
    if (!admitted) co_return std::nullopt;
    const auto queued = std::chrono::steady_clock::now();
    R result = co_await boost::asio::co_spawn(
        pool_,
        [this, queued, f = std::move(f)]() mutable -> boost::asio::awaitable<R> {
          lower_priority_once();
          Running running(*this, queued);
          co_return f();
        },
        boost::asio::use_awaitable);
    co_return std::optional<R>(std::move(result));
  }

  // Waits for queued jobs to finish; idempotent.
  void join() { pool_.join(); }

 private:
  void lower_priority_once() const;

  boost::asio::thread_pool pool_;
  int nice_;
};

class WorkerPool {
 public:
  struct Lane {
    unsigned threads;
    std::size_t max_pending;
  };
  // With `batching` (a store with one writer: SQLite), database work runs on
  // one thread in batches (BatchLane) and `database.threads` is not used.
  WorkerPool(Lane hashing, Lane database, BatchHooks* batching = nullptr)
      : hashing_(hashing.threads, hashing.max_pending, kHashingNice) {
    if (batching) {
      batched_ = std::make_unique<BatchLane>(*batching, database.max_pending);
      scans_ = std::make_unique<WorkerLane>(1, kScansPending, kScansNice);
    } else database_ = std::make_unique<WorkerLane>(database.threads, database.max_pending);
  }
  // One size for both lanes (tests, fuzzing).
  WorkerPool(unsigned threads, std::size_t max_pending)
      : WorkerPool(Lane{threads, max_pending}, Lane{threads, max_pending}) {}

  // Database work.
  template <class F>
  boost::asio::awaitable<std::optional<std::invoke_result_t<F>>> run(F f) {
    if (batched_) return batched_->run(std::move(f));
    return database_->run(std::move(f));
  }
  // Database work whose writes may be lost with the machine without harm,
  // or whose answer waits for the disk later: answered once committed, with
  // its batch's flush to wait for (batch_lane.hpp: Durability::committed).
  // Elsewhere (PostgreSQL) each commit is durable when it returns, and the
  // flush is done already.
  template <class F>
  boost::asio::awaitable<std::optional<Committed<std::invoke_result_t<F>>>> run_committed(F f) {
    if (batched_) return batched_->run_committed(std::move(f));
    return database_->run([f = std::move(f)]() mutable { return Committed<std::invoke_result_t<F>>{f(), {}}; });
  }
  // Database work `f`, then `then(f's result)` off the database (on the
  // batch lane: after the commit, while it is flushed).
  template <class F, class Then>
  boost::asio::awaitable<std::optional<std::invoke_result_t<Then, std::invoke_result_t<F>&&>>> run(F f, Then then) {
    if (batched_) return batched_->run(std::move(f), std::move(then));
    return database_->run([f = std::move(f), then = std::move(then)]() mutable { return then(f()); });
  }
  // Password hashing (and the reads it needs); writes go to run().
  template <class F>
  boost::asio::awaitable<std::optional<std::invoke_result_t<F>>> run_hashing(F f) {
    return hashing_.run(std::move(f));
  }

  // A long read (see the top of this file).
  template <class F>
  boost::asio::awaitable<std::optional<std::invoke_result_t<F>>> run_scan(F f) {
    if (scans_) return scans_->run(std::move(f));
    return database_->run(std::move(f));
  }

  const LaneStats& hashing() const { return hashing_; }
  const LaneStats& database() const {
    if (batched_) return *batched_;
    return *database_;
  }
  std::size_t pending() const {
    return hashing_.pending() + database().pending() + (scans_ ? scans_->pending() : 0);
  }

  // Waits for queued jobs to finish; idempotent.
  void join() {
    hashing_.join();
    if (scans_) scans_->join();
    if (batched_) batched_->join();
    else database_->join();
  }

 private:
  static constexpr int kHashingNice = 19;
  static constexpr std::size_t kScansPending = 4;
  static constexpr int kScansNice = 10;  // background work: requests first
  WorkerLane hashing_;
  std::unique_ptr<WorkerLane> database_;  // or
  std::unique_ptr<BatchLane> batched_;    // with
  std::unique_ptr<WorkerLane> scans_;
};

}  // namespace latchkey
