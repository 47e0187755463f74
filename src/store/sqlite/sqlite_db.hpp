#pragma once
// A thin RAII layer over the sqlite3 C API: one connection, prepared
// statements cached by their SQL text, typed binding and reading.
// Not thread-safe by itself: Connections (sqlite_connections.hpp) serialises access.
#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace latchkey::store::sqlite {

class Statement {
 public:
  explicit Statement(sqlite3_stmt* s) : stmt_(s) {}
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binding is 1-based, as in SQL's `?1`.
  void bind(int i, std::string_view v);
  void bind(int i, std::int64_t v);
  void bind_null(int i);
  void bind(int i, std::optional<std::int64_t> v) { v ? bind(i, *v) : bind_null(i); }

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  void reset();

  std::string text(int col) const;
  std::int64_t int64(int col) const;
  std::optional<std::int64_t> optional_int64(int col) const;
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  sqlite3_stmt* stmt_;
};

class Db {
 public:
  // Throws std::runtime_error with a readable message (start-up only).
  explicit Db(const std::string& path);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // A cached statement, reset and ready to bind. Throws std::logic_error when
  // the SQL does not compile (a bug in our SQL).
  Statement* prepare(std::string_view sql);
  // Runs one or more statements without results; returns an sqlite3 code.
  int exec(std::string_view sql);
  int changes() const { return sqlite3_changes(db_); }
  // Transactions committed on this connection since it opened.
  std::uint64_t commits() const { return commits_; }
  // Called as each transaction begins to commit, before others can see it.
  void on_commit(std::function<void()> hook) { on_commit_ = std::move(hook); }
  // Called after each commit in WAL mode with the WAL's size in pages.
  // Replaces SQLite's automatic checkpoint (see checkpointer.hpp).
  void on_wal_commit(std::function<void(int pages)> hook);
  // Whether a transaction is open (BEGIN ran, COMMIT not yet).
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }
  // The database file's full path; empty for an in-memory database.
  std::string file_name() const;
  const char* last_error() const { return sqlite3_errmsg(db_); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  sqlite3* db_ = nullptr;
  std::uint64_t commits_ = 0;
  std::function<void()> on_commit_;
  std::function<void(int)> on_wal_commit_;
  std::unordered_map<std::string, std::unique_ptr<Statement>, Hash, std::equal_to<>> cache_;
};

// Statements that hold or fail as one: a transaction of their own (BEGIN
// IMMEDIATE, so the write lock is taken up front), or a savepoint inside a
// transaction already open (a batch of the database lane), which then
// commits them along with the rest of the batch.
class Transaction {
 public:
  explicit Transaction(Db& db);
  // Rolls back unless committed.
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // SQLITE_OK when the transaction (or savepoint) is open.
  int begun() const { return begun_; }
  // COMMIT (or RELEASE); an sqlite3 code. Rolled back if it fails.
  int commit();

 private:
  void rollback();

  Db& db_;
  const bool nested_;
  int begun_;
  bool open_;
};

}  // namespace latchkey::store::sqlite
