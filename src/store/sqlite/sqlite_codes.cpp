#include "store/sqlite/sqlite_codes.hpp"

#include "store/sql/rows.hpp"
#include "store/sql/writes.hpp"
#include "store/sqlite/statement_results.hpp"

namespace latchkey::store::sqlite {

using Access = Connections::Access;

Result<void> SqliteCodes::add(const AuthorizationCode& code) {
  Access lock(connections_, Use::write);
  Calls calls(lock.db(), "add_code");
  return sql::insert_code(calls, sql_, code);
}

// One UPDATE ... RETURNING (see sql_.redeem_code): writes are serialised, so
// of two redemptions exactly one makes the count 1. Its changes are made by
// the first step.
Result<AuthorizationCode> SqliteCodes::redeem(std::string_view code_hash, UnixSeconds now) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "redeem_code").one(sql_.redeem_code, sql::read_redeemed_code, code_hash, now);
}

Result<bool> SqliteCodes::set_issued(std::string_view code_hash, std::string_view session_id) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "set_code_issued").one(sql_.set_code_issued, sql::read_replayed, code_hash, session_id);
}

Result<std::int64_t> SqliteCodes::prune(UnixSeconds before) {
  Access lock(connections_, Use::write);
  Db& db = lock.db();
  if (auto r = Calls(db, "prune_codes").run(sql_.prune_codes, before); !r) return tl::unexpected(r.error());
  return std::int64_t{db.changes()};
}

}  // namespace latchkey::store::sqlite
