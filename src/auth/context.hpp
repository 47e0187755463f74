#pragma once
// What every auth job is built with: the store, the settings, the clock, the
// audit trail, and the state they share (token state, refresh chain, usage,
// counters). The composition (auth/service.hpp) owns the shared parts; a job
// only holds this set of references.
#include "abuse/limiter.hpp"
#include "auth/audit_log.hpp"
#include "auth/options.hpp"
#include "auth/refresh_chain.hpp"
#include "auth/token_state.hpp"
#include "auth/usage_tracker.hpp"
#include "store/store.hpp"
#include "token/jwt.hpp"
#include "util/time.hpp"

namespace latchkey::auth {

struct Context {
  store::Store& store;
  const Options& options;
  Clock clock;
  AuditLog& audit;
  TokenState& tokens;
  const RefreshChain& chain;
  UsageTracker& usage;
  Counters& counters;
  abuse::Limiter& limits;

  // Queues an audit event with where the request came from.
  void record(AuditRecord r, const Client& client) const {
    r.ip = client.ip;
    r.user_agent = client.user_agent;
    audit.record(r);
  }
  // What an access token of ours must satisfy.
  token::VerifyPolicy verify_policy() const {
    token::VerifyPolicy p;
    p.issuer = options.issuer;
    p.audience = options.audience;
    p.leeway = options.leeway;
    return p;
  }
};

}  // namespace latchkey::auth
