#pragma once
// One libpq connection with the statements it has prepared, and a result
// wrapper. Parameters are always sent separately from the SQL text
// (PQexecPrepared): no SQL is ever built from user input.
#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "store/result.hpp"

namespace latchkey::store::postgres {

// A parameter: text, or SQL NULL.
using Param = std::optional<std::string>;

inline Param p(std::string_view s) { return std::string(s); }
inline Param p(std::int64_t v) { return std::to_string(v); }
inline Param p(std::optional<std::int64_t> v) { return v ? p(*v) : Param{}; }

class PgResult {
 public:
  explicit PgResult(PGresult* r) : r_(r, &PQclear) {}
  int rows() const { return PQntuples(r_.get()); }
  bool null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string text(int row, int col) const;
  std::int64_t int64(int row, int col) const;
  std::optional<std::int64_t> optional_int64(int row, int col) const;
  std::int64_t affected() const;

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> r_;
};

class PgConnection {
 public:
  explicit PgConnection(std::string conninfo) : conninfo_(std::move(conninfo)) {}
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Connects if not connected (or broken). Blocking, bounded by connect_timeout.
  Result<void> ensure();
  // Runs `sql` (prepared once per connection under `name`) with `params`.
  Result<PgResult> run(std::string_view name, std::string_view sql, const std::vector<Param>& params);
  // Runs SQL without parameters (BEGIN, COMMIT, migrations).
  Result<void> exec(std::string_view sql);
  PGconn* raw() { return conn_; }
  std::string last_error() const;

 private:
  tl::unexpected<StoreError> failure(PGresult* r, std::string_view what);
  void drop();

  std::string conninfo_;
  PGconn* conn_ = nullptr;
  std::unordered_set<std::string> prepared_;
};

// Opens a connection with latchkey's defaults (2 s connect timeout, keepalives).
PGconn* connect(const std::string& conninfo);

}  // namespace latchkey::store::postgres
