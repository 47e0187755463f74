#pragma once
// Picks and opens the Store named by a DATABASE_URL.
#include <memory>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "store/store.hpp"

namespace latchkey::store {

struct DatabaseUrl {
  enum class Kind { sqlite, postgres } kind = Kind::sqlite;
  std::string target;  // a file path for SQLite, the connection string for PostgreSQL
};

// "sqlite://latchkey.db" (relative), "sqlite:///var/lib/x.db" (absolute),
// "postgres://..." / "postgresql://..." / libpq "key=value ..." strings.
// The error is a one-line reason.
tl::expected<DatabaseUrl, std::string> parse_database_url(std::string_view url);

// Opens and migrates. Throws std::runtime_error with a one-line reason: start-up only.
// `pool_size`: connections for PostgreSQL (SQLite has its own two: a writer
// and a reader).
std::unique_ptr<Store> open_store(const DatabaseUrl& url, std::size_t pool_size = 8);

}  // namespace latchkey::store
