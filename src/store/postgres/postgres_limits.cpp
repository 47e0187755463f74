#include "store/postgres/postgres_limits.hpp"

#include <algorithm>
#include <numeric>
#include <tuple>

#include "store/sql/rows.hpp"

namespace latchkey::store::postgres {

namespace {

// Parameters of one event, after $1 (now): limit, account, ip, free, window,
// lock_base, lock_max, sliding (0/1).
constexpr int kEventParams = 8;

// The upsert of one event whose parameters start at $`at`, as store::hit:
//  - a new key counts 1 (and locks at once when nothing is free);
//  - a locked key is left alone (the WHERE), so it returns no row;
//  - an expired one starts over at 1; otherwise count + 1, the window
//    restarting when sliding;
//  - past `free`, locked for lock_base doubled per further event (at most
//    lock_max), or until the window ends when lock_base is 0.
// Every SET expression sees the old row, so the new count is spelt out where
// the lock needs it.
// Appends its parts: the statements below are built once, at start.
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  (out.append(std::string_view(parts)), ...);
  return out;
}

std::string upsert(int at, int index) {
  auto P = [at](int i, std::string_view type) { return cat("$", std::to_string(at + i), "::", type); };
  const std::string now = "$1::bigint", limit = P(0, "text"), account = P(1, "text"), ip = P(2, "text"),
                    free = P(3, "bigint"), window = P(4, "bigint"), base = P(5, "bigint"), max = P(6, "bigint"),
                    sliding = P(7, "int");
  const std::string expired = cat("(c.window_start + ", window, " <= ", now, ")");
  const std::string count = cat("(CASE WHEN ", expired, " THEN 1 ELSE c.count + 1 END)");
  const std::string start = cat("(CASE WHEN ", expired, " OR ", sliding, " = 1 THEN ", now, " ELSE c.window_start END)");
  auto lock_for = [&](std::string_view n, std::string_view ws) {
    return cat("(CASE WHEN ", n, " <= ", free, " THEN 0 WHEN ", base, " = 0 THEN ", now, " + GREATEST(1, ", ws, " + ",
               window, " - ", now, ") ELSE ", now, " + LEAST(", max, ", ", base, " << LEAST(", n, " - ", free,
               " - 1, 20)::int) END)");
  };
  return cat("INSERT INTO limit_counters AS c (limit_name, account, ip, count, window_start, locked_until) VALUES (",
             limit, ", ", account, ", ", ip, ", 1, ", now, ", ", lock_for("1", now),
             ") ON CONFLICT (limit_name, account, ip) DO UPDATE SET count = ", count, ", window_start = ", start,
             ", locked_until = ", lock_for(count, start), " WHERE c.locked_until <= ", now, " RETURNING ",
             std::to_string(index), " AS i, count, window_start, locked_until");
}

// hit of n events: one upsert each, chained as data-modifying CTEs (keys are
// distinct, so no row is touched twice).
std::string hit_sql(std::size_t n) {
  std::string with = "WITH ", select;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string name = cat("h", std::to_string(i));
    with += cat(i ? ", " : "", name, " AS (", upsert(2 + static_cast<int>(i) * kEventParams, static_cast<int>(i)), ")");
    select += cat(i ? " UNION ALL " : "", "SELECT i, count, window_start, locked_until FROM ", name);
  }
  return cat(with, " ", select);
}

// admit: `bumps` upserts (rows -1, -2...) and the stored counters of n keys
// (limit, account, ip each, after the bumps' parameters) as they were before
// them. Absent keys return no row.
std::string admit_sql(std::size_t bumps, std::size_t n) {
  const int first = 2 + static_cast<int>(bumps) * kEventParams;
  std::string values;
  for (std::size_t i = 0; i < n; ++i) {
    const int at = first + static_cast<int>(i) * 3;
    values += cat(i ? ", " : "", "(", std::to_string(i), ", $", std::to_string(at), "::text, $",
                  std::to_string(at + 1), "::text, $", std::to_string(at + 2), "::text)");
  }
  // Every statement names $1 (now): PostgreSQL wants each parameter sent used.
  std::string select = n == 0 ? std::string("SELECT 0, 0::bigint, 0::bigint, 0::bigint WHERE $1::bigint IS NULL")
                              : cat("SELECT k.i, c.count, c.window_start, c.locked_until FROM (VALUES ", values,
                                    ") AS k(i, limit_name, account, ip) JOIN limit_counters c ON c.limit_name = "
                                    "k.limit_name AND c.account = k.account AND c.ip = k.ip AND $1::bigint IS NOT NULL");
  std::string with;
  for (std::size_t b = 0; b < bumps; ++b) {
    const std::string name = cat("b", std::to_string(b));
    with += cat(b ? ", " : "WITH ", name, " AS (",
                upsert(2 + static_cast<int>(b) * kEventParams, -1 - static_cast<int>(b)), ")");
    select += cat(" UNION ALL SELECT i, count, window_start, locked_until FROM ", name);
  }
  return with.empty() ? select : cat(with, " ", select);
}

// The events' indices by key. A statement locks its rows in the order of its
// events, so two calls on the same keys in different orders (a failed login
// records login_ip, login_pair, login_account; a failed password change
// login_pair, login_account, login_ip) could each hold a row the other
// waits for: a deadlock, which PostgreSQL breaks by failing one. In one
// order everywhere they only queue.
std::vector<std::size_t> in_key_order(std::span<const LimitEvent> events) {
  std::vector<std::size_t> order(events.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const LimitKey &x = events[a].key, &y = events[b].key;
    return std::tie(x.limit, x.account, x.ip) < std::tie(y.limit, y.account, y.ip);
  });
  return order;
}

