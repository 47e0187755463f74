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
// is full. A job may ask to be answered at the commit instead
// (run_committed, Durability::committed), with its batch's flush to wait for
// (BatchFlush): a job whose writes may be lost with the machine without harm
// (an authorization code: its client starts over) does not wait at all; one
// whose answer must not outrun the disk (a token) does its work meanwhile
// (signing) and waits for that flush, not the next one, before answering.
// Writes answered early still reach the disk with the batch's flush, and
// anything that later reads them and is answered after a flush finds them
// durable too: the WAL is one sequence.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

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

// The flush of the batch that a job answered at its commit went into
// (Durability::committed): wait() resumes once that batch is on disk. An
// empty one (no batch lane: there each commit is durable when it returns)
// is on disk already.
class BatchFlush {
 public:
  boost::asio::awaitable<void> wait() const {
    if (!state_) co_return;
    // The initiation captures a plain pointer (state_ keeps the state alive
    // while this waits): GCC 12 destroys a co_await operand's temporaries
    // twice, and a captured shared_ptr would then be released twice.
    State* s = state_.get();
    co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void()>(
        [s](auto handler) {
          // std::function wants a copy; the handler is move-only.
          auto held = std::make_shared<decltype(handler)>(std::move(handler));
          s->when_done([held] {
            auto ex = boost::asio::get_associated_executor(*held);
            boost::asio::post(ex, std::move(*held));
          });
        },
        boost::asio::use_awaitable);
  }

 private:
  friend class BatchLane;
  struct State {
    // Calls `f` once the batch is on disk: at once, or on the thread that completes it.
    void when_done(std::function<void()> f);
    // The batch is on disk: calls what waits.
    void complete();
    std::mutex mutex;
    bool done = false;                          // guarded by mutex
    std::vector<std::function<void()>> waiting;  // guarded by mutex
  };
  std::shared_ptr<State> state_;
};

// What a job answered at its commit gives: its result, and its batch's flush
// to wait for before anything that must not outrun the disk leaves.
template <class R>
struct Committed {
  R result;
  BatchFlush flush;
};

template <class T>
inline constexpr bool kIsCommitted = false;
template <class R>
inline constexpr bool kIsCommitted<Committed<R>> = true;

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
  boost::asio::awaitable<std::optional<std::invoke_result_t<Then, std::invoke_result_t<F>&&>>> run(F f, Then then) {
    return execute(std::move(f), std::move(then), Durability::flushed);
  }
  // As run(f), answered once its batch has committed (Durability::committed),
  // with that batch's flush: the caller does what it can meanwhile (signing)
  // and waits for the flush before an answer that must not outrun the disk.
  template <class F>
  boost::asio::awaitable<std::optional<Committed<std::invoke_result_t<F>>>> run_committed(F f) {
    // Not a coroutine itself, so that no temporary lives in a co_await here
    // (see BatchFlush::wait). The flush is attached on the lane (execute).
    using R = std::invoke_result_t<F>;
    return execute(
        std::move(f), [](R&& decided) { return Committed<R>{std::move(decided), BatchFlush{}}; },
        Durability::committed);
  }

  // Runs what is queued, waits until every batch is answered, stops the thread; idempotent.
  void join();

 private:
  // run(f, then), answered as `answered` says; a Committed result gets its
  // batch's flush.
  template <class F, class Then>
  boost::asio::awaitable<std::optional<std::invoke_result_t<Then, std::invoke_result_t<F>&&>>> execute(
      F f, Then then, Durability answered) {
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
    auto after = [&](std::shared_ptr<BatchFlush::State> flush) {
      if (!decided) return;
      try {
        result.emplace(then(std::move(*decided)));
        if constexpr (kIsCommitted<T>) result->flush.state_ = std::move(flush);
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

  struct JobBase {
    virtual ~JobBase() = default;
    virtual void run() = 0;
    // After the batch committed; `flush` is the batch's, for a job answered at the commit.
    virtual void after(std::shared_ptr<BatchFlush::State> flush) = 0;
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
    void after(std::shared_ptr<BatchFlush::State> flush) override { after_commit(std::move(flush)); }
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
