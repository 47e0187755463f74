#include "auth/admin.hpp"

#include <boost/asio/ip/address.hpp>

#include "auth/refresh_chain.hpp"
#include "auth/username.hpp"
#include "util/log.hpp"

namespace latchkey::auth {

namespace {

template <class T>
tl::unexpected<AuthError> failure(const store::Result<T>& r, AuthError not_found = AuthError::user_not_found) {
  if (r.error() == store::StoreError::not_found) return tl::unexpected(not_found);
  return tl::unexpected(from_store(r.error()));
}

std::int64_t count(std::size_t n) { return static_cast<std::int64_t>(n); }

}  // namespace

Admin::Admin(store::Store& store, AdminOptions options, AuditLog& audit, Clock clock, RevokedHook on_revoked)
    : store_(store),
      options_(std::move(options)),
      rules_{options_.password, options_.hashing, options_.max_username_chars},
      audit_(audit),
      clock_(std::move(clock)),
      on_revoked_(std::move(on_revoked)) {}

Expected<store::User> Admin::find(std::string_view username) {
  auto name = normalize_username(username, options_.max_username_chars);
  if (!name) return tl::unexpected(AuthError::user_not_found);
  auto user = store_.users().find_by_name(name->key);
  if (!user) return failure(user);
  return std::move(*user);
}

void Admin::record(std::string_view event, const store::User& user, const Actor& actor, std::string detail,
                   std::string_view session_id) {
  audit_.write_now({.event = event, .actor = actor.name, .user_id = user.id, .username = user.username,
                    .session_id = session_id, .ip = actor.ip, .user_agent = actor.user_agent,
                    .detail = std::move(detail)});
  log::info("admin.action", {{"event", event}, {"actor", actor.name}, {"user_id", std::string_view(user.id)}});
}

void Admin::revoked(const std::vector<std::string>& ids, UnixSeconds at) {
  if (!on_revoked_ || ids.empty()) return;
  store_.database().after_commit([this, ids, at](bool committed) {
    if (committed) on_revoked_(ids, at);
  });
}

Expected<store::UserSummary> Admin::add_user(std::string_view username, std::string_view password,
                                             const Actor& actor, std::string_view email, bool verified) {
  auto user = prepare_user(username, password);
  if (!user) return tl::unexpected(user.error());
  user->set_email(std::string(email), verified && !email.empty());
  return store_user(std::move(*user), actor);
}

Expected<NewAccount> Admin::prepare_user(std::string_view username, std::string_view password) const {
  return prepare_account(username, password, rules_);
}

Expected<store::UserSummary> Admin::store_user(NewAccount account, const Actor& actor) {
  auto user = create_account(store_.users(), account, clock_());
  if (!user) return tl::unexpected(user.error());
  record("admin.user_created", *user, actor);
  return store::UserSummary{std::move(*user), 0};
}

Expected<std::vector<store::UserSummary>> Admin::list_users(std::string_view after, std::size_t limit) {
  std::string after_key;
  if (!after.empty()) {
    auto name = normalize_username(after, options_.max_username_chars);
    after_key = name ? name->key : std::string(after);
  }
  const UnixSeconds now = clock_();
  auto rows = store_.admin().list_users({after_key, limit, now, now - options_.idle_ttl + 1});
  if (!rows) return tl::unexpected(from_store(rows.error()));
  return std::move(*rows);
}

Expected<store::UserSummary> Admin::show_user(std::string_view username) {
  auto user = find(username);
  if (!user) return tl::unexpected(user.error());
  const UnixSeconds now = clock_();
  auto live = store_.sessions().list_live(user->id, now, now - options_.idle_ttl + 1);
  if (!live) return tl::unexpected(from_store(live.error()));
  return store::UserSummary{std::move(*user), count(live->size())};
}

Expected<std::size_t> Admin::disable_user(std::string_view username, const Actor& actor) {
  auto user = find(username);
  if (!user) return tl::unexpected(user.error());
  const UnixSeconds now = clock_();
  auto ended = store_.admin().disable_user(user->id, now);
  if (!ended) return failure(ended);
  revoked(*ended, now);
  record("admin.user_disabled", *user, actor, audit_detail({{"sessions_ended", count(ended->size())}}));
  return ended->size();
}

Expected<void> Admin::enable_user(std::string_view username, const Actor& actor) {
  auto user = find(username);
  if (!user) return tl::unexpected(user.error());
  if (auto r = store_.admin().enable_user(user->id); !r) return failure(r);
  record("admin.user_enabled", *user, actor);
  return {};
}

Expected<std::size_t> Admin::delete_user(std::string_view username, const Actor& actor) {
  auto user = find(username);
  if (!user) return tl::unexpected(user.error());
  const UnixSeconds now = clock_();
  auto ended = store_.admin().delete_user(user->id, now, now - options_.access_ttl - options_.leeway);
  if (!ended) return failure(ended);
  revoked(*ended, now);
  record("admin.user_deleted", *user, actor, audit_detail({{"sessions_ended", count(ended->size())}}));
  return ended->size();
}

Expected<std::size_t> Admin::set_password(std::string_view username, std::string_view password,
                                          const Actor& actor) {
  auto change = prepare_password(username, password);
  if (!change) return tl::unexpected(change.error());
  return store_password(std::move(*change), actor);
}

Expected<store::FactorSummary> Admin::factors(std::string_view username) {
  auto user = find(username);
  if (!user) return tl::unexpected(user.error());
  auto s = store_.factors().summary(user->id);
  if (!s) return tl::unexpected(from_store(s.error()));
  return *s;
}

Expected<std::int64_t> Admin::reset_factors(std::string_view username, const Actor& actor) {
  auto user = find(username);
  if (!user) return tl::unexpected(user.error());
  auto removed = store_.factors().remove_all(user->id);
  if (!removed) return tl::unexpected(from_store(removed.error()));
  record("mfa_reset", *user, actor, audit_detail({{"factors_removed", *removed}}));
  return *removed;
}

Expected<Admin::NewPassword> Admin::prepare_password(std::string_view username, std::string_view password) {
  if (password.empty()) return tl::unexpected(AuthError::credentials_required);
  auto user = find(username);
  if (!user) return tl::unexpected(user.error());
  const Username name{user->username, user->username_key};
  if (auto ok = check_new_password(password, name, options_.password); !ok) return tl::unexpected(ok.error());
  auto hash = crypto::hash_password(password, options_.hashing);
  if (!hash) return tl::unexpected(AuthError::unavailable);
  return NewPassword{std::move(*user), std::move(*hash)};
}

Expected<std::size_t> Admin::store_password(NewPassword change, const Actor& actor) {
  const store::User& user = change.user;
  // Sessions end first, as in Accounts::complete_password_change: a failure
  // between the writes never leaves the new password beside an old session.
  const UnixSeconds now = clock_();
  auto ended = store_.sessions().revoke_all_of(user.id, std::nullopt, now, store::EndReason::password_reset);
  if (!ended) return tl::unexpected(from_store(ended.error()));
  revoked(*ended, now);
  if (auto r = store_.users().change_password(user.id, change.hash, now); !r) return failure(r);
  record("admin.password_set", user, actor, audit_detail({{"sessions_ended", count(ended->size())}}));
  return ended->size();
}

Expected<std::vector<SessionInfo>> Admin::sessions(std::string_view username) {
  auto user = find(username);
  if (!user) return tl::unexpected(user.error());
  const UnixSeconds now = clock_();
  auto rows = store_.sessions().list_live(user->id, now, now - options_.idle_ttl + 1);
  if (!rows) return tl::unexpected(from_store(rows.error()));
  std::vector<SessionInfo> out;
  out.reserve(rows->size());
  for (auto& s : *rows) out.push_back(describe_session(std::move(s), options_.idle_ttl, {}));
  return out;
}

Expected<void> Admin::revoke_session(std::string_view username, std::string_view session_id, const Actor& actor) {
  auto user = find(username);
  if (!user) return tl::unexpected(user.error());
  const UnixSeconds now = clock_();
  if (auto r = store_.sessions().revoke(session_id, user->id, now, store::EndReason::admin); !r)
    return failure(r, AuthError::session_not_found);
  revoked({std::string(session_id)}, now);
  record("admin.session_revoked", *user, actor, {}, session_id);
  return {};
}

Expected<std::size_t> Admin::revoke_sessions(std::string_view username, const Actor& actor) {
  auto user = find(username);
  if (!user) return tl::unexpected(user.error());
  const UnixSeconds now = clock_();
  auto ended = store_.sessions().revoke_all_of(user->id, std::nullopt, now, store::EndReason::admin);
  if (!ended) return tl::unexpected(from_store(ended.error()));
  revoked(*ended, now);
  record("admin.sessions_revoked", *user, actor, audit_detail({{"sessions_ended", count(ended->size())}}));
  return ended->size();
}

Expected<std::vector<store::AuditEvent>> Admin::audit(std::optional<std::string_view> username, std::size_t limit,
                                                      std::optional<std::pair<UnixSeconds, std::int64_t>> before) {
  store::AuditQuery q;
  q.limit = limit;
  q.before = before;
  if (username) {
    // The name as the trail keys it, whether or not the account (still) exists.
    auto name = normalize_username(*username, 256);
    q.username_key = name ? name->key : std::string(*username);
  }
  auto rows = store_.audit().list(q);
  if (!rows) return tl::unexpected(from_store(rows.error()));
  return std::move(*rows);
}

namespace {

// The stored form of a lock filter: the username's key, and the address as
// the limits count it (abuse::address_key).
struct LockSubject {
  std::string account;
  std::string ip;
};

Expected<LockSubject> lock_subject(std::string_view username, std::string_view ip, std::size_t max_chars) {
  LockSubject s;
  if (!username.empty()) {
    auto name = normalize_username(username, max_chars);
    if (!name) return tl::unexpected(AuthError::username_invalid);
    s.account = std::move(name->key);
  }
  if (!ip.empty()) {
    // An IPv6 address stands for its /64, as the limits count it; the
    // listing's "2001:db8::/64" is taken back as it is shown.
    if (ip.ends_with("/64") && ip.find(':') != std::string_view::npos) ip.remove_suffix(3);
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(std::string(ip), ec);
    if (ec) return tl::unexpected(AuthError::ip_invalid);
    s.ip = abuse::address_key(address.to_string());
  }
  return s;
}

}  // namespace

Expected<std::vector<store::LimitRow>> Admin::locks(std::string_view username, std::string_view ip) {
  auto subject = lock_subject(username, ip, options_.max_username_chars);
  if (!subject) return tl::unexpected(subject.error());
  const store::LimitFilter f{subject->account, subject->ip, {}};
  auto rows = limits_ ? limits_->locks(f, clock_()) : store_.limits().locked(f, clock_());
  if (!rows) return store_failure(rows);
  return std::move(*rows);
}

Expected<std::size_t> Admin::clear_locks(std::string_view username, std::string_view ip, const Actor& actor) {
  auto subject = lock_subject(username, ip, options_.max_username_chars);
  if (!subject) return tl::unexpected(subject.error());
  if (subject->account.empty() && subject->ip.empty()) return 0;
  const store::LimitFilter f{subject->account, subject->ip, {}};
  auto cleared = limits_ ? limits_->clear(f) : store_.limits().clear(f);
  if (!cleared) return store_failure(cleared);
  audit_.write_now({.event = "unlocked", .actor = actor.name, .username = username, .ip = actor.ip,
                    .user_agent = actor.user_agent,
                    .detail = audit_detail({{"ip", std::string_view(subject->ip)},
                                            {"counters", static_cast<std::int64_t>(*cleared)}})});
  log::info("admin.action", {{"event", "unlocked"}, {"actor", actor.name}});
  return *cleared;
}

Expected<std::vector<store::OutboxMail>> Admin::mail(std::size_t limit) {
  auto rows = store_.mail().list(limit);
  if (!rows) return store_failure(rows);
  return std::move(*rows);
}

Expected<bool> Admin::retry_mail(std::int64_t id, const Actor& actor) {
  auto r = store_.mail().retry(id, clock_());
  if (!r) {
    if (r.error() == store::StoreError::not_found) return false;
    return store_failure(r);
  }
  audit_.write_now({.event = "admin.mail_retried", .actor = actor.name, .ip = actor.ip, .user_agent = actor.user_agent,
                    .detail = audit_detail({{"mail", id}})});
  log::info("admin.action", {{"event", "admin.mail_retried"}, {"actor", actor.name}, {"mail", id}});
  return true;
}

Expected<std::vector<store::StoredKey>> Admin::keys() {
  auto rows = store_.keys().list();
  if (!rows) return store_failure(rows);
  return std::move(*rows);
}

Expected<store::StoredKey> Admin::rotate_key(token::Alg alg, UnixSeconds publish_delay, const Actor& actor) {
  auto key = rotate_signing_key(store_, alg, clock_(), publish_delay);
  if (!key) {
    log::warn("admin.key_rotation_failed", {{"reason", std::string_view(key.error())}});
    return tl::unexpected(AuthError::unavailable);
  }
  key_rotated(*key, actor);
  return std::move(*key);
}

void Admin::key_rotated(const store::StoredKey& key, const Actor& actor) {
  audit_.write_now({.event = "admin.key_rotated", .actor = actor.name, .ip = actor.ip, .user_agent = actor.user_agent,
                    .detail = audit_detail({{"kid", std::string_view(key.kid)},
                                            {"alg", std::string_view(key.alg)},
                                            {"signs_from", key.not_before}})});
}

}  // namespace latchkey::auth
