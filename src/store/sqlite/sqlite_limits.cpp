#include "store/sqlite/sqlite_limits.hpp"

#include "store/sql/rows.hpp"
#include "store/sqlite/statement_results.hpp"

namespace latchkey::store::sqlite {

using Access = Connections::Access;

namespace {

// SQLite's own: the new state is computed in C++ (store::hit), so a write is
// a plain upsert of it.
constexpr std::string_view kWriteLimit =
    "INSERT INTO limit_counters (limit_name, account, ip, count, window_start, locked_until) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (limit_name, account, ip) DO UPDATE SET "
    "count = excluded.count, window_start = excluded.window_start, locked_until = excluded.locked_until";

Result<LimitCounter> read(Calls& calls, const sql::Statements& sql, const LimitKey& k) {
  auto c = calls.one(sql.read_limit, sql::read_limit_counter, k.limit, k.account, k.ip);
  if (!c && c.error() == StoreError::not_found) return LimitCounter{};
  return c;
}

// One event, in the caller's transaction.
Result<std::optional<LimitCounter>> apply(Calls& calls, const sql::Statements& sql, const LimitEvent& e,
                                          UnixSeconds now) {
  auto c = read(calls, sql, e.key);
  if (!c) return tl::unexpected(c.error());
  if (!store::hit(*c, e.policy, now)) return std::optional<LimitCounter>{};
  if (auto w = calls.run(kWriteLimit, e.key.limit, e.key.account, e.key.ip, c->count, c->window_start, c->locked_until);
      !w)
    return tl::unexpected(w.error());
  return std::optional<LimitCounter>(*c);
}

}  // namespace

Result<std::vector<std::optional<LimitCounter>>> SqliteLimits::hit(std::span<const LimitEvent> events,
                                                                     UnixSeconds now) {
  Access lock(connections_, Use::write);
  Db& db = lock.db();
  Transaction txn(db);
  if (int rc = txn.begun(); rc != SQLITE_OK) return fail(db, rc, "limit_hit");
  Calls calls(db, "limit_hit");
  std::vector<std::optional<LimitCounter>> out;
  out.reserve(events.size());
  for (const LimitEvent& e : events) {
    auto r = apply(calls, sql_, e, now);
    if (!r) return tl::unexpected(r.error());
    out.push_back(*r);
  }
  if (int rc = txn.commit(); rc != SQLITE_OK) return fail(db, rc, "limit_hit");
  return out;
}

Result<LimitStore::Admission> SqliteLimits::admit(std::span<const LimitEvent> bumps, std::span<const LimitKey> keys,
                                                  UnixSeconds now) {
  const bool bump = !bumps.empty();
  Access lock(connections_, bump ? Use::write : Use::read);
  Db& db = lock.db();
  // Reads alone need no transaction (and the reader may not take the write lock).
  std::optional<Transaction> txn;
  if (bump) {
    txn.emplace(db);
    if (int rc = txn->begun(); rc != SQLITE_OK) return fail(db, rc, "limit_admit");
  }
  Calls calls(db, "limit_admit");
  Admission out;
  out.read.reserve(keys.size());
  for (const LimitKey& k : keys) {
    auto c = read(calls, sql_, k);
    if (!c) return tl::unexpected(c.error());
    out.read.push_back(*c);
  }
  if (bump) {
    for (const LimitEvent& b : bumps) {
      auto r = apply(calls, sql_, b, now);
      if (!r) return tl::unexpected(r.error());
      out.bumped.push_back(*r);
    }
    if (int rc = txn->commit(); rc != SQLITE_OK) return fail(db, rc, "limit_admit");
  }
  return out;
}

Result<std::vector<LimitRow>> SqliteLimits::locked(const LimitFilter& f, UnixSeconds now) {
  Access lock(connections_, Use::read);
  return Calls(lock.db(), "locked_limits").all(sql_.locked_limits, sql::read_limit_row, now, f.account, f.ip, f.limit);
}

Result<std::size_t> SqliteLimits::clear(const LimitFilter& f) {
  if (f.account.empty() && f.ip.empty()) return 0;
  Access lock(connections_, Use::write);
  Db& db = lock.db();
  if (auto r = Calls(db, "clear_limits").run(sql_.clear_limits, f.account, f.ip, f.limit); !r)
    return tl::unexpected(r.error());
  return static_cast<std::size_t>(db.changes());
}

Result<std::size_t> SqliteLimits::prune(UnixSeconds before, UnixSeconds now) {
  Access lock(connections_, Use::write);
  Db& db = lock.db();
  if (auto r = Calls(db, "prune_limits").run(sql_.prune_limits, before, now); !r) return tl::unexpected(r.error());
  return static_cast<std::size_t>(db.changes());
}

}  // namespace latchkey::store::sqlite
