#include "store/sqlite/wal_sync.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

#include "temp_dir.hpp"

namespace latchkey::store::sqlite {
namespace {

TEST(WalSync, ConcurrentWritersShareFlushes) {
  latchkey::testing::TempDir dir;
  const std::string wal = dir.file("db-wal");
  std::ofstream(wal) << "frames";
  WalSync sync(wal);
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
          seq = sync.committed();
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
  latchkey::testing::TempDir dir;
  const std::string wal = dir.file("db-wal");
  std::ofstream(wal) << "frames";
  WalSync sync(wal);
  const auto seq = sync.committed();
  sync.wait(seq);
  const auto flushes = sync.flushes();
  sync.wait(seq);  // nothing new was written
  EXPECT_EQ(sync.flushes(), flushes);
}

}  // namespace
}  // namespace latchkey::store::sqlite
