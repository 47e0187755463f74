#include "store/open_store.hpp"

#include <stdexcept>

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
  return tl::unexpected(std::string("DATABASE_URL: unsupported scheme (use sqlite://PATH)"));
}

std::unique_ptr<Store> open_store(const DatabaseUrl& url) {
  switch (url.kind) {
    case DatabaseUrl::Kind::sqlite: return std::make_unique<sqlite::SqliteStore>(url.target);
    case DatabaseUrl::Kind::postgres:
      throw std::runtime_error("DATABASE_URL: PostgreSQL is not supported by this build yet");
  }
  throw std::logic_error("unknown database kind");
}

}  // namespace latchkey::store
