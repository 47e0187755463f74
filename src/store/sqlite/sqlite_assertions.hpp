#pragma once
// AssertionStore on SQLite.
#include "store/assertion_store.hpp"
#include "store/sqlite/sqlite_connections.hpp"

namespace latchkey::store::sqlite {

class SqliteAssertions final : public AssertionStore {
 public:
  explicit SqliteAssertions(Connections& c) : connections_(c) {}

  Result<bool> first_use(std::string_view key, UnixSeconds expires_at) override;
  Result<std::int64_t> prune(UnixSeconds before) override;

 private:
  Connections& connections_;
  const sql::Statements& sql_ = statements();
};

}  // namespace latchkey::store::sqlite
