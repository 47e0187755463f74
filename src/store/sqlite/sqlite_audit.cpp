#include "store/sqlite/sqlite_audit.hpp"

#include <cstdint>

#include "store/sql/rows.hpp"
#include "store/sql/writes.hpp"
#include "store/sqlite/statement_results.hpp"

namespace latchkey::store::sqlite {

using Access = Connections::Access;

Result<void> SqliteAudit::append(const std::vector<AuditEvent>& events) {
  if (events.empty()) return {};
  Access lock(connections_, Use::write);
  Db& db = lock.db();
  Calls calls(db, "append_audit");
  return in_transaction<void>(db, "append_audit", [&] { return sql::insert_events(calls, sql_, events); });
}

Result<std::vector<AuditEvent>> SqliteAudit::list(const AuditQuery& q) {
  Access lock(connections_, Use::read);
  Calls calls(lock.db(), "list_audit");
  const std::int64_t at = q.before ? q.before->first : INT64_MAX;
  const std::int64_t seq = q.before ? q.before->second : INT64_MAX;
  const auto limit = static_cast<std::int64_t>(q.limit);
  if (q.username_key) return calls.all(sql_.list_events_of, sql::read_event, *q.username_key, at, seq, limit);
  return calls.all(sql_.list_events, sql::read_event, at, seq, limit);
}

Result<std::size_t> SqliteAudit::prune(UnixSeconds audit_before, UnixSeconds revocations_before,
                                       std::size_t max_events) {
  Access lock(connections_, Use::write);
  Db& db = lock.db();
  Calls calls(db, "prune");
  return in_transaction<std::size_t>(db, "prune", [&]() -> Result<std::size_t> {
    if (auto r = calls.run(sql_.prune_events, audit_before, static_cast<std::int64_t>(max_events)); !r)
      return tl::unexpected(r.error());
    const auto removed = static_cast<std::size_t>(db.changes());
    if (auto r = calls.run(sql_.prune_revocations, revocations_before); !r) return tl::unexpected(r.error());
    return removed;
  });
}

}  // namespace latchkey::store::sqlite
