#pragma once
// Database on SQLite: the database lane's batches (Connections' hooks),
// readiness, export and import.
#include "store/database.hpp"
#include "store/sqlite/sqlite_connections.hpp"

namespace latchkey::store::sqlite {

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(Connections& c) : connections_(c) {}

  Result<void> ping() override;
  BatchHooks* batching() override { return &connections_; }
  void after_commit(std::function<void(bool committed)> f) override { connections_.after_commit(std::move(f)); }
  Result<Snapshot> export_all() override;
  Result<void> import_all(const Snapshot& snapshot) override;

 private:
  Connections& connections_;
  const sql::Statements& sql_ = statements();
};

}  // namespace latchkey::store::sqlite
