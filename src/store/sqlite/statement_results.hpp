#pragma once
// Turning SQLite's result codes into the Store's results, shared by the
// SqliteStore's source files: one mapping of codes to StoreError, and every
// failure logged and counted (latchkey_db_errors_total) the same way.
#include <string_view>
#include <vector>

#include "store/sqlite/sqlite_db.hpp"
#include "store/store.hpp"
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

}  // namespace latchkey::store::sqlite
