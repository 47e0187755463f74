#include "store/postgres/postgres_keys.hpp"

#include "store/sql/rows.hpp"
#include "store/sql/writes.hpp"

namespace latchkey::store::postgres {

namespace {

// One signing-key change at a time, across instances: without it two
// rotations could each miss the key the other inserts and leave two current
// keys. (SQLite's BEGIN IMMEDIATE serialises them already.)
constexpr OwnStmt kKeyLock{"key_lock", "SELECT pg_advisory_xact_lock(30506595914262906)"};

}  // namespace

Result<std::string> PostgresKeys::ensure_secret(std::string_view name, std::string_view value, UnixSeconds now) {
  auto read = [&] {
    return with_connection(pool_, [&](PgCalls& c) { return c.one(sql_.find_secret, sql::read_text, name); });
  };
  // Read first: a database that can only be read still starts and serves reads.
  if (auto kept = read(); kept || kept.error() != StoreError::not_found) return kept;
  auto ins = with_connection(pool_, [&](PgCalls& c) { return c.run(sql_.insert_secret_if_absent, name, value, now); });
  if (!ins) return tl::unexpected(ins.error());
  return read();
}

Result<std::vector<StoredKey>> PostgresKeys::list() {
  return with_connection(pool_, [&](PgCalls& c) { return c.all(sql_.list_keys, sql::read_key); });
}

Result<void> PostgresKeys::add(const StoredKey& k) {
  return with_connection(pool_, [&](PgCalls& c) { return sql::insert_key(c, sql_, k); });
}

Result<void> PostgresKeys::rotate(const StoredKey& k) {
  return in_transaction<void>(pool_, [&](PgCalls& c) -> Result<void> {
    if (auto locked = c.run(kKeyLock); !locked) return locked;
    if (auto retired = c.run(sql_.retire_keys_of, k.not_before, k.alg); !retired) return retired;
    return sql::insert_key(c, sql_, k);
  });
}

Result<bool> PostgresKeys::install_signer(const StoredKey& k, UnixSeconds now, std::string_view keep_alg) {
  return in_transaction<bool>(pool_, [&](PgCalls& c) -> Result<bool> {
    if (auto locked = c.run(kKeyLock); !locked) return tl::unexpected(locked.error());
    if (auto retired = c.run(sql_.retire_other_keys, now, k.alg, keep_alg); !retired)
      return tl::unexpected(retired.error());
    auto signer = c.one(sql_.signer_of, sql::read_text, now, k.alg);
    if (!signer && signer.error() != StoreError::not_found) return tl::unexpected(signer.error());
    if (signer) return false;
    if (auto retired = c.run(sql_.retire_keys_of, now, k.alg); !retired) return tl::unexpected(retired.error());
    if (auto added = sql::insert_key(c, sql_, k); !added) return tl::unexpected(added.error());
    return true;
  });
}

}  // namespace latchkey::store::postgres
