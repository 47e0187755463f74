#pragma once
// The persistence interface the auth service relies on. Implementations
// (SQLite now, PostgreSQL next) live in subfolders; nothing here names a
// database. Every call blocks: run them on the worker pool, never on an I/O
// thread. Every call is safe from any thread.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "util/time.hpp"

namespace latchkey::store {

enum class StoreError {
  not_found,    // no such row (or not the caller's)
  conflict,     // a unique value is taken
  unavailable,  // the database cannot be reached or is busy: retry later
  failed,       // anything else: a bug or a damaged database
};

std::string_view describe(StoreError e);

template <class T>
using Result = tl::expected<T, StoreError>;

struct User {
  std::string id;  // stable, opaque: the JWT `sub`
  std::string username;
  std::string password_hash;  // argon2id PHC string
  UnixSeconds created_at = 0;
};

struct Session {
  std::string id;
  std::string user_id;
  UnixSeconds created_at = 0;
  UnixSeconds last_used_at = 0;
  UnixSeconds expires_at = 0;
  std::optional<UnixSeconds> revoked_at;
  std::string user_agent;
  std::string ip;
};

struct RevokedSession {
  std::string id;
  UnixSeconds revoked_at = 0;
};

struct StoredKey {
  std::string kid;
  std::string alg;
  std::string material;  // encoded key bytes; secret
  UnixSeconds created_at = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // conflict when the username is taken.
  virtual Result<void> create_user(const User& user) = 0;
  virtual Result<User> find_user_by_name(std::string_view username) = 0;
  virtual Result<User> find_user_by_id(std::string_view id) = 0;
  virtual Result<void> set_password_hash(std::string_view user_id, std::string_view hash) = 0;

  // `refresh_hash` is the digest of the session's refresh token; the token
  // itself is never stored.
  virtual Result<void> create_session(const Session& session, std::string_view refresh_hash) = 0;
  // The session (live or not) whose refresh token digest this is.
  virtual Result<Session> find_session_by_refresh_hash(std::string_view refresh_hash) = 0;
  virtual Result<Session> find_session(std::string_view session_id) = 0;
  virtual Result<void> touch_session(std::string_view session_id, UnixSeconds now) = 0;
  // Ends one live session of this user; not_found when it is not theirs or
  // already ended.
  virtual Result<void> revoke_session(std::string_view session_id, std::string_view user_id,
                                      UnixSeconds now) = 0;
  // Sessions neither revoked nor expired at `now`, newest first.
  virtual Result<std::vector<Session>> list_live_sessions(std::string_view user_id,
                                                          UnixSeconds now) = 0;
  // Sessions revoked at or after `since`: to rebuild the in-memory revocation set.
  virtual Result<std::vector<RevokedSession>> list_revoked_since(UnixSeconds since) = 0;

  virtual Result<std::vector<StoredKey>> list_keys() = 0;
  // conflict when the kid exists.
  virtual Result<void> add_key(const StoredKey& key) = 0;
};

}  // namespace latchkey::store
