#include "auth/service.hpp"

#include <algorithm>
#include <stdexcept>

#include <chrono>

#include "auth/common_passwords.hpp"
#include "auth/password_policy.hpp"
#include "auth/device.hpp"
#include "auth/username.hpp"
#include "crypto/digest.hpp"
#include "crypto/random.hpp"
#include "util/log.hpp"
#include "util/utf8.hpp"

namespace latchkey::auth {

namespace {

// A rotation that loses its compare-and-set re-reads the session and
// decides again; a second loss in a row only happens under absurd contention.
constexpr int kRotationAttempts = 3;

AuthError from_store(store::StoreError e) {
  return e == store::StoreError::unavailable ? AuthError::unavailable : AuthError::internal;
}

template <class T>
tl::unexpected<AuthError> store_failure(const store::Result<T>& r) {
  return tl::unexpected(from_store(r.error()));
}

std::int64_t now_micros() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

AuthError from_verify(token::VerifyError e) {
  switch (e) {
    case token::VerifyError::expired: return AuthError::token_expired;
    case token::VerifyError::wrong_type: return AuthError::token_wrong_type;
    default: return AuthError::token_invalid;
  }
}

}  // namespace

// Access tokens kept for grace-window replays; at ~600 bytes each, 16 MB at most.
constexpr std::size_t kReplayCacheEntries = 1 << 14;

Service::Service(store::Store& store, token::KeySet keys, std::string refresh_secret, Options options,
                 Clock clock)
    : store_(store),
      keys_(std::make_shared<const token::KeySet>(std::move(keys))),
      chain_(std::move(refresh_secret)),
      options_(std::move(options)),
      clock_(std::move(clock)),
      verified_(options_.token_cache_size, options_.leeway),
      replays_(kReplayCacheEntries, options_.reuse_grace),
      throttle_(options_.throttle) {
  if (keys_.load()->empty()) throw std::invalid_argument("the auth service needs a signing key");
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
  auto rows = store_.sessions().list_revoked_since(now - options_.access_ttl - options_.leeway);
  if (!rows) return store_failure(rows);
  for (const auto& r : *rows) note_revoked(r);
  return rows->size();
}

void Service::note_revoked(const store::RevokedSession& r) {
  revoked_.add(r.id, r.revoked_at + options_.access_ttl + options_.leeway);
}

// ASVS 6.2: a length floor, a generous ceiling, no composition rules, not a
// common password, not the username.
Expected<void> Service::check_new_password(std::string_view password, const Username& name) const {
  return auth::check_new_password(password, name, {options_.min_password_chars, options_.max_password_bytes});
}

void Service::audit(AuditRecord r, const Client& client) const {
  if (!audit_) return;
  r.ip = client.ip;
  r.user_agent = client.user_agent;
  audit_->record(r);
}

Expected<void> Service::signup(std::string_view username, std::string_view password, const Client& client) {
  auto account = prepare_signup(username, password);
  if (!account) return tl::unexpected(account.error());
  return complete_signup(std::move(*account), client);
}

Expected<NewAccount> Service::prepare_signup(std::string_view username, std::string_view password) const {
  if (username.empty() || password.empty()) return tl::unexpected(AuthError::credentials_required);
  auto name = normalize_username(username, options_.max_username_chars);
  if (!name) return tl::unexpected(AuthError::username_invalid);
  if (auto ok = check_new_password(password, *name); !ok) return tl::unexpected(ok.error());

  auto hash = crypto::hash_password(password, options_.password);
  if (!hash) return tl::unexpected(AuthError::unavailable);
  NewAccount account;
  account.name_ = std::move(*name);
  account.password_hash_ = std::move(*hash);
  return account;
}

Expected<void> Service::complete_signup(NewAccount account, const Client& client) {
  // Only prepare_signup makes a non-empty one: an empty one is a bug upstream.
  if (account.empty()) return tl::unexpected(AuthError::internal);
  store::User user{crypto::random_uuid(), std::move(account.name_.display), std::move(account.password_hash_),
                   clock_(), std::move(account.name_.key)};
  if (auto r = store_.users().create(user); !r) {
    if (r.error() == store::StoreError::conflict) return tl::unexpected(AuthError::username_taken);
    return store_failure(r);
  }
  log::info("auth.signup", {{"user_id", std::string_view(user.id)}});
  audit({.event = "signup", .user_id = user.id, .username = user.username}, client);
  return {};
}

Expected<TokenPair> Service::login(std::string_view username, std::string_view password,
                                   const Client& client) {
  auto verified = verify_login(username, password, client);
  if (!verified) return tl::unexpected(verified.error());
  return complete_login(std::move(*verified), client);
}

Expected<VerifiedLogin> Service::verify_login(std::string_view username, std::string_view password,
                                              const Client& client) {
  if (username.empty() || password.empty()) return tl::unexpected(AuthError::credentials_required);
  // Over-long input cannot match a stored password: refuse it like a wrong
  // one, after the same work, without hashing megabytes.
  const bool oversized = password.size() > options_.max_password_bytes ||
                         username.size() > 4 * options_.max_username_chars;
  auto name = oversized ? std::nullopt : normalize_username(username, options_.max_username_chars);
  // Throttled per account name, whether or not the account exists.
  const std::string account = name ? name->key : std::string(username.substr(0, 256));
  const UnixSeconds started = clock_();
  auto refuse = [&](std::string_view reason, const std::string* user_id) -> Expected<VerifiedLogin> {
    if (reason == "locked") ++counters_.login_locked;
    else ++counters_.login_bad_credentials;
    if (user_id) log::info("auth.login_failed", {{"reason", reason}, {"user_id", std::string_view(*user_id)}});
    else log::info("auth.login_failed", {{"reason", reason}});
    // The attempted name, bounded, when the account is unknown; never the password.
    audit({.event = "login_failed",
           .user_id = user_id ? std::string_view(*user_id) : std::string_view{},
           .username = user_id ? std::string_view{} : (name ? std::string_view(name->display) : username),
           .detail = audit_detail({{"reason", reason}})},
          client);
    return tl::unexpected(AuthError::invalid_credentials);
  };
  if (throttle_.locked(account, client.ip, started)) {
    // Locked looks exactly like a wrong password, in body and in time.
    crypto::verify_password(dummy_hash_, password.substr(0, options_.max_password_bytes));
    return refuse("locked", nullptr);
  }
  store::Result<store::User> user = tl::unexpected(store::StoreError::not_found);
  if (name) user = store_.users().find_by_name(name->key);
  if (!user) {
    if (user.error() != store::StoreError::not_found) return store_failure(user);
    crypto::verify_password(dummy_hash_, password.substr(0, options_.max_password_bytes));
    throttle_.failure(account, client.ip, clock_());
    return refuse("bad_credentials", nullptr);
  }
  if (!crypto::verify_password(user->password_hash, password)) {
    throttle_.failure(account, client.ip, clock_());
    return refuse("bad_credentials", &user->id);
  }
  if (user->disabled_at) {
    // Said only to someone who knows the password (as Keycloak does): a
    // wrong password gets invalid_credentials, whatever the account's state.
    log::info("auth.login_refused", {{"reason", "account_disabled"}, {"user_id", std::string_view(user->id)}});
    audit({.event = "login_failed", .user_id = user->id, .username = user->username,
           .detail = audit_detail({{"reason", "account_disabled"}})},
          client);
    return tl::unexpected(AuthError::account_disabled);
  }
  throttle_.success(account, client.ip);
  ++counters_.login_succeeded;
  VerifiedLogin verified;
  if (crypto::needs_rehash(user->password_hash, options_.password)) {
    // Parameters were raised since this hash was made: upgrade it now that
    // the password is at hand (stored by the store phase). Failure only
    // postpones the upgrade.
    if (auto h = crypto::hash_password(password, options_.password)) verified.upgraded_hash_ = std::move(*h);
  }
  verified.user_ = std::move(*user);
  return verified;
}

Expected<TokenPair> Service::complete_login(VerifiedLogin login, const Client& client) {
  // Only verify_login makes a non-empty one: an empty one is a bug upstream.
  if (login.empty()) return tl::unexpected(AuthError::internal);
  const store::User& user = login.user_;
  if (login.upgraded_hash_) {
    // Failure only postpones the upgrade to the next login.
    (void)store_.users().set_password_hash(user.id, *login.upgraded_hash_);
  }

  const UnixSeconds now = clock_();
  store::Session s;
  s.id = crypto::random_token(16);
  s.user_id = user.id;
  s.created_at = now;
  s.last_used_at = now;
  s.expires_at = now + options_.refresh_ttl;
  s.created_seq = now_micros();
  // Headers are not checked as UTF-8; the session list is JSON.
  s.user_agent = sanitize_utf8(client.user_agent, 512);
  s.ip = sanitize_utf8(client.ip, 64);
  std::string refresh = chain_.first(s.id);
  s.refresh_hash = refresh_token_digest(refresh);
  if (auto r = store_.sessions().create(s); !r) {
    // not_found: the account was disabled or deleted since it was read.
    if (r.error() == store::StoreError::not_found) return tl::unexpected(AuthError::account_disabled);
    return store_failure(r);
  }
  if (options_.max_sessions_per_user > 0) enforce_session_cap(user, now);

  log::info("auth.login", {{"user_id", std::string_view(user.id)}, {"session_id", std::string_view(s.id)}});
  audit({.event = "login", .user_id = user.id, .username = user.username, .session_id = s.id}, client);
  return pair_for(user, std::move(refresh), now);
}

void Service::enforce_session_cap(const store::User& user, UnixSeconds now) {
  auto live = store_.sessions().list_live(user.id, now, now - options_.idle_ttl + 1);
  if (!live || live->size() <= options_.max_sessions_per_user) return;
  std::sort(live->begin(), live->end(), [](const store::Session& a, const store::Session& b) {
    return a.last_used_at != b.last_used_at ? a.last_used_at < b.last_used_at
                                            : a.created_at < b.created_at;
  });
  const std::size_t excess = live->size() - options_.max_sessions_per_user;
  for (std::size_t i = 0; i < excess; ++i) {
    const auto& victim = (*live)[i];
    if (store_.sessions().revoke(victim.id, user.id, now, store::EndReason::session_limit)) {
      mark_revoked(victim.id, now);
      log::info("auth.session_limit", {{"user_id", std::string_view(user.id)},
                                       {"session_id", std::string_view(victim.id)}});
      audit({.event = "session_limit", .actor = "system", .user_id = user.id, .username = user.username,
             .session_id = victim.id},
            {});
    }
  }
}

Expected<TokenPair> Service::refresh(std::string_view refresh_token, const Client& client) {
  auto request = prepare_refresh(refresh_token);
  if (!request) return tl::unexpected(request.error());
  auto grant = apply_refresh(*request, client);
  if (!grant) return tl::unexpected(grant.error());
  return issue_refresh(std::move(*grant));
}

Expected<RefreshRequest> Service::prepare_refresh(std::string_view refresh_token) const {
  if (refresh_token.empty()) return tl::unexpected(AuthError::token_missing);
  auto parts = parse_refresh_token(refresh_token);
  if (!parts) {
    return tl::unexpected(token::looks_like_jwt(refresh_token) ? AuthError::token_wrong_type
                                                               : AuthError::token_invalid);
  }
  RefreshRequest r;
  r.token = std::string(refresh_token);
  r.session_id = std::string(parts->session_id);
  r.generation = parts->generation;
  r.digest = refresh_token_digest(refresh_token);
  if (options_.rotate_refresh_tokens) {
    r.next = chain_.next(refresh_token);
    r.next_digest = refresh_token_digest(r.next);
  }
  return r;
}

Expected<RefreshGrant> Service::apply_refresh(const RefreshRequest& r, const Client& client) {
  const RefreshPolicy policy{options_.reuse_grace, options_.idle_ttl};
  for (int attempt = 0; attempt < kRotationAttempts; ++attempt) {
    auto both = store_.sessions().find_with_user(r.session_id);
    if (!both) {
      if (both.error() == store::StoreError::not_found) return tl::unexpected(AuthError::token_invalid);
      return store_failure(both);
    }
    const store::Session& s = both->session;
    // The session's current token: its digest is known already. An older
    // one: walk the chain forward (RefreshChain::belongs).
    const bool current = r.generation == s.generation && r.session_id == s.id &&
                         crypto::constant_time_equal(r.digest, s.refresh_hash);
    if (!current && !chain_.belongs(r.token, s)) return tl::unexpected(AuthError::token_invalid);
    const UnixSeconds now = clock_();
    const RefreshVerdict verdict = classify_refresh(s, r.generation, now, policy);
    if (verdict == RefreshVerdict::ended) return tl::unexpected(AuthError::session_ended);
    if (verdict == RefreshVerdict::expired) return tl::unexpected(AuthError::token_expired);
    if (verdict == RefreshVerdict::reuse) return end_reused_session(s, now, client);

    std::optional<store::User>& user = both->user;
    if (!user || user->disabled_at) return tl::unexpected(AuthError::session_ended);
    if (verdict == RefreshVerdict::replay) {
      // A retry or a second tab: the pair the first use received, not a new chain.
      ++counters_.refresh_replayed;
      return RefreshGrant{std::move(*user), r.next, r.next_digest, *s.rotated_at};
    }
    if (!options_.rotate_refresh_tokens) {
      ++counters_.refresh_not_rotated;
      usage_.note(s.id, now);
      return RefreshGrant{std::move(*user), r.token, {}, now};
    }
    auto won = store_.sessions().rotate_refresh(store::Rotation{s.id, s.generation, r.digest, r.next_digest, now});
    if (!won) return store_failure(won);
    if (*won) {
      ++counters_.refresh_rotated;
      return RefreshGrant{std::move(*user), r.next, r.next_digest, now};
    }
    // Another request rotated first: look again (it is now a replay).
  }
  log::warn("auth.refresh_contention", {{"session_id", std::string_view(r.session_id)}});
  return tl::unexpected(AuthError::unavailable);
}

TokenPair Service::issue_refresh(RefreshGrant g) {
  TokenPair pair = pair_for(g.user, std::move(g.refresh_token), g.iat);
  // The first of the requests holding the same refresh token to get here
  // sets the access token all of them answer with.
  if (!g.replay_key.empty())
    pair.access_token = replays_.remember(g.replay_key, std::move(pair.access_token), clock_());
  return pair;
}

tl::unexpected<AuthError> Service::end_reused_session(const store::Session& s, UnixSeconds now,
                                                     const Client& client) {
  ++counters_.refresh_reuse_detected;
  log::warn("auth.refresh_reuse_detected",
            {{"user_id", std::string_view(s.user_id)}, {"session_id", std::string_view(s.id)}});
  auto r = store_.sessions().revoke(s.id, s.user_id, now, store::EndReason::reuse_detected);
  if (!r && r.error() != store::StoreError::not_found) return store_failure(r);
  mark_revoked(s.id, now);
  audit({.event = "refresh_reuse_detected", .user_id = s.user_id, .session_id = s.id}, client);
  return tl::unexpected(AuthError::token_reused);
}

Expected<store::Session> Service::session_of_token(const Principal& caller, std::string_view token) {
  std::string session_id;
  const auto refresh_parts = parse_refresh_token(token);
  if (!refresh_parts) {
    // Any authentic access token of the caller names its session, even an
    // expired one: the session behind it may still hold a live refresh token.
    token::VerifyPolicy p = policy_;
    p.ignore_expiry = true;
    auto claims = token::verify_access_token(token, *keys(), p, clock_());
    if (!claims || claims->sub != caller.user_id) return tl::unexpected(AuthError::session_not_found);
    session_id = std::move(claims->sid);
  } else {
    session_id = std::string(refresh_parts->session_id);
  }
  auto s = store_.sessions().find(session_id);
  if (!s) {
    if (s.error() == store::StoreError::not_found) return tl::unexpected(AuthError::session_not_found);
    return store_failure(s);
  }
  if (s->user_id != caller.user_id) return tl::unexpected(AuthError::session_not_found);
  if (refresh_parts && !chain_.belongs(token, *s))
    return tl::unexpected(AuthError::session_not_found);
  return std::move(*s);
}

Expected<std::string> Service::logout(const Principal& caller, const LogoutTarget& target,
                                      const Client& client) {
  std::string session_id(caller.session_id);
  if (target.token) {
    auto s = session_of_token(caller, *target.token);
    if (!s) return tl::unexpected(s.error());
    session_id = std::move(s->id);
  } else if (target.session_id) {
    session_id = std::string(*target.session_id);
  }
  const UnixSeconds now = clock_();
  if (auto r = store_.sessions().revoke(session_id, caller.user_id, now, store::EndReason::logout); !r) {
    if (r.error() == store::StoreError::not_found) return tl::unexpected(AuthError::session_not_found);
    return store_failure(r);
  }
  mark_revoked(session_id, now);
  log::info("auth.logout", {{"user_id", std::string_view(caller.user_id)},
                            {"session_id", std::string_view(session_id)}});
  audit({.event = "logout", .user_id = caller.user_id, .username = caller.username, .session_id = session_id,
         .detail = audit_detail({{"by_session", std::string_view(caller.session_id)}})},
        client);
  return session_id;
}

Expected<std::size_t> Service::logout_all(const Principal& caller, bool keep_current, const Client& client) {
  const UnixSeconds now = clock_();
  const auto reason = keep_current ? store::EndReason::logout_others : store::EndReason::logout_all;
  auto ended = store_.sessions().revoke_all_of(
      caller.user_id, keep_current ? std::optional<std::string_view>(caller.session_id) : std::nullopt,
      now, reason);
  if (!ended) return store_failure(ended);
  mark_revoked(*ended, now);
  log::info("auth.logout_all", {{"user_id", std::string_view(caller.user_id)},
                                {"reason", store::reason_name(reason)},
                                {"sessions_ended", static_cast<std::int64_t>(ended->size())}});
  audit({.event = store::reason_name(reason), .user_id = caller.user_id, .username = caller.username,
         .session_id = caller.session_id,
         .detail = audit_detail({{"sessions_ended", static_cast<std::int64_t>(ended->size())}})},
        client);
  return ended->size();
}

Expected<std::size_t> Service::change_password(const Principal& caller, std::string_view current,
                                               std::string_view replacement, const Client& client) {
  auto change = verify_password_change(caller, current, replacement, client);
  if (!change) return tl::unexpected(change.error());
  return complete_password_change(std::move(*change), client);
}

Expected<VerifiedPasswordChange> Service::verify_password_change(const Principal& caller,
                                                                 std::string_view current,
                                                                 std::string_view replacement,
                                                                 const Client& client) {
  if (current.empty() || replacement.empty()) return tl::unexpected(AuthError::passwords_required);
  auto user = store_.users().find_by_id(caller.user_id);
  if (!user) {
    if (user.error() == store::StoreError::not_found) return tl::unexpected(AuthError::session_ended);
    return store_failure(user);
  }
  if (current.size() > options_.max_password_bytes ||
      !crypto::verify_password(user->password_hash, current)) {
    log::info("auth.password_change_failed", {{"user_id", std::string_view(user->id)}});
    audit({.event = "password_change_failed", .user_id = user->id, .username = user->username,
           .session_id = caller.session_id},
          client);
    return tl::unexpected(AuthError::invalid_credentials);
  }
  const Username name{user->username, user->username_key};
  if (auto ok = check_new_password(replacement, name); !ok) return tl::unexpected(ok.error());
  auto hash = crypto::hash_password(replacement, options_.password);
  if (!hash) return tl::unexpected(AuthError::unavailable);
  VerifiedPasswordChange change;
  change.user_ = std::move(*user);
  change.session_id_ = std::string(caller.session_id);
  change.new_hash_ = std::move(*hash);
  return change;
}

Expected<std::size_t> Service::complete_password_change(VerifiedPasswordChange change, const Client& client) {
  // Only verify_password_change makes a non-empty one: an empty one is a bug upstream.
  if (change.empty()) return tl::unexpected(AuthError::internal);
  const store::User& user = change.user_;
  if (auto r = store_.users().set_password_hash(user.id, change.new_hash_); !r) return store_failure(r);
  const UnixSeconds now = clock_();
  auto ended = store_.sessions().revoke_all_of(user.id, change.session_id_, now,
                                           store::EndReason::password_change);
  if (!ended) return store_failure(ended);
  mark_revoked(*ended, now);
  log::info("auth.password_changed", {{"user_id", std::string_view(user.id)},
                                      {"sessions_ended", static_cast<std::int64_t>(ended->size())}});
  audit({.event = "password_change", .user_id = user.id, .username = user.username,
         .session_id = change.session_id_,
         .detail = audit_detail({{"sessions_ended", static_cast<std::int64_t>(ended->size())}})},
        client);
  return ended->size();
}

Expected<std::vector<SessionInfo>> Service::list_sessions(const Principal& caller) {
  const UnixSeconds now = clock_();
  auto rows = store_.sessions().list_live(caller.user_id, now, now - options_.idle_ttl + 1);
  if (!rows) return store_failure(rows);
  std::vector<SessionInfo> out;
  out.reserve(rows->size());
  for (auto& s : *rows) {
    SessionInfo info;
    info.expires_at = session_end(s, options_.idle_ttl);
    info.device = describe_device(s.user_agent);
    info.current = s.id == caller.session_id;
    info.session = std::move(s);
    out.push_back(std::move(info));
  }
  return out;
}

Expected<Introspection> Service::introspect(std::string_view token) {
  const UnixSeconds now = clock_();
  Introspection out;
  if (auto parts = parse_refresh_token(token)) {
    auto s = store_.sessions().find(parts->session_id);
    if (!s) return s.error() == store::StoreError::not_found ? Expected<Introspection>(out) : store_failure(s);
    const RefreshPolicy policy{options_.reuse_grace, options_.idle_ttl};
    if (!chain_.belongs(token, *s) ||
        classify_refresh(*s, parts->generation, now, policy) != RefreshVerdict::rotate)
      return out;
    auto user = store_.users().find_by_id(s->user_id);
    if (!user) return user.error() == store::StoreError::not_found ? Expected<Introspection>(out) : store_failure(user);
    out.active = true;
    out.token_type = "refresh_token";
    out.sub = s->user_id;
    out.username = user->username;
    out.sid = s->id;
    out.iat = s->rotated_at.value_or(s->created_at);
    out.exp = session_end(*s, options_.idle_ttl);
    return out;
  }
  auto claims = token::verify_access_token(token, *keys(), policy_, now);
  if (!claims || revoked_.contains(claims->sid)) return out;
  auto s = store_.sessions().find(claims->sid);
  if (!s) return s.error() == store::StoreError::not_found ? Expected<Introspection>(out) : store_failure(s);
  if (s->revoked_at || s->user_id != claims->sub) return out;
  out.active = true;
  out.token_type = "access_token";
  out.sub = std::move(claims->sub);
  out.username = std::move(claims->username);
  out.sid = std::move(claims->sid);
  out.jti = std::move(claims->jti);
  out.iat = claims->iat;
  out.exp = claims->exp;
  return out;
}

Expected<void> Service::revoke_token(std::string_view token, const Client& client) {
  std::string session_id;
  std::string user_id;
  if (auto parts = parse_refresh_token(token)) {
    auto s = store_.sessions().find(parts->session_id);
    if (!s) return s.error() == store::StoreError::not_found ? Expected<void>() : store_failure(s);
    if (!chain_.belongs(token, *s)) return {};
    session_id = s->id;
    user_id = s->user_id;
  } else {
    token::VerifyPolicy p = policy_;
    p.ignore_expiry = true;
    auto claims = token::verify_access_token(token, *keys(), p, clock_());
    if (!claims) return {};
    session_id = std::move(claims->sid);
    user_id = std::move(claims->sub);
  }
  const UnixSeconds now = clock_();
  auto r = store_.sessions().revoke(session_id, user_id, now, store::EndReason::revoked);
  if (!r) return r.error() == store::StoreError::not_found ? Expected<void>() : store_failure(r);
  mark_revoked(session_id, now);
  log::info("auth.token_revoked", {{"user_id", std::string_view(user_id)},
                                   {"session_id", std::string_view(session_id)}});
  audit({.event = "token_revoked", .user_id = user_id, .session_id = session_id}, client);
  return {};
}

Expected<std::size_t> Service::flush_usage() {
  const auto used = take_usage();
  if (auto r = write_usage(used); !r) return tl::unexpected(r.error());
  return used.size();
}

std::vector<store::Usage> Service::take_usage() { return usage_.take(clock_()); }

Expected<void> Service::write_usage(std::span<const store::Usage> used) {
  if (auto r = store_.sessions().touch(used); !r) return store_failure(r);
  return {};
}

Expected<Principal> Service::authenticate(std::string_view access_token) {
  if (access_token.empty()) return tl::unexpected(AuthError::token_missing);
  const UnixSeconds now = clock_();
  auto token = verified_.find(access_token, now);
  if (!token) {
    if (parse_refresh_token(access_token)) return tl::unexpected(AuthError::token_wrong_type);
    auto claims = token::verify_access_token(access_token, *keys(), policy_, now);
    if (!claims) return tl::unexpected(from_verify(claims.error()));
    token = std::make_shared<const token::VerifiedToken>(token::VerifiedToken{
        std::move(claims->sub), std::move(claims->username), std::move(claims->sid), claims->exp});
    verified_.insert(access_token, token);
  }
  // Revocation is checked on every request, cached token or not.
  if (revoked_.contains(token->sid)) return tl::unexpected(AuthError::session_ended);
  usage_.note(token->sid, now);
  return Principal{token->sub, token->username, token->sid, token};
}

std::string Service::issue_access_token(const store::User& user, std::string_view session_id,
                                        UnixSeconds iat, std::string jti) const {
  token::AccessClaims c;
  c.iss = options_.issuer;
  c.aud = options_.audience;
  c.sub = user.id;
  c.username = user.username;
  c.sid = std::string(session_id);
  c.jti = std::move(jti);
  c.iat = iat;
  c.exp = iat + options_.access_ttl;
  return token::sign_access_token(c, keys()->current());
}

TokenPair Service::pair_for(const store::User& user, std::string refresh_token, UnixSeconds iat) const {
  auto parts = parse_refresh_token(refresh_token);
  std::string sid(parts ? parts->session_id : std::string_view{});
  // With rotation the jti follows from the refresh token, so a replay within
  // the grace window signs the very same claims.
  std::string jti = options_.rotate_refresh_tokens ? chain_.jti_for(refresh_token)
                                                   : crypto::random_token(16);
  TokenPair p;
  p.access_token = issue_access_token(user, sid, iat, std::move(jti));
  p.refresh_token = std::move(refresh_token);
  p.session_id = std::move(sid);
  p.expires_in = iat + options_.access_ttl - clock_();
  return p;
}

void Service::set_keys(token::KeySet keys) {
  if (keys.empty()) return;
  auto next = std::make_shared<const token::KeySet>(std::move(keys));
  auto before = keys_.exchange(next);
  // A key that left the set takes its verified tokens with it.
  auto kids = [](const token::KeySet& k) {
    std::vector<std::string_view> out;
    for (const auto& key : k.keys()) out.push_back(key.kid);
    std::sort(out.begin(), out.end());
    return out;
  };
  if (kids(*before) != kids(*next)) verified_.clear();
  if (before->current().kid != next->current().kid) {
    log::info("keys.signer_changed", {{"kid", std::string_view(next->current().kid)},
                                      {"alg", token::alg_name(next->current().alg)}});
  }
}

void Service::mark_revoked(std::string_view session_id, UnixSeconds now) {
  store_.database().after_commit([this, id = std::string(session_id), now](bool committed) {
    if (!committed) return;
    revoked_.prune(now);
    revoked_.add(id, now + options_.access_ttl + options_.leeway);
  });
}

void Service::mark_revoked(const std::vector<std::string>& session_ids, UnixSeconds now) {
  for (const auto& id : session_ids) mark_revoked(id, now);
}

}  // namespace latchkey::auth
