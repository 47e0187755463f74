#pragma once
// Running statements for the PostgreSQL aggregates: PgCalls on one
// connection (the runner sql/writes.hpp and sql/snapshot.hpp write rows
// with), a pooled connection for one call, and the one transaction helper.
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "store/postgres/pg_connection.hpp"
#include "store/postgres/pg_pool.hpp"
#include "store/sql/statements.hpp"

namespace latchkey::store::postgres {

// A statement of PostgreSQL's own (not in sql/statements.hpp), with the
// name it is prepared under.
struct OwnStmt {
  std::string_view name;
  std::string_view text;
};

// The shared statements, with PostgreSQL's placeholders.
inline const sql::Statements& statements() { return sql::statements(sql::Placeholders::numbered_dollar); }

inline Param p(sql::NullIfEmpty v) { return v.text.empty() ? Param{} : p(v.text); }

// One row of a result, as sql/rows.hpp reads rows.
class PgRow {
 public:
  PgRow(const PgResult& r, int row) : r_(&r), row_(row) {}
  std::string text(int col) const { return r_->text(row_, col); }
  std::int64_t int64(int col) const { return r_->int64(row_, col); }
  std::optional<std::int64_t> optional_int64(int col) const { return r_->optional_int64(row_, col); }
  bool is_null(int col) const { return r_->null(row_, col); }

 private:
  const PgResult* r_;
  int row_;
};

// Statements on one connection. Parameters in order ($1, $2...): text,
// std::int64_t, std::optional<std::int64_t> (NULL when empty) or
// sql::NullIfEmpty.
class PgCalls {
 public:
  explicit PgCalls(PgConnection& c) : c_(c) {}

  // What `read` makes of a row.
  template <class Read>
  using row_of = std::decay_t<std::invoke_result_t<Read, const PgRow&>>;

  template <class S, class... Args>
  Result<PgResult> query(const S& s, const Args&... args) {
    return c_.run(s.name, s.text, {p(args)...});
  }
  template <class S, class... Args>
  Result<void> run(const S& s, const Args&... args) {
    auto r = query(s, args...);
    if (!r) return tl::unexpected(r.error());
    return {};
  }
  // not_found when no row changed.
  template <class S, class... Args>
  Result<void> change(const S& s, const Args&... args) {
    auto r = query(s, args...);
    if (!r) return tl::unexpected(r.error());
    if (r->affected() == 0) return tl::unexpected(StoreError::not_found);
    return {};
  }
  // A taken unique value: conflict, which PgConnection does not log.
  template <class S, class... Args>
  Result<void> insert(const S& s, const Args&... args) {
    return run(s, args...);
  }
  template <class S, class Read, class... Args>
  auto one(const S& s, Read read, const Args&... args) -> Result<row_of<Read>> {
    auto r = query(s, args...);
    if (!r) return tl::unexpected(r.error());
    if (r->rows() == 0) return tl::unexpected(StoreError::not_found);
    return read(PgRow(*r, 0));
  }
  template <class S, class Read, class... Args>
  auto all(const S& s, Read read, const Args&... args) -> Result<std::vector<row_of<Read>>> {
    auto r = query(s, args...);
    if (!r) return tl::unexpected(r.error());
    return rows_of(*r, read);
  }

  template <class Read>
  static std::vector<row_of<Read>> rows_of(const PgResult& r, Read read) {
    std::vector<row_of<Read>> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back(read(PgRow(r, i)));
    return out;
  }

 private:
  PgConnection& c_;
};

// `f(PgCalls&)` on a pooled connection; unavailable when none is free in time.
template <class F>
auto with_connection(PgPool& pool, F f) -> decltype(f(std::declval<PgCalls&>())) {
  auto lease = pool.acquire();
  if (!lease) return tl::unexpected(lease.error());
  PgCalls calls(**lease);
  return f(calls);
}

// `body(PgCalls&)` between `begin` and COMMIT on one pooled connection;
// rolled back when it fails.
template <class T, class Body>
Result<T> in_transaction(PgPool& pool, Body body, std::string_view begin = "BEGIN") {
  auto lease = pool.acquire();
  if (!lease) return tl::unexpected(lease.error());
  PgConnection& conn = **lease;
  if (auto r = conn.exec(begin); !r) return tl::unexpected(r.error());
  PgCalls calls(conn);
  Result<T> result = body(calls);
  if (result) {
    if (auto r = conn.exec("COMMIT"); !r) result = tl::unexpected(r.error());
  }
  if (!result) (void)conn.exec("ROLLBACK");
  return result;
}

}  // namespace latchkey::store::postgres
