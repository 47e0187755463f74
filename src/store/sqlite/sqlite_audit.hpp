#pragma once
// AuditStore on SQLite.
#include "store/audit_store.hpp"
#include "store/sqlite/sqlite_connections.hpp"

namespace latchkey::store::sqlite {

class SqliteAudit final : public AuditStore {
 public:
  explicit SqliteAudit(Connections& c) : connections_(c) {}

  Result<void> append(const std::vector<AuditEvent>& events) override;
  Result<std::vector<AuditEvent>> list(const AuditQuery& query) override;
  Result<std::size_t> prune(UnixSeconds audit_before, UnixSeconds revocations_before,
                            std::size_t max_events) override;

 private:
  Connections& connections_;
  const sql::Statements& sql_ = statements();
};

}  // namespace latchkey::store::sqlite
