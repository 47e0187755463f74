// The database lane in batches (util/batch_lane.hpp) over the real SQLite
// store: results, group commit, rollback of a batch that cannot commit, and
// Database::after_commit.
#include "util/batch_lane.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "store/sqlite/sqlite_store.hpp"
#include "util/worker_pool.hpp"
#include "temp_dir.hpp"

namespace latchkey {
namespace {

namespace asio = boost::asio;
using store::StoreError;
using store::User;

User user(int i) {
  const std::string name = "user" + std::to_string(i);
  return User{"id" + std::to_string(i), name, "$hash", 100, name};
}

// The store's own hooks, counted; `break_after` (if set) reports the batch
// broken once that many calls ran, as an error undoing its transaction would.
class CountingHooks : public BatchHooks {
 public:
  explicit CountingHooks(BatchHooks& inner) : inner_(inner) {}
  void begin() override {
    ++batches;
    calls_in_batch_ = 0;
    inner_.begin();
  }
  bool intact() override {
    ++calls_in_batch_;
    return inner_.intact() && (break_after < 0 || calls_in_batch_ <= break_after);
  }
  bool end(bool intact) override { return inner_.end(intact); }
  void when_durable(std::function<void()> done) override {
    {
      std::lock_guard lock(held_mutex_);
      if (hold_flushes_) {
        held_.push_back(std::move(done));
        return;
      }
    }
    inner_.when_durable(std::move(done));
  }
  // From now on no flush is reported until release_flushes(): as a slow disk.
  void hold_flushes() {
    std::lock_guard lock(held_mutex_);
    hold_flushes_ = true;
  }
  void release_flushes() {
    std::vector<std::function<void()>> held;
    {
      std::lock_guard lock(held_mutex_);
      hold_flushes_ = false;
      held.swap(held_);
    }
    for (auto& done : held) inner_.when_durable(std::move(done));
  }

  std::atomic<int> batches{0};
  int break_after = -1;

 private:
  BatchHooks& inner_;
  std::mutex held_mutex_;
  bool hold_flushes_ = false;  // guarded by held_mutex_
  std::vector<std::function<void()>> held_;
  int calls_in_batch_ = 0;
};

// co_spawn's completion: a test coroutine that throws fails the test.
void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

// Runs `n` coroutines on one I/O thread, each awaiting lane.run(job(i)), and
// returns their results once all are answered. Joins the lane.
template <class Job>
auto run_all(BatchLane& lane, int n, Job job) {
  using R = std::invoke_result_t<decltype(job(0))>;
  std::vector<std::optional<R>> results(static_cast<std::size_t>(n));
  asio::io_context io;
  for (int i = 0; i < n; ++i) {
    asio::co_spawn(
        io, [&, i]() -> asio::awaitable<void> { results[static_cast<std::size_t>(i)] = co_await lane.run(job(i)); },
        rethrow);
  }
  io.run();
  lane.join();  // every answer posted before `io` goes away
  return results;
}

class BatchLaneTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  store::sqlite::SqliteStore store_{dir_.file("latchkey.db")};
  CountingHooks hooks_{*store_.database().batching()};
};

TEST_F(BatchLaneTest, ConcurrentCallsShareBatchesAndAreDurableWhenAnswered) {
  BatchLane lane(hooks_, 1024);
  constexpr int kCalls = 300;
  auto results = run_all(lane, kCalls, [&](int i) { return [&, i] { return store_.users().create(user(i)); }; });
  for (const auto& r : results) {
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->has_value());
  }
  // Queued while the first batch ran: fewer batches than calls.
  EXPECT_LT(hooks_.batches.load(), kCalls);
  lane.join();
  // Read back through the reader connection, and by a second store on the file.
  EXPECT_TRUE(store_.users().find_by_name("user0"));
  store::sqlite::SqliteStore again(dir_.file("latchkey.db"));
  EXPECT_TRUE(again.users().find_by_name("user" + std::to_string(kCalls - 1)));
}

TEST_F(BatchLaneTest, ABatchThatCannotCommitAnswersNulloptAndLeavesNothing) {
  hooks_.break_after = 0;  // every batch broken after its first call
  BatchLane lane(hooks_, 1024, /*max_batch=*/1000);
  std::vector<bool> committed;
  auto results = run_all(lane, 3, [&](int i) {
    return [&, i] {
      auto r = store_.users().create(user(i));
      store_.database().after_commit([&](bool ok) { committed.push_back(ok); });
      return r;
    };
  });
  lane.join();
  for (const auto& r : results) EXPECT_FALSE(r.has_value());  // the caller's 503
  for (int i = 0; i < 3; ++i) EXPECT_EQ(store_.users().find_by_name("user" + std::to_string(i)).error(), StoreError::not_found);
  // Effects outside the database are told the write was undone.
  for (bool ok : committed) EXPECT_FALSE(ok);
}

