#pragma once
// Group commit for SQLite in WAL mode. The connection runs with
// synchronous=NORMAL, so a COMMIT appends its frames to the WAL without
// waiting for the disk; nothing that depends on a commit is answered before a
// flusher thread has made the WAL durable with one fdatasync shared by every
// commit made until then. Many writes thus cost one disk flush, and none is
// answered before it would survive a power loss: the guarantee of
// synchronous=FULL, at the price of one flush per batch instead of per write.
// (Checkpoints keep their own syncs under NORMAL: WAL before, database after.)
//
// Commits are numbered when they begin (reserve(), from the connection's
// commit hook, before any reader can see them), so a reader can wait for
// everything it might have seen: wait(last_reserved()).
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace latchkey::store::sqlite {

class WalSync {
 public:
  explicit WalSync(std::string wal_path);
  // Flushes what was asked for, then stops the flusher.
  ~WalSync();
  WalSync(const WalSync&) = delete;
  WalSync& operator=(const WalSync&) = delete;

  // A commit is starting (called from the commit hook); returns its number.
  std::uint64_t reserve();
  // Every commit reserved so far has returned: its frames are in the WAL
  // file (or it failed, and there is nothing to flush). Called by the writer.
  void written();
  std::uint64_t last_reserved() const;
  // Returns once the WAL has been flushed past commit `seq`. A failed flush
  // ends the process: after fsync fails, the page cache can no longer be
  // trusted to hold what was written (PostgreSQL panics for the same reason);
  // a restart recovers from what the disk has.
  void wait(std::uint64_t seq);
  // Calls `done` once the WAL has been flushed past `seq`: at once, or on the
  // flusher thread.
  void when_durable(std::uint64_t seq, std::function<void()> done);
  // The same for every commit reserved so far, read under the same lock as
  // the callback is queued, so that callbacks stay in commit order whichever
  // threads call.
  void when_all_durable(std::function<void()> done);
  std::uint64_t flushes() const;

 private:
  void flush_loop();
  bool flush_due() const { return wanted_ > durable_ && written_ > durable_; }  // with mutex_ held
  // With mutex_ held: queues `done` for commit `seq`; false (and `done`
  // untouched) when that commit is durable already.
  bool queue_callback(std::uint64_t seq, std::function<void()>& done);

  std::string path_;
  int fd_ = -1;  // the flusher's
  mutable std::mutex mutex_;
  std::condition_variable work_;     // for the flusher
  std::condition_variable flushed_;  // for wait()
  std::uint64_t reserved_ = 0;       // all guarded by mutex_
  std::uint64_t written_ = 0;
  std::uint64_t wanted_ = 0;  // the highest commit somebody waits for
  std::uint64_t durable_ = 0;
  std::uint64_t flushes_ = 0;
  bool stop_ = false;
  std::deque<std::pair<std::uint64_t, std::function<void()>>> callbacks_;  // in commit order
  std::thread flusher_;
};

}  // namespace latchkey::store::sqlite
