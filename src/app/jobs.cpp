#include "app/jobs.hpp"

#include <algorithm>
#include <span>
#include <vector>

#include "util/log.hpp"

namespace latchkey::app {

using boost::asio::awaitable;

namespace {

// Last-use times noted by authenticated requests reach the database a few
// hundred sessions per database call, so that requests go on in between
// however many sessions were used.
awaitable<void> flush_usage(const JobTargets& t) {
  constexpr std::size_t kUsageChunk = 256;
  auth::Sessions& sessions = t.service.sessions();
  const std::vector<store::Usage> used = sessions.take_usage();
  for (std::size_t at = 0; at < used.size(); at += kUsageChunk) {
    const std::span<const store::Usage> chunk(used.data() + at, std::min(kUsageChunk, used.size() - at));
    auto written = co_await t.pool.run([&] { return sessions.write_usage(chunk); });
    if (!written || !*written) {
      log::warn("sessions.usage_flush_failed");
      break;
    }
  }
}

// Audit events queued by requests reach the database in batches.
awaitable<void> flush_audit(const JobTargets& t) {
  co_await t.pool.run([&] { return t.audit.flush(); });
}

// Retention: old audit events, and kept revocations of deleted users once
// every access token they could cover has expired. A few thousand events per
// database call, so that requests go on in between.
awaitable<void> prune(const JobTargets& t) {
  constexpr std::size_t kPruneChunk = 2000;
  const UnixSeconds now = now_unix();
  const UnixSeconds audit_before = t.cfg.audit_retention > 0 ? now - t.cfg.audit_retention : 0;
  const UnixSeconds revocations_before = now - t.cfg.access_token_ttl - t.cfg.token_leeway - 3600;
  std::int64_t removed = 0;
  for (;;) {
    auto pruned =
        co_await t.pool.run([&] { return t.store.audit().prune(audit_before, revocations_before, kPruneChunk); });
    if (!pruned || !*pruned) {
      log::warn("audit.prune_failed");
      break;
    }
    removed += static_cast<std::int64_t>(**pruned);
    if (**pruned < kPruneChunk) break;
  }
  if (removed > 0) log::info("audit.pruned", {{"events", removed}});
}

// The abuse limits: other instances' locks into this one's view (shared
// database), and counters that count nothing any more out of memory and,
// now and then, the database.
awaitable<void> sync_limits(const JobTargets& t) {
  co_await t.pool.run([&] {
    t.service.limits().sync(now_unix());
    return true;
  });
}

// Single-use things past their life: authorization codes (kept a day past
// expiry, so that a late replay still ends what the first use opened),
// used client assertions, sign-in steps and WebAuthn challenges. Each table
// would otherwise grow with every sign-in.
awaitable<void> prune_expired(const JobTargets& t) {
  constexpr UnixSeconds kCodeReplayWindow = 24 * 3600;
  auto done = co_await t.pool.run([&] {
    const UnixSeconds now = now_unix();
    std::int64_t removed = 0;
    bool ok = true;
    if (auto r = t.store.codes().prune(now - kCodeReplayWindow)) removed += *r; else ok = false;
    if (auto r = t.store.assertions().prune(now)) removed += *r; else ok = false;
    if (auto r = t.store.mfa_challenges().prune(now)) removed += static_cast<std::int64_t>(*r); else ok = false;
    if (auto r = t.store.webauthn_challenges().prune(now)) removed += static_cast<std::int64_t>(*r); else ok = false;
    // Email links a day past their expiry; messages sent or given up 30
    // days ago (latchkey mail list shows what happened until then).
    if (auto r = t.store.mail().prune_tokens(now - kCodeReplayWindow)) removed += static_cast<std::int64_t>(*r);
    else ok = false;
    if (auto r = t.store.mail().prune(now - 30 * 86400)) removed += static_cast<std::int64_t>(*r); else ok = false;
    return std::pair{ok, removed};
  });
  if (!done || !done->first) log::warn("expired.prune_failed");
  if (done && done->second > 0) log::info("expired.pruned", {{"rows", done->second}});
}

// Keys rotated by `latchkey keys rotate` (or by another instance), and
// scheduled keys coming into force.
awaitable<void> reload_keys(const JobTargets& t) {
  auto loaded = co_await t.pool.run([&] { return auth::load_signing_keys(t.store, t.key_policy, now_unix()); });
  if (loaded && *loaded) t.service.tokens().set_keys(std::move(**loaded));
  else log::warn("keys.reload_failed");
}

}  // namespace

void add_jobs(Scheduler& scheduler, const JobTargets& t) {
  using namespace std::chrono_literals;
  // The targets are copied into each job: the struct itself may be a temporary.
  using AtStop = Scheduler::AtStop;
  auto job = [&scheduler, t](std::string name, std::chrono::milliseconds every, AtStop at_stop,
                             awaitable<void> (*f)(const JobTargets&)) {
    scheduler.every(std::move(name), every, [t, f] { return f(t); }, at_stop);
  };
  // The writes run once more at stop: what the last requests noted is kept,
  // and retention is applied even by a server that never ran an hour.
  job("usage_flush", 10s, AtStop::run_again, flush_usage);
  job("audit_flush", 250ms, AtStop::run_again, flush_audit);
  job("limits_sync", 1s, AtStop::skip, sync_limits);
  job("retention", 1h, AtStop::run_again, prune);
  job("expired", 10min, AtStop::skip, prune_expired);
  // Checks and reloads only matter to a server that goes on.
  job("readiness", api::Ops::kCheckInterval, AtStop::skip, [](const JobTargets& x) { return x.ops.check(); });
  if (!t.cfg.secret_key) job("key_reload", 30s, AtStop::skip, reload_keys);
}

}  // namespace latchkey::app
