#pragma once
// What the SQLite aggregates share: the connections to one database file,
// their locks, the batches of the database lane, and group commit.
//
// Two connections. The writer runs every write, and every call of the
// server's database lane: one thread runs those in batches, each batch one
// transaction (BatchHooks: begin/end), answered once flushed, so a burst of
// requests costs one lock cycle and one flush. Reads made by other threads
// (the hashing lane's, the revocation watcher's) use the reader connection
// and never wait for a batch; WAL lets it read while the writer writes.
// Nothing read or written is returned before it is durable (WalSync). An
// in-memory database has only the writer.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "store/sql/statements.hpp"
#include "store/store_stats.hpp"
#include "util/batch_hooks.hpp"

namespace latchkey::store::sqlite {

class Db;
class WalSync;
class Checkpointer;

enum class Use { read, write };

class Connections final : public BatchHooks {
 public:
  // Opens (creating if needed) and migrates. Throws std::runtime_error with
  // a one-line reason on failure: start-up only.
  explicit Connections(const std::string& path);
  ~Connections() override;
  Connections(const Connections&) = delete;
  Connections& operator=(const Connections&) = delete;

  // A connection for one call: inside a batch, the batch's; else the reader
  // (reads) or the writer (writes), held until release. On release outside
  // a batch, waits until whatever the call wrote or might have read is on
  // disk (outside the lock, so other writers join the same flush).
  class Access {
   public:
    Access(Connections& c, Use use);
    ~Access();
    Access(const Access&) = delete;
    Access& operator=(const Access&) = delete;
    Db& db() { return *db_; }

   private:
    Connections& connections_;
    Db* db_;
    CountedMutex* held_ = nullptr;  // null inside a batch
    std::uint64_t commits_before_ = 0;
  };

  // Database::after_commit: inside a batch, when it ends; else at once.
  void after_commit(std::function<void(bool committed)> f);

  // BatchHooks, for the database lane's thread: the writer is held from
  // begin() to end(), one transaction.
  void begin() override;
  bool intact() override;
  bool end(bool intact) override;
  void when_durable(std::function<void()> done) override;

 private:
  void configure_writer(const std::string& path);
  void open_reader(const std::string& path);

  CountedMutex writer_mutex_;  // counted as in use while held
  CountedMutex reader_mutex_;
  std::unique_ptr<Db> writer_;
  std::unique_ptr<Db> reader_;         // null for an in-memory database
  std::unique_ptr<WalSync> wal_sync_;  // null when not in WAL mode (in memory)
  std::unique_ptr<Checkpointer> checkpointer_;  // likewise
  std::vector<std::function<void(bool)>> after_batch_;  // the batch thread's
};

// The shared statements, with SQLite's placeholders.
inline const sql::Statements& statements() { return sql::statements(sql::Placeholders::numbered_question); }

}  // namespace latchkey::store::sqlite
