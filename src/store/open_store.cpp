#include "store/open_store.hpp"

#include <stdexcept>

#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace latchkey::store {

tl::expected<DatabaseUrl, std::string> parse_database_url(std::string_view url) {
  constexpr std::string_view sqlite = "sqlite://";
  if (url.starts_with(sqlite)) {
    std::string path(url.substr(sqlite.size()));
    if (path.empty()) return tl::unexpected(std::string("DATABASE_URL: sqlite:// needs a file path"));
    return DatabaseUrl{DatabaseUrl::Kind::sqlite, path};
  }
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    return DatabaseUrl{DatabaseUrl::Kind::postgres, std::string(url)};
  }
  // A libpq key=value string: "host=db port=5432 dbname=latchkey user=...".
  if (url.find('=') != std::string_view::npos && url.find("://") == std::string_view::npos) {
    return DatabaseUrl{DatabaseUrl::Kind::postgres, std::string(url)};
  }
  return tl::unexpected(std::string("DATABASE_URL: unsupported scheme (use sqlite://PATH or postgres://...)"));
}

std::unique_ptr<Store> open_store(const DatabaseUrl& url, std::size_t pool_size) {
  switch (url.kind) {
    case DatabaseUrl::Kind::sqlite: return std::make_unique<sqlite::SqliteStore>(url.target);
    case DatabaseUrl::Kind::postgres:
      return std::make_unique<postgres::PostgresStore>(url.target, pool_size);
  }
  throw std::logic_error("unknown database kind");
}

}  // namespace latchkey::store
