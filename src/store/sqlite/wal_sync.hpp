#pragma once
// Group commit for SQLite in WAL mode. The connection runs with
// synchronous=NORMAL, so a COMMIT appends its frames to the WAL without
// waiting for the disk; before a write is answered, its thread calls wait(),
// which makes the WAL durable with one fdatasync shared by every commit made
// until then. Many concurrent writes thus cost one disk flush, and none is
// answered before it would survive a power loss: the guarantee of
// synchronous=FULL, at the price of one flush per batch instead of per write.
// (Checkpoints keep their own syncs under NORMAL: WAL before, database after.)
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

namespace latchkey::store::sqlite {

class WalSync {
 public:
  explicit WalSync(std::string wal_path);
  ~WalSync();
  WalSync(const WalSync&) = delete;
  WalSync& operator=(const WalSync&) = delete;

  // Call after commits were written to the WAL (with the connection's lock
  // held, so sequence numbers follow the WAL's order); returns the number to
  // wait() for.
  std::uint64_t committed();
  // Returns once the WAL has been flushed past commit `seq`. A failed flush
  // ends the process: after fsync fails, the page cache can no longer be
  // trusted to hold what was written (PostgreSQL panics for the same reason);
  // a restart recovers from what the disk has.
  void wait(std::uint64_t seq);
  std::uint64_t flushes() const;

 private:
  std::string path_;
  int fd_ = -1;
  mutable std::mutex mutex_;
  std::condition_variable flushed_;
  std::uint64_t written_ = 0;  // guarded by mutex_
  std::uint64_t durable_ = 0;  // guarded by mutex_
  std::uint64_t flushes_ = 0;  // guarded by mutex_
  bool flushing_ = false;      // guarded by mutex_
};

}  // namespace latchkey::store::sqlite
