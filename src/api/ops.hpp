#pragma once
// The state behind the operational endpoints: readiness (the database
// answers and a signing key is loaded), the live-session count, and the
// collectors that put the service's, the worker pool's, the store's and the
// process's figures on /metrics. Probes only read what the periodic checks
// recorded, so a storm of probes cannot load the database.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "auth/service.hpp"
#include "metrics/registry.hpp"
#include "store/store.hpp"
#include "util/worker_pool.hpp"

namespace latchkey::api {

class Ops {
 public:
  // How often check() should run, and how old its last success may be
  // before the database counts as unreachable (a check that hangs).
  static constexpr std::chrono::seconds kCheckInterval{1};
  static constexpr std::chrono::seconds kStaleAfter{3};

  // Adds the collectors to `registry`. The database was reachable at start.
  Ops(const auth::Service& service, store::Store& store, WorkerPool& pool, metrics::Registry& registry);

  // Pings the database through the worker pool and, every few seconds,
  // counts live sessions (off the batches: WorkerPool::run_scan). Run every
  // kCheckInterval.
  boost::asio::awaitable<void> check();

  struct Readiness {
    bool ready = false;
    std::vector<std::string_view> reasons;  // why not, when not
  };
  // From the last check; no I/O.
  Readiness readiness() const;

  std::string metrics_text() const { return registry_.render(); }

 private:
  enum class DbState : int { ok, unavailable, queue_full };
  static std::int64_t now_ms();
  void write_service(metrics::TextWriter& out) const;
  void write_runtime(metrics::TextWriter& out) const;
  void write_limits(metrics::TextWriter& out) const;

  const auth::Service& service_;
  store::Store& store_;
  WorkerPool& pool_;
  metrics::Registry& registry_;
  std::atomic<DbState> db_state_{DbState::ok};
  std::atomic<std::int64_t> db_ok_at_ms_;
  std::atomic<std::int64_t> active_sessions_{-1};  // -1: not counted yet
  std::int64_t next_count_ms_ = 0;                 // only check() touches it, one run at a time
};

}  // namespace latchkey::api
