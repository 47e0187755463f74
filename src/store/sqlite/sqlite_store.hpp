#pragma once
// The Store on an embedded SQLite file: WAL journal, and group commit
// (wal_sync.hpp), so a write that was answered survives kill -9 and power
// loss while concurrent writes share one disk flush. One aggregate per
// interface, all on the same Connections (sqlite_connections.hpp: the
// writer and reader connections, the database lane's batches).
#include <string>

#include "store/sqlite/sqlite_admin.hpp"
#include "store/sqlite/sqlite_assertions.hpp"
#include "store/sqlite/sqlite_audit.hpp"
#include "store/sqlite/sqlite_connections.hpp"
#include "store/sqlite/sqlite_clients.hpp"
#include "store/sqlite/sqlite_codes.hpp"
#include "store/sqlite/sqlite_consents.hpp"
#include "store/sqlite/sqlite_database.hpp"
#include "store/sqlite/sqlite_factors.hpp"
#include "store/sqlite/sqlite_mail.hpp"
#include "store/sqlite/sqlite_keys.hpp"
#include "store/sqlite/sqlite_limits.hpp"
#include "store/sqlite/sqlite_logouts.hpp"
#include "store/sqlite/sqlite_sessions.hpp"
#include "store/sqlite/sqlite_users.hpp"
#include "store/store.hpp"

namespace latchkey::store::sqlite {

class SqliteStore final : public Store {
 public:
  // Opens (creating if needed) and migrates. Throws std::runtime_error with
  // a one-line reason on failure: start-up only.
  explicit SqliteStore(const std::string& path) : connections_(path) {}
  // Stops the revocation watcher before the connections close.
  ~SqliteStore() override { sessions_.stop_watching(); }

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
  Connections connections_;  // first: the aggregates use it until they go
  SqliteUsers users_{connections_};
  SqliteSessions sessions_{connections_};
  SqliteKeys keys_{connections_};
  SqliteAudit audit_{connections_};
  SqliteAdmin admin_{connections_};
  SqliteLimits limits_{connections_};
  SqliteClients clients_{connections_};
  SqliteCodes codes_{connections_};
  SqliteConsents consents_{connections_};
  SqliteLogouts logouts_{connections_};
  SqliteAssertions assertions_{connections_};
  SqliteFactors factors_{connections_};
  SqliteMail mail_{connections_};
  SqliteMfaChallenges mfa_challenges_{connections_};
  SqliteWebauthnChallenges webauthn_challenges_{connections_};
  SqliteDatabase database_{connections_};
};

}  // namespace latchkey::store::sqlite
