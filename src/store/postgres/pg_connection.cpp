#include "store/postgres/pg_connection.hpp"

#include <poll.h>

#include <charconv>
#include <cstdlib>

#include "store/store_stats.hpp"
#include "util/log.hpp"

namespace latchkey::store::postgres {

namespace {

StoreError classify(std::string_view sqlstate, bool connection_lost) {
  if (connection_lost) return StoreError::unavailable;
  if (sqlstate == "23505" || sqlstate == "23503") return StoreError::conflict;  // unique, foreign key
  if (sqlstate.starts_with("08") ||                        // connection exception
      sqlstate.starts_with("57P") ||                       // operator intervention (shutdown)
      sqlstate == "40001" || sqlstate == "40P01" ||        // serialization failure, deadlock
      sqlstate == "53300" || sqlstate == "55P03")          // too many connections, lock not available
    return StoreError::unavailable;
  return StoreError::failed;
}

}  // namespace

PGconn* connect(const std::string& conninfo) {
  // Later keywords override what the connection string says.
  // A database that hangs must not hold requests for long: statements and
  // lock waits are bounded too.
  const char* keys[] = {"dbname", "connect_timeout", "application_name", "keepalives_idle",
                        "keepalives_interval", "keepalives_count", "tcp_user_timeout", "options", nullptr};
  const char* values[] = {conninfo.c_str(), "2", "latchkey", "10", "2", "3", "5000",
                          "-c statement_timeout=5000 -c lock_timeout=3000", nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 1);
  // Server notices ("relation already exists, skipping") are not for stderr.
  if (conn) PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  return conn;
}

std::string PgResult::text(int row, int col) const {
  return std::string(PQgetvalue(r_.get(), row, col),
                     static_cast<std::size_t>(PQgetlength(r_.get(), row, col)));
}

std::int64_t PgResult::int64(int row, int col) const {
  const char* s = PQgetvalue(r_.get(), row, col);
  std::int64_t v = 0;
  std::from_chars(s, s + PQgetlength(r_.get(), row, col), v);
  return v;
}

std::optional<std::int64_t> PgResult::optional_int64(int row, int col) const {
  if (null(row, col)) return std::nullopt;
  return int64(row, col);
}

std::int64_t PgResult::affected() const {
  const char* s = PQcmdTuples(r_.get());
  return s && *s ? std::strtoll(s, nullptr, 10) : 0;
}

PgConnection::~PgConnection() { drop(); }

void PgConnection::drop() {
  if (conn_) PQfinish(conn_);
  conn_ = nullptr;
  prepared_.clear();
}

std::string PgConnection::last_error() const {
  std::string e = conn_ ? PQerrorMessage(conn_) : "not connected";
  while (!e.empty() && (e.back() == '\n' || e.back() == ' ')) e.pop_back();
  return e;
}

// An idle connection has nothing to say; if its socket is readable, the
// server sent something (a termination notice, EOF after a restart): read it,
// and the status tells whether the connection is still usable.
static bool still_alive(PGconn* conn) {
  // A terminating server sends its notice, then closes: the close shows on
  // the next read, so read for as long as there is something to read.
  for (int i = 0; i < 8 && PQstatus(conn) == CONNECTION_OK; ++i) {
    pollfd pfd{PQsocket(conn), POLLIN, 0};
    if (poll(&pfd, 1, 0) <= 0) break;
    if (PQconsumeInput(conn) == 0) return false;
    while (PGnotify* n = PQnotifies(conn)) PQfreemem(n);
  }
  return PQstatus(conn) == CONNECTION_OK;
}

Result<void> PgConnection::ensure() {
  if (conn_ && still_alive(conn_)) return {};
  drop();
  conn_ = connect(conninfo_);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    log::warn("store.postgres_unreachable", {{"detail", std::string_view(last_error())}});
    count_error(StoreError::unavailable);
    drop();
    return tl::unexpected(StoreError::unavailable);
  }
  return {};
}

tl::unexpected<StoreError> PgConnection::failure(PGresult* r, std::string_view what) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const bool lost = !conn_ || PQstatus(conn_) != CONNECTION_OK;
  const StoreError e = classify(state ? state : "", lost);
  count_error(e);
  if (e != StoreError::conflict) {
    log::error("store.postgres", {{"op", what}, {"sqlstate", std::string_view(state ? state : "")},
                                  {"detail", std::string_view(last_error())}});
  }
  if (r) PQclear(r);
  if (lost) drop();
  return tl::unexpected(e);
}

Result<PgResult> PgConnection::run(std::string_view name, std::string_view sql,
                                   const std::vector<Param>& params) {
  if (auto ok = ensure(); !ok) return tl::unexpected(ok.error());
  const std::string stmt(name);
  if (!prepared_.count(stmt)) {
    PGresult* r = PQprepare(conn_, stmt.c_str(), std::string(sql).c_str(), static_cast<int>(params.size()), nullptr);
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) return failure(r, name);
    PQclear(r);
    prepared_.insert(stmt);
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& v : params) values.push_back(v ? v->c_str() : nullptr);
  PGresult* r = PQexecPrepared(conn_, stmt.c_str(), static_cast<int>(params.size()), values.data(),
                               nullptr, nullptr, 0);
  const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return failure(r, name);
  return PgResult(r);
}

Result<void> PgConnection::exec(std::string_view sql) {
  if (auto ok = ensure(); !ok) return tl::unexpected(ok.error());
  PGresult* r = PQexec(conn_, std::string(sql).c_str());
  const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return failure(r, "exec");
  PQclear(r);
  return {};
}

}  // namespace latchkey::store::postgres
