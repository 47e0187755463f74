#include "auth/sessions.hpp"

#include <algorithm>
#include <chrono>

#include "auth/device.hpp"
#include "crypto/digest.hpp"
#include "crypto/random.hpp"
#include "util/log.hpp"
#include "util/utf8.hpp"

namespace latchkey::auth {

namespace {

// A rotation that loses its compare-and-set re-reads the session and
// decides again; a second loss in a row only happens under absurd contention.
constexpr int kRotationAttempts = 3;

// Access tokens kept for grace-window replays; at ~600 bytes each, 16 MB at most.
constexpr std::size_t kReplayCacheEntries = 1 << 14;

std::int64_t now_micros() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

std::int64_t count(std::size_t n) { return static_cast<std::int64_t>(n); }

TokenGrant grant_of(const store::Session& s) { return {s.client_id, s.scope, s.parent_id}; }

}  // namespace

SessionInfo describe_session(store::Session s, UnixSeconds idle_ttl, std::string_view current_session_id) {
  SessionInfo info;
  info.expires_at = session_end(s, idle_ttl);
  info.device = describe_device(s.user_agent);
  info.current = !current_session_id.empty() && s.id == current_session_id;
  info.session = std::move(s);
  return info;
}

Sessions::Sessions(const Context& ctx, const TokenIssuer& issuer, const Authenticator& authenticator)
    : ctx_(ctx), issuer_(issuer), authenticator_(authenticator),
      replays_(kReplayCacheEntries, ctx.options.reuse_grace) {}

Expected<TokenPair> Sessions::open(const store::User& user, const Client& client, const SessionSpec& spec) {
  auto opened = create(user, client, spec);
  if (!opened) return tl::unexpected(opened.error());
  return issue(*opened);
}

Expected<OpenedSession> Sessions::create(const store::User& user, const Client& client, const SessionSpec& spec) {
  const UnixSeconds now = ctx_.clock();
  store::Session s;
  s.id = crypto::time_ordered_token(10);  // 22 characters, as before
  s.user_id = user.id;
  s.created_at = now;
  s.last_used_at = now;
  s.expires_at = now + ctx_.options.refresh_ttl;
  s.created_seq = now_micros();
  // Headers are not checked as UTF-8; the session list is JSON.
  s.user_agent = sanitize_utf8(client.user_agent, 512);
  s.ip = sanitize_utf8(client.ip, 64);
  s.kind = std::string(spec.kind);
  s.client_id = std::string(spec.client_id);
  s.parent_id = std::string(spec.parent_id);
  s.cookie_hash = std::string(spec.cookie_hash);
  s.auth_time = spec.auth_time != 0 ? spec.auth_time : now;
  s.amr = std::string(spec.amr);
  s.scope = std::string(spec.scope);
  std::string refresh = spec.refreshable ? ctx_.chain.first(s.id) : std::string();
  s.refresh_hash = spec.refreshable ? refresh_token_digest(refresh) : "-" + s.id;
  if (auto r = ctx_.store.sessions().create(s); !r) {
    // not_found: the account was disabled or deleted since it was read.
    if (r.error() == store::StoreError::not_found) return tl::unexpected(AuthError::account_disabled);
    return store_failure(r);
  }
  if (ctx_.options.max_sessions_per_user > 0) enforce_cap(user, now);
  TokenGrant grant = grant_of(s);
  return OpenedSession{user, std::move(s.id), std::move(refresh), now, std::move(grant)};
}

TokenPair Sessions::issue(const OpenedSession& o) const {
  return issuer_.pair(o.user, o.session_id, o.refresh_token, o.iat, o.iat, o.grant);
}

void Sessions::enforce_cap(const store::User& user, UnixSeconds now) {
  auto live = ctx_.store.sessions().list_live(user.id, now, ctx_.options.idle_since(now));
  if (!live || live->size() <= ctx_.options.max_sessions_per_user) return;
  std::sort(live->begin(), live->end(), [](const store::Session& a, const store::Session& b) {
    return a.last_used_at != b.last_used_at ? a.last_used_at < b.last_used_at : a.created_at < b.created_at;
  });
  const std::size_t excess = live->size() - ctx_.options.max_sessions_per_user;
  for (std::size_t i = 0; i < excess; ++i) {
    const auto& victim = (*live)[i];
    if (!ctx_.store.sessions().revoke(victim.id, user.id, now, store::EndReason::session_limit)) continue;
    ctx_.tokens.revoked_after_commit(ctx_.store.database(), victim.id, now);
    log::info("auth.session_limit",
              {{"user_id", std::string_view(user.id)}, {"session_id", std::string_view(victim.id)}});
    ctx_.record({.event = "session_limit", .actor = "system", .user_id = user.id, .username = user.username,
                 .session_id = victim.id},
                {});
  }
}

Expected<TokenPair> Sessions::refresh(std::string_view refresh_token, const Client& client) {
  auto request = prepare_refresh(refresh_token);
  if (!request) return tl::unexpected(request.error());
  auto grant = apply_refresh(*request, client);
  if (!grant) return tl::unexpected(grant.error());
  return issue_refresh(std::move(*grant));
}

Expected<RefreshRequest> Sessions::prepare_refresh(std::string_view refresh_token) const {
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
  if (ctx_.options.rotate_refresh_tokens) {
    r.next = ctx_.chain.next(refresh_token);
    r.next_digest = refresh_token_digest(r.next);
  }
  return r;
}

Expected<RefreshGrant> Sessions::apply_refresh(const RefreshRequest& r, const Client& client) {
  const RefreshPolicy policy{ctx_.options.reuse_grace, ctx_.options.idle_ttl};
  for (int attempt = 0; attempt < kRotationAttempts; ++attempt) {
    auto both = ctx_.store.sessions().find_with_user(r.session_id);
    if (!both) {
      if (both.error() == store::StoreError::not_found) return tl::unexpected(AuthError::token_invalid);
      return store_failure(both);
    }
    const store::Session& s = both->session;
    // The session's current token: its digest is known already. An older
    // one: walk the chain forward (RefreshChain::belongs).
    const bool current = r.generation == s.generation && r.session_id == s.id &&
                         crypto::constant_time_equal(r.digest, s.refresh_hash);
    if (!current && !ctx_.chain.belongs(r.token, s)) return tl::unexpected(AuthError::token_invalid);
    // Another client's token (or an OAuth client's at /refresh_token) is
    // refused as unknown, and spends nothing: it is not a replay of ours.
    if (s.client_id != r.client_id) return tl::unexpected(AuthError::token_invalid);
    const UnixSeconds now = ctx_.clock();
    const RefreshVerdict verdict = classify_refresh(s, r.generation, now, policy);
    if (verdict == RefreshVerdict::ended) return tl::unexpected(AuthError::session_ended);
    if (verdict == RefreshVerdict::expired) return tl::unexpected(AuthError::token_expired);
    if (verdict == RefreshVerdict::reuse) return end_reused(s, now, client);

    std::optional<store::User>& user = both->user;
    if (!user || user->disabled_at) return tl::unexpected(AuthError::session_ended);
    if (verdict == RefreshVerdict::replay) {
      // A retry or a second tab: the pair the first use received, not a new chain.
      ++ctx_.counters.refresh_replayed;
      return RefreshGrant{std::move(*user), r.next, r.next_digest, *s.rotated_at, grant_of(s), now};
    }
    if (!ctx_.options.rotate_refresh_tokens) {
      ++ctx_.counters.refresh_not_rotated;
      ctx_.usage.note(s.id, now);
      return RefreshGrant{std::move(*user), r.token, {}, now, grant_of(s), now};
    }
    auto won = ctx_.store.sessions().rotate_refresh(store::Rotation{s.id, s.generation, r.digest, r.next_digest, now});
    if (!won) return store_failure(won);
    if (*won) {
      ++ctx_.counters.refresh_rotated;
      return RefreshGrant{std::move(*user), r.next, r.next_digest, now, grant_of(s), now};
    }
    // Another request rotated first: look again (it is now a replay).
  }
  log::warn("auth.refresh_contention", {{"session_id", std::string_view(r.session_id)}});
  return tl::unexpected(AuthError::unavailable);
}

TokenPair Sessions::issue_refresh(RefreshGrant g) {
  auto parts = parse_refresh_token(g.refresh_token);  // checked when the grant was made
  const std::string session_id(parts ? parts->session_id : std::string_view{});
  TokenPair pair = issuer_.pair(g.user, session_id, std::move(g.refresh_token), g.iat, g.now, g.grant);
  // The first of the requests holding the same refresh token to get here
  // sets the access token all of them answer with.
  if (!g.replay_key.empty())
    pair.access_token = replays_.remember(g.replay_key, std::move(pair.access_token), ctx_.clock());
  return pair;
}

tl::unexpected<AuthError> Sessions::end_reused(const store::Session& s, UnixSeconds now, const Client& client) {
  ++ctx_.counters.refresh_reuse_detected;
  log::warn("auth.refresh_reuse_detected",
            {{"user_id", std::string_view(s.user_id)}, {"session_id", std::string_view(s.id)}});
  auto r = ctx_.store.sessions().revoke(s.id, s.user_id, now, store::EndReason::reuse_detected);
  if (!r && r.error() != store::StoreError::not_found) return store_failure(r);
  ctx_.tokens.revoked_after_commit(ctx_.store.database(), s.id, now);
  // A stolen token of an OAuth client's session: the browser session it came
  // from is suspect too, and with it single sign-on (its other clients are
  // told by back-channel logout).
  if (!s.parent_id.empty()) {
    auto p = ctx_.store.sessions().revoke(s.parent_id, s.user_id, now, store::EndReason::reuse_detected);
    if (!p && p.error() != store::StoreError::not_found) return store_failure(p);
    if (p) ctx_.tokens.revoked_after_commit(ctx_.store.database(), s.parent_id, now);
  }
  ctx_.record({.event = "refresh_reuse_detected", .user_id = s.user_id, .session_id = s.id}, client);
  return tl::unexpected(AuthError::token_reused);
}

Expected<store::Session> Sessions::session_of_token(const Principal& caller, std::string_view token) {
  std::string session_id;
  const auto refresh_parts = parse_refresh_token(token);
  if (!refresh_parts) {
    // Any authentic access token of the caller names its session, even an
    // expired one: the session behind it may still hold a live refresh token.
    auto claims = authenticator_.claims_even_if_expired(token);
    if (!claims || claims->sub != caller.user_id) return tl::unexpected(AuthError::session_not_found);
    session_id = std::move(claims->sid);
  } else {
    session_id = std::string(refresh_parts->session_id);
  }
  auto s = ctx_.store.sessions().find(session_id);
  if (!s) {
    if (s.error() == store::StoreError::not_found) return tl::unexpected(AuthError::session_not_found);
    return store_failure(s);
  }
  if (s->user_id != caller.user_id) return tl::unexpected(AuthError::session_not_found);
  if (refresh_parts && !ctx_.chain.belongs(token, *s)) return tl::unexpected(AuthError::session_not_found);
  return std::move(*s);
}

Expected<std::string> Sessions::logout(const Principal& caller, const LogoutTarget& target, const Client& client) {
  std::string session_id(caller.session_id);
  if (target.token) {
    auto s = session_of_token(caller, *target.token);
    if (!s) return tl::unexpected(s.error());
    session_id = std::move(s->id);
  } else if (target.session_id) {
    session_id = std::string(*target.session_id);
  }
  const UnixSeconds now = ctx_.clock();
  if (auto r = ctx_.store.sessions().revoke(session_id, caller.user_id, now, store::EndReason::logout); !r) {
    if (r.error() == store::StoreError::not_found) return tl::unexpected(AuthError::session_not_found);
    return store_failure(r);
  }
  ctx_.tokens.revoked_after_commit(ctx_.store.database(), session_id, now);
  log::info("auth.logout",
            {{"user_id", std::string_view(caller.user_id)}, {"session_id", std::string_view(session_id)}});
  ctx_.record({.event = "logout", .user_id = caller.user_id, .username = caller.username, .session_id = session_id,
               .detail = audit_detail({{"by_session", std::string_view(caller.session_id)}})},
              client);
  return session_id;
}

Expected<std::size_t> Sessions::logout_all(const Principal& caller, bool keep_current, const Client& client) {
  const UnixSeconds now = ctx_.clock();
  const auto reason = keep_current ? store::EndReason::logout_others : store::EndReason::logout_all;
  auto ended = ctx_.store.sessions().revoke_all_of(
      caller.user_id, keep_current ? std::optional<std::string_view>(caller.session_id) : std::nullopt, now,
      reason);
  if (!ended) return store_failure(ended);
  ctx_.tokens.revoked_after_commit(ctx_.store.database(), *ended, now);
  log::info("auth.logout_all", {{"user_id", std::string_view(caller.user_id)},
                                {"reason", store::reason_name(reason)},
                                {"sessions_ended", count(ended->size())}});
  ctx_.record({.event = store::reason_name(reason), .user_id = caller.user_id, .username = caller.username,
               .session_id = caller.session_id, .detail = audit_detail({{"sessions_ended", count(ended->size())}})},
              client);
  return ended->size();
}

Expected<std::vector<SessionInfo>> Sessions::list(const Principal& caller) {
  const UnixSeconds now = ctx_.clock();
  auto rows = ctx_.store.sessions().list_live(caller.user_id, now, ctx_.options.idle_since(now));
  if (!rows) return store_failure(rows);
  std::vector<SessionInfo> out;
  out.reserve(rows->size());
  for (auto& s : *rows) out.push_back(describe_session(std::move(s), ctx_.options.idle_ttl, caller.session_id));
  return out;
}

std::vector<store::Usage> Sessions::take_usage() { return ctx_.usage.take(ctx_.clock()); }

Expected<void> Sessions::write_usage(std::span<const store::Usage> used) {
  if (auto r = ctx_.store.sessions().touch(used); !r) return store_failure(r);
  return {};
}

Expected<std::size_t> Sessions::flush_usage() {
  const auto used = take_usage();
  if (auto r = write_usage(used); !r) return tl::unexpected(r.error());
  return used.size();
}

}  // namespace latchkey::auth
