#include "store/sqlite/sqlite_keys.hpp"

#include "store/sql/rows.hpp"
#include "store/sql/writes.hpp"
#include "store/sqlite/statement_results.hpp"

namespace latchkey::store::sqlite {

using Access = Connections::Access;

Result<std::string> SqliteKeys::ensure_secret(std::string_view name, std::string_view value, UnixSeconds now) {
  Access lock(connections_, Use::write);
  Calls calls(lock.db(), "ensure_secret");
  auto read = [&] { return calls.one(sql_.find_secret, sql::read_text, name); };
  // Read first: a database that can only be read still starts and serves reads.
  if (auto kept = read(); kept || kept.error() != StoreError::not_found) return kept;
  if (auto r = calls.run(sql_.insert_secret_if_absent, name, value, now); !r) return tl::unexpected(r.error());
  return read();
}

Result<std::vector<StoredKey>> SqliteKeys::list() {
  Access lock(connections_, Use::read);
  return Calls(lock.db(), "list_keys").all(sql_.list_keys, sql::read_key);
}

Result<void> SqliteKeys::add(const StoredKey& k) {
  Access lock(connections_, Use::write);
  Calls calls(lock.db(), "add_key");
  return sql::insert_key(calls, sql_, k);
}

Result<void> SqliteKeys::rotate(const StoredKey& k) {
  Access lock(connections_, Use::write);
  Db& db = lock.db();
  Transaction txn(db);
  if (int rc = txn.begun(); rc != SQLITE_OK) return fail(db, rc, "rotate_key");
  Calls calls(db, "rotate_key");
  if (auto r = calls.run(sql_.retire_keys_of, k.not_before, k.alg); !r) return r;
  Calls insert(db, "add_key");
  if (auto r = sql::insert_key(insert, sql_, k); !r) return r;
  if (int rc = txn.commit(); rc != SQLITE_OK) return fail(db, rc, "rotate_key");
  return {};
}

Result<bool> SqliteKeys::install_signer(const StoredKey& k, UnixSeconds now, std::string_view keep_alg) {
  Access lock(connections_, Use::write);
  Db& db = lock.db();
  Transaction txn(db);
  if (int rc = txn.begun(); rc != SQLITE_OK) return fail(db, rc, "install_signer");
  Calls calls(db, "install_signer");
  if (auto r = calls.run(sql_.retire_other_keys, now, k.alg, keep_alg); !r) return tl::unexpected(r.error());
  auto current = calls.one(sql_.signer_of, sql::read_text, now, k.alg);
  if (!current && current.error() != StoreError::not_found) return tl::unexpected(current.error());
  const bool add = !current;
  if (add) {
    if (auto r = calls.run(sql_.retire_keys_of, now, k.alg); !r) return tl::unexpected(r.error());
    Calls insert(db, "add_key");
    if (auto r = sql::insert_key(insert, sql_, k); !r) return tl::unexpected(r.error());
  }
  if (int rc = txn.commit(); rc != SQLITE_OK) return fail(db, rc, "install_signer");
  return add;
}

}  // namespace latchkey::store::sqlite
