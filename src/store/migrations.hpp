#pragma once
// The schema, as an ordered list of migrations shared by every backend.
// Each step is applied once, in order, inside a transaction, and recorded in
// the table `schema_migrations`. Never edit a released step: append a new one.
#include <span>
#include <string_view>

namespace latchkey::store {

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;  // portable SQL: both SQLite and PostgreSQL run it
  // When set, PostgreSQL runs this after `sql`, in the same transaction: for
  // what only it has (UNLOGGED tables).
  std::string_view postgres_also = {};
  // Likewise for SQLite: what the two dialects spell differently (an
  // autoincrementing key, a trigger's body).
  std::string_view sqlite_also = {};
};

std::span<const Migration> migrations();

}  // namespace latchkey::store
