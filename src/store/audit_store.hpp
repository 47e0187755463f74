#pragma once
// The audit trail: append-only events, listed newest first, pruned by age.
// Every call blocks and is safe from any thread.
#include <cstddef>
#include <vector>

#include "store/records.hpp"
#include "store/result.hpp"

namespace latchkey::store {

class AuditStore {
 public:
  virtual ~AuditStore() = default;

  // Appends events in one transaction; ids are the caller's.
  virtual Result<void> append(const std::vector<AuditEvent>& events) = 0;
  // Newest first (see AuditQuery).
  virtual Result<std::vector<AuditEvent>> list(const AuditQuery& query) = 0;
  // Removes audit events older than `audit_before`, at most `max_events` of
  // them, and kept revocations of deleted users older than
  // `revocations_before`; returns the events removed. While it returns
  // `max_events` there may be more: call again, in another transaction, so
  // that one call never holds the database for long.
  virtual Result<std::size_t> prune(UnixSeconds audit_before, UnixSeconds revocations_before,
                                    std::size_t max_events) = 0;
};

}  // namespace latchkey::store
