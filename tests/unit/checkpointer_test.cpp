// WAL checkpoints on their own thread and connection (store/sqlite/checkpointer.hpp).
#include "store/sqlite/checkpointer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "store/sqlite/sqlite_db.hpp"
#include "temp_dir.hpp"

namespace latchkey::store::sqlite {
namespace {

TEST(Checkpointer, CopiesTheWalOnceItReachesTheThreshold) {
  latchkey::testing::TempDir dir;
  const std::string path = dir.file("db");
  Db writer(path);
  ASSERT_EQ(writer.exec("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; "
                        "CREATE TABLE t (x BLOB)"),
            SQLITE_OK);
  for (int i = 0; i < 50; ++i) ASSERT_EQ(writer.exec("INSERT INTO t VALUES (zeroblob(8000))"), SQLITE_OK);
  ASSERT_GT(std::filesystem::file_size(path + "-wal"), 400'000u);
  ASSERT_LT(std::filesystem::file_size(path), 100'000u);  // nothing copied yet

  Checkpointer checkpointer(path);
  checkpointer.wal_size(Checkpointer::kThresholdPages - 1);  // below: nothing
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(checkpointer.runs(), 0u);
  checkpointer.wal_size(Checkpointer::kThresholdPages);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (checkpointer.runs() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(checkpointer.runs(), 1u);
  // The rows are in the database file now (the next write starts the WAL over).
  EXPECT_GT(std::filesystem::file_size(path), 400'000u);
}

}  // namespace
}  // namespace latchkey::store::sqlite
