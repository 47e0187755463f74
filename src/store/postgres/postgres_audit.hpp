#pragma once
// AuditStore on PostgreSQL.
#include "store/audit_store.hpp"
#include "store/postgres/pg_calls.hpp"

namespace latchkey::store::postgres {

class PostgresAudit final : public AuditStore {
 public:
  explicit PostgresAudit(PgPool& pool) : pool_(pool) {}

  Result<void> append(const std::vector<AuditEvent>& events) override;
  Result<std::vector<AuditEvent>> list(const AuditQuery& query) override;
  Result<std::size_t> prune(UnixSeconds audit_before, UnixSeconds revocations_before,
                            std::size_t max_events) override;

 private:
  PgPool& pool_;
  const sql::Statements& sql_ = statements();
};

}  // namespace latchkey::store::postgres
