#include "auth/service.hpp"

#include <stdexcept>

#include "crypto/base64url.hpp"
#include "crypto/digest.hpp"
#include "crypto/random.hpp"
#include "util/log.hpp"

namespace latchkey::auth {

namespace {

constexpr std::string_view kRefreshPrefix = "lkr_";
constexpr std::size_t kRefreshBytes = 32;
constexpr std::size_t kMaxRefreshTokenLength = 128;

AuthError from_store(store::StoreError e) {
  return e == store::StoreError::unavailable ? AuthError::unavailable : AuthError::internal;
}

// Counts UTF-8 code points; false on control characters (the JSON decoder
// has already refused invalid UTF-8).
bool username_ok(std::string_view name, std::size_t max_chars) {
  std::size_t chars = 0;
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return false;
    if ((c & 0xc0) != 0x80) ++chars;
  }
  return chars >= 1 && chars <= max_chars;
}

AuthError from_verify(token::VerifyError e) {
  switch (e) {
    case token::VerifyError::expired: return AuthError::token_expired;
    case token::VerifyError::wrong_type: return AuthError::token_wrong_type;
    default: return AuthError::token_invalid;
  }
}

}  // namespace

std::string refresh_token_digest(std::string_view refresh_token) {
  return crypto::base64url_encode(crypto::sha256(refresh_token));
}

Service::Service(store::Store& store, token::KeySet keys, Options options, Clock clock)
    : store_(store), keys_(std::move(keys)), options_(std::move(options)), clock_(std::move(clock)) {
  if (keys_.empty()) throw std::invalid_argument("the auth service needs a signing key");
  policy_.issuer = options_.issuer;
  policy_.audience = options_.audience;
  policy_.leeway = options_.leeway;
  // Logins for unknown users verify against this, so they cost the same time.
  auto dummy = crypto::hash_password(crypto::random_token(24), options_.password);
  if (!dummy) throw std::runtime_error("cannot compute the reference password hash");
  dummy_hash_ = std::move(*dummy);
}

Expected<std::size_t> Service::load_revocations() {
  const UnixSeconds now = clock_();
  auto rows = store_.list_revoked_since(now - options_.access_ttl - options_.leeway);
  if (!rows) return tl::unexpected(from_store(rows.error()));
  for (const auto& r : *rows) {
    revoked_.add(r.id, r.revoked_at + options_.access_ttl + options_.leeway);
  }
  return rows->size();
}

Expected<void> Service::signup(std::string_view username, std::string_view password) {
  if (username.empty() || password.empty()) return tl::unexpected(AuthError::credentials_required);
  if (!username_ok(username, options_.max_username_chars))
    return tl::unexpected(AuthError::username_invalid);
  if (password.size() < options_.min_password_bytes)
    return tl::unexpected(AuthError::password_too_short);
  if (password.size() > options_.max_password_bytes)
    return tl::unexpected(AuthError::password_too_long);

  auto hash = crypto::hash_password(password, options_.password);
  if (!hash) return tl::unexpected(AuthError::unavailable);
  store::User user{crypto::random_uuid(), std::string(username), std::move(*hash), clock_()};
  if (auto r = store_.create_user(user); !r) {
    if (r.error() == store::StoreError::conflict) return tl::unexpected(AuthError::username_taken);
    return tl::unexpected(from_store(r.error()));
  }
  log::info("auth.signup", {{"user_id", std::string_view(user.id)}});
  return {};
}

Expected<TokenPair> Service::login(std::string_view username, std::string_view password,
                                   const Client& client) {
  if (username.empty() || password.empty()) return tl::unexpected(AuthError::credentials_required);
  // Over-long input cannot match a stored password: refuse it like a wrong one,
  // after the same work, without hashing megabytes.
  const bool oversized = password.size() > options_.max_password_bytes ||
                         username.size() > 4 * options_.max_username_chars;

  store::Result<store::User> user = tl::unexpected(store::StoreError::not_found);
  if (!oversized) user = store_.find_user_by_name(username);
  if (!user) {
    if (user.error() != store::StoreError::not_found) return tl::unexpected(from_store(user.error()));
    crypto::verify_password(dummy_hash_, password.substr(0, options_.max_password_bytes));
    log::info("auth.login_failed", {{"reason", "bad_credentials"}});
    return tl::unexpected(AuthError::invalid_credentials);
  }
  if (!crypto::verify_password(user->password_hash, password)) {
    log::info("auth.login_failed", {{"reason", "bad_credentials"}, {"user_id", std::string_view(user->id)}});
    return tl::unexpected(AuthError::invalid_credentials);
  }
  if (crypto::needs_rehash(user->password_hash, options_.password)) {
    // Parameters were raised since this hash was made: upgrade it now that
    // the password is at hand. Failure only postpones the upgrade.
    if (auto h = crypto::hash_password(password, options_.password)) {
      (void)store_.set_password_hash(user->id, *h);
    }
  }

  const UnixSeconds now = clock_();
  store::Session s;
  s.id = crypto::random_token(16);
  s.user_id = user->id;
  s.created_at = now;
  s.last_used_at = now;
  s.expires_at = now + options_.refresh_ttl;
  s.user_agent = std::string(client.user_agent.substr(0, 512));
  s.ip = std::string(client.ip);
  std::string refresh = std::string(kRefreshPrefix) + crypto::random_token(kRefreshBytes);
  if (auto r = store_.create_session(s, refresh_token_digest(refresh)); !r)
    return tl::unexpected(from_store(r.error()));

  log::info("auth.login", {{"user_id", std::string_view(user->id)}, {"session_id", std::string_view(s.id)}});
  return TokenPair{issue_access_token(*user, s.id, now), std::move(refresh), s.id,
                   options_.access_ttl};
}

