#pragma once
// A worker lane of one thread that runs its queued jobs in batches: between
// BatchHooks::begin() and end(), then answers each job once the batch is
// durable (BatchHooks::when_durable). Meant for a store with one writer
// (SQLite): many requests share one transaction and one disk flush, no lock
// is handed between threads, and the thread goes on with the next batch while
// the previous one is being flushed.
//
// A job's result reaches its caller only after its batch committed and is on
// disk (Durability::flushed); if the batch could not commit, every job of it
// answers nullopt (the caller's 503), as does a job refused because the lane
// is full. A job whose writes may be lost with the machine without harm (an
// authorization code: its client starts over) may ask to be answered at the
// commit instead (Durability::committed); it saves its caller the wait for
// the flush, a millisecond or more. Its writes still reach the disk with the
// batch's flush, and anything that later reads them and is answered after a
// flush finds them durable too: the WAL is one sequence.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "util/batch_hooks.hpp"
#include "util/lane_stats.hpp"

namespace latchkey {

// When a batch lane answers a job (see above).
enum class Durability {
  flushed,    // once its batch is committed and on disk: the default
  committed,  // once its batch is committed; lost if the machine fails before the flush
};

class BatchLane : public LaneStats {
 public:
  // `max_batch`: jobs run in one batch at most (bounds a batch's latency).
  BatchLane(BatchHooks& hooks, std::size_t max_pending, std::size_t max_batch = 128);
  ~BatchLane();
  BatchLane(const BatchLane&) = delete;
  BatchLane& operator=(const BatchLane&) = delete;

  // `f` runs on the lane's thread inside a batch. Its result type must be
  // movable. Exceptions thrown by `f` (bugs) propagate to the awaiting coroutine.
  template <class F>
  boost::asio::awaitable<std::optional<std::invoke_result_t<F>>> run(F f) {
    return run(std::move(f), [](std::invoke_result_t<F>&& r) { return std::move(r); });
  }
  // As run(f), and then `then(f's result)` on the lane's thread once the
  // batch has committed, while it is being flushed: work that needs what `f`
  // decided but not the database (signing a token) overlaps the flush.
  template <class F, class Then>
  boost::asio::awaitable<std::optional<std::invoke_result_t<Then, std::invoke_result_t<F>&&>>> run(
      F f, Then then, Durability answered = Durability::flushed) {
    using R = std::invoke_result_t<F>;
    using T = std::invoke_result_t<Then, R&&>;
    Admission admitted(*this);
    if (!admitted) co_return std::nullopt;
    std::optional<R> decided;
    std::optional<T> result;
    std::exception_ptr error;
    bool durable = false;
    const auto queued = std::chrono::steady_clock::now();
    auto body = [&] {
      Running running(*this, queued);
      try {
        decided.emplace(f());
      } catch (...) {
        error = std::current_exception();
      }
    };
    auto after = [&] {
      if (!decided) return;
      try {
        result.emplace(then(std::move(*decided)));
      } catch (...) {
        error = std::current_exception();
      }
    };
    // The coroutine stays suspended until finish(), so `body` and `after` may
    // refer to its locals.
    co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void()>(
        [&](auto handler) {
          submit(std::make_unique<Job<decltype(handler), decltype(body), decltype(after)>>(
              std::move(handler), body, after, durable, answered));
        },
        boost::asio::use_awaitable);
    if (error) std::rethrow_exception(error);
    if (!durable) co_return std::nullopt;
    co_return result;
  }

  // Resumes once every batch committed so far is on disk: a job answered at
  // its commit (Durability::committed) whose answer must not leave before
  // the disk has it does the rest of its work (signing) and then waits here,
  // so that the work overlaps the flush instead of following it.
  boost::asio::awaitable<void> flushed() {
    co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void()>(
        [this](auto handler) {
          // std::function wants a copy; the handler is move-only.
          auto held = std::make_shared<decltype(handler)>(std::move(handler));
          hooks_.when_durable([held] {
            auto ex = boost::asio::get_associated_executor(*held);
            boost::asio::post(ex, std::move(*held));
          });
        },
        boost::asio::use_awaitable);
  }

  // Runs what is queued, waits until every batch is answered, stops the thread; idempotent.
  void join();

 private:
  struct JobBase {
    virtual ~JobBase() = default;
    virtual void run() = 0;
    // After the batch committed.
    virtual void after() = 0;
    // Resumes the caller; `durable`: its batch committed (and, unless the
    // job asked otherwise, is on disk). Called once.
    virtual void finish(bool durable) = 0;
    virtual Durability answered() const = 0;
  };
  template <class Handler, class Body, class After>
  struct Job final : JobBase {
    Job(Handler h, Body b, After a, bool& d, Durability w)
        : handler(std::move(h)), body(std::move(b)), after_commit(std::move(a)), durable(d), when(w) {}
    void run() override { body(); }
    void after() override { after_commit(); }
    Durability answered() const override { return when; }
    void finish(bool ok) override {
      durable = ok;
      auto ex = boost::asio::get_associated_executor(handler);
      boost::asio::post(ex, std::move(handler));
    }
    Handler handler;
    Body body;
    After after_commit;
    bool& durable;  // in the caller's frame: gone once finish() resumed it
    Durability when;
  };
  using Batch = std::deque<std::unique_ptr<JobBase>>;

  void submit(std::unique_ptr<JobBase> job);
  void loop();
  void run_batch(Batch batch);

  BatchHooks& hooks_;
  const std::size_t max_batch_;
  std::mutex mutex_;
  std::condition_variable wake_;       // jobs queued, or stopping
  std::condition_variable answered_;   // a batch was answered
  Batch queue_;                        // guarded by mutex_
  std::size_t unanswered_ = 0;         // batches run but not answered; guarded by mutex_
  bool stopping_ = false;              // guarded by mutex_
  std::thread thread_;
};

}  // namespace latchkey
