#pragma once
// LimitStore on SQLite. The one instance counts in memory (abuse/limiter.hpp)
// and writes here what it must share with the CLI; each event is a read,
// store::hit in C++, and a write, inside one write transaction (the writer
// lock makes them atomic).
#include "store/limit_store.hpp"
#include "store/sqlite/sqlite_connections.hpp"

namespace latchkey::store::sqlite {

class SqliteLimits final : public LimitStore {
 public:
  explicit SqliteLimits(Connections& c) : connections_(c) {}

  Result<std::vector<std::optional<LimitCounter>>> hit(std::span<const LimitEvent> events, UnixSeconds now) override;
  Result<Admission> admit(std::span<const LimitEvent> bumps, std::span<const LimitKey> keys, UnixSeconds now) override;
  Result<std::vector<LimitRow>> locked(const LimitFilter& filter, UnixSeconds now) override;
  Result<std::size_t> clear(const LimitFilter& filter) override;
  Result<std::size_t> prune(UnixSeconds before, UnixSeconds now) override;

 private:
  Connections& connections_;
  const sql::Statements& sql_ = statements();
};

}  // namespace latchkey::store::sqlite
