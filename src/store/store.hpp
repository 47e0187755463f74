#pragma once
// The persistence handle the server is built with: one interface per
// aggregate, each in its own header, all backed by one database. Nothing
// here names a database; backends live in sqlite/ and postgres/ (opened by
// open_store.hpp), and a test can hand a service a fake of just the
// aggregates it uses.
//
// A new aggregate (say, OAuth clients) is a new interface beside these, one
// accessor here, and one small file per backend implementing it.
#include "store/admin_queries.hpp"
#include "store/assertion_store.hpp"
#include "store/authorization_code_store.hpp"
#include "store/audit_store.hpp"
#include "store/client_store.hpp"
#include "store/consent_store.hpp"
#include "store/database.hpp"
#include "store/factor_store.hpp"
#include "store/key_store.hpp"
#include "store/limit_store.hpp"
#include "store/logout_store.hpp"
#include "store/mail_store.hpp"
#include "store/mfa_challenge_store.hpp"
#include "store/records.hpp"
#include "store/result.hpp"
#include "store/session_store.hpp"
#include "store/user_store.hpp"
#include "store/webauthn_challenge_store.hpp"

namespace latchkey::store {

class Store {
 public:
  virtual ~Store() = default;

  virtual UserStore& users() = 0;
  virtual SessionStore& sessions() = 0;
  virtual KeyStore& keys() = 0;
  virtual AuditStore& audit() = 0;
  virtual AdminQueries& admin() = 0;
  virtual LimitStore& limits() = 0;
  virtual ClientStore& clients() = 0;
  virtual AuthorizationCodeStore& codes() = 0;
  virtual ConsentStore& consents() = 0;
  virtual LogoutStore& logouts() = 0;
  virtual AssertionStore& assertions() = 0;
  virtual FactorStore& factors() = 0;
  virtual MailStore& mail() = 0;
  virtual MfaChallengeStore& mfa_challenges() = 0;
  virtual WebauthnChallengeStore& webauthn_challenges() = 0;
  virtual Database& database() = 0;
};

}  // namespace latchkey::store
