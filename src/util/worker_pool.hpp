#pragma once
// A bounded pool of threads for blocking work: argon2id hashing and database
// calls. I/O threads co_await run(); the coroutine resumes on its own
// executor once the job is done. When more than `max_pending` jobs are
// queued or running, run() answers nullopt at once instead of queueing
// without bound: the caller turns that into 503.
#include <atomic>
#include <cstddef>
#include <optional>
#include <type_traits>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

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
      co_return std::nullopt;
    }
    struct Release {
      std::atomic<std::size_t>& n;
      ~Release() { n.fetch_sub(1, std::memory_order_relaxed); }
    } release{pending_};
    R result = co_await boost::asio::co_spawn(
        pool_, [f = std::move(f)]() mutable -> boost::asio::awaitable<R> { co_return f(); },
        boost::asio::use_awaitable);
    co_return std::optional<R>(std::move(result));
  }

  std::size_t pending() const { return pending_.load(std::memory_order_relaxed); }

  // Waits for queued jobs to finish; idempotent.
  void join() { pool_.join(); }

 private:
  boost::asio::thread_pool pool_;
  std::size_t max_pending_;
  std::atomic<std::size_t> pending_{0};
};

}  // namespace latchkey
