#pragma once
// The auth jobs, built together around the state they share. Each job is a
// class of its own (accounts.hpp, password_login.hpp, sessions.hpp,
// authenticator.hpp, token_issuer.hpp, introspection.hpp); this only owns
// them and what they share (token_state.hpp, the refresh chain, the usage
// tracker, the counters), so that an endpoint takes the job it needs and a
// later token endpoint can share the same keys, revocations and cache.
// None of it knows HTTP or SQL.
#include <memory>
#include <string>

#include "auth/accounts.hpp"
#include "auth/audit_log.hpp"
#include "auth/authenticator.hpp"
#include "auth/context.hpp"
#include "auth/introspection.hpp"
#include "auth/password_login.hpp"
#include "auth/sessions.hpp"
#include "auth/token_issuer.hpp"
#include "auth/token_state.hpp"

namespace latchkey::auth {

class Service {
 public:
  // Blocking (computes the reference hash of PasswordLogin). `refresh_secret`
  // keys the refresh-token chain (see refresh_chain.hpp). Throws
  // std::invalid_argument without a signing key (start-up only).
  Service(store::Store& store, token::KeySet keys, std::string refresh_secret, Options options, Clock clock,
          AuditLog& audit);

  Accounts& accounts() { return accounts_; }
  PasswordLogin& logins() { return logins_; }
  Sessions& sessions() { return sessions_; }
  Authenticator& authenticator() { return authenticator_; }
  const TokenIssuer& issuer() const { return issuer_; }
  TokenIntrospection& introspection() { return introspection_; }
  TokenState& tokens() { return tokens_; }
  // The abuse limits every job and endpoint counts against.
  abuse::Limiter& limits() { return limits_; }
  const abuse::Limiter& limits() const { return limits_; }
  const TokenState& tokens() const { return tokens_; }

  // Blocking. Rebuilds the revocation set from the database: run at start.
  Expected<std::size_t> load_revocations();
  // A revocation made by another process. Non-blocking.
  void note_revoked(const store::RevokedSession& r) { tokens_.note_revoked(r.id, r.revoked_at); }

  const Options& options() const { return options_; }
  // What the jobs share, for the OpenID Connect provider's parts built on them.
  store::Store& store() { return store_; }
  const Clock& clock() const { return context_.clock; }
  UsageTracker& usage() { return usage_; }
  AuditLog& audit() { return context_.audit; }
  const Context& context() const { return context_; }
  const Counters& counters() const { return counters_; }

 private:
  store::Store& store_;
  Options options_;
  Counters counters_;
  abuse::Limiter limits_;
  TokenState tokens_;
  RefreshChain chain_;
  UsageTracker usage_;
  Context context_;
  Authenticator authenticator_;
  TokenIssuer issuer_;
  Sessions sessions_;
  PasswordLogin logins_;
  Accounts accounts_;
  TokenIntrospection introspection_;
};

}  // namespace latchkey::auth
