#include "api/ops.hpp"

#include <algorithm>

#include "metrics/process_metrics.hpp"
#include "store/store_stats.hpp"
#include "util/log.hpp"
#include "util/time.hpp"

namespace latchkey::api {

namespace {

// A count of live sessions reads the whole sessions table (a ping reads one
// row): it runs at most every kCountEveryMs, and waits kCountSpacing times as
// long as it took, so that it never takes more than 1/50 of a thread's time
// however large the table grows (1,000,000 sessions: about 100 ms).
constexpr std::int64_t kCountEveryMs = 5000;
constexpr std::int64_t kCountSpacing = 50;

std::uint64_t load(const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); }

}  // namespace

Ops::Ops(const auth::Service& service, store::Store& store, WorkerPool& pool, metrics::Registry& registry)
    : service_(service), store_(store), pool_(pool), registry_(registry), db_ok_at_ms_(now_ms()) {
  registry_.add([this](metrics::TextWriter& out) { write_service(out); });
  registry_.add([this](metrics::TextWriter& out) { write_runtime(out); });
  registry_.add(metrics::write_process_metrics);
}

std::int64_t Ops::now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

boost::asio::awaitable<void> Ops::check() {
  auto pinged = co_await pool_.run([this] { return store_.database().ping(); });
  const DbState before = db_state_.load();
  DbState state = DbState::ok;
  if (!pinged) state = DbState::queue_full;
  else if (!*pinged) state = DbState::unavailable;
  if (state == DbState::ok) db_ok_at_ms_.store(now_ms());
  db_state_.store(state);
  if (state != before) {
    if (state == DbState::ok) log::info("ops.ready");
    else log::warn("ops.not_ready", {{"reason", state == DbState::queue_full ? "worker queue full" : "database unavailable"}});
  }
  if (state == DbState::ok && now_ms() >= next_count_ms_) {
    const UnixSeconds now = now_unix();
    const UnixSeconds idle_since = service_.options().idle_since(now);
    const std::int64_t started = now_ms();
    auto counted = co_await pool_.run_scan([&] { return store_.sessions().count_live(now, idle_since); });
    if (counted && *counted) active_sessions_.store(**counted);
    const std::int64_t took = now_ms() - started;
    next_count_ms_ = now_ms() + std::max(kCountEveryMs, took * kCountSpacing);
  }
}

Ops::Readiness Ops::readiness() const {
  Readiness r;
  const DbState state = db_state_.load();
  if (state == DbState::unavailable) r.reasons.push_back("database unavailable");
  else if (state == DbState::queue_full) r.reasons.push_back("worker queue full");
  else if (now_ms() - db_ok_at_ms_.load() > std::chrono::milliseconds(kStaleAfter).count())
    r.reasons.push_back("database check timed out");
  const auto keys = service_.tokens().keys();
  if (!keys || keys->empty()) r.reasons.push_back("no signing key loaded");
  r.ready = r.reasons.empty();
  return r;
}

void Ops::write_service(metrics::TextWriter& out) const {
  const auth::Counters& c = service_.counters();
  out.family("latchkey_logins_total", "counter", "Login attempts, by outcome.");
  out.sample("latchkey_logins_total", {{"outcome", "success"}}, load(c.login_succeeded));
  out.sample("latchkey_logins_total", {{"outcome", "bad_credentials"}}, load(c.login_bad_credentials));
  out.sample("latchkey_logins_total", {{"outcome", "locked"}}, load(c.login_locked));
  out.sample("latchkey_logins_total", {{"outcome", "rate_limited"}}, load(c.login_rate_limited));
  out.family("latchkey_refreshes_total", "counter",
             "Refresh-token uses: rotated, grace_replay (the same new pair again), reuse_detected "
             "(a spent token came back: its session ended), not_rotated (REFRESH_ROTATION=off).");
  out.sample("latchkey_refreshes_total", {{"outcome", "rotated"}}, load(c.refresh_rotated));
  out.sample("latchkey_refreshes_total", {{"outcome", "grace_replay"}}, load(c.refresh_replayed));
  out.sample("latchkey_refreshes_total", {{"outcome", "reuse_detected"}}, load(c.refresh_reuse_detected));
  out.sample("latchkey_refreshes_total", {{"outcome", "not_rotated"}}, load(c.refresh_not_rotated));
  if (const std::int64_t live = active_sessions_.load(); live >= 0) {
    out.family("latchkey_active_sessions", "gauge",
               "Live sessions in the database, all users (counted every few seconds).");
    out.sample("latchkey_active_sessions", {}, live);
  }
  out.family("latchkey_revoked_sessions", "gauge",
             "Ended sessions held in memory to refuse their access tokens (the revocation set).");
  out.sample("latchkey_revoked_sessions", {}, static_cast<std::int64_t>(service_.tokens().revoked_count()));
  write_limits(out);
  out.family("latchkey_ready", "gauge", "1 when /readyz answers 200, else 0.");
  out.sample("latchkey_ready", {}, static_cast<std::int64_t>(readiness().ready ? 1 : 0));
}

