#pragma once
// What the auth jobs are configured with, where a request came from, and
// the event counts they keep.
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "abuse/limits.hpp"
#include "auth/password_policy.hpp"
#include "crypto/password.hpp"
#include "util/time.hpp"

namespace latchkey::auth {

struct Options {
  UnixSeconds access_ttl = 15 * 60;
  UnixSeconds refresh_ttl = 30 * 86400;  // absolute session lifetime
  UnixSeconds idle_ttl = 7 * 86400;      // a session unused this long ends
  UnixSeconds reuse_grace = 10;          // a spent refresh token is replayed, not punished, this long
  bool rotate_refresh_tokens = true;
  std::size_t max_sessions_per_user = 0;  // 0: no cap
  UnixSeconds leeway = 30;                // clock skew allowed on token times
  std::string issuer;
  std::string audience = "latchkey";
  crypto::PasswordParams password;
  std::size_t min_password_chars = 8;
  std::size_t max_password_bytes = 1024;
  std::size_t max_username_chars = 64;
  // LOGIN_WITH_EMAIL: a name that is no account's may be a verified address.
  bool login_with_email = false;
  // REQUIRE_VERIFIED_EMAIL: no session until the account's address is verified.
  bool require_verified_email = false;
  // The abuse limits (abuse/limits.hpp), and whether other instances count
  // in the same store (PostgreSQL), so that checks must read it.
  abuse::Policies limits = abuse::default_policies();
  bool limits_shared = false;
  // Verified access tokens kept (token/verified_cache.hpp); 0 turns it off.
  std::size_t token_cache_size = 65536;

  PasswordPolicy password_policy() const { return {min_password_chars, max_password_bytes}; }
  // Live-session listings count sessions used at or after this.
  UnixSeconds idle_since(UnixSeconds now) const { return now - idle_ttl + 1; }
};

// Where a request came from, recorded on the session it creates and in the audit trail.
struct Client {
  std::string_view user_agent;
  std::string_view ip;
};

// Event counts since start, for logs and metrics.
struct Counters {
  std::atomic<std::uint64_t> login_succeeded{0};
  std::atomic<std::uint64_t> login_bad_credentials{0};
  std::atomic<std::uint64_t> login_locked{0};
  std::atomic<std::uint64_t> login_rate_limited{0};  // refused by a per-IP limit, before any hashing
  std::atomic<std::uint64_t> refresh_rotated{0};
  std::atomic<std::uint64_t> refresh_replayed{0};
  std::atomic<std::uint64_t> refresh_reuse_detected{0};
  std::atomic<std::uint64_t> refresh_not_rotated{0};  // REFRESH_ROTATION=off
};

}  // namespace latchkey::auth
