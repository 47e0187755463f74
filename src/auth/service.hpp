#pragma once
// The authentication service: sign-up, login, refresh, logout and session
// listing, in terms of users and sessions. It knows nothing of HTTP or SQL.
//
// Methods marked "blocking" hash passwords or call the Store: the caller runs
// them on the worker pool. authenticate() only verifies a signature and
// reads the in-memory revocation set: safe on an I/O thread.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/errors.hpp"
#include "auth/revocation_set.hpp"
#include "crypto/password.hpp"
#include "store/store.hpp"
#include "token/jwt.hpp"
#include "util/time.hpp"

namespace latchkey::auth {

struct Options {
  UnixSeconds access_ttl = 15 * 60;
  UnixSeconds refresh_ttl = 30 * 86400;
  UnixSeconds leeway = 30;  // clock skew allowed on token times
  std::string issuer;
  std::string audience = "latchkey";
  crypto::PasswordParams password;
  std::size_t min_password_bytes = 8;
  std::size_t max_password_bytes = 1024;
  std::size_t max_username_chars = 64;
};

// Where a request came from, recorded on the session it creates.
struct Client {
  std::string_view user_agent;
  std::string_view ip;
};

// The bearer of a valid access token.
struct Principal {
  std::string user_id;
  std::string username;
  std::string session_id;
};

struct TokenPair {
  std::string access_token;
  std::string refresh_token;
  std::string session_id;
  UnixSeconds expires_in = 0;  // access token lifetime, seconds
};

struct SessionInfo {
  store::Session session;
  bool current = false;
};

// What /logout names: a token (access or refresh) or a session id; neither
// means the caller's own session.
struct LogoutTarget {
  std::optional<std::string_view> token;
  std::optional<std::string_view> session_id;
};

class Service {
 public:
  // Blocking (computes a dummy hash for unknown-user logins).
  Service(store::Store& store, token::KeySet keys, Options options, Clock clock);

  // Blocking. Rebuilds the revocation set from the database: run at start.
  Expected<std::size_t> load_revocations();

  Expected<void> signup(std::string_view username, std::string_view password);  // blocking
  Expected<TokenPair> login(std::string_view username, std::string_view password,
                            const Client& client);  // blocking
  // A new access token for the session of this refresh token. Blocking.
  Expected<std::string> refresh(std::string_view refresh_token, const Client& client);
  // Ends one session of the caller; returns the id of the ended session. Blocking.
  Expected<std::string> logout(const Principal& caller, const LogoutTarget& target);
  Expected<std::vector<SessionInfo>> list_sessions(const Principal& caller);  // blocking

  // Non-blocking.
  Expected<Principal> authenticate(std::string_view access_token) const;

  const token::KeySet& keys() const { return keys_; }
  const Options& options() const { return options_; }
  std::size_t revoked_count() const { return revoked_.size(); }

 private:
  Expected<std::string> session_of_token(const Principal& caller, std::string_view token);
  std::string issue_access_token(const store::User& user, std::string_view session_id,
                                 UnixSeconds now) const;
  void mark_revoked(std::string_view session_id, UnixSeconds now);

  store::Store& store_;
  token::KeySet keys_;
  Options options_;
  Clock clock_;
  token::VerifyPolicy policy_;
  std::string dummy_hash_;
  RevocationSet revoked_;
};

// Refresh tokens are opaque random strings; only this digest is stored.
std::string refresh_token_digest(std::string_view refresh_token);

}  // namespace latchkey::auth
