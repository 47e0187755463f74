#include "store/sqlite/sqlite_db.hpp"

#include <stdexcept>

namespace latchkey::store::sqlite {

void Statement::bind(int i, std::string_view v) {
  // A default string_view has a null data pointer, which SQLite would bind as
  // NULL; text is always text here, even when empty. SQLITE_STATIC: SQLite
  // reads the text where it is, without a copy (a malloc, a memcpy and a free
  // per value: a session's INSERT binds 12). Every caller binds, steps and
  // reads the rows while the values it bound live, within one call (Calls in
  // statement_results.hpp), and resets the statement before it returns, which
  // clears the bindings (reset() below).
  sqlite3_bind_text(stmt_, i, v.data() ? v.data() : "", static_cast<int>(v.size()), SQLITE_STATIC);
}
void Statement::bind(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
void Statement::bind_null(int i) { sqlite3_bind_null(stmt_, i); }

int Statement::step() { return sqlite3_step(stmt_); }

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (!p) return {};
  return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::int64_t Statement::int64(int col) const { return sqlite3_column_int64(stmt_, col); }

std::optional<std::int64_t> Statement::optional_int64(int col) const {
  if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(stmt_, col);
}

Db::Db(const std::string& path) {
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("cannot open SQLite database '" + path + "': " + msg);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_commit_hook(
      db_,
      [](void* self) {
        auto* db = static_cast<Db*>(self);
        ++db->commits_;
        if (db->on_commit_) db->on_commit_();
        return 0;  // never veto
      },
      this);
}

void Db::on_wal_commit(std::function<void(int pages)> hook) {
  on_wal_commit_ = std::move(hook);
  sqlite3_wal_hook(
      db_,
      [](void* self, sqlite3*, const char*, int pages) {
        static_cast<Db*>(self)->on_wal_commit_(pages);
        return SQLITE_OK;
      },
      this);
}

std::string Db::file_name() const {
  const char* name = sqlite3_db_filename(db_, "main");
  return name ? name : "";
}

Db::~Db() {
  cache_.clear();  // statements must be finalised before the connection closes
  sqlite3_close(db_);
}

Statement* Db::prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) {
    it->second->reset();
    return it->second.get();
  }
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &raw, nullptr) != SQLITE_OK) {
    // Our own SQL failing to compile is a bug, not an expected failure.
    throw std::logic_error(std::string("SQLite prepare failed: ") + sqlite3_errmsg(db_));
  }
  auto [pos, _] = cache_.emplace(std::string(sql), std::make_unique<Statement>(raw));
  return pos->second.get();
}

int Db::exec(std::string_view sql) {
  return sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, nullptr);
}

Transaction::Transaction(Db& db) : db_(db), nested_(db.in_transaction()) {
  begun_ = db_.exec(nested_ ? "SAVEPOINT unit" : "BEGIN IMMEDIATE");
  open_ = begun_ == SQLITE_OK;
}

Transaction::~Transaction() {
  if (open_) rollback();
}

int Transaction::commit() {
  if (!open_) return begun_ != SQLITE_OK ? begun_ : SQLITE_MISUSE;
  const int rc = db_.exec(nested_ ? "RELEASE unit" : "COMMIT");
  if (rc != SQLITE_OK) {
    rollback();
    return rc;
  }
  open_ = false;
  return SQLITE_OK;
}

void Transaction::rollback() {
  open_ = false;
  // An error may already have undone the enclosing transaction.
  if (!db_.in_transaction()) return;
  if (nested_) db_.exec("ROLLBACK TO unit; RELEASE unit");
  else db_.exec("ROLLBACK");
}

}  // namespace latchkey::store::sqlite
