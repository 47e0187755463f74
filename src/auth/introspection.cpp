#include "auth/introspection.hpp"

#include "auth/refresh_chain.hpp"
#include "util/log.hpp"

namespace latchkey::auth {

namespace {

// Not found is an answer ("not active", "nothing to revoke"), not a failure.
template <class T, class U>
Expected<U> unless_not_found(const store::Result<T>& r, U answer) {
  if (r.error() == store::StoreError::not_found) return answer;
  return store_failure(r);
}

template <class T>
Expected<void> ignore_not_found(const store::Result<T>& r) {
  if (r.error() == store::StoreError::not_found) return {};
  return store_failure(r);
}

}  // namespace

Expected<Introspection> TokenIntrospection::introspect(std::string_view token) {
  const UnixSeconds now = ctx_.clock();
  if (parse_refresh_token(token)) return introspect_refresh(token, now);
  Introspection out;
  auto claims = token::verify_access_token(token, *ctx_.tokens.keys(), policy_, now);
  if (!claims || ctx_.tokens.is_revoked(claims->sid)) return out;
  auto s = ctx_.store.sessions().find(claims->sid);
  if (!s) return unless_not_found(s, out);
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

Expected<Introspection> TokenIntrospection::introspect_refresh(std::string_view token, UnixSeconds now) {
  Introspection out;
  auto parts = parse_refresh_token(token);
  auto s = ctx_.store.sessions().find(parts->session_id);
  if (!s) return unless_not_found(s, out);
  const RefreshPolicy policy{ctx_.options.reuse_grace, ctx_.options.idle_ttl};
  if (!ctx_.chain.belongs(token, *s) || classify_refresh(*s, parts->generation, now, policy) != RefreshVerdict::rotate)
    return out;
  auto user = ctx_.store.users().find_by_id(s->user_id);
  if (!user) return unless_not_found(user, out);
  out.active = true;
  out.token_type = "refresh_token";
  out.sub = s->user_id;
  out.username = user->username;
  out.sid = s->id;
  out.iat = s->rotated_at.value_or(s->created_at);
  out.exp = session_end(*s, ctx_.options.idle_ttl);
  return out;
}

Expected<void> TokenIntrospection::revoke(std::string_view token, const Client& client) {
  std::string session_id;
  std::string user_id;
  if (auto parts = parse_refresh_token(token)) {
    auto s = ctx_.store.sessions().find(parts->session_id);
    if (!s) return ignore_not_found(s);
    if (!ctx_.chain.belongs(token, *s)) return {};
    session_id = s->id;
    user_id = s->user_id;
  } else {
    auto claims = authenticator_.claims_even_if_expired(token);
    if (!claims) return {};
    session_id = std::move(claims->sid);
    user_id = std::move(claims->sub);
  }
  const UnixSeconds now = ctx_.clock();
  auto r = ctx_.store.sessions().revoke(session_id, user_id, now, store::EndReason::revoked);
  if (!r) return ignore_not_found(r);
  ctx_.tokens.revoked_after_commit(ctx_.store.database(), session_id, now);
  log::info("auth.token_revoked",
            {{"user_id", std::string_view(user_id)}, {"session_id", std::string_view(session_id)}});
  ctx_.record({.event = "token_revoked", .user_id = user_id, .session_id = session_id}, client);
  return {};
}

}  // namespace latchkey::auth
