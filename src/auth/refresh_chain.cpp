#include "auth/refresh_chain.hpp"

#include <algorithm>
#include <charconv>

#include "crypto/base64url.hpp"
#include "crypto/digest.hpp"
#include "crypto/random.hpp"

namespace latchkey::auth {

namespace {

constexpr std::string_view kPrefix = "lkr_";
constexpr std::size_t kMaxTokenLength = 160;

std::string make_token(std::string_view sid, std::int64_t generation, std::string_view secret) {
  std::string t;
  t.reserve(kPrefix.size() + sid.size() + 24 + 44);
  t.append(kPrefix).append(sid).append(".").append(std::to_string(generation)).append(".");
  t.append(crypto::base64url_encode(secret));
  return t;
}

bool base64url_text(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

}  // namespace

std::optional<RefreshTokenParts> parse_refresh_token(std::string_view token) {
  if (token.size() > kMaxTokenLength || !token.starts_with(kPrefix)) return std::nullopt;
  token.remove_prefix(kPrefix.size());
  const auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return std::nullopt;
  const auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return std::nullopt;
  RefreshTokenParts parts;
  parts.session_id = token.substr(0, dot1);
  const std::string_view gen = token.substr(dot1 + 1, dot2 - dot1 - 1);
  auto [end, ec] = std::from_chars(gen.data(), gen.data() + gen.size(), parts.generation);
  if (ec != std::errc{} || end != gen.data() + gen.size() || parts.generation < 0 ||
      (gen.size() > 1 && gen.front() == '0'))
    return std::nullopt;
  if (!base64url_text(parts.session_id) || !base64url_text(token.substr(dot2 + 1)))
    return std::nullopt;
  return parts;
}

std::string refresh_token_digest(std::string_view token) {
  return crypto::token_digest(token);
}

std::string RefreshChain::first(std::string_view session_id) const {
  return make_token(session_id, 0, crypto::random_bytes(32));
}

std::string RefreshChain::next(std::string_view token) const {
  auto parts = parse_refresh_token(token);
  if (!parts) return {};
  return make_token(parts->session_id, parts->generation + 1, crypto::hmac_sha256(secret_, token));
}

std::string RefreshChain::jti_for(std::string_view token) const {
  std::string mac = crypto::hmac_sha256(secret_, std::string("jti:").append(token));
  return crypto::base64url_encode(std::string_view(mac).substr(0, 16));
}

std::optional<std::string> RefreshChain::advance(std::string_view token, std::int64_t steps) const {
  if (steps < 0 || steps > kMaxWalk || !parse_refresh_token(token)) return std::nullopt;
  std::string cur(token);
  for (std::int64_t i = 0; i < steps; ++i) cur = next(cur);
  return cur;
}

bool RefreshChain::belongs(std::string_view token, const store::Session& session) const {
  auto parts = parse_refresh_token(token);
  if (!parts || parts->session_id != session.id || parts->generation > session.generation)
    return false;
  auto current = advance(token, session.generation - parts->generation);
  return current && crypto::constant_time_equal(refresh_token_digest(*current), session.refresh_hash);
}

UnixSeconds session_end(const store::Session& s, UnixSeconds idle_ttl) {
  return std::min(s.expires_at, s.last_used_at + idle_ttl);
}

RefreshVerdict classify_refresh(const store::Session& s, std::int64_t generation, UnixSeconds now,
                                const RefreshPolicy& policy) {
  if (s.revoked_at) return RefreshVerdict::ended;
  if (now >= session_end(s, policy.idle_ttl)) return RefreshVerdict::expired;
  const std::int64_t behind = s.generation - generation;
  if (behind == 0) return RefreshVerdict::rotate;
  if (behind == 1 && s.rotated_at && now - *s.rotated_at <= policy.grace) return RefreshVerdict::replay;
  return RefreshVerdict::reuse;
}

}  // namespace latchkey::auth
