#pragma once
// The Store on PostgreSQL, for several latchkey instances sharing one
// database. A bounded connection pool (DATABASE_POOL_SIZE) serves every
// aggregate; revocations are announced with NOTIFY and heard by every
// instance through LISTEN on a connection of its own (postgres_sessions.hpp).
#include <cstddef>
#include <string>

#include "store/postgres/pg_pool.hpp"
#include "store/postgres/postgres_admin.hpp"
#include "store/postgres/postgres_assertions.hpp"
#include "store/postgres/postgres_audit.hpp"
#include "store/postgres/postgres_database.hpp"
#include "store/postgres/postgres_clients.hpp"
#include "store/postgres/postgres_codes.hpp"
#include "store/postgres/postgres_consents.hpp"
#include "store/postgres/postgres_factors.hpp"
#include "store/postgres/postgres_mail.hpp"
#include "store/postgres/postgres_keys.hpp"
#include "store/postgres/postgres_limits.hpp"
#include "store/postgres/postgres_logouts.hpp"
#include "store/postgres/postgres_sessions.hpp"
#include "store/postgres/postgres_users.hpp"
#include "store/store.hpp"

namespace latchkey::store::postgres {

class PostgresStore final : public Store {
 public:
  // Connects and migrates (under an advisory lock, so instances starting
  // together migrate once). Throws std::runtime_error with a one-line reason.
  PostgresStore(const std::string& conninfo, std::size_t pool_size);
  // Stops the revocation listener.
  ~PostgresStore() override { sessions_.stop_watching(); }

  UserStore& users() override { return users_; }
  SessionStore& sessions() override { return sessions_; }
  KeyStore& keys() override { return keys_; }
  AuditStore& audit() override { return audit_; }
  AdminQueries& admin() override { return admin_; }
  LimitStore& limits() override { return limits_; }
  ClientStore& clients() override { return clients_; }
  AuthorizationCodeStore& codes() override { return codes_; }
  ConsentStore& consents() override { return consents_; }
  LogoutStore& logouts() override { return logouts_; }
  AssertionStore& assertions() override { return assertions_; }
  FactorStore& factors() override { return factors_; }
  MailStore& mail() override { return mail_; }
  MfaChallengeStore& mfa_challenges() override { return mfa_challenges_; }
  WebauthnChallengeStore& webauthn_challenges() override { return webauthn_challenges_; }
  Database& database() override { return database_; }

 private:
  PgPool pool_;  // first: the aggregates use it until they go
  PostgresUsers users_{pool_};
  PostgresSessions sessions_;
  PostgresKeys keys_{pool_};
  PostgresAudit audit_{pool_};
  PostgresAdmin admin_{pool_};
  PostgresLimits limits_{pool_};
  PostgresClients clients_{pool_};
  PostgresCodes codes_{pool_};
  PostgresConsents consents_{pool_};
  PostgresLogouts logouts_{pool_};
  PostgresAssertions assertions_{pool_};
  PostgresFactors factors_{pool_};
  PostgresMail mail_{pool_};
  PostgresMfaChallenges mfa_challenges_{pool_};
  PostgresWebauthnChallenges webauthn_challenges_{pool_};
  PostgresDatabase database_{pool_};
};

}  // namespace latchkey::store::postgres
