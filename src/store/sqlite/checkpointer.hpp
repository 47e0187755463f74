#pragma once
// WAL checkpoints on a thread and a connection of their own. SQLite's
// automatic checkpoint runs inside the COMMIT that crosses its threshold, on
// the writer's thread: it copies the WAL into the database file and syncs
// both, and every request queued behind that commit waits for it. Here the
// writer only notes the WAL's size after each commit (request()); this
// thread then runs a PASSIVE checkpoint, which never blocks the writer, and
// the writer starts the WAL over once it has been copied in full.
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace latchkey::store::sqlite {

class Db;

class Checkpointer {
 public:
  // Opens its own connection to `path` (throws std::runtime_error: start-up only).
  explicit Checkpointer(const std::string& path);
  // Stops the thread (a checkpoint under way completes first).
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // The WAL holds `pages` frames after a commit: a checkpoint is started when
  // they reach the threshold. Non-blocking.
  void wal_size(int pages);
  // Checkpoints run so far.
  std::uint64_t runs() const;

  // 16,000 pages (64 MiB of WAL at most before a checkpoint starts), not
  // SQLite's default of 1,000: a page written by many commits (an index's
  // hot leaf, a session's row) is copied into the database once per
  // checkpoint, so fewer checkpoints write less. Measured on the code-flow
  // bench (bench/, 2 cores, one 10 s run): 4,000 -> 1.35 GB written,
  // 2,901 flows/s; 16,000 -> 1.2 GB, 3,011/s.
  static constexpr int kThresholdPages = 16000;

 private:
  void loop();

  std::unique_ptr<Db> db_;  // the thread's own
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool due_ = false;  // guarded by mutex_
  bool stop_ = false;
  std::uint64_t runs_ = 0;
  std::thread thread_;
};

}  // namespace latchkey::store::sqlite
