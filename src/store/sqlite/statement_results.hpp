#pragma once
// Turning SQLite's result codes into the stores' results, shared by the
// SQLite aggregates: one mapping of codes to StoreError, every failure
// logged and counted (latchkey_db_errors_total) the same way, and Calls, the
// statement runner that sql/writes.hpp and sql/snapshot.hpp write rows with.
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "store/result.hpp"
#include "store/sql/statements.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "store/store_stats.hpp"
#include "util/log.hpp"

namespace latchkey::store::sqlite {

inline StoreError error_from(int rc) {
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT: return StoreError::conflict;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY: return StoreError::unavailable;
    default: return StoreError::failed;
  }
}

// Logs and counts a failed call `what`.
inline tl::unexpected<StoreError> fail(Db& db, int rc, std::string_view what) {
  log::error("store.sqlite", {{"op", what}, {"code", static_cast<std::int64_t>(rc)},
                              {"detail", std::string_view(db.last_error())}});
  count_error(error_from(rc));
  return tl::unexpected(error_from(rc));
}

// Runs a statement that returns no rows; not_found when `require_change`
// and nothing changed.
inline Result<void> run(Db& db, Statement* st, std::string_view what, bool require_change = false) {
  const int rc = st->step();
  st->reset();
  if (rc != SQLITE_DONE) return fail(db, rc, what);
  if (require_change && db.changes() == 0) return tl::unexpected(StoreError::not_found);
  return {};
}

// The first row, read by `read`; not_found when there is none.
template <class T, class Read>
Result<T> one_row(Db& db, Statement* st, std::string_view what, Read read) {
  const int rc = st->step();
  if (rc == SQLITE_ROW) {
    T row = read(*st);
    st->reset();
    return row;
  }
  st->reset();
  if (rc == SQLITE_DONE) return tl::unexpected(StoreError::not_found);
  return fail(db, rc, what);
}

// Every row, each read by `read`.
template <class T, class Read>
Result<std::vector<T>> all_rows(Db& db, Statement* st, std::string_view what, Read read) {
  std::vector<T> rows;
  int rc;
  while ((rc = st->step()) == SQLITE_ROW) rows.push_back(read(*st));
  st->reset();
  if (rc != SQLITE_DONE) return fail(db, rc, what);
  return rows;
}

// `body` as one Transaction: committed if it succeeds, else rolled back.
template <class T, class Body>
Result<T> in_transaction(Db& db, std::string_view what, Body body) {
  Transaction txn(db);
  if (int rc = txn.begun(); rc != SQLITE_OK) return fail(db, rc, what);
  Result<T> r = body();
  if (r) {
    if (int rc = txn.commit(); rc != SQLITE_OK) r = fail(db, rc, what);
  }
  return r;
}

// Statements run on one connection for one call, `what` naming it in the
// log when a statement fails: the shared ones (sql::Stmt) and SQLite's own
// (their text). Parameters bind in order (?1, ?2...): text, std::int64_t,
// std::optional<std::int64_t> (NULL when empty) or sql::NullIfEmpty.
class Calls {
 public:
  Calls(Db& db, std::string_view what) : db_(db), what_(what) {}

  template <class S, class... Args>
  Statement* bound(const S& s, const Args&... args) {
    Statement* st = db_.prepare(text_of(s));
    bind_from(*st, 1, args...);
    return st;
  }

  template <class S, class... Args>
  Result<void> run(const S& s, const Args&... args) {
    return sqlite::run(db_, bound(s, args...), what_);
  }
  // not_found when no row changed.
  template <class S, class... Args>
  Result<void> change(const S& s, const Args&... args) {
    return sqlite::run(db_, bound(s, args...), what_, true);
  }
  // A taken unique value is a conflict, not logged.
  template <class S, class... Args>
  Result<void> insert(const S& s, const Args&... args) {
    Statement* st = bound(s, args...);
    const int rc = st->step();
    st->reset();
    if (rc == SQLITE_DONE) return {};
    if ((rc & 0xff) == SQLITE_CONSTRAINT) return tl::unexpected(StoreError::conflict);
    return fail(db_, rc, what_);
  }
  template <class S, class Read, class... Args>
  auto one(const S& s, Read read, const Args&... args) {
    return one_row<row_of<Read>>(db_, bound(s, args...), what_, read);
  }
  template <class S, class Read, class... Args>
  auto all(const S& s, Read read, const Args&... args) {
    return all_rows<row_of<Read>>(db_, bound(s, args...), what_, read);
  }

 private:
  template <class Read>
  using row_of = std::decay_t<std::invoke_result_t<Read, const Statement&>>;

  static std::string_view text_of(const sql::Stmt& s) { return s.text; }
  static std::string_view text_of(std::string_view s) { return s; }

  static void bind_from(Statement&, int) {}
  template <class A, class... Rest>
  static void bind_from(Statement& st, int i, const A& a, const Rest&... rest) {
    bind_one(st, i, a);
    bind_from(st, i + 1, rest...);
  }

  static void bind_one(Statement& st, int i, std::string_view v) { st.bind(i, v); }
  static void bind_one(Statement& st, int i, std::int64_t v) { st.bind(i, v); }
  static void bind_one(Statement& st, int i, std::optional<std::int64_t> v) { st.bind(i, v); }
  static void bind_one(Statement& st, int i, sql::NullIfEmpty v) {
    if (v.text.empty()) st.bind_null(i);
    else st.bind(i, v.text);
  }

  Db& db_;
  std::string_view what_;
};

}  // namespace latchkey::store::sqlite