TEST_F(BatchLaneTest, AfterCommitRunsOnceTheBatchCommitsAndAtOnceOutsideOne) {
  bool outside = false;
  store_.database().after_commit([&](bool ok) { outside = ok; });
  EXPECT_TRUE(outside);
  BatchLane lane(hooks_, 1024);
  std::atomic<int> seen_before_answer{0};
  bool inside = false;
  auto results = run_all(lane, 1, [&](int) {
    return [&] {
      auto r = store_.users().create(user(7));
      store_.database().after_commit([&](bool ok) { inside = ok; });
      seen_before_answer = inside ? 1 : 0;  // not yet: the batch has not committed
      return r;
    };
  });
  ASSERT_TRUE(results[0].has_value());
  EXPECT_TRUE(inside);
  EXPECT_EQ(seen_before_answer.load(), 0);
}

TEST_F(BatchLaneTest, AnExceptionReachesItsCallerAndTheBatchGoesOn) {
  BatchLane lane(hooks_, 1024);
  std::vector<std::string> outcomes(3);
  asio::io_context io;
  for (int i = 0; i < 3; ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          try {
            auto r = co_await lane.run([&, i]() -> store::Result<void> {
              if (i == 1) throw std::logic_error("bug");
              return store_.users().create(user(i));
            });
            outcomes[static_cast<std::size_t>(i)] = r && *r ? "ok" : "failed";
          } catch (const std::logic_error&) {
            outcomes[static_cast<std::size_t>(i)] = "threw";
          }
        },
        rethrow);
  }
  io.run();
  lane.join();
  EXPECT_EQ(outcomes, (std::vector<std::string>{"ok", "threw", "ok"}));
}

TEST_F(BatchLaneTest, AFullLaneAnswersNulloptAtOnce) {
  BatchLane lane(hooks_, 0);
  auto results = run_all(lane, 2, [&](int i) { return [&, i] { return store_.users().create(user(i)); }; });
  EXPECT_FALSE(results[0].has_value());
  EXPECT_FALSE(results[1].has_value());
  EXPECT_EQ(lane.rejected(), 2u);
  EXPECT_EQ(hooks_.batches.load(), 0);
}

TEST_F(BatchLaneTest, AReadOutsideTheLaneIsNotBlockedByABatch) {
  ASSERT_TRUE(store_.users().create(user(1)));
  BatchLane lane(hooks_, 1024);
  std::atomic<bool> read_done{false};
  auto results = run_all(lane, 1, [&](int) {
    return [&] {
      // The batch holds the writer; a read on another thread uses the reader.
      std::thread reader([&] { read_done = store_.users().find_by_name("user1").has_value(); });
      reader.join();
      return store_.users().create(user(2));
    };
  });
  ASSERT_TRUE(results[0].has_value());
  EXPECT_TRUE(read_done.load());
}

}  // namespace
}  // namespace latchkey

namespace latchkey {
namespace {

TEST_F(BatchLaneTest, ThenRunsAfterTheCommitAndGivesTheAnswer) {
  BatchLane lane(hooks_, 1024);
  bool committed_when_then_ran = false;
  std::optional<std::optional<std::string>> answer;
  asio::io_context io;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        answer = co_await lane.run([&] { return store_.users().create(user(3)); },
                                   [&](store::Result<void> created) -> std::string {
                                     // Outside the transaction: another connection sees the row.
                                     store::sqlite::SqliteStore other(dir_.file("latchkey.db"));
                                     committed_when_then_ran = other.users().find_by_name("user3").has_value();
                                     return created ? "created" : "failed";
                                   });
      },
      rethrow);
  io.run();
  lane.join();
  ASSERT_TRUE(answer.has_value());
  ASSERT_TRUE(answer->has_value());
  EXPECT_EQ(**answer, "created");
  EXPECT_TRUE(committed_when_then_ran);
}

TEST_F(BatchLaneTest, ThenDoesNotRunWhenTheBatchCannotCommit) {
  hooks_.break_after = 0;
  BatchLane lane(hooks_, 1024);
  bool then_ran = false;
  std::optional<std::optional<int>> answer;
  asio::io_context io;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        answer = co_await lane.run([&] { return store_.users().create(user(4)); },
                                   [&](store::Result<void>) {
                                     then_ran = true;
                                     return 1;
                                   });
      },
      rethrow);
  io.run();
  lane.join();
  ASSERT_TRUE(answer.has_value());
  EXPECT_FALSE(answer->has_value());
  EXPECT_FALSE(then_ran);
}

