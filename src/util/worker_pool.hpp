#pragma once
// A bounded pool of threads for blocking work: argon2id hashing and database
// calls. I/O threads co_await run(); the coroutine resumes on its own
// executor once the job is done. When more than `max_pending` jobs are
// queued or running, run() answers nullopt at once instead of queueing
// without bound: the caller turns that into 503.
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

class WorkerPool {
 public:
  WorkerPool(unsigned threads, std::size_t max_pending)
      : pool_(threads), max_pending_(max_pending) {}
  ~WorkerPool() { join(); }

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
  boost::asio::thread_pool pool_;
  std::size_t max_pending_;
  std::atomic<std::size_t> pending_{0};
  std::atomic<std::size_t> running_{0};
  std::atomic<std::uint64_t> rejected_{0};
  metrics::Histogram wait_;
};

}  // namespace latchkey
