#include "store/postgres/postgres_codes.hpp"

#include "store/sql/rows.hpp"
#include "store/sql/writes.hpp"

namespace latchkey::store::postgres {

namespace {

// The rows a statement changed.
Result<std::int64_t> affected(Result<PgResult> r) {
  if (!r) return tl::unexpected(r.error());
  return std::int64_t{r->affected()};
}

}  // namespace

Result<void> PostgresCodes::add(const AuthorizationCode& code) {
  return with_connection(pool_, [&](PgCalls& c) { return sql::insert_code(c, sql_, code); });
}

// One UPDATE ... RETURNING (see sql_.redeem_code): a concurrent redemption
// waits for the row lock, then counts on from the committed row.
Result<AuthorizationCode> PostgresCodes::redeem(std::string_view code_hash, UnixSeconds now) {
  return with_connection(pool_, [&](PgCalls& c) {
    return c.one(sql_.redeem_code, sql::read_redeemed_code, code_hash, now);
  });
}

Result<bool> PostgresCodes::set_issued(std::string_view code_hash, std::string_view session_id) {
  return with_connection(pool_, [&](PgCalls& c) {
    return c.one(sql_.set_code_issued, sql::read_replayed, code_hash, session_id);
  });
}

Result<std::int64_t> PostgresCodes::prune(UnixSeconds before) {
  return with_connection(pool_, [&](PgCalls& c) { return affected(c.query(sql_.prune_codes, before)); });
}

}  // namespace latchkey::store::postgres
