#include "auth/accounts.hpp"

#include "util/log.hpp"

namespace latchkey::auth {

Accounts::Accounts(const Context& ctx)
    : ctx_(ctx),
      rules_{ctx.options.password_policy(), ctx.options.password, ctx.options.max_username_chars} {}

Expected<void> Accounts::signup(std::string_view username, std::string_view password, const Client& client) {
  auto account = prepare_signup(username, password, client);
  if (!account) return tl::unexpected(account.error());
  auto user = complete_signup(std::move(*account), client);
  if (!user) return tl::unexpected(user.error());
  return {};
}

Expected<NewAccount> Accounts::prepare_signup(std::string_view username, std::string_view password,
                                              const Client& client, UnixSeconds* retry_after) const {
  using abuse::Limit;
  const abuse::Key bumps[] = {abuse::per_ip(Limit::flood, client.ip), abuse::per_ip(Limit::signup, client.ip)};
  if (const auto gate = ctx_.limits.admit(bumps, {}, ctx_.clock()); !gate.verdict) {
    ctx_.limits.count_refusal(gate.verdict.limit);
    log::info("auth.signup_rate_limited", {{"limit", abuse::name_of(gate.verdict.limit)}});
    if (retry_after) *retry_after = gate.verdict.retry_after;
    return tl::unexpected(AuthError::rate_limited);
  }
  return prepare_account(username, password, rules_);
}

Expected<store::User> Accounts::complete_signup(NewAccount account, const Client& client) {
  auto user = create_account(ctx_.store.users(), account, ctx_.clock());
  if (!user) return tl::unexpected(user.error());
  log::info("auth.signup", {{"user_id", std::string_view(user->id)}});
  ctx_.record({.event = "signup", .user_id = user->id, .username = user->username}, client);
  return user;
}

Expected<std::size_t> Accounts::change_password(const Principal& caller, std::string_view current,
                                                std::string_view replacement, const Client& client) {
  auto change = verify_password_change(caller, current, replacement, client);
  if (!change) return tl::unexpected(change.error());
  return complete_password_change(std::move(*change), client);
}

Expected<store::User> Accounts::verify_current_password(const Principal& caller, std::string_view password,
                                                       const Client& client, std::string_view failed_event) {
  auto user = ctx_.store.users().find_by_id(caller.user_id);
  if (!user) {
    if (user.error() == store::StoreError::not_found) return tl::unexpected(AuthError::session_ended);
    return store_failure(user);
  }
  using abuse::Limit;
  const abuse::Key failures[] = {abuse::per_account_and_ip(Limit::login_pair, user->username_key, client.ip),
                                 abuse::per_account(Limit::login_account, user->username_key),
                                 abuse::per_ip(Limit::login_ip, client.ip)};
  const auto gate = ctx_.limits.admit({}, std::span(failures, 2), ctx_.clock());
  const bool locked = gate.locked[0] || gate.locked[1];
  if (locked || password.size() > rules_.password.max_bytes || !crypto::verify_password(user->password_hash, password)) {
    if (!locked) ctx_.limits.record(failures, ctx_.clock());
    log::info("auth.reauthentication_failed", {{"user_id", std::string_view(user->id)}, {"event", failed_event}});
    ctx_.record({.event = failed_event, .user_id = user->id, .username = user->username,
                 .session_id = caller.session_id},
                client);
    return tl::unexpected(AuthError::invalid_credentials);
  }
  return std::move(*user);
}

Expected<VerifiedPasswordChange> Accounts::verify_password_change(const Principal& caller,
                                                                  std::string_view current,
                                                                  std::string_view replacement,
                                                                  const Client& client) {
  if (current.empty() || replacement.empty()) return tl::unexpected(AuthError::passwords_required);
  auto user = verify_current_password(caller, current, client, "password_change_failed");
  if (!user) return tl::unexpected(user.error());
  const Username name{user->username, user->username_key};
  if (auto ok = check_new_password(replacement, name, rules_.password); !ok) return tl::unexpected(ok.error());
  auto hash = crypto::hash_password(replacement, rules_.hashing);
  if (!hash) return tl::unexpected(AuthError::unavailable);
  VerifiedPasswordChange change;
  change.user_ = std::move(*user);
  change.session_id_ = std::string(caller.session_id);
  change.new_hash_ = std::move(*hash);
  return change;
}

Expected<std::size_t> Accounts::complete_password_change(VerifiedPasswordChange change, const Client& client) {
  // Only verify_password_change makes a non-empty one: an empty one is a bug upstream.
  if (change.empty()) return tl::unexpected(AuthError::internal);
  const store::User& user = change.user_;
  // The other sessions end first: where the two writes are separate units
  // (PostgreSQL), a failure between them leaves the old password and no
  // other session, so the change can be retried; never the new password
  // with someone else's session still live.
  const UnixSeconds now = ctx_.clock();
  auto ended = ctx_.store.sessions().revoke_all_of(user.id, change.session_id_, now,
                                                   store::EndReason::password_change);
  if (!ended) return store_failure(ended);
  ctx_.tokens.revoked_after_commit(ctx_.store.database(), *ended, now);
  if (auto r = ctx_.store.users().change_password(user.id, change.new_hash_, now); !r) return store_failure(r);
  const auto count = static_cast<std::int64_t>(ended->size());
  log::info("auth.password_changed", {{"user_id", std::string_view(user.id)}, {"sessions_ended", count}});
  ctx_.record({.event = "password_change", .user_id = user.id, .username = user.username,
               .session_id = change.session_id_, .detail = audit_detail({{"sessions_ended", count}})},
              client);
  return ended->size();
}

}  // namespace latchkey::auth