void add_event(std::vector<Param>& params, const LimitEvent& e) {
  params.push_back(p(e.key.limit));
  params.push_back(p(e.key.account));
  params.push_back(p(e.key.ip));
  params.push_back(p(static_cast<std::int64_t>(e.policy.free)));
  params.push_back(p(e.policy.window));
  params.push_back(p(e.policy.lock_base));
  params.push_back(p(e.policy.lock_max));
  params.push_back(p(std::int64_t{e.policy.sliding ? 1 : 0}));
}

}  // namespace

PostgresLimits::PostgresLimits(PgPool& pool) : pool_(pool) {
  for (std::size_t n = 1; n <= kMaxPerCall; ++n) {
    hits_[n - 1] = hit_sql(n);
    hit_names_[n - 1] = "limit_hit_" + std::to_string(n);
  }
  for (std::size_t b = 0; b <= kMaxAdmitBumps; ++b) {
    for (std::size_t n = 0; n <= kMaxAdmitReads; ++n) {
      admits_[b][n] = admit_sql(b, n);
      admit_names_[b][n] = "limit_admit_" + std::to_string(b) + "_" + std::to_string(n);
    }
  }
}

Result<std::vector<std::optional<LimitCounter>>> PostgresLimits::hit(std::span<const LimitEvent> events,
                                                                       UnixSeconds now) {
  std::vector<std::optional<LimitCounter>> out(events.size());
  const std::vector<std::size_t> order = in_key_order(events);
  for (std::size_t at = 0; at < events.size(); at += kMaxPerCall) {
    const auto part = std::span(order).subspan(at, std::min(kMaxPerCall, events.size() - at));
    std::vector<Param> params{p(now)};
    for (std::size_t e : part) add_event(params, events[e]);
    auto lease = pool_.acquire();
    if (!lease) return tl::unexpected(lease.error());
    auto res = (**lease).run(hit_names_[part.size() - 1], hits_[part.size() - 1], params);
    if (!res) return tl::unexpected(res.error());
    for (int row = 0; row < res->rows(); ++row) {
      const PgRow r(*res, row);
      const auto i = static_cast<std::size_t>(r.int64(0));
      if (i < part.size()) out[part[i]] = LimitCounter{r.int64(1), r.int64(2), r.int64(3)};
    }
  }
  return out;
}

Result<LimitStore::Admission> PostgresLimits::admit(std::span<const LimitEvent> bumps,
                                                    std::span<const LimitKey> keys, UnixSeconds now) {
  // More is a bug: the callers bump one or two and read a few.
  if (bumps.size() > kMaxAdmitBumps || keys.size() > kMaxAdmitReads) return tl::unexpected(StoreError::failed);
  std::vector<Param> params{p(now)};
  const std::vector<std::size_t> order = in_key_order(bumps);
  for (std::size_t b : order) add_event(params, bumps[b]);
  for (const LimitKey& k : keys) {
    params.push_back(p(k.limit));
    params.push_back(p(k.account));
    params.push_back(p(k.ip));
  }
  auto lease = pool_.acquire();
  if (!lease) return tl::unexpected(lease.error());
  auto res = (**lease).run(admit_names_[bumps.size()][keys.size()], admits_[bumps.size()][keys.size()], params);
  if (!res) return tl::unexpected(res.error());
  Admission out;
  out.read.resize(keys.size());
  out.bumped.resize(bumps.size());
  for (int row = 0; row < res->rows(); ++row) {
    const PgRow r(*res, row);
    const std::int64_t i = r.int64(0);
    const LimitCounter c{r.int64(1), r.int64(2), r.int64(3)};
    if (i < 0 && static_cast<std::size_t>(-1 - i) < bumps.size())
      out.bumped[order[static_cast<std::size_t>(-1 - i)]] = c;
    else if (i >= 0 && static_cast<std::size_t>(i) < keys.size()) out.read[static_cast<std::size_t>(i)] = c;
  }
  return out;
}

Result<std::vector<LimitRow>> PostgresLimits::locked(const LimitFilter& f, UnixSeconds now) {
  return with_connection(pool_, [&](PgCalls& c) {
    return c.all(sql_.locked_limits, sql::read_limit_row, now, f.account, f.ip, f.limit);
  });
}

Result<std::size_t> PostgresLimits::clear(const LimitFilter& f) {
  if (f.account.empty() && f.ip.empty()) return 0;
  return with_connection(pool_, [&](PgCalls& c) -> Result<std::size_t> {
    auto r = c.query(sql_.clear_limits, f.account, f.ip, f.limit);
    if (!r) return tl::unexpected(r.error());
    return static_cast<std::size_t>(r->affected());
  });
}

Result<std::size_t> PostgresLimits::prune(UnixSeconds before, UnixSeconds now) {
  return with_connection(pool_, [&](PgCalls& c) -> Result<std::size_t> {
    auto r = c.query(sql_.prune_limits, before, now);
    if (!r) return tl::unexpected(r.error());
    return static_cast<std::size_t>(r->affected());
  });
}

}  // namespace latchkey::store::postgres
