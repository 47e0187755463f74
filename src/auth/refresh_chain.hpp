#pragma once
// Refresh tokens and their rotation chain.
//
// A refresh token reads "lkr_<session id>.<generation>.<secret>". The first
// of a session is random; each rotation derives the next from the one before
// with HMAC-SHA-256 under a server secret (never stored with the sessions):
//
//   token[n+1] = lkr_<sid>.<n+1>.base64url(HMAC(secret, token[n]))
//
// so the server keeps only the digest of the current token, yet can
//  - answer a retry of a just-spent token with the very same new token, and
//  - prove that an older token really belonged to the chain (walk it forward
//    to the current digest), which is what makes reuse detection safe: a
//    forged token can never revoke somebody's session.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/store.hpp"
#include "util/time.hpp"

namespace latchkey::auth {

struct RefreshTokenParts {
  std::string_view session_id;
  std::int64_t generation = 0;
};

// nullopt when the text does not have the shape of one of our refresh tokens.
std::optional<RefreshTokenParts> parse_refresh_token(std::string_view token);

// The digest kept in the database for a refresh token.
std::string refresh_token_digest(std::string_view token);

class RefreshChain {
 public:
  // How far back a presented token may lie and still be recognised.
  static constexpr std::int64_t kMaxWalk = 5000;

  explicit RefreshChain(std::string secret) : secret_(std::move(secret)) {}

  std::string first(std::string_view session_id) const;
  std::string next(std::string_view token) const;
  // The jti of the access token issued with this refresh token: derived, so
  // that a replay within the grace window yields the same access token.
  std::string jti_for(std::string_view token) const;

  // The token `steps` rotations after `token`, or nullopt if it cannot be
  // parsed or lies more than kMaxWalk steps back.
  std::optional<std::string> advance(std::string_view token, std::int64_t steps) const;

  // True when `token` is, or once was, a token of this session's chain.
  bool belongs(std::string_view token, const store::Session& session) const;

 private:
  std::string secret_;
};

// What to do with an authentic refresh token, given its session.
enum class RefreshVerdict {
  rotate,  // current token: issue the next one (or reuse it when rotation is off)
  replay,  // spent a moment ago (within the grace window): answer as the first use did
  reuse,   // spent earlier: a theft signal, end the session
  ended,   // the session was logged out
  expired, // past the absolute or the idle lifetime
};

struct RefreshPolicy {
  UnixSeconds grace = 10;
  UnixSeconds idle_ttl = 7 * 86400;
};

// The rotation state machine, pure: `generation` is the presented token's.
RefreshVerdict classify_refresh(const store::Session& session, std::int64_t generation,
                                UnixSeconds now, const RefreshPolicy& policy);

// When the session stops being usable: the absolute end or the idle limit.
UnixSeconds session_end(const store::Session& session, UnixSeconds idle_ttl);

}  // namespace latchkey::auth
