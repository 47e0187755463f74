#pragma once
// Applies the migrations (migrations.hpp) to a database, for every backend:
// refuses a schema newer than this binary, then runs each step not yet
// recorded in its own transaction, recording it there. The backend supplies
// the database through MigrationTarget and whatever serialises migrators
// (PostgreSQL: an advisory lock around run_migrations; SQLite: each step's
// BEGIN IMMEDIATE).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/migrations.hpp"
#include "util/time.hpp"

namespace latchkey::store {

class MigrationTarget {
 public:
  virtual ~MigrationTarget() = default;

  // Creates the bookkeeping table if needed and returns the highest version
  // recorded (0: none). Throws std::runtime_error with the backend's reason.
  virtual std::int64_t current_version() = 0;
  // Opens the transaction of one step (SQLite: BEGIN IMMEDIATE); throws.
  virtual void begin() = 0;
  // A step's script, then its record, in that transaction: each returns the
  // database's message when it fails.
  virtual std::optional<std::string> exec(std::string_view script) = 0;
  virtual std::optional<std::string> record(const Migration& m, UnixSeconds applied_at) = 0;
  // The script of `m` for this database (Migration::postgres_also, sqlite_also).
  virtual std::string script_of(const Migration& m) const { return std::string(m.sql); }
  virtual void commit() = 0;    // throws
  virtual void rollback() = 0;  // best effort
};

// Throws std::runtime_error with a one-line reason: start-up only.
void run_migrations(MigrationTarget& db);

}  // namespace latchkey::store