Expected<std::string> Service::refresh(std::string_view refresh_token, const Client&) {
  if (refresh_token.empty()) return tl::unexpected(AuthError::token_missing);
  if (token::looks_like_jwt(refresh_token)) return tl::unexpected(AuthError::token_wrong_type);
  if (refresh_token.size() > kMaxRefreshTokenLength || !refresh_token.starts_with(kRefreshPrefix))
    return tl::unexpected(AuthError::token_invalid);

  const std::string digest = refresh_token_digest(refresh_token);
  auto session = store_.find_session_by_refresh_hash(digest);
  if (!session) {
    if (session.error() == store::StoreError::not_found) return tl::unexpected(AuthError::token_invalid);
    return tl::unexpected(from_store(session.error()));
  }
  const UnixSeconds now = clock_();
  if (session->revoked_at) return tl::unexpected(AuthError::session_ended);
  if (session->expires_at <= now) return tl::unexpected(AuthError::token_expired);

  auto user = store_.find_user_by_id(session->user_id);
  if (!user) {
    if (user.error() == store::StoreError::not_found) return tl::unexpected(AuthError::session_ended);
    return tl::unexpected(from_store(user.error()));
  }
  if (auto r = store_.touch_session(session->id, now); !r) return tl::unexpected(from_store(r.error()));
  return issue_access_token(*user, session->id, now);
}

Expected<std::string> Service::session_of_token(const Principal& caller, std::string_view token) {
  if (token::looks_like_jwt(token)) {
    // Any authentic access token of the caller names its session, even an
    // expired one: the session behind it may still hold a live refresh token.
    token::VerifyPolicy p = policy_;
    p.ignore_expiry = true;
    auto claims = token::verify_access_token(token, keys_, p, clock_());
    if (!claims || claims->sub != caller.user_id) return tl::unexpected(AuthError::session_not_found);
    return claims->sid;
  }
  if (token.size() > kMaxRefreshTokenLength || !token.starts_with(kRefreshPrefix))
    return tl::unexpected(AuthError::session_not_found);
  auto s = store_.find_session_by_refresh_hash(refresh_token_digest(token));
  if (!s) {
    if (s.error() == store::StoreError::not_found) return tl::unexpected(AuthError::session_not_found);
    return tl::unexpected(from_store(s.error()));
  }
  if (s->user_id != caller.user_id) return tl::unexpected(AuthError::session_not_found);
  return s->id;
}

Expected<std::string> Service::logout(const Principal& caller, const LogoutTarget& target) {
  std::string session_id = caller.session_id;
  if (target.token) {
    auto sid = session_of_token(caller, *target.token);
    if (!sid) return tl::unexpected(sid.error());
    session_id = std::move(*sid);
  } else if (target.session_id) {
    session_id = std::string(*target.session_id);
  }
  const UnixSeconds now = clock_();
  if (auto r = store_.revoke_session(session_id, caller.user_id, now); !r) {
    if (r.error() == store::StoreError::not_found) return tl::unexpected(AuthError::session_not_found);
    return tl::unexpected(from_store(r.error()));
  }
  mark_revoked(session_id, now);
  log::info("auth.logout", {{"user_id", std::string_view(caller.user_id)},
                            {"session_id", std::string_view(session_id)}});
  return session_id;
}

Expected<std::vector<SessionInfo>> Service::list_sessions(const Principal& caller) {
  auto rows = store_.list_live_sessions(caller.user_id, clock_());
  if (!rows) return tl::unexpected(from_store(rows.error()));
  std::vector<SessionInfo> out;
  out.reserve(rows->size());
  for (auto& s : *rows) {
    const bool current = s.id == caller.session_id;
    out.push_back(SessionInfo{std::move(s), current});
  }
  return out;
}

Expected<Principal> Service::authenticate(std::string_view access_token) const {
  if (access_token.empty()) return tl::unexpected(AuthError::token_missing);
  auto claims = token::verify_access_token(access_token, keys_, policy_, clock_());
  if (!claims) return tl::unexpected(from_verify(claims.error()));
  if (revoked_.contains(claims->sid)) return tl::unexpected(AuthError::session_ended);
  return Principal{std::move(claims->sub), std::move(claims->username), std::move(claims->sid)};
}

std::string Service::issue_access_token(const store::User& user, std::string_view session_id,
                                        UnixSeconds now) const {
  token::AccessClaims c;
  c.iss = options_.issuer;
  c.aud = options_.audience;
  c.sub = user.id;
  c.username = user.username;
  c.sid = std::string(session_id);
  c.jti = crypto::random_token(16);
  c.iat = now;
  c.exp = now + options_.access_ttl;
  return token::sign_access_token(c, keys_.current());
}

void Service::mark_revoked(std::string_view session_id, UnixSeconds now) {
  revoked_.prune(now);
  revoked_.add(session_id, now + options_.access_ttl + options_.leeway);
}

}  // namespace latchkey::auth
