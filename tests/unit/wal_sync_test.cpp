#include "store/sqlite/wal_sync.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <fstream>
#include <thread>
#include <vector>

#include "temp_dir.hpp"

namespace latchkey::store::sqlite {
namespace {

// A WAL file with frames in it, and the WalSync that flushes it.
struct WalFile {
  latchkey::testing::TempDir dir;
  std::string path = dir.file("db-wal");
  bool written = static_cast<bool>(std::ofstream(path) << "frames");
  WalSync sync{path};
};

TEST(WalSync, ConcurrentWritersShareFlushes) {
  WalFile f;
  WalSync& sync = f.sync;
  constexpr int kThreads = 16, kWrites = 50;
  std::mutex connection;  // the store's connection lock, under which commits are numbered
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kWrites; ++i) {
        std::uint64_t seq;
        {
          std::lock_guard lock(connection);
          seq = sync.reserve();  // the commit hook
          sync.written();        // the COMMIT returned
        }
        sync.wait(seq);
        ++done;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(done.load(), kThreads * kWrites);
  EXPECT_GE(sync.flushes(), 1u);
  // Group commit: writers that arrive during a flush share the next one.
  EXPECT_LT(sync.flushes(), static_cast<std::uint64_t>(kThreads * kWrites));
}

TEST(WalSync, WaitReturnsAtOnceWhenAlreadyDurable) {
  WalFile f;
  WalSync& sync = f.sync;
  const auto seq = sync.reserve();
  sync.written();
  sync.wait(seq);
  const auto flushes = sync.flushes();
  sync.wait(seq);  // nothing new was written
  EXPECT_EQ(sync.flushes(), flushes);
}

TEST(WalSync, WhenDurableCallsBackAfterTheFlushInCommitOrder) {
  WalFile f;
  WalSync& sync = f.sync;
  std::mutex m;
  std::condition_variable cv;
  std::vector<int> order;
  for (int i = 1; i <= 3; ++i) {
    const auto seq = sync.reserve();
    sync.written();
    sync.when_durable(seq, [&, i] {
      std::lock_guard lock(m);
      order.push_back(i);
      cv.notify_all();
    });
  }
  std::unique_lock lock(m);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return order.size() == 3; }));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_GE(sync.flushes(), 1u);
}

TEST(WalSync, WhenDurableRunsAtOnceWhenNothingIsPending) {
  WalFile f;
  WalSync& sync = f.sync;
  bool called = false;
  sync.when_durable(sync.last_reserved(), [&] { called = true; });
  EXPECT_TRUE(called);
  EXPECT_EQ(sync.flushes(), 0u);
}

TEST(WalSync, AReaderWaitsForACommitStillInProgress) {
  // A reader may have seen a commit whose COMMIT has not returned yet: it
  // waits for the commit's number, which is flushed only once written.
  WalFile f;
  WalSync& sync = f.sync;
  const auto seq = sync.reserve();
  std::atomic<bool> returned{false};
  std::thread reader([&] {
    sync.wait(sync.last_reserved());
    returned = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(returned.load());
  sync.written();
  reader.join();
  EXPECT_TRUE(returned.load());
  EXPECT_GE(sync.last_reserved(), seq);
}

// when_all_durable, from many threads at once (BatchHooks lets any thread
// call it): every callback is called, none before a flush.
TEST(WalSync, WhenAllDurableFromManyThreadsCallsEveryCallbackAfterAFlush) {
  std::atomic<int> called{0}, early{0};  // before `f`: its callbacks may outlive a failed wait
  WalFile f;
  WalSync& sync = f.sync;
  constexpr int kThreads = 8, kEach = 40;
  std::mutex connection;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        {
          std::lock_guard lock(connection);
          sync.reserve();
          sync.written();
        }
        sync.when_all_durable([&] {
          // Never before a flush: nothing was durable when this was queued.
          if (sync.flushes() == 0) ++early;
          ++called;
        });
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (called.load() < kThreads * kEach && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(called.load(), kThreads * kEach);
  EXPECT_EQ(early.load(), 0);
}

TEST(WalSync, WhenAllDurableRunsAtOnceWhenNothingIsPending) {
  WalFile f;
  WalSync& sync = f.sync;
  bool called = false;
  sync.when_all_durable([&] { called = true; });
  EXPECT_TRUE(called);
  EXPECT_EQ(sync.flushes(), 0u);
}

}  // namespace
}  // namespace latchkey::store::sqlite
