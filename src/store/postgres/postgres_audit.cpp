#include "store/postgres/postgres_audit.hpp"

#include <cstdint>

#include "store/sql/rows.hpp"
#include "store/sql/writes.hpp"

namespace latchkey::store::postgres {

Result<void> PostgresAudit::append(const std::vector<AuditEvent>& events) {
  if (events.empty()) return {};
  return in_transaction<void>(pool_, [&](PgCalls& c) { return sql::insert_events(c, sql_, events); });
}

Result<std::vector<AuditEvent>> PostgresAudit::list(const AuditQuery& q) {
  const std::int64_t at = q.before ? q.before->first : INT64_MAX;
  const std::int64_t seq = q.before ? q.before->second : INT64_MAX;
  const auto limit = static_cast<std::int64_t>(q.limit);
  return with_connection(pool_, [&](PgCalls& c) {
    if (q.username_key) return c.all(sql_.list_events_of, sql::read_event, *q.username_key, at, seq, limit);
    return c.all(sql_.list_events, sql::read_event, at, seq, limit);
  });
}

// Two statements, each its own transaction, on one connection.
Result<std::size_t> PostgresAudit::prune(UnixSeconds audit_before, UnixSeconds revocations_before,
                                         std::size_t max_events) {
  return with_connection(pool_, [&](PgCalls& c) -> Result<std::size_t> {
    auto pruned = c.query(sql_.prune_events, audit_before, static_cast<std::int64_t>(max_events));
    if (!pruned) return tl::unexpected(pruned.error());
    if (auto kept = c.run(sql_.prune_revocations, revocations_before); !kept) return tl::unexpected(kept.error());
    return static_cast<std::size_t>(pruned->affected());
  });
}

}  // namespace latchkey::store::postgres
