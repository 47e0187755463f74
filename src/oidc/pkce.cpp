#include "oidc/pkce.hpp"

#include <algorithm>

#include "crypto/base64url.hpp"
#include "crypto/digest.hpp"

namespace latchkey::oidc {

namespace {

constexpr std::size_t kMinVerifier = 43;
constexpr std::size_t kMaxVerifier = 128;
constexpr std::size_t kChallengeLength = 43;  // ceil(32 * 8 / 6)

bool alnum(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// The value of a base64url character (the caller checked it is one).
int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  return c == '-' ? 62 : 63;
}

}  // namespace

bool valid_verifier(std::string_view v) {
  return v.size() >= kMinVerifier && v.size() <= kMaxVerifier &&
         std::all_of(v.begin(), v.end(), [](char c) { return alnum(c) || c == '-' || c == '.' || c == '_' || c == '~'; });
}

bool valid_challenge(std::string_view c) {
  if (c.size() != kChallengeLength ||
      !std::all_of(c.begin(), c.end(), [](char x) { return alnum(x) || x == '-' || x == '_'; }))
    return false;
  // 43 characters hold 258 bits; the last 2 beyond the 256 must be zero.
  return (sextet(c.back()) & 0x3) == 0;
}

std::string s256_challenge(std::string_view verifier) {
  return crypto::base64url_encode(crypto::sha256(verifier));
}

bool verify_s256(std::string_view verifier, std::string_view challenge) {
  if (!valid_verifier(verifier) || !valid_challenge(challenge)) return false;
  // Both sides are 43 characters here: constant_time_equal's time depends
  // on nothing secret.
  return crypto::constant_time_equal(s256_challenge(verifier), challenge);
}

}  // namespace latchkey::oidc