// WorkerPool::run_scan with a batch lane: a long read runs beside the
// batches, not in one; here it completes while a batch is held open.
TEST_F(BatchLaneTest, AScanRunsBesideABatchThatIsHeldOpen) {
  ASSERT_TRUE(store_.users().create(user(1)));
  WorkerPool pool({1, 8}, {1, 8}, store_.database().batching());
  std::mutex m;
  std::condition_variable cv;
  bool scanned = false;
  bool batch_saw_scan = false;
  bool found = false;
  asio::io_context io;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await pool.run([&] {
          // Holds the batch (and the writer) until the scan is done, or 10 s.
          std::unique_lock lock(m);
          batch_saw_scan = cv.wait_for(lock, std::chrono::seconds(10), [&] { return scanned; });
          return 0;
        });
      },
      rethrow);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto r = co_await pool.run_scan([&] { return store_.users().find_by_name("user1").has_value(); });
        found = r && *r;
        {
          std::lock_guard lock(m);
          scanned = true;
        }
        cv.notify_all();
      },
      rethrow);
  io.run();
  pool.join();
  EXPECT_TRUE(batch_saw_scan);
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace latchkey

namespace latchkey {
namespace {

// Durability::committed: answered at the commit, while the flush is still
// held back, with the batch's flush to wait for; a flushed job of the same
// lane is answered, and the flush's waiter resumed, only once the flush is
// reported.
TEST_F(BatchLaneTest, ACommittedJobIsAnsweredBeforeTheFlushAndItsFlushWaitsForIt) {
  hooks_.hold_flushes();
  BatchLane lane(hooks_, 1024);
  std::optional<bool> committed_ok;  // the committed job's answer
  bool flush_waited = false;         // its flush's wait() returned
  std::optional<std::optional<store::Result<void>>> flushed;
  asio::io_context io;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto c = co_await lane.run_committed([&] { return store_.users().create(user(1)); });
        committed_ok = c && c->result.has_value();
        if (c) co_await c->flush.wait();
        flush_waited = true;
      },
      rethrow);
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { flushed = co_await lane.run([&] { return store_.users().create(user(2)); }); },
      rethrow);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!committed_ok && std::chrono::steady_clock::now() < deadline) io.run_one_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(committed_ok.has_value());
  EXPECT_TRUE(*committed_ok);
  // Give the others every chance to go on early: they do not.
  io.run_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(flush_waited);
  EXPECT_FALSE(flushed.has_value());
  hooks_.release_flushes();
  io.run();
  lane.join();
  EXPECT_TRUE(flush_waited);
  ASSERT_TRUE(flushed.has_value());
  ASSERT_TRUE(flushed->has_value());
  EXPECT_TRUE(flushed->value().has_value());
  // Both are in the database, and on disk once the flush was reported.
  store::sqlite::SqliteStore again(dir_.file("latchkey.db"));
  EXPECT_TRUE(again.users().find_by_name("user1"));
  EXPECT_TRUE(again.users().find_by_name("user2"));
}

// A flush waited for after it happened returns at once; so does an empty one.
TEST_F(BatchLaneTest, AFlushThatIsDoneAndAnEmptyOneReturnAtOnce) {
  BatchLane lane(hooks_, 1024);
  int resumed = 0;
  asio::io_context io;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto c = co_await lane.run_committed([&] { return store_.users().create(user(3)); });
        if (!c) co_return;
        co_await c->flush.wait();
        co_await c->flush.wait();  // again: done already
        ++resumed;
        co_await BatchFlush{}.wait();
        ++resumed;
      },
      rethrow);
  io.run();
  lane.join();
  EXPECT_EQ(resumed, 2);
}

// A batch that cannot commit answers a committed job nullopt too (its 503).
TEST_F(BatchLaneTest, ACommittedJobOfABatchThatCannotCommitAnswersNullopt) {
  hooks_.break_after = 0;
  BatchLane lane(hooks_, 1024);
  std::optional<bool> answered;
  asio::io_context io;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto c = co_await lane.run_committed([&] { return store_.users().create(user(5)); });
        answered = c.has_value();
      },
      rethrow);
  io.run();
  lane.join();
  ASSERT_TRUE(answered.has_value());
  EXPECT_FALSE(*answered);
  EXPECT_EQ(store_.users().find_by_name("user5").error(), StoreError::not_found);
}

}  // namespace
}  // namespace latchkey
