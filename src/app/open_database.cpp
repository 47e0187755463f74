#include "app/open_database.hpp"

#include <cstdio>
#include <exception>

#include "store/open_store.hpp"

namespace latchkey::app {

int fail(const std::string& why, int code) {
  std::fprintf(stderr, "latchkey: %s\n", why.c_str());
  return code;
}

tl::expected<std::unique_ptr<store::Store>, int> open_database(const config::Config& cfg) {
  auto url = store::parse_database_url(cfg.database_url);
  if (!url) return tl::unexpected(fail(url.error(), 2));
  try {
    return store::open_store(*url, cfg.database_pool_size);
  } catch (const std::exception& e) {
    return tl::unexpected(fail(e.what(), 1));
  }
}

}  // namespace latchkey::app