void Ops::write_limits(metrics::TextWriter& out) const {
  const abuse::Limiter::Stats s = service_.limits().stats(now_unix());
  // One family at a time: its samples follow its HELP and TYPE.
  auto per_limit = [&](std::string_view family, std::string_view type, std::string_view help, auto value_of) {
    out.family(family, type, help);
    for (std::size_t i = 0; i < abuse::kLimits; ++i) {
      out.sample(family, {{"limit", abuse::name_of(static_cast<abuse::Limit>(i))}},
                 static_cast<std::int64_t>(value_of(i)));
    }
  };
  per_limit("latchkey_limit_refusals_total", "counter",
            "Requests an abuse limit refused, by limit (429, or for login locks an answer like a wrong password).",
            [&](std::size_t i) { return s.refused[i]; });
  per_limit("latchkey_limit_locks_total", "counter", "Locks made by an abuse limit, by limit.",
            [&](std::size_t i) { return s.locks[i]; });
  per_limit("latchkey_limit_locked", "gauge",
            "Counters locked now, by limit, as this instance sees them (shared ones synced every second).",
            [&](std::size_t i) { return s.locked[i]; });
  out.family("latchkey_limit_store_failures_total", "counter",
             "Abuse-limit calls the database did not answer; counted in memory meanwhile.");
  out.sample("latchkey_limit_store_failures_total", {}, static_cast<std::int64_t>(s.store_failures));
  out.family("latchkey_limit_store_down", "gauge", "1 while the abuse limits count in memory because the database is away.");
  out.sample("latchkey_limit_store_down", {}, static_cast<std::int64_t>(s.store_down ? 1 : 0));
}

void Ops::write_runtime(metrics::TextWriter& out) const {
  const std::pair<std::string_view, const LaneStats*> lanes[] = {{"hashing", &pool_.hashing()},
                                                                   {"database", &pool_.database()}};
  out.family("latchkey_worker_queue_depth", "gauge",
             "Jobs waiting for a worker thread, by lane (hashing: argon2id; database: SQL calls).");
  for (const auto& [name, lane] : lanes) {
    const std::size_t pending = lane->pending(), running = lane->running();
    out.sample("latchkey_worker_queue_depth", {{"lane", name}},
               static_cast<std::int64_t>(pending > running ? pending - running : 0));
  }
  out.family("latchkey_worker_jobs_running", "gauge", "Jobs running on a worker thread, by lane.");
  for (const auto& [name, lane] : lanes)
    out.sample("latchkey_worker_jobs_running", {{"lane", name}}, static_cast<std::int64_t>(lane->running()));
  out.family("latchkey_worker_queue_limit", "gauge",
             "Jobs a lane may hold, queued or running, before new ones get 503 (HASH_QUEUE, WORKER_QUEUE).");
  for (const auto& [name, lane] : lanes)
    out.sample("latchkey_worker_queue_limit", {{"lane", name}}, static_cast<std::int64_t>(lane->max_pending()));
  out.family("latchkey_worker_rejected_total", "counter", "Jobs refused because the lane was full (answered 503).");
  for (const auto& [name, lane] : lanes) out.sample("latchkey_worker_rejected_total", {{"lane", name}}, lane->rejected());
  out.family("latchkey_worker_wait_seconds", "histogram", "Time jobs waited for a worker thread, by lane.");
  for (const auto& [name, lane] : lanes)
    out.histogram("latchkey_worker_wait_seconds", {{"lane", name}}, lane->wait_time().snapshot());

  const store::StoreStats& db = store::stats();
  out.family("latchkey_db_pool_size", "gauge", "Database connections (PostgreSQL: DATABASE_POOL_SIZE; SQLite: 2, the writer and a reader).");
  out.sample("latchkey_db_pool_size", {}, db.pool_size.load(std::memory_order_relaxed));
  out.family("latchkey_db_pool_in_use", "gauge", "Database connections serving a call right now.");
  out.sample("latchkey_db_pool_in_use", {}, db.pool_in_use.load(std::memory_order_relaxed));
  out.family("latchkey_db_errors_total", "counter",
             "Database calls that failed: unavailable (unreachable, busy, full, pool wait timed out) or failed.");
  out.sample("latchkey_db_errors_total", {{"kind", "unavailable"}}, load(db.errors_unavailable));
  out.sample("latchkey_db_errors_total", {{"kind", "failed"}}, load(db.errors_failed));
}

}  // namespace latchkey::api
