#include "store/postgres/postgres_logouts.hpp"

#include "store/sql/rows.hpp"

namespace latchkey::store::postgres {

Result<void> PostgresLogouts::note_client(std::string_view session_id, std::string_view client_id,
                                          std::string_view logout_uri) {
  return with_connection(pool_, [&](PgCalls& c) {
    auto r = c.change(sql_.note_client, session_id, client_id, logout_uri);
    // The session deleted meanwhile (its foreign key): gone, as when it never was.
    if (!r && r.error() == StoreError::conflict) return Result<void>(tl::unexpected(StoreError::not_found));
    return r;
  });
}

Result<std::vector<LogoutDelivery>> PostgresLogouts::due(UnixSeconds now, std::size_t limit) {
  return with_connection(pool_, [&](PgCalls& c) {
    return c.all(sql_.due_deliveries, sql::read_delivery, now, static_cast<std::int64_t>(limit));
  });
}

Result<void> PostgresLogouts::delivered(std::int64_t id, UnixSeconds now) {
  return with_connection(pool_, [&](PgCalls& c) { return c.change(sql_.delivery_delivered, id, now); });
}

Result<void> PostgresLogouts::failed(std::int64_t id, UnixSeconds next_attempt_at, std::string_view error) {
  return with_connection(pool_, [&](PgCalls& c) { return c.change(sql_.delivery_failed, id, next_attempt_at, error); });
}

Result<void> PostgresLogouts::gave_up(std::int64_t id, UnixSeconds now, std::string_view error) {
  return with_connection(pool_, [&](PgCalls& c) { return c.change(sql_.delivery_gave_up, id, now, error); });
}

Result<std::vector<LogoutDelivery>> PostgresLogouts::list(std::size_t limit) {
  return with_connection(pool_, [&](PgCalls& c) {
    return c.all(sql_.list_deliveries, sql::read_delivery, static_cast<std::int64_t>(limit));
  });
}

Result<std::int64_t> PostgresLogouts::prune(UnixSeconds before) {
  return with_connection(pool_, [&](PgCalls& c) -> Result<std::int64_t> {
    auto r = c.query(sql_.prune_deliveries, before);
    if (!r) return tl::unexpected(r.error());
    return std::int64_t{r->affected()};
  });
}

}  // namespace latchkey::store::postgres
