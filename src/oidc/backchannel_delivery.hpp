#pragma once
// OpenID Connect Back-Channel Logout 1.0: delivers the logout tokens the
// database queued (store/logout_store.hpp) to the clients' logout URIs.
//
// run_once() takes the deliveries due, signs a logout token for each (the
// token maker) and POSTs it as `logout_token=<jwt>` (section 2.5); 200 or
// 204 is delivered (section 2.8), anything else (another status, a timeout,
// a refused connection) is a failed attempt, tried again after a backoff
// that doubles, until the last attempt gives up. Delivery is at least once:
// the receiver de-duplicates by jti/sid.
//
// run_once() BLOCKS (the store, then one POST after another, each bounded
// by the post options' timeout): call it from a periodic job on a thread
// that serves no connection. Nothing here throws; no token is logged or
// stored (last_error holds only a status, an error code or a network reason).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "net/http_client.hpp"
#include "store/logout_store.hpp"
#include "store/records.hpp"
#include "util/outbox_ledger.hpp"
#include "util/time.hpp"

namespace latchkey::oidc {

struct BackchannelOptions {
  std::size_t batch = 32;             // deliveries taken per run
  std::int64_t max_attempts = 8;      // the last one that fails gives up
  UnixSeconds backoff_base = 5;       // the wait after the first failed attempt...
  UnixSeconds backoff_cap = 60 * 60;  // ...doubling after each, at most this
  net::PostOptions post;              // timeouts, no redirects (section 2.5)
};

class BackchannelDelivery {
 public:
  // The signed logout token (a JWT) for one delivery: iss, aud = client_id,
  // sub = user_id, sid = session_id, events, jti, iat, exp. An empty string:
  // no token can be signed now (no signing key); the delivery is left due
  // and not counted as an attempt.
  using TokenMaker = std::function<std::string(const store::LogoutDelivery&)>;
  // net::post_form, or a stand-in in tests.
  using Poster = std::function<tl::expected<net::PostResult, std::string>(
      std::string_view url, std::string_view form_body, const net::PostOptions&)>;
  // Told of each delivery given up (after the store noted it), with the last
  // attempt's reason: for the audit log.
  using GaveUpHook = std::function<void(const store::LogoutDelivery&, std::string_view reason)>;

  // What one run did.
  struct Stats {
    std::size_t taken = 0;  // deliveries due
    std::size_t delivered = 0;
    std::size_t failed = 0;   // to be tried again
    std::size_t gave_up = 0;
    bool store_error = false;        // the store failed: the run stopped there
    bool token_unavailable = false;  // the token maker made none: the run stopped there
    bool busy = false;         // another run was under way: this one did nothing
  };

  // Totals since start, for /metrics.
  struct Counters {
    std::uint64_t delivered = 0;
    std::uint64_t failed = 0;        // failed attempts to be tried again
    std::uint64_t gave_up = 0;       // failed last attempts
    std::uint64_t store_errors = 0;  // store calls that failed
  };

  // `poster` empty: net::post_form.
  BackchannelDelivery(store::LogoutStore& store, TokenMaker make_token, Clock clock,
                      BackchannelOptions options = {}, Poster poster = {});

  BackchannelDelivery(const BackchannelDelivery&) = delete;
  BackchannelDelivery& operator=(const BackchannelDelivery&) = delete;

  // Set before the first run (not synchronised with one under way).
  void on_gave_up(GaveUpHook hook) { on_gave_up_ = std::move(hook); }

  // One batch of due deliveries, in sequence. A second call while one runs
  // (from another thread) returns at once with busy set.
  Stats run_once();

  Counters counters() const;

  // The wait after `failures` failed attempts (1 and up): base, 2 base,
  // 4 base, ... at most the cap.
  static UnixSeconds backoff(std::int64_t failures, const BackchannelOptions& options);

 private:
  using Outcome = OutboxLedger::Outcome;
  Outcome deliver(const store::LogoutDelivery& d, const std::string& token);

  store::LogoutStore& store_;
  TokenMaker make_token_;
  Clock clock_;
  BackchannelOptions options_;
  Poster poster_;
  GaveUpHook on_gave_up_;
  OutboxLedger ledger_;  // used under running_
  std::mutex running_;
  // Under running_: a signing outage is logged when it starts and when it
  // ends, not once a second while it lasts.
  bool no_token_ = false;
};

}  // namespace latchkey::oidc
