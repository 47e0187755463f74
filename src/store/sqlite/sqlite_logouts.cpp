#include "store/sqlite/sqlite_logouts.hpp"

#include "store/sql/rows.hpp"
#include "store/sqlite/statement_results.hpp"

namespace latchkey::store::sqlite {

using Access = Connections::Access;

Result<void> SqliteLogouts::note_client(std::string_view session_id, std::string_view client_id,
                                        std::string_view logout_uri) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "note_client").change(sql_.note_client, session_id, client_id, logout_uri);
}

Result<std::vector<LogoutDelivery>> SqliteLogouts::due(UnixSeconds now, std::size_t limit) {
  Access lock(connections_, Use::read);
  return Calls(lock.db(), "due_deliveries")
      .all(sql_.due_deliveries, sql::read_delivery, now, static_cast<std::int64_t>(limit));
}

Result<void> SqliteLogouts::delivered(std::int64_t id, UnixSeconds now) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "delivery_delivered").change(sql_.delivery_delivered, id, now);
}

Result<void> SqliteLogouts::failed(std::int64_t id, UnixSeconds next_attempt_at, std::string_view error) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "delivery_failed").change(sql_.delivery_failed, id, next_attempt_at, error);
}

Result<void> SqliteLogouts::gave_up(std::int64_t id, UnixSeconds now, std::string_view error) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "delivery_gave_up").change(sql_.delivery_gave_up, id, now, error);
}

Result<std::vector<LogoutDelivery>> SqliteLogouts::list(std::size_t limit) {
  Access lock(connections_, Use::read);
  return Calls(lock.db(), "list_deliveries")
      .all(sql_.list_deliveries, sql::read_delivery, static_cast<std::int64_t>(limit));
}

Result<std::int64_t> SqliteLogouts::prune(UnixSeconds before) {
  Access lock(connections_, Use::write);
  Db& db = lock.db();
  if (auto r = Calls(db, "prune_deliveries").run(sql_.prune_deliveries, before); !r) return tl::unexpected(r.error());
  return std::int64_t{db.changes()};
}

}  // namespace latchkey::store::sqlite
