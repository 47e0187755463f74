#pragma once
// A thin RAII layer over the sqlite3 C API: one connection, prepared
// statements cached by their SQL text, typed binding and reading.
// Not thread-safe by itself: SqliteStore serialises access.
#include <sqlite3.h>

#include <cstdint>
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
  std::unordered_map<std::string, std::unique_ptr<Statement>, Hash, std::equal_to<>> cache_;
};

}  // namespace latchkey::store::sqlite
