#include "store/postgres/postgres_assertions.hpp"

namespace latchkey::store::postgres {

// Inserted (one row) only the first time: ON CONFLICT DO NOTHING, which a
// concurrent insert of the same key waits for, then skips.
Result<bool> PostgresAssertions::first_use(std::string_view key, UnixSeconds expires_at) {
  return with_connection(pool_, [&](PgCalls& c) -> Result<bool> {
    auto r = c.query(sql_.first_use_assertion, key, expires_at);
    if (!r) return tl::unexpected(r.error());
    return r->affected() == 1;
  });
}

Result<std::int64_t> PostgresAssertions::prune(UnixSeconds before) {
  return with_connection(pool_, [&](PgCalls& c) -> Result<std::int64_t> {
    auto r = c.query(sql_.prune_assertions, before);
    if (!r) return tl::unexpected(r.error());
    return std::int64_t{r->affected()};
  });
}

}  // namespace latchkey::store::postgres
